#!/bin/bash
# tests/adversary/adv_replica_huge.sh - a key grown past what the replica's Redis client
# takes. Someone with write access to Redis pushes 20 MiB onto the shared ring; each full
# read then ends with the connection dropped (vredis's 16 MiB bound), and a replica reads
# before it writes. It used to stop writing for good (a join it took never reached Redis);
# now a table that failed three reads in a row is skipped at the next connection, said in
# the log, and the replica writes.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 5

PFX=huge:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) && J_ADDR=$(unique_addr) || bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
mirror_keygen "$T/keys-j" "$J_ADDR" || bail_out "keygen for j failed"
J=$KEY_ID
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true, joins_per_minute: 600 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
python3 - "${PFX}ring" <<'EOF' | redis-cli -s "$REDIS_SOCK" --pipe > /dev/null
import sys
key, v = sys.argv[1].encode(), b"1 - " + b"x" * (1 << 20)
for _ in range(20):
    sys.stdout.buffer.write(b"*3\r\n$5\r\nLPUSH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(v), v))
EOF
cmp_ok "$(rcli llen "${PFX}ring")" -eq 20 "20 MiB planted on the ring"
start_mirror "$T/a.yaml" mirror-a || bail_out "replica a did not start"
A_HP=$MIRROR_ADDR:$MIRROR_PORT A_PID=$MIRROR_PID
like "$(post a /v1/join "$(join_body "$J" j "$J_ADDR" "$T/keys-j")")" 'HTTP 200$' "a takes j's join"
ok "j's row reaches Redis all the same" wait_until 30 bash -c \
	"redis-cli -s '$REDIS_SOCK' hexists '${PFX}peers' '$J' | grep -qx 1"
ok "a says which key it could not read" log_has "shared: ${PFX}ring could not be read 3 times in a row" "$T/mirror-a.log"
ok "a still serves" health_has a '"shared":\{"state":"up"'
