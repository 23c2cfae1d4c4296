#!/bin/bash
# tests/integration/webpki_interop_refused.sh - HTTP/2-only DoH servers nobody here wrote
# (unbound, Knot Resolver) that cannot prove themselves are never used, and vantagectl mirrors
# says why: a chain from a CA outside the trust store (its root even bears the trusted root's
# name), a chain of the trusted CA for another name, an address-only entry without an IP SAN for
# it, a chain that misses the entry's ca_sha256 pin.  Each works for kdig given its own CA and
# name, so what stops vantaged is the verification; the impostors' shared view proves that not
# one question got through them.  Honest unbound, kresd and dnsdist still corroborate.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig kdig dnsdist unbound kresd openssl python3
require_vantaged
IMPOSTORS="fakeca wrongname noip nopin"
tap_plan 22

wp_zone "$T/honest.zone" 60
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
for i in $(seq 1 60); do liar_honest "n$i.adv.test." A "n$i.adv.test. 300 IN A 127.200.2.$((i + 1))"; done
liar_start || bail_out "cannot start the lying resolver"

wp_ca || bail_out "cannot make the test PKI"
wp_leaf ub int "DNS:ub.test" && wp_leaf kr int "DNS:kr.test" && wp_leaf dd int "DNS:dd.test" &&
	wp_leaf fakeca otherca "DNS:fakeca.test" && wp_leaf wrongname int "DNS:somebody-else.test" &&
	wp_leaf noip int "DNS:noip.test" && wp_leaf nopin int "DNS:nopin.test" ||
	bail_out "cannot make the leaves"
wp_view v "$T/honest.zone" && wp_view iv "$T/honest.zone" || bail_out "cannot start the views"
wp_unbound ub v ub && wp_kresd kr v kr && wp_dnsdist dd v dd &&
	wp_unbound fakeca iv fakeca && wp_kresd wrongname iv wrongname && wp_unbound noip iv noip &&
	wp_kresd nopin iv nopin || bail_out "cannot start the DoH servers"

declare -A PROBE=([fakeca]="fakeca.test otherca" [wrongname]="somebody-else.test"
	[noip]="noip.test" [nopin]="nopin.test")
for m in $IMPOSTORS; do
	# shellcheck disable=SC2086 # hostname and CA
	is "$(wp_doh_probe "$m" www.adv.test ${PROBE[$m]})" 127.200.0.10 \
		"$m: a working DoH server, for kdig given its own name and CA"
done
before=$(count_nsd_queries "${VIEW[iv]}")
cmp_ok "$before" -ge 4 "the impostors' view counts the questions that get through them"

WP_CONSENSUS="  quorum: 2"
wp_vconf "$T/vd.yaml" ub:eu:hostname=ub.test kr:us:hostname=kr.test dd:ap:hostname=dd.test \
	fakeca:ch:hostname=fakeca.test wrongname:jp:hostname=wrongname.test noip:se \
	"nopin:de:hostname=nopin.test:pin=$WP_OTHER_SHA"
sed -i 's/^  mirrors_per_query: .*/  mirrors_per_query: 3/' "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

# Names go to 3 of the 7 by the keyed selection: ask until every impostor has been tried once.
_all_tried() {
	local m
	_n=$((_n + 1))
	vdig "n$_n.adv.test" A > /dev/null
	for m in $IMPOSTORS; do [ -n "$(wp_mirror_field "$m" why)" ] || return 1; done
}
_n=0
wait_until 60 _all_tried || bail_out "not every impostor was tried after $_n names"
diag "every impostor tried after $_n names"

declare -A WHY=([fakeca]="^wrong CA: " [wrongname]="^wrong name: .*wrongname\\.test"
	[noip]="^wrong name: .*the address ${WADDR[noip]//./\\.}" [nopin]="^pin missing: ")
for m in $IMPOSTORS; do
	like "$(wp_mirror_field "$m" why)" "${WHY[$m]}" "$m: vantagectl mirrors says why"
	is "$(wp_mirror_field "$m" answers)/$(wp_mirror_field "$m" sent)" 0/0 \
		"$m: vantagectl mirrors: nothing sent to it, no answer of it used"
	ok "$m: the refusal is logged with its reason" log_has "mirror $m .*: not used: "
done
is "$(count_nsd_queries "${VIEW[iv]}")" "$before" "not one question of vantaged reached the impostors' view"
# The refusals above are made in the TLS handshake, before a word of HTTP; what follows needs
# the honest unbound and kresd, which speak only HTTP/2.
if ! wp_vantaged_h2; then
	skip "vantaged lacks HTTP/2 (not linked with libnghttp2): unbound and kresd speak only h2" 4
	exit 0
fi
out=$(vdig www.adv.test A)
is "$(dig_rcode <<< "$out")" "NOERROR" "honest answer: passed on"
ok "honest answer: corroborated by the honest servers alone" \
	log_has "www\\.adv\\.test\\. A: [23] of 3 mirrors corroborate"
out=$(vdig t1.adv.test A)
is "$(dig_rcode <<< "$out")" "REFUSED" "poisoned local answer: REFUSED by the honest servers"

bad=""
for m in ub kr dd; do
	[ "$(wp_mirror_field "$m" state)/$(wp_mirror_field "$m" why)" = "up/" ] || bad="$bad $m"
done
is "$bad" "" "the honest unbound, kresd and dnsdist: verified and up"
