#!/bin/bash
# tests/adversary/adv_handshake.sh - finding 3, CA evidence without notaries: when no mirror can
# observe the name (mirrors that are plain DoH resolvers, or notaries failing: here vantage-mirror
# refuses to observe loopback servers, its default), vantaged takes the name's CA from its own TLS
# handshake with an address the quorum of mirrors agrees on - only when that chain verifies up to
# the trust store (mirrors.trust_store; here the test root) for the name, and only the CAs of the
# verified path - and proves the local address against it (its chain contains and verifies up to
# that CA, its leaf is valid for the name). Such evidence holds for the one verdict: no pair kept.
#   cdnh:    every region sees $AGREED, the local resolver another address of the same CDN (a
#            leaf of the same intermediate): answered, "handshake" the source, no pair stored
#   evilh:   the same, but the local address serves a leaf of the attacker's own CA: REFUSED
#   darkh:   the local address serves no TLS at all: nothing proven, REFUSED (the dissent stands)
#   mitmh:   review finding 1: the attacker is on the path to the address the mirrors agree on
#            ($MITM here) and presents a chain of his own CA, which is not in the trust store; his
#            local address serves that CA too: REFUSED, no CA taken, nothing stored
# consensus.allow_private is true (lib_adversary.sh sets it): every address here is loopback,
# which vantaged counts as private; what decides must be the CA evidence.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require openssl jq
tap_plan 21

k=$(( $$ % 250 + 2 ))
AGREED=127.200.110.$k L_CDN=127.200.111.$k DARK=127.200.112.$k MITM=127.200.113.$k

adv_tls_world cdnh.adv.test evilh.adv.test darkh.adv.test mitmh.adv.test ||
	bail_out "cannot make the certificates"
tls_serve "$AGREED" || bail_out "no TLS server on $AGREED"
tls_serve "$L_CDN" || bail_out "no TLS server on $L_CDN"
tls_serve "$EVIL2" evil || bail_out "no TLS server on $EVIL2"
tls_serve "$MITM" evil || bail_out "no TLS server on $MITM"

for r in eu us ap; do
	ADV_VIEW_EXTRA[$r]="cdnh	A	$AGREED
evilh	A	$AGREED
darkh	A	$AGREED
mitmh	A	$MITM"
done

liar_begin
liar_honest cdnh.adv.test. A "cdnh.adv.test. 300 IN A $L_CDN"
liar_honest evilh.adv.test. A "evilh.adv.test. 300 IN A $EVIL2"
liar_honest darkh.adv.test. A "darkh.adv.test. 300 IN A $DARK"
liar_honest mitmh.adv.test. A "mitmh.adv.test. 300 IN A $EVIL2"
liar_start || bail_out "cannot start the lying resolver"
# The trust store holds the test root only: the attacker's CA is not in it.
adv_world c.probe=on-dissent c.probe_timeout=3s trust_store="$T/certs/root.pem" ||
	bail_out "cannot build the world"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }

ok "the trust store is loaded" log_has "trust store .*root\\.pem: 1 CA certificates"
is "$(adv_getent cdnh.adv.test)" "$L_CDN" "the local CDN address, no notary: glibc gets it"
out=$(adv_dig cdnh.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... NOERROR, no EDE"
ok "... the notaries could not observe it" log_has "cdnh\\.adv\\.test\\.: (eu|us|ap) could not observe it"
ok "... the agreed address verified up to the trust store" \
	log_has "cdnh\\.adv\\.test\\.: own handshake with the mirrors' address: ok .*, 2 CAs"
ok "... proven by the stub's own handshake" log_has "cdnh\\.adv\\.test\\. A: CA evidence \\(handshake, 2 CAs\\): ok"

out=$(adv_dig evilh.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "the attacker's CA at the local address: REFUSED"
like "$(ede_of <<< "$out")" "^0 vantage: local ${EVIL_NET//./\\.}\\.67 presents a certificate from a CA the mirrors do not see" \
	"... EDE 0 naming the certificate"
nok "... the attacker's address reaches neither glibc nor dig" adv_evil_reached evilh.adv.test
ok "... the handshake gave the CA" log_has "evilh\\.adv\\.test\\. A: CA evidence \\(handshake\\) dissents"

out=$(adv_dig darkh.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "no TLS at the local address: nothing proven, REFUSED"
nok "... the address reaches neither glibc nor dig" \
	eval "{ adv_getent darkh.adv.test; adv_dig darkh.adv.test A +short; } | grep -qF $DARK"

# Review finding 1: the chain at the agreed address was taken as the quorum's CA unverified.
out=$(adv_dig mitmh.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "the attacker's CA at the agreed address too: REFUSED"
nok "... the attacker's address reaches neither glibc nor dig" adv_evil_reached mitmh.adv.test
ok "... his chain does not verify up to the trust store" \
	log_has "mitmh\\.adv\\.test\\.: own handshake with the mirrors' address: other-ca .*, 0 CAs"
nok "... so it gives no CA" log_has "mitmh\\.adv\\.test\\. A: CA evidence \\(handshake"

e=$(jctl explain cdnh.adv.test A)
is "$(jq -r '.verdict.outcome + " " + .verdict.rule' <<< "$e")" "agree ca" "explain: agree by rule ca"
is "$(jq -r '.ca.pairs_stored' <<< "$(jctl status)")" 0 \
	"no (name, address, CA) pair kept from the handshake alone"
is "$(adv_getent cdnh.adv.test)" "$L_CDN" "cdnh again: proven again by a handshake, not a pair"

# The store is read again on reload (under the sandbox: mirrors.trust_store stays readable).
kill -HUP "$VANTAGED_PID"
store_loads() { grep -c "trust store .*root\\.pem: 1 CA certificates" "$VANTAGED_LOG"; }
ok "reload: the trust store is loaded again" wait_until 10 eval '[ "$(store_loads)" -ge 2 ]'
is "$(adv_getent cdnh.adv.test)" "$L_CDN" "... and the handshake still proves cdnh"
