#!/bin/bash
# tests/adversary/adv_h2_flood.sh - issue 13: vantage-mirror speaks HTTP/2, so an outsider can
# multiplex. Each attack of the HTTP/2 playbook, from one address with a raw-frame client
# (h2attack.py, Debian's python3-h2): rapid reset (CVE-2023-44487) ends in GOAWAY
# ENHANCE_YOUR_CALM; streams past SETTINGS_MAX_CONCURRENT_STREAMS are refused; a header list
# past limits.max_header resets its stream; a CONTINUATION flood, a PING flood, a SETTINGS
# flood and a client PUSH_PROMISE end the connection; a header block or bodies that never end
# meet header_timeout and body_timeout; an idle connection is closed; HTTP/2 connections count
# against the per-address cap. Meanwhile an honest client at another address is answered
# promptly, and afterwards no connection is left behind.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs curl python3 basenc
require_mirror
H2PY=/usr/bin/python3
"$H2PY" -c 'import h2, hyperframe, hpack' 2> /dev/null || skip_all "Debian's python3-h2 is needed"
curl -V | grep -qw HTTP2 || skip_all "curl without HTTP/2"
tap_plan 31

U=$(unique_addr) L=$(unique_addr) A=$(unique_addr) B=$(unique_addr) || bail_out "no address"
spawn slowdns python3 "$top_srcdir/tests/integration/mirror/slowdns.py" "$U" 5300 1500
wait_until 10 grep -q listening "$T/slowdns.log" || bail_out "slowdns did not start"
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"limits: { max_connections: 64, max_per_address: 4, idle_timeout: 3s, header_timeout: 2s, body_timeout: 2s, max_header: 4096 }"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"

# DNS questions: fast.example.test answers at once, slowone.example.test 1.5 s later.
q64() {
	python3 -c 'import base64, struct, sys
q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split(".")) + b"\0" + struct.pack(">HH", 1, 1)
print(base64.urlsafe_b64encode(q).decode().rstrip("="))' "$1"
}
FAST=/dns-query?dns=$(q64 fast.example.test) SLOW=/dns-query?dns=$(q64 slowone.example.test)
attack() { timeout 40 "$H2PY" "$top_srcdir/tests/adversary/h2attack.py" --connect "$MIRROR_ADDR:$MIRROR_PORT" \
	--ca "$T/keys/ca.pem" --source "$A" "$@" 2>&1; }
# The honest client, from B over HTTP/2: "CODE SECONDS".
honest() {
	curl -sS --http2 --max-time 5 --interface "$B" --cacert "$T/keys/ca.pem" -o "$T/honest.bin" \
		-w '%{http_code} %{time_total}' "https://$MIRROR_ADDR:$MIRROR_PORT$FAST"
}
prompt() { local out; out=$(honest); [ "${out% *}" = 200 ] && awk -v t="${out#* }" 'BEGIN { exit !(t < 1) }'; }
health() { curl -sS --http2 --max-time 5 --interface "$B" --cacert "$T/keys/ca.pem" "https://$MIRROR_ADDR:$MIRROR_PORT/v1/health"; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
at() { awk -v e="$1" '$2 == e { print $1; exit }'; }	# the time of the first EVENT line

ok "the honest client is answered before the attacks" prompt

# Rapid reset: 5000 HEADERS+RST_STREAM pairs.
out=$(attack --path "$SLOW" --count 5000 --wait 3 rapid-reset)
like "$out" "goaway ENHANCE_YOUR_CALM" "rapid reset: GOAWAY ENHANCE_YOUR_CALM"
like "$out" "closed" "... and the connection is closed"
n=$(sed -n 's/.* sent-resets \([0-9]*\)$/\1/p' <<< "$out")
cmp_ok "${n:-5000}" -lt 5000 "... before the attacker got all its resets in ($n sent)"
ok "... the honest client is answered promptly" prompt

# 300 slow streams at once on one connection: 100 are served, the rest refused.
spawn flood attack --path "$SLOW" --count 300 --wait 4 streams
ok "stream flood: the streams past the limit are refused" wait_until 10 grep -q refused "$T/flood.log"
ok "... and meanwhile the honest client is answered promptly" prompt
wait_until 15 grep -q '^[0-9.]* end$' "$T/flood.log"
like "$(cat "$T/flood.log")" "refused 200" "... exactly the 200 past SETTINGS_MAX_CONCURRENT_STREAMS (100)"
like "$(cat "$T/flood.log")" "answered 100" "... while the 100 within it are answered"

# A header list past max_header (4096): 60 headers of 100 bytes.
out=$(attack --count 60 --wait 1 headers)
like "$out" "reset 1 " "header list past limits.max_header: the stream is reset"
like "$out" "answered 0" "... unanswered"
# CONTINUATION frames without end.
out=$(attack --count 5000 --wait 3 continuation)
like "$out" "closed" "CONTINUATION flood: the connection is closed"
t=$(at closed <<< "$out")
ok "... at once (${t}s)" awk -v t="$t" 'BEGIN { exit !(t != "" && t < 1.5) }'
# A header block that never ends.
out=$(attack --wait 6 slow-headers)
like "$out" "goaway PROTOCOL_ERROR" "a header block that never ends: GOAWAY"
t=$(at goaway <<< "$out")
ok "... at header_timeout (2 s; ${t}s)" awk -v t="$t" 'BEGIN { exit !(t >= 1.8 && t < 4) }'

# 100 POST bodies that never end, while the honest client asks.
spawn slowbody attack --count 100 --wait 6 slow-body
wait_until 10 grep -q sent "$T/slowbody.log" || diag "the slow bodies were not sent"
ok "slow bodies: the honest client is answered meanwhile" prompt
ok "... the 100 bodies are cut off" wait_until 15 grep -q "reset 100 CANCEL" "$T/slowbody.log"

# PING and SETTINGS floods, a client PUSH_PROMISE, an idle connection.
out=$(attack --count 200000 --wait 8 ping)
like "$out" "closed" "PING flood: the connection is closed"
t=$(at closed <<< "$out")
ok "... by idle_timeout at the latest (3 s; ${t}s): PINGs do not keep it alive" awk -v t="$t" 'BEGIN { exit !(t != "" && t < 6) }'
out=$(attack --count 100000 --wait 8 settings)
like "$out" "closed" "SETTINGS flood: the connection is closed"
out=$(attack --wait 3 push)
like "$out" "goaway PROTOCOL_ERROR" "a client PUSH_PROMISE: GOAWAY PROTOCOL_ERROR"
out=$(attack --wait 8 idle)
like "$out" "goaway NO_ERROR" "an idle connection gets GOAWAY"
t=$(at goaway <<< "$out")
ok "... after idle_timeout (3 s; ${t}s)" awk -v t="$t" 'BEGIN { exit !(t >= 2.5 && t < 5) }'

# HTTP/2 connections count against max_per_address (4) like HTTP/1.1 ones.
for i in 1 2 3 4 5 6; do spawn "idle$i" attack --wait 5 idle; done
settled() { [ "$(grep -l ' sent$\|connect-failed' "$T"/idle?.log 2> /dev/null | wc -l)" = 6 ]; }
ok "six h2 connections from one address all settle" wait_until 10 settled
is "$(grep -l ' sent$' "$T"/idle?.log | wc -l)" 4 "... four get in (limits.max_per_address)"
is "$(grep -l connect-failed "$T"/idle?.log | wc -l)" 2 "... and two are refused"
for i in 1 2 3 4 5 6; do wait_until 10 grep -q ' end$\|connect-failed' "$T/idle$i.log"; done

# Afterwards: nothing left behind, the guard counted the deadlines, still serving.
h=$(health)
is "$(field connections <<< "$h")" 1 "no attack connection is left open (only this health check)"
cmp_ok "$(field header_timeouts <<< "$h")" -ge 1 "the guard counted the header deadline"
cmp_ok "$(field body_timeouts <<< "$h")" -ge 100 "... and the 100 body deadlines"
ok "the honest client is answered after the attacks" prompt
stop_pid "$MIRROR_PID"; rc=$?
is "$rc" 0 "the mirror stops cleanly (exit 0: no crash, no leak under ASAN)"
