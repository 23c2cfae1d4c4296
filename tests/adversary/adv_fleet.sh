#!/bin/bash
# tests/adversary/adv_fleet.sh - an attacker who can write to the fleet's Redis (issue 14) but
# has not the fleet key (shared.key_file). Planted with redis-cli: garbage, a truncated value,
# an oversized one, a value with a flipped MAC byte, an agreement on the liar's answer signed
# with another key, a value of another name copied under this name's key, and one signed with
# the fleet key but about another name. Each is a logged miss (the mirrors are asked: an honest
# name is answered, a lie is refused), never a verdict and never a crash; so is garbage on the
# channel. A key holder's agreement that contradicts the addresses this instance verified is
# ignored too (plugins and Redis can lower trust, never raise it), and one that differs from a
# live local verdict loses to it. The control: the same forged agreement signed with the fleet
# key IS believed, so what stops the others is the MAC and the checks, not the test's world.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq redis-server redis-cli
FORGE=$TOOLS_DIR/fleetforge
[ -x "$FORGE" ] || bail_out "missing $FORGE (make check builds it)"
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 32

# The honest names (t9's answer with TTL 0: its verdict lives 5 s, its addresses an hour), and
# the liar's e1..e6, which no mirror knows (NXDOMAIN: a dissent).
liar_begin
for n in 1 2 3 4 5 6 7 8; do liar_honest "t$n.adv.test." A "t$n.adv.test. 300 IN A 127.200.1.$n"; done
liar_honest "t9.adv.test." A "t9.adv.test. 0 IN A 127.200.1.9"
for n in 1 2 3 4 5 6; do liar_honest "e$n.adv.test." A "e$n.adv.test. 300 IN A $EVIL"; done
liar_start || bail_out "cannot start the lying resolver"
start_redis || bail_out "redis-server did not start"
head -c 32 /dev/urandom > "$T/fleet.key"
adv_world extra="shared: { redis: \"$REDIS_URL\", key_file: \"$T/fleet.key\", timeout: 50ms }" ||
	bail_out "cannot build the world"
SOCK=$T/ctl-vd.sock
st() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r ".shared.$1"; }
ok "vantaged: Redis up" wait_until 10 eval '[ "$(st state)" = up ]'
K() { echo "vantage:v:A:$1.adv.test."; }
plant() { local k=$1; shift; "$@" | redis-cli -s "$REDIS_SOCK" -x SET "$k" > /dev/null; }
refused_log() { log_has "shared: fleet: ignored the value of vantage:v:A:$1\.adv\.test\.: $2"; }
answer() { local out; out=$(adv_dig "$1.adv.test" A); echo "$(dig_rcode <<< "$out") $(adv_dig "$1.adv.test" A +short)"; }

# --- garbage, truncated, oversized, a flipped MAC byte: logged misses, honest answers
plant "$(K t1)" sh -c "printf X; head -c 300 /dev/urandom"
is "$(answer t1)" "NOERROR 127.200.1.1" "garbage under t1's key: t1 answered (the mirrors asked)"
ok "... the value ignored with a log line" refused_log t1 'not a fleet value'
is "$(answer t2)" "NOERROR 127.200.1.2" "t2 verified (and its value shared)"
ok "... the value is in Redis" test "$(redis-cli -s "$REDIS_SOCK" STRLEN "$(K t2)")" -gt 40
redis-cli -s "$REDIS_SOCK" EVAL "return redis.call('SET', KEYS[2], string.sub(redis.call('GET', KEYS[1]), 1, 40))" \
	2 "$(K t2)" "$(K t3)" > /dev/null
is "$(answer t3)" "NOERROR 127.200.1.3" "t2's value cut to 40 bytes under t3's key: t3 answered"
ok "... the truncated value ignored with a log line" refused_log t3 'bad (size|MAC)'
redis-cli -s "$REDIS_SOCK" EVAL "return redis.call('SET', KEYS[1], string.rep('V', 20000))" 1 "$(K t4)" > /dev/null
is "$(answer t4)" "NOERROR 127.200.1.4" "20000 bytes under t4's key: t4 answered"
ok "... the oversized value ignored with a log line" refused_log t4 'bad size'
redis-cli -s "$REDIS_SOCK" EVAL "local v = redis.call('GET', KEYS[1]) return redis.call('SET', KEYS[1], string.sub(v, 1, -2) .. string.char((string.byte(v, -1) + 1) % 256))" \
	1 "$(K t2)" > /dev/null
timeout 20 "$VANTAGECTL" -s "$SOCK" cache flush t2.adv.test > /dev/null
is "$(answer t2)" "NOERROR 127.200.1.2" "t2's own value with its last byte changed, t2 flushed here: answered"
ok "... the value ignored: bad MAC" refused_log t2 'bad MAC'

# --- the liar's answer with a forged agreement: never served as verified
plant "$(K e1)" "$FORGE" -w "guessed password" -n e1.adv.test "$EVIL"
is "$(answer e1 | cut -d' ' -f1)" REFUSED "an agreement on the liar's e1 signed with another key: e1 REFUSED"
ok "... the value ignored: bad MAC" refused_log e1 'bad MAC'
is "$(answer t5)" "NOERROR 127.200.1.5" "t5 verified and shared"
redis-cli -s "$REDIS_SOCK" COPY "$(K t5)" "$(K e2)" REPLACE > /dev/null
is "$(answer e2 | cut -d' ' -f1)" REFUSED "t5's genuine value copied under e2's key: e2 REFUSED"
ok "... the value ignored: bad MAC (the key is in it)" refused_log e2 'bad MAC'
plant "$(K e3)" "$FORGE" -k "$T/fleet.key" -u e3.adv.test -n t6.adv.test "$EVIL"
is "$(answer e3 | cut -d' ' -f1)" REFUSED "signed with the fleet key for e3's key, about t6: e3 REFUSED"
ok "... the value ignored: about another name" refused_log e3 'about another name'
printf 'garbage on the channel' | redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "garbage published on the channel: ignored with a log line" \
	wait_until 5 log_has 'shared: fleet: ignored the value of a message: malformed'
cmp_ok "$(st invalid)" -ge 7 "status counts the invalid values"

# --- a key holder's agreement: the trust rules
plant "$(K e4)" "$FORGE" -k "$T/fleet.key" -n e4.adv.test "$EVIL"
is "$(answer e4)" "NOERROR $EVIL" "control: signed with the fleet key, the liar's e4 IS believed (the key is what protects)"
ok "t9 verified (TTL 0: its verdict lives 5 s, its addresses an hour)" eval '[ "$(answer t9)" = "NOERROR 127.200.1.9" ]'
"$FORGE" -m -k "$T/fleet.key" -n t9.adv.test "$EVIL" > "$T/t9.msg"
pub9() { redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts < "$T/t9.msg" > /dev/null; log_has "ignored the value of vantage:v:A:t9\.adv\.test\.: its addresses contradict"; }
ok "a fleet-signed agreement on the liar's t9, announced once t9's verdict expired: ignored, it contradicts the addresses verified here" \
	wait_until 20 pub9
ok "... while the verdict lived, the local one won (debug line)" \
	log_has 'kept the live local verdict on vantage:v:A:t9\.adv\.test\. over the fleet'
cmp_ok "$(st ignored)" -ge 1 "status counts the ignored values"
"$FORGE" -m -k "$T/fleet.key" -n t1.adv.test "$EVIL" | redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
is "$(answer t1)" "NOERROR 127.200.1.1" "a fleet-signed agreement on the liar's t1, which is verified here: t1 unchanged"
"$FORGE" -m -P -w "guessed password" -n t8.adv.test "$EVIL" |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "a proven pair (t8, the liar's address) signed with another key: ignored, bad MAC" \
	wait_until 5 log_has "ignored the value of vantage:p:t8\.adv\.test\.:$EVIL: bad MAC"
"$FORGE" -m -P -k "$T/fleet.key" -n t9.adv.test "$EVIL" |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "a fleet-signed pair proving the liar's address for t9: ignored, it contradicts the verified addresses" \
	wait_until 5 log_has "ignored the value of vantage:p:t9\.adv\.test\.:$EVIL: its address contradicts"
"$FORGE" -m -H -w "guessed password" -n t7.adv.test -e 3600 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "a CA history of t7 signed with another key: ignored, bad MAC" \
	wait_until 5 log_has "ignored the value of vantage:h:t7\.adv\.test\.: bad MAC"
"$FORGE" -m -H -k "$T/fleet.key" -n t7.adv.test -e 3600 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
t7flag() { adv_dig t7.adv.test A | ede_of | grep -q 'CA of t7\.adv\.test changed after 100 days'; }
ok "a fleet-signed CA history flagging t7 is taken: t7 answered flagged (it can only lower trust)" \
	wait_until 5 t7flag
ok "vantaged is alive" alive "$VANTAGED_PID"
is "$(st state)" up "... and still up on Redis"
