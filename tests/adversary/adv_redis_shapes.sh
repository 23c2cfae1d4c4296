#!/bin/bash
# tests/adversary/adv_redis_shapes.sh - a hostile "Redis" (or a man in the middle on the plain
# TCP path to it) that answers the handshake as Redis does, then sends what hiredis 0.14 does
# not survive on its own: a reply nobody asked for and pub/sub arrays of the wrong shape (its
# asserts abort the process), an array of many small elements (each under the 16 MiB buffer
# bound, 800 MB in all), and a server that hangs up right after each handshake (the backoff
# must grow all the same). lib/vredis.c drops such a connection, says why, stays alive,
# keeps its memory, and does not hammer the server. Driver: tests/integration/tools/vredisdrive.c.
. "${top_srcdir:?}/tests/integration/lib.sh"

DRIVE=$TOOLS_DIR/vredisdrive
[ -x "$DRIVE" ] || bail_out "missing $DRIVE (make check builds it)"

field() { sed -n "s/^\(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$1" 2> /dev/null; }
rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
accepted() { grep -c "connection accepted" "$1"; }

# hostile MODE - a hostile server for MODE on a fresh address: sets ADDR.
hostile() {
	ADDR=$(unique_addr)
	spawn "hostile-$1" python3 "$top_srcdir/tests/adversary/hostile_redis.py" "$ADDR" 6379 "$1"
	wait_until 10 grep -q listening "$T/hostile-$1.log" || bail_out "hostile_redis.py did not start"
}

# Shapes hiredis asserts on: the client must drop the connection and live on.
for mode in unsolicited sub-nested sub-short sub-unsub; do
	hostile "$mode"
	spawn "drive-$mode" "$DRIVE" "redis://$ADDR:6379/0" "$T/$mode.st" -c vantage-test
	pid=$SPAWNED_PID
	ok "$mode: the client connects again (it dropped the connection)" \
		wait_until 20 eval '[ "$(accepted "$T/hostile-$mode.log")" -ge 4 ]'
	ok "$mode: the client is alive" alive "$pid"
	like "$(cat "$T/drive-$mode.log")" 'down: a reply' "$mode: and says why"
	stop_pid "$pid" > /dev/null; is "$?" 0 "$mode: the driver ends cleanly"
done

# Many small elements: each passes the buffer bound, their sum must not.
hostile wide
spawn drive-wide "$DRIVE" "redis://$ADDR:6379/0" "$T/wide.st"
pid=$SPAWNED_PID
ok "wide: the client drops the connection and says why" \
	wait_until 30 grep -q 'error=a reply' "$T/wide.st"
ok "wide: the client is alive" alive "$pid"
if [ -n "${ASAN_OPTIONS+x}" ] || ldd "$DRIVE" | grep -q libasan; then
	skip "wide: peak memory says nothing under ASAN (its quarantine keeps freed memory)"
else
	hwm=$(rss_kb "$pid")
	cmp_ok "$hwm" -lt $((64 * 1024)) "wide: peak memory stays under 64 MiB (was ${hwm} kB; 800 MB sent)"
fi
stop_pid "$pid" > /dev/null; is "$?" 0 "wide: the driver ends cleanly"

# A server that hangs up after each handshake: a working handshake is no reason to retry
# at once. Over 3 s, a backoff doubling from 100 ms allows about 5 attempts; none, 25+.
hostile flap
spawn drive-flap "$DRIVE" "redis://$ADDR:6379/0" "$T/flap.st"
pid=$SPAWNED_PID
ok "flap: connected" wait_until 10 eval '[ "$(accepted "$T/hostile-flap.log")" -ge 1 ]'
sleep 3 # a measurement window, not a synchronisation
n=$(accepted "$T/hostile-flap.log")
cmp_ok "$n" -le 8 "flap: the backoff grows though each handshake worked ($n connections in ~3 s)"
stop_pid "$pid" > /dev/null; is "$?" 0 "flap: the driver ends cleanly"
done_testing
