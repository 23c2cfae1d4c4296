#!/bin/bash
# tests/integration/mirror_abuse.sh - hostile and broken clients get the documented errors (413,
# 415, 405, 404, 400), garbage and half-open TLS and slow senders are cut off by the idle timeout,
# max_connections pauses accepting, and through all of it the mirror keeps serving others.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs nsd curl openssl
require_mirror
tap_plan 24

U=$(unique_addr) L=$(unique_addr)
mirror_zone "$T/example.test.zone"
start_nsd "$U" 5300 example.test "$T/example.test.zone" || bail_out "cannot start nsd"
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"limits: { max_connections: 4, idle_timeout: 1s, max_body: 4096 }"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"
serves() { doh "$T/keys" --name www.example.test. --expect 127.192.0.1 > /dev/null 2>&1; }

# HTTP-level errors
head -c 5000 /dev/zero > "$T/big"
code=$(mcurl "$T/keys" /dns-query -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/dns-message' --data-binary @"$T/big")
is "$code" 413 "a body over limits.max_body gets 413"
out=$(mcurl "$T/keys" /dns-query -w ' %{http_code}' -X POST -H 'Content-Type: text/plain' --data-binary abc)
like "$out" '^\{"error":"unsupported-media-type","detail":"[^"]+"\}[[:space:]]+415$' "a wrong Content-Type gets 415 with a JSON error"
out=$(mcurl "$T/keys" /v1/report -w ' %{http_code}' -X POST -H 'Content-Type: text/plain' --data-binary '{}')
like "$out" '"error":"unsupported-media-type".* 415$' "... on /v1/report too"
out=$(mcurl "$T/keys" /dns-query -w ' %{http_code}' -X DELETE)
like "$out" '"error":"method-not-allowed".* 405$' "DELETE /dns-query gets 405"
out=$(mcurl "$T/keys" /nowhere -w ' %{http_code}')
like "$out" '"error":"not-found".* 404$' "an unknown path gets 404"
out=$(mcurl "$T/keys" '/dns-query?dns=***' -w ' %{http_code}')
like "$out" '"error":"bad-request","detail":"dns is not base64url"\}[[:space:]]+400$' "bad base64url gets 400"
out=$(mcurl "$T/keys" '/dns-query' -w ' %{http_code}')
like "$out" '"detail":"missing dns parameter"\}[[:space:]]+400$' "GET without dns= gets 400"
head -c 300 /dev/urandom > "$T/junk"
printf '\x12\x34\x81\x80' > "$T/resp"	# a header with QR=1: not a query
out=$(mcurl "$T/keys" /dns-query -w ' %{http_code}' -X POST -H 'Content-Type: application/dns-message' --data-binary @"$T/resp")
like "$out" '"error":"bad-dns-message".* 400$' "a DNS message that is not a query gets 400"
code=$(mcurl "$T/keys" /dns-query -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/dns-message' --data-binary @"$T/junk")
like "$code" '^(200|400)$' "random bytes as a DNS message get a DNS error or 400 ($code)"
ok "still serving after the HTTP errors" serves

# garbage instead of TLS: the connection is closed at once
t0=$(now_ms)
exec 3<>"/dev/tcp/$MIRROR_ADDR/$MIRROR_PORT"
( printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&3 ) 2> /dev/null	# the server may close mid-write
timeout 5 cat <&3 > "$T/garbage.out"; rc=$?
exec 3>&-
is "$rc" 0 "plaintext HTTP on the TLS port: the server closes the connection"
cmp_ok $(( $(now_ms) - t0 )) -lt 900 "... at once, not at the idle timeout"
ok "still serving after garbage" serves

# half-open TLS: a ClientHello that never completes; others are served meanwhile
t0=$(now_ms)
exec 3<>"/dev/tcp/$MIRROR_ADDR/$MIRROR_PORT"
( printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >&3 ) 2> /dev/null
ok "served while a half-open handshake is pending" serves
timeout 5 cat <&3 > /dev/null; rc=$?
el=$(( $(now_ms) - t0 ))
exec 3>&-
is "$rc" 0 "the half-open handshake is closed by the server"
cmp_ok "$el" -ge 900 "... after the idle timeout (${el} ms)"
cmp_ok "$el" -lt 4000 "... and not much later"

# a slow sender: TLS done, then half a request and silence
t0=$(now_ms)
# (the sleep is the slow client itself, holding its side open; nothing waits on it)
{ printf 'GET /v1/health HTTP/1.1\r\nHost: x\r\n'; sleep 4; } | {
	timeout 8 openssl s_client -connect "$MIRROR_ADDR:$MIRROR_PORT" -CAfile "$T/keys/ca.pem" \
		-quiet > "$T/slow.out" 2>&1
	now_ms > "$T/slow.end"; }
el=$(( $(cat "$T/slow.end") - t0 ))
cmp_ok "$el" -lt 3000 "a slow sender is disconnected by the idle timeout (${el} ms)"
unlike "$(cat "$T/slow.out")" "HTTP/1.1 200" "... without an answer to its partial request"

# max_connections: 4 idle TCP connections pause accepting; they time out and accepting resumes
for fd in 4 5 6 7; do eval "exec $fd<>/dev/tcp/$MIRROR_ADDR/$MIRROR_PORT"; done
paused() { grep -q 'max_connections (4) reached' "$MIRROR_LOG"; }
ok "max_connections reached: accepting paused (logged)" wait_until 5 paused
ok "a new client is served once the idle ones time out" serves
resumed() { grep -q 'below max_connections again' "$MIRROR_LOG"; }
ok "... and accepting resumed (logged)" wait_until 5 resumed
for fd in 4 5 6 7; do eval "exec $fd>&-"; done

ok "the mirror is still alive" alive "$MIRROR_PID"
stop_pid "$MIRROR_PID"; is "$?" 0 "and stops cleanly"
