#!/bin/bash
# tests/integration/plugins_smtp.sh - the smtp plugin: vantaged asks three vantage-mirrors (each
# with its own NSD view) about MX answers, then about each relay's _25._tcp TLSA and the
# domain's _mta-sts TXT. The story: one mirror lying about a relay's TLSA changes nothing (the
# quorum holds); two of three lying about a TLSA or the MTA-STS record flag the MX answer with
# an EDE naming the record (on_dissent: flag), or refuse it (on_dissent: refuse).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dig curl
require_vantaged
require_mirror

# --- the world: the upstream and m1 see the honest view; m2 lies about mail2's TLSA and the
# sts domain's MTA-STS record; m3 lies about both relays' TLSA and that record.
CONS_ZONES=smtp
cons_view honest honest.zone || bail_out "cannot start the honest view"
cons_view lie2 lie2.zone || bail_out "cannot start the lie2 view"
cons_view lie3 lie3.zone || bail_out "cannot start the lie3 view"
cons_mirror m1 eu honest || bail_out "mirror m1 did not start"
cons_mirror m2 us lie2 || bail_out "mirror m2 did not start"
cons_mirror m3 ap lie3 || bail_out "mirror m3 did not start"

start_smtp() {	# FILE ON_DISSENT
	cons_vconf "$1" listen="$(unique_addr):0" upstream="${VIEW[honest]}" mirrors="m1 m2 m3"
	printf 'plugins:\n  smtp: { on_dissent: %s }\nmetrics: { listen: "%s:0" }\n' "$2" \
		"$(unique_addr)" >> "$1"
	start_vantaged "$1"
}
metric() {	# NAME: its value on the running vantaged's /metrics
	local url
	url=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
	timeout 10 curl -sf "$url" | sed -n "s/^$1 //p"
}
start_smtp "$T/flag.yaml" flag || bail_out "vantaged (on_dissent: flag) did not start"
FLAG_PID=$VANTAGED_PID

# --- one mirror lies about the relay's TLSA: the quorum holds, the MX answer is served
t0=$(now_ms)
vdig mail1.example.test A > /dev/null
t1=$(now_ms)
out=$(vdig ok.example.test MX)
t2=$(now_ms)
out2=$(vdig ok.example.test MX)
diag "first answers, dig included: an A question $((t1 - t0)) ms; an MX with the smtp checks" \
	"$((t2 - t1)) ms; that MX again $(($(now_ms) - t2)) ms"
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "ok: one of three mirrors lies about mail1's TLSA: NOERROR, no EDE"
is "$(answer_norm <<< "$out2")" "$(answer_norm <<< "$out")" "... the same answer again (remembered result)"
is "$(answer_norm <<< "$out")" "ok.example.test. IN MX 10 mail1.example.test." "... the MX answer"
ok "the TLSA question went to the mirrors and they agreed" log_has \
	'consensus: _25\._tcp\.mail1\.example\.test\.? TLSA: [23] of 3 mirrors corroborate'
ok "... and so did the MTA-STS question" log_has \
	'consensus: _mta-sts\.ok\.example\.test\.? TXT: [23] of 3 mirrors corroborate'

# --- two of three lie about the relay's TLSA: flagged
out=$(vdig bad.example.test MX)
is "$(dig_rcode <<< "$out")" NOERROR "bad: two of three mirrors lie about mail2's TLSA: still answered (flag)"
is "$(answer_norm <<< "$out")" "bad.example.test. IN MX 10 mail2.example.test." "... with the MX record"
is "$(ede_of <<< "$out")" "0 vantage: mirrors dissent on _25._tcp.mail2.example.test. TLSA (smtp)" \
	"... and EDE 0 naming the dissenting TLSA record"
ok "the dissent is logged by plugin/smtp" log_has \
	'plugin/smtp: bad\.example\.test\. MX: vantage: mirrors dissent on _25\._tcp\.mail2\.example\.test\. TLSA'
out=$(vdig bad.example.test MX)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" \
	"NOERROR/0 vantage: mirrors dissent on _25._tcp.mail2.example.test. TLSA (smtp)" \
	"asked again (answer and smtp result cached): flagged the same way"

# --- the MTA-STS record lied about by two of three: flagged
out=$(vdig sts.example.test MX)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" \
	"NOERROR/0 vantage: mirrors dissent on _mta-sts.sts.example.test. TXT (smtp)" \
	"sts: two of three mirrors lie about the MTA-STS record: flagged, naming it"

# --- a null MX and other types are left alone
out=$(vdig nullmx.example.test MX)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "a null MX (MX 0 .): nothing to check, no EDE"
out=$(vdig mail2.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "an A question for the relay: no smtp check"

is "$(metric vantaged_plugin_smtp_checks_total)/$(metric vantaged_plugin_smtp_dissents_total)" "3/2" \
	"metrics: 3 MX answers checked (ok, bad, sts), 2 with dissent"
is "$(metric vantaged_plugin_smtp_cache_hits_total)" 2 "metrics: 2 judged from a remembered result (ok and bad again)"
stop_pid "$FLAG_PID"
is "$?" 0 "vantaged (flag) stops cleanly (exit 0; an ASAN build fails on leaks)"

# --- on_dissent: refuse
start_smtp "$T/refuse.yaml" refuse || bail_out "vantaged (on_dissent: refuse) did not start"
out=$(vdig bad.example.test MX)
is "$(dig_rcode <<< "$out")" REFUSED "on_dissent: refuse: the MX answer with a dissenting TLSA is REFUSED"
is "$(ede_of <<< "$out")" "0 vantage: mirrors dissent on _25._tcp.mail2.example.test. TLSA (smtp)" \
	"... with the EDE naming the record"
is "$(answer_norm <<< "$out")" "" "... and no MX record"
out=$(vdig ok.example.test MX)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... while ok.example.test (one liar) is still served"
stop_pid "$VANTAGED_PID"
is "$?" 0 "vantaged (refuse) stops cleanly"
done_testing
