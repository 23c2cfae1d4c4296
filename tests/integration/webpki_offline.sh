#!/bin/bash
# tests/integration/webpki_offline.sh - without a network (CI, an air-gapped lab) answers still
# arrive promptly: the mirrors are tried once at start (one line says how many are usable and why
# the others are not), then backed off; a question does not wait for an unreachable mirror, and
# its EDE says why it could not be cross-checked.  The "network" here: a closed port (refused at
# once) and two black holes that accept TCP and never speak TLS (the connect deadline), all on
# loopback.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs ldns-testns dig openssl python3
require_vantaged
tap_plan 8

liar_begin
for i in $(seq 1 40); do liar_honest "o$i.adv.test." A "o$i.adv.test. 300 IN A 127.200.3.$i"; done
liar_start || bail_out "cannot start the resolver"
wp_ca || bail_out "cannot make the test PKI"

# Two black holes: accept, then hold the connection without a byte.
for n in hole1 hole2; do
	a=$(unique_addr) || bail_out "no address"
	spawn "$n" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8443)); s.listen(64); held = []
print("listening", flush=True)
while True:
    held.append(s.accept()[0])
' "$a"
	wait_until 5 grep -q listening "$T/$n.log" || bail_out "black hole $n did not start"
	WHP[$n]=$a:8443
done
WHP[closed]=$(unique_addr):8443

wp_vconf "$T/vd.yaml" closed:eu:hostname=closed.test hole1:us:hostname=hole1.test \
	hole2:ap:hostname=hole2.test
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

ok "one line at start: none of the 3 mirrors is usable, and why" \
	wait_until 10 log_has "0 of 3 mirrors usable: .*closed \\(unreachable: .*\\); hole1 \\(unreachable: .*5 s"
like "$(wp_mirror_field hole1 why)" "^unreachable: no TLS connection within 5 s" \
	"vantagectl mirrors: a black hole is unreachable"
like "$(wp_mirror_field closed why)" "^unreachable: connect: " \
	"vantagectl mirrors: a closed port is unreachable"

# For three seconds (the backoffs of 0.5, 1 and 2 s end in between, and the mirrors are probed
# again): every question answered at once, with an EDE that says why.
slow="" noede="" n=0 max=0 t0=$(now_ms)
while [ $(($(now_ms) - t0)) -lt 3000 ] && [ "$n" -lt 40 ]; do
	n=$((n + 1))
	s=$(now_ms)
	out=$(vdig "o$n.adv.test" A)
	ms=$(($(now_ms) - s))
	[ "$ms" -lt 500 ] || slow="$slow o$n:${ms}ms"
	[ "$ms" -le "$max" ] || max=$ms
	[[ "$(ede_of <<< "$out")" =~ ^22\ vantage:\ no\ mirror\ reachable ]] || noede="$noede o$n"
	[ "$(dig_rcode <<< "$out")" = NOERROR ] || noede="$noede o$n:$(dig_rcode <<< "$out")"
done
cmp_ok "$n" -ge 5 "questions asked while offline ($n, the slowest took $max ms with dig)"
is "$slow" "" "no question waited for a mirror (each under 500 ms, timeout 1500 ms)"
is "$noede" "" "each answered NOERROR with EDE 22 'no mirror reachable'"
# The counts of what each mirror was asked: the questions went nowhere but are counted.
q=$(( $(wp_mirror_field closed queries) + $(wp_mirror_field hole1 queries) + $(wp_mirror_field hole2 queries) ))
s=$(( $(wp_mirror_field closed sent) + $(wp_mirror_field hole1 sent) + $(wp_mirror_field hole2 sent) ))
is "$q/$s" "$((3 * n))/0" "vantagectl mirrors: $((3 * n)) questions for the mirrors, none sent to them"
ok "the mirrors were probed again after their backoff" \
	log_has "mirror closed \\(.*\\) lane 0: .*retrying in [1-9][0-9]* ms|mirror closed .*retrying in (1000|2000) ms"
