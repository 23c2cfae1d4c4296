#!/bin/bash
# tests/integration/webpki_refused.sh - a webpki mirror whose server cannot prove itself is never
# used, and vantagectl mirrors says why: a chain from a CA outside the trust store (whose root
# even bears the trusted root's name), a chain of the trusted CA for another name, an address-only
# entry whose certificate has no IP SAN for it, a chain that misses the entry's ca_sha256 pin.
# None of them is sent a single DNS question; the good ones still corroborate.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig dnsdist openssl python3
require_vantaged
tap_plan 16

HONEST=$top_srcdir/tests/adversary/zones/adv.test.zone
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
for i in $(seq 1 60); do liar_honest "w$i.adv.test." A "w$i.adv.test. 300 IN A 127.200.2.$i"; done
liar_start || bail_out "cannot start the lying resolver"

wp_ca || bail_out "cannot make the test PKI"
wp_leaf good1 int "DNS:good1.test" && wp_leaf good2 int "DNS:good2.test" &&
	wp_leaf good3 int "DNS:good3.test" && wp_leaf fakeca otherca "DNS:fakeca.test" &&
	wp_leaf wrongname int "DNS:somebody-else.test" && wp_leaf noip int "DNS:noip.test" &&
	wp_leaf nopin int "DNS:nopin.test" || bail_out "cannot make the leaves"
wp_view v "$HONEST" || bail_out "cannot start the view"
for m in good1 good2 good3 fakeca wrongname noip nopin; do
	wp_dnsdist "$m" v "$m" || bail_out "cannot start dnsdist $m"
done

WP_CONSENSUS="  quorum: 2"
wp_vconf "$T/vd.yaml" good1:eu:hostname=good1.test good2:us:hostname=good2.test \
	good3:ap:hostname=good3.test fakeca:ch:hostname=fakeca.test \
	wrongname:jp:hostname=wrongname.test noip:se \
	"nopin:de:hostname=nopin.test:pin=$WP_OTHER_SHA"
sed -i 's/^  mirrors_per_query: .*/  mirrors_per_query: 3/' "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

# Names go to 3 of the 7 by the keyed selection: ask until every impostor has been tried once.
_all_tried() {
	local m
	_n=$((_n + 1))
	vdig "w$_n.adv.test" A > /dev/null
	for m in fakeca wrongname noip nopin; do [ -n "$(wp_mirror_field "$m" why)" ] || return 1; done
}
_n=0
wait_until 60 _all_tried || bail_out "not every impostor was tried after $_n names"
diag "every impostor tried after $_n names"

out=$(vdig www.adv.test A)
is "$(dig_rcode <<< "$out")" "NOERROR" "honest answer: passed on"
ok "honest answer: corroborated by the good mirrors alone, the impostors never asked again" \
	log_has "www\\.adv\\.test\\. A: [23] of 3 mirrors corroborate"
out=$(vdig t1.adv.test A)
is "$(dig_rcode <<< "$out")" "REFUSED" "poisoned local answer: REFUSED by the good mirrors"

declare -A WHY=([fakeca]="^wrong CA: " [wrongname]="^wrong name: .*wrongname\\.test"
	[noip]="^wrong name: .*the address ${WADDR[noip]//./\\.}" [nopin]="^pin missing: ")
for m in fakeca wrongname noip nopin; do
	like "$(wp_mirror_field "$m" why)" "${WHY[$m]}" "$m: vantagectl mirrors says why"
	is "$(wp_mirror_field "$m" answers)/$(wp_mirror_field "$m" sent)" 0/0 \
		"$m: vantagectl mirrors: nothing sent to it, no answer of it used"
	read -r _ _ _ get post <<< "$(wp_doh_stats "$m")"
	is "${get:-?}/${post:-?}" 0/0 "$m: not one question reached it"
done
ok "the refusal is logged with its reason" log_has "mirror fakeca .*: not used: wrong CA"
