# tests/adversary/lib_adversary.sh - the attacker's workshop: a scripted lying resolver, an honest
# world of three mirrors, and the glibc client.  Sourced after tests/integration/lib.sh,
# tests/integration/mirror/lib_mirror.sh and tests/integration/consensus/lib_consensus.sh.
#
# Addresses.  Every address a DNS answer of this suite hands out is on 127.0.0.0/8: honest data
# in 127.200.0.0/16 (zones/adv.test.zone), the attacker's in 127.201.0.0/16 ($EVIL, $EVIL2...).
# vantaged counts loopback as "private", and a private address that only the local answer has is
# dissent by that rule alone; a test of the data rules would then pass for the wrong reason.
# adv_world therefore sets consensus.allow_private: true unless the test asks otherwise
# (c.allow_private=false), so that what stops the attacker is the rule under test.
#
# The lying resolver is ldns-testns (ldnsutils) answering from a datafile that the test writes
# with the liar_* functions: it answers exactly what it is told, in any section, for any
# question, with any flags, which is what a lying resolver does.
#
#   liar_begin                   start a new datafile ($T/liar.data)
#   liar_entry QNAME QTYPE [FLAGS] [RCODE] [QQNAME QQTYPE]
#                                open an entry answering QNAME QTYPE (MATCH qname qtype); FLAGS
#                                default "QR RD RA", RCODE default NOERROR; the reply's question
#                                is QQNAME QQTYPE (default: the question itself); LIAR_MATCH=UDP
#                                or TCP makes the entry answer over that transport only
#   liar_rr SECTION RR...        add a record (zone-file text) to ANSWER, AUTHORITY or ADDITIONAL
#   liar_end                     close the entry
#   liar_honest QNAME QTYPE RR...  an entry whose answer is the given records (honest or not)
#   liar_nodata QNAME QTYPE      an entry answering NOERROR/NODATA (SOA in AUTHORITY)
#   liar_start                   run ldns-testns on the datafile: LIAR=127.0.0.1:PORT (with the
#                                options in $LIAR_OPTS, e.g. -v to log every question it gets)
#   liar_restart                 the liar again on the same port, answering from the datafile as
#                                it is now (a resolver that changes its story mid-test)
#   adv_world [cons_vconf args]  NSD serving adv.test (the honest view), mirrors eu, us, ap on it,
#                                vantaged on a 127.x:53 of its own asking $LIAR; sets L (its
#                                address).  Needs liar_start first.  Per-region views: set
#                                ADV_VIEW_EXTRA[eu|us|ap] to zone lines that region's view adds
#                                to the honest zone (a CDN: each region its own address); and
#                                ADV_MIRROR_YAML to config lines every mirror gets (observe: ...)
#   adv_tls_world NAMES...       a test CA (root, intermediate), a leaf of it for NAMES, and
#                                tls_serve ADDR [CERT]: an openssl s_server on ADDR:443 with that
#                                leaf and the intermediate (CERT=evil: a leaf of another CA for
#                                the same NAMES); needs root (port 443)
#   adv_getent NAME [DB]         glibc's answer through vantaged (getent DB, default ahostsv4:
#                                ldns-testns answers only what the datafile names, so ask
#                                ahosts or ahostsv6 only for names with AAAA entries), in a
#                                private mount namespace: one address per line, sorted, unique
#   adv_dig NAME TYPE [dig args] dig through vantaged (full output)
#   adv_evil_reached NAME [TYPE] true when a 127.201/16 address reached glibc (getent ahostsv4,
#                                for A) or any section of dig's answer to NAME TYPE (default A)
#                                but the EDE text (which names the refused local address)

# adv_require [PROG...]: skip the test unless the world can be built: the programs of the
# workshop and of the glibc client, PROG, vantaged and vantage-mirror, and root (port 53 for
# glibc, unshare -m for its private resolv.conf).
adv_require() {
	require_progs nsd nsd-control ldns-testns dig getent unshare mount curl "$@"
	require_vantaged
	require_mirror
	[ "$(id -u)" = 0 ] || skip_all "needs root (port 53 for glibc, unshare -m)"
}

# The attacker's addresses are per test process (127.201.N/24), so that two runs of the suite
# side by side never meet at one address (the CA tests run TLS servers on EVIL2:443).
EVIL_NET=127.201.$(( $$ % 254 + 1 ))
EVIL=$EVIL_NET.66
EVIL2=$EVIL_NET.67
EVIL6=::ffff:$EVIL_NET.66
ADV_ZONE=adv.test
LIAR_DATA=""

liar_begin() { LIAR_DATA=$T/liar.data; : > "$LIAR_DATA"; }

liar_entry() {
	local qn=$1 qt=$2 flags=${3:-QR RD RA} rcode=${4:-NOERROR} qqn=${5:-$1} qqt=${6:-$2}
	cat >> "$LIAR_DATA" <<-E
	ENTRY_BEGIN
	MATCH opcode qtype qname ${LIAR_MATCH:-}
	ADJUST copy_id
	REPLY $flags $rcode
	SECTION QUESTION
	$qqn IN $qqt
	E
	LIAR_SECTION=QUESTION
}

liar_rr() {
	local sec=$1; shift
	if [ "$sec" != "$LIAR_SECTION" ]; then
		echo "SECTION $sec" >> "$LIAR_DATA"
		LIAR_SECTION=$sec
	fi
	echo "$*" >> "$LIAR_DATA"
}

liar_end() { echo "ENTRY_END" >> "$LIAR_DATA"; echo >> "$LIAR_DATA"; }

liar_honest() {
	local qn=$1 qt=$2 rr; shift 2
	liar_entry "$qn" "$qt"
	for rr in "$@"; do liar_rr ANSWER "$rr"; done
	liar_end
}

liar_nodata() {
	liar_entry "$1" "$2"
	liar_rr AUTHORITY "adv.test. 300 IN SOA ns1.adv.test. hostmaster.adv.test. 1 3600 900 604800 30"
	liar_end
}

_liar_up() { grep -q 'Listening on port' "$T/liar.log"; }

liar_start() {
	local try
	[ -s "$LIAR_DATA" ] || { diag "liar_start: no datafile"; return 1; }
	# ldns-testns -r picks a random port; when it is taken, its second bind() fails (EINVAL,
	# it reuses the socket) and it exits: start it again.
	for try in 1 2 3; do
		spawn liar ldns-testns ${LIAR_OPTS:-} -r "$LIAR_DATA"
		wait_until 5 _liar_up && break
		stop_pid "$SPAWNED_PID" > /dev/null 2>&1
		[ "$try" = 3 ] && { diag "ldns-testns did not start:" "$(cat "$T/liar.log")"; return 1; }
	done
	LIAR=127.0.0.1:$(sed -n 's/.*Listening on port \([0-9]*\).*/\1/p' "$T/liar.log" | head -n 1)
}

declare -A ADV_VIEW_EXTRA=()
ADV_MIRROR_YAML=""

_liar_n=0
_liar_answers() { [ -n "$(dig @127.0.0.1 -p "$1" +tries=1 +time=1 +short "$2" "$3" 2> /dev/null)" ]; }

liar_restart() {	# liar_restart [QNAME QTYPE]: wait until it answers QNAME QTYPE
	local pid port=${LIAR##*:}
	for pid in "${_SPAWNED[@]}"; do
		case ${_SPAWN_NAME[$pid]:-} in liar|liar-*) stop_pid "$pid" ;; esac
	done
	_liar_n=$((_liar_n + 1))
	spawn "liar-$_liar_n" ldns-testns -p "$port" "$LIAR_DATA"
	if [ $# -ge 2 ]; then
		wait_until 5 _liar_answers "$port" "$1" "$2" ||
			{ diag "ldns-testns did not restart:" "$(cat "$T/liar-$_liar_n.log")"; return 1; }
	else
		wait_until 5 grep -q 'Listening on port' "$T/liar-$_liar_n.log" ||
			{ diag "ldns-testns did not restart"; return 1; }
	fi
}

adv_world() {
	local a r
	a=$(unique_addr) || return 1
	start_nsd "$a" 5300 "$ADV_ZONE" "$top_srcdir/tests/adversary/zones/adv.test.zone" || return 1
	VIEW[honest]=$a:5300
	for r in eu us ap; do
		if [ -n "${ADV_VIEW_EXTRA[$r]:-}" ]; then
			{ cat "$top_srcdir/tests/adversary/zones/adv.test.zone"
			  printf '%s\n' "${ADV_VIEW_EXTRA[$r]}"; } > "$T/adv-$r.zone"
			a=$(unique_addr) || return 1
			start_nsd "$a" 5300 "$ADV_ZONE" "$T/adv-$r.zone" || return 1
			VIEW[$r]=$a:5300
			cons_mirror "$r" "$r" "$r" "$ADV_MIRROR_YAML" || return 1
		else
			cons_mirror "$r" "$r" honest "$ADV_MIRROR_YAML" || return 1
		fi
	done
	local has_private=0 kv
	for kv in "$@"; do case $kv in c.allow_private=*) has_private=1 ;; esac; done
	[ "$has_private" = 1 ] || set -- "$@" c.allow_private=true
	cons_vconf "$T/vd.yaml" listen="$(unique_addr):53" upstream="$LIAR" mirrors="eu us ap" \
		c.bypass="[home.arpa, local, lan]" "$@" || return 1
	start_vantaged "$T/vd.yaml" || return 1
	L=$VANTAGED_ADDR
	printf 'nameserver %s\noptions timeout:3 attempts:1\n' "$L" > "$T/resolv.conf"
	printf 'hosts: files dns\n' > "$T/nsswitch.conf"
}

adv_getent() {
	timeout 20 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
		sh "$T/resolv.conf" "$T/nsswitch.conf" getent "${2:-ahostsv4}" "$1" | awk '{ print $1 }' | sort -u
}

adv_dig() { local n=$1 t=$2; shift 2; qdig "$L" 53 "$n" "$t" "$@"; }

adv_evil_reached() {
	local t=${2:-A}
	{
		[ "$t" = A ] && adv_getent "$1"
		adv_dig "$1" "$t" +noall +answer +authority +additional
	} | grep -q '127\.201\.'
}

# --- TLS servers of a test CA (for the CA evidence, DESIGN.md section 5)
adv_tls_world() {
	local C=$T/certs san
	mkdir -p "$C"
	san=$(printf 'DNS:%s,' "$@"); san=${san%,}
	{
		_adv_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/root.key" &&
		_adv_ossl req -x509 -new -key "$C/root.key" -subj "/CN=adversary test root" -days 30 \
			-out "$C/root.pem" -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
		_adv_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/int.key" &&
		_adv_ossl req -new -key "$C/int.key" -subj "/CN=adversary test intermediate" -out "$C/int.csr" &&
		_adv_ossl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial \
			-days 30 -out "$C/int.pem" -extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n') &&
		_adv_leaf leaf int "$san" &&
		_adv_ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$C/evilca.key" -subj "/CN=the attacker's CA" -days 30 -out "$C/evilca.pem" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
		_adv_leaf evil evilca "$san"
	} || { diag "openssl could not make the certificates: $(tail -n 5 "$C/openssl.log")"; return 1; }
}

_adv_ossl() { openssl "$@" > /dev/null 2>> "$T/certs/openssl.log"; }

_adv_leaf() {	# _adv_leaf NAME ISSUER SAN
	local C=$T/certs
	_adv_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/$1.key" &&
	_adv_ossl req -new -key "$C/$1.key" -subj "/CN=$1" -out "$C/$1.csr" &&
	_adv_ossl x509 -req -in "$C/$1.csr" -CA "$C/$2.pem" -CAkey "$C/$2.key" -CAcreateserial \
		-days 30 -out "$C/$1.pem" -extfile <(printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3")
}

_adv_listening() { (exec 3<> "/dev/tcp/$1/443") 2> /dev/null; }

tls_serve() {	# tls_serve ADDR [leaf|evil]
	local C=$T/certs cert=${2:-leaf} chain=int
	[ "$cert" = evil ] && chain=evilca
	spawn "tls-$1" openssl s_server -quiet -accept "$1:443" -cert "$C/$cert.pem" \
		-key "$C/$cert.key" -cert_chain "$C/$chain.pem" -www
	wait_until 10 _adv_listening "$1" || { diag "openssl s_server on $1:443 did not start"; return 1; }
}

# DoH floods (adv_audit_flood.sh): an outsider asking a mirror's public /dns-query.
#   adv_doh_param NAME TYPE      the dns= parameter (RFC 8484 GET, base64url) of a query;
#                                TYPE is a number (1 = A)
#   adv_doh_flood CAPEM HOSTPORT TYPE NAME...
#                                ask every NAME over one HTTPS connection (curl reuses it)
adv_doh_param() {
	local name=${1%.} type=$2 label fmt='\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00'
	local IFS=.
	for label in $name; do fmt+=$(printf '\\x%02x' "${#label}")$label; done
	fmt+=$(printf '\\x00\\x%02x\\x%02x\\x00\\x01' $((type >> 8)) $((type & 255)))
	printf "$fmt" | base64 -w0 | tr '+/' '-_' | tr -d '='
}

adv_doh_flood() {
	local ca=$1 hp=$2 type=$3 n urls=(); shift 3
	for n in "$@"; do
		urls+=(-o /dev/null "https://$hp/dns-query?dns=$(adv_doh_param "$n" "$type")")
	done
	curl -sS --fail --max-time 60 --cacert "$ca" "${urls[@]}"
}

# ---- the hostile mirror (tests/adversary/hostile_mirror.py) ----
#   hostile_mirror NAME KEYDIR MIRRORS_FILE[,FILE...] ADDR...
#                                HTTPS under KEYDIR's CA (the attacker's, from mirror keygen) on
#                                a free port of each ADDR; GET /v1/mirrors answers MIRRORS_FILE
#                                (the n-th FILE at the n-th ADDR when several are given),
#                                DoH is relayed to $LIAR.  Sets HOSTILE_HP (ADDR:PORT, one per
#                                ADDR, in order) and HOSTILE_PID.  HOSTILE_DELAY=S holds each
#                                /v1/mirrors answer S seconds.
#   hostile_body KIND BYTES [ARGS] > FILE
#                                a hostile /v1/mirrors body (tests/adversary/hostile_body.py):
#                                keys, nodes, strings, deep, pems PIN PEMFILE, list PEMFILE
#   hostile_pem_json FILE...     the PEM files concatenated, as one JSON string literal
declare -a HOSTILE_HP=()

_hostile_ready() { [ -s "$1" ]; }

hostile_mirror() {
	local name=$1 keys=$2 body=$3 a args=(); shift 3
	for a in ${body//,/ }; do args+=(--mirrors "$a"); done
	for a in "$@"; do args+=(--listen "$a"); done
	spawn "$name" python3 "$top_srcdir/tests/adversary/hostile_mirror.py" --cert "$keys/server.pem" \
		--key "$keys/server.key" --upstream "${LIAR:-}" --delay "${HOSTILE_DELAY:-0}" \
		--ready "$T/$name.ready" "${args[@]}"
	HOSTILE_PID=$SPAWNED_PID
	wait_until 10 _hostile_ready "$T/$name.ready" || { diag "hostile mirror $name did not start"; return 1; }
	mapfile -t HOSTILE_HP < <(sed -n 's/^listening //p' "$T/$name.ready")
}

hostile_body() { python3 "$top_srcdir/tests/adversary/hostile_body.py" "$@"; }

hostile_pem_json() { cat "$@" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read()))'; }
