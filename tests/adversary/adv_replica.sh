#!/bin/bash
# tests/adversary/adv_replica.sh - an attacker who can write to the replicas' Redis (one shared
# with others, or broken into) but does not hold the mirror's TLS key. What it plants: a
# genuine mirror's row (its CA hashes to its id: every peers.json check passes) marked active
# but sealed with a key of its own, the same row unsealed, an oversize row, a row under a
# bad id, a genuine sealed row copied under another id, counters out of range and for
# mirrors nobody knows, the same rows announced on the channel. None becomes a listed peer,
# no count moves, both replicas keep serving, and each refusal is logged and counted.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 15

PFX=adv:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) && B_ADDR=$(unique_addr) && J_ADDR=$(unique_addr) && X_ADDR=$(unique_addr) ||
	bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
mirror_keygen "$T/keys-j" "$J_ADDR" || bail_out "keygen for j failed"
J=$KEY_ID
# x: a real mirror's keys; its join was never sent, so it never passed any check here.
mirror_keygen "$T/keys-x" "$X_ADDR" || bail_out "keygen for x failed"
X=$KEY_ID
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true, joins_per_minute: 600 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
mirror_conf "$T/b.yaml" "$B_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-b" "$shared"
start_replica a || bail_out "replica a did not start"
start_replica b || bail_out "replica b did not start"

# An honest join first, so that a genuine sealed row exists to be copied.
like "$(post a /v1/join "$(join_body "$J" j "$J_ADDR" "$T/keys-j")")" 'HTTP 200$' "a takes j's join"
ok "b lists j (the honest path works)" wait_until 10 lists b "$J"
GENUINE=$(rcli hget "${PFX}peers" "$J")
like "$GENUINE" '^v1 [0-9a-f]{64} \{' "j's row in Redis is sealed"

# The forgeries.
python3 - "$T/keys-x/ca.pem" "$X" "$X_ADDR" > "$T/forged" <<'EOF'
import hashlib, hmac, json, os, sys
row = json.dumps({"id": sys.argv[2], "name": "x", "address": sys.argv[3] + ":443",
    "region": "test", "ca_pem": open(sys.argv[1]).read(), "state": "active", "reason": "",
    "since": 1, "last_ok": 1, "hops": 0, "forwarded": True, "rev": 2**62,
    "finding": "keep", "finding_reason": ""}, separators=(",", ":"))
mac = hmac.new(os.urandom(32), row.encode(), hashlib.sha256).hexdigest()
print("v1 %s %s" % (mac, row))
EOF
FORGED=$(cat "$T/forged")
rcli hset "${PFX}peers" "$X" "$FORGED" > /dev/null
rcli hset "${PFX}peers" "$(printf 'ab%.0s' $(seq 32))" "${FORGED#v1 * }" > /dev/null
rcli hset "${PFX}peers" "$(printf 'cd%.0s' $(seq 32))" "v1 $(printf '0%.0s' $(seq 64)) $(head -c 70000 /dev/zero | tr '\0' a)" > /dev/null
rcli hset "${PFX}peers" "../../etc/passwd" "$GENUINE" > /dev/null
rcli hset "${PFX}peers" "$X" "$GENUINE" > /dev/null	# j's genuine row, filed under x
rcli hset "${PFX}reports" "$J:1" "99999999999999999999" "$X:1" "1000" > /dev/null
rcli hset "${PFX}reputation" "$J:0" "-5" > /dev/null
rcli publish "${PFX}events" "peer $FORGED" > /dev/null
rcli publish "${PFX}events" "peer ${FORGED#v1 * }" > /dev/null

# b reads it all at a restart; a sees the announcements live.
stop_pid "$B_PID" > /dev/null
start_replica b || bail_out "replica b did not restart"
ok "a refuses the forged announcement: its seal is not the mirror's" log_has \
	"shared: announced row skipped: seal does not match" "$T/mirror-a.log"
ok "b refuses the row filed under another id (a genuine row, copied)" log_has \
	"shared: peer row skipped: filed under another id" "$T/mirror-b.log"
ok "b refuses the oversize row" log_has "shared: peer row skipped: oversize \(70068 bytes" "$T/mirror-b.log"
ok "b refuses the unsealed row" log_has "shared: peer row skipped: not a v1 row" "$T/mirror-b.log"
ok "b refuses the out-of-range counter" log_has "shared: report counter skipped: not a count" "$T/mirror-b.log"
nok "x, which never passed a join check here, is listed by neither" bash -c \
	"{ $(declare -f rcurl get lists); A_ADDR=$A_ADDR A_HP=$A_HP B_HP=$B_HP T=$T; lists a $X || lists b $X; }"
unlike "$(get b /v1/mirrors)" '"id":"(abab|cdcd)' "no hostile id is listed"
unlike "$(get b "/v1/mirrors?id=$J")" '"dissent":[1-9]' "the planted counters moved no count of j"
like "$(get b /v1/health)" '"shared":\{"state":"up".*"invalid":[1-9]' "b counts what it refused"
ok "both replicas still serve" bash -c "kill -0 $A_PID && kill -0 $B_PID"

# A key of another type (a string where the ring is kept): the read is refused, skipped, and
# the replica still reads the rest and writes its rows.
rcli del "${PFX}ring" > /dev/null
rcli set "${PFX}ring" "not a list" > /dev/null
rcli hdel "${PFX}peers" "$J" > /dev/null
stop_pid "$B_PID" > /dev/null
start_replica b || bail_out "replica b did not start over a key of another type"
ok "b logs the refused read" log_has "shared: shared table skipped: Redis refused the read" "$T/mirror-b.log"
ok "... and writes j's row again all the same" wait_until 10 bash -c \
	"redis-cli -s '$REDIS_SOCK' hexists '${PFX}peers' '$J' | grep -qx 1"
