#!/bin/bash
# tests/integration/mirror_replicas_net.sh - replicas in the mirror network (issue 14): mirror
# m0 runs as two replicas (one CA, one key, one advertised address) sharing one Redis; only the
# first one verifies its peers (the second has check_peers: 0 and is asked by nobody, since the
# network knows m0 at the first one's address). A real vote removes the lying mirror: the
# second replica lists it removed with the vote's reason, and when m0's audit of an honest
# peer finds for keeping it, the second replica publishes the same finding in /v1/audit.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/net/lib_net.sh"
require_progs nsd curl redis-server redis-cli
require_mirror
if grep -qa __asan_init "$top_builddir/vantage-mirror" 2> /dev/null; then : "${NET_WAIT:=150}"; fi
: "${NET_WAIT:=60}"
tap_plan 9

N=5 LIAR=4 R=10		# mirrors m0..m4 (m4 lies); m0's second replica is "m10"
HONEST=(0 1 2 3)
start_redis || bail_out "cannot start redis-server"
net_views 4 || bail_out "cannot start the NSD views"
for ((i = 0; i < N; i++)); do net_keys "$i" || bail_out "keygen $i failed"; done
# The second replica: m0's keys and id, its own port on the same address (the certificate
# names the address), the same peers.
MID[$R]=${MID[0]} MKEYS[$R]=${MKEYS[0]} MHP[$R]=$NET_ADDR:$((NET_PORT0 + R))
for ((i = 0; i < N; i++)); do
	others=()
	for ((j = 0; j < N; j++)); do [ "$j" != "$i" ] && others+=("$j"); done
	if [ "$i" = "$LIAR" ]; then view=$LIE_VIEW; else view=${HONEST_VIEWS[$((i % 4))]}; fi
	net_conf "$i" "$view" "${others[@]}"
done
net_conf "$R" "${HONEST_VIEWS[0]}" 1 2 3 4
shared="shared: { redis: \"$REDIS_UNIX_URL\", timeout: 500ms }"
echo "$shared" >> "$T/m0.yaml"
sed -i -e "s/^name: m$R$/name: m0/" -e "s/^  check_peers: .*/  check_peers: 0/" "$T/m$R.yaml"
printf '%s\naddress: "%s"\n' "$shared" "${MHP[0]}" >> "$T/m$R.yaml"
ok "the second replica's configuration is valid" "$MIRROR_BIN" -n -c "$T/m$R.yaml"
for i in 0 1 2 3 4 "$R"; do net_start "$i" || bail_out "mirror $i did not start"; done
for i in 0 1 2 3 4; do
	net_seed "$i" www.example.test./A www.example.test./AAAA txt.example.test./TXT \
		$(for d in "${NET_DOMAINS[@]}"; do echo "www.$d.test./A"; done) ||
		bail_out "mirror $i did not answer its clients"
done

# 1. The vote: the liar is removed on every honest list, and on the second replica of m0.
t0=$(now_ms)
ok "the lying mirror is inactive on every honest list" wait_until "$NET_WAIT" \
	net_all_state inactive "${MID[$LIAR]}" "${HONEST[@]}"
diag "liar inactive everywhere after $(( $(now_ms) - t0 )) ms"
ok "m0's second replica lists it inactive too" wait_until 10 net_all_state inactive "${MID[$LIAR]}" "$R"
entry() { mget "$1" "/v1/mirrors?id=${MID[$LIAR]}" | sed -n 's/.*"reason":"\([^"]*\)".*/\1/p'; }
is "$(entry "$R")" "$(entry 0)" "... with m0's reason, word for word"
like "$(entry "$R")" "removed by vote|failed" "... which is the vote's (or the failed audit's)"
nok "the second replica ran no audit of its own" grep -q "audit of m$LIAR" "$T/m$R.log"

# 2. A finding: m0 audits honest m1 on a removal request and finds for keeping it; the second
# replica answers /v1/audit about m1 with that finding.
like "$(mpost 0 /v1/remove "{\"version\":1,\"id\":\"${MID[1]}\",\"reason\":\"hostile: m1 lies\"}")" \
	'"audit":"(started|running|done)"' "m0 takes a removal request about m1 and audits it"
voted() { mget "$1" "/v1/audit?id=${MID[1]}" | grep -q '"vote":"keep"'; }
ok "m0's /v1/audit publishes its finding: keep" wait_until 20 voted 0
ok "the second replica publishes the same finding" wait_until 10 voted "$R"
