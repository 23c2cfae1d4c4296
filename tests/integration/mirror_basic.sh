#!/bin/bash
# tests/integration/mirror_basic.sh - keygen, then a mirror with an NSD view behind it answers
# DoH (POST and GET, sequential and pipelined on one connection) to clients pinned to its CA,
# and to curl; a client pinned to another CA is refused.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs nsd curl basenc
require_mirror
tap_plan 34

U=$(unique_addr) L=$(unique_addr)
mirror_zone "$T/example.test.zone"
start_nsd "$U" 5300 example.test "$T/example.test.zone" || bail_out "cannot start nsd"

# keys
mirror_keygen "$T/keys" "$L" eu; is "$?" 0 "keygen makes a CA and a server certificate"
MY_ID=$KEY_ID
like "$MIRROR_ENTRY" '^- \{ name: [^,]+, address: "127\.[0-9.]+:443", region: eu, ca_sha256: "[0-9a-f]{64}" \}$' \
	"keygen prints a ready-to-paste mirror entry"
is "$(stat -c %a "$T/keys/server.key")" 600 "server.key is 0600"
is "$(stat -c %a "$T/keys")" 700 "the key directory is 0700"
is "$(openssl x509 -in "$T/keys/ca.pem" -outform DER | sha256sum | cut -c1-64)" "$MY_ID" \
	"ca_sha256 is the SHA-256 of the CA's DER"
like "$(openssl x509 -in "$T/keys/server.pem" -noout -ext subjectAltName)" "IP Address:$L" \
	"the server certificate has the IP SAN"
ok "the server certificate verifies up to the CA" openssl verify -CAfile "$T/keys/ca.pem" "$T/keys/server.pem"
like "$(openssl x509 -in "$T/keys/ca.pem" -noout -text)" "ecdsa-with-SHA256" \
	"the CA is ECDSA P-256 by default (a stub whose wolfSSL lacks Ed25519 can verify it)"
out=$("$MIRROR_BIN" keygen --dir "$T/keys" --address "$L" --region eu 2>&1); rc=$?
is "$rc" 1 "keygen refuses to overwrite existing keys"
like "$out" "already exists.*--force" "... and says why"
is "$(openssl x509 -in "$T/keys/ca.pem" -outform DER | sha256sum | cut -c1-64)" "$MY_ID" "... and left them alone"
mirror_keygen "$T/keys2" "$L" eu
"$MIRROR_BIN" keygen --dir "$T/keys2" --address "$L" --region eu --algo ed25519 --force > "$T/k2.out"
is "$?" 0 "keygen --force --algo ed25519 replaces them"
like "$(openssl x509 -in "$T/keys2/server.pem" -noout -text)" "ED25519" "... with an Ed25519 certificate"
OTHER_ID=$(sed -n 's/.*ca_sha256: "\([0-9a-f]*\)".*/\1/p' "$T/k2.out")

# the mirror, with the other key set as a configured peer
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"peers: [ { name: p1, address: \"127.192.0.77:8443\", region: us, ca_sha256: \"$OTHER_ID\" } ]"
ok "vantage-mirror -n accepts the configuration" "$MIRROR_BIN" -n -c "$T/m.yaml"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"
cmp_ok "$MIRROR_PORT" -gt 0 "port 0 became a real port (read from the log)"

# DoH with the pinned client
out=$(doh "$T/keys" --pin "$MY_ID" --name www.example.test. --expect 127.192.0.1 2>&1)
like "$out" "answer: NOERROR 1 127.192.0.1" "POST /dns-query: the A record from the NSD view"
like "$out" "max-age=300" "... with Cache-Control from the TTL"
like "$(doh "$T/keys" --method get --type AAAA --name www.example.test. 2>&1)" "NOERROR 1 ::ffff:127.192.6.1" \
	"GET /dns-query?dns=: the AAAA record"
before=$(mcurl "$T/keys" /v1/health | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p')
out=$(doh "$T/keys" --name www.example.test. --count 3000 --expect 127.192.0.1 2>&1)
like "$out" "ok: 3000/3000 answers" "3000 sequential queries on one connection, all correct"
diag "$out"
out=$(doh "$T/keys" --name www.example.test. --count 5000 --depth 16 --expect 127.192.0.1 2>&1)
like "$out" "ok: 5000/5000 answers" "5000 pipelined queries (depth 16) on one connection, all correct"
diag "$out"
after=$(mcurl "$T/keys" /v1/health | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p')
is "$((after - before))" 3 "those runs used one connection each (+1 for the health check)"
like "$(doh "$T/keys" --name nope.example.test. 2>&1)" "answer: NXDOMAIN 0" "NXDOMAIN passes through"

# curl, GET and POST, answers decoded by the test client
printf '\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01' > "$T/q.bin"
b64=$(basenc --base64url -w0 < "$T/q.bin" | tr -d =)
mcurl "$T/keys" "/dns-query?dns=$b64" -D "$T/get.hdr" -o "$T/get.bin"
like "$("$DOH_CLIENT" --decode "$T/get.bin" --name www.example.test. --id 0 2>&1)" "NOERROR 1 127.192.0.1" \
	"curl GET /dns-query?dns= gets the answer"
like "$(tr -d '\r' < "$T/get.hdr")" "content-type: application/dns-message|Content-Type: application/dns-message" \
	"... as application/dns-message"
like "$(tr -d '\r' < "$T/get.hdr")" "[Xx]-[Vv]antage-[Mm]irror: $MY_ID; region=test" "... naming the mirror and its region (curl speaks h2: lower case)"
mcurl "$T/keys" /dns-query -X POST -H 'Content-Type: application/dns-message' --data-binary @"$T/q.bin" -o "$T/post.bin"
like "$("$DOH_CLIENT" --decode "$T/post.bin" --name www.example.test. --id 0 2>&1)" "NOERROR 1 127.192.0.1" \
	"curl POST /dns-query gets the answer"

# the wrong CA
out=$(doh "$T/keys2" --name www.example.test. 2>&1); rc=$?
is "$rc" 3 "a client pinned to another CA is refused"
like "$out" "certificate verify failed" "... because the certificate does not verify"
nok "curl with the other CA is refused too" mcurl "$T/keys2" /v1/health
out=$(doh "$T/keys" --pin "$OTHER_ID" 2>&1)
like "$out" "does not match its pinned SHA-256" "a CA file that does not match the pin is not loaded"

# metadata
like "$(mcurl "$T/keys" /v1/health)" "\"status\":\"ok\".*\"protocol\":1,\"id\":\"$MY_ID\"" "/v1/health: liveness, version, id"
m=$(mcurl "$T/keys" /v1/mirrors)
like "$m" "\"id\":\"$MY_ID\",\"name\":\"m-test\",\"address\":\"$L\",\"port\":$MIRROR_PORT,\"region\":\"test\",\"state\":\"self\",\"ca_pem\":\"-----BEGIN CERTIFICATE-----" \
	"/v1/mirrors lists this mirror with its CA"
like "$m" "\"id\":\"$OTHER_ID\",\"name\":\"p1\",\"address\":\"127.192.0.77\",\"port\":8443,\"region\":\"us\",\"state\":\"active\",\"ca_pem\":null" \
	"... and the configured peer"

stop_pid "$MIRROR_PID"; rc=$?
is "$rc" 0 "SIGTERM stops it cleanly (exit 0)"
