#!/bin/bash
# tests/integration/vantaged_workers.sh - workers: 2 beside three honest mirrors. The kernel
# spreads clients over the two loops by address and port (SO_REUSEPORT): the test finds a
# source port each loop takes (`vantagectl -j status` counts questions per loop), then shows
# that a name verified through one loop is served verified through the other with every
# mirror stopped (one verified truth), that identical checked questions arriving on both loops
# cost each mirror one question, that a broken file reloads neither loop and a good one both,
# that plugins cannot be switched on under workers by a reload, and that SIGTERM stops all.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 27

cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do
	cons_view "$r" "$r.zone" || bail_out "cannot start the $r view"
	cons_logview "$r" || bail_out "cannot start the logging dnsmasq of $r"
done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
cons_vconf "$T/vd.yaml" mirrors="eu us ap" extra="workers: 2"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
SOCK=$T/ctl-vd.sock
jctl() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j "$@"; }
# loop_field I FIELD: loop I's counter FIELD in status.
loop_field() { jctl status | jq -r ".workers[$1].$2"; }
# pdig PORT ARGS: a question from our own address and a fixed source port (one loop's).
CLIENT=$(unique_addr)
pdig() { local p=$1; shift; timeout 15 dig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" -b "$CLIENT#$p" +tries=1 +time=3 "$@"; }

# --- two loops, each with its own counters
like "$(grep -m 1 'main: ready' "$VANTAGED_LOG")" 'ready: 2 worker loops' "the log says two loops run"
is "$(jctl status | jq '.workers | length')" 2 "status: two loops (workers[])"
is "$(grep -c "listen: bound $VANTAGED_ADDR:$VANTAGED_PORT " "$VANTAGED_LOG")" 2 \
	"each loop bound its own sockets on the one address"

# Find source ports each loop takes (four each): the loop whose question count moved.
L0=() L1=()
for p in $(seq 41000 41127); do
	a=$(loop_field 0 queries)
	pdig "$p" +short www.example.test A > /dev/null
	if [ "$(loop_field 0 queries)" != "$a" ]; then L0+=("$p"); else L1+=("$p"); fi
	[ ${#L0[@]} -ge 4 ] && [ ${#L1[@]} -ge 4 ] && break
done
P0=${L0[0]:-} P1=${L1[0]:-}
ok "the kernel spread the clients over both loops (ports ${L0[*]} / ${L1[*]})" \
	test ${#L0[@]} -ge 4 -a ${#L1[@]} -ge 4
[ ${#L0[@]} -ge 4 ] && [ ${#L1[@]} -ge 4 ] || bail_out "too few source ports reached one of the loops"
is "$(jctl status | jq '[.workers[].queries] | add')" "$(jctl status | jq '.queries.udp + .queries.tcp')" \
	"the instance's question count is the loops' sum"

# --- one verified truth: verified through loop 0, served verified by loop 1 without mirrors
out=$(pdig "$P0" honest1.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "loop 0: honest1 verified (no EDE)"
is "$(answer_norm <<< "$out")" "honest1.example.test. IN A 127.193.215.101" "... the honest address"
ok "... the mirrors corroborated it" log_has 'consensus: honest1\.example\.test\.? A: [23] of 3 mirrors corroborate'
c1=$(loop_field 1 verdicts_cached)
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
out=$(pdig "$P1" honest1.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" \
	"loop 1, every mirror stopped: honest1 still served verified (no EDE)"
is "$(answer_norm <<< "$out")" "honest1.example.test. IN A 127.193.215.101" "... the same address"
is "$(loop_field 1 verdicts_cached)" "$((c1 + 1))" "... loop 1 answered on the verdict loop 0's check left"
out=$(pdig "$P1" honest2.example.test A)
like "$(ede_of <<< "$out")" '^22 ' "control: a name never verified gets EDE 22 on loop 1 (no mirror reachable)"

# --- checks are coalesced across loops: the mirrors see one question for both loops
for r in eu us ap; do
	cons_mirror "$r-2" "$r" "$r" || bail_out "mirror $r-2 did not start"
done
cons_vconf "$T/vd2.yaml" mirrors="eu-2 us-2 ap-2" extra="workers: 2" \
	listen="$VANTAGED_ADDR:$VANTAGED_PORT" c.timeout=5s
stop_pid "$VANTAGED_PID"
is "$?" 0 "SIGTERM: both loops stopped, exit 0"
ok "... the daemon said it stopped" log_has 'main: stopped'
start_vantaged "$T/vd2.yaml" || bail_out "vantaged did not start (second)"
SOCK=$T/ctl-vd2.sock
declare -A m0=()
for r in eu-2 us-2 ap-2; do m0[$r]=$(mirror_queries "$r"); done
pids=()
for i in 0 1 2 3; do
	pdig "${L0[$i]}" +noall +answer honest6.example.test A > "$T/t0-$i.out" 2>&1 &
	pids+=($!)
	pdig "${L1[$i]}" +noall +answer honest6.example.test A > "$T/t1-$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
is "$(cat "$T"/t[01]-*.out | answer_norm | grep -c '127\.193\.215\.')" 8 \
	"8 clients on both loops asked one cold name: all answered"
is "$(loop_field 0 queries)/$(loop_field 1 queries)" "4/4" "... four on each loop"
for r in eu-2 us-2 ap-2; do
	is "$(( $(mirror_queries "$r") - ${m0[$r]} ))" 1 "... mirror $r was asked once"
done

# --- reload: a broken file changes neither loop, a good one both
cp "$T/vd2.yaml" "$T/good.yaml"
printf 'acl: [ { from: 127.0.0.0/8, action: refuse } ]\nbogus_key: 1\n' >> "$T/vd2.yaml"
kill -HUP "$VANTAGED_PID"
ok "a broken file: the reload failed" wait_until 5 log_has 'reload failed, keeping the running configuration'
is "$(pdig "$P0" +short honest3.example.test A)/$(pdig "$P1" +short honest3.example.test A)" \
	"127.193.215.103/127.193.215.103" "... both loops still answer (the old ACL)"
cp "$T/good.yaml" "$T/vd2.yaml"
printf 'acl: [ { from: %s/32, action: refuse } ]\n' "$CLIENT" >> "$T/vd2.yaml"
n=$(grep -c 'configuration reloaded' "$VANTAGED_LOG")
kill -HUP "$VANTAGED_PID"
reloaded() { [ "$(grep -c 'configuration reloaded' "$VANTAGED_LOG")" -gt "$n" ]; }
ok "a good file with an ACL refusing the client: reloaded" wait_until 5 reloaded
is "$(pdig "$P0" honest3.example.test A | dig_rcode)/$(pdig "$P1" honest3.example.test A | dig_rcode)" \
	"REFUSED/REFUSED" "... both loops apply it"

# --- plugins run on one loop: a reload cannot turn them on under two
cp "$T/good.yaml" "$T/vd2.yaml"
printf 'plugins:\n  querylog: { file: "%s/q.log" }\n' "$T" >> "$T/vd2.yaml"
kill -HUP "$VANTAGED_PID"
ok "a reload turning a plugin on under workers: 2 fails, said why" \
	wait_until 5 log_has 'plugins need workers: 1'
is "$(pdig "$P0" honest3.example.test A | dig_rcode)/$(pdig "$P1" honest3.example.test A | dig_rcode)" \
	"REFUSED/REFUSED" "... and nothing of it applied (the ACL still refuses on both loops)"

# --- SIGTERM with checks in flight, under valgrind: nothing leaked by either loop
if can_valgrind "$VANTAGED"; then
	stop_pid "$VANTAGED_PID"
	cp "$T/good.yaml" "$T/vd2.yaml"
	VANTAGED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" VANTAGED_START_TIMEOUT=30 \
		start_vantaged "$T/vd2.yaml" || bail_out "vantaged under valgrind did not start"
	pids=()
	for p in "$P0" "$P1"; do
		pdig "$p" +time=8 +short honest4.example.test A > "$T/vg-$p.out" &
		pids+=($!)
	done
	wait "${pids[@]}"
	is "$(cat "$T/vg-$P0.out" "$T/vg-$P1.out")" "$(printf '127.193.215.104\n127.193.215.104')" \
		"valgrind, two loops: both answered"
	stop_pid "$VANTAGED_PID" 30
	is "$?" 0 "valgrind, two loops: SIGTERM exit 0 (99 would be a leak or an error)"
else
	skip "valgrind not installed, or an ASAN build" 2
fi
