#!/bin/bash
# tests/adversary/adv_monitor_join.sh - review finding 2: use-after-free and double free in
# monitor mode.  With consensus.mode: monitor the first client's answer goes out at once while
# the check waits for the mirrors.  A second identical question (here over TCP) used to join that
# check: it was never called back (the verdict calls nobody once the early answer is out), its
# waiter was freed with the check, and when the TCP client gave up, the query's cancel read and
# wrote freed memory and freed the waiter again; over UDP the client got no answer and the query
# leaked.  Now each question after the early answer starts a check of its own: both clients are
# answered, vantaged stays up and exits 0 (the ASAN build aborts on such errors and on leaks; the
# valgrind round checks the same without it).
#
# The mirrors are sinks (they accept and never answer): the verdict stays pending for
# consensus.timeout.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
require_progs ldns-testns dig
require_vantaged
[ -x "$TOOLS_DIR/dnsjunk" ] || skip_all "dnsjunk not built (make check builds it)"
tap_plan 12

# TTL 300: the TCP question finds the answer in the answer cache (no verdict yet) and goes to
# the check with it, as a real second client does.
liar_begin
liar_honest mon.adv.test. A "mon.adv.test. 300 IN A 127.200.1.9"
liar_start || bail_out "cannot start the resolver"
HANG=$(unique_addr)
for p in 4431 4432 4433; do start_sink "$HANG" "$p" || bail_out "cannot start a sink on $HANG:$p"; done
# The sinks speak no TLS: any pin does.
for r in eu us ap; do MID[$r]=$(printf '%064d' 0); MREGION[$r]=$r; done

# round NAME TIMEOUT WAIT: a monitor vantaged (consensus.timeout TIMEOUT s), the UDP then the
# TCP question, a clean stop.  The TCP client waits WAIT s, longer than the verdict: before the
# fix its waiter was freed with the check and its cancel (dig giving up) touched freed memory.
round() {
	local name=$1 tmo=$2 wait=$3 out
	cons_vconf "$T/$name.yaml" upstream="$LIAR" mirrors="eu@$HANG:4431 us@$HANG:4432 ap@$HANG:4433" \
		c.mode=monitor c.timeout="${tmo}s" c.allow_private=true
	start_vantaged "$T/$name.yaml" || bail_out "vantaged ($name) did not start"
	out=$(vdig +time=5 mon.adv.test A)
	is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/mon.adv.test. IN A 127.200.1.9" \
		"$name: monitor mode, mirrors pending: the UDP client is answered at once"
	out=$(vdig +time="$wait" +tcp mon.adv.test A)
	is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/mon.adv.test. IN A 127.200.1.9" \
		"$name: ... the same question over TCP before the verdict: answered too"
	out=$(vdig +time=5 mon.adv.test A)
	is "$(dig_rcode <<< "$out")" NOERROR "$name: ... and a third over UDP"
	ok "$name: ... vantaged is alive" alive "$VANTAGED_PID"
	stop_pid "$VANTAGED_PID" 30
	is "$?" 0 "$name: ... and stops with exit 0 (checks in flight)"
	unlike "$(cat "$VANTAGED_LOG")" "(AddressSanitizer|LeakSanitizer|runtime error:|Invalid (read|write|free))" \
		"$name: ... no sanitizer or valgrind report"
	VANTAGED_PID=""
}

round plain 2 4
if can_valgrind "$VANTAGED"; then
	VANTAGED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" VANTAGED_START_TIMEOUT=30 \
		round valgrind 3 6
else
	skip "valgrind not usable (ASAN build or not installed)" 6
fi
