#!/bin/bash
# tests/fuzz/run.sh - build the libFuzzer targets with clang and run each for a while.
#
#   tests/fuzz/run.sh [TARGET...]      default: every target in tests/fuzz/local.mk
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_BUILD     build directory (default /tmp/vantage-build-fuzz); configured with
#                  CC=clang --enable-fuzzing on first use, never the source tree
#   FUZZ_JOBS      targets run at once (default 1; each uses one core)
#   FUZZ_MAX_LEN   libFuzzer -max_len (default 8192)
#   FUZZ_ARGS      more libFuzzer arguments (e.g. -dict=..., -only_ascii=1)
#   FUZZ_NO_BUILD  1 = use the targets already built in FUZZ_BUILD
#   FUZZ_AVOID_KNOWN  known bugs to step around (default all; see tests/fuzz/fuzz.h)
# The seeds (tests/fuzz/corpus/T) are copied into FUZZ_BUILD/corpus/T, which then grows
# between runs; crashes land in FUZZ_BUILD/artifacts/T/. One summary line per target:
#   fuzz T: N s, E execs, R execs/s, corpus C, OK|CRASH (artifact)
# Exits 1 when a target crashed (or failed to start), else 0.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD=${FUZZ_BUILD:-/tmp/vantage-build-fuzz}
FUZZ_JOBS=${FUZZ_JOBS:-1}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-8192}
ALL=$(sed -n 's/^FUZZ_TARGETS = //p' "$SRC/tests/fuzz/local.mk")
TARGETS=${*:-$ALL}

say() { printf 'run.sh: %s\n' "$*" >&2; }

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
	command -v clang > /dev/null || { say "clang not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	if [ ! -x "$SRC/configure" ] || [ "$SRC/configure.ac" -nt "$SRC/configure" ] ||
	    [ "$SRC/tests/fuzz/local.mk" -nt "$SRC/configure" ]; then
		(cd "$SRC" && autoreconf -fi) || exit 1
	fi
	mkdir -p "$FUZZ_BUILD"
	if [ ! -f "$FUZZ_BUILD/Makefile" ]; then
		(cd "$FUZZ_BUILD" && CC=clang "$SRC/configure" -q --enable-fuzzing) || exit 1
	fi
	progs=
	for t in $TARGETS; do progs="$progs tests/fuzz/fuzz_$t"; done
	# shellcheck disable=SC2086
	make -C "$FUZZ_BUILD" -s -j"$(nproc 2> /dev/null || echo 2)" $progs || exit 1
fi

# Leaks are findings too; a sanitizer report is a crash with its own exit code.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Known bugs with a saved reproducer are stepped around, so that a run finds new ones
# (tests/fuzz/README.md); FUZZ_AVOID_KNOWN= (empty) hits them again.
export FUZZ_AVOID_KNOWN=${FUZZ_AVOID_KNOWN-all}

run_one() {
	local t=$1 prog=$FUZZ_BUILD/tests/fuzz/fuzz_$t corpus=$FUZZ_BUILD/corpus/$t
	local art=$FUZZ_BUILD/artifacts/$t log=$FUZZ_BUILD/logs/$t.log st execs rate n crash
	mkdir -p "$corpus" "$art" "$FUZZ_BUILD/logs"
	[ -d "$SRC/tests/fuzz/corpus/$t" ] && cp -n "$SRC/tests/fuzz/corpus/$t"/* "$corpus"/ 2> /dev/null
	# shellcheck disable=SC2086
	"$prog" -max_total_time="$FUZZ_SECONDS" -max_len="$FUZZ_MAX_LEN" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
	    "$corpus" > "$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	n=$(find "$corpus" -type f | wc -l)
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ "$st" = 0 ]; then
		printf 'fuzz %s: %s s, %s execs, %s execs/s, corpus %s, OK\n' "$t" "$FUZZ_SECONDS" \
		    "${execs:-?}" "${rate:-?}" "$n"
		return 0
	fi
	printf 'fuzz %s: %s s, %s execs, %s execs/s, corpus %s, CRASH (exit %s) %s\n' "$t" \
	    "$FUZZ_SECONDS" "${execs:-?}" "${rate:-?}" "$n" "$st" "${crash:-see $log}"
	grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal' "$log" | sed 's/^/    /'
	return 1
}

rc=0
pids=()
for t in $TARGETS; do
	if [ ! -x "$FUZZ_BUILD/tests/fuzz/fuzz_$t" ]; then
		say "no target fuzz_$t in $FUZZ_BUILD"
		rc=1
		continue
	fi
	run_one "$t" &
	pids+=($!)
	if [ "${#pids[@]}" -ge "$FUZZ_JOBS" ]; then
		wait "${pids[0]}" || rc=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit "$rc"
