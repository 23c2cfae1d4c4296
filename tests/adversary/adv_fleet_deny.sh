#!/bin/bash
# tests/adversary/adv_fleet_deny.sh - a fleet verdict that denies a name this instance knows
# (issue 14 review). An imported agreement was refused when its addresses contradicted the ones
# verified here, but an agreement on NXDOMAIN has no address to compare: it went in, and an
# upstream that blocks the name (NXDOMAIN) was then served "verified" on it, no mirror asked,
# although this instance holds verified addresses for it. The agreement may come from a lying key
# holder, or be a genuine one from before the name existed, replayed within its life. Now an
# NXDOMAIN agreement on a name with live verified addresses (a NODATA one on a name with live
# verified addresses of that family) is refused like any contradiction: the mirrors are asked,
# and they dissent.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq redis-server redis-cli
FORGE=$TOOLS_DIR/fleetforge
[ -x "$FORGE" ] || bail_out "missing $FORGE (make check builds it)"
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 13

# The liar blocks t10 (NXDOMAIN); the mirrors' world has it at 127.200.1.10.
liar_begin
liar_entry t10.adv.test. A "QR RD RA" NXDOMAIN
liar_rr AUTHORITY "adv.test. 300 IN SOA ns1.adv.test. hostmaster.adv.test. 1 3600 900 604800 30"
liar_end
liar_nodata t11.adv.test. A
liar_honest t12.adv.test. A "t12.adv.test. 300 IN A 127.200.1.12"
liar_start || bail_out "cannot start the lying resolver"
start_redis || bail_out "redis-server did not start"
head -c 32 /dev/urandom > "$T/fleet.key"
adv_world extra="shared: { redis: \"$REDIS_URL\", key_file: \"$T/fleet.key\", timeout: 50ms }" ||
	bail_out "cannot build the world"
SOCK=$T/ctl-vd.sock
st() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r ".shared.$1"; }
ok "vantaged: Redis up" wait_until 10 eval '[ "$(st state)" = up ]'

# The fleet's agreement on t10's address, living 2 s: its address stays evidence for an hour.
"$FORGE" -m -k "$T/fleet.key" -n t10.adv.test -e 2 127.200.1.10 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "the agreement on t10's address is imported" wait_until 5 eval '[ "$(st imported)" -ge 1 ]'
# Once it has expired, an agreement on NXDOMAIN for t10, signed with the fleet key.
"$FORGE" -m -k "$T/fleet.key" -n t10.adv.test -e 300 > "$T/deny.msg"
deny() {
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts < "$T/deny.msg" > /dev/null
	log_has "ignored the value of vantage:v:A:t10\.adv\.test\.: its addresses contradict"
}
ok "the NXDOMAIN agreement on t10 is ignored: it contradicts the address verified here" \
	wait_until 20 deny
dissents() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r '.verdicts.dissent'; }
d0=$(dissents)
is "$(adv_dig t10.adv.test A | dig_rcode)" REFUSED \
	"the liar's NXDOMAIN for t10: the mirrors asked, they dissent, REFUSED"
is "$(( $(dissents) - d0 ))" 1 "... on the mirrors' dissent, not on the fleet's verdict"

# The same with NODATA: the fleet's agreement on t11's address, then one on "no address".
"$FORGE" -m -k "$T/fleet.key" -n t11.adv.test -e 2 127.200.1.11 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "the agreement on t11's address is imported" wait_until 5 eval '[ "$(st imported)" -ge 2 ]'
"$FORGE" -m -N -k "$T/fleet.key" -n t11.adv.test -e 300 > "$T/deny.msg"
deny11() {
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts < "$T/deny.msg" > /dev/null
	log_has "ignored the value of vantage:v:A:t11\.adv\.test\.: its addresses contradict"
}
ok "the NODATA agreement on t11 is ignored: it contradicts the address verified here" \
	wait_until 20 deny11
d0=$(dissents)
is "$(adv_dig t11.adv.test A | dig_rcode)" REFUSED \
	"the liar's NODATA for t11: the mirrors asked, they dissent, REFUSED"
is "$(( $(dissents) - d0 ))" 1 "... on the mirrors' dissent, not on the fleet's verdict"
# A NODATA to AAAA for a name verified over IPv4 only is no contradiction: still imported.
"$FORGE" -m -N -t AAAA -k "$T/fleet.key" -n t11.adv.test -e 300 |
	redis-cli -s "$REDIS_SOCK" -x PUBLISH vantage:verdicts > /dev/null
ok "a NODATA agreement on t11's AAAA is imported (no IPv6 address verified)" \
	wait_until 5 eval '[ "$(st imported)" -ge 3 ]'

# A member that needs fewer corroborations (quorum 1) shares an agreement 1 of 3 mirrors gave;
# here the quorum is 2 of 3: the value is read, but the mirrors are asked all the same.
agreed() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r '.verdicts.agree'; }
"$FORGE" -c 1 -k "$T/fleet.key" -n t12.adv.test 127.200.1.12 |
	redis-cli -s "$REDIS_SOCK" -x SET vantage:v:A:t12.adv.test. > /dev/null
a0=$(agreed)
is "$(adv_dig t12.adv.test A +short)" 127.200.1.12 "t12, shared as agreed by 1 of 3 mirrors: answered"
is "$(( $(agreed) - a0 ))" 1 "... on this instance's own agreement (its quorum: 2 of 3)"
ok "vantaged is alive" alive "$VANTAGED_PID"
