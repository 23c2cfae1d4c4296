#!/bin/bash
# tests/integration/mirror_observe.sh - /v1/observe reports the chain of a local TLS server whose
# CA the test made; port and address restrictions hold; four observations per client run at
# once and a fifth gets 429; SIGHUP applies a good config and keeps
# the running one when the new one is bad.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs curl openssl
require_mirror
tap_plan 16

L=$(unique_addr) S=$(unique_addr) N=$(unique_addr)
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"
# the observed server: a CA and leaf of its own, served by openssl s_server on $S:8443
mirror_keygen "$T/site" "$S" || bail_out "keygen failed"
SITE_CA=$KEY_ID
SITE_LEAF=$(openssl x509 -in "$T/site/server.pem" -outform DER | sha256sum | cut -c1-64)
spawn s_server openssl s_server -accept "$S:8443" -cert "$T/site/server.pem" -key "$T/site/server.key" \
	-cert_chain "$T/site/ca.pem" -www -naccept 100
listening() { (exec 3<>"/dev/tcp/$S/8443") 2> /dev/null; }
wait_until 10 listening || bail_out "openssl s_server did not start"

mirror_conf "$T/m.yaml" "$L:0" "127.0.0.1:9" "$T/keys" "$T/state" \
	"observe: { allow_private: true, timeout: 2s, extra_ports: [10443] }"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"

out=$(mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$S&port=8443" -w ' %{http_code}')
like "$out" "\"name\":\"www.example.test\",\"ip\":\"$S\",\"port\":8443,\"tls_version\":\"TLSv1\.[23]\"" \
	"observe: the target and the TLS version"
like "$out" "\"chain\":\[\{\"sha256\":\"$SITE_LEAF\"\},\{\"sha256\":\"$SITE_CA\"\}\]\}" \
	"observe: the SHA-256 of the leaf then of the CA, as the server sent them"
like "$out" " 200$" "observe: 200"
out=$(mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$S&port=22" -w ' %{http_code}')
like "$out" '"error":"port-not-allowed".* 403$' "a port outside the allowlist gets 403"
out=$(mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$N&port=10443" -w ' %{http_code}')
like "$out" '"error":"connect-failed","detail":"connect failed: Connection refused".* 502$' \
	"an extra port is allowed; nobody listening gets 502"
out=$(mcurl "$T/keys" "/v1/observe?name=bad_name!&ip=$S&port=8443" -w ' %{http_code}')
like "$out" '"error":"bad-request".* 400$' "a bad name gets 400"
out=$(mcurl "$T/keys" "/v1/observe?name=x.test&ip=$S:8443" -w ' %{http_code}')
like "$out" '"error":"bad-request".* 400$' "an ip with a port gets 400"

# A target that accepts and never speaks holds observations for the 2 s timeout: four from
# one client run together (observe.max_per_client), a fifth gets 429.
H=$(unique_addr)
start_sink "$H" 10443 || bail_out "cannot start the silent TLS target"
holds=()
for i in 1 2 3 4; do
	mcurl "$T/keys" "/v1/observe?name=h$i.example.test&ip=$H&port=10443" -w ' %{http_code}' > "$T/hold$i.out" &
	holds+=($!)
done
held() { [ "$(ss -Htn state established dst "$H:10443" | wc -l)" -ge 4 ]; }
ok "four observations from one client are in flight at once" wait_until 10 held
out=$(mcurl "$T/keys" "/v1/observe?name=h5.example.test&ip=$H&port=10443" -w ' %{http_code}')
like "$out" '"error":"too-many-requests".* 429$' "... a fifth gets 429"
wait "${holds[@]}"
like "$(cat "$T/hold1.out")" '"error":"timeout".* 504$' "... and the four end at the timeout (504)"

# SIGHUP: a good new config (private targets no longer allowed) is applied
mirror_conf "$T/m.yaml" "$L:0" "127.0.0.1:9" "$T/keys" "$T/state" "observe: { timeout: 2s }"
kill -HUP "$MIRROR_PID"
reloaded() { grep -q 'configuration reloaded' "$MIRROR_LOG"; }
ok "SIGHUP reloads a good configuration" wait_until 5 reloaded
out=$(mcurl "$T/keys" "/v1/observe?name=www.example.test&ip=$S&port=8443" -w ' %{http_code}')
like "$out" '"error":"address-not-allowed".* 403$' "loopback targets are refused once allow_private is off"
# a bad one is logged and the running configuration stays
echo "bogus: 1" >> "$T/m.yaml"
kill -HUP "$MIRROR_PID"
refused() { grep -q 'reload failed, keeping the running configuration: .*m.yaml:[0-9]*: unknown key' "$MIRROR_LOG"; }
ok "SIGHUP with a bad configuration logs file:line and keeps the old one" wait_until 5 refused
ok "still alive" alive "$MIRROR_PID"
out=$(mcurl "$T/keys" "/v1/health" -w ' %{http_code}')
like "$out" '"status":"ok".* 200$' "still serving"
stop_pid "$MIRROR_PID"; is "$?" 0 "stops cleanly"
