#!/bin/bash
# tests/integration/dashboard_http.sh - the dashboard as a client on the LAN would probe it: the
# pages and the API answer with CSP/nosniff and no CORS; the ACL refuses (403) a client it does
# not allow; unknown pages 404; other methods 405 (POST only with the token: 401 without it,
# the flush with it); bodies past the cap 413; path traversal in every spelling finds nothing
# but 404/400 (the pages come from memory); a Host that is not an IP literal or a listed name
# (DNS rebinding) 421; explain is rate-limited (429); the connection cap holds a flood of idle
# connections without taking the daemon's descriptors, DNS keeps answering, and the dashboard
# serves again once they are gone; a reload can move or remove it.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig jq curl python3
require_vantaged
tap_plan 59

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
ALLOWED=$(unique_addr) OTHER=$(unique_addr)
DADDR=$(unique_addr)
TOKEN=0123456789abcdef-test-token
conf=$T/vantaged.yaml
LISTEN=$(unique_addr):0
dash_yaml() {	# dash_yaml [LISTEN]
	printf 'dashboard: { listen: "%s", root: "%s", token: "%s", hostnames: [router.lan] }\n' \
		"${1:-$DADDR:0}" "$top_srcdir/share/dashboard" "$TOKEN"
	printf 'acl:\n  - { from: "%s", action: allow }\n  - { from: "%s", action: allow }\n  - { from: "%s", action: refuse }\n' \
		"$ALLOWED" "$DADDR" "$OTHER"
}
vantaged_conf "$conf" listen="$LISTEN" upstream="$U:5300" level=info extra="$(dash_yaml)"
start_vantaged "$conf" || bail_out "vantaged did not start"
dash_port() { sed -n 's|.*dashboard: serving http://[0-9.]*:\([0-9]*\)/.*|\1|p' "$VANTAGED_LOG" | tail -n 1; }
P=$(dash_port)
B=http://$DADDR:$P
# curl from the allowed address; -s -o body -w code
hc() { timeout 20 curl -s --interface "$ALLOWED" -o "$T/body" -D "$T/head" -w '%{http_code}' "$@"; }
hdr() { tr -d '\r' < "$T/head" | sed -n "s/^$1: //Ip" | head -n 1; }

is "$(hc "$B/")" 200 "GET / from an allowed client: 200"
like "$(cat "$T/body")" "<title>vantage: status</title>" "GET /: the status page"
is "$(hdr Content-Security-Policy)" "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" "CSP: 'self' only, no framing"
is "$(hdr X-Content-Type-Options)" nosniff "X-Content-Type-Options: nosniff"
is "$(hc -H 'Origin: http://evil.example' "$B/api/status")" 200 "GET /api/status with a foreign Origin: 200"
is "$(grep -ci '^access-control' "$T/head")" 0 "no CORS header, whatever the Origin"
is "$(hdr Content-Type)" application/json "the API is application/json"
is "$(jq -r '.ok,.command' "$T/body" | tr '\n' ' ')" "true status " "the API's envelope is the control socket's"
is "$(hc "$B/dashboard.js")" 200 "the script is served"
is "$(hdr Content-Type)" "text/javascript; charset=utf-8" "with its type"
unlike "$(cat "$T/body")" "innerHTML *=" "the pages never assign innerHTML"
is "$(hc -I "$B/mirrors.html")" 200 "HEAD: 200"

# --- the ACL of the DNS listeners
is "$(timeout 20 curl -s --interface "$OTHER" -o /dev/null -w '%{http_code}' "$B/api/status")" 403 \
	"a client the ACL refuses: 403"
is "$(timeout 20 curl -s --interface 127.0.0.1 -o "$T/body" -w '%{http_code}' "$B/")" 403 \
	"a client no ACL rule covers: 403"
unlike "$(cat "$T/body")" "vantage: status" "the refused client sees no page"

# --- methods, bodies, unknown pages
is "$(hc "$B/nothing.html")" 404 "an unknown page: 404"
is "$(hc "$B/api/nothing")" 404 "an unknown API: 404"
is "$(hc -X PUT "$B/api/status")" 405 "PUT: 405"
is "$(hdr Allow)" "GET, HEAD, POST" "405 says what is allowed"
is "$(hc -X DELETE "$B/")" 405 "DELETE: 405"
is "$(hc -X POST "$B/api/status")" 405 "POST to a read-only API: 405"
is "$(hc -X POST "$B/api/cache/flush")" 401 "POST /api/cache/flush without the token: 401"
is "$(hc -X POST -H "Authorization: Bearer ${TOKEN}x" "$B/api/cache/flush")" 401 "with a wrong token: 401"
is "$(hc -X POST -H "Authorization: Bearer ${TOKEN:0:10}" "$B/api/cache/flush")" 401 "with a prefix of the token: 401"
is "$(hc -X POST -H "Authorization: Bearer $TOKEN" "$B/api/cache/flush?name=www.example.test")" 200 \
	"with the token: 200"
is "$(jq -r '.command,.flushed.answers' "$T/body" | tr '\n' ' ')" "cache flush 0 " "the flush answers like vantagectl's"
head -c 4096 /dev/zero > "$T/big"
is "$(hc -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$T/big" "$B/api/cache/flush")" 413 \
	"a body past the cap: 413"
is "$(hc -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$B/")" 400 "headers past the cap: refused"

# --- path traversal: the pages are a table in memory, a request names an entry or nothing
for p in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/..%2f..%2fetc%2fpasswd' \
	'//etc/passwd' '/dashboard.js/../../etc/passwd' '/index.html%00.js' '/.%2e/vantaged.yaml' \
	'/%2fetc%2fpasswd' '/..\\..\\etc\\passwd'; do
	code=$(hc --path-as-is "$B$p")
	ok "traversal $p: refused ($code)" test "$code" = 404 -o "$code" = 400
done
nok "no traversal answer carried /etc/passwd" grep -q 'root:' "$T/body"
code=$(printf 'GET http://%s:%s/../../etc/passwd HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' \
	"$DADDR" "$P" "$DADDR" | timeout 10 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=(sys.argv[3], 0))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).split()[1].decode())' "$DADDR" "$P" "$ALLOWED")
is "$code" 400 "an absolute-URI request target: 400"

# --- DNS rebinding: only IP literals, localhost and dashboard.hostnames
is "$(hc -H 'Host: attacker.example' "$B/api/status")" 421 "Host: a foreign name: 421"
is "$(hc -H 'Host: router.lan:8053' "$B/api/status")" 200 "Host: a listed name: 200"
is "$(hc -H 'Host: [::1]:8053' "$B/api/status")" 200 "Host: an IPv6 literal: 200"
is "$(hc -H 'Host:' "$B/api/status")" 421 "no Host: 421"

# --- explain: fresh work for the upstream, so bounded
is "$(hc "$B/api/explain?name=www.example.test&type=A")" 200 "explain: 200"
is "$(jq -r '.command,.name,.checked' "$T/body" | tr '\n' ' ')" "explain www.example.test. false " \
	"explain: what vantagectl explain says"
is "$(hc "$B/api/explain?name=bad..name")" 400 "explain of a bad name: 400"
codes=""
for i in $(seq 1 12); do codes+=" $(hc "$B/api/explain?name=n$i.example.test")"; done
like "$codes" "429" "explains past the rate: 429 ($codes)"

# --- the connection caps: floods of idle connections
nfds() { ls /proc/"$VANTAGED_PID"/fd | wc -l; }
flood() {	# flood TAG N SRC...: N idle connections from each SRC, until $T/TAG.stop exists
	local tag=$1 n=$2; shift 2
	python3 - "$DADDR" "$P" "$n" "$T/$tag.ready" "$T/$tag.stop" "$@" > "$T/$tag.log" 2>&1 <<'PY' &
import os, socket, sys, time
a, p, n, ready, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
socks = []
for src in sys.argv[6:]:
	for i in range(n):
		s = socket.socket()
		s.setblocking(False)
		s.bind((src, 0))
		try:
			s.connect((a, p))
		except BlockingIOError:
			pass
		socks.append(s)
open(ready, "w").close()
for _ in range(300):
	if os.path.exists(stop):
		break
	time.sleep(0.1)
PY
	FLOOD=$!
	wait_until 10 test -e "$T/$tag.ready"
}
fds_before=$(nfds)
flood one 100 "$OTHER"
ok "one client's flood: the daemon takes its share" wait_until 10 test "$(nfds)" -ge $((fds_before + 8))
is "$(hc "$B/api/status")" 200 "one client's flood: another client is served meanwhile"
fds_during=$(nfds)
ok "one client holds at most 8 connections ($fds_before -> $fds_during)" \
	test "$fds_during" -le $((fds_before + 8 + 2))
touch "$T/one.stop"; wait "$FLOOD"
ok "its connections are counted down" wait_until 15 test "$(nfds)" -le $((fds_before + 2))
F1=$(unique_addr) F2=$(unique_addr) F3=$(unique_addr) F4=$(unique_addr) F5=$(unique_addr)
flood many 40 "$F1" "$F2" "$F3" "$F4" "$F5"
ok "200 idle connections from 5 clients: the daemon takes up to the cap" \
	wait_until 10 test "$(nfds)" -ge $((fds_before + 30))
qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" -b "$ALLOWED" mx2.example.test A +short > /dev/null	# loop turns pass
fds_during=$(nfds)
ok "they take at most the cap of descriptors ($fds_before -> $fds_during)" \
	test "$fds_during" -le $((fds_before + 32 + 2))
is "$(qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" -b "$ALLOWED" mx1.example.test A +short)" "127.192.0.25" \
	"DNS still answers during the flood"
touch "$T/many.stop"; wait "$FLOOD"
ok "once they are gone the dashboard serves again" wait_until 15 test "$(hc "$B/api/status")" = 200

# --- reload: a new address, then none
D2=$(unique_addr)
vantaged_conf "$conf" listen="$LISTEN" upstream="$U:5300" level=info extra="$(dash_yaml "$D2:0")"
kill -HUP "$VANTAGED_PID"
ok "reload: the dashboard moved" wait_until 10 grep -q "dashboard: serving http://$D2:" "$VANTAGED_LOG"
P2=$(dash_port)
is "$(timeout 10 curl -s --interface "$ALLOWED" -o /dev/null -w '%{http_code}' "http://$D2:$P2/api/status")" 200 "reload: the new address serves"
vantaged_conf "$conf" listen="$LISTEN" upstream="$U:5300" level=info
kill -HUP "$VANTAGED_PID"
ok "reload without dashboard: it stops" wait_until 10 grep -q "dashboard: removed" "$VANTAGED_LOG"
is "$(timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$D2:$P2/api/status")" 000 "nothing listens any more"
