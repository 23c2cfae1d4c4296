#!/bin/bash
# tests/bench/run.sh - benchmark vantaged against NSD (the ceiling), unbound and dnsmasq with the
# shared peer harness (peers.sh).  Not part of `make check`: it needs root, takes minutes and
# measures, it does not pass or fail.  See tests/bench/README.md for the figures to read.
#
# Usage (as root, after ./dev.sh build):   tests/bench/run.sh
# Environment:
#   SHARED_BENCH   the peer harness directory with peers.sh [../shared/bench from the repo root]
#   VANTAGED       the binary to measure [./build/vantaged]
#   PEERS          peers next to vantaged ["unbound dnsmasq"]
#   OUT            results directory [${TMPDIR:-/tmp}/vantage-bench-YYYYmmdd-HHMMSS]
#   VANTAGED_WORKERS  worker counts, e.g. "1 2" [unset: no workers phase]: after peers.sh, the
#                  cached path again with one vantaged per count (`workers: N` in its config;
#                  "default" = no such line) beside NSD and the peers, reps interleaved
#                  (workers.sh); its table is appended to table.txt and table.md.  W_CLIENTS,
#                  W_SAT_DURATION, WORKERS_CPUS and VANTAGED_BASE tune it (see workers.sh).
#                  PHASES=W runs only this phase
#   any other peers.sh knob passes through: DURATION, REPS, PHASES, DELAY_MS, MAX_TOTAL, ...
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$TOP/../shared/bench}
VANTAGED=${VANTAGED:-$TOP/build/vantaged}

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (the harness creates a network namespace)" >&2; exit 1; }
[ -x "$SHARED_BENCH/peers.sh" ] || [ -f "$SHARED_BENCH/peers.sh" ] ||
	{ echo "run.sh: no peers.sh in $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 1; }
[ -x "$VANTAGED" ] || { echo "run.sh: no vantaged at $VANTAGED (./dev.sh build, or set VANTAGED)" >&2; exit 1; }
VANTAGED=$(cd "$(dirname "$VANTAGED")" && pwd)/$(basename "$VANTAGED")

export VANTAGED
export OURS_NAME=vantaged
export PEERS=${PEERS-unbound dnsmasq}
export OUT=${OUT:-${TMPDIR:-/tmp}/vantage-bench-$(date +%Y%m%d-%H%M%S)}
export PHASES=${PHASES:-A B}
# peers.sh runs this as `sh -c "exec $OURS_CMD"` with OURS_ADDR, OURS_PORT, UPSTREAM_ADDR,
# UPSTREAM_PORT and OURS_WORKDIR set; the wrapper writes the config and execs vantaged.
export OURS_CMD="$HERE/vantaged-bench.sh"

st=0
case " $PHASES " in
*" A "* | *" B "*) bash "$SHARED_BENCH/peers.sh" || st=$? ;;
*) mkdir -p "$OUT"; : > "$OUT/table.txt"; : > "$OUT/table.md" ;;
esac
if [ -n "${VANTAGED_WORKERS:-}" ]; then
	export VANTAGED_WORKERS SHARED_BENCH
	ws=0
	bash "$HERE/workers.sh" > /dev/null || ws=$?
	[ "$st" = 0 ] && st=$ws
	{ echo; cat "$OUT/workers.txt"; } >> "$OUT/table.txt"
	{ echo; cat "$OUT/workers.md"; } >> "$OUT/table.md"
	echo
	cat "$OUT/workers.txt"
fi

# peers.sh's rows only (the workers table, appended after them, has its own)
figs=$(sed '/^\*\*workers:/,$d' "$OUT/table.md" 2> /dev/null |
	grep -E '^\| (metric|cached QPS|  QPS / nsd|  server CPU per answer|  cold p50 overhead|  bytes per cached RRset|upstream queries)' || true)
if [ -n "$figs" ]; then
	echo
	echo "== the figures to read (tests/bench/README.md) =="
	echo "$figs"
fi
exit "$st"
