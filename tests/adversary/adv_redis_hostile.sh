#!/bin/bash
# tests/adversary/adv_redis_hostile.sh - a hostile "Redis" (or a man in the middle on the plain
# TCP path to it) answers with replies built to exhaust the client's memory: a 100 MB bulk
# string, a 100-million-element array. lib/vredis.c drops the connection at its bounds (16 MiB
# buffered, 262144 elements), says why, keeps its memory, and keeps trying with backoff.
. "${top_srcdir:?}/tests/integration/lib.sh"

DRIVE=$TOOLS_DIR/vredisdrive
[ -x "$DRIVE" ] || bail_out "missing $DRIVE (make check builds it)"

# field FILE KEY - one key=value of the driver's status line.
field() { sed -n "s/^\(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$1" 2> /dev/null; }
rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

for mode in bulk array; do
	addr=$(unique_addr)
	spawn "hostile-$mode" python3 "$top_srcdir/tests/adversary/hostile_redis.py" "$addr" 6379 "$mode"
	wait_until 10 grep -q listening "$T/hostile-$mode.log" || bail_out "hostile_redis.py did not start"
	spawn "drive-$mode" "$DRIVE" "redis://$addr:6379/0" "$T/$mode.st"
	pid=$SPAWNED_PID
	ok "$mode: the client drops the connection and says why" \
		wait_until 20 grep -q 'error=a reply' "$T/$mode.st"
	ok "$mode: and tries again (a second connection, with backoff)" \
		wait_until 20 eval '[ "$(grep -c "connection closed" "$T/hostile-$mode.log")" -ge 2 ]'
	is "$(field "$T/$mode.st" state)" down "$mode: the state is down, never up"
	ok "$mode: the client is alive" alive "$pid"
	hwm=$(rss_kb "$pid")
	if [ -n "${ASAN_OPTIONS+x}" ] || ldd "$DRIVE" | grep -q libasan; then
		skip "$mode: peak memory says nothing under ASAN (its quarantine keeps freed memory)"
	else
		cmp_ok "$hwm" -lt $((64 * 1024)) "$mode: peak memory stays under 64 MiB (was ${hwm} kB; the attack announces 100 MB+)"
	fi
	sent=$(sed -n 's/connection closed after \([0-9]*\) bytes/\1/p' "$T/hostile-$mode.log" | head -n 1)
	cmp_ok "$sent" -lt $((64 << 20)) "$mode: the client hung up long before the announced size ($sent bytes)"
	stop_pid "$pid" > /dev/null; is "$?" 0 "$mode: the driver ends cleanly"
done
done_testing
