#!/bin/bash
# tests/bench/workers.sh - the workers dimension of the cached path: vantaged once per worker
# count (VANTAGED_WORKERS), NSD (the ceiling) and the peers beside it in the same run, reps
# interleaved; prints answers per CPU-second, the efficiency of N workers against 1, the QPS
# ratio to NSD, CPU per answer and the saturated p50/p99 of vantaged and the peers, as median
# (min-max) of REPS.  run.sh calls it when VANTAGED_WORKERS is set; it can also run alone.
#
# Usage (as root):  VANTAGED_WORKERS="1 2" tests/bench/workers.sh
# Environment (defaults in brackets):
#   VANTAGED_WORKERS  worker counts, one vantaged each ["1 2"]; "default" = no `workers:` line
#                     (what the daemon does without the key)
#   VANTAGED          the binary [./build/vantaged]
#   VANTAGED_BASE     another build, run beside with no `workers:` line ("base" column), for a
#                     before/after in one run; a build older than the key takes no other [unset]
#   SHARED_BENCH      the peer harness (gen-zone.sh, conf/) [../shared/bench]
#   PEERS             peers beside vantaged ["unbound dnsmasq"]; unbound, dnsmasq, kresd
#   DURATION [15] REPS [3] OUTSTANDING [100]   dnsperf -l / reps / -q
#   W_CLIENTS [16]    dnsperf -c: with SO_REUSEPORT the kernel picks a worker by the client's
#                     address and port, so one client socket would feed one worker only
#   W_SAT_DURATION    seconds of each saturated run with dnsperf -v (one per rep and target
#                     but NSD, 0 = none) [DURATION]
#   SERVER_CPU [0] CLIENT_CPU [1]  servers and dnsperf pinned as in peers.sh
#   WORKERS_CPUS      CPU list for every vantaged instance [auto: N workers get the first N
#                     CPUs other than CLIENT_CPU, or SERVER_CPU when there are none to spare]
#   NAMES [10000] OUT [${TMPDIR:-/tmp}/vantage-workers-DATE] MAX_TOTAL [1800]
# Output: $OUT/workers.txt (the table), workers.md, workers.tsv (raw), dnsperf output and logs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${SHARED_BENCH:=$TOP/../shared/bench}" "${VANTAGED:=$TOP/build/vantaged}" "${VANTAGED_BASE:=}"
: "${VANTAGED_WORKERS:=1 2}" "${PEERS=unbound dnsmasq}"
: "${DURATION:=15}" "${REPS:=3}" "${OUTSTANDING:=100}" "${W_CLIENTS:=16}"
: "${W_SAT_DURATION:=$DURATION}" "${SERVER_CPU:=0}" "${CLIENT_CPU:=1}"
: "${WORKERS_CPUS:=auto}" "${NAMES:=10000}" "${MAX_TOTAL:=1800}"
: "${OUT:=${TMPDIR:-/tmp}/vantage-workers-$(date +%Y%m%d-%H%M%S)}"
AUTH_ADDR=127.0.0.10 AUTH_PORT=5300
export SHARED_BENCH VANTAGED VANTAGED_BASE VANTAGED_WORKERS PEERS DURATION REPS OUTSTANDING \
	W_CLIENTS W_SAT_DURATION SERVER_CPU CLIENT_CPU WORKERS_CPUS NAMES OUT AUTH_ADDR AUTH_PORT
log() { echo "[$(date +%T)] workers: $*" >&2; }

# The instances: "label binary workers" lines; workers "-" = no `workers:` line.
instances() {
	local w
	for w in $VANTAGED_WORKERS; do
		if [ "$w" = default ]; then echo "vantaged $VANTAGED -"; else echo "vantaged-w$w $VANTAGED $w"; fi
	done
	[ -n "$VANTAGED_BASE" ] && echo "base $VANTAGED_BASE -"
	return 0
}

# CPUs for an instance of N workers (see WORKERS_CPUS above).
cpus_for() {
	local n=$1 c list="" k=0
	[ "$WORKERS_CPUS" != auto ] && { echo "$WORKERS_CPUS"; return; }
	[ "$n" = - ] && n=1
	for ((c = 0; c < $(nproc) && k < n; c++)); do
		[ "$c" = "$CLIENT_CPU" ] && continue
		list=$list${list:+,}$c; k=$((k + 1))
	done
	echo "${list:-$SERVER_CPU}"
}

if [ "${1:-}" = --inner ]; then
	. "$HERE/workers-inner.sh"
	exit $?
fi
if [ "${1:-}" = --table ]; then
	. "$HERE/workers-table.sh"
	workers_table "${2:?workers.tsv}" "${3:-0}"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "workers.sh: run as root (network namespace)" >&2; exit 1; }
for c in nsd nsd-control dnsperf dig taskset timeout ip unshare; do
	command -v "$c" > /dev/null || { echo "workers.sh: missing $c" >&2; exit 1; }
done
[ -f "$SHARED_BENCH/gen-zone.sh" ] || { echo "workers.sh: no gen-zone.sh in $SHARED_BENCH" >&2; exit 1; }
while read -r label bin w; do
	[ -x "$bin" ] || { echo "workers.sh: no vantaged at $bin ($label)" >&2; exit 1; }
done < <(instances)
P2=""
for t in $PEERS; do command -v "$t" > /dev/null && P2="$P2 $t" || log "$t not installed, skipping"; done
PEERS=${P2# }
WORK=$(mktemp -d /tmp/vantage-workers.XXXXXX)
export WORK PEERS
mkdir -p "$OUT"
NS=vworkers-$$
cleanup() {
	ip netns del "$NS" 2> /dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
sh "$SHARED_BENCH/gen-zone.sh" "$WORK" "$NAMES" > /dev/null || exit 1
ip netns add "$NS" || exit 1
# The PID namespace takes every daemon down with the run, whatever happens to this script.
timeout -k 15 "$MAX_TOTAL" ip netns exec "$NS" unshare --pid --fork --kill-child --mount-proc \
	bash "$HERE/workers.sh" --inner < /dev/null
rc=$?
[ $rc -ne 0 ] && log "measuring part exited with status $rc (124 = hit MAX_TOTAL); partial table follows"
bash "$HERE/workers.sh" --table "$OUT/workers.tsv" 0 | tee "$OUT/workers.txt"
bash "$HERE/workers.sh" --table "$OUT/workers.tsv" 1 > "$OUT/workers.md"
exit $rc
