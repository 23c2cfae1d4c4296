#!/bin/bash
# tests/adversary/adv_sticky.sh - finding 9 of "Verdicts that are evidence": fail-open was a gift
# to the attacker who also blocks the mirrors.  vantaged verifies names through the honest
# mirrors; then every mirror goes away and the lying resolver answers $EVIL for them.  An answer
# that contradicts the addresses verified before is REFUSED with an EDE saying why, with the
# shipped on_insufficient (flag); before the fix it went out with only an EDE attached.  A name
# never verified still follows on_insufficient (the trade-off: captive portals, offline
# networks), a verified name whose answer did not change still answers, and after a restart
# (the state file) the evidence is still sticky.
#
# Review finding 4: the evidence was kept per address family. A name verified over IPv4 only
# (and AAAA verified NODATA) got the attacker's AAAA through as "never verified" once the mirrors
# were blocked, and glibc asks both families and prefers IPv6. Now verified addresses of either
# family (and a verified NODATA) make a forged AAAA a contradiction.
#
# consensus.allow_private is true (lib_adversary.sh sets it): every address here is loopback,
# which vantaged counts as private; with it on, the honest names verify, and what refuses the
# attacker's answer is the evidence kept for the name, not the private-address rule.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
tap_plan 29

# The honest answers carry TTL 0, so that vantaged's answer cache asks the liar again later.
liar_begin
for n in 21 23 24 25; do liar_honest "t$n.adv.test." A "t$n.adv.test. 0 IN A 127.200.1.$n"; done
# t21 AAAA: NODATA, with an SOA of TTL 0 so that no cache keeps it (liar_nodata's is 300).
liar_entry t21.adv.test. AAAA
liar_rr AUTHORITY "adv.test. 0 IN SOA ns1.adv.test. hostmaster.adv.test. 1 3600 900 604800 0"
liar_end
liar_start || bail_out "cannot start the lying resolver"
adv_world c.probe=on-dissent || bail_out "cannot build the world"

for n in 21 23 24 25; do
	out=$(adv_dig "t$n.adv.test" A)
	is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")/$(adv_dig "t$n.adv.test" A +short)" \
		"NOERROR//127.200.1.$n" "t$n verified while the mirrors answer"
done
ok "... the mirrors corroborated them" log_has 't25\.adv\.test\. A: [23] of 3 mirrors corroborate'
out=$(adv_dig t21.adv.test AAAA)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")/$(adv_dig t21.adv.test AAAA +short)" "NOERROR//" \
	"t21 AAAA verified NODATA while the mirrors answer"

# --- every mirror gone; the liar now lies
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
liar_begin
liar_honest t21.adv.test. A "t21.adv.test. 300 IN A $EVIL"
liar_honest t22.adv.test. A "t22.adv.test. 300 IN A $EVIL"
liar_honest t23.adv.test. A "t23.adv.test. 300 IN A 127.200.1.23" "t23.adv.test. 300 IN A $EVIL"
liar_honest t24.adv.test. A "t24.adv.test. 0 IN A 127.200.1.24"
liar_honest t25.adv.test. A "t25.adv.test. 300 IN A $EVIL2"
liar_honest t21.adv.test. AAAA "t21.adv.test. 300 IN AAAA ::ffff:$EVIL"
liar_honest t23.adv.test. AAAA "t23.adv.test. 300 IN AAAA ::ffff:$EVIL"
liar_restart t21.adv.test A || bail_out "cannot restart the lying resolver"

out=$(adv_dig t21.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "verified name, mirrors unreachable, the attacker's address: REFUSED"
like "$(ede_of <<< "$out")" "^0 vantage: local ${EVIL_NET//./\\.}\\.66 contradicts the addresses verified for t21\\.adv\\.test\\.; 0 of 3 mirrors answered$" \
	"... EDE 0 saying why"
nok "... the attacker's address reaches neither glibc nor dig" adv_evil_reached t21.adv.test
ok "... logged" log_has "t21\\.adv\\.test\\. A: local ${EVIL//./\\.} contradicts the addresses verified"
out=$(adv_dig t21.adv.test A)
like "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "^REFUSED/0 vantage: local ${EVIL_NET//./\\.}\\.66 contradicts the addresses verified" \
	"... asked again (the verdict cached): still REFUSED, the same reason"

out=$(adv_dig t23.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "the honest set plus the attacker's, mirrors unreachable: REFUSED"
nok "... the attacker's address reaches neither glibc nor dig" adv_evil_reached t23.adv.test

# --- the other family: A and AAAA-NODATA verified, the liar answers AAAA (finding 4)
out=$(adv_dig t21.adv.test AAAA)
is "$(dig_rcode <<< "$out")" REFUSED "A and AAAA NODATA verified, mirrors unreachable, a forged AAAA: REFUSED"
like "$(ede_of <<< "$out")" "^0 vantage: local ::ffff:${EVIL_NET//./\\.}\\.66 contradicts the addresses verified for t21\\.adv\\.test\\.; 0 of 3 mirrors answered$" \
	"... EDE 0 saying why"
nok "... the attacker's AAAA reaches no client" adv_evil_reached t21.adv.test AAAA
out=$(adv_dig t23.adv.test AAAA)
is "$(dig_rcode <<< "$out")" REFUSED "only A verified (AAAA never asked), a forged AAAA: REFUSED"
nok "... the attacker's AAAA reaches no client" adv_evil_reached t23.adv.test AAAA

out=$(adv_dig t22.adv.test A)
is "$(dig_rcode <<< "$out")/$(adv_dig t22.adv.test A +short)" "NOERROR/$EVIL" \
	"a name never verified follows on_insufficient (flag): answered"
like "$(ede_of <<< "$out")" "^2[23] vantage: " "... with the EDE of an unverified answer"

out=$(adv_dig t24.adv.test A)
is "$(dig_rcode <<< "$out")/$(adv_dig t24.adv.test A +short)" "NOERROR/127.200.1.24" \
	"a verified name whose answer did not change still answers"
is "$(adv_getent t24.adv.test)" "127.200.1.24" "... through glibc too"

# --- a restart: the state file keeps the evidence (t25 was never asked while the mirrors were down)
stop_pid "$VANTAGED_PID"; is "$?" 0 "vantaged stops cleanly (state saved)"
like "$(head -n 1 "$T/state-vd")" "^vantage-state 4$" "the state file is version 4"
ok "... and holds t25's verified address" grep -Eq '^a 0374323503616476047465737400 4 [0-9]+:7fc80119$' "$T/state-vd"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not restart"
out=$(adv_dig t25.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "after a restart, mirrors still down: the attacker's answer is REFUSED"
like "$(ede_of <<< "$out")" "^0 vantage: local ${EVIL_NET//./\\.}\\.67 contradicts" "... EDE 0 saying why"
nok "... the attacker's address reaches neither glibc nor dig" \
	eval "{ adv_getent t25.adv.test; adv_dig t25.adv.test A +short; } | grep -q '127\\.201\\.'"
out=$(adv_dig t24.adv.test A)
is "$(dig_rcode <<< "$out")/$(adv_dig t24.adv.test A +short)" "NOERROR/127.200.1.24" \
	"... while the unchanged name still answers"
