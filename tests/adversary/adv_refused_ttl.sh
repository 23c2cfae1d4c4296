#!/bin/bash
# tests/adversary/adv_refused_ttl.sh - review finding 6: a refused forgery stayed in the answer
# cache with the attacker's TTL.  The café's resolver lies about t40 with TTL 86400; the mirrors
# dissent and vantaged refuses.  Then the user leaves the café (the resolver turns honest).  Before
# the fix the forged answer stayed cached for a day: once the 30 s dissent verdict expired, the
# cached forgery was checked again (and refused again), and the now honest resolver was never
# asked.  Now a dissent keeps the answer no longer than its verdict, so with no manual flush the
# honest answer is served within the verdict's lifetime (CHECK_DISSENT_TTL, 30 s; the wait is
# bounded at 45 s).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
require_progs nsd nsd-control ldns-testns dig curl
require_vantaged
require_mirror
[ "$(id -u)" = 0 ] || skip_all "needs root (port 53)"
tap_plan 7

liar_begin
liar_honest t40.adv.test. A "t40.adv.test. 86400 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"
adv_world c.on_dissent=refuse || bail_out "cannot build the world"

out=$(adv_dig t40.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "the forgery (TTL 86400) is REFUSED"
ok "... the mirrors dissented" log_has 't40\.adv\.test\. A: [23] of 3 mirrors dissent'
out=$(adv_dig t40.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "... asked again while the verdict lives: still REFUSED"

# --- the user leaves the café: the resolver now tells the truth
liar_begin
liar_honest t40.adv.test. A "t40.adv.test. 300 IN A 127.200.1.40"
liar_restart t40.adv.test A || bail_out "cannot restart the resolver"

honest() { [ "$(adv_dig t40.adv.test A +short)" = 127.200.1.40 ]; }
ok "without a flush, the honest answer is served once the dissent verdict expired" wait_until 45 honest
out=$(adv_dig t40.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... NOERROR, no EDE"
ok "... verified by the mirrors" log_has 't40\.adv\.test\. A: [23] of 3 mirrors corroborate'
stop_pid "$VANTAGED_PID"
is "$?" 0 "vantaged stops with exit 0"
