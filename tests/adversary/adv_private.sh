#!/bin/bash
# tests/adversary/adv_private.sh - the private-address rule with the shipped default
# (consensus.allow_private: false).  The lying resolver answers a loopback address that only it
# gives: a neighbour of the honest address in its /24 (a weak signal that, were the address a
# public one, would send vantaged to the CA evidence and TLS-probe it), and the honest address
# plus one of its own.  Both are REFUSED by the private rule itself: the dissent log says "private"
# for every mirror, glibc never sees the address, and vantaged never even connects to it (a
# listener on its port 443 counts connections: a probe there would let a LAN attacker hold the
# verdict up or talk to vantaged).  A loopback address the mirrors were given too still
# corroborates: the rule refuses only what the local answer alone says.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq openssl
tap_plan 11

NEIGHBOUR=127.200.1.99

# A TCP listener on NEIGHBOUR:443 that writes a line per connection it accepts.
listen_count() {
	spawn "count-$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 443)); s.listen(16)
open(sys.argv[2], "a").close()
while True:
    c, _ = s.accept(); open(sys.argv[2], "a").write("accept\n"); c.close()
' "$1" "$T/count-$1.log"
	wait_until 10 test -e "$T/count-$1.log" || { diag "no listener on $1:443"; return 1; }
}

# The CA evidence in reach, as for a CDN name (adv_ladder.sh): the honest address serves a
# certificate of the test CA and the mirrors act as notaries, so a weak signal would send
# vantaged to probe the local address (probe: on-dissent, the shipped default).
adv_tls_world t1.adv.test t2.adv.test || bail_out "cannot make the certificates"
tls_serve 127.200.1.1 || bail_out "no TLS server on 127.200.1.1"
ADV_MIRROR_YAML="observe: { allow_private: true, timeout: 3s }"
listen_count "$NEIGHBOUR" || bail_out "cannot start the connection counter"

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $NEIGHBOUR"
liar_honest t2.adv.test. A "t2.adv.test. 300 IN A 127.200.1.2" "t2.adv.test. 300 IN A $NEIGHBOUR"
liar_start || bail_out "cannot start the lying resolver"
adv_world c.allow_private=false c.probe=on-dissent c.probe_timeout=3s || bail_out "cannot build the world"

out=$(adv_dig www.adv.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" \
	"a loopback address the mirrors gave too: NOERROR, no EDE"
is "$(adv_getent www.adv.test)" "127.200.0.10" "... and glibc gets it"

for n in t1 t2; do
	out=$(adv_dig $n.adv.test A)
	is "$(dig_rcode <<< "$out")" "REFUSED" "$n: a private address only the liar gives: REFUSED"
	like "$(ede_of <<< "$out")" "^0 vantage: .*dissent" "$n: EDE 0 naming the dissent"
	unlike "$(adv_getent $n.adv.test)" "127\.200\.1\.99" "$n: glibc never gets the address"
done

wait_until 10 grep -q '"t2\.adv\.test' "$T/dissent.jsonl" || diag "no dissent line for t2"
is "$(jq -r 'select(.name == "t1.adv.test.") | [.mirrors[] | select(.evidence == "dissents") | .why] | unique | join(" ")' \
	"$T/dissent.jsonl" 2>&1 | head -n 1)" "private" "t1: every mirror's evidence says why: private"
is "$(jq -r 'select(.name == "t2.adv.test.") | [.mirrors[] | select(.evidence == "dissents") | .why] | unique | join(" ")' \
	"$T/dissent.jsonl" 2>&1 | head -n 1)" "private" "t2: the same for the honest set plus one"
is "$(wc -l < "$T/count-$NEIGHBOUR.log")" 0 "vantaged never connected to the private address"
