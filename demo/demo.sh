#!/bin/bash
# demo/demo.sh - vantage at work on one machine, in about ten seconds.
#
#   sudo ./dev.sh demo        (or: demo/demo.sh after ./dev.sh build; root is not needed)
#
# It starts, each on its own 127.x.y.z address inside a private temporary directory:
#   - NSD, the honest authoritative DNS of example.test;
#   - dnsmasq, "your ISP's resolver", which forwards to NSD but lies about bank.example.test;
#   - three vantage-mirror processes (regions eu, us, ap), each with its own private CA made
#     by `vantage-mirror keygen`, each asking the honest NSD;
#   - vantaged, forwarding to the lying dnsmasq and cross-checking with the three pinned
#     mirrors;
# then asks with dig: an honest name comes back as usual, the poisoned one is REFUSED with an
# Extended DNS Error saying why. Everything is stopped by PID and removed at the end (also on
# Ctrl-C). On a terminal it waits for Enter before tearing down, so you can try dig yourself.
#
# Environment: BUILD_DIR (default ./build; built with ./dev.sh build when missing),
# VANTAGED / VANTAGE_MIRROR (binaries), DEMO_NONINTERACTIVE=1 (never wait), DEMO_KEEP=1 (keep
# the temporary directory and its logs).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC/build}
VANTAGED=${VANTAGED:-$BUILD_DIR/vantaged}
VANTAGE_MIRROR=${VANTAGE_MIRROR:-$BUILD_DIR/vantage-mirror}

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

for p in nsd dnsmasq dig; do
	command -v "$p" > /dev/null ||
		die "$p is not installed (sudo ./dev.sh deps, or apt-get install nsd dnsmasq-base bind9-dnsutils)"
done
if [ ! -x "$VANTAGED" ] || [ ! -x "$VANTAGE_MIRROR" ]; then
	say "demo: building vantage first (./dev.sh build)"
	SKIP_DEPS=1 BUILD_DIR=$BUILD_DIR "$SRC/dev.sh" build > /dev/null || die "the build failed"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/vantage-demo.XXXXXX") || die "mktemp failed"
PIDS=()

# shellcheck disable=SC2317 # alive and cleanup run from the EXIT trap
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null; }

# shellcheck disable=SC2317
cleanup() {
	local i p n
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2> /dev/null; done
	for p in "${PIDS[@]}"; do	# at most 5 s in all, then KILL
		for ((n = 0; n < 50 && $(alive "$p" && echo 1 || echo 0); n++)); do sleep 0.1; done
		alive "$p" && kill -KILL "$p" 2> /dev/null
		wait "$p" 2> /dev/null
	done
	if [ "${DEMO_KEEP:-0}" = 1 ]; then say "demo: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: in the background, output to $W/NAME.log
start() {
	local name=$1; shift
	"$@" > "$W/$name.log" 2>&1 < /dev/null &
	PIDS+=("$!")
}

# wait_for SECS CMD...: poll until CMD succeeds (bounded)
wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

fail_log() { say "demo: $1 did not start; its log:" >&2; tail -n 20 "$W/$2.log" >&2; exit 1; }

# addresses: 127.(200-249).X.1-6, from our PID (the test suite uses 127.1-130.x.y)
NET=127.$((200 + $$ % 50)).$((($$ / 50) % 256))
NSD_A=$NET.1 ISP_A=$NET.2 VD_A=$NET.6
declare -A MA=([eu]=$NET.3 [us]=$NET.4 [ap]=$NET.5)

# --- the honest DNS
cat > "$W/example.test.zone" <<'ZONE'
$ORIGIN example.test.
$TTL 300
@	SOA	ns1 hostmaster 1 3600 900 604800 30
@	NS	ns1
ns1	A	127.193.215.53
www	A	127.193.215.14
bank	A	127.193.215.80
ZONE
cat > "$W/nsd.conf" <<NSDCONF
server:
    ip-address: $NSD_A@5300
    port: 5300
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$W"
    database: ""
    zonelistfile: "$W/zone.list"
    xfrdfile: "$W/xfrd.state"
    xfrdir: "$W"
    pidfile: "$W/nsd.pid"
    hide-version: yes
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: example.test.zone
NSDCONF
start nsd nsd -d -c "$W/nsd.conf"
wait_for 10 dig @"$NSD_A" -p 5300 +tries=1 +time=1 +short example.test SOA || fail_log NSD nsd

# --- the lying resolver
DNSMASQ_USER=()
[ "$(id -u)" = 0 ] && DNSMASQ_USER=(--user=root)
start dnsmasq dnsmasq -k --conf-file=/dev/null --listen-address="$ISP_A" --port=5353 \
	--bind-interfaces --no-resolv --no-hosts --server="$NSD_A#5300" \
	--address=/bank.example.test/127.145.77.80 --local-ttl=60 --pid-file="$W/dnsmasq.pid" \
	--log-facility="$W/dnsmasq-queries.log" "${DNSMASQ_USER[@]}"
# shellcheck disable=SC2016 # expanded by the inner sh
wait_for 10 sh -c '[ -n "$(dig @"$1" -p 5353 +tries=1 +time=1 +short ns1.example.test A)" ]' sh "$ISP_A" ||
	fail_log dnsmasq dnsmasq

# --- three mirrors, each with its own CA
MIRROR_LIST=""
for r in eu us ap; do
	a=${MA[$r]}
	entry=$("$VANTAGE_MIRROR" keygen --dir "$W/keys-$r" --address "$a:8443" --region "$r" 2> "$W/keygen-$r.log") ||
		fail_log "vantage-mirror keygen ($r)" "keygen-$r"
	MIRROR_LIST="$MIRROR_LIST    $entry"$'\n'
	mkdir -p "$W/state-$r"
	cat > "$W/mirror-$r.yaml" <<MCONF
listen: ["$a:8443"]
name: mirror-$r
tls: { dir: "$W/keys-$r" }
upstreams: ["$NSD_A:5300"]
upstream_timeout: 2s
region: $r
state_dir: "$W/state-$r"
MCONF
	start "mirror-$r" "$VANTAGE_MIRROR" -d -c "$W/mirror-$r.yaml"
	wait_for 10 grep -q 'listen: bound ' "$W/mirror-$r.log" || fail_log "vantage-mirror $r" "mirror-$r"
done

# --- vantaged: the lying resolver as upstream, the three mirrors pinned
cat > "$W/vantaged.yaml" <<VCONF
listen: ["$VD_A:5353"]
upstreams: ["$ISP_A:5353"]
upstream_timeout: 2s
mirrors:
  bootstrap: "$W/no-bootstrap.yaml"
  list:
$MIRROR_LIST
consensus:
  mode: enforce
  mirrors_per_query: 3
  on_dissent: refuse
  probe: off                   # no TLS server behind the demo's addresses
cache: { max_entries: 1000, state_file: "$W/state" }
control: { socket: "$W/control.sock" }
log: { level: info, dissent_log: "$W/dissent.jsonl" }
user: ""
VCONF
start vantaged "$VANTAGED" -d -c "$W/vantaged.yaml"
wait_for 10 grep -q 'main: ready' "$W/vantaged.log" || fail_log vantaged vantaged

# --- the show
q() {	# q ADDR PORT NAME: dig, showing the status, the EDE and the answer
	local out
	out=$(timeout 15 dig @"$1" -p "$2" +tries=1 +time=5 "$3" A)
	say "\$ dig @$1 -p $2 $3 A"
	grep -E 'status:|; EDE:' <<< "$out" | sed 's/^;; //; s/^/    /'
	awk '/^;; ANSWER SECTION:/ { on = 1; next } on && /^$/ { on = 0 } on { print "    " $0 }' <<< "$out"
	say ""
}
say ""
say "vantage demo - every part on its own loopback address, in $W"
say "  honest DNS (NSD)        $NSD_A:5300   www.example.test 127.193.215.14, bank.example.test 127.193.215.80"
say "  your resolver (dnsmasq) $ISP_A:5353   forwards to NSD, but LIES: bank.example.test -> 127.145.77.80"
say "  3 secure mirrors        ${MA[eu]}, ${MA[us]}, ${MA[ap]} :8443 (eu, us, ap), each its own CA, asking NSD"
say "  vantaged                $VD_A:5353   upstream: your resolver; cross-checks with the pinned mirrors"
say ""
say "1. Your resolver alone tells the lie:"
q "$ISP_A" 5353 bank.example.test
say "2. Through vantaged, an honest name is answered as usual:"
q "$VD_A" 5353 www.example.test
say "3. ... and the poisoned name is refused, with an Extended DNS Error saying why:"
q "$VD_A" 5353 bank.example.test
say "vantaged asked the three mirrors over pinned TLS; the honest DNS they see says"
say "127.193.215.80, so the resolver's 127.145.77.80 dissents from the consensus and is refused"
say "(consensus.on_dissent; 'mode: monitor' would only log it). Its log says:"
grep -E 'consensus: .*dissent' "$W/vantaged.log" | head -n 1 | sed 's/^/    /'
say "and log.dissent_log has a JSON line for it:"
head -n 1 "$W/dissent.jsonl" 2> /dev/null | cut -c 1-160 | sed 's/^/    /'
say ""
if [ -t 0 ] && [ "${DEMO_NONINTERACTIVE:-0}" != 1 ]; then
	say "Everything is still running: try the dig commands above (logs and configs in $W)."
	read -r -p "Press Enter to stop it all. " _ || true
fi
say "demo: stopping NSD, dnsmasq, the mirrors and vantaged"
exit 0
