#!/bin/bash
# tests/integration/vantaged_basic.sh - vantaged forwards and answers exactly what the upstream
# answers, for dig, kdig and drill, over UDP and TCP, with the client's ID and question case.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged

QUERIES=("www.example.test A" "www.example.test AAAA" "example.test MX" "txt.example.test TXT"
	"example.test TXT" "alias.example.test A")
tap_plan $(( 3 * ${#QUERIES[@]} + 15 ))

# world: one honest authoritative upstream
U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
L=$(unique_addr)
vantaged_conf "$T/vantaged.yaml" listen="$L:0" upstream="$U:5300"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start"
is "$VANTAGED_ADDR" "$L" "listens on the configured address"
cmp_ok "$VANTAGED_PORT" -gt 0 "port 0 in the config became a real port"

ask() {	# tool addr port name type
	case $1 in
	dig) timeout 15 dig @"$2" -p "$3" +tries=1 +time=3 +noall +answer "$4" "$5" ;;
	kdig) timeout 15 kdig @"$2" -p "$3" +retry=0 +timeout=3 +noall +answer "$4" "$5" ;;
	drill) timeout 15 drill -p "$3" @"$2" "$4" "$5" ;;
	esac | answer_norm
}

for tool in dig kdig drill; do
	if ! command -v $tool > /dev/null; then skip "$tool not installed" ${#QUERIES[@]}; continue; fi
	for q in "${QUERIES[@]}"; do
		set -- $q
		want=$(ask $tool "$U" 5300 "$1" "$2")
		got=$(ask $tool "$VANTAGED_ADDR" "$VANTAGED_PORT" "$1" "$2")
		if [ -z "$want" ]; then fail "$tool $q: the upstream itself gave no answer"; continue; fi
		is "$got" "$want" "$tool $q: same RRset as the upstream"
	done
done

out=$(vdig www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "NOERROR for www.example.test A"
like "$(dig_flags <<< "$out")" "^qr.* rd ra" "header has QR, RD echoed and RA set"

# the CNAME chain is complete: both CNAMEs and the final addresses
out=$(vdig +noall +answer alias.example.test A | answer_norm)
like "$out" "alias.example.test. IN CNAME alias2.example.test." "CNAME chain: first link"
like "$out" "alias2.example.test. IN CNAME www.example.test." "CNAME chain: second link"
like "$out" "www.example.test. IN A 127.192.0.1" "CNAME chain: target address"

# TCP from the client
want=$(qdig "$U" 5300 +noall +answer www.example.test AAAA | answer_norm)
is "$(vdig +tcp +noall +answer www.example.test AAAA | answer_norm)" "$want" "same answer over TCP"

# the response carries the client's ID (dnsjunk checks it byte for byte)
if [ -x "$TOOLS_DIR/dnsjunk" ]; then
	like "$("$TOOLS_DIR/dnsjunk" probe "$VANTAGED_ADDR" "$VANTAGED_PORT" good)" \
		"^rcode=NXDOMAIN id=ok qr=1 qd=1" "NXDOMAIN for a missing name, with the client's ID"
else
	skip "dnsjunk not built"
fi

# question case: a miss with mixed case, then a cache hit with another mix
out=$(vdig +noall +question +answer CaSe.ExAmPlE.TeSt A)
like "$out" ";CaSe\.ExAmPlE\.TeSt\.[[:space:]]+IN[[:space:]]+A" "miss: question section keeps the client's case"
like "$(answer_norm <<< "$out")" "^case.example.test. IN A 127.192.0.11$" "miss: the answer is right"
out=$(vdig +noall +question +answer cASE.example.TEST A)
like "$out" ";cASE\.example\.TEST\.[[:space:]]+IN[[:space:]]+A" "hit: question section keeps the client's case"
like "$(answer_norm <<< "$out")" "^case.example.test. IN A 127.192.0.11$" "hit: the answer is right"
out=$(vdig +noall +question +answer +tcp CASE.EXAMPLE.TEST A)
like "$out" ";CASE\.EXAMPLE\.TEST\.[[:space:]]+IN[[:space:]]+A" "TCP: question section keeps the client's case"

ok "vantaged is still running" alive "$VANTAGED_PID"
