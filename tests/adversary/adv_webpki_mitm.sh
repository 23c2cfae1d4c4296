#!/bin/bash
# tests/adversary/adv_webpki_mitm.sh - the attacker lies through the local resolver and sits on the
# path to the public DoH resolvers vantaged uses as mirrors (verify: webpki), answering there with
# its own lies.  It intercepts three of the five: one with a certificate for the right name from
# its own CA (whose root bears the trusted root's name), one with a genuine certificate of the
# trusted CA for its own domain, one with a certificate mis-issued by the trusted CA for the right
# name to a resolver pinned (ca_sha256) to another intermediate.  None of the three is ever asked
# a question; the two honest resolvers refuse the lie, which reaches neither glibc nor dig, and
# corroborate the truth; vantagectl mirrors names each impostor's failure.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig getent unshare mount dnsdist openssl python3
require_vantaged
[ "$(id -u)" = 0 ] || skip_all "needs root (port 53 for glibc, unshare -m)"
tap_plan 11

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
for i in $(seq 1 60); do liar_honest "w$i.adv.test." A "w$i.adv.test. 300 IN A 127.200.2.$i"; done
liar_start || bail_out "cannot start the lying resolver"

wp_ca && wp_int int2 || bail_out "cannot make the test PKI"
wp_leaf honest1 int "DNS:dns.honest1.test" && wp_leaf honest2 int "DNS:dns.honest2.test" &&
	wp_leaf mitm_ca otherca "DNS:dns.victim1.test" &&
	wp_leaf mitm_name int "DNS:dns.attacker.test" &&
	wp_leaf mitm_pin int "DNS:dns.victim3.test" || bail_out "cannot make the leaves"
INT2_SHA=$(openssl x509 -in "$WP/int2.pem" -outform DER | sha256sum | cut -d' ' -f1)
wp_view honest "$top_srcdir/tests/adversary/zones/adv.test.zone" || bail_out "cannot start the view"
VIEW[liar]=$LIAR
wp_dnsdist honest1 honest honest1 && wp_dnsdist honest2 honest honest2 &&
	wp_dnsdist mitm_ca liar mitm_ca && wp_dnsdist mitm_name liar mitm_name &&
	wp_dnsdist mitm_pin liar mitm_pin || bail_out "cannot start dnsdist"

WP_LISTEN="$(unique_addr):53" WP_CONSENSUS="  quorum: 2"
wp_vconf "$T/vd.yaml" honest1:eu:hostname=dns.honest1.test honest2:us:hostname=dns.honest2.test \
	mitm_ca:ch:hostname=dns.victim1.test mitm_name:jp:hostname=dns.victim2.test \
	"mitm_pin:de:hostname=dns.victim3.test:pin=$INT2_SHA"
sed -i 's/^  mirrors_per_query: .*/  mirrors_per_query: 3/' "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
L=$VANTAGED_ADDR
printf 'nameserver %s\noptions timeout:3 attempts:1\n' "$L" > "$T/resolv.conf"
printf 'hosts: files dns\n' > "$T/nsswitch.conf"

# vantaged connects to every mirror at start: the impostors are found out before any question.
_impostors_known() {
	local m
	for m in mitm_ca mitm_name mitm_pin; do [ -n "$(wp_mirror_field "$m" why)" ] || return 1; done
}
ok "every impostor is found out at start" wait_until 15 _impostors_known

nok "the lie reaches neither glibc nor dig" adv_evil_reached t1.adv.test
out=$(adv_dig t1.adv.test A)
is "$(dig_rcode <<< "$out")" "REFUSED" "the lie: REFUSED, the honest resolvers dissent"
is "$(adv_getent www.adv.test)" "127.200.0.10" "the truth: glibc gets the honest address"
ok "the truth: corroborated by the honest resolvers" \
	log_has "www\\.adv\\.test\\. A: 2 of 3 mirrors corroborate"
like "$(wp_mirror_field mitm_ca why)" "^wrong CA: " "another CA for the right name: 'wrong CA'"
like "$(wp_mirror_field mitm_name why)" "^wrong name: .*dns\\.victim2\\.test" \
	"the trusted CA, another name: 'wrong name'"
like "$(wp_mirror_field mitm_pin why)" "^pin missing: " "the trusted CA, the right name, not the pinned CA: 'pin missing'"
bad=""
for m in mitm_ca mitm_name mitm_pin; do
	read -r _ _ _ get post <<< "$(wp_doh_stats "$m")"
	[ "${get:-?}/${post:-?}" = 0/0 ] || bad="$bad $m:$get/$post"
	[ "$(wp_mirror_field "$m" answers)" = 0 ] || bad="$bad $m:answers"
done
is "$bad" "" "not one question reached an impostor, no answer of theirs was used"
cmp_ok "$(wp_mirror_field honest1 answers)" -ge 1 "the honest resolvers answered"
nok "the lie was never counted as corroborated" log_has "t1\\.adv\\.test\\. A: [0-9]+ of [0-9]+ mirrors corroborate"
