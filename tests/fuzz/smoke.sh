#!/bin/sh
# tests/fuzz/smoke.sh - run every fuzz target once over its seed corpus and saved reproducers
# (TAP). The targets are the tests/fuzz/standalone_NAME check programs: the libFuzzer entry
# points linked with tests/fuzz/standalone.c, built by the ordinary compiler, so this runs
# in every `make check` (and under ASAN+UBSAN with --enable-sanitizers). One TAP line per
# input file; a crash, a sanitizer report or a non-zero exit fails that file.
#
# A reproducer of a bug not fixed yet is named todo-*: it is run and reported as a TAP TODO
# (an expected failure), so the suite stays green until the fix lands; then drop the
# prefix. When a todo- file happens not to fail in this build (no sanitizer to see an
# over-read), it is reported as a skip, not as an unexpected pass.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
TARGETS="dnsquery dnsanswer consensus mirror_http http_client config mirror_list ca answer fleet"

# Collect the work first so that the plan comes first.
list=$(mktemp "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX") || exit 1
trap 'rm -f "$list" "$list.out"' EXIT
for t in $TARGETS; do
	for d in corpus regress; do
		dir=$top_srcdir/tests/fuzz/$d/$t
		[ -d "$dir" ] || continue
		find "$dir" -type f ! -name '.*' ! -name '*.md' | LC_ALL=C sort | while IFS= read -r f; do
			printf '%s\t%s\n' "$t" "$f"
		done
	done
done > "$list"

n=$(wc -l < "$list" | tr -d ' ')
if [ "$n" = 0 ]; then
	echo "1..0 # SKIP no corpus under $top_srcdir/tests/fuzz"
	exit 0
fi
echo "1..$n"
i=0
# ASAN/UBSAN: stop at the first report with a distinct exit code; no leak check noise from
# libyaml/libevent globals is expected, so leaks count.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=86:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
export ASAN_OPTIONS UBSAN_OPTIONS
while IFS="$(printf '\t')" read -r t f; do
	i=$((i + 1))
	prog=$top_builddir/tests/fuzz/standalone_$t
	name="$t $(echo "$f" | sed "s|^$top_srcdir/tests/fuzz/||")"
	case $(basename "$f") in todo-*) todo=1 ;; *) todo=0 ;; esac
	if [ ! -x "$prog" ]; then
		echo "not ok $i - $name # $prog was not built"
		continue
	fi
	# Seeds step around the known bugs (fuzz_avoid_known in fuzz.h); reproducers do not.
	case $f in */regress/*) avoid= ;; *) avoid=all ;; esac
	if FUZZ_AVOID_KNOWN=$avoid "$prog" "$f" < /dev/null > "$list.out" 2>&1; then
		if [ "$todo" = 1 ]; then
			echo "ok $i - $name # SKIP known bug, not visible in this build"
		else
			echo "ok $i - $name"
		fi
	else
		st=$?
		if [ "$todo" = 1 ]; then
			echo "not ok $i - $name (exit $st) # TODO known bug, see tests/fuzz/README.md"
		else
			echo "not ok $i - $name (exit $st)"
			sed 's/^/# /' "$list.out" | head -n 60
		fi
	fi
done < "$list"
exit 0
