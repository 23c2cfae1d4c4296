#!/bin/bash
# tests/adversary/adv_slowloris.sh - issue 12 finding 5, mirror slowloris. One address opened more
# TLS connections than max_connections and dribbled a header byte now and then: evhttp's idle
# timeout restarts at every byte, so the slots stayed taken and every other client was locked
# out. Now one address (IPv6: one /64) gets limits.max_per_address connections, the rest are
# closed at once, and a connection whose TLS handshake, request headers or request body is not
# complete within its deadline is closed. Meanwhile a client from another address gets DoH
# answers promptly.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs nsd curl python3
require_mirror
tap_plan 16

DRIBBLER=$top_srcdir/tests/adversary/dribbler.py
U=$(unique_addr) L=$(unique_addr) A=$(unique_addr) B=$(unique_addr) C=$(unique_addr) D=$(unique_addr) E=$(unique_addr) ||
	bail_out "no address"
mirror_zone "$T/example.test.zone"
start_nsd "$U" 5300 example.test "$T/example.test.zone" || bail_out "cannot start nsd"
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"
# Room for 40 connections; 8 per address; short deadlines so that the test is quick. The idle
# timeout stays long: it is not what must end the dribblers.
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"limits: { max_connections: 40, idle_timeout: 60s, max_per_address: 8, handshake_timeout: 2s, header_timeout: 3s, body_timeout: 3s }"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"

# A DoH GET for www.example.test A, from address B (curl --interface), with its total time.
Q=$(python3 -c 'import base64, struct
q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in "www.example.test".split(".")) + b"\0" + struct.pack(">HH", 1, 1)
print(base64.urlsafe_b64encode(q).decode().rstrip("="))')
doh_from() {
	curl -sS --max-time 5 --interface "$1" --cacert "$T/keys/ca.pem" -o "$T/doh.bin" \
		-w '%{http_code} %{time_total}' "https://$MIRROR_ADDR:$MIRROR_PORT/dns-query?dns=$Q"
}
# www.example.test A 127.192.0.1 (lib_mirror.sh's zone): 7f c0 00 01 as RDATA.
answers_www() { od -An -tx1 "$T/doh.bin" | tr -d ' \n' | grep -q '00047fc00001'; }
count() { grep -c " $2\$" "$1" 2> /dev/null || true; }
has_count() { [ "$(count "$1" "$2")" -ge "$3" ]; }
health() { curl -sS --max-time 5 --interface "$B" --cacert "$T/keys/ca.pem" "https://$MIRROR_ADDR:$MIRROR_PORT/v1/health"; }

# 48 connections from A (more than max_connections), a header byte every 0.5 s, for 15 s.
spawn drib-a python3 "$DRIBBLER" --connect "$MIRROR_ADDR:$MIRROR_PORT" --source "$A" --count 48 \
	--interval 0.5 --stage headers --duration 15
ok "8 of A's connections complete their handshake" wait_until 10 has_count "$T/drib-a.log" "handshake ok" 8
ok "the other 40 are refused" wait_until 10 has_count "$T/drib-a.log" refused 40
is "$(count "$T/drib-a.log" "handshake ok")" 8 "... and no more than 8 got in"
ok "the mirror says why, once" log_has "$A holds 8 connections \(limits.max_per_address" "$MIRROR_LOG"

# While A's dribblers hold their 8 slots, B is served at once.
out=$(doh_from "$B")
like "$out" "^200 " "a DoH question from another address is answered (HTTP 200)"
ok "... with the record" answers_www
ok "... promptly (under 2 s: $out)" awk "BEGIN { exit !(${out#* } < 2) }"

# The header deadline ends A's dribblers: 3 s after their first byte, not 30 s or never.
ok "A's 8 dribblers are closed by the header deadline" wait_until 10 has_count "$T/drib-a.log" closed 8
late=$(awk '/handshake ok/ { h[$3] = $1 } / closed$/ { d = $1 - h[$3]; if (d < 2.5 || d > 7) print $3 ": " d }' "$T/drib-a.log")
is "$late" "" "each was closed 3 s (+ slack) after its handshake"
ok "A's slots are free again: A is served" sh -c "curl -sS --max-time 5 --interface $A --cacert $T/keys/ca.pem -o /dev/null -w '%{http_code}' https://$MIRROR_ADDR:$MIRROR_PORT/v1/health | grep -q 200"

# A stalled handshake (TCP only, no ClientHello) from C: closed by the handshake deadline.
spawn drib-c python3 "$DRIBBLER" --connect "$MIRROR_ADDR:$MIRROR_PORT" --source "$C" --count 4 \
	--interval 0.2 --stage tls --duration 12
ok "stalled handshakes are closed" wait_until 10 has_count "$T/drib-c.log" closed 4
late=$(awk '/ closed$/ { if ($1 < 1.5 || $1 > 6) print $3 ": " $1 }' "$T/drib-c.log")
is "$late" "" "... 2 s (+ slack) after connecting"

# A dribbled body from D (headers complete, 4000 bytes announced, one byte every 0.5 s).
spawn drib-d python3 "$DRIBBLER" --connect "$MIRROR_ADDR:$MIRROR_PORT" --source "$D" --count 2 \
	--interval 0.5 --stage body --duration 12
ok "dribbled bodies are closed by the body deadline" wait_until 10 has_count "$T/drib-d.log" closed 2

# Review finding 12: a chunked body whose data holds a fake end ("\n0\n\n"), then "x\n\n"
# every 0.5 s: the guard took those for the body's end and new requests, and restarted the
# deadlines while evhttp still read one chunk. The body deadline must end them.
spawn drib-e python3 "$DRIBBLER" --connect "$MIRROR_ADDR:$MIRROR_PORT" --source "$E" --count 2 \
	--interval 0.5 --stage chunked --duration 12
ok "chunked bodies with a fake end are closed by the body deadline" \
	wait_until 10 has_count "$T/drib-e.log" closed 2

h=$(health)
like "$h" '"guard":\{"refused":[1-9][0-9]+,"handshake_timeouts":[1-9][0-9]*,"header_timeouts":[1-9][0-9]*,"body_timeouts":[1-9][0-9]*\}' \
	"/v1/health counts refusals and each kind of deadline"
ok "through all of it, B is still served" sh -c "curl -sS --max-time 5 --interface $B --cacert $T/keys/ca.pem -o /dev/null -w '%{http_code}' 'https://$MIRROR_ADDR:$MIRROR_PORT/dns-query?dns=$Q' | grep -q 200"
