#!/bin/bash
# tests/adversary/adv_smoke.sh - the workshop works: through the lying resolver, an honest answer
# reaches glibc unchanged and verified, and the plainest lie (another address for the name) is
# refused with EDE 0 and never reaches glibc or dig.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
tap_plan 6

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"
adv_world || bail_out "cannot build the world"

is "$(adv_getent www.adv.test)" "127.200.0.10" "honest www: glibc gets the honest address"
out=$(adv_dig www.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "honest www: NOERROR, no EDE"
ok "honest www: the mirrors corroborate" log_has "www\\.adv\\.test\\. A: [23] of 3 mirrors corroborate"

out=$(adv_dig t1.adv.test A)
is "$(dig_rcode <<< "$out")" "REFUSED" "a plain lie: REFUSED"
like "$(ede_of <<< "$out")" "^0 .*dissent" "a plain lie: EDE 0 naming the dissent"
nok "a plain lie: the attacker's address reaches neither glibc nor dig" adv_evil_reached t1.adv.test
