#!/bin/bash
# tests/integration/vantaged_faults.sh - faults around the state file: a full disk at shutdown
# keeps the previous state file whole (and leaves no temporary behind), SIGKILL loses nothing
# that was saved, and a corrupt state file is reported and replaced, never fatal. An upstream
# that truncates over TCP too is asked once over TCP, not in a loop.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig mount umount
require_vantaged
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a small tmpfs"
tap_plan 15

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
L=$(unique_addr)
S=$T/state
mkdir -p "$S"
mount -t tmpfs -o size=64k tmpfs "$S" || skip_all "cannot mount a tmpfs here"
trap_umount() { umount -l "$S" 2> /dev/null || true; }
trap 'trap_umount; _cleanup' EXIT

# A state file with one verdict that expires in a day: what a previous run saved.
expire=$(( $(date +%s) + 86400 ))
printf 'vantage-state 2\n%s 1 0 2 0123456789abcdef 0123456789abcdef 3 0 3 0 0 03777777076578616d706c65047465737400 127.192.0.1\n' \
	"$expire" > "$S/vcache"
sum0=$(md5sum < "$S/vcache")
vantaged_conf "$T/v.yaml" listen="$L:0" upstream="$U:5300" \
	cache="{ max_entries: 1000, state_file: $S/vcache }"
start_vantaged "$T/v.yaml" || bail_out "vantaged did not start"
ok "the saved verdict is loaded at start" log_has "loaded 1 verified entries"
is "$(vdig +short www.example.test A | head -n 1)" "127.192.0.1" "it answers"

# Fill the disk, then stop: saving must fail cleanly.
dd if=/dev/zero of="$S/filler" bs=4k 2> /dev/null
stop_pid "$VANTAGED_PID" > /dev/null
is "$?" 0 "SIGTERM with a full disk: exit 0"
ok "... the failure is logged, saying the previous file is kept" \
	log_has "cannot save the verified cache to $S/vcache \(the previous file is kept\)"
is "$(md5sum < "$S/vcache")" "$sum0" "... and the previous state file is intact"
is "$(ls "$S" | grep -c tmp)" 0 "... and no temporary file is left behind"
rm -f "$S/filler"

# SIGKILL: nothing torn; what was saved is there at the next start.
start_vantaged "$T/v.yaml" || bail_out "vantaged did not start again"
ok "after the failed save the old verdict is still loaded" log_has "loaded 1 verified entries"
kill -KILL "$VANTAGED_PID"
wait "$VANTAGED_PID" 2> /dev/null
start_vantaged "$T/v.yaml" || bail_out "vantaged did not start after SIGKILL"
ok "after SIGKILL the state file loads whole" log_has "loaded 1 verified entries"
is "$(vdig +short www.example.test A | head -n 1)" "127.192.0.1" "... and it answers"
stop_pid "$VANTAGED_PID" > /dev/null

# A corrupt state file: reported, the daemon starts empty, and the next save replaces it.
printf 'not a state file\n\0\377garbage\n' > "$S/vcache"
start_vantaged "$T/v.yaml" || bail_out "vantaged did not start with a corrupt state file"
ok "a corrupt state file is reported" log_has "cannot read the state file $S/vcache; starting empty"
stop_pid "$VANTAGED_PID" > /dev/null
is "$?" 0 "... and the daemon stops cleanly"
like "$(head -n 1 "$S/vcache")" "^vantage-state 4$" "... and the next save replaced it with a good one"

# A truncation loop: an upstream that truncates over TCP too. vantaged asks it over TCP once
# per question, hands the truncated answer on, and keeps serving; nothing loops.
TCU=$(unique_addr)
spawn tcup "$TOOLS_DIR/dnsjunk" tc "$TCU" 5300
wait_until 5 grep -q listening "$T/tcup.log" || bail_out "dnsjunk tc did not start"
vantaged_conf "$T/tc.yaml" listen="$L:0" upstream="$TCU:5300"
start_vantaged "$T/tc.yaml" || bail_out "vantaged did not start (tc)"
t0=$(now_ms)
out=$(vdig +ignore loop.example.test A)
t1=$(now_ms)
like "$(dig_flags <<< "$out")" "tc" "TC loop: the client gets the truncated answer, in $((t1 - t0)) ms"
cmp_ok "$(grep -c 'tcp query' "$T/tcup.log")" -le 2 "... after one TCP retry upstream, not a loop"
ok "... and vantaged is still running" alive "$VANTAGED_PID"
