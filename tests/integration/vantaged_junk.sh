#!/bin/bash
# tests/integration/vantaged_junk.sh - malformed queries: each crafted kind is dropped or
# answered FORMERR/NOTIMP with the client's ID, responses are never answered, and after
# several hundred random packets (UDP and TCP) vantaged still answers correctly.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
[ -x "$TOOLS_DIR/dnsjunk" ] || skip_all "tests/integration/tools/dnsjunk not built"
tap_plan 15

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
vantaged_conf "$T/vantaged.yaml" upstream="$U:5300"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start"

probe() { "$TOOLS_DIR/dnsjunk" probe "$VANTAGED_ADDR" "$VANTAGED_PORT" "$1"; }

is "$(probe qr)" noanswer "a response (QR=1) is never answered: no reflection loops"
is "$(probe short)" noanswer "a 7-byte packet is dropped"
for k in qd0 qd2 trunc ptrloop badlabel; do
	like "$(probe $k)" "^(noanswer|rcode=FORMERR id=ok qr=1)" "$k: dropped or FORMERR with the client's ID"
done
like "$(probe update)" "^(noanswer|rcode=(NOTIMP|FORMERR|REFUSED) id=ok qr=1)" \
	"opcode UPDATE: dropped or NOTIMP/FORMERR/REFUSED"
like "$(probe good)" "^rcode=NXDOMAIN id=ok qr=1 qd=1" "a well-formed query still works between probes"

seed=${JUNK_SEED:-$(( $(date +%s) % 100000 ))}
diag "random junk seed $seed (JUNK_SEED=$seed reproduces it)"
out=$("$TOOLS_DIR/dnsjunk" send "$VANTAGED_ADDR" "$VANTAGED_PORT" 600 "$seed")
st=$?
diag "$out"
is "$st" 0 "600 random/truncated/flipped packets: every response had a sent ID and QR=1"
ok "vantaged survived the junk" alive "$VANTAGED_PID"

is "$(vdig +noall +answer junk.example.test A | answer_norm)" "junk.example.test. IN A 127.192.0.40" \
	"after the junk: UDP answer is right"
is "$(vdig +tcp +noall +answer www.example.test A | answer_norm)" \
	"$(printf 'www.example.test. IN A 127.192.0.1\nwww.example.test. IN A 127.192.0.2')" "after the junk: TCP answer is right"
is "$(vdig nx-after-junk.example.test A | dig_rcode)" NXDOMAIN "after the junk: NXDOMAIN is right"
unlike "$(cat "$VANTAGED_LOG")" "(AddressSanitizer|runtime error:|fatal)" "no sanitizer report or fatal error in the log"
