#!/bin/bash
# tests/integration/net_sim.sh - the mirror network on loopback (issue 8). NET_N mirrors (10 by
# default), each with its own CA and its own NSD view of example.test; one view lies. Time runs
# on short configured intervals (verify_interval 200ms, audit_period 1s) and bounded waits.
# Measured and printed as diag lines:
#   - rounds (verify intervals) and seconds until the lying mirror is inactive on every honest list;
#   - rounds and seconds until a new mirror, which joined through one peer, is active everywhere;
# and checked: an honest mirror survives removal requests from a single hostile peer, the removed
# mirror's operator sees why in /v1/health, state survives a restart.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/net/lib_net.sh"
require_progs nsd curl
require_mirror
: "${NET_N:=10}"
# An ASAN build beside the suite's other tests needs more rounds (figures come from the plain build).
if grep -qa __asan_init "$top_builddir/vantage-mirror" 2> /dev/null; then : "${NET_WAIT:=150}"; fi
: "${NET_WAIT:=60}"
NET_VIEWS_N=$(( NET_N < 10 ? NET_N : 10 ))
tap_plan 17

net_views "$NET_VIEWS_N" || bail_out "cannot start the NSD views"
NEW=$NET_N LIAR=$((NET_N - 1))
for ((i = 0; i <= NEW; i++)); do net_keys "$i" || bail_out "keygen $i failed"; done
BASE=() HONEST=()
for ((i = 0; i < NET_N; i++)); do BASE+=("$i"); [ "$i" != "$LIAR" ] && HONEST+=("$i"); done

# The established network: every base mirror configured with every other (a full mesh).
for i in "${BASE[@]}"; do
	others=()
	for j in "${BASE[@]}"; do [ "$j" != "$i" ] && others+=("$j"); done
	if [ "$i" = "$LIAR" ]; then view=$LIE_VIEW; else view=${HONEST_VIEWS[$((i % NET_VIEWS_N))]}; fi
	net_conf "$i" "$view" "${others[@]}"
done
ok "vantage-mirror -n accepts the network: section" "$MIRROR_BIN" -n -c "$T/m0.yaml"
for i in "${BASE[@]}"; do net_start "$i" || bail_out "mirror $i did not start"; done
pass "$NET_N mirrors up (mirror $LIAR asks a lying view)"

# Clients ask every mirror a few questions: the rings that peers replay from.
t0=$(now_ms)
seeded=1
for i in "${BASE[@]}"; do
	net_seed "$i" www.example.test./A www.example.test./AAAA txt.example.test./TXT short.example.test./A \
		$(for d in "${NET_DOMAINS[@]}"; do echo "www.$d.test./A"; done) || seeded=0
done
is "$seeded" 1 "every mirror answered its clients (rings seeded)"

# 1. The lying mirror: spot checks trip, votes remove it, removal propagates.
if wait_until "$NET_WAIT" net_all_state inactive "${MID[$LIAR]}" "${HONEST[@]}"; then
	ms=$(( $(now_ms) - t0 ))
	pass "the lying mirror is inactive on all ${#HONEST[@]} honest lists"
	diag "liar inactive everywhere after $(net_rounds "$ms") rounds ($ms ms)"
else
	fail "the lying mirror is inactive on all ${#HONEST[@]} honest lists"
	diag "inactive on $(net_count_state inactive "${MID[$LIAR]}" "${HONEST[@]}") of ${#HONEST[@]}"
fi
like "$(mget 0 /v1/mirrors | sed 's/},{"id"/}\n{"id"/g' | grep "\"id\":\"${MID[$LIAR]}\"")" \
	'"state":"inactive".*"reason":"(removed by vote|failed)[^"]*(replays|dissent)' \
	"/v1/mirrors keeps it, inactive, with the reason"
got_notice() { mget "$LIAR" /v1/health | grep -q '"removed_by":\[{.*"verified":true'; }
ok "the removed mirror's /v1/health shows why (a verified notice)" wait_until 20 got_notice
like "$(grep 'reports this mirror removed' "$T/m$LIAR.log" | head -n 1)" "dissent|agreed on" \
	"... and its log says it too"
# One list per mirror (not one request per pair: at 50 mirrors that is 2450 requests).
for i in "${HONEST[@]}"; do echo "${MID[$i]}"; done > "$T/honest.ids"
n=0
for i in "${HONEST[@]}"; do
	bad=$(mget "$i" /v1/mirrors | sed 's/},{"id"/}\n{"id"/g' | grep -F -f "$T/honest.ids" |
		grep -vc '"state":"\(active\|self\)"')
	n=$((n + bad))
done
is "$n" 0 "no honest mirror lost an honest peer meanwhile (the liar's own votes failed)"

# 2. A new mirror joins through one peer (m0) and spreads by fan-out after passing tests.
net_conf "$NEW" "${HONEST_VIEWS[$((NEW % NET_VIEWS_N))]}" 0
t1=$(now_ms)
net_start "$NEW" || bail_out "the new mirror did not start"
on_m0() { [ -n "$(net_state 0 "${MID[$NEW]}")" ]; }
ok "its join reaches m0" wait_until 10 on_m0
if wait_until "$NET_WAIT" net_all_state active "${MID[$NEW]}" "${HONEST[@]}"; then
	ms=$(( $(now_ms) - t1 ))
	pass "the new mirror is active on all ${#HONEST[@]} honest lists"
	diag "new mirror on every list after $(net_rounds "$ms") rounds ($ms ms)"
else
	fail "the new mirror is active on all ${#HONEST[@]} honest lists"
	diag "active on $(net_count_state active "${MID[$NEW]}" "${HONEST[@]}") of ${#HONEST[@]}"
fi
like "$(grep -h "join: candidate m$NEW" "$T"/m*.log | sed -n 's/.*), \([0-9]*\) hop.*/\1/p' | sort -n | tail -n 1)" \
	'^[0-9]+$' "joins were forwarded (max hop count logged)"
diag "largest hop count of the join: $(grep -h "join: candidate m$NEW" "$T"/m*.log | sed -n 's/.*), \([0-9]*\) hop.*/\1/p' | sort -n | tail -n 1)"

# 3. A hostile peer asks everyone to remove honest m1: each audits, votes keep, m1 stays.
body="{\"version\":1,\"id\":\"${MID[1]}\",\"reason\":\"hostile: m1 lies\"}"
started=0
for i in "${HONEST[@]}"; do
	[ "$i" = 1 ] && continue
	mpost "$i" /v1/remove "$body" | grep -Eq '"audit":"(started|running|done)"' && started=$((started + 1))
done
cmp_ok "$started" -eq $(( ${#HONEST[@]} - 1 )) "every honest peer takes the removal request (and audits)"
audited() { grep -q "audit of m1 (.*): keep" "$T/m0.log"; }
ok "m0's audit of m1 finds for keeping it" wait_until 20 audited
voted() { mget 0 "/v1/audit?id=${MID[1]}" | grep -q '"vote":"keep"'; }
ok "GET /v1/audit publishes m0's vote: keep" wait_until 10 voted
is "$(net_count_state active "${MID[1]}" "${HONEST[@]}")" $(( ${#HONEST[@]} - 1 )) \
	"m1 is still active on every honest list"
unlike "$(mget 1 /v1/health)" '"removed_by":\[\{' "m1 got no removal notice"

# 4. Persistence: a restarted mirror remembers the learned peer and the removal.
stop_pid "${MPID[2]}"
net_start 2 || bail_out "m2 did not restart"
is "$(net_state 2 "${MID[$NEW]}")/$(net_state 2 "${MID[$LIAR]}")" "active/inactive" \
	"after a restart m2 still lists the new mirror active and the liar inactive"
