#!/bin/sh
# tests/bench/vantaged-bench.sh - OURS_CMD for peers.sh: write a vantaged config for the address
# and upstream the harness assigns, then exec vantaged in the foreground.
# Needs VANTAGED, OURS_ADDR, OURS_PORT, UPSTREAM_ADDR, UPSTREAM_PORT, OURS_WORKDIR.
# DASHBOARD_POLL=N (seconds; unset = off): serve the web dashboard on OURS_ADDR:8053 and fetch
# what its status and dissents pages poll (/api/status, /api/history, /api/recent) every N s
# for as long as vantaged runs: the cost of a dashboard left open, on the cached path.
# BENCH_WORKERS=N (unset or empty = no line, the daemon's default): `workers: N` (workers.sh).
# BENCH_METRICS=ADDR:PORT (unset = off): the Prometheus listener, for the questions per loop.
set -eu
conf=$OURS_WORKDIR/vantaged.yaml
cat > "$conf" <<EOF2
# written by tests/bench/vantaged-bench.sh
listen: ["$OURS_ADDR:$OURS_PORT"]
upstreams: ["$UPSTREAM_ADDR:$UPSTREAM_PORT"]
upstream_timeout: 1500ms
# room for the 13,500 RRsets of bench.test and then some, like the peers' configs
cache: { max_entries: 100000 }
log: { level: warn }
user: ""
EOF2
[ -n "${BENCH_WORKERS:-}" ] && echo "workers: $BENCH_WORKERS" >> "$conf"
[ -n "${BENCH_METRICS:-}" ] && echo "metrics: { listen: \"$BENCH_METRICS\" }" >> "$conf"
if [ -n "${DASHBOARD_POLL:-}" ]; then
	top=$(cd "$(dirname "$0")/../.." && pwd)
	printf 'dashboard: { listen: "%s:8053", root: "%s" }\n' "$OURS_ADDR" \
		"$top/share/dashboard" >> "$conf"
	# The poller ends when vantaged (this shell's PID after exec) is gone; it lives in the
	# harness's PID namespace either way.
	pid=$$
	(
		n=0
		while kill -0 "$pid" 2> /dev/null; do
			for p in status history recent; do
				curl -s -o /dev/null --max-time 2 "http://$OURS_ADDR:8053/api/$p" && n=$((n + 1))
			done
			echo "$n" > "$OURS_WORKDIR/dashboard-polls"
			sleep "$DASHBOARD_POLL"	# the polling period itself, not a synchronisation
		done
	) &
fi
exec "$VANTAGED" -d -c "$conf"
