#!/bin/bash
# tests/integration/consensus_policy.sh - what the client gets when the mirrors cannot help or
# disagree: mirrors down (nobody listens) answer quickly with EDE 22 under on_insufficient:
# flag, SERVFAIL + EDE 22 under refuse; mirrors that hang are waited for until consensus.timeout
# and no longer.  monitor mode serves the poisoned answer at once, then flags it (EDE 0) once
# the verdict is in.  on_dissent: consensus serves the mirrors' answer with EDE 4.  SIGTERM while
# a question waits for the mirrors exits cleanly under valgrind.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq
require_vantaged
require_mirror
[ -x "$TOOLS_DIR/dnsjunk" ] || skip_all "dnsjunk not built (make check builds it)"
tap_plan 33

# --- the world
for v in honest eu us ap; do cons_view "$v" "$v.zone" || bail_out "cannot start the $v view"; done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
DEAD=$(unique_addr)	# nobody listens there: connections are refused at once
HANG=$(unique_addr)	# accepts TCP connections and never says a word
for p in 4431 4432 4433; do start_sink "$HANG" "$p" || bail_out "cannot start a sink on $HANG:$p"; done

vd() {
	local name=$1; shift
	[ -n "$VANTAGED_PID" ] && stop_pid "$VANTAGED_PID"
	cons_vconf "$T/$name.yaml" dissent="$T/$name.jsonl" "$@"
	start_vantaged "$T/$name.yaml" || bail_out "vantaged ($name) did not start"
}
# timed NAME ARGS...: vdig, output in $OUT, milliseconds in $MS
timed() { local t0; t0=$(now_ms); OUT=$(vdig "$@"); MS=$(( $(now_ms) - t0 )); }

# --- 5. mirrors down
vd down mirrors="eu@$DEAD:4431 us@$DEAD:4432 ap@$DEAD:4433" c.timeout=1500ms
timed honest1.example.test A
is "$(dig_rcode <<< "$OUT")/$(answer_norm <<< "$OUT")" "NOERROR/honest1.example.test. IN A 127.193.215.101" \
	"mirrors down, on_insufficient: flag: answered"
is "$(ede_of <<< "$OUT")" "22 vantage: no mirror reachable (3 asked)" "... with EDE 22"
cmp_ok "$MS" -lt 2000 "... quickly (${MS} ms; consensus.timeout 1500 ms + 500 ms margin)"
ok "... logged as not verified" log_has \
	'consensus: honest1\.example\.test\.? A: not verified \(vantage: no mirror reachable \(3 asked\)\): flag'
timed honest2.example.test A
is "$(dig_rcode <<< "$OUT")/$(ede_of <<< "$OUT")" "NOERROR/22 vantage: no mirror reachable (3 asked)" \
	"a second name while the mirrors back off: the same"
cmp_ok "$MS" -lt 2000 "... quickly too (${MS} ms)"

vd down_refuse mirrors="eu@$DEAD:4431 us@$DEAD:4432 ap@$DEAD:4433" c.on_insufficient=refuse
timed honest3.example.test A
is "$(dig_rcode <<< "$OUT")/$(answer_norm <<< "$OUT")" "SERVFAIL/" "mirrors down, on_insufficient: refuse: SERVFAIL, no address"
is "$(ede_of <<< "$OUT")" "22 vantage: no mirror reachable (3 asked)" "... with EDE 22"
cmp_ok "$MS" -lt 2000 "... quickly (${MS} ms)"

vd hang mirrors="eu@$HANG:4431 us@$HANG:4432 ap@$HANG:4433" c.timeout=800ms
timed honest4.example.test A
is "$(dig_rcode <<< "$OUT")/$(answer_norm <<< "$OUT")" "NOERROR/honest4.example.test. IN A 127.193.215.104" \
	"mirrors that hang (timeout 800 ms): answered"
is "$(ede_of <<< "$OUT")" "22 vantage: no mirror reachable (3 asked)" "... with EDE 22"
cmp_ok "$MS" -ge 700 "... after waiting for them (${MS} ms)"
cmp_ok "$MS" -lt 1500 "... but no longer than consensus.timeout + margin"

# --- 7. monitor mode: the answer at once, the verdict flags and logs
vd monitor_hang mirrors="eu@$HANG:4431 us@$HANG:4432 ap@$HANG:4433" c.mode=monitor c.timeout=2s
timed poisoned.example.test A
is "$(answer_norm <<< "$OUT")" "poisoned.example.test. IN A 127.198.100.66" \
	"monitor mode, mirrors hanging: the (poisoned) local answer"
cmp_ok "$MS" -lt 1000 "... at once (${MS} ms; enforce would wait for the 2 s timeout)"

vd monitor mirrors="eu us ap" c.mode=monitor
out=$(vdig poisoned.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/poisoned.example.test. IN A 127.198.100.66" \
	"monitor mode, honest mirrors: the poisoned answer is served"
ok "... the dissent is logged with action flag" wait_until 5 log_has \
	'consensus: poisoned\.example\.test\.? A: [23] of 3 mirrors dissent \(local 127\.198\.100\.66\): flag'
out=$(vdig poisoned.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/poisoned.example.test. IN A 127.198.100.66" \
	"... asked again: still served"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.198\.100\.66\)$' \
	"... now flagged with EDE 0"
is "$(jq -r '[.name, .local, .action] | join(" ")' "$T/monitor.jsonl" 2>&1 | sort -u)" \
	"poisoned.example.test. 127.198.100.66 flag" "... and a JSON line with action flag"
is "$(vdig www.example.test A | ede_of)" "" "monitor mode, honest name: no EDE"

# --- 8. on_dissent: consensus - the mirrors' answer replaces the local one
vd consensus mirrors="eu us ap" c.on_dissent=consensus
out=$(vdig poisoned.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/poisoned.example.test. IN A 127.193.215.66" \
	"on_dissent: consensus: the mirrors' address is served instead of 127.198.100.66"
is "$(ede_of <<< "$out")" "4 vantage: local answer (127.198.100.66) replaced by the mirrors' consensus" \
	"... with EDE 4 (Forged Answer)"
out=$(vdig bank.example.test A)
is "$(answer_norm <<< "$out")" "bank.example.test. IN A 127.193.215.80" "... bank: the mirrors' address too"
like "$(ede_of <<< "$out")" '^4 vantage: local answer \(127\.145\.77\.80\) replaced' "... with EDE 4"
out=$(vdig poisoned.example.test A)
is "$(answer_norm <<< "$out")/$(ede_of <<< "$out" | cut -d' ' -f1)" "poisoned.example.test. IN A 127.193.215.66/4" \
	"... asked again (local answer cached): the consensus answer again"
ok "warning logged with action consensus" log_has \
	'consensus: poisoned\.example\.test\.? A: [23] of 3 mirrors dissent \(local 127\.198\.100\.66\): consensus'
is "$(jq -r .action "$T/consensus.jsonl" 2>&1 | sort -u)" "consensus" "JSON lines say action consensus"
is "$(vdig www.example.test A | ede_of)" "" "an honest name: no EDE"

# --- per-zone overrides: the global setting refuses, one zone only flags
vd overrides mirrors="eu us ap" c.on_dissent=refuse \
	'c.overrides=[ { zone: bank.example.test, on_dissent: flag } ]'
out=$(vdig poisoned.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "overrides: outside the zone the global on_dissent (refuse) holds"
out=$(vdig bank.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/bank.example.test. IN A 127.145.77.80" \
	"... inside bank.example.test its override (flag) serves the local answer"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.145\.77\.80\)$' "... flagged with EDE 0"

# --- SIGTERM while a question waits for hanging mirrors: a clean exit, nothing leaked
if can_valgrind "$VANTAGED"; then
	stop_pid "$VANTAGED_PID"
	cons_vconf "$T/term.yaml" mirrors="eu@$HANG:4431 us@$HANG:4432 ap@$HANG:4433" c.timeout=10s
	VANTAGED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" VANTAGED_START_TIMEOUT=30 \
		start_vantaged "$T/term.yaml" || bail_out "vantaged under valgrind did not start"
	vdig +time=1 honest5.example.test A > /dev/null	# gives up after 1 s; the check still waits
	stop_pid "$VANTAGED_PID" 20
	is "$?" 0 "SIGTERM with a check in flight: exit 0 under valgrind (no leak)"
else
	skip "valgrind not installed, or an ASAN build"
fi
