#!/bin/bash
# tests/adversary/adv_fleet_lock.sh - a Redis writer without the key holds names' locks for ever
# (issue 14 review): `SET <prefix>l:A:<name> x` with no expiry, or with a PX of days. Before the
# fix every instance asking such a name waited consensus.timeout for an owner that never
# answers, then asked its mirrors: each question twice as slow, for as long as the writer
# liked. A lock no instance sets (no expiry, or more than twice an instance's own PX) is now
# taken over at once: the instance asks its mirrors as the owner, with a log line. An honest
# lock (the PX an instance sets) is still waited for.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq redis-server redis-cli
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 10

liar_begin
for n in 1 2 3; do liar_honest "t$n.adv.test." A "t$n.adv.test. 300 IN A 127.200.1.$n"; done
liar_start || bail_out "cannot start the lying resolver"
start_redis || bail_out "redis-server did not start"
head -c 32 /dev/urandom > "$T/fleet.key"
adv_world extra="shared: { redis: \"$REDIS_URL\", key_file: \"$T/fleet.key\", timeout: 50ms }" ||
	bail_out "cannot build the world"
SOCK=$T/ctl-vd.sock
st() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r ".shared.$1"; }
ok "vantaged: Redis up" wait_until 10 eval '[ "$(st state)" = up ]'
answer() { echo "$(adv_dig "$1.adv.test" A +time=5 | dig_rcode) $(adv_dig "$1.adv.test" A +short)"; }

redis-cli -s "$REDIS_SOCK" SET vantage:l:A:t1.adv.test. forever > /dev/null
redis-cli -s "$REDIS_SOCK" SET vantage:l:A:t2.adv.test. days PX 259200000 > /dev/null
waits0=$(st lock_waits)
is "$(answer t1)" "NOERROR 127.200.1.1" "t1 behind a lock without expiry: answered"
is "$(answer t2)" "NOERROR 127.200.1.2" "t2 behind a lock of three days: answered"
is "$(( $(st lock_waits) - waits0 ))" 0 "... neither waited for the lock's owner"
ok "... the locks taken over, with a log line" \
	log_has 'ignored the value of vantage:v:A:t1\.adv\.test\.: its lock was set for longer than any instance holds one: taken over'
ok "... the published verdicts are in Redis" \
	test "$(redis-cli -s "$REDIS_SOCK" STRLEN vantage:v:A:t2.adv.test.)" -gt 40
is "$(redis-cli -s "$REDIS_SOCK" EXISTS vantage:l:A:t1.adv.test.)" 0 "... and the lock given back"
# An honest lock (an instance's own PX, 20 s at most here) is waited for as before.
redis-cli -s "$REDIS_SOCK" SET vantage:l:A:t3.adv.test. honest PX 5000 > /dev/null
is "$(answer t3)" "NOERROR 127.200.1.3" "t3 behind a lock an instance would set: answered"
is "$(( $(st lock_waits) - waits0 ))" 1 "... after waiting for its owner"
ok "vantaged is alive" alive "$VANTAGED_PID"
