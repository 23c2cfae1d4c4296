#!/bin/bash
# tests/bench/soak.sh - vantaged under dnsperf at saturation for a long time, with three local
# vantage-mirrors in the loop; watches its memory and file descriptors for leaks.
# Not part of `make check`: it needs root (NSD), takes minutes and reports figures.
#
# Usage (as root, after ./dev.sh build):   tests/bench/soak.sh
# Environment:
#   DURATION      seconds of load [300]
#   SAMPLE        seconds between RSS/fd samples [5]
#   CLIENTS       dnsperf -c [4];  OUTSTANDING  dnsperf -q [200]
#   NAMES         distinct names in the query file [200000]; most are misses (a wildcard of
#                 the zone, TTL 5 s) so that every one goes to the three mirrors; one query in
#                 four is one of 50 hot names (cache hits)
#   BUILD         the build directory with vantaged and vantage-mirror [./build]
#   OUT           where the figures and logs are kept [${TMPDIR:-/tmp}/vantage-soak-DATE]
# The world (tests/integration/lib.sh, tests/integration/mirror/lib_mirror.sh): one NSD
# (example.test, also the mirrors' upstream), three vantage-mirrors (eu, us, ap) each with its
# own CA, vantaged in enforce mode asking all three for every checked name.
# Prints: RSS first/last/max and growth, fd first/last/max, error lines of the logs, queries
# sent/completed/lost and QPS. Exits 1 when vantaged died, logged a warning, or grew after the
# first third of the run (warm-up: the cache fills, mirror lanes open) by more than 5 % RSS
# or 4 fds; else 0.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
DURATION=${DURATION:-300}
SAMPLE=${SAMPLE:-5}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-200}
NAMES=${NAMES:-200000}
OUT=${OUT:-${TMPDIR:-/tmp}/vantage-soak-$(date +%Y%m%d-%H%M%S)}

[ "$(id -u)" = 0 ] || { echo "soak.sh: run as root (NSD)" >&2; exit 1; }
command -v dnsperf > /dev/null || { echo "soak.sh: dnsperf not installed (apt-get install dnsperf)" >&2; exit 1; }
export top_srcdir=$TOP top_builddir=$BUILD KEEP_T=1
# lib.sh is the TAP helper of the integration tests; here only its world-building part is used.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/mirror/lib_mirror.sh"
require_progs nsd nsd-control dig
require_vantaged
require_mirror
mkdir -p "$OUT"
say() { printf 'soak: %s\n' "$*"; }

# --- the world
cat > "$T/soak.zone" <<-'ZONE'
$ORIGIN example.test.
$TTL 5
@	SOA	ns1 hostmaster 1 3600 900 604800 5
@	NS	ns1
ns1	A	127.193.215.53
*.w	A	127.193.215.14
*.w	AAAA	::ffff:127.193.215.14
ZONE
for i in $(seq 0 49); do printf 'hot%d\t300\tA\t127.193.216.%d\n' "$i" "$((i + 1))"; done >> "$T/soak.zone"
start_nsd "$(unique_addr)" 5300 example.test "$T/soak.zone" || { say "NSD did not start"; exit 1; }
UP=$NSD_ADDR:$NSD_PORT

entries=""
for r in eu us ap; do
	a=$(unique_addr)
	mirror_keygen "$T/keys-$r" "$a" "$r" || { say "keygen $r failed"; exit 1; }
	mkdir -p "$T/state-$r"
	cat > "$T/mirror-$r.yaml" <<-EOF2
	listen: ["$a:0"]
	name: m-$r
	tls: { dir: "$T/keys-$r" }
	upstreams: ["$UP"]
	upstream_timeout: 2s
	region: $r
	state_dir: "$T/state-$r"
	EOF2
	start_mirror "$T/mirror-$r.yaml" "mirror-$r" || { say "mirror $r did not start"; exit 1; }
	entries="$entries    - { name: m-$r, address: \"$MIRROR_ADDR:$MIRROR_PORT\", region: $r, ca_sha256: \"$KEY_ID\" }
"
	eval "MPID_$r=$MIRROR_PID"
done

cat > "$T/vd.yaml" <<EOF
listen: ["$(unique_addr):0"]
upstreams: ["$UP"]
upstream_timeout: 2s
mirrors:
  bootstrap: "$T/no-bootstrap.yaml"
  list:
$entries
consensus:
  mode: enforce
  mirrors_per_query: 3
  allow_private: true
  timeout: 1500ms
cache: { max_entries: 100000, state_file: "$T/vd-state" }
control: { socket: "$T/ctl.sock" }
log: { level: info, dissent_log: "$T/dissent.jsonl" }
user: ""
EOF
start_vantaged "$T/vd.yaml" || { say "vantaged did not start"; exit 1; }
PID=$VANTAGED_PID
say "vantaged pid $PID on $VANTAGED_ADDR:$VANTAGED_PORT, upstream $UP, mirrors eu us ap; $DURATION s"

# --- the query file: one in four a hot name, the rest distinct wildcard names (A and AAAA)
awk -v n="$NAMES" 'BEGIN { srand(7); for (i = 0; i < n; i++) {
	if (i % 4 == 0) printf "hot%d.example.test A\n", int(rand() * 50);
	else printf "n%d.w.example.test %s\n", i, (i % 3 ? "A" : "AAAA") } }' > "$T/queries.txt"

# --- sampling
sample() {
	local rss fds
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2> /dev/null) || return 1
	fds=$(find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2> /dev/null | wc -l)
	[ -n "$rss" ] && printf '%s\t%s\t%s\n' "$(date +%s)" "$rss" "$fds"
}
printf 'time\trss_kb\tfds\n' > "$OUT/samples.tsv"
sample >> "$OUT/samples.tsv"
(
	while sleep "$SAMPLE"; do sample >> "$OUT/samples.tsv" || exit 0; done
) &
SAMPLER=$!

dnsperf -s "$VANTAGED_ADDR" -p "$VANTAGED_PORT" -d "$T/queries.txt" -l "$DURATION" \
	-c "$CLIENTS" -q "$OUTSTANDING" -t 5 > "$OUT/dnsperf.txt" 2>&1
perf_st=$?
sample >> "$OUT/samples.tsv"
kill "$SAMPLER" 2> /dev/null; wait "$SAMPLER" 2> /dev/null

alive_after=1
alive "$PID" || alive_after=0
cp "$VANTAGED_LOG" "$OUT/vantaged.log"
for r in eu us ap; do cp "$T/mirror-$r.log" "$OUT/" 2> /dev/null; done

# --- figures
say "results in $OUT (scratch: $T)"
awk -F'\t' 'NR == 2 { r0 = $2; f0 = $3; t0 = $1 } NR > 1 { r = $2; f = $3; t = $1;
	if ($2 > rmax) rmax = $2; if ($3 > fmax) fmax = $3; n++ }
	END { printf "soak: %d samples over %d s\n", n, t - t0;
	      printf "soak: RSS first %d KiB, last %d KiB, max %d KiB, growth %+.1f %%\n", r0, r, rmax, r0 ? (r - r0) * 100.0 / r0 : 0;
	      printf "soak: fds first %d, last %d, max %d\n", f0, f, fmax }' "$OUT/samples.tsv"
# Growth after warm-up (the cache fills and the mirror lanes open during the first third):
# the leak signal.
awk -F'\t' 'NR > 1 { rss[++n] = $2; fd[n] = $3 } END { if (n >= 6) { i = int(n / 3) + 1; a = rss[i];
	printf "soak: RSS from 1/3 of the run to the end: %d -> %d KiB (%+.1f %%)\n", a, rss[n], (rss[n] - a) * 100.0 / a;
	printf "soak: fds from 1/3 of the run to the end: %d -> %d\n", fd[i], fd[n] } }' \
	"$OUT/samples.tsv"
grep -E '^\s*(Queries sent|Queries completed|Queries lost|Response codes|Queries per second|Average Latency)' \
	"$OUT/dnsperf.txt" | sed 's/^ */soak: dnsperf: /'
# The log has no level word: these are the lines that say something went wrong.
BAD='error|fatal|warn|sanitizer|leak|not answering|stalled|SERVFAIL|no mirror reachable|dissent|not verified'
errs=$(grep -ciE "$BAD" "$OUT/vantaged.log")
say "vantaged log: $(wc -l < "$OUT/vantaged.log") lines, $errs warning/error lines"
grep -iE "$BAD" "$OUT/vantaged.log" | cut -d' ' -f3- |
	sed -E 's/[0-9]+(\.[0-9]+)*/N/g' | cut -c1-110 | sort | uniq -c | sort -rn | head -n 10 | sed 's/^/soak:   /'
for r in eu us ap; do
	say "mirror $r log: $(cat "$OUT/mirror-$r.log" 2> /dev/null | grep -ciE 'error|fatal|warn|stall|sanitizer') warning/error lines"
done
rc=0
if [ "$alive_after" = 0 ]; then say "vantaged DIED during the run"; rc=1; fi
[ "$perf_st" = 0 ] || { say "dnsperf exited with $perf_st"; rc=1; }
# After warm-up: fds may move by a few (lanes the mirrors closed when idle, TCP clients),
# RSS by 5 % (the issue's bound); every warning line is a failure.
read -r rss_pct fd_growth < <(awk -F'\t' 'NR > 1 { rss[++n] = $2; fd[n] = $3 }
	END { if (n < 6) { print 0, 0; exit } i = int(n / 3) + 1;
	      printf "%.1f %d\n", (rss[n] - rss[i]) * 100.0 / rss[i], fd[n] - fd[i] }' "$OUT/samples.tsv")
if [ "${fd_growth:-0}" -gt 4 ]; then say "fd count grew by $fd_growth after warm-up"; rc=1; fi
if awk -v p="${rss_pct:-0}" 'BEGIN { exit !(p > 5.0) }'; then say "RSS grew by $rss_pct % after warm-up"; rc=1; fi
if [ "$errs" -gt 0 ]; then say "$errs warning/error lines in vantaged's log"; rc=1; fi
say "$([ "$rc" = 0 ] && echo PASS || echo FAIL)"
exit "$rc"
