#!/bin/bash
# tests/integration/consensus_learn.sh - the master list (DESIGN.md section 6): vantaged asks its
# configured mirrors for /v1/mirrors and takes in a mirror that a majority of them list with
# the same CA fingerprint (d: listed by eu and us, 2 of 3), not one only a minority lists (x:
# eu alone), nor one listed under another CA (y: us lists it with x's fingerprint); it asks the
# learned mirror questions, keeps it beside the state file across a restart, and with
# mirrors.learn: false neither loads nor learns.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
tap_plan 14

# --- the world: three configured mirrors; d, x and y only known to some of them
for v in honest eu us ap; do cons_view "$v" "$v.zone" || bail_out "cannot start the $v view"; done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for m in d x y; do cons_mirror "$m" "r$m" honest || bail_out "mirror $m did not start"; done
peer() { echo "{ name: $1, address: \"${MHP[$1]}\", region: ${MREGION[$1]}, ca_sha256: \"${2:-${MID[$1]}}\" }"; }
cons_mirror eu eu eu "peers: [ $(peer d), $(peer x) ]" || bail_out "mirror eu did not start"
cons_mirror us us us "peers: [ $(peer d), $(peer y "${MID[x]}") ]" || bail_out "mirror us did not start"
cons_mirror ap ap ap || bail_out "mirror ap did not start"

# quorum 4: the verdict waits for every mirror, the learned one included.
cons_vconf "$T/vd.yaml" mirrors="eu us ap" state="$T/state" c.mirrors_per_query=4 c.quorum=4
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
ok "d is taken in: listed by 2 of the 3 configured mirrors" \
	wait_until 15 log_has "master list: mirror d \(${MHP[d]}, rd\) taken in: listed by 2 of 3 configured mirrors"
ok "... after a round in which all 3 answered" \
	wait_until 15 log_has "master list: 3 of 3 configured mirrors answered; 1 mirrors taken in"
nok "x (listed by eu alone) is not" log_has "master list: mirror x "
nok "y (listed with another CA) is not" log_has "master list: mirror y "
ok "the learned mirror is kept beside the state file" grep -q "ca_sha256: \"${MID[d]}\"" "$T/state.mirrors"
nok "... alone" grep -Eq "${MID[x]}|${MID[y]}" "$T/state.mirrors"
is "$(timeout 20 "$VANTAGECTL" -s "$T/ctl-vd.sock" -j mirrors | grep -o '"name":"[a-z]*"' | sort | tr '\n' ' ')" \
	'"name":"ap" "name":"d" "name":"eu" "name":"us" ' "vantagectl mirrors lists it"
before=$(mirror_queries d)
out=$(vdig honest1.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "a question is verified by all four mirrors (quorum 4)"
cmp_ok "$(mirror_queries d)" -gt "${before:-0}" "... d among them"

# --- a restart: the learned mirror is there from the start
stop_pid "$VANTAGED_PID"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not restart"
ok "restart: the learned mirrors file is read" log_has "learned mirrors file $T/state.mirrors: 1 mirrors added"
is "$(timeout 20 "$VANTAGECTL" -s "$T/ctl-vd.sock" -j mirrors | grep -o '"name":"d"')" '"name":"d"' "... d is in the set at once"
stop_pid "$VANTAGED_PID"

# --- learn: false
sed 's/^mirrors:$/mirrors:\n  learn: false/' "$T/vd.yaml" > "$T/nolearn.yaml"
ok "learn: false is a valid config" "$VANTAGED" -n -c "$T/nolearn.yaml"
start_vantaged "$T/nolearn.yaml" || bail_out "vantaged did not start (learn: false)"
nok "learn: false: the learned mirrors file is not read" log_has "learned mirrors file"
is "$(timeout 20 "$VANTAGECTL" -s "$T/ctl-vd.sock" -j mirrors | grep -o '"name":"[a-z]*"' | wc -l)" 3 \
	"... only the 3 configured mirrors"
