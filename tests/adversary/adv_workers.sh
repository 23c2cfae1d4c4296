#!/bin/bash
# tests/adversary/adv_workers.sh - the lying resolver against workers: 2. The kernel spreads
# clients over the two event loops by address and port; the attacker (who may choose source
# ports, or simply be many clients) must not find a loop that knows less than the other:
#  - a dissent taken through loop 0 is REFUSED through loop 1 as well, the cached verdict and
#    not a second chance for the liar's answer that sits in the shared answer cache;
#  - a name verified through loop 0, then forged while every mirror is blocked, is REFUSED
#    through loop 1 (the evidence is one, not one per loop);
#  - a flood of cold names through both loops, mirrors blocked, leaves both answering and the
#    verdicts in place.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 11

# t38 honest (TTL 0: every question reaches the check), t37 the attacker's from the start.
liar_begin
liar_honest t38.adv.test. A "t38.adv.test. 0 IN A 127.200.1.38"
liar_honest t37.adv.test. A "t37.adv.test. 300 IN A $EVIL"
liar_honest t39.adv.test. A "t39.adv.test. 300 IN A 127.200.1.39"
liar_start || bail_out "cannot start the lying resolver"
adv_world extra="workers: 2" || bail_out "cannot build the world"
SOCK=$T/ctl-vd.sock
CLIENT=$(unique_addr)
find_loop_ports t39.adv.test || bail_out "too few source ports reached one of the loops"
P0=${L0[0]} P1=${L1[0]}
pass "source ports of each loop found (${L0[*]} / ${L1[*]})"

# --- a dissent is the instance's
out=$(pdig "$P0" t37.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "loop 0: the forged t37 is REFUSED (the mirrors dissent)"
c=$(loop_field 1 verdicts_cached)
out=$(pdig "$P1" t37.adv.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "REFUSED/" \
	"loop 1: REFUSED too, no address (the liar's answer in the shared cache is not served)"
is "$(loop_field 1 verdicts_cached)" "$((c + 1))" "... on the verdict loop 0's check took"
ans=$(pdig "$P0" +short t37.adv.test A; pdig "$P1" +short t37.adv.test A)
unlike "$ans" '127\.201\.' "... the attacker's address reaches no client through either loop"

# --- the evidence is the instance's: verified through loop 0, forged with the mirrors blocked
out=$(pdig "$P0" t38.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")/$(answer_norm <<< "$out")" \
	"NOERROR//t38.adv.test. IN A 127.200.1.38" "loop 0: t38 verified"
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
liar_begin
liar_honest t38.adv.test. A "t38.adv.test. 300 IN A $EVIL"
liar_honest t37.adv.test. A "t37.adv.test. 300 IN A $EVIL"
liar_honest t39.adv.test. A "t39.adv.test. 300 IN A 127.200.1.39"
liar_restart t38.adv.test A || bail_out "cannot restart the lying resolver"
out=$(pdig "$P1" t38.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "loop 1, mirrors blocked, t38 forged: REFUSED (the addresses verified through loop 0)"
like "$(ede_of <<< "$out")" "contradicts the addresses verified for t38\\.adv\\.test\\." "... EDE saying why"

# --- a flood of cold names through both loops, mirrors blocked
pids=()
for i in 0 1 2 3; do
	for p in "${L0[$i]}" "${L1[$i]}"; do
		( for n in $(seq 1 40); do pdig "$p" +time=1 "flood$i-$p-$n.adv.test" A > /dev/null 2>&1; done ) &
		pids+=($!)
	done
done
wait "${pids[@]}"
ok "after 320 cold names through both loops vantaged still runs" alive "$VANTAGED_PID"
is "$(pdig "$P0" t38.adv.test A | dig_rcode)/$(pdig "$P1" t38.adv.test A | dig_rcode)" "REFUSED/REFUSED" \
	"... and t38's forgery is still REFUSED through both loops"
ans=$(pdig "$P0" +short t38.adv.test A; pdig "$P1" +short t38.adv.test A)
unlike "$ans" '127\.201\.' "... its forged address reaches no client"
