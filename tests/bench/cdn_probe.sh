#!/bin/bash
# tests/bench/cdn_probe.sh - what a cold miss costs for a CDN name that only the CA evidence can
# prove (issue 12: overlap, prefix and CNAME tail no longer corroborate, so probe: on-dissent
# runs for such names), against a name the mirrors corroborate by equality.
#
# The world, all on loopback: per-region NSD views (eu, us, ap) and the local view, each behind
# the shared harness's delay relay (DELAY_MS per question); in every view c<i>.cdn.test points at that
# view's own TLS server (openssl s_server, a leaf *.cdn.test of a test intermediate), so the
# local answer is in no mirror's answer and no mirror's /24, while e<i>.cdn.test is the same
# address everywhere.  Three vantage-mirrors act as notaries (observe.allow_private).  Every name
# is asked once (cold in vantaged, in the mirrors and in the pair cache).
#
# Not part of make check: it measures, it does not pass or fail. Run as root after a build:
#     tests/bench/cdn_probe.sh              # NAMES=100 DELAY_MS=20
# Knobs: NAMES (names per kind), DELAY_MS (delay of every view's relay; 0 = no relay),
# BUILD_DIR (default ./build), SHARED_BENCH (default ../shared/bench: delayproxy.c).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$SRC top_builddir=${BUILD_DIR:-$SRC/build}
SHARED_BENCH=${SHARED_BENCH:-$SRC/../shared/bench}
NAMES=${NAMES:-100} DELAY_MS=${DELAY_MS:-20}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mirror/lib_mirror.sh"
. "$SRC/tests/integration/consensus/lib_consensus.sh"
. "$SRC/tests/adversary/lib_adversary.sh"
say() { printf '%s\n' "$*"; }
die() { say "cdn_probe.sh: $*" >&2; TAP_FAILED=1; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (TLS servers on port 443)"
command -v kdig > /dev/null || die "kdig is needed (knot-dnsutils)"
if [ "$DELAY_MS" -gt 0 ]; then
	[ -f "$SHARED_BENCH/delayproxy.c" ] || die "no $SHARED_BENCH/delayproxy.c (set SHARED_BENCH)"
	cc -O2 -Wall -o "$T/delayproxy" "$SHARED_BENCH/delayproxy.c" || die "cannot build delayproxy"
fi

k=$(( $$ % 250 + 2 ))
declare -A SRV=([local]=127.200.120.$k [eu]=127.200.121.$k [us]=127.200.122.$k [ap]=127.200.123.$k)
EQ=127.200.124.$k
adv_tls_world '*.cdn.test' || die "cannot make the certificates"
for v in local eu us ap; do tls_serve "${SRV[$v]}" || die "no TLS server on ${SRV[$v]}"; done

# view NAME: NSD with that view's CDN address, behind a relay; VIEW[NAME]=ADDR:PORT
view() {
	local a r
	{
		printf '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n'
		printf 'ns1 IN A 127.200.124.53\n'
		for i in $(seq 1 "$NAMES"); do
			printf 'c%d IN A %s\ne%d IN A %s\n' "$i" "${SRV[$1]}" "$i" "$EQ"
		done
	} > "$T/$1.zone"
	a=$(unique_addr) || return 1
	start_nsd "$a" 5300 cdn.test "$T/$1.zone" || return 1
	VIEW[$1]=$a:5300
	[ "$DELAY_MS" -gt 0 ] || return 0
	r=$(unique_addr) || return 1
	spawn "relay-$1" "$T/delayproxy" -l "$r:5300" -u "$a:5300" -d $((DELAY_MS * 1000)) -t 3600
	wait_until 10 sh -c "kdig @$r -p 5300 +retry=0 +timeout=2 +short ns1.cdn.test A | grep -q 127" ||
		return 1
	VIEW[$1]=$r:5300
}
for v in local eu us ap; do view "$v" || die "view $v did not start"; done
for r in eu us ap; do
	cons_mirror "$r" "$r" "$r" "observe: { allow_private: true, timeout: 3s }" ||
		die "mirror $r did not start"
done
cons_vconf "$T/vd.yaml" upstream="${VIEW[local]}" mirrors="eu us ap" level=info \
	c.allow_private=true c.probe=on-dissent c.probe_timeout=3s
start_vantaged "$T/vd.yaml" || die "vantaged did not start"

# PREFIX: p50 p90 max (ms) and count of PREFIX1..PREFIX$NAMES asked one at a time; the
# answers must be the local view's (a refusal would measure the wrong thing).
cold() {
	local i out
	for i in $(seq 1 "$NAMES"); do
		out=$(kdig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +retry=0 +timeout=10 "$1$i.cdn.test" A)
		grep -q 'status: NOERROR' <<< "$out" || { echo "x" >&2; continue; }
		sed -n 's/.* in \([0-9.]*\) ms$/\1/p' <<< "$out"
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f %.2f %.2f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR], NR }'
}

say "cold misses, every view's relay delays each question by ${DELAY_MS} ms; $NAMES names per kind"
set -- $(cold e 2> /dev/null)
say "$(printf '%-42s p50 %7s ms   p90 %7s ms   max %7s ms   (%s answered)' \
	"equal answers (rule equal)" "$1" "$2" "$3" "$4")"
EQ50=$1 EQ90=$2
set -- $(cold c 2> "$T/refused.txt")
say "$(printf '%-42s p50 %7s ms   p90 %7s ms   max %7s ms   (%s answered)' \
	"CDN, unrelated addresses (rule ca, probed)" "$1" "$2" "$3" "$4")"
[ -s "$T/refused.txt" ] && say "  ($(wc -l < "$T/refused.txt") CDN names not answered NOERROR)"
awk -v a="$EQ50" -v b="$1" -v c="$EQ90" -v d="$2" \
	'BEGIN { printf "CA evidence adds: p50 %+.2f ms, p90 %+.2f ms\n", b - a, d - c }'
if command -v jq > /dev/null; then
	say "TLS probes by result (vantagectl status): $("$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j status |
		jq -c '.ca.probes')"
fi
stop_pid "$VANTAGED_PID" > /dev/null
