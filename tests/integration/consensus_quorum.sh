#!/bin/bash
# tests/integration/consensus_quorum.sh - the quorum and the agreement ladder against real
# mirrors: honest mirrors in eu, us, ap and sa (the CDN name has per-region addresses in one
# /24), three liars whose upstream is a poisoned view.  One liar of 3 and two of 6 are outvoted;
# a lying majority (2 of 3) and three of 6 get the honest answer refused.  CDN answers in one
# /24 are refused without CA evidence (the prefix is a weak signal).  A mirror whose pin names another CA is
# excluded and logged; when that leaves no quorum, the answer carries EDE 23.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq
require_vantaged
require_mirror
tap_plan 34

# --- the world
for v in honest eu us ap lie; do cons_view "$v" "$v.zone" || bail_out "cannot start the $v view"; done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
cons_mirror sa sa honest || bail_out "mirror sa did not start"
cons_mirror lie1 xx lie || bail_out "mirror lie1 did not start"
cons_mirror lie2 yy lie || bail_out "mirror lie2 did not start"
cons_mirror lie3 zz lie || bail_out "mirror lie3 did not start"
N=0
# vd NAME [cons_vconf args...]: a fresh vantaged (the previous one stopped) with that config.
vd() {
	local name=$1; shift
	[ -n "$VANTAGED_PID" ] && stop_pid "$VANTAGED_PID"
	N=$((N + 1))
	cons_vconf "$T/$name.yaml" dissent="$T/$name.jsonl" "$@"
	start_vantaged "$T/$name.yaml" || bail_out "vantaged ($name) did not start"
}
answer_of() { vdig "$@" | answer_norm; }
status_of() { local out; out=$(vdig "$@"); echo "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")"; }

# --- 3. liars
vd minority mirrors="eu us lie1"
is "$(answer_of www.example.test A)" "www.example.test. IN A 127.193.215.14" "1 liar of 3: www A answered"
is "$(status_of www.example.test A)" "NOERROR/" "... without EDE"
is "$(status_of honest1.example.test A)" "NOERROR/" "1 liar of 3: honest1 A NOERROR without EDE"
ok "... the two honest mirrors (eu, us) corroborated" log_has \
	'consensus: www\.example\.test\.? A: 2 of 3 mirrors corroborate \(rule equal\)'
is "$(cat "$T/minority.jsonl" 2> /dev/null)" "" "... no dissent logged"

vd six mirrors="eu us ap sa lie1 lie2"
is "$(answer_of www.example.test A)" "www.example.test. IN A 127.193.215.14" "2 liars of 6: www A answered"
is "$(status_of honest2.example.test A)" "NOERROR/" "2 liars of 6: honest2 A NOERROR without EDE"
ok "... by 4 honest mirrors of 6 (n >= 6: n-2 corroborate)" log_has \
	'consensus: honest2\.example\.test\.? A: 4 of 6 mirrors corroborate'

vd six3 mirrors="eu us ap lie1 lie2 lie3"
out=$(vdig honest3.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "3 liars of 6: honest3 A refused (3 < 4 corroborate)"
like "$(ede_of <<< "$out")" '^0 vantage: 3 of 6 mirrors dissent \(local 127\.193\.215\.103\)$' "... EDE 0: 3 of 6 dissent"

vd majority mirrors="eu lie1 lie2"
out=$(vdig www.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "lying majority (2 of 3): the honest www A is refused"
like "$(ede_of <<< "$out")" '^0 vantage: 2 of 3 mirrors dissent \(local 127\.193\.215\.14\)$' "... EDE 0 names the dissent"
ok "... warning logged" log_has 'consensus: www\.example\.test\.? A: 2 of 3 mirrors dissent \(local 127\.193\.215\.14\): refuse'
line=$(head -n 1 "$T/majority.jsonl")
is "$(jq -r '[.name, .local, .action] | join(" ")' <<< "$line" 2>&1)" "www.example.test. 127.193.215.14 refuse" \
	"... JSON line: name, local, action"
is "$(jq -r '[.mirrors[] | select(.evidence == "dissents") | .answer] | sort | join(" ")' <<< "$line" 2>&1)" \
	"127.145.77.14 127.145.77.14" "... the liars' answers recorded"

# --- 4. CDN-like answers: each region has its own address, all in 127.193.215.0/24.  One /24 is
# a weak signal, never corroboration (a lying resolver picks a neighbour as easily): with probe
# off (these public addresses are not ours to connect to) nothing proves the local address, so
# the answer is refused; tests/adversary/adv_ladder.sh shows the CA evidence proving a CDN.
vd cdn mirrors="eu us ap"
out=$(vdig cdn.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "CDN in one /24, no CA evidence: REFUSED (the prefix is a weak signal)"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.193\.215\.40\)$' "... EDE 0"
ok "... logged as a dissent" log_has 'consensus: cdn\.example\.test\.? A: [23] of 3 mirrors dissent'
is "$(jq -r '[.mirrors[] | select(.evidence == "dissents") | .why + ":" + .weak] | unique | join(" ")' \
	< "$T/cdn.jsonl" 2>&1 | head -n 1)" "weak:prefix" "... the dissent log names the weak signal"
vd cdn_exact mirrors="eu us ap" c.address_match=exact
out=$(vdig cdn.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "with address_match: exact the same CDN answer is refused"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.193\.215\.40\)$' "... EDE 0"
is "$(jq -r '[.mirrors[] | select(.evidence == "dissents") | .why] | unique | join(" ")' < "$T/cdn_exact.jsonl" 2>&1 | head -n 1)" \
	"data" "... and exact reports no weak signal"

# --- 6. a mirror pinned to another CA
vd pin1 mirrors="eu us ap=${MID[lie1]}"
is "$(status_of honest4.example.test A)" "NOERROR/" "ap pinned to another CA, eu and us honest: NOERROR without EDE"
ok "... ap's pin failure is logged" wait_until 5 log_has 'mirror ap \(.*\): certificate does not chain to the pinned CA'
ok "... and ap was not counted" log_has 'consensus: honest4\.example\.test\.? A: 2 of 3 mirrors corroborate'

vd pin2 mirrors="eu=${MID[us]} us=${MID[ap]} ap"
out=$(vdig honest5.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/honest5.example.test. IN A 127.193.215.105" \
	"2 of 3 mirrors with swapped pins: answered (on_insufficient: flag)"
like "$(ede_of <<< "$out")" '^23 vantage: not verified: 1 of 3 mirrors corroborate, 2 needed$' \
	"... with EDE 23 (Network Error)"
ok "... both pin failures logged" log_has 'mirror eu \(.*\): certificate does not chain to the pinned CA'
ok "... (us too)" log_has 'mirror us \(.*\): certificate does not chain to the pinned CA'

vd pin3 mirrors="eu=${MID[us]}"
out=$(vdig honest6.example.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/honest6.example.test. IN A 127.193.215.106" \
	"the only mirror pinned to another CA: answered (flag)"
like "$(ede_of <<< "$out")" '^23 vantage: mirror TLS verification failed \(0 of 1 mirrors usable\)$' \
	"... with EDE 23 saying TLS verification failed"
vd pin4 mirrors="eu=${MID[us]}" c.on_insufficient=refuse
out=$(vdig honest7.example.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "... and with on_insufficient: refuse, SERVFAIL"
like "$(ede_of <<< "$out")" '^23 vantage: mirror TLS verification failed' "... with EDE 23"
is "$(answer_norm <<< "$out")" "" "... and no address"
