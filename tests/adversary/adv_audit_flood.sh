#!/bin/bash
# tests/adversary/adv_audit_flood.sh - issue 12, finding 6: an outsider poisons the audits.
# Mirrors judge their peers by replaying questions that clients asked them.  An outsider who
# floods every mirror's public /dns-query with names whose answers depend on who asks (a
# whoami name: each mirror's view answers its own address) or change all the time (TTL 0)
# made honest peers "dissent" until votes removed them.  World: four honest mirrors and one
# liar, a full mesh, each mirror with its own NSD view of example.test; the honest views agree
# on the ordinary names and differ, per mirror, on *.who (TTL 300) and *.rnd (TTL 0); the
# liar's view lies on the ordinary names.  After the flood and many audit rounds: no honest
# mirror is voted out, or even put to a vote, anywhere; the liar is still removed everywhere.
#
# Review finding 7, the targeted split view: the outsider's own zone (evil.test) answers
# every mirror's resolver alike except one honest mirror's (m3, the victim: he tells them
# apart by the address asking his zone).  For any other auditor at most one witness (m3)
# dissents, so the flood names were fit to replay; every auditor then replayed them to m3,
# saw it dissent, and voted it out.  Now a dissent counts only when the witnesses, asked
# again, back the auditor and not the peer, and one registrable domain adds at most one
# dissent to a peer's record per window: m3 stays, while the liar, who lies on the names of
# many domains (example.test and a.test ... f.test, and evil.test too), is still removed.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/net/lib_net.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
require_progs nsd curl base64
require_mirror
: "${NET_WAIT:=90}"
tap_plan 9

N=5 LIAR=4 HONEST=(0 1 2 3) VICTIM=3 DOMAINS=(a b c d e f)
NET_ADDR=$(unique_addr) || bail_out "no address"

# adv_flood_zone FILE I LIE: mirror I's view (LIE=1: the liar's).
adv_flood_zone() {
	local base=127.200.0 who=127.200.$((10 + $2)).1 rnd=127.200.$((100 + $2)).1
	[ "$3" = 1 ] && base=127.201.0
	cat > "$1" <<-EOF
	\$TTL 300
	@	IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
	@	IN NS ns.example.test.
	ns	IN A 127.200.0.53
	www	IN A $base.10
	mail	IN A $base.25
	api	IN A $base.30
	txt	IN TXT "view $3"
	whoami	IN A $who
	*.who	IN A $who
	ttl0	0 IN A $rnd
	*.rnd	0 IN A $rnd
	EOF
}

# adv_small_zone FILE ADDR: a zone whose every name has one A record, ADDR (TTL 300).
adv_small_zone() {
	cat > "$1" <<-EOF
	\$TTL 300
	@	IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
	@	IN NS ns.example.test.
	@	IN A $2
	*	IN A $2
	EOF
}

for ((i = 0; i < N; i++)); do
	adv_flood_zone "$T/view$i.zone" "$i" $([ "$i" = "$LIAR" ] && echo 1 || echo 0)
	# The outsider's zone: the victim's view, and the liar's, differ from the others'.
	evil=127.202.0.1
	[ "$i" = "$VICTIM" ] && evil=127.202.0.2
	[ "$i" = "$LIAR" ] && evil=127.203.0.1
	adv_small_zone "$T/evil$i.zone" "$evil"
	zones=(example.test "$T/view$i.zone" evil.test "$T/evil$i.zone")
	for ((d = 0; d < ${#DOMAINS[@]}; d++)); do
		adv_small_zone "$T/${DOMAINS[$d]}$i.zone" \
			127.$([ "$i" = "$LIAR" ] && echo 205 || echo 204).$d.10
		zones+=("${DOMAINS[$d]}.test" "$T/${DOMAINS[$d]}$i.zone")
	done
	start_nsd "$NET_ADDR" $((5300 + i)) "${zones[@]}" ||
		bail_out "cannot start view $i"
	net_keys "$i" || bail_out "keygen $i failed"
done
for ((i = 0; i < N; i++)); do
	others=()
	for ((j = 0; j < N; j++)); do [ "$j" != "$i" ] && others+=("$j"); done
	net_conf "$i" "$NET_ADDR:$((5300 + i))" "${others[@]}"
done
for ((i = 0; i < N; i++)); do net_start "$i" || bail_out "mirror $i did not start"; done
pass "$N mirrors up, each on its own view (m$LIAR's view lies)"

# The outsider, first: 60 whoami-style and 60 TTL-0 names per mirror, through the public DoH.
names=(whoami.example.test ttl0.example.test)
for ((k = 0; k < 60; k++)); do
	names+=("x$k.who.example.test" "x$k.rnd.example.test" "s$k.evil.test")
done
flooded=0
for ((i = 0; i < N; i++)); do
	adv_doh_flood "${MKEYS[$i]}/ca.pem" "${MHP[$i]}" 1 "${names[@]}" && flooded=$((flooded + 1))
done
is "$flooded" "$N" "the outsider flooded every mirror with ${#names[@]} names"
who0=$(qdig "$NET_ADDR" 5300 x1.who.example.test A +short)
who1=$(qdig "$NET_ADDR" 5301 x1.who.example.test A +short)
isnt "$who0" "$who1" "the flood names really differ between honest views ($who0, $who1)"
ev0=$(qdig "$NET_ADDR" 5300 s1.evil.test A +short)
ev1=$(qdig "$NET_ADDR" 5301 s1.evil.test A +short)
evv=$(qdig "$NET_ADDR" $((5300 + VICTIM)) s1.evil.test A +short)
ok "the split view: m$VICTIM alone sees $evv, the other honest views $ev0" \
	test -n "$evv" -a "$ev0" = "$ev1" -a "$ev0" != "$evv"

# Honest clients ask a few ordinary names: material for honest replays.
seeded=1
for ((i = 0; i < N; i++)); do
	net_seed "$i" www.example.test./A mail.example.test./A api.example.test./A \
		txt.example.test./TXT $(for d in "${DOMAINS[@]}"; do echo "www.$d.test./A"; done) ||
		seeded=0
done
is "$seeded" 1 "every mirror answered its clients"

# The audit still works with the flood in every ring: the liar goes, on every honest list.
t0=$(now_ms)
if wait_until "$NET_WAIT" net_all_state inactive "${MID[$LIAR]}" "${HONEST[@]}"; then
	pass "the lying mirror is removed on all ${#HONEST[@]} honest lists"
	diag "liar inactive everywhere after $(( $(now_ms) - t0 )) ms"
else
	fail "the lying mirror is removed on all ${#HONEST[@]} honest lists"
	diag "inactive on $(net_count_state inactive "${MID[$LIAR]}" "${HONEST[@]}") of ${#HONEST[@]}"
fi

# Many more rounds with the flood in every ring (at least 40 verify intervals = 8 s).
rounds_of() { mget "$1" /v1/health | sed -n 's/.*"rounds":\([0-9]*\).*/\1/p'; }
r0=$(rounds_of 0)
more_rounds() { [ "$(rounds_of 0)" -ge $(( ${r0:-0} + 40 )) ]; }
wait_until 30 more_rounds || diag "m0 did not reach 40 more rounds"

# No honest mirror lost an honest peer, and none was even put to a vote.
for i in "${HONEST[@]}"; do echo "${MID[$i]}"; done > "$T/honest.ids"
bad=0
for i in "${HONEST[@]}"; do
	n=$(mget "$i" /v1/mirrors | sed 's/},{"id"/}\n{"id"/g' | grep -F -f "$T/honest.ids" |
		grep -vc '"state":"\(active\|self\)"')
	bad=$((bad + n))
done
is "$bad" 0 "no honest mirror is inactive on any honest list after the flood"
n=0
for i in "${HONEST[@]}"; do
	[ "$i" = "$VICTIM" ] && continue
	mget "$i" /v1/mirrors | sed 's/},{"id"/}\n{"id"/g' | grep -F "${MID[$VICTIM]}" |
		grep -q '"state":"active"' && n=$((n + 1))
done
is "$n" $(( ${#HONEST[@]} - 1 )) "the split view's victim m$VICTIM is active on every other honest list"
votes=$(grep -h -E "vote on m[0-3] \(" "$T"/m[0-3].log | head -n 3)
is "$votes" "" "no honest mirror was marked dissenting (no vote on one)"
diag "replayable questions: $(for i in "${HONEST[@]}"; do mget "$i" /v1/health |
	sed -n 's/.*"replayable":\([0-9]*\).*/\1/p'; done | tr '\n' ' ')"
