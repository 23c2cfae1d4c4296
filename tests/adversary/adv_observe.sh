#!/bin/bash
# tests/adversary/adv_observe.sh - issue 12, finding 8: the notary (GET /v1/observe) as a tool.
# 1. An outsider points it at private space through IPv6 wrappers that carry an IPv4 address:
#    NAT64 (64:ff9b::/96, and the local-use 64:ff9b:1::/48), 6to4 (2002::/16), SIIT, Teredo.
#    A mirror with allow_private off must refuse them all (403) without connecting anywhere.
# 2. A few addresses, each within max_per_client, point it at a black hole (accepts TCP, never
#    speaks) and hold every slot for the whole timeout; another client's observation must still
#    be served: the biggest holder gives up a slot.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs curl openssl ss
require_mirror
tap_plan 11

L=$(unique_addr) S=$(unique_addr) H=$(unique_addr)
A1=$(unique_addr) A2=$(unique_addr) V=$(unique_addr)
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"

# 1. Embedded IPv4 addresses: judged, not waved through.
mirror_conf "$T/m.yaml" "$L:0" "127.0.0.1:9" "$T/keys" "$T/state" "observe: { timeout: 2s }"
start_mirror "$T/m.yaml" m1 || bail_out "vantage-mirror did not start"
refused() {
	mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$1&port=443" -w ' %{http_code}' |
		tr -d '\n' | grep -Eq '"error":"address-not-allowed".* 403$'
}
for ip in 64:ff9b::7f00:1 64:ff9b::a9fe:a9fe 64:ff9b:1::5db8:d822 2002:7f00:1::1 \
	::ffff:0:127.0.0.1 2001:0:7f00:1::ffff:ffff 2001:0:5db8:d822::80ff:fffe; do
	ok "observe refuses $ip (private IPv4 inside)" refused "$ip"
done
stop_pid "$MIRROR_PID"

# 2. Fair shares: 8 slots, 4 per client; two attacker addresses hold all 8 on a black hole.
mirror_keygen "$T/site" "$S" || bail_out "keygen failed"
spawn s_server openssl s_server -accept "$S:8443" -cert "$T/site/server.pem" \
	-key "$T/site/server.key" -cert_chain "$T/site/ca.pem" -www -naccept 100
listening() { (exec 3<>"/dev/tcp/$S/8443") 2> /dev/null; }
wait_until 10 listening || bail_out "openssl s_server did not start"
start_sink "$H" 8443 || bail_out "cannot start the black hole"
mirror_conf "$T/m2.yaml" "$L:0" "127.0.0.1:9" "$T/keys" "$T/state2" \
	"observe: { allow_private: true, timeout: 4s, max_concurrent: 8, max_per_client: 4 }"
start_mirror "$T/m2.yaml" m2 || bail_out "vantage-mirror did not start"
holds=()
for a in "$A1" "$A2"; do
	for i in 1 2 3 4; do
		mcurl "$T/keys" "/v1/observe?name=h$i.example.test&ip=$H&port=8443" --interface "$a" \
			-w ' %{http_code}' > "$T/hold-$a-$i.out" &
		holds+=($!)
	done
done
held() { [ "$(ss -Htn state established dst "$H:8443" | wc -l)" -ge 8 ]; }
ok "two attacker addresses hold all 8 notary slots" wait_until 10 held
out=$(mcurl "$T/keys" "/v1/observe?name=h9.example.test&ip=$H&port=8443" --interface "$A1" \
	-w ' %{http_code}')
like "$out" '"error":"too-many-requests".* 429$' "an attacker address at its share gets 429"
out=$(mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$S&port=8443" --interface "$V" \
	-w ' %{http_code}')
like "$out" '"chain":\[.* 200$' "another client's observation is served meanwhile (200)"
wait "${holds[@]}"
n=0
for f in "$T"/hold-*.out; do
	tr -d '\n' < "$f" | grep -Eq '"error":"busy".*preempted.* 503$' && n=$((n + 1))
done
is "$n" 1 "exactly one attacker observation gave up its slot (503)"
