#!/bin/bash
# tests/integration/vantaged_clock.sh - a router or laptop whose clock is before its mirrors'
# certificates (no RTC before NTP). Its TLS fails for a reason that is not an attack: vantaged
# says "is the clock right?", keeps answering (an NTP server's name must resolve, or the
# clock is never set: the answers go out flagged as insufficient, as consensus.on_insufficient
# says), and once the clock is right the mirrors come back by themselves and verify again.
# The clock is moved with libfaketime (a timestamp file it re-reads), vantaged's only.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dig jq
require_vantaged
require_mirror
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -r "$FT" ] || skip_all "libfaketime not installed (apt-get install faketime)"
# A sanitizer runtime must come first in the process: libfaketime cannot be preloaded then.
if ldd "$VANTAGED" | grep -q 'libasan\|libubsan'; then skip_all "sanitizer build: no LD_PRELOAD"; fi
[ -z "${VANTAGED_WRAPPER:-}" ] || skip_all "not under $VANTAGED_WRAPPER"
tap_plan 9

cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do cons_mirror "$r" "$r" honest || bail_out "mirror $r did not start"; done
cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap" || bail_out "no config"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }

# Three years back: before every certificate the test mirrors made today.
echo "-3y" > "$T/clock"
export LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$T/clock FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start under faketime"
unset LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE FAKETIME_DONT_FAKE_MONOTONIC

out=$(vdig www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "clock three years back: names still resolve (an NTP server's too)"
like "$(ede_of <<< "$out")" "." "... flagged: nothing could be verified"
ok "the log says the clock may be wrong" wait_until 10 log_has "not used: certificate not valid at this machine's time \\([0-9-]+ [0-9:]+ UTC\\): is the clock right\\?"
like "$(jctl mirrors | jq -r '.mirrors[0].why // .mirrors[0].last_error // empty')" "is the clock right" \
	"vantagectl mirrors says why"

# NTP did its work: the clock is right again. The mirrors come back after their backoff.
echo "+0" > "$T/clock"
# A mirror in backoff is tried again when a question needs it: each look asks a new name.
t=0
_up2() {
	t=$((t + 1))
	vdig "tick$t.example.test" A > /dev/null
	[ "$(jctl mirrors | jq '[.mirrors[] | select(.state == "up")] | length')" -ge 2 ]
}
ok "clock right again: the mirrors come back by themselves, without a restart" wait_until 90 _up2
vdig honest1.example.test A > /dev/null
ok "... and verify answers again" wait_until 10 log_has "honest1\\.example\\.test\\. A: [23] of 3 mirrors corroborate"
out=$(vdig honest1.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... and answers are served without a flag"
like "$(jctl mirrors | jq -r '[.mirrors[].state] | join(" ")')" "up" "... mirrors are up"
ok "vantaged is alive" alive "$VANTAGED_PID"
