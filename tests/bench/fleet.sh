#!/bin/bash
# tests/bench/fleet.sh - what a fleet sharing its evidence through Redis costs and saves: a
# cold name's latency with `shared:` on and off (one instance each, same minutes), the mirror
# questions per distinct name for a fleet of FLEET instances asked the same names at the same
# moment (target 1.0-1.1 of a single instance's), and the latency a Redis hit adds (a name
# another instance verified, against a plain forward of a fresh name; target < 0.2 ms).
#
# Not part of make check: it measures, it does not pass or fail. Run as root after a build:
#     tests/bench/fleet.sh                  # NAMES=300 DELAY_MS=20 FLEET=3
# Knobs: NAMES (cold names per phase), DELAY_MS (one-way delay of the relays in front of the
# upstream and the mirrors' view), FLEET (instances of the fleet phase), REPS (rounds of the
# Redis-hit phase, a new instance C and fresh names each), BUILD_DIR (default
# ./build), SHARED_BENCH (default ../shared/bench, where delayproxy.c lives).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$SRC top_builddir=${BUILD_DIR:-$SRC/build}
SHARED_BENCH=${SHARED_BENCH:-$SRC/../shared/bench}
NAMES=${NAMES:-300} DELAY_MS=${DELAY_MS:-20} FLEET=${FLEET:-3} REPS=${REPS:-3}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mirror/lib_mirror.sh"
. "$SRC/tests/integration/consensus/lib_consensus.sh"
say() { printf '%s\n' "$*"; }
die() { say "fleet.sh: $*" >&2; TAP_FAILED=1; exit 1; }

[ -f "$SHARED_BENCH/delayproxy.c" ] || die "no $SHARED_BENCH/delayproxy.c (set SHARED_BENCH)"
command -v kdig > /dev/null || die "kdig is needed (knot-dnsutils)"
command -v redis-server > /dev/null || die "redis-server is needed"
cc -O2 -Wall -o "$T/delayproxy" "$SHARED_BENCH/delayproxy.c" || die "cannot build delayproxy"

# Names c1.. : every phase takes names nobody asked before (the mirrors cache too).
total=$((6 * NAMES + 3 * REPS * NAMES))
{
	printf '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.193.215.1\n'
	for i in $(seq 1 "$total"); do printf 'c%d IN A 127.193.215.%d\n' "$i" $((i % 250 + 1)); done
} > "$T/bench.zone"
A=$(unique_addr)
start_nsd "$A" 5300 example.test "$T/bench.zone" || die "nsd did not start"
NSD_HP=$A:5300

relay() {	# NAME DELAY_MS -> sets RELAY=ADDR:PORT
	local a
	a=$(unique_addr)
	spawn "relay-$1" "$T/delayproxy" -l "$a:5300" -u "$A:5300" -d $(($2 * 1000)) -t 3600
	wait_until 10 sh -c "kdig @$a -p 5300 +retry=0 +timeout=2 +short ns1.example.test A | grep -q 93" ||
		die "relay $1 does not answer"
	RELAY=$a:5300
}
relay up "$DELAY_MS"; UP=$RELAY
relay view "$DELAY_MS"; VIEW[fast]=$RELAY
for r in eu us ap; do cons_mirror "m$r" "$r" fast || die "mirror m$r did not start"; done
start_redis || die "redis-server did not start"
VDA=$(unique_addr)	# every vantaged on it, each on its own port (unique_addr gives 16 at most)

# p50 p90 count (ms) of names c$2..c$3 asked one at a time of ADDR:PORT $1.
cold() {
	local hp=$1 from=$2 to=$3 i
	for i in $(seq "$from" "$to"); do
		kdig @"${hp%:*}" -p "${hp##*:}" +retry=0 +timeout=5 "c$i.example.test" A |
			sed -n 's/.* in \([0-9.]*\) ms$/\1/p'
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f %.2f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'
}

mirror_total() {
	local n=0 m v
	for m in meu mus map; do v=$(mirror_queries "$m") || die "mirror $m is down"; n=$((n + v)); done
	echo "$n"
}

# vconf NAME [upstream=..] [shared=on] -> $T/NAME.yaml
vconf() {
	local name=$1 up=$UP shared="" kv; shift
	for kv in "$@"; do
		case $kv in upstream=*) up=${kv#upstream=} ;; shared=on) shared=1 ;; esac
	done
	local extra=""
	[ -z "$shared" ] || extra=$(printf 'shared:\n  redis: "%s"\n  prefix: "bench:"\n  timeout: 20ms' "$REDIS_URL")
	cons_vconf "$T/$name.yaml" upstream="$up" mirrors="meu mus map" level=info \
		listen="$VDA:0" state="$T/state-$name" extra="$extra"
}

instance() {	# NAME -> HP[NAME]=ADDR:PORT
	start_vantaged "$T/$1.yaml" || die "vantaged $1 did not start"
	HP[$1]=$VANTAGED_ADDR:$VANTAGED_PORT
	VPID[$1]=$VANTAGED_PID
}
declare -A HP=() VPID=()

say "== cold names, one instance, the upstream and the mirrors' view ${DELAY_MS} ms away"
vconf off; instance off
vconf on shared=on; instance on
# Interleaved, name by name, so that the machine's drift falls on both alike.
ms() { sed -n 's/.* in \([0-9.]*\) ms$/\1/p'; }
p5090() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f %.2f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'; }
for i in $(seq 1 "$NAMES"); do
	for n in off on; do
		j=$i; [ "$n" = on ] && j=$((i + NAMES))
		kdig @"${HP[$n]%:*}" -p "${HP[$n]##*:}" +retry=0 +timeout=5 "c$j.example.test" A | ms >> "$T/cold-$n.ms"
	done
done
read -r off50 off90 offn <<< "$(p5090 < "$T/cold-off.ms")"
read -r on50 on90 onn <<< "$(p5090 < "$T/cold-on.ms")"
say "$(printf 'shared: off   p50 %7s ms  p90 %7s ms  (%s names)' "$off50" "$off90" "$offn")"
say "$(printf 'shared: on    p50 %7s ms  p90 %7s ms  (%s names)' "$on50" "$on90" "$onn")"
awk -v a="$off50" -v b="$on50" 'BEGIN { printf "cold cost of shared: on: %+.2f ms at the median\n", b - a }'
q0=$(mirror_total)
for i in $(seq $((5 * NAMES + 1)) $((6 * NAMES))); do
	kdig @"${HP[off]%:*}" -p "${HP[off]##*:}" +retry=0 +timeout=5 "c$i.example.test" A > /dev/null
done
q1=$(mirror_total)
single=$(awk -v d=$((q1 - q0)) -v n="$NAMES" 'BEGIN { printf "%.3f", d / n }')
say "mirror questions per cold name, one instance: $single (3 mirrors asked per name)"
stop_pid "${VPID[off]}" > /dev/null

say "== a fleet of $FLEET asked the same $NAMES cold names at the same moment"
fleet=()
for i in $(seq 1 "$FLEET"); do vconf "f$i" shared=on; instance "f$i"; fleet+=("f$i"); done
q3=$(mirror_total)
for i in $(seq $((2 * NAMES + 1)) $((3 * NAMES))); do
	pids=()
	for f in "${fleet[@]}"; do
		kdig @"${HP[$f]%:*}" -p "${HP[$f]##*:}" +retry=0 +timeout=5 "c$i.example.test" A > /dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"	# only the digs: a bare wait would wait for the daemons too
done
q4=$(mirror_total)
per=$(awk -v d=$((q4 - q3)) -v n="$NAMES" 'BEGIN { printf "%.3f", d / n }')
say "mirror questions per distinct name, fleet of $FLEET: $per (one instance: $single) -> ratio $(awk -v a="$per" -v b="$single" 'BEGIN { printf "%.2f", a / b }') (target 1.0-1.1; $FLEET.0 without sharing)"

say "== the latency of a Redis hit (upstream: NSD directly, no relay), $REPS rounds"
# A verifies two sets of names. B runs meanwhile and takes A's verdicts from the channel into
# its own verified cache; C, started after, can learn them only from Redis at question time
# (the lock script's look). C against B is the Redis round trip; both against a plain forward
# of fresh names. A new C each round, and fresh names: every answer is a first one.
vconf hitA upstream="$NSD_HP" shared=on; instance hitA
vconf hitB upstream="$NSD_HP" shared=on; instance hitB
vantaged_conf "$T/plain.yaml" upstream="$NSD_HP" listen="$VDA:0" level=info; instance plain
base=$((6 * NAMES))
for r in $(seq 1 "$REPS"); do
	X0=$((base + 1)) X1=$((base + NAMES)) Y0=$((base + NAMES + 1)) Y1=$((base + 2 * NAMES))
	Z0=$((base + 2 * NAMES + 1)) Z1=$((base + 3 * NAMES)) base=$((base + 3 * NAMES))
	cold "${HP[hitA]}" "$X0" "$Y1" > /dev/null	# A verifies X and Y
	vconf "hitC$r" upstream="$NSD_HP" shared=on; instance "hitC$r"
	q5=$(mirror_total)
	for i in $(seq 0 $((NAMES - 1))); do
		kdig @"${HP[hitB]%:*}" -p "${HP[hitB]##*:}" +retry=0 +timeout=5 "c$((X0 + i)).example.test" A | ms >> "$T/hitB.ms"
		kdig @"${HP[hitC$r]%:*}" -p "${HP[hitC$r]##*:}" +retry=0 +timeout=5 "c$((Y0 + i)).example.test" A | ms >> "$T/hitC.ms"
		kdig @"${HP[plain]%:*}" -p "${HP[plain]##*:}" +retry=0 +timeout=5 "c$((Z0 + i)).example.test" A | ms >> "$T/plain.ms"
	done
	q6=$(mirror_total)
	say "round $r: mirror questions while B and C answered: $((q6 - q5)) (0: every answer came from the fleet)"
	[ -x "$top_builddir/vantagectl" ] && [ -S "$T/ctl-hitC$r.sock" ] &&
		"$top_builddir/vantagectl" -s "$T/ctl-hitC$r.sock" -j status |
		jq -r '.shared | "C shared: hits \(.hits) misses \(.misses) imported \(.imported) errors \(.errors) timeouts \(.timeouts)"' |
		sed "s/^/round $r: /"
	stop_pid "${VPID[hitC$r]}" > /dev/null
done
read -r b50 b90 bn <<< "$(p5090 < "$T/hitB.ms")"
read -r c50 c90 cn <<< "$(p5090 < "$T/hitC.ms")"
read -r pl50 pl90 pln <<< "$(p5090 < "$T/plain.ms")"
say "$(printf 'B, verdicts taken from the channel   p50 %7s ms  p90 %7s ms  (%s names)' "$b50" "$b90" "$bn")"
say "$(printf 'C, verdicts found in Redis           p50 %7s ms  p90 %7s ms  (%s names)' "$c50" "$c90" "$cn")"
say "$(printf 'plain forward, fresh names           p50 %7s ms  p90 %7s ms  (%s names)' "$pl50" "$pl90" "$pln")"
awk -v b="$b50" -v c="$c50" -v p="$pl50" 'BEGIN {
	printf "added by a Redis hit at the median: %+.2f ms over a verdict already local (target < 0.2 ms), %+.2f ms over a plain forward\n", c - b, c - p }'
