#!/bin/bash
# tests/adversary/adv_fleet_evict.sh - the verified cache is bounded (cache.max_entries) and
# evicts its oldest records; every announcement on the fleet's channel was imported into it.
# Genuine announcements are no secret: a writer without the key reads them off the channel or
# out of Redis and publishes them again, for as many names as the fleet ever verified. Before
# the fix they pushed out what this instance had verified itself - its verdicts, and with them
# its sticky addresses, pairs and CA histories with their flags (issue 14 review). Now a record
# nobody here asked for only goes into room to spare; an ask's own answer still goes in.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq redis-server redis-cli
FORGE=$TOOLS_DIR/fleetforge
[ -x "$FORGE" ] || bail_out "missing $FORGE (make check builds it)"
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 10

liar_begin
for n in 1 2 3 4; do liar_honest "t$n.adv.test." A "t$n.adv.test. 300 IN A 127.200.1.$n"; done
liar_start || bail_out "cannot start the lying resolver"
start_redis || bail_out "redis-server did not start"
head -c 32 /dev/urandom > "$T/fleet.key"
adv_world extra="shared: { redis: \"$REDIS_URL\", key_file: \"$T/fleet.key\", timeout: 50ms }" ||
	bail_out "cannot build the world"
SOCK=$T/ctl-vd.sock
status() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status; }
st() { status | jq -r ".shared.$1"; }
agreed() { status | jq -r '.verdicts.agree'; }
ok "vantaged: Redis up" wait_until 10 eval '[ "$(st state)" = up ]'
# A cache of eight records a kind, by reload (the world's config says 1000).
sed -i 's/max_entries: 1000/max_entries: 8/' "$T/vd.yaml"
timeout 20 "$VANTAGECTL" -s "$SOCK" reload > /dev/null
ok "reloaded with cache.max_entries 8" wait_until 10 grep -q 'configuration reloaded' "$VANTAGED_LOG"
answer() { echo "$(adv_dig "$1.adv.test" A | dig_rcode) $(adv_dig "$1.adv.test" A +short)"; }

# A CA history flagging t1 (as the fleet shares one): taken, t1 answered flagged.
"$FORGE" -m -H -k "$T/fleet.key" -n t1.adv.test -e 3600 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
t1flag() { adv_dig t1.adv.test A | ede_of | grep -q 'CA of t1\.adv\.test changed after 100 days'; }
ok "t1's CA history taken: t1 answered flagged" wait_until 5 t1flag
for n in 2 3 4; do answer "t$n" > /dev/null; done
is "$(agreed)" 4 "t1..t4 verified here: four verdicts of its own"
# Twenty genuine agreements and twenty genuine CA histories on other names, as the fleet
# announces them (or anyone replays them).
for n in $(seq 1 20); do
	"$FORGE" -m -k "$T/fleet.key" -n "n$n.adv.test" "127.200.2.$n" |
		redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
	"$FORGE" -m -H -k "$T/fleet.key" -n "h$n.adv.test" -e 60 |
		redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
done
seen() { echo $(( $(st imported) + $(st dropped) )); }
ok "the forty announcements were read" wait_until 10 eval '[ "$(seen)" -ge 41 ]'
cmp_ok "$(st dropped)" -ge 1 "... those without room dropped ($(st dropped)), not pushing out local records"
hits0=$(st hits)
got=$(for n in 1 2 3 4; do answer "t$n"; done | tr '\n' ' ')
is "$got" "NOERROR 127.200.1.1 NOERROR 127.200.1.2 NOERROR 127.200.1.3 NOERROR 127.200.1.4 " \
	"t1..t4 answered again"
is "$(( $(st hits) - hits0 ))" 0 "... on the verdicts held here, not read back from Redis"
ok "t1 still flagged: its CA history was not pushed out" t1flag
ok "vantaged is alive" alive "$VANTAGED_PID"
