#!/bin/bash
# tests/adversary/adv_workers_flood.sh - workers: 2 under a client that floods the worker loop with
# cold checked names (one source address and port: SO_REUSEPORT gives them all to loop 1).
# Each such name goes to the main loop's checks over a queue, and comes back over another.
#  - The main loop stalls (frozen here for 3 s, as a slow disk under the state file's fsync
#    would hold it) while the flood goes on: the worker's queue toward the checks stays
#    bounded (WORKER_QUEUE_MAX), the questions past it are answered SERVFAIL at once, and
#    the memory the flood takes stays small; the main loop catches up afterwards.
#  - The operator reloads over and over during the flood: every reload parks the worker
#    (worker_pool_pause), and the wake-up asking it to park must never be lost among the
#    verdicts', or the main loop waits for it for ever (no check, no control socket).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd dnsmasq dig jq python3
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
[ "$(id -u)" = 0 ] || skip_all "freezing one thread (ptrace) needs root"
tap_plan 12

RELOADS=${ADV_WORKERS_RELOADS:-50}
FLOOD_PY=$top_srcdir/tests/adversary/workers_flood.py
cons_view honest honest.zone || bail_out "cannot start the honest view"
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
cons_mirror eu eu honest || bail_out "mirror eu did not start"
cons_vconf "$T/vd.yaml" mirrors="eu" level=info extra="workers: 2"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
jctl() { timeout 10 "$VANTAGECTL" -s "$T/ctl-vd.sock" -j "$@"; }
w1() { jctl status | jq -r ".workers[1].$1"; }
CLIENT=$(unique_addr)

# Source ports the worker loop (loop 1) takes: one for each flood, one for the checks after.
P1=()
for p in $(seq 42000 42127); do
	a=$(w1 queries)
	timeout 10 dig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" -b "$CLIENT#$p" +tries=1 +time=3 \
		+short www.example.test A > /dev/null
	[ "$(w1 queries)" != "$a" ] && P1+=("$p")
	[ ${#P1[@]} -ge 3 ] && break
done
[ ${#P1[@]} -ge 3 ] || bail_out "too few source ports reached the worker loop"
w1dig() { timeout 10 dig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" -b "$CLIENT#${P1[2]}" +tries=1 +time=5 "$@"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$VANTAGED_PID/status"; }

# --- the main loop stalls under the flood: the worker's queue stays bounded
hwm0=$(hwm_kb)
python3 "$FLOOD_PY" "$VANTAGED_ADDR" "$VANTAGED_PORT" "$CLIENT" "${P1[0]}" example.test 4 4000 \
	> "$T/flood1.out" 2>&1 &
FLOOD=$!
python3 "$top_srcdir/tests/adversary/freeze_thread.py" "$VANTAGED_PID" 3 > "$T/freeze.out" 2>&1
is "$(tr '\n' ' ' < "$T/freeze.out")" "stopped running " "the main loop was frozen for 3 s, the worker ran on"
wait "$FLOOD"
diag "flood: $(cat "$T/flood1.out"); VmHWM $hwm0 -> $(hwm_kb) kB; check_queue $(jctl status | jq -c '.workers[1].check_queue')"
high=$(w1 check_queue.high)
ok "the worker's queue toward the checks stayed bounded (at most 2048 waited: $high)" \
	test "${high:-99999}" != null -a "${high:-99999}" -le 2048
ok "... the questions past the bound were answered SERVFAIL at once ($(w1 check_queue.full))" \
	test "$(w1 check_queue.full)" != null -a "$(w1 check_queue.full)" -gt 0
ok "... and said in the log" log_has 'worker 1: 2048 questions wait for the checks; answering SERVFAIL'
grown=$(( $(hwm_kb) - hwm0 ))
if grep -qa __asan_init "$VANTAGED" 2> /dev/null; then
	# ASAN's quarantine keeps what was freed (up to 256 MiB): peak memory says nothing here.
	skip "an ASAN build: its quarantine holds freed memory (${grown} kB grown)"
else
	ok "the flood grew the daemon's peak memory by less than 128 MiB (${grown} kB)" test "$grown" -lt 131072
fi
caught_up() { [ "$(w1 check_queue.waiting)" = 0 ]; }
ok "the main loop caught up: nothing waits" wait_until 30 caught_up
is "$(w1dig +short honest1.example.test A)" "127.193.215.101" "the worker loop answers a checked name again"

stop_pid "$VANTAGED_PID" 10
is "$?" 0 "SIGTERM: stopped, exit 0"

# --- reloads during the flood: each one parks the worker and ends. slow_eventfd.so makes
# the worker's reads of its wake-ups slow (2 ms), so that a pause's wake-up lands while the
# worker is between looking whether to park and reading them, as it can by chance.
command -v cc > /dev/null || { skip "no C compiler for the fault injection" 4; exit 0; }
cc -shared -fPIC -o "$T/slow_eventfd.so" "$top_srcdir/tests/adversary/slow_eventfd.c" -ldl ||
	bail_out "cannot build slow_eventfd.so"
cons_vconf "$T/vd2.yaml" mirrors="eu" level=info extra="workers: 2" \
	listen="$VANTAGED_ADDR:$VANTAGED_PORT"
# In an ASAN build its runtime must come first among the preloaded libraries; the shim does
# not need it to (it only wraps read(2) and calls the next one).
VANTAGED_WRAPPER="env LD_PRELOAD=$T/slow_eventfd.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	start_vantaged "$T/vd2.yaml" ||
	bail_out "vantaged (slow eventfd reads) did not start"
jctl() { timeout 10 "$VANTAGECTL" -s "$T/ctl-vd2.sock" -j "$@"; }
python3 "$FLOOD_PY" "$VANTAGED_ADDR" "$VANTAGED_PORT" "$CLIENT" "${P1[1]}" example.test 600 2000 \
	> "$T/flood2.out" 2>&1 &
FLOOD=$!
flowing() { [ "$(w1 answers_upstream)" -ge 500 ]; }
ok "the flood's cold names come back to the worker with their verdicts" wait_until 30 flowing
# Each SIGHUP ends with one of these lines (a resolver still busy with the last refuses it).
# A lost wake-up never ends: 20 s is far more than any reload takes on a loaded machine.
ended() { grep -Ec 'configuration reloaded|reload failed' "$VANTAGED_LOG"; }
done_n=0
for i in $(seq 1 "$RELOADS"); do
	n=$(ended)
	kill -HUP "$VANTAGED_PID"
	past() { [ "$(ended)" -gt "$n" ]; }
	wait_until 20 past || break
	done_n=$i
done
is "$done_n" "$RELOADS" "$RELOADS reloads under the flood: each one ended (none waited for ever on the worker)"
kill "$FLOOD" 2> /dev/null
wait "$FLOOD" 2> /dev/null
ok "the control socket answers" jctl status
stop_pid "$VANTAGED_PID" 10
is "$?" 0 "SIGTERM: stopped, exit 0"
