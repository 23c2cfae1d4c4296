#!/bin/bash
# tests/integration/mirror_h2.sh - vantage-mirror speaks HTTP/2 (ALPN h2) and HTTP/1.1 on one
# port: DoH POST and GET (RFC 8484) and the /v1 endpoints answer alike over both; over ONE
# HTTP/2 connection a question whose upstream answers late does not hold up one sent after it
# (issue 13: evhttp answered one request per connection at a time); TLS sessions resume.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs curl nghttp h2load openssl basenc python3
require_mirror
curl -V | grep -qw HTTP2 || skip_all "curl without HTTP/2"
tap_plan 40

# The upstream: answers at once, except names starting with "slow", answered SLOW_MS later.
SLOW_MS=2000
U=$(unique_addr) L=$(unique_addr)
spawn slowdns python3 "$top_srcdir/tests/integration/mirror/slowdns.py" "$U" 5300 "$SLOW_MS"
wait_until 10 grep -q listening "$T/slowdns.log" || bail_out "slowdns did not start"
mirror_keygen "$T/keys" "$L" eu || bail_out "keygen failed"
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" "limits: { max_body: 1024 }"
sed -i 's/upstream_timeout: 2s/upstream_timeout: 4s/' "$T/m.yaml"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"
URL=https://$MIRROR_ADDR:$MIRROR_PORT

# A question as wire format: qname (dotted) and the 16-bit ID.
question() {
	local id=$1 name=$2 out="" l
	out=$(printf '\\x%02x\\x%02x\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00' $((id >> 8)) $((id & 255)))
	for l in ${name//./ }; do out+=$(printf '\\x%02x%s' "${#l}" "$l"); done
	printf "$out"'\x00\x00\x01\x00\x01'
}
b64() { basenc --base64url -w0 < "$1" | tr -d =; }
question 0 fast.example.test > "$T/fast.bin"
question 4660 fast.example.test > "$T/fast-id.bin"
question 0 slowone.example.test > "$T/slow.bin"
decode() { "$DOH_CLIENT" --decode "$1" --name "$2" --id "${3:-0}" 2>&1; }

# ALPN
alpn() {
	printf 'GET /v1/health HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n' |
		timeout 10 openssl s_client -connect "$MIRROR_ADDR:$MIRROR_PORT" -CAfile "$T/keys/ca.pem" \
		-ign_eof "$@" 2>&1
}
like "$(alpn -alpn h2,http/1.1)" "ALPN protocol: h2" "ALPN: h2 is chosen when the client offers it"
like "$(alpn -alpn http/1.1)" "ALPN protocol: http/1.1" "... http/1.1 when that is all it offers"
out=$(alpn)
like "$out" "No ALPN negotiated" "... and nothing (no alert) when it offers none"
like "$out" "HTTP/1.1 200 OK" "... which gets HTTP/1.1"
out=$(alpn -alpn spdy/3,foo)
like "$out" "No ALPN negotiated" "... nor when it offers only protocols we do not speak"
like "$out" "HTTP/1.1 200 OK" "... which get HTTP/1.1 too"

# DoH over HTTP/2 and HTTP/1.1, GET and POST
for v in 2 1.1; do
	mcurl "$T/keys" "/dns-query?dns=$(b64 "$T/fast.bin")" --http$v -D "$T/get$v.hdr" -o "$T/get$v.bin" \
		-w '%{http_version}' > "$T/get$v.ver"
	is "$(cat "$T/get$v.ver")" "$v" "GET /dns-query over HTTP/$v"
	like "$(decode "$T/get$v.bin" fast.example.test.)" "NOERROR 1 127.192.0.4" "... answers the question"
	like "$(tr -d '\r' < "$T/get$v.hdr")" "[Cc]ontent-[Tt]ype: application/dns-message" \
		"... as application/dns-message"
	like "$(tr -d '\r' < "$T/get$v.hdr")" "[Cc]ache-[Cc]ontrol: max-age=(300|29[0-9])" \
		"... with max-age from the answer's TTL"
	mcurl "$T/keys" /dns-query --http$v -H 'Content-Type: application/dns-message' \
		--data-binary @"$T/fast-id.bin" -o "$T/post$v.bin"
	like "$(decode "$T/post$v.bin" fast.example.test. 4660)" "NOERROR 1 127.192.0.4" \
		"POST /dns-query over HTTP/$v answers with the ID asked"
	code=$(mcurl "$T/keys" /dns-query --http$v -H 'Content-Type: text/plain' \
		--data-binary @"$T/fast.bin" -o /dev/null -w '%{http_code}')
	is "$code" 415 "... 415 for another Content-Type over HTTP/$v"
	code=$(mcurl "$T/keys" "/dns-query?dns=%%%" --http$v -o /dev/null -w '%{http_code}')
	is "$code" 400 "... 400 for a dns= that is not base64url over HTTP/$v"
done
head -c 2000 /dev/zero > "$T/big.bin"
code=$(mcurl "$T/keys" /dns-query --http2 -H 'Content-Type: application/dns-message' \
	--data-binary @"$T/big.bin" -o "$T/big.out" -w '%{http_code}')
is "$code" 413 "HTTP/2: a body over limits.max_body gets 413"
like "$(cat "$T/big.out")" '"error":"too-large"' "... with the protocol's JSON error"
out=$(mcurl "$T/keys" /dns-query --http2 -X PUT -D - -o /dev/null)
like "$out" "HTTP/2 405" "HTTP/2: PUT /dns-query gets 405"
like "$(tr -d '\r' <<< "$out")" "allow: GET, POST" "... with Allow"

# the /v1 endpoints over HTTP/2
like "$(mcurl "$T/keys" /v1/health --http2)" '"status":"ok"' "HTTP/2: /v1/health"
like "$(mcurl "$T/keys" /v1/mirrors --http2)" "\"id\":\"$KEY_ID\".*\"state\":\"self\"" "HTTP/2: /v1/mirrors"
like "$(mcurl "$T/keys" /nope --http2 -o /dev/null -w '%{http_code}')" 404 "HTTP/2: an unknown path gets 404"
out=$(mcurl "$T/keys" /v1/report --http2 -H 'Content-Type: application/json' --data-binary '{')
like "$out" '"error":"bad-report"' "HTTP/2: POST /v1/report reaches the same parser"

# One connection, a slow question then a fast one: the fast answer does not wait.
nghttp -nv "$URL/dns-query?dns=$(b64 "$T/slow.bin")" "$URL/dns-query?dns=$(b64 "$T/fast.bin")" \
	> "$T/nghttp.out" 2>&1
# stream ids in the order sent, then the time each stream's last DATA frame arrived
sids=$(sed -n 's/.*send HEADERS frame <.*stream_id=\([0-9]*\)>.*/\1/p' "$T/nghttp.out")
slow_id=$(sed -n 1p <<< "$sids") fast_id=$(sed -n 2p <<< "$sids")
ends() { sed -n "s/^\[ *\([0-9.]*\)\] recv DATA frame <.*flags=0x01, stream_id=$1>.*/\1/p" "$T/nghttp.out"; }
t_slow=$(ends "$slow_id") t_fast=$(ends "$fast_id")
diag "slow stream $slow_id ended at ${t_slow}s, fast stream $fast_id at ${t_fast}s"
ok "both streams answered on one connection" test -n "$t_slow" -a -n "$t_fast"
ok "the fast answer came before the slow one" awk -v f="$t_fast" -v s="$t_slow" 'BEGIN { exit !(f + 0 < s + 0) }'
ok "... well within the slow one's delay (${t_fast}s < 1s)" awk -v f="$t_fast" 'BEGIN { exit !(f != "" && f + 0 < 1.0) }'
ok "... and the slow one was answered too (${t_slow}s)" awk -v s="$t_slow" 'BEGIN { exit !(s + 0 >= 1.9) }'
is "$(grep -c 'recv GOAWAY' "$T/nghttp.out")" 0 "no GOAWAY on an honest connection"

# Many streams over one connection, and over HTTP/1.1 for comparison (h2load).
out=$(timeout 60 h2load -n 2000 -c 1 -m 50 "$URL/dns-query?dns=$(b64 "$T/fast.bin")" 2>&1)
like "$out" "2000 total, 2000 started, 2000 done, 2000 succeeded" "h2load: 2000 requests, 50 streams at a time, one h2 connection"
like "$out" "Application protocol: h2" "... over h2"
out=$(timeout 60 h2load --h1 -n 500 -c 1 "$URL/dns-query?dns=$(b64 "$T/fast.bin")" 2>&1)
like "$out" "500 succeeded" "h2load --h1: HTTP/1.1 keeps working"

# TLS session tickets: a second connection resumes.
rm -f "$T/sess.pem"
alpn -sess_out "$T/sess.pem" > "$T/s1.out"
like "$(cat "$T/s1.out")" "TLS session ticket lifetime hint: 1800" "a session ticket is issued (hint 1800 s)"
like "$(alpn -sess_in "$T/sess.pem")" "Reused, TLSv1.3" "... and a second connection resumes with it"

h=$(mcurl "$T/keys" /v1/health --http2)
like "$h" '"guard":\{"refused":0,"handshake_timeouts":0,"header_timeouts":0,"body_timeouts":0\}' \
	"no guard action against these honest clients"
stop_pid "$MIRROR_PID"; rc=$?
is "$rc" 0 "SIGTERM stops it cleanly (exit 0)"
