#!/bin/bash
# tests/integration/consensus_faults.sh - mirrors killed while a question waits for them: the
# question is answered at once with EDE 22 (not at consensus.timeout), nothing is left pending,
# and vantaged keeps answering.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl
require_vantaged
require_mirror
[ -x "$TOOLS_DIR/dnsjunk" ] || skip_all "dnsjunk not built (make check builds it)"
tap_plan 6

cons_view honest honest.zone || bail_out "cannot start the honest view"
# The mirrors' own upstream answers after 4 s: their questions are in flight when they die.
SLOW=$(unique_addr)
spawn slowup "$TOOLS_DIR/dnsjunk" slow "$SLOW" 5300 4000
wait_until 5 grep -q listening "$T/slowup.log" || bail_out "dnsjunk slow did not start"
VIEW[slow]=$SLOW:5300
for r in eu us ap; do cons_mirror "$r" "$r" slow || bail_out "mirror $r did not start"; done
cons_vconf "$T/v.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap" c.timeout=6s
start_vantaged "$T/v.yaml" || bail_out "vantaged did not start"

vdig +time=10 +tries=1 honest1.example.test A > "$T/q.out" 2>&1 &
qpid=$!
ok "the three mirrors are asking their (slow) upstream" \
	wait_until 10 sh -c "[ \$(grep -c 'honest1' '$T/slowup.log') -ge 3 ]"
t0=$(now_ms)
kill -KILL "${MPID[eu]}" "${MPID[us]}" "${MPID[ap]}"
wait "$qpid"
t1=$(now_ms)
out=$(cat "$T/q.out")
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/honest1.example.test. IN A 127.193.215.101" \
	"mirrors killed mid-question: the local answer is served (on_insufficient: flag)"
is "$(ede_of <<< "$out")" "22 vantage: no mirror reachable (3 asked)" "... with EDE 22"
cmp_ok $((t1 - t0)) -lt 3000 "... as soon as the connections dropped ($((t1 - t0)) ms), not at the 6 s timeout"
ok "vantaged is still running" alive "$VANTAGED_PID"
is "$(vdig +short www.example.test A | head -n 1)" "127.193.215.14" "... and still answers"
