#!/bin/bash
# tests/adversary/adv_ladder.sh - finding 3 of "Verdicts that are evidence": the agreement ladder
# accepted forgeries.  The lying resolver answers
#   (a) the honest set plus $EVIL (the old "overlap" rule corroborated it),
#   (b) a neighbour of the honest address in its /24 (the old "prefix" rule),
#   (c) the honest CNAME chain with $EVIL as the final address (the old "CNAME tail" rule),
#   (d) an HTTPS record reached through the honest CNAME whose ipv4hint is $EVIL (the tail
#       rule again, for hints),
#   (e) a CDN name at $EVIL2, which serves a certificate of the attacker's own CA;
# each is REFUSED with the shipped defaults (mode enforce, on_dissent refuse, probe on-dissent)
# and neither glibc's getent nor dig ever sees the forged address.  The honest world still
# answers: a subset of the honest addresses (rule 3), and a CDN name whose three mirrors each
# see another address, unrelated to the local one, because the CA evidence proves it (mirrors
# as notaries, TLS servers of a test CA on loopback; tests/integration/consensus_ca.sh).
#
# consensus.allow_private is true (lib_adversary.sh sets it): every address here is loopback,
# which vantaged counts as private, and "a private address only the local answer has" would
# refuse (a)-(c) by that rule alone.  With it on, what stops the attacker is the ladder under
# test.  The mirrors' notaries need observe.allow_private for the same reason.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require openssl jq
tap_plan 24

# The CDN's addresses: one /24 each (no weak signal either), per run, in the honest range.
k=$(( $$ % 250 + 2 ))
L_CDN=127.200.100.$k
declare -A CDN=([eu]=127.200.101.$k [us]=127.200.102.$k [ap]=127.200.103.$k)
NEIGHBOUR=127.200.1.99
# HTTPS 1 . ipv4hint=ADDR, in RFC 3597 form (ldns-testns and NSD both read it).
https_rr() { printf '\\# 11 0001 00 0004 0004 %02x%02x%02x%02x' ${1//./ }; }

adv_tls_world cdn.adv.test cdnevil.adv.test || bail_out "cannot make the certificates"
tls_serve "$L_CDN" || bail_out "no TLS server on $L_CDN"
for r in eu us ap; do tls_serve "${CDN[$r]}" || bail_out "no TLS server on ${CDN[$r]}"; done
tls_serve "$EVIL2" evil || bail_out "no TLS server on $EVIL2"

for r in eu us ap; do
	ADV_VIEW_EXTRA[$r]="svc	CNAME	svc-edge
svc-edge	TYPE65	$(https_rr 127.200.0.10)
cdn	A	${CDN[$r]}
cdnevil	A	${CDN[$r]}"
done
ADV_MIRROR_YAML="observe: { allow_private: true, timeout: 3s }"

liar_begin
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A 127.200.1.1" "t1.adv.test. 300 IN A $EVIL"
liar_honest t2.adv.test. A "t2.adv.test. 300 IN A $NEIGHBOUR"
liar_honest alias.adv.test. A "alias.adv.test. 300 IN CNAME www.adv.test." \
	"www.adv.test. 300 IN A $EVIL"
liar_honest svc.adv.test. HTTPS "svc.adv.test. 300 IN CNAME svc-edge.adv.test." \
	"svc-edge.adv.test. 300 IN TYPE65 $(https_rr "$EVIL")"
liar_honest cdnevil.adv.test. A "cdnevil.adv.test. 300 IN A $EVIL2"
liar_honest www2.adv.test. A "www2.adv.test. 300 IN A 127.200.0.12"
liar_honest cdn.adv.test. A "cdn.adv.test. 300 IN A $L_CDN"
liar_start || bail_out "cannot start the lying resolver"
# probe: on-dissent is the shipped default; lib_consensus.sh turns it off for its public views.
adv_world c.probe=on-dissent c.probe_timeout=3s || bail_out "cannot build the world"

refused() {	# refused LABEL NAME TYPE: REFUSED with an EDE 0
	local out
	out=$(adv_dig "$2" "$3")
	is "$(dig_rcode <<< "$out")" "REFUSED" "$1: REFUSED"
	like "$(ede_of <<< "$out")" "^0 vantage: " "$1: EDE 0 saying why"
}

refused "(a) honest set plus the attacker's" t1.adv.test A
nok "(a) the attacker's address reaches neither glibc nor dig" adv_evil_reached t1.adv.test
e=$(timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j explain t1.adv.test A)
is "$(jq -r '.verdict.outcome + " " + ([.mirrors[].weak] | join(","))' <<< "$e")" \
	"dissent overlap,overlap,overlap" "(a) explain: dissent, the overlap a weak signal of each mirror"

refused "(b) a neighbour in the honest /24" t2.adv.test A
nok "(b) the neighbour reaches neither glibc nor dig" \
	eval "{ adv_getent t2.adv.test; adv_dig t2.adv.test A +short; } | grep -qF $NEIGHBOUR"

refused "(c) the honest CNAME tail, the attacker's address" alias.adv.test A
nok "(c) the attacker's address reaches neither glibc nor dig" adv_evil_reached alias.adv.test

refused "(d) HTTPS through the honest CNAME, the attacker's ipv4hint" svc.adv.test HTTPS
out=$(adv_dig svc.adv.test HTTPS)
unlike "$out" '127\.201\.|7fc90042' "(d) the attacker's hint never reaches dig"

refused "(e) a CDN name at an address serving the attacker's CA" cdnevil.adv.test A
nok "(e) the attacker's address reaches neither glibc nor dig" adv_evil_reached cdnevil.adv.test
ok "(e) the CA evidence dissents" log_has "cdnevil\\.adv\\.test\\. A: CA evidence \\(notary\\) dissents"

# --- the honest world
is "$(adv_getent www2.adv.test)" "127.200.0.12" "a subset of the honest set: glibc gets it"
ok "the subset corroborates by rule 3" log_has "www2\\.adv\\.test\\. A: [23] of 3 mirrors corroborate \\(rule addresses\\)"
out=$(adv_dig svc.adv.test HTTPS)
is "$(dig_rcode <<< "$out")" "REFUSED" "the forged HTTPS answer stays refused when asked again"

is "$(adv_getent cdn.adv.test)" "$L_CDN" "CDN, every region another address: glibc gets the local one"
out=$(adv_dig cdn.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "CDN: NOERROR, no EDE"
ok "CDN: proven by the CA evidence" log_has "cdn\\.adv\\.test\\. A: CA evidence \\(notary, [0-9]+ CAs?\\): ok"
ok "CDN: the verdict names rule ca" log_has "cdn\\.adv\\.test\\. A: 3 of 3 mirrors corroborate \\(rule ca\\)|cdn\\.adv\\.test\\. A: [0-9] of 3 mirrors corroborate \\(rule ca\\)"
