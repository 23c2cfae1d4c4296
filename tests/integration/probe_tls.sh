#!/bin/bash
# tests/integration/probe_tls.sh - the TLS probe (resolver/probe.c) against openssl s_server:
# a test PKI made here (root, intermediate, leaves good, wildcard, for another name,
# self-signed, expired, from another CA), one server per case on its own loopback address,
# and probetool's verdict for each; impostors holding a genuine chain without its key;
# unreachable servers, a silent one, busy, cancel, the sandbox, valgrind.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs openssl
PROBETOOL=$TOOLS_DIR/probetool
[ -x "$PROBETOOL" ] || skip_all "no $PROBETOOL (make check builds it)"
tap_plan 45

P=$T/pki
mkdir -p "$P/newcerts"
: > "$P/index.txt"
echo 1000 > "$P/serial"
cat > "$P/ext.cnf" <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[notca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[clientonly]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = $ENV::SAN
EOF
# openssl ca, only for the expired leaf: x509 -req cannot set a start date in OpenSSL 3.0.
cat > "$P/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $P/index.txt
new_certs_dir = $P/newcerts
serial = $P/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOF
export SAN=DNS:unused.test

# mkkey NAME: an EC P-256 key (cheap handshakes); RSA-2048 for the intermediate, as most
# public intermediates are (and its SubjectPublicKeyInfo has long-form DER lengths)
mkkey() {
	if [ "$1" = int ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/$1.key" 2> /dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$1.key" 2> /dev/null
	fi
}
# selfsigned NAME CN EXT
selfsigned() {
	mkkey "$1" && openssl req -new -x509 -key "$P/$1.key" -out "$P/$1.pem" -days 3650 -subj "/CN=$2" \
		-config "$P/ext.cnf" -extensions "$3" 2> /dev/null
}
# signed NAME CN ISSUER EXT [SAN]
signed() {
	local name=$1 cn=$2 issuer=$3 ext=$4
	SAN=${5:-DNS:unused.test}
	mkkey "$name" &&
	openssl req -new -key "$P/$name.key" -subj "/CN=$cn" -out "$P/$name.csr" 2> /dev/null &&
	openssl x509 -req -in "$P/$name.csr" -CA "$P/$issuer.pem" -CAkey "$P/$issuer.key" \
		-CAcreateserial -days 825 -extfile "$P/ext.cnf" -extensions "$ext" -out "$P/$name.pem" 2> /dev/null
}
fp0() { openssl x509 -in "$P/$1.pem" -outform DER | sha256sum | cut -c1-64; }
fp1() { openssl x509 -in "$P/$1.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64; }

{
	selfsigned root "Probe Test Root" ca &&
	signed int "Probe Test Intermediate" root ca &&
	signed www www.probe.test int leaf "DNS:www.probe.test,DNS:alt.probe.test" &&
	signed wild "*.probe.test" int leaf "DNS:*.probe.test" &&
	signed other other.test int leaf "DNS:other.test" &&
	signed client www.probe.test int clientonly "DNS:www.probe.test" &&
	signed notca "Not A CA" int notca "DNS:notca.test" &&
	signed undernotca www.probe.test notca leaf "DNS:www.probe.test" &&
	SAN=DNS:www.probe.test selfsigned self www.probe.test leaf &&
	selfsigned evilroot "Evil Root" ca &&
	signed evil www.probe.test evilroot leaf "DNS:www.probe.test" &&
	mkkey expired &&
	openssl req -new -key "$P/expired.key" -subj "/CN=www.probe.test" -out "$P/expired.csr" 2> /dev/null &&
	SAN=DNS:www.probe.test openssl ca -batch -config "$P/ca.cnf" -cert "$P/int.pem" \
		-keyfile "$P/int.key" -in "$P/expired.csr" -out "$P/expired.pem" -notext \
		-startdate 20200101000000Z -enddate 20210101000000Z -extfile "$P/ext.cnf" \
		-extensions leaf > "$P/ca.log" 2>&1
} || bail_out "cannot make the test PKI with openssl (see $P)"
cat "$P/int.pem" "$P/root.pem" > "$P/int+root.pem"
cat "$P/notca.pem" "$P/int.pem" > "$P/notca+int.pem"
ROOT=$(fp0 root) INT=$(fp0 int) INT1=$(fp1 int) WWW=$(fp0 www) EVILROOT=$(fp0 evilroot)
RANDOM_FP=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)

# Every server listens on the one address $S, each on a port of its own (unique_addr gives
# at most 16 addresses per test). Servers and probes take ADDR:PORT.
S=$(unique_addr) NEXT_PORT=8443
next_hp() { HP=$S:$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1)); }
# serve NAME CERT CHAIN [ARGS...]: openssl s_server on the next port; sets ADDR (ADDR:PORT)
serve() {
	local name=$1 cert=$2 chain=$3; shift 3
	next_hp
	spawn "s_server-$name" openssl s_server -accept "$HP" -cert "$P/$cert.pem" -key "$P/$cert.key" \
		${chain:+-cert_chain "$P/$chain.pem"} -www "$@"
	ADDR=$HP
	wait_until 10 listening "${HP%:*}" "${HP##*:}" || bail_out "openssl s_server ($name) did not start on $HP"
}
listening() { (exec 3<> "/dev/tcp/$1/$2") 2> /dev/null; }
# probe ADDR:PORT NAME ARGS...: probetool's output lines
# (a non-zero exit, a sanitizer report or a leak among them, is counted in $T/exits)
probe() {
	local st out
	out=$(timeout 30 "$PROBETOOL" "${1%:*}" "${1##*:}" "$2" "${@:3}" 2> "$T/probetool.err")
	st=$?
	printf '%s\n' "$out" | tee -a "$T/probe-out.txt"
	[ "$st" = 0 ] || { echo "probetool $* exited $st" >> "$T/exits"; cat "$T/probetool.err" >> "$T/exits"; }
}
: > "$T/exits"

serve good www int;			GOOD=$ADDR
serve root www int+root;		WITHROOT=$ADDR
serve wild wild int;			WILD=$ADDR
serve other other int;			OTHER=$ADDR
serve self self "";			SELF=$ADDR
serve evil evil evilroot;		EVIL=$ADDR
serve mixed evil int;			MIXED=$ADDR
serve expired expired int;		EXPIRED=$ADDR
serve client client int;		CLIENT=$ADDR
serve notca undernotca notca+int;	NOTCA=$ADDR
serve tls12 www int -tls1_2;		TLS12=$ADDR
# SNI: the default certificate is for another name; www.probe.test gets its own (s_server
# sends no chain with the second certificate: the leaf is pinned instead)
serve sni other int -cert2 "$P/www.pem" -key2 "$P/www.key" -servername www.probe.test; SNI=$ADDR

out=$(probe "$GOOD" www.probe.test "0:$INT")
like "$out" "^probe=0 result=ok matched=0 chain=$WWW,$INT elapsed_ms=[0-9]+ " \
	"ok: the intermediate is the accepted CA (selector 0); the chain is leaf then intermediate"
out=$(probe "$GOOD" www.probe.test "1:$INT1")
like "$out" "result=ok matched=0 " "ok: the (RSA) intermediate's SubjectPublicKeyInfo (selector 1)"
out=$(probe "$GOOD" ALT.Probe.Test. "0:$RANDOM_FP" "0:$INT")
like "$out" "result=ok matched=1 " "ok: second SAN, any case, trailing dot; matched is the second CA"
out=$(probe "$WITHROOT" www.probe.test "0:$ROOT")
like "$out" "result=ok matched=0 chain=$WWW,$INT,$ROOT " "ok: the root is sent and is the accepted CA"
out=$(probe "$GOOD" www.probe.test "0:$ROOT")
like "$out" "result=other-ca matched=-1 chain=$WWW,$INT " \
	"other-ca: the accepted root is not sent (the probe trusts only what it is shown)"
out=$(probe "$WILD" foo.probe.test "0:$INT")
like "$out" "result=ok matched=0 " "ok: a wildcard leaf for one label"
out=$(probe "$WILD" a.b.probe.test "0:$INT")
like "$out" "result=bad-name matched=0 " "bad-name: a wildcard stands for one label only"
out=$(probe "$SELF" www.probe.test "0:$INT" "0:$ROOT")
like "$out" "result=other-ca matched=-1 chain=[0-9a-f]{64} " "other-ca: a self-signed leaf"
out=$(probe "$EVIL" www.probe.test "0:$INT" "0:$ROOT")
like "$out" "result=other-ca matched=-1 chain=[0-9a-f]{64},$EVILROOT " "other-ca: a chain from an unrelated CA"
out=$(probe "$MIXED" www.probe.test "0:$INT")
like "$out" "result=bad-chain matched=0 " "bad-chain: a leaf from another CA with the accepted CA appended"
out=$(probe "$OTHER" www.probe.test "0:$INT")
like "$out" "result=bad-name matched=0 .*not valid for www.probe.test" "bad-name: a leaf for another name"
out=$(probe "$EXPIRED" www.probe.test "0:$INT")
like "$out" "result=bad-chain matched=0 .*certificate 0 does not verify: .*date" "bad-chain: an expired leaf under the accepted CA"
out=$(probe "$NOTCA" www.probe.test "0:$INT")
like "$out" "result=bad-chain matched=0 .*not a CA" "bad-chain: an intermediate that is not a CA"
out=$(probe "$CLIENT" www.probe.test "0:$INT")
like "$out" "result=bad-chain matched=0 .*extended key usage" "bad-chain: a leaf for TLS clients only"
out=$(probe "$SELF" www.probe.test "0:$(fp0 self)")
like "$out" "result=ok matched=0 " "ok: a pinned self-signed leaf is its own anchor"
out=$(probe "$TLS12" www.probe.test "0:$INT")
like "$out" "result=ok matched=0 chain=$WWW,$INT " "ok: a TLS 1.2-only server"
out=$(probe "$SNI" www.probe.test "0:$WWW")
like "$out" "result=ok matched=0 chain=$WWW " "ok: the SNI is sent and selects the certificate for the name"
out=$(probe "$GOOD" www.probe.test)
like "$out" "result=other-ca matched=-1 chain=$WWW,$INT " "other-ca: no accepted CA at all, the chain is still reported"

# impostors: the genuine chain, any key but its own (a replayed chain must not pass)
cat "$P/www.pem" "$P/int.pem" > "$P/www+int.pem"
impostor() {
	local name=$1; shift
	next_hp
	spawn "impostor-$name" "$TOOLS_DIR/tlsimposter" "${HP%:*}" "${HP##*:}" "$P/www+int.pem" "$@"
	ADDR=$HP
	wait_until 10 grep -q listening "$T/impostor-$name.log" || bail_out "tlsimposter ($name) did not start"
}
impostor tls13 "$P/wild.key"
out=$(probe "$ADDR" www.probe.test "0:$INT")
like "$out" "result=unreachable .*TLS handshake failed: .*signature" "unreachable: the genuine chain without its key (TLS 1.3)"
impostor tls12 "$P/wild.key" --tls12
out=$(probe "$ADDR" www.probe.test "0:$INT")
like "$out" "result=unreachable .*TLS handshake failed: .*signature" "unreachable: the genuine chain without its key (TLS 1.2)"
impostor control "$P/www.key"
out=$(probe "$ADDR" www.probe.test "0:$INT")
like "$out" "result=ok matched=0 " "ok: the same server with the right key (the control)"

next_hp; CLOSED=$HP
out=$(probe "$CLOSED" www.probe.test "0:$INT")
like "$out" "result=unreachable matched=-1 chain= .*Connection refused" "unreachable: nobody listening"
SILENT=$(unique_addr):8443
start_sink "${SILENT%:*}" 8443 || bail_out "cannot start a silent listener"
t0=$(now_ms)
out=$(probe "$SILENT" www.probe.test "0:$INT" --timeout 500)
t1=$(now_ms)
like "$out" "result=unreachable .*no TLS handshake within 500 ms" "unreachable: a listener that never speaks"
cmp_ok $((t1 - t0)) -ge 500 "the timeout is not early"
cmp_ok $((t1 - t0)) -lt 3000 "the timeout is kept (elapsed $((t1 - t0)) ms)"
serve plain www "" -groups P-521;	PLAIN=$ADDR
out=$(probe "$PLAIN" www.probe.test "0:$INT")
like "$out" "result=unreachable .*TLS handshake failed" "unreachable: no common TLS parameters"

out=$(probe "$SILENT" www.probe.test "0:$INT" --count 3 --max 2 --timeout 300)
like "$out" "probe=2 result=busy not-started" "busy: the third of three probes with max 2 is not started"
is "$(grep -c 'result=unreachable' <<< "$out")" 2 "busy: the two started probes time out"
t0=$(now_ms)
out=$(probe "$SILENT" www.probe.test "0:$INT" --count 2 --cancel-after 100 --timeout 5000)
t1=$(now_ms)
is "$(grep -c 'result=cancelled' <<< "$out")" 2 "cancel: both probes cancelled mid-handshake, no callback"
cmp_ok $((t1 - t0)) -lt 3000 "cancel: probetool ends at once ($((t1 - t0)) ms)"
out=$(probe "$GOOD" www.probe.test "0:$INT" --count 8)
is "$(grep -c 'result=ok' <<< "$out")" 8 "eight probes at once all succeed"
out=$(probe "$GOOD" www.probe.test "0:$INT" --repeat 20)
is "$(grep -c 'result=ok' <<< "$out")" 20 "a callback may start the next probe (twenty in a row)"
diag "loopback probe times, handshake and judgement: $(tail -n 1 <<< "$out")"
out=$(probe "$GOOD" www.probe.test "0:$INT" --count 3 --free-in-callback)
like "$out" "probe=[0-9] result=ok.*(probe=[0-9] result=cancelled.*){2}" \
	"the set may be freed from a callback: the other probes end silently"
out=$(probe "$GOOD" www.probe.test "0:$INT" --sandbox)
like "$out" "result=ok matched=0 " "ok inside vantaged's sandbox"
if grep -qa __asan_init "$PROBETOOL"; then
	like "$out" "sandbox no_new_privs=1 .*seccomp=-1" "the sandbox was entered (seccomp off: sanitizer build)"
else
	like "$out" "sandbox no_new_privs=1 .*seccomp=1 exec_errno=1" "the sandbox was entered: seccomp, execve fails"
fi
out=$(probe 255.255.255.255:443 www.probe.test "0:$INT")
like "$out" "^probe=0 result=unreachable not-started$" "a connect() that fails at once: not started, no callback"
out=$(probe "$GOOD" 'bad name!' "0:$INT")
like "$out" "result=unreachable not-started" "a name that is no host name is refused by probe_start"

is "$(head -c 2000 "$T/exits")" "" "probetool exited 0 every time (no sanitizer report)"
is "$(grep -c reentrant "$T/probe-out.txt")" 0 "no callback ever came from inside probe_start"

if can_valgrind "$PROBETOOL"; then
	VG=(valgrind -q --error-exitcode=99 --leak-check=full "--errors-for-leak-kinds=definite,indirect")
	out=$(timeout 120 "${VG[@]}" "$PROBETOOL" "${GOOD%:*}" "${GOOD##*:}" www.probe.test "0:$INT" --count 2 2>&1)
	st=$?
	like "$out" "result=ok" "valgrind: two probes"
	is "$st" 0 "valgrind: no errors or leaks (probes done)"
	out=$(timeout 120 "${VG[@]}" "$PROBETOOL" "${SILENT%:*}" "${SILENT##*:}" www.probe.test "0:$INT" --count 2 --cancel-after 200 2>&1)
	is "$?" 0 "valgrind: no errors or leaks (probes cancelled mid-handshake)"
	out=$(timeout 120 "${VG[@]}" "$PROBETOOL" "${GOOD%:*}" "${GOOD##*:}" www.probe.test "0:$INT" --count 3 --free-in-callback 2>&1)
	is "$?" 0 "valgrind: no errors or leaks (the set freed from a callback)"
	out=$(timeout 120 "${VG[@]}" "$PROBETOOL" "${SILENT%:*}" "${SILENT##*:}" www.probe.test "0:$INT" --timeout 300 2>&1)
	is "$?" 0 "valgrind: no errors or leaks (timeout)"
	out=$(timeout 120 "${VG[@]}" "$PROBETOOL" "${CLOSED%:*}" "${CLOSED##*:}" www.probe.test "0:$INT" 2>&1)
	is "$?" 0 "valgrind: no errors or leaks (refused)"
else
	skip "valgrind not available or ASAN build" 6
fi
