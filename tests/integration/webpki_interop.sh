#!/bin/bash
# tests/integration/webpki_interop.sh - three DoH servers nobody here wrote, as webpki mirrors:
# unbound (https-port, HTTP/2 only), Knot Resolver (kind='doh2', HTTP/2 only) and dnsdist
# (addDOHLocal, HTTP/2 and HTTP/1.1), each with a leaf of the test web PKI and a view of its own.
# Each implementation is the lying mirror once, against honest servers of all three: the honest
# answer is corroborated, the poisoned local answer refused, the lying mirror outvoted and counted
# as dissenting.  Every server is first checked with kdig +https (a client nobody here wrote
# either), so that a failure below is vantaged's, not the test world's.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig kdig dnsdist unbound kresd openssl ss python3
require_vantaged
LIARS="ubl krl ddl"
PER_CASE=6
tap_plan $((6 + 3 * PER_CASE))

wp_zone "$T/honest.zone" 0
sed 's/127\.200\./127.201./g' "$T/honest.zone" > "$T/lying.zone"
grep -q '^www.*127\.201\.0\.10' "$T/lying.zone" || bail_out "cannot write the lying view"

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
for i in $(seq 2 30); do liar_honest "t$i.adv.test." A "t$i.adv.test. 300 IN A 127.200.1.$i"; done
liar_start || bail_out "cannot start the lying resolver"

wp_ca || bail_out "cannot make the test PKI"
for m in ub kr dd $LIARS; do wp_leaf "$m" int "DNS:$m.test" || bail_out "cannot make leaf $m"; done
for v in vub vkr vdd; do wp_view "$v" "$T/honest.zone" || bail_out "cannot start view $v"; done
wp_view lying "$T/lying.zone" || bail_out "cannot start the lying view"
wp_unbound ub vub ub && wp_kresd kr vkr kr && wp_dnsdist dd vdd dd &&
	wp_unbound ubl lying ubl && wp_kresd krl lying krl && wp_dnsdist ddl lying ddl ||
	bail_out "cannot start the DoH servers"

# The servers work, seen by kdig over HTTP/2 with the chain verified: honest ones give the
# honest address, the liars the attacker's.
for m in ub kr dd; do
	is "$(wp_doh_probe "$m" www.adv.test)" 127.200.0.10 "$m: kdig +https gets the honest answer"
done
for m in $LIARS; do
	is "$(wp_doh_probe "$m" www.adv.test)" 127.201.0.10 "$m: kdig +https gets the lie"
done

if ! wp_vantaged_h2; then
	skip "vantaged lacks HTTP/2 (not linked with libnghttp2): unbound and kresd speak only h2" \
		$((3 * PER_CASE))
	exit 0
fi

declare -A KIND=([ubl]=unbound [krl]=kresd [ddl]=dnsdist)
_liar_dissented() {
	_n=$((_n + 1))
	vdig "t$_n.adv.test" A > /dev/null
	[ "$(wp_mirror_field "$L" dissents)" -ge 1 ]
}
_n=1
WP_CONSENSUS="  quorum: 3"
for L in $LIARS; do
	k=${KIND[$L]}
	wp_vconf "$T/vd-$L.yaml" ub:eu:hostname=ub.test kr:us:hostname=kr.test \
		dd:ap:hostname=dd.test "$L:jp:hostname=$L.test"
	read -r _ h1_0 h2_0 _ _ <<< "$(wp_doh_stats dd)"
	start_vantaged "$T/vd-$L.yaml" || bail_out "vantaged did not start ($k lies)"
	out=$(vdig www.adv.test A)
	is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/www.adv.test. IN A 127.200.0.10" \
		"$k lies: the honest answer is passed on"
	ok "$k lies: ... corroborated by unbound, kresd and dnsdist, the lying $k outvoted" \
		log_has "www\\.adv\\.test\\. A: 3 of 4 mirrors corroborate"
	out=$(vdig t1.adv.test A)
	is "$(dig_rcode <<< "$out")" "REFUSED" "$k lies: the poisoned local answer is REFUSED"
	ok "$k lies: the lying $k is counted as dissenting" wait_until 20 _liar_dissented
	# "idle": the server closed the connection after its idle timeout (kresd: 10 s).
	bad=""
	for m in ub kr dd "$L"; do
		st=$(wp_mirror_fields "$m" state why proto answers)
		[[ $st =~ ^(up|idle)//h2/[1-9] ]] || bad="$bad $m($st)"
	done
	is "$bad" "" "$k lies: every server verified, over h2, answering (the liar too: outvoted, not unreachable)"
	read -r _ h1 h2 _ _ <<< "$(wp_doh_stats dd)"
	is "$((h1 - h1_0))/$((h2 - h2_0 > 0))" "0/1" \
		"$k lies: vantaged asks dnsdist over HTTP/2 (ALPN h2), not HTTP/1.1"
	stop_pid "$VANTAGED_PID" > /dev/null
done
