#!/bin/bash
# tests/adversary/adv_prefetch.sh - prefetch (cache.prefetch) as an attacker sees it. The
# resolver answers bank.adv.test honestly with a 30-s TTL (a 3-second prefetch window, wide
# enough for a loaded machine), the mirrors corroborate it, and the name is hot; then the
# resolver starts lying (another network's address, a day's TTL). A hit in the answer's last
# 3 seconds re-verifies it in the background: the mirrors dissent,
# and the forged address never enters the cache. Clients go on getting the verified address
# until it expires, not a second longer (the prefetch does not extend it); then the normal
# path asks again and refuses. The forged address reaches neither dig nor glibc, before or
# after the old answer's expiry, and hammering the name starts one prefetch, not one per hit.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq
tap_plan 14

write_liar() {	# write_liar ADDRESS TTL
	liar_begin
	liar_honest bank.adv.test. A "bank.adv.test. $2 IN A $1"
}
write_liar 127.200.0.80 30
liar_start || bail_out "cannot start the lying resolver"
adv_world c.on_dissent=refuse || bail_out "cannot build the world"
st() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j status | jq -r ".verdicts.$1"; }

out=$(adv_dig bank.adv.test A)
is "$(dig_rcode <<< "$out") $(adv_dig bank.adv.test A +short)" "NOERROR 127.200.0.80" \
	"bank: corroborated and served (from the cache the second time)"
is "$(adv_getent bank.adv.test)" "127.200.0.80" "... and glibc gets it"

# The resolver turns: a forged address with a day's TTL.
write_liar "$EVIL" 86400
liar_restart bank.adv.test. A || bail_out "cannot restart the lying resolver"

# Hammer the name until its last 3 seconds start the prefetch; every answer is recorded.
: > "$T/answers"
hammer() { adv_dig bank.adv.test A +short >> "$T/answers"; [ "$(st prefetches)" -ge 1 ]; }
ok "a hit near expiry starts a prefetch (within 40 s)" wait_until 40 hammer
rejected() { adv_dig bank.adv.test A +short >> "$T/answers"; [ "$(st prefetch_rejected)" -ge 1 ]; }
ok "the mirrors dissent: the prefetch is rejected (within 10 s)" wait_until 10 rejected
is "$(st prefetch_agree)" 0 "... nothing replaced"
nok "while the old answer lived, no client got the forged address" grep -q '127\.201\.' "$T/answers"
like "$(sort -u "$T/answers" | tr '\n' ' ')" '^127\.200\.0\.80 $' "... only the verified one"
ok "the dissent is logged, with the forged address" log_has "bank\.adv\.test\.? A: .*dissent.*$EVIL_NET"
nok "glibc never gets the forged address" adv_evil_reached bank.adv.test

# After the old answer's expiry: refused by the normal path, never the forgery, never the
# old answer extended.
refused() { [ "$(dig_rcode <<< "$(adv_dig bank.adv.test A)")" = REFUSED ]; }
ok "after the old answer's expiry: REFUSED (within 5 s)" wait_until 5 refused
out=$(adv_dig bank.adv.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "REFUSED/" "... with no address"
nok "... and the forged address reaches neither glibc nor dig" adv_evil_reached bank.adv.test
is "$(st prefetches)" 1 "one prefetch for all those hits"
ok "vantaged is alive" alive "$VANTAGED_PID"
