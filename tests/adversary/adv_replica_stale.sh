#!/bin/bash
# tests/adversary/adv_replica_stale.sh - an older genuine row in Redis does not stay there.
# Someone with write access to Redis deletes the rows; a replica restarted with old files
# then writes its older row of j (sealed: genuine, only old), which is also what a replay of
# a saved row plants. The replica that holds the newer row writes it again (it used to
# leave Redis with the older one, which a replica started with an empty state_dir would
# then take as the truth), and the restarted one takes the newer.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 6

PFX=stale:
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

# row_rev: the rev of j's row in Redis ("" when none).
row_rev() { rcli hget "${PFX}peers" "$J" | sed -n 's/.*"rev":\([0-9]*\).*/\1/p'; }

like "$(post a /v1/join "$(join_body "$J" j "$J_ADDR" "$T/keys-j")")" 'HTTP 200$' "a takes j's join"
ok "b lists j" wait_until 10 lists b "$J"
NEW=$(row_rev)
stop_pid "$A_PID" > /dev/null
# a's files say j's state changed long ago: its row (rev = since in ms) is older than NEW.
python3 - "$T/state-a/peers.json" "$J" <<'EOF'
import json, sys
path, jid = sys.argv[1], sys.argv[2]
d = json.load(open(path))
for e in (d["peers"] if isinstance(d, dict) else d):
    if e.get("id") == jid:
        e["since"] = max(1, e["since"] - 100000)
json.dump(d, open(path, "w"))
EOF
rcli del "${PFX}peers" > /dev/null
start_replica a || bail_out "replica a did not restart"
ok "b writes its newer row of j again over a's older one" wait_until 10 \
	eval '[ "$(row_rev)" = "$NEW" ]'
B_SINCE=$(entry b "$J" | sed -n 's/.*"since":\([0-9]*\).*/\1/p')
ok "a takes the newer row (b's since: $B_SINCE)" wait_until 10 eval 'entry_has a "$J" "\"since\":$B_SINCE"'
ok "and it stays (nobody writes the older one back)" bash -c "sleep 1; [ \"\$(redis-cli -s '$REDIS_SOCK' hget '${PFX}peers' '$J' | sed -n 's/.*\"rev\":\([0-9]*\).*/\1/p')\" = '$NEW' ]"
ok "both replicas still serve" bash -c "kill -0 $A_PID && kill -0 $B_PID"
