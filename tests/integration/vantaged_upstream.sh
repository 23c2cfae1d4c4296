#!/bin/bash
# tests/integration/vantaged_upstream.sh - upstream failures: every upstream refusing (ICMP port
# unreachable) gives a fast SERVFAIL with EDE 22 for EDNS clients; a dead first upstream fails
# over to the second; a silent one times out and fails over; forged answers (wrong ID, wrong
# question, wrong source port) are ignored; a slow upstream within upstream_timeout is used.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 19

U=$(unique_addr)      # honest NSD
DEAD=$(unique_addr)   # nothing listens: the kernel answers ICMP port unreachable
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"

# --- all upstreams refuse
vantaged_conf "$T/dead.yaml" upstream="$DEAD:5300" upstream="$DEAD:5301"
start_vantaged "$T/dead.yaml" || bail_out "vantaged did not start"
t0=$(now_ms); out=$(vdig +time=5 www.example.test A); t1=$(now_ms)
is "$(dig_rcode <<< "$out")" SERVFAIL "all upstreams refusing: SERVFAIL"
cmp_ok $((t1 - t0)) -lt 2000 "all upstreams refusing: answered in under 2 s ($((t1 - t0)) ms)"
like "$out" "EDE: 22" "EDNS client gets EDE 22 (No Reachable Authority)"
out=$(vdig +time=5 +noedns www.example.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "client without EDNS: SERVFAIL"
unlike "$out" "OPT PSEUDOSECTION" "client without EDNS: no OPT record in the answer"
out=$(vdig +time=5 www.example.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "SERVFAIL again (not an answer invented from nowhere)"
ok "vantaged survives unreachable upstreams" alive "$VANTAGED_PID"
stop_pid "$VANTAGED_PID" > /dev/null

# --- failover: first upstream refuses, second answers
vantaged_conf "$T/failover.yaml" upstream="$DEAD:5300" upstream="$U:5300"
start_vantaged "$T/failover.yaml" || bail_out "vantaged did not start (failover)"
c0=$(count_nsd_queries "$U:5300")
t0=$(now_ms); out=$(vdig +time=5 +noall +answer www.example.test A | answer_norm); t1=$(now_ms)
is "$out" "$(printf 'www.example.test. IN A 127.192.0.1\nwww.example.test. IN A 127.192.0.2')" \
	"dead first upstream: the second one answers"
cmp_ok $((t1 - t0)) -lt 2000 "dead first upstream: in under 2 s ($((t1 - t0)) ms)"
cmp_ok "$(count_nsd_queries "$U:5300")" -gt "$c0" "the second upstream was asked"
stop_pid "$VANTAGED_PID" > /dev/null

# --- timeout: first upstream swallows queries, second answers
if [ -x "$TOOLS_DIR/dnsjunk" ]; then
	S=$(unique_addr)
	start_sink "$S" 5300 || bail_out "cannot start the black-hole upstream"
	vantaged_conf "$T/sink.yaml" upstream="$S:5300" upstream="$U:5300" timeout=1500ms
	start_vantaged "$T/sink.yaml" || bail_out "vantaged did not start (sink)"
	out=$(vdig +time=6 +noall +answer www.example.test AAAA | answer_norm)
	is "$out" "$(printf 'www.example.test. IN AAAA ::ffff:127.192.6.1\nwww.example.test. IN AAAA ::ffff:127.192.6.2')" \
		"silent first upstream: the second one answers before the client gives up"
	stop_pid "$VANTAGED_PID" > /dev/null

	# only the silent one: SERVFAIL once upstream_timeout (1500 ms) is spent, not much later
	vantaged_conf "$T/sinkonly.yaml" upstream="$S:5300" timeout=1500ms
	start_vantaged "$T/sinkonly.yaml" || bail_out "vantaged did not start (sink only)"
	t0=$(now_ms); out=$(vdig +time=8 mx1.example.test A); t1=$(now_ms)
	is "$(dig_rcode <<< "$out")" SERVFAIL "silent upstream only: SERVFAIL"
	cmp_ok $((t1 - t0)) -lt 3500 "silent upstream only: SERVFAIL within upstream_timeout + 2 s ($((t1 - t0)) ms)"
	cmp_ok $((t1 - t0)) -ge 1000 "silent upstream only: it did wait for the upstream"
	like "$out" "EDE: 22" "silent upstream only: EDE 22"
	ok "the silent upstream did receive the query" grep -q '^udp ' "$T/sink-$S-5300.log"
	stop_pid "$VANTAGED_PID" > /dev/null

	# forged answers race the real one
	F=$(unique_addr)
	spawn spoof "$TOOLS_DIR/dnsjunk" spoof "$F" 5300
	wait_until 5 grep -q listening "$T/spoof.log" || bail_out "cannot start the spoofing upstream"
	vantaged_conf "$T/spoof.yaml" upstream="$F:5300"
	start_vantaged "$T/spoof.yaml" || bail_out "vantaged did not start (spoof)"
	out=$(vdig +time=5 +noall +answer spoofme.example.test A | answer_norm)
	is "$out" "spoofme.example.test. IN A 127.192.0.77" \
		"answers with a wrong ID, a wrong question or from a wrong port are ignored"
	stop_pid "$VANTAGED_PID" > /dev/null

	# a slow but working upstream: 600 ms is well inside upstream_timeout (1500 ms)
	W=$(unique_addr)
	spawn slow "$TOOLS_DIR/dnsjunk" slow "$W" 5300 600
	wait_until 5 grep -q listening "$T/slow.log" || bail_out "cannot start the slow upstream"
	vantaged_conf "$T/slow.yaml" upstream="$W:5300" timeout=1500ms
	start_vantaged "$T/slow.yaml" || bail_out "vantaged did not start (slow)"
	is "$(vdig +time=5 +noall +answer late.example.test A | answer_norm)" "late.example.test. IN A 127.192.0.77" \
		"an upstream that answers in 600 ms (upstream_timeout 1500ms) is used"
	ok "vantaged is still running" alive "$VANTAGED_PID"
else
	skip "dnsjunk not built" 9
fi
