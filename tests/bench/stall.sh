#!/bin/bash
# tests/bench/stall.sh - the event loop's longest stall on hostile input (issue 12: "no network
# input may hold the event loop more than 10 ms").
#
# Method: vantaged and vantage-mirror are single-threaded, so a question asked while the loop is
# busy is answered only when it is free again. tests/adversary/loopwatch.py asks one question
# every INTERVAL (2 ms) for DURATION seconds and records every answer's latency; a quiet run
# gives the baseline, then one hostile input at a time is fed while the stream runs. "max" is
# the longest latency (the stall plus one answer), "p99" and "p50" the usual percentiles.
#   vantaged: a hostile mirror known by pin only answers GET /v1/mirrors (2 s late, so that the
#     stream is running) with each body of tests/adversary/hostile_body.py; the question is a
#     bypass name answered by a local ldns-testns.
#   vantage-mirror: the stream is DoH (GET /dns-query over one kept-alive TLS connection, so
#     the figure includes a TLS record each way); the hostile inputs are POST /v1/join,
#     /v1/report and /v1/remove bodies at limits.max_body (64 KiB) built to cost the parser
#     most: all keys, all tiny nodes.
#
# Not part of make check: it measures, it does not pass or fail. After a build, as any user:
#     tests/bench/stall.sh                  # BUILD_DIR=./build DURATION=5 INTERVAL=0.002
# Knobs: BUILD_DIR, DURATION, INTERVAL, BODIES (vantaged bodies, default all), SKIP_MIRROR=1.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$SRC top_builddir=${BUILD_DIR:-$SRC/build}
DURATION=${DURATION:-5} INTERVAL=${INTERVAL:-0.002}
BODIES=${BODIES:-"quiet keys-2M keys-128K nodes-128K strings-128K deep-128K pems-128K list-128K"}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mirror/lib_mirror.sh"
. "$SRC/tests/integration/consensus/lib_consensus.sh"
. "$SRC/tests/adversary/lib_adversary.sh"
VANTAGED=$top_builddir/vantaged
WATCH=$SRC/tests/adversary/loopwatch.py
say() { printf '%s\n' "$*"; }
die() { say "stall.sh: $*" >&2; TAP_FAILED=1; exit 1; }
# lib.sh keeps TAP bookkeeping; this script prints figures, not TAP.
TAP_DONE=1

liar_begin
liar_honest w.lan. A "w.lan. 300 IN A 127.200.0.1"
liar_start || die "cannot start ldns-testns"
mirror_keygen "$T/keys-evil" 127.0.0.1 zz || die "keygen failed"
EVIL_ID=$KEY_ID

# body_file KIND-SIZE -> the file
body_file() {
	local kind=${1%-*} size=${1##*-} f=$T/$1.json
	size=${size/K/000}
	size=${size/M/000000}
	case $kind in
	quiet) printf '{"version":1,"mirrors":[]}' > "$f" ;;
	pems) hostile_body pems "$size" 0000000000000000000000000000000000000000000000000000000000000001 \
		"$T/keys-evil/ca.pem" > "$f" ;;
	list) hostile_body list "$size" "$T/keys-evil/ca.pem" "$EVIL_ID" "$T/keys-evil/ca.pem" > "$f" ;;
	*) hostile_body "$kind" "$size" > "$f" ;;
	esac
	echo "$f"
}

n=0
HA=$(unique_addr) VL=$(unique_addr) || die "out of addresses"
say "vantaged ($VANTAGED): one hostile /v1/mirrors body per run, a question every ${INTERVAL}s for ${DURATION}s"
for b in $BODIES; do
	n=$((n + 1))
	f=$(body_file "$b")
	HOSTILE_DELAY=2 hostile_mirror "evil$n" "$T/keys-evil" "$f" "$HA" || die "hostile mirror"
	hpid=$HOSTILE_PID
	pin=0000000000000000000000000000000000000000000000000000000000000001
	[ "${b%-*}" = list ] && pin=$EVIL_ID
	MID[h]=$pin MHP[h]=${HOSTILE_HP[0]} MREGION[h]=r1
	cons_vconf "$T/vd$n.yaml" listen="$VL:0" upstream="$LIAR" mirrors="h" \
		c.bypass="[lan]" level=info learn=false || die "config"
	start_vantaged "$T/vd$n.yaml" > /dev/null || die "vantaged did not start"
	# A checked name makes vantaged connect to its mirror, and so fetch the CA (the body).
	qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" trigger.example A > /dev/null 2>&1 &
	out=$(python3 "$WATCH" --server "$VANTAGED_ADDR:$VANTAGED_PORT" --name w.lan \
		--interval "$INTERVAL" --duration "$DURATION" --label "$(printf '%-13s' "$b")")
	say "  $out  ($(stat -c %s "$f") bytes, served $(grep -c 'GET /v1/mirrors' "$T/evil$n.log")x)"
	stop_pid "$VANTAGED_PID" > /dev/null
	stop_pid "$hpid" > /dev/null
done

[ "${SKIP_MIRROR:-0}" = 1 ] && exit 0
# vantage-mirror: DoH latency while another client posts hostile bodies.
U=$(unique_addr) L=$(unique_addr) || die "out of addresses"
mirror_zone "$T/example.test.zone"
start_nsd "$U" 5300 example.test "$T/example.test.zone" > /dev/null || die "nsd"
mirror_keygen "$T/keys" "$L" || die "keygen"
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"network: { allow_private: true, joins_per_minute: 6000 }"
start_mirror "$T/m.yaml" > /dev/null || die "vantage-mirror did not start"
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
keys = '{' + ','.join('"k%d":1' % i for i in range(7000)) + '}'
open(t + "/m-keys.json", "w").write(keys[:65000].rsplit(",", 1)[0] + "}")
open(t + "/m-nodes.json", "w").write('{"version":1,"results":[' + ",".join(["1"] * 32000) + "]}")
EOF
say "vantage-mirror: DoH every ${INTERVAL}s for ${DURATION}s while hostile bodies are posted in a loop"
for kind in quiet keys nodes; do
	(
		end=$(( $(date +%s) + DURATION ))
		[ "$kind" = quiet ] && exit 0
		while [ "$(date +%s)" -lt "$end" ]; do
			for path in /v1/join /v1/report /v1/remove; do
				curl -sS --max-time 5 --cacert "$T/keys/ca.pem" -o /dev/null \
					-H 'Content-Type: application/json' --data-binary @"$T/m-$kind.json" \
					"https://$MIRROR_ADDR:$MIRROR_PORT$path"
			done
		done
	) &
	poster=$!
	out=$(python3 "$WATCH" --server "$MIRROR_ADDR:$MIRROR_PORT" --doh "$T/keys/ca.pem" \
		--name www.example.test --interval "$INTERVAL" \
		--duration "$DURATION" --label "$(printf '%-13s' "$kind-64K")")
	wait "$poster"
	say "  $out"
done
