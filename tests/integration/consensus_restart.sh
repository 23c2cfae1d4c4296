#!/bin/bash
# tests/integration/consensus_restart.sh - verified verdicts survive a restart: names agreed by
# three honest mirrors are saved to cache.state_file at SIGTERM; with every mirror then stopped,
# a new vantaged on the same state file answers them (the upstream is asked again, its answer has
# the same content) without asking a mirror, so without EDE 22, while a name it never verified
# gets EDE 22. A run ended by SIGKILL, before any save, loses nothing either: its journal is
# replayed at the next start.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl
require_vantaged
require_mirror
tap_plan 27

# --- the world
for v in honest eu us ap; do cons_view "$v" "$v.zone" || bail_out "cannot start the $v view"; done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
isp_asked() { grep -c "query\[$2\] $1 " "$T/isp-queries.log"; }

# --- before the restart: three names verified
cons_vconf "$T/vd.yaml" mirrors="eu us ap" state="$T/state"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
for q in "honest1.example.test A" "www.example.test AAAA" "mx.example.test MX"; do
	# shellcheck disable=SC2086
	out=$(vdig $q)
	is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "first run: $q verified (NOERROR, no EDE)"
done
ok "... by the mirrors" log_has 'consensus: honest1\.example\.test\.? A: [23] of 3 mirrors corroborate'
n=0; for r in eu us ap; do n=$((n + $(mirror_queries "$r"))); done
cmp_ok "$n" -ge 6 "the mirrors were asked (dns_queries $n)"
stop_pid "$VANTAGED_PID"
is "$?" 0 "SIGTERM: vantaged exits 0"
ok "... saving the verified cache" log_has "cache: saved [3-9] verified entries to $T/state"
ok "the state file exists" test -s "$T/state"

# --- SIGKILL before any save: the journal alone keeps the verdicts
cons_vconf "$T/vk.yaml" mirrors="eu us ap" state="$T/kstate" learn=false
start_vantaged "$T/vk.yaml" || bail_out "vantaged (SIGKILL run) did not start"
for q in honest5 honest6; do
	is "$(vdig "$q.example.test" A | ede_of)" "" "SIGKILL run: $q verified"
done
ok "... each verdict appended to the journal as it was taken" \
	test "$(grep -c ' 1 0 [0-9] ' "$T/kstate.journal")" -ge 2
kill -KILL "$VANTAGED_PID"
wait "$VANTAGED_PID" 2> /dev/null
nok "... killed: no state file was saved" test -e "$T/kstate"

# --- every mirror gone
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
nok "the mirrors are down (eu's /v1/health fails)" mirror_queries eu

# --- restart on the same state file
VD_ADDR=""	# a fresh listen address, so that nothing is answered from a socket of the first run
# learn: false, so that no master list round asks the (stopped) mirrors for their lists: any
# line about a mirror then means a question went to one.
cons_vconf "$T/vd2.yaml" mirrors="eu us ap" state="$T/state" learn=false
# ... and no handshake at start either (mirrors.connect_at_start).
sed -i 's/^mirrors:$/mirrors:\n  connect_at_start: false/' "$T/vd2.yaml"
start_vantaged "$T/vd2.yaml" || bail_out "vantaged did not start again"
ok "second run: the verified entries are loaded" log_has "cache: loaded [3-9] verified entries from $T/state"
out=$(vdig honest1.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/honest1.example.test. IN A 127.193.215.101" \
	"second run, mirrors down: honest1 A answered"
is "$(ede_of <<< "$out")" "" "... without EDE (no 22: the saved verdict was reused)"
is "$(isp_asked honest1.example.test A)" 2 "... after asking the upstream again"
is "$(vdig www.example.test AAAA | ede_of)" "" "www AAAA: no EDE either"
is "$(vdig mx.example.test MX | ede_of)" "" "mx MX: no EDE either"
nok "no mirror was contacted for them" log_has 'mirror (eu|us|ap) \('
nok "nothing logged as not verified" log_has 'not verified'
# the control: a name never verified does need the mirrors, and they are down
out=$(vdig honest2.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/22 vantage: no mirror reachable (3 asked)" \
	"a name never verified: EDE 22 (the mirrors really are down)"
ok "... and now the mirrors were tried" log_has 'mirror (eu|us|ap) \('
stop_pid "$VANTAGED_PID"

# --- the SIGKILLed run's verdicts, with the mirrors still down
VD_ADDR=""
cons_vconf "$T/vk2.yaml" mirrors="eu us ap" state="$T/kstate" learn=false
start_vantaged "$T/vk2.yaml" || bail_out "vantaged did not start after SIGKILL"
ok "after SIGKILL: the journal is replayed" log_has "replayed [2-9] changes from $T/kstate.journal"
ok "... and saved at once" test -s "$T/kstate"
for q in honest5 honest6; do
	is "$(vdig "$q.example.test" A | ede_of)" "" "... $q answered from its verdict, no EDE 22"
done
