#!/bin/bash
# tests/bench/consensus.sh - what cross-checking costs a cold miss, and how many TLS
# handshakes it takes: vantaged as a plain forwarder, then with three mirrors as fast as the
# upstream, then with three mirrors twice as slow, all behind the shared harness's delay relay.
#
# Not part of make check: it measures, it does not pass or fail. Run as root after a build:
#     tests/bench/consensus.sh              # NAMES=200 DELAY_MS=20
# Knobs: NAMES (cold names per run), DELAY_MS (one-way delay of the upstream relay; the slow
# mirrors' relay gets twice that), VOLUME (queries of the handshake-count run, default 10000,
# needs dnsperf; 0 skips it), BUILD_DIR (default ./build), SHARED_BENCH (default
# ../shared/bench, where delayproxy.c lives). Everything listens on unique 127.x addresses.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$SRC top_builddir=${BUILD_DIR:-$SRC/build}
SHARED_BENCH=${SHARED_BENCH:-$SRC/../shared/bench}
NAMES=${NAMES:-200} DELAY_MS=${DELAY_MS:-20} VOLUME=${VOLUME:-10000}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mirror/lib_mirror.sh"
. "$SRC/tests/integration/consensus/lib_consensus.sh"
say() { printf '%s\n' "$*"; }
die() { say "consensus.sh: $*" >&2; TAP_FAILED=1; exit 1; }

[ -f "$SHARED_BENCH/delayproxy.c" ] || die "no $SHARED_BENCH/delayproxy.c (set SHARED_BENCH)"
command -v kdig > /dev/null || die "kdig is needed (knot-dnsutils)"
cc -O2 -Wall -o "$T/delayproxy" "$SHARED_BENCH/delayproxy.c" || die "cannot build delayproxy"

# One zone with enough distinct names that every run is cold everywhere (mirrors cache too).
total=$((3 * NAMES + VOLUME))
{
	printf '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.193.215.1\n'
	for i in $(seq 1 "$total"); do printf 'c%d IN A 127.193.215.%d\n' "$i" $((i % 250 + 1)); done
} > "$T/bench.zone"
A=$(unique_addr)
start_nsd "$A" 5300 example.test "$T/bench.zone" || die "nsd did not start"

relay() {	# NAME DELAY_MS -> sets RELAY=ADDR:PORT
	local a
	a=$(unique_addr)
	spawn "relay-$1" "$T/delayproxy" -l "$a:5300" -u "$A:5300" -d $(($2 * 1000)) -t 3600
	wait_until 10 sh -c "kdig @$a -p 5300 +retry=0 +timeout=2 +short ns1.example.test A | grep -q 93" ||
		die "relay $1 does not answer"
	RELAY=$a:5300
}
relay up "$DELAY_MS"; UP=$RELAY
relay fast "$DELAY_MS"; VIEW[fast]=$RELAY
relay slow $((2 * DELAY_MS)); VIEW[slow]=$RELAY

for r in eu us ap; do
	cons_mirror "f$r" "$r" fast || die "mirror f$r did not start"
	cons_mirror "s$r" "$r" slow || die "mirror s$r did not start"
done

# p50/p90 in ms of names c$1..c$2 asked one at a time (kdig reports 0.1 ms).
cold() {
	local from=$1 to=$2 i
	for i in $(seq "$from" "$to"); do
		kdig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +retry=0 +timeout=5 "c$i.example.test" A |
			sed -n 's/.* in \([0-9.]*\) ms$/\1/p'
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f %.2f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'
}

run() {	# LABEL CONFIG FROM TO
	start_vantaged "$2" || die "vantaged did not start ($1)"
	set -- "$1" "$2" $(cold "$3" "$4")
	say "$(printf '%-34s p50 %7s ms   p90 %7s ms   (%s names)' "$1" "$3" "$4" "$5")"
	eval "P50_$(echo "$1" | tr -cd 'a-z')=$3"
	stop_pid "$VANTAGED_PID" > /dev/null
}

say "cold misses, the upstream relay adds ${DELAY_MS} ms to every question:"
vantaged_conf "$T/plain.yaml" upstream="$UP" level=info
run "plain forward" "$T/plain.yaml" 1 "$NAMES"
cons_vconf "$T/fast.yaml" upstream="$UP" mirrors="feu fus fap" level=info
run "3 mirrors as fast as the upstream" "$T/fast.yaml" $((NAMES + 1)) $((2 * NAMES))
cons_vconf "$T/slow.yaml" upstream="$UP" mirrors="seu sus sap" level=info
run "3 mirrors twice as slow" "$T/slow.yaml" $((2 * NAMES + 1)) $((3 * NAMES))
awk -v p="$P50_plainforward" -v f="$P50_mirrorsasfastastheupstream" -v s="$P50_mirrorstwiceasslow" \
	'BEGIN { printf "p50 overhead over the plain forward: fast mirrors %+.2f ms, slow mirrors %+.2f ms\n", f - p, s - p }'

# Handshakes: count the TLS connections the fast mirrors accepted while VOLUME cold questions
# went through (every one asks all three mirrors).
if [ "$VOLUME" -gt 0 ] && command -v dnsperf > /dev/null; then
	for i in $(seq $((3 * NAMES + 1)) "$total"); do echo "c$i.example.test A"; done > "$T/volume.txt"
	cons_vconf "$T/vol.yaml" upstream="$UP" mirrors="feu fus fap" level=info
	start_vantaged "$T/vol.yaml" || die "vantaged did not start (volume)"
	dnsperf -s "$VANTAGED_ADDR" -p "$VANTAGED_PORT" -d "$T/volume.txt" -n 1 -Q 400 -q 200 -t 5 \
		> "$T/dnsperf.out" 2>&1
	if [ -S "$T/ctl-vol.sock" ] && [ -x "$top_builddir/vantagectl" ]; then
		"$top_builddir/vantagectl" -s "$T/ctl-vol.sock" mirrors | tee "$T/mirrors.txt"
	fi
	sent=$(sed -n 's/.*Queries sent: *\([0-9]*\).*/\1/p' "$T/dnsperf.out")
	done_q=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$T/dnsperf.out")
	say "volume: $done_q of $sent cold questions answered; vantagectl mirrors above shows the"
	say "handshake count per mirror (the figure to report per 10,000 questions)."
	stop_pid "$VANTAGED_PID" > /dev/null
fi
