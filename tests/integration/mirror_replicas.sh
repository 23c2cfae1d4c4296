#!/bin/bash
# tests/integration/mirror_replicas.sh - two vantage-mirror replicas (one CA, one key, two
# addresses) sharing one Redis: a join taken by one is listed by both, a report received by
# one counts at the other, a removal recorded by one reaches the other, a replica restarted
# without its state gets it back, Redis down leaves both serving from local state (and saying
# so), and garbage planted in Redis is skipped with a log line.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 39

PFX=vm-test:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) && B_ADDR=$(unique_addr) && J_ADDR=$(unique_addr) && K_ADDR=$(unique_addr) ||
	bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
ME=$KEY_ID
mirror_keygen "$T/keys-j" "$J_ADDR" || bail_out "keygen for the joiner failed"
J=$KEY_ID
mirror_keygen "$T/keys-k" "$K_ADDR" || bail_out "keygen for the second joiner failed"
K=$KEY_ID

# The same keys, the same Redis, their own addresses and state directories. The timeout is
# generous: the test machine is shared, and what is tested here is not the deadline.
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true, joins_per_minute: 600 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
mirror_conf "$T/b.yaml" "$B_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-b" "$shared"

start_replica a || bail_out "replica a did not start"
start_replica b || bail_out "replica b did not start"
like "$(get a /v1/mirrors)" "\"id\":\"$ME\".*\"state\":\"self\"" "a serves as the mirror"
like "$(get b /v1/mirrors)" "\"id\":\"$ME\".*\"state\":\"self\"" "b serves as the same mirror (one CA)"
ok "a says its shared state is up and read" health_has a '"shared":\{"state":"up","subscribed":true,"loaded":true'

# 1. A join accepted by a is listed by b.
like "$(post a /v1/join "$(join_body "$J" j "$J_ADDR" "$T/keys-j")")" '"state":"candidate".* HTTP 200$' \
	"a takes the join of j as a candidate"
ok "b lists j too, within a few ticks" wait_until 10 lists b "$J"
ok "... as a candidate, learned from the other replica" \
	log_has "shared: peer j \($J_ADDR:443, $J\) from another replica: candidate" "$T/mirror-b.log"

# 2. A report received by b counts at a.
D=$(printf 'cd%.0s' $(seq 32))
report="{\"version\":1,\"question\":{\"name\":\"www.example.test.\",\"type\":\"A\"},\"results\":[
 {\"mirror\":\"$J\",\"digest\":\"$D\",\"outcome\":\"dissent\"},{\"mirror\":\"$ME\",\"outcome\":\"timeout\"}]}"
like "$(post b /v1/report "$report")" '"accepted":2.* HTTP 200$' "b takes a client's report"
ok "a counts b's report against j" wait_until 10 entry_has a "$J" '"reports":\{"agree":0,"dissent":1,'
ok "... and against itself (the mirror both are)" wait_until 10 entry_has a "$ME" '"timeout":1,'
post a /v1/report "$report" > /dev/null
ok "one more at a: both show the sum, 2" wait_until 10 entry_has b "$J" '"dissent":2,'

# 2a. Reputation counts are sums too: what another replica adds (HINCRBY, then its notice)
# shows at once. (Replays need vetted questions and live peers; the sum is what is tested.)
rcli hincrby "${PFX}reputation" "$J:1" 3 > /dev/null
rcli publish "${PFX}events" "counts 0123456789abcdef" > /dev/null
ok "a takes another replica's reputation counts of j" wait_until 10 entry_has a "$J" \
	'"reputation":\{"agree":0,"dissent":3,'
ok "... and so does b" wait_until 10 entry_has b "$J" '"reputation":\{"agree":0,"dissent":3,'

# 2b. A question a client asked b joins a's ring of recent questions (what audits replay).
Q=$(python3 -c 'import base64, struct
q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l for l in b"ring.example.test".split(b".")) + b"\0" + struct.pack(">HH", 1, 1)
print(base64.urlsafe_b64encode(q).decode().rstrip("="))')
rcurl b "/dns-query?dns=$Q" -o /dev/null
ok "b writes the question to the shared ring, by client network" wait_until 10 bash -c \
	"redis-cli -s '$REDIS_SOCK' lrange '${PFX}ring' 0 -1 | grep -qxE 'v1 [0-9a-f]{64} 1 127\.[0-9]+\.[0-9]+\.0 ring\.example\.test\.'"
ok "a takes it into its own ring" wait_until 10 health_has a '"ring_taken":[1-9]'
ok "... and b did not take its own back" health_has b '"ring_pushed":1,"ring_taken":0,'

# 3. A removal recorded by a reaches b. A vote needs auditors and samples; its outcome is a
# state change, which is what replicas share: here a is stopped and its state file records
# the removal, as a vote does, and a started again takes it for news (it is newer).
stop_pid "$A_PID" > /dev/null
python3 - "$T/state-a/peers.json" "$J" <<'EOF'
import json, sys, time
d = json.load(open(sys.argv[1]))
for p in d["peers"]:
    if p["id"] == sys.argv[2]:
        p["state"], p["reason"], p["since"] = "inactive", "removed by vote: 2 of 3 auditors", int(time.time()) + 1
json.dump(d, open(sys.argv[1], "w"))
EOF
start_replica a || bail_out "replica a did not restart"
ok "b takes the removal from a" wait_until 10 entry_has b "$J" '"state":"inactive".*"reason":"removed by vote: 2 of 3 auditors"'
ok "... and says so in its log" log_has "peer j .*-> inactive: removed by vote" "$T/mirror-b.log"
audit_b=$(get b "/v1/audit?id=$J" | sed 's/"replays":[0-9]*//')
like "$audit_b" '"state":"inactive","state_reason":"removed by vote: 2 of 3 auditors"' \
	"b's /v1/audit tells j's removal"
is "$audit_b" "$(get a "/v1/audit?id=$J" | sed 's/"replays":[0-9]*//')" \
	"... word for word as a's (the replay counts of their own audits aside)"

# 4. b restarted without its state directory gets everything back from Redis.
stop_pid "$B_PID" > /dev/null
rm -rf "$T/state-b" && mkdir -p "$T/state-b"
start_replica b || bail_out "replica b did not restart"
ok "b, restarted empty, lists j again" wait_until 10 entry_has b "$J" '"state":"inactive"'
ok "... with the report tallies" wait_until 10 entry_has b "$J" '"dissent":2,'
ok "... and its own" wait_until 10 entry_has b "$ME" '"timeout":2,'
ok "... and j's reputation counts" wait_until 10 entry_has b "$J" '"reputation":\{"agree":0,"dissent":3,'

# 5. Redis down: both serve from local state and say so; a join meanwhile is written when
# Redis is back (empty: it keeps nothing on disk here), and b learns it then.
stop_pid "$REDIS_PID" > /dev/null
ok "a says Redis is unreachable and it serves from local state" wait_until 10 log_has \
	"shared: Redis unreachable: serving from local state" "$T/mirror-a.log"
ok "b still lists j with Redis down" entry_has b "$J" '"state":"inactive"'
ok "b's /v1/health says the shared state is not up" health_has b '"shared":\{"state":"(down|connecting)"'
like "$(post a /v1/join "$(join_body "$K" k "$K_ADDR" "$T/keys-k")")" '"state":"candidate".* HTTP 200$' \
	"a takes a join with Redis down"
restart_redis || bail_out "redis-server did not restart"
ok "after Redis is back, b lists k (a wrote its rows again)" wait_until 20 lists b "$K"
ok "... and j is in Redis again" wait_until 10 bash -c "redis-cli -s '$REDIS_SOCK' hexists '${PFX}peers' '$J' | grep -qx 1"

# 6. Garbage in Redis: skipped, logged, counted; the replicas keep serving.
rcli hset "${PFX}peers" "$(printf 'ee%.0s' $(seq 32))" "garbage" > /dev/null
rcli hset "${PFX}reports" "not-a-field" "12" "$J:1" "many" > /dev/null
rcli publish "${PFX}events" "junk from nobody" > /dev/null
stop_pid "$B_PID" > /dev/null
start_replica b || bail_out "replica b did not restart over garbage"
ok "b logs the garbage row it skipped" log_has "shared: peer row skipped: not a v1 row" "$T/mirror-b.log"
ok "... and the bad counters" log_has "shared: report counter skipped: (bad field|not a count)" "$T/mirror-b.log"
ok "a logs the junk announcement" log_has "shared: announcement skipped: not one of ours" "$T/mirror-a.log"
unlike "$(get b /v1/mirrors)" "eeeeeeee" "no garbage entry is listed"

# 7. A replica started while Redis is down serves from its files at once, and catches up
# when Redis comes.
stop_pid "$REDIS_PID" > /dev/null
stop_pid "$B_PID" > /dev/null
start_mirror "$T/b.yaml" mirror-b2 || bail_out "replica b did not start with Redis down"
B_HP=$MIRROR_ADDR:$MIRROR_PORT B_PID=$MIRROR_PID
ok "b, started with Redis down, lists j from its own files" entry_has b "$J" '"state":"inactive"'
ok "... and says the shared state is not read" health_has b '"shared":\{"state":"(down|connecting)".*"loaded":false'
restart_redis || bail_out "redis-server did not restart"
ok "b reads the shared state once Redis is there" wait_until 20 log_has \
	"shared: state read from Redis" "$T/mirror-b2.log"

# 8. A peer forgotten by a (inactive and unreachable past forget_after) leaves Redis too, so
# that no replica restarted later takes it back.
ok "j's row is in Redis (b wrote it again after Redis came back empty)" wait_until 10 bash -c \
	"redis-cli -s '$REDIS_SOCK' hexists '${PFX}peers' '$J' | grep -qx 1"
stop_pid "$A_PID" > /dev/null
sed 's/joins_per_minute: 600 }/joins_per_minute: 600, forget_after: 1s, verify_interval: 200ms }/' \
	"$T/a.yaml" > "$T/a2.yaml"
start_mirror "$T/a2.yaml" mirror-a2 || bail_out "replica a did not restart"
ok "a forgets j" wait_until 20 log_has "peer j .* forgotten: unreachable since" "$T/mirror-a2.log"
ok "... and j's row leaves Redis" wait_until 10 bash -c \
	"redis-cli -s '$REDIS_SOCK' hexists '${PFX}peers' '$J' | grep -qx 0"
