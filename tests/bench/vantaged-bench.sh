#!/bin/sh
# tests/bench/vantaged-bench.sh - OURS_CMD for peers.sh: write a vantaged config for the address
# and upstream the harness assigns, then exec vantaged in the foreground.
# Needs VANTAGED, OURS_ADDR, OURS_PORT, UPSTREAM_ADDR, UPSTREAM_PORT, OURS_WORKDIR.
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
exec "$VANTAGED" -d -c "$conf"
