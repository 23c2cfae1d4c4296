#!/bin/bash
# tests/integration/vantaged_fleet.sh - three vantaged sharing one redis-server (issue 14), the
# same three honest mirrors, the same poisoned ISP upstream: A and B (two worker loops) over
# TCP, C over the Unix socket, D (TCP) started late, so that it can only learn by asking Redis.
#  1. Three instances asking the same few hundred cold names at once cause about as many mirror
#     questions as one instance would (counted at the mirrors), not three times as many.
#  2. Redis killed, then frozen: answers keep coming without waiting on it, status says down;
#     Redis restarted: status up again without restarting vantaged.
#  3. With every mirror frozen: a name verified by A is answered verified by B, C and D; a
#     dissent A saw is refused by B and D (without the fleet: "not verified", NOERROR with an
#     EDE); what B imported and A verified while Redis was away is still verified.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq redis-server redis-cli
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 45

BULK=${FLEET_BULK:-240}
CONS_ZONES=fleet

# --- the world
cons_view honest honest.zone || bail_out "cannot start the honest view"
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" honest || bail_out "mirror $r did not start"; done
start_redis || bail_out "redis-server did not start"

declare -A VA=() VP=() VL=()
# vd NAME URL [YAML]: a vantaged sharing through URL, with its own address, state and control
# socket, and YAML lines added to its config.
vd() {
	cons_vconf "$T/$1.yaml" listen="$(unique_addr):0" mirrors="eu us ap" \
		extra="shared: { redis: \"$2\", timeout: 50ms }${3:+
$3}" || return 1
	start_vantaged "$T/$1.yaml" || return 1
	VA[$1]=$VANTAGED_ADDR VP[$1]=$VANTAGED_PORT VL[$1]=$VANTAGED_LOG
}
ask() { local n=$1; shift; qdig "${VA[$n]}" "${VP[$n]}" "$@"; }
st() { timeout 20 "$VANTAGECTL" -s "$T/ctl-$1.sock" -j status | jq -r ".shared.$2"; }
state_is() { [ "$(st "$1" state)" = "$2" ]; }
freeze() { local r; for r in eu us ap; do kill -"$1" "${MPID[$r]}"; done; }
mq() { local r s=0 v; for r in eu us ap; do v=$(mirror_queries "$r") || return 1; s=$((s + v)); done; echo "$s"; }
verified() { local out; out=$(ask "$@"); [ "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" = "NOERROR/" ]; }

jst() { timeout 20 "$VANTAGECTL" -s "$T/ctl-$1.sock" -j status | jq -r "$2"; }
maxms() { sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' "$@" | sort -n | tail -n 1; }

vd A "$REDIS_URL" || bail_out "vantaged A did not start"
vd B "$REDIS_URL" "workers: 2" || bail_out "vantaged B did not start" # the checks: main loop
vd C "$REDIS_UNIX_URL" || bail_out "vantaged C did not start"
ok "A, B and C (unix socket): Redis up" wait_until 10 eval 'state_is A up && state_is B up && state_is C up'
is "$(st A server)" "$REDIS_ADDR:$REDIS_PORT/0" "status names the server (no password in it)"
is "$(jst B '.workers | length')" 2 "B runs two event loops"

# --- 1. three instances, the same cold names at once: mirror questions per distinct name
before=$(mq) || bail_out "cannot read the mirrors' counters"
t0=$(now_ms)
for i in $(seq 1 "$BULK"); do
	pids=()
	for n in A B C; do
		ask "$n" +short "n$i.bulk.example.test" A > "$T/bulk-$n-$i.out" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: the daemons are this shell's children too
done
t1=$(now_ms)
after=$(mq)
good=$(cat "$T"/bulk-*.out | grep -c '^127\.193\.215\.200$')
is "$good" $((3 * BULK)) "3 x $BULK cold names: every answer is the honest address"
asked=$((after - before))
diag "mirror questions for $BULK names x 3 instances: $asked, $((asked * 100 / (3 * BULK))) % of one instance's $((3 * BULK)) ($((t1 - t0)) ms)"
cmp_ok "$asked" -le $((3 * BULK * 12 / 10)) "... at most 1.2 x the questions of one instance alone"
cmp_ok "$asked" -ge $((3 * BULK)) "... and every name was asked (the count is real)"
agree=0 wins=0
for n in A B C; do agree=$((agree + $(jst "$n" .verdicts.agree))); wins=$((wins + $(st "$n" lock_wins))); done
cmp_ok "$agree" -le $((BULK * 12 / 10)) "verdicts taken from the mirrors, all instances: about one per name ($agree)"
cmp_ok "$wins" -ge "$BULK" "the lock was won at least once per name ($wins)"
is "$(st A invalid)/$(st B invalid)/$(st C invalid)" "0/0/0" "no value was refused as invalid"

# --- 2. Redis killed, restarted, frozen
ok "A verifies honest1" verified A honest1.example.test A
ttl=$(rcli PTTL "vantage:v:A:honest1.example.test.")
ok "... and shares it, with a Redis TTL no longer than its life (${ttl} ms)" \
	test "$ttl" -gt 0 -a "$ttl" -le 300000
ok "B has it (imported from A's announcement)" verified B honest1.example.test A
stop_pid "$REDIS_PID" > /dev/null
ok "Redis killed: A's status says down" wait_until 10 eval 'state_is A down'
for i in 1 2 3 4 5 6 7 8; do ask A "k$i.bulk.example.test" A > "$T/kill-$i.out"; done
is "$(cat "$T"/kill-*.out | grep -c 'status: NOERROR')" 8 "... cold names still answered"
cmp_ok "$(maxms "$T"/kill-*.out)" -lt 1000 "... each in under a second (the mirrors, no Redis)"
ok "... and verified locally (the verdict logged)" log_has 'k8\.bulk\.example\.test\.? A: [23] of 3' "${VL[A]}"
restart_redis || bail_out "redis-server did not restart"
ok "Redis restarted: A, B and C up again, without a restart of theirs" \
	wait_until 20 eval 'state_is A up && state_is B up && state_is C up'
kill -STOP "$REDIS_PID"
for i in 1 2 3 4 5 6; do ask B "f$i.bulk.example.test" A > "$T/frozen-$i.out"; done
is "$(cat "$T"/frozen-*.out | grep -c 'status: NOERROR')" 6 "Redis frozen: cold names answered"
cmp_ok "$(maxms "$T"/frozen-*.out)" -lt 1000 "... none waits on Redis past shared.timeout"
cmp_ok "$(st B timeouts)" -ge 1 "... B counts the commands that timed out"
kill -CONT "$REDIS_PID"
ok "Redis back: B up" wait_until 20 state_is B up

# --- 3. every mirror frozen
ok "A verifies honest2" verified A honest2.example.test A
out=$(ask A poisoned.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "A refuses poisoned (its mirrors dissent)"
ttl=$(rcli PTTL "vantage:v:A:poisoned.example.test.")
ok "... the dissent is shared, for at most 30 s (${ttl} ms)" test "$ttl" -gt 0 -a "$ttl" -le 30000
# Pairs and CA histories proved before D listened: D reads them when it connects (signed
# with the key derived without a password, as every instance here; a garbage one refused).
FORGE=$TOOLS_DIR/fleetforge
"$FORGE" -P -n pinned.example.test -e 600 127.193.215.77 |
	rcli -x SET "vantage:p:pinned.example.test.:127.193.215.77" > /dev/null
"$FORGE" -H -n pinned.example.test -e 600 | rcli -x SET "vantage:h:pinned.example.test." > /dev/null
printf 'not a value' | rcli -x SET "vantage:p:junk.example.test.:127.193.215.78" > /dev/null
is "$(rcli KEYS 'vantage:[ph]:*' | grep -c 'example\.test')" 3 "planted: a pair, a history, a garbage pair"
vd D "$REDIS_URL" || bail_out "vantaged D did not start"
ok "D (started now): Redis up" wait_until 10 state_is D up
ok "D read the fleet's pairs and histories at connect (status loaded)" \
	wait_until 10 eval '[ "$(st D loaded)" -ge 3 ]'
ok "... and says so" wait_until 10 log_has "shared: read the fleet's pairs and CA histories: [0-9]+ keys" "${VL[D]}"
cmp_ok "$(st D imported)" -ge 2 "... the signed pair and history imported"
ok "... the garbage one refused with a log line" \
	log_has 'ignored the value of vantage:p:junk\.example\.test\.:127\.193\.215\.78' "${VL[D]}"
freeze STOP
ok "every mirror frozen: D answers honest2 verified" verified D honest2.example.test A
cmp_ok "$(st D hits)" -ge 1 "... on a fleet hit (its status)"
is "$(jst D .verdicts.agree)" 0 "... D itself took no verdict from any mirror"
ok "... B and C answer honest2 verified too" eval 'verified B honest2.example.test A && verified C honest2.example.test A'
is "$(ask D poisoned.example.test A | dig_rcode)" REFUSED "D refuses poisoned on A's dissent"
is "$(ask B poisoned.example.test A | dig_rcode)" REFUSED "... and so does B"
ok "... saying the fleet found it" log_has 'poisoned\.example\.test\.? A: .*another instance of the fleet' "${VL[D]}"
ok "B still answers honest1 verified (imported before Redis was restarted empty)" verified B honest1.example.test A
ok "A still answers k8 verified (verified while Redis was down)" verified A k8.bulk.example.test A
like "$(ask B honest3.example.test A | ede_of)" 'vantage:' "control: a name nobody verified is not verified (EDE)"
freeze CONT

# --- a reload that changes shared: keeps the running connection until a restart
sed -i 's/timeout: 50ms }/timeout: 50ms, prefix: "other:" }/' "$T/A.yaml"
timeout 20 "$VANTAGECTL" -s "$T/ctl-A.sock" reload > /dev/null
ok "a reload changing shared: says it takes effect at the next restart" \
	wait_until 10 log_has 'reload: shared: changed; it takes effect at the next restart' "${VL[A]}"
is "$(st A prefix)/$(st A state)" "vantage:/up" "... and the running fleet keeps its prefix and connection"

# --- under valgrind: a shared verdict, an owned check (lock, publish, notice), SIGTERM
if can_valgrind "$VANTAGED"; then
	VANTAGED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" VANTAGED_START_TIMEOUT=30 \
		vd E "$REDIS_URL" || bail_out "vantaged under valgrind did not start"
	ok "valgrind: E up on Redis" wait_until 30 state_is E up
	is "$(ask E +time=10 +short honest2.example.test A)/$(ask E +time=10 +short v1.bulk.example.test A)" \
		"127.193.215.102/127.193.215.200" "valgrind: a shared verdict and a cold name answered"
	stop_pid "$VANTAGED_PID" 30
	is "$?" 0 "valgrind: SIGTERM exit 0 (99 would be a leak or an error)"
else
	skip "valgrind not installed, or an ASAN build" 3
fi
