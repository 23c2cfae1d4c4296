#!/bin/bash
# tests/adversary/adv_served.sh - served is verified (issue 12, finding 2): the client gets a
# message built from the records the verdict covered (the question, the CNAME chain, the final
# set), never the lying resolver's message.  Records beside the honest set - a CNAME from the
# question name to the attacker's name, a CNAME owned by an unrelated name, A records of other
# owners in any section - never reach glibc or dig, and the honest address still answers.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
tap_plan 35

ZSOA="adv.test. 300 IN SOA ns1.adv.test. hostmaster.adv.test. 1 3600 900 604800 30"
liar_begin
# 1. The honest set, then a CNAME from the question name to the attacker's name and its address
#    (glibc follows the CNAME and takes the attacker's address).
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A 127.200.1.1" \
	"t1.adv.test. 300 IN CNAME evil.adv.test." "evil.adv.test. 300 IN A $EVIL"
# 2. The honest set plus a CNAME owned by an unrelated name, and that name's address.
liar_honest t2.adv.test. A "t2.adv.test. 300 IN A 127.200.1.2" \
	"zz.adv.test. 300 IN CNAME evil.adv.test." "evil.adv.test. 300 IN A $EVIL"
# 3. The honest set plus A records of other owners in every section.
liar_entry t3.adv.test. A
liar_rr ANSWER "t3.adv.test. 300 IN A 127.200.1.3"
liar_rr ANSWER "evil.adv.test. 300 IN A $EVIL"
liar_rr AUTHORITY "adv.test. 300 IN NS evil.adv.test."
liar_rr AUTHORITY "evil.adv.test. 300 IN A $EVIL2"
liar_rr ADDITIONAL "evil.adv.test. 300 IN A $EVIL"
liar_rr ADDITIONAL "ns1.adv.test. 300 IN A $EVIL2"
liar_end
# 4. An honest chain (alias -> www) is served as a chain.
liar_honest alias.adv.test. A "alias.adv.test. 300 IN CNAME www.adv.test." \
	"www.adv.test. 300 IN A 127.200.0.10"
# 5. An honest chain with the attacker's address beside a CNAME on it: a contradictory chain.
liar_honest deep.adv.test. A "deep.adv.test. 300 IN CNAME alias.adv.test." \
	"alias.adv.test. 300 IN CNAME www.adv.test." "alias.adv.test. 300 IN A $EVIL" \
	"www.adv.test. 300 IN A 127.200.0.10"
# 6. An RCODE a stub has no business passing on, with the attacker's records.
liar_entry t5.adv.test. A "QR RD RA" YXDOMAIN
liar_rr ANSWER "t5.adv.test. 300 IN A $EVIL"
liar_end
# 7. SERVFAIL with records: passed on as SERVFAIL, without them.
liar_entry t6.adv.test. A "QR RD RA" SERVFAIL
liar_rr ANSWER "t6.adv.test. 300 IN A $EVIL"
liar_end
# 8. NODATA with the attacker's records beside it: only an SOA of an ancestor goes out.
liar_entry t7.adv.test. AAAA
liar_rr ANSWER "evil.adv.test. 300 IN A $EVIL"
liar_rr AUTHORITY "evil.test. 300 IN SOA ns1.evil.test. h.evil.test. 1 3600 900 604800 30"
liar_rr AUTHORITY "$ZSOA"
liar_rr AUTHORITY "adv.test. 300 IN NS evil.adv.test."
liar_rr ADDITIONAL "evil.adv.test. 300 IN A $EVIL"
liar_end
# 9-11. The attacker's records beside answers served without a fresh agreement: replaced
#    by the mirrors' answer (on_dissent: consensus), in monitor mode, and fail-open.
liar_honest t8.adv.test. A "t8.adv.test. 300 IN A $EVIL"
for n in 9 10; do
	liar_entry t$n.adv.test. A
	liar_rr ANSWER "t$n.adv.test. 300 IN A 127.200.1.$n"
	liar_rr ANSWER "evil.adv.test. 300 IN A $EVIL"
	liar_rr AUTHORITY "adv.test. 300 IN NS evil.adv.test."
	liar_rr ADDITIONAL "evil.adv.test. 300 IN A $EVIL2"
	liar_end
done
liar_start || bail_out "cannot start the lying resolver"
adv_world || bail_out "cannot build the world"

section_count() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" | head -n 1; }

nok "CNAME to the attacker beside the honest set: nothing of 127.201 reaches glibc or dig" \
	adv_evil_reached t1.adv.test
out=$(adv_dig t1.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "... the contradictory answer (data beside a CNAME) is refused"
unlike "$out" "127\\.201\\." "... and carries none of the attacker's records"

nok "CNAME of an unrelated owner: nothing of 127.201 reaches glibc or dig" adv_evil_reached t2.adv.test
is "$(adv_getent t2.adv.test)" "127.200.1.2" "... glibc gets the honest address"
out=$(adv_dig t2.adv.test A)
is "$(section_count ANSWER <<< "$out")" 1 "... one answer record: the honest one"

nok "A records of other owners in every section: nothing of 127.201 reaches glibc or dig" \
	adv_evil_reached t3.adv.test
is "$(adv_getent t3.adv.test)" "127.200.1.3" "... glibc gets the honest address"
out=$(adv_dig t3.adv.test A)
is "$(section_count ANSWER <<< "$out")/$(section_count AUTHORITY <<< "$out")" "1/0" \
	"... only the honest record is served, no authority records"
is "$(section_count ADDITIONAL <<< "$out")" 1 "... and nothing in additional but the OPT"
unlike "$out" "127\\.201\\.|evil" "... no trace of the attacker's names or addresses"

is "$(adv_getent alias.adv.test)" "127.200.0.10" "an honest chain: glibc gets the address"
out=$(adv_dig alias.adv.test A)
like "$out" "alias\\.adv\\.test\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+www\\.adv\\.test\\." \
	"... the corroborated chain is served"

nok "the attacker's address beside a CNAME inside the chain: it reaches neither glibc nor dig" \
	adv_evil_reached deep.adv.test
out=$(adv_dig deep.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "... the contradictory chain is refused"

out=$(adv_dig t5.adv.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "an RCODE other than NOERROR/NXDOMAIN/SERVFAIL/REFUSED becomes SERVFAIL"
is "$(section_count ANSWER <<< "$out")" 0 "... with no answer records"
nok "... and the attacker's address reaches neither glibc nor dig" adv_evil_reached t5.adv.test

out=$(adv_dig t6.adv.test A)
is "$(dig_rcode <<< "$out")/$(section_count ANSWER <<< "$out")" "SERVFAIL/0" \
	"SERVFAIL from upstream passes on without its records"

out=$(adv_dig t7.adv.test AAAA)
is "$(dig_rcode <<< "$out")/$(section_count ANSWER <<< "$out")" "NOERROR/0" "NODATA: no answer records"
is "$(section_count AUTHORITY <<< "$out")" 1 "... one authority record"
like "$out" "adv\\.test\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\\.adv\\.test\\." \
	"... the SOA of the name's own zone"
unlike "$out" "127\\.201\\.|evil" "... no trace of the attacker's names or addresses"

VD_LOGS=("$VANTAGED_LOG")
# Three more vantaged on the same mirrors and liar, each with another policy.
vd_other() {
	local conf=$1; shift
	cons_vconf "$T/$conf.yaml" listen="$(unique_addr):0" upstream="$LIAR" c.allow_private=true \
		c.bypass="[home.arpa, local, lan]" "$@" || return 1
	start_vantaged "$T/$conf.yaml" || return 1
	VD_LOGS+=("$VANTAGED_LOG")
}

vd_other consensus mirrors="eu us ap" c.on_dissent=consensus || bail_out "no on_dissent: consensus vantaged"
out=$(vdig t8.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out" | cut -d' ' -f1)" "NOERROR/4" \
	"on_dissent: consensus: the mirrors' answer replaces the lie (EDE 4)"
is "$(vdig t8.adv.test A +short)" "127.200.1.8" "... its address, and only it"
is "$(section_count AUTHORITY <<< "$out")/$(section_count ADDITIONAL <<< "$out")" "0/1" \
	"... built from the mirror's digest: no authority, nothing in additional but the OPT"

vd_other monitor mirrors="eu us ap" c.mode=monitor || bail_out "no monitor vantaged"
out=$(vdig t9.adv.test A)
is "$(vdig t9.adv.test A +short)" "127.200.1.9" "monitor mode: the honest set alone is served"
unlike "$out" "127\\.201\\.|evil" "... no trace of the attacker's records"
out=$(vdig alias.adv.test A)
is "$(section_count ANSWER <<< "$out")" 1 "... a chain not verified yet goes out flattened"
like "$out" "alias\\.adv\\.test\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\\.200\\.0\\.10" \
	"... as the final address at the question name"

D1=$(unique_addr) D2=$(unique_addr) D3=$(unique_addr)
vd_other failopen mirrors="eu@$D1:443 us@$D2:443 ap@$D3:443" || bail_out "no fail-open vantaged"
out=$(vdig t10.adv.test A)
is "$(dig_rcode <<< "$out")" NOERROR "fail-open (no mirror reachable): served, flagged"
like "$(ede_of <<< "$out")" "^2[23] " "... with the EDE saying no mirror could be reached"
is "$(vdig t10.adv.test A +short)" "127.200.1.10" "... the honest set alone"
unlike "$out" "127\\.201\\.|evil" "... no trace of the attacker's records"

unlike "$(cat "${VD_LOGS[@]}")" "(AddressSanitizer|runtime error:)" "no sanitizer report"
