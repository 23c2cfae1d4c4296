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
# peers.sh runs this as `sh -c "exec $OURS_CMD"` with OURS_ADDR, OURS_PORT, UPSTREAM_ADDR,
# UPSTREAM_PORT and OURS_WORKDIR set; the wrapper writes the config and execs vantaged.
export OURS_CMD="$HERE/vantaged-bench.sh"

st=0
bash "$SHARED_BENCH/peers.sh" || st=$?

if [ -f "$OUT/table.md" ]; then
	echo
	echo "== the figures to read (tests/bench/README.md) =="
	grep -E '^\| (metric|cached QPS|  QPS / nsd|  server CPU per answer|  cold p50 overhead|  bytes per cached RRset|upstream queries)' "$OUT/table.md" || true
fi
exit "$st"
