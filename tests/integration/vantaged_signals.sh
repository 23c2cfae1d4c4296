#!/bin/bash
# tests/integration/vantaged_signals.sh - SIGHUP with a broken config logs a warning and keeps
# serving with the old config; SIGHUP with a good one applies it; SIGTERM and SIGINT stop
# vantaged cleanly with exit status 0.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 16

U1=$(unique_addr) U2=$(unique_addr)
start_nsd "$U1" 5300 example.test example.test.zone || bail_out "cannot start nsd 1"
start_nsd "$U2" 5300 other.test other.test.zone || bail_out "cannot start nsd 2"
conf=$T/vantaged.yaml
vantaged_conf "$conf" upstream="$U1:5300"
start_vantaged "$conf" || bail_out "vantaged did not start"
A=$VANTAGED_ADDR P=$VANTAGED_PORT
is "$(vdig +noall +answer www.example.test A | answer_norm | wc -l)" 2 "serving before any reload"

# --- a broken config on SIGHUP: warning, old config kept
cp "$conf" "$T/good.yaml"
printf 'listen: ["%s:%s"]\nupstreams: ["%s:5300"]\nthis is: [not valid\n' "$A" "$P" "$U2" > "$conf"
kill -HUP "$VANTAGED_PID"
ok "broken config on SIGHUP: a warning naming $conf:LINE is logged" wait_until 5 log_has "$conf:[0-9]+"
ok "still running after the bad reload" alive "$VANTAGED_PID"
is "$(vdig +noall +answer reload.example.test A | answer_norm)" "reload.example.test. IN A 127.192.0.42" \
	"after the bad reload: a new name is resolved through the old upstream"
like "$(vdig www.other.test A | dig_rcode)" "^(REFUSED|SERVFAIL)$" \
	"after the bad reload: the new upstream is not in use (the old one refuses other.test)"

# --- a good config on SIGHUP: applied (same listen address, new upstream)
vantaged_conf "$conf" listen="$A:$P" upstream="$U2:5300"
n_ready=$(grep -c 'main: ready' "$VANTAGED_LOG")
kill -HUP "$VANTAGED_PID"
new_upstream_used() { [ "$(vdig +noall +answer www.other.test A | answer_norm)" = "www.other.test. IN A 127.198.51.1" ]; }
ok "good config on SIGHUP: the new upstream answers www.other.test (within 5 s)" wait_until 5 new_upstream_used
ok "still running after the good reload" alive "$VANTAGED_PID"
is "$(vdig +noall +answer www.example.test A | answer_norm | wc -l)" 2 "the listener survived the reload (cached answer still served)"
unlike "$(grep -v "$conf" "$VANTAGED_LOG" | grep -iE 'listen.*(fail|error|in use)')" "." "no listener errors in the log"

# --- SIGTERM
t0=$(now_ms)
stop_pid "$VANTAGED_PID" 5; st=$?; t1=$(now_ms)
is "$st" 0 "SIGTERM: exit status 0"
cmp_ok $((t1 - t0)) -lt 3000 "SIGTERM: stopped in under 3 s ($((t1 - t0)) ms)"
unlike "$(cat "$VANTAGED_LOG")" "(AddressSanitizer|runtime error:|LeakSanitizer)" "no sanitizer report"
ok "SIGTERM: cache state flushed to the state file" test -s "$T/state"

# --- SIGINT, on a fresh instance
cp "$T/good.yaml" "$conf"
start_vantaged "$conf" || bail_out "vantaged did not start again"
is "$(vdig +noall +answer term.example.test A | answer_norm)" "term.example.test. IN A 127.192.0.41" "restarted instance answers"
kill -INT "$VANTAGED_PID"
ok "SIGINT: gone within 3 s" wait_until 3 eval '! alive "$VANTAGED_PID"'
wait "$VANTAGED_PID"; st=$?
is "$st" 0 "SIGINT: exit status 0"
