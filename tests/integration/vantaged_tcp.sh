#!/bin/bash
# tests/integration/vantaged_tcp.sh - truncation and TCP: an RRset larger than the EDNS buffer is
# fetched over TCP from the upstream after TC=1, a UDP client gets TC=1 (or all of it when its
# buffer is large enough), a TCP client gets all of it; several queries pipelined on one TCP
# connection are all answered, also more than one read callback takes at a time.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 15

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
vantaged_conf "$T/vantaged.yaml" upstream="$U:5300"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start"

want=$(qdig "$U" 5300 +tcp +noall +answer big.example.test TXT | answer_norm)
[ "$(wc -l <<< "$want")" = 9 ] || bail_out "the upstream does not serve the 9 big TXT records"

# UDP client, default 1232-byte buffer: the 2.4 KB RRset cannot fit
tcp0=$(nsd_stat "$U:5300" num.tcp)
out=$(vdig +ignore big.example.test TXT)
is "$(dig_rcode <<< "$out")" NOERROR "UDP client: NOERROR"
like "$(dig_flags <<< "$out")" "(^| )tc( |$)" "UDP client with a 1232-byte buffer gets TC=1"
size=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)/\1/p' <<< "$out")
cmp_ok "${size:-99999}" -le 1232 "the truncated answer fits the client's buffer"
cmp_ok "$(nsd_stat "$U:5300" num.tcp)" -gt "$tcp0" "vantaged retried over TCP after the upstream's TC=1"

out=$(vdig +ignore +noedns big.example.test TXT)
like "$(dig_flags <<< "$out")" "(^| )tc( |$)" "UDP client without EDNS (512 bytes) gets TC=1"

# TCP client: the whole RRset
is "$(vdig +tcp +noall +answer big.example.test TXT | answer_norm)" "$want" "TCP client gets all 9 TXT records"
# dig's own fallback: UDP, TC, then TCP
is "$(vdig +noall +answer big.example.test TXT | answer_norm)" "$want" "dig's automatic TCP retry gets all 9"

# UDP client with a 4096-byte buffer: TC=1, or the complete RRset
out=$(vdig +ignore +bufsize=4096 big.example.test TXT)
n=$(answer_norm <<< "$out" | grep -c ' TXT ')
if [[ $(dig_flags <<< "$out") =~ (^|\ )tc(\ |$) ]]; then
	pass "UDP client with a 4096-byte buffer: TC=1 (vantaged caps its answers)"
else
	is "$n" 9 "UDP client with a 4096-byte buffer: no TC, so all 9 records"
fi

# pipelining: every query written before any answer is read, on one connection
if [ -x "$TOOLS_DIR/dnsjunk" ]; then
	out=$("$TOOLS_DIR/dnsjunk" pipe "$VANTAGED_ADDR" "$VANTAGED_PORT" \
		pipe1.example.test pipe2.example.test pipe3.example.test www.example.test pipe4.example.test pipe5.example.test)
	st=$?
	is "$st" 0 "pipelined TCP: all 6 queries answered on one connection"
	got=$(sort <<< "$out")
	is "$got" "$(printf '%s\n' 'pipe1.example.test rcode=NOERROR an=1 first=127.192.0.31' \
		'pipe2.example.test rcode=NOERROR an=1 first=127.192.0.32' \
		'pipe3.example.test rcode=NOERROR an=1 first=127.192.0.33' \
		'pipe4.example.test rcode=NOERROR an=1 first=127.192.0.34' \
		'pipe5.example.test rcode=NOERROR an=1 first=127.192.0.35' \
		'www.example.test rcode=NOERROR an=2 first=127.192.0.1' | sort)" \
		"pipelined TCP: each answer matches its query ID"
	# again, now from the cache
	out=$("$TOOLS_DIR/dnsjunk" pipe "$VANTAGED_ADDR" "$VANTAGED_PORT" pipe1.example.test pipe2.example.test pipe3.example.test)
	is "$(wc -l <<< "$out")" 3 "pipelined TCP, cached: 3 answers"
	# 90 cached questions in one write: more than one read callback answers (32), so the
	# rest must be taken up again without new bytes from the client
	names=$(for i in $(seq 30); do printf 'pipe1.example.test pipe2.example.test pipe3.example.test '; done)
	out=$(timeout 20 "$TOOLS_DIR/dnsjunk" pipe "$VANTAGED_ADDR" "$VANTAGED_PORT" $names)
	is "$(grep -c 'rcode=NOERROR an=1' <<< "$out")" 90 "pipelined TCP, 90 cached in one write: 90 answers"
else
	skip "dnsjunk not built" 4
fi

if command -v kdig > /dev/null; then
	out=$(timeout 20 kdig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +tcp +keepopen +timeout=3 +noall +answer \
		pipe1.example.test A pipe2.example.test A big.example.test TXT | answer_norm)
	like "$out" "pipe1.example.test. IN A 127.192.0.31" "kdig +keepopen: first answer"
	is "$(grep -c ' TXT ' <<< "$out")" 9 "kdig +keepopen: big TXT on the same connection"
else
	skip "kdig not installed" 2
fi

ok "vantaged is still running" alive "$VANTAGED_PID"
