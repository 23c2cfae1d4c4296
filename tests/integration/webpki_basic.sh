#!/bin/bash
# tests/integration/webpki_basic.sh - public DoH resolvers as mirrors (verify: webpki), played by
# dnsdist on loopback with certificates of a test web PKI (root + intermediate) given to vantaged
# as its trust store: honest answers are corroborated by them, a poisoned local resolver is
# refused, one lying DoH resolver is outvoted; a ca_sha256 pin on the root (which the servers do
# not send) is met; the queries are RFC 8484 POSTs (a GET where configured) over HTTP/2,
# padded, and only the selected resolvers see a name.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig dnsdist openssl python3
require_vantaged
tap_plan 19

HONEST=$top_srcdir/tests/adversary/zones/adv.test.zone
# The lying resolver's view: every address of the zone moved into the attacker's 127.201/16.
sed 's/127\.200\./127.201./g' "$HONEST" > "$T/lying.zone"
grep -q '^www.*127\.201\.0\.10' "$T/lying.zone" || bail_out "cannot write the lying view"

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
for i in 2 3 4 5 6 7 8 9 10; do liar_honest "t$i.adv.test." A "t$i.adv.test. 300 IN A 127.200.1.$i"; done
liar_start || bail_out "cannot start the lying resolver"

wp_ca || bail_out "cannot make the test PKI"
a3=$(unique_addr) || bail_out "no address"
wp_leaf doh1 int "DNS:doh1.test" && wp_leaf doh2 int "DNS:*.doh2.test" &&
	wp_leaf doh3 int "IP:$a3" && wp_leaf doh4 int "DNS:doh4.test" &&
	wp_leaf liar int "DNS:liar.test" || bail_out "cannot make the leaves"
for v in v1 v2 v3 v4; do wp_view "$v" "$HONEST" || bail_out "cannot start view $v"; done
wp_view lying "$T/lying.zone" || bail_out "cannot start the lying view"
wp_dnsdist doh1 v1 doh1 && wp_dnsdist doh2 v2 doh2 && wp_dnsdist doh3 v3 doh3 "$a3" &&
	wp_dnsdist doh4 v4 doh4 && wp_dnsdist liar lying liar || bail_out "cannot start dnsdist"

WP_CONSENSUS="  quorum: 3"
wp_vconf "$T/vd.yaml" doh1:eu:hostname=doh1.test doh2:us:hostname=dns.doh2.test:method=get doh3:ap \
	"doh4:ch:hostname=doh4.test:pin=$WP_ROOT_SHA" liar:jp:hostname=liar.test
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

out=$(vdig www.adv.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/www.adv.test. IN A 127.200.0.10" \
	"honest answer: passed on"
ok "honest answer: corroborated by the webpki mirrors, the lying one outvoted" \
	log_has "www\\.adv\\.test\\. A: [34] of 5 mirrors corroborate"
out=$(vdig t1.adv.test A)
is "$(dig_rcode <<< "$out")" "REFUSED" "poisoned local answer: REFUSED"
like "$(ede_of <<< "$out")" "^0 .*dissent" "poisoned local answer: EDE 0 naming the dissent"
for m in doh1 doh2 doh3 doh4; do
	is "$(wp_mirror_field "$m" state)/$(wp_mirror_field "$m" why)" "up/" "$m: verified, up, nothing against it"
done
is "$(wp_mirror_field doh4 ca)" "$WP_INT_SHA" "doh4: vantagectl shows the CA it presented (the intermediate)"
like "$(wp_mirror_field doh4 chain)" "$WP_ROOT_SHA" "doh4: its verified chain reaches the pinned root, which it never sent"
# A verdict is decided as soon as the quorum agrees: the liar's answer may come too late to be
# counted for one name, not for all of these.
_liar_dissented() {
	_n=$((_n + 1))
	vdig "t$_n.adv.test" A > /dev/null
	[ "$(wp_mirror_field liar dissents)" -ge 1 ]
}
_n=1
ok "the lying resolver: counted as dissenting" wait_until 20 _liar_dissented
# RFC 8484: the DNS questions go to /dns-query over HTTP/2 (dnsdist offers h2 and http/1.1 in
# ALPN), as POSTs, or GETs (?dns=) for the entry with method: get. (That nothing else is asked
# of a webpki mirror, /v1/..., is enforced in mirror_client.c; dnsdist does not count such
# requests.)
bad=""
for m in doh1 doh2 doh3 doh4 liar; do
	read -r conns h1 h2 get post <<< "$(wp_doh_stats "$m")"
	if [ "$m" = doh2 ]; then n=$get other=$post; else n=$post other=$get; fi
	{ [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$h2" = "$n" ] && [ "$h1" = 0 ] && [ "$other" = 0 ]; } ||
		bad="$bad $m(conns=$conns h1=$h1 h2=$h2 get=$get post=$post)"
done
is "$bad" "" "the webpki mirrors were asked over HTTP/2: POST /dns-query, GET ?dns= for doh2"
is "$(wp_mirror_field doh1 proto)/$(wp_mirror_field doh2 proto)" "h2/h2" \
	"vantagectl mirrors shows the protocol in use (h2)"

# Privacy: a verified name is not asked again before it expires, a bypass zone never leaves the
# machine, and vantagectl mirrors counts what each mirror was asked.
asked() {
	local m n=0
	for m in doh1 doh2 doh3 doh4 liar; do n=$((n + $(wp_mirror_field "$m" sent))); done
	echo "$n"
}
before=$(asked)
cmp_ok "$before" -ge 5 "vantagectl mirrors counts the questions sent to each mirror ($before)"
vdig www.adv.test A > /dev/null
is "$(asked)" "$before" "a verified name is not asked again before it expires"
vdig printer.home.arpa A > /dev/null
vdig db.lan AAAA > /dev/null
is "$(asked)" "$before" "names of the bypass zones are never sent to a mirror"

# What each resolver presented is remembered across restarts: doh1 comes back under another
# intermediate of the same trusted root (valid, so still used) and the change is logged.
wp_int int2 && wp_leaf doh1b int2 "DNS:doh1.test" || bail_out "cannot make the new leaf"
stop_pid "$VANTAGED_PID"
ok "the CA each resolver presented is kept beside the state file" \
	grep -q "id: \"webpki:doh1.test\", address: \"${WHP[doh1]}\", ca: \"$WP_INT_SHA\"" "$T/state-vd.chains"
wp_stop doh1
wp_dnsdist doh1b v1 doh1b "${WADDR[doh1]}" || bail_out "cannot restart doh1"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start again"
INT2_SHA=$(openssl x509 -in "$WP/int2.pem" -outform DER | sha256sum | cut -d' ' -f1)
ok "a CA change across a restart is logged" \
	wait_until 10 log_has "mirror doh1 .*: its CA changed: issuer $INT2_SHA, was $WP_INT_SHA"
is "$(wp_mirror_field doh1 ca_changes)/$(wp_mirror_field doh1 why)" "1/" \
	"... counted by vantagectl mirrors, and the mirror (still valid) used"
