#!/bin/bash
# tests/bench/mirror_replica_stall.sh - how long does a replica's event loop stop while it
# reads a shared state a Redis writer made as large as vredis lets through (16 MiB, 262144
# elements)? Planted: N copies of a genuine sealed row filed under other ids (each is
# HMAC-checked and parsed before its field is compared), and COUNTERS report counters (default 60000) for ids
# nobody knows. Replica b restarts and reads it all; /v1/health is polled meanwhile and the
# longest answer is the stall (from above: plus curl's own cost, ~10 ms).
#
#   top_srcdir=. top_builddir=build [ROWS=5000] tests/bench/mirror_replica_stall.sh
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
ROWS=${ROWS:-5000} COUNTERS=${COUNTERS:-60000}

PFX=stall:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) && B_ADDR=$(unique_addr) && J_ADDR=$(unique_addr) || bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
mirror_keygen "$T/keys-j" "$J_ADDR" || bail_out "keygen for j failed"
J=$KEY_ID
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true, joins_per_minute: 600 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
mirror_conf "$T/b.yaml" "$B_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-b" "$shared"
start_replica a || bail_out "replica a did not start"
start_replica b || bail_out "replica b did not start"
like "$(post a /v1/join "$(join_body "$J" j "$J_ADDR" "$T/keys-j")")" 'HTTP 200$' "a takes j's join"
ok "b lists j" wait_until 10 lists b "$J"
stop_pid "$B_PID" > /dev/null
GENUINE=$(rcli hget "${PFX}peers" "$J")
diag "a genuine row: ${#GENUINE} bytes; planting $ROWS copies and $COUNTERS counters"
python3 - "$ROWS" "$GENUINE" "${PFX}" "$COUNTERS" <<'EOF' | redis-cli -s "$REDIS_SOCK" --pipe > /dev/null
import os, sys
n, row, pfx = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode()
def cmd(*a):
    out = b"*%d\r\n" % len(a)
    for x in a:
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    sys.stdout.buffer.write(out)
for i in range(n):
    cmd(b"HSET", pfx + b"peers", os.urandom(32).hex().encode(), row)
for i in range(int(sys.argv[4])):
    cmd(b"HSET", pfx + b"reports", os.urandom(32).hex().encode() + b":1", b"7")
EOF
diag "peers: $(rcli hlen "${PFX}peers") fields, reports: $(rcli hlen "${PFX}reports") fields"
start_mirror "$T/b.yaml" mirror-b || bail_out "b did not restart"
B_HP=$MIRROR_ADDR:$MIRROR_PORT B_PID=$MIRROR_PID
max=0 n=0
end=$(( $(now_ms) + 15000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	t0=$(now_ms); get b /v1/health > /dev/null; t=$(( $(now_ms) - t0 )); n=$((n + 1))
	[ "$t" -gt "$max" ] && max=$t
	log_has "shared: state read from Redis" "$T/mirror-b.log" && [ "$n" -gt 20 ] && break
done
ok "b read the state" log_has "shared: state read from Redis" "$T/mirror-b.log"
diag "stall: longest /v1/health answer during the read ${max} ms over $n polls"
grep -E "Redis up|state read" "$T/mirror-b.log" | tail -3 | while read -r l; do diag "$l"; done
done_testing
