#!/bin/bash
# tests/integration/vredis_live.sh - lib/vredis.c against a real redis-server: commands and a
# subscription over TCP and a unix socket; Redis frozen (SIGSTOP), killed and restarted, and a
# wrong password: no command ever waits past its deadline, the state says what happened, and
# the client comes back by itself. The driver is tests/integration/tools/vredisdrive.c.
. "${top_srcdir:?}/tests/integration/lib.sh"

DRIVE=$TOOLS_DIR/vredisdrive
[ -x "$DRIVE" ] || bail_out "missing $DRIVE (make check builds it)"
command -v redis-server > /dev/null || skip_all "redis-server not installed"

# field FILE KEY - one key=value of the driver's status line.
field() {
	local line
	line=$(cat "$1" 2> /dev/null) || return 1
	line=" $line"
	line=${line#* "$2"=}
	[ "$line" != " $(cat "$1")" ] || return 1
	printf '%s\n' "${line%% *}"
}
state_is() { [ "$(field "$1" state)" = "$2" ]; }
field_ge() { local v; v=$(field "$1" "$2") && [ "$v" -ge "$3" ]; }

start_redis || bail_out "redis-server did not start"

# The slack past a deadline before a callback counts as late: 200 ms; 1 s in a sanitizer build
# (slower, and run beside the whole suite). A missing deadline shows as 2 s or more either way.
SLACK=200
if ldd "$DRIVE" | grep -q libasan; then SLACK=1000; fi
spawn drive-tcp "$DRIVE" "$REDIS_URL" "$T/tcp.st" -c vredis-test -t 20 -l "$SLACK"
TCP_PID=$SPAWNED_PID
ok "TCP: up and subscribed" wait_until 10 eval 'state_is "$T/tcp.st" up && [ "$(field "$T/tcp.st" subscribed)" = 1 ]'
ok "TCP: GETs answered" wait_until 10 field_ge "$T/tcp.st" ok 20
ok "TCP: its own PUBLISHes come back through the subscription" wait_until 10 field_ge "$T/tcp.st" messages 2
like "$(field "$T/tcp.st" last_msg)" '^tick-[0-9]+$' "the message is the published bytes"

spawn drive-unix "$DRIVE" "$REDIS_UNIX_URL" "$T/unix.st" -t 20 -l "$SLACK"
UNIX_PID=$SPAWNED_PID
ok "unix socket: up and answering" wait_until 10 eval 'state_is "$T/unix.st" up && field_ge "$T/unix.st" ok 10'

# Frozen: the kernel still accepts connections, nothing answers. Every command ends at its
# deadline (timeouts grow, nothing late), and the connection is given up as stuck.
kill -STOP "$REDIS_PID"
ok "frozen Redis: commands time out" wait_until 10 field_ge "$T/tcp.st" timeouts 10
ok "frozen Redis: the connection is declared down" wait_until 10 state_is "$T/tcp.st" down
like "$(field "$T/tcp.st" error)" 'no' "the reason is given (no reply / no answer)"
kill -CONT "$REDIS_PID"
ok "thawed: up again without a restart of the client" wait_until 15 state_is "$T/tcp.st" up
ok_before=$(field "$T/tcp.st" ok)
ok "thawed: GETs answered again" wait_until 10 field_ge "$T/tcp.st" ok $((ok_before + 10))

# Killed: refused at once while down, then back when Redis is.
stop_pid "$REDIS_PID" > /dev/null
ok "killed: down" wait_until 10 eval 'state_is "$T/tcp.st" down && state_is "$T/unix.st" down'
ok "killed: the subscription is down too" wait_until 10 eval '[ "$(field "$T/tcp.st" subscribed)" = 0 ]'
ok "killed: commands are refused, not queued" wait_until 10 field_ge "$T/tcp.st" refused 5
restart_redis || bail_out "redis-server did not restart"
ok "restarted: both clients up again" wait_until 15 eval 'state_is "$T/tcp.st" up && state_is "$T/unix.st" up'
msgs=$(field "$T/tcp.st" messages)
ok "restarted: resubscribed (messages flow again)" wait_until 15 field_ge "$T/tcp.st" messages $((msgs + 2))
cmp_ok "$(field "$T/tcp.st" connects)" -ge 4 "the client reconnected both connections (connects)"
is "$(field "$T/tcp.st" late)" 0 "no command waited past its deadline (+$SLACK ms) through it all (slowest $(field "$T/tcp.st" maxlat_ms) ms)"
is "$(field "$T/unix.st" late)" 0 "nor over the unix socket"
stop_pid "$UNIX_PID" > /dev/null
stop_pid "$TCP_PID" > /dev/null; is "$?" 0 "the driver ends cleanly on SIGTERM"

# A password: the wrong one is a clear "down" with Redis's reason; the right one is up.
stop_pid "$REDIS_PID" > /dev/null
start_redis "" --requirepass fleet-secret || bail_out "redis-server with a password did not start"
spawn drive-wrong "$DRIVE" "$REDIS_URL" "$T/wrong.st" -p not-the-secret
ok "wrong password: down" wait_until 10 state_is "$T/wrong.st" down
like "$(cat "$T/wrong.st")" 'error=refused: (WRONGPASS|ERR invalid password)' "Redis's refusal is the reason shown"
spawn drive-nopass "$DRIVE" "$REDIS_URL" "$T/nopass.st"
ok "no password where Redis wants one: down" wait_until 10 state_is "$T/nopass.st" down
like "$(cat "$T/nopass.st")" 'error=refused: NOAUTH' "Redis's NOAUTH is the reason shown (not a silent deadline)"
spawn drive-right "$DRIVE" "redis://:fleet-secret@$REDIS_ADDR:$REDIS_PORT/2" "$T/right.st"
ok "right password (in the URL), database 2: up" wait_until 10 eval 'state_is "$T/right.st" up && field_ge "$T/right.st" ok 5'
unlike "$(cat "$T"/drive-*.log)" 'fleet-secret' "the password is never logged"

# Under valgrind: a kill and a restart, then SIGTERM: no error, nothing lost.
if can_valgrind "$DRIVE"; then
	spawn drive-vg valgrind --error-exitcode=42 --leak-check=full --errors-for-leak-kinds=definite \
		"$DRIVE" "$REDIS_UNIX_URL" "$T/vg.st" -p fleet-secret -c vg
	VG_PID=$SPAWNED_PID
	ok "valgrind: up" wait_until 30 eval 'state_is "$T/vg.st" up && field_ge "$T/vg.st" messages 1'
	stop_pid "$REDIS_PID" > /dev/null
	ok "valgrind: down" wait_until 20 state_is "$T/vg.st" down
	restart_redis || bail_out "redis-server did not restart"
	ok "valgrind: up again" wait_until 30 state_is "$T/vg.st" up
	stop_pid "$VG_PID" 20 > /dev/null; is "$?" 0 "valgrind: no error and no leak"
else
	skip "valgrind not usable with this build" 4
fi
done_testing
