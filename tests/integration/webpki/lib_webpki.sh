# tests/integration/webpki/lib_webpki.sh - public DoH resolvers as mirrors, played on loopback by
# dnsdist (software nobody here wrote).  Sourced after tests/integration/lib.sh,
# tests/integration/mirror/lib_mirror.sh, tests/integration/consensus/lib_consensus.sh and
# tests/adversary/lib_adversary.sh (the lying resolver and the adv.test zone: every address a DNS
# answer hands out is on 127.0.0.0/8, honest 127.200/16, attacker 127.201/16).
#
#   wp_ca                        a test "web PKI" in $T/wp: root.pem (the trust store the tests give
#                                vantaged), an intermediate (int), and another CA (otherca) that
#                                nobody trusts; WP_ROOT_SHA / WP_INT_SHA / WP_OTHER_SHA: the
#                                SHA-256 of their DER (what a ca_sha256 pin names)
#   wp_leaf NAME ISSUER SAN      a leaf NAME.pem/.key issued by ISSUER (int or otherca) for SAN
#                                (openssl syntax: DNS:doh1.test,IP:127.1.2.3); NAME-chain.pem is
#                                the leaf and its issuer, as a server sends them
#   wp_view NAME ZONEFILE        an NSD view of adv.test from ZONEFILE; VIEW[NAME]=ADDR:PORT
#   wp_dnsdist NAME VIEW LEAF    dnsdist (addDOHLocal, HTTP/1.1 and h2) on a fresh 127.x:8443,
#                                presenting LEAF-chain.pem and forwarding to VIEW[VIEW];
#                                WHP[NAME]=ADDR:8443, WADDR[NAME]=ADDR
#   wp_doh_stats NAME            "HTTP HTTP/1 HTTP/2 GET POST": the requests its DoH frontend
#                                got (HTTP counts every request, any path; GET and POST only
#                                the DNS queries to /dns-query)
#   wp_vconf FILE ENTRY...       a vantaged config with trust_store $T/wp/root.pem asking $LIAR;
#                                ENTRY = NAME:REGION[:hostname=H][:pin=HEX][:method=get] (no
#                                hostname: the address is verified); WP_CONSENSUS: extra consensus lines;
#                                WP_LISTEN: the listen address (default $VD_ADDR:0);
#                                WP_UPSTREAM: the upstream (default $LIAR); WP_LEVEL: log level
#                                (default debug); WP_EXTRA: extra top-level YAML lines
#   wp_int NAME                  another intermediate of the test root (NAME.pem/.key)
#   wp_unbound NAME VIEW LEAF [ADDR]
#                                unbound (https-port: DoH over HTTP/2 only) on ADDR:8443 (default
#                                a fresh 127.x), presenting LEAF-chain.pem and resolving every name
#                                from VIEW[VIEW] (a forward zone "."); sets WHP/WADDR like wp_dnsdist;
#                                WP_UNBOUND_EXTRA: more server: lines (e.g. tcp-idle-timeout: 5000)
#   wp_kresd NAME VIEW LEAF [ADDR]
#                                Knot Resolver (kresd, kind='doh2': HTTP/2 only) on ADDR:8443, the
#                                same way (policy.STUB to the view); rundir and cache in $T
#   wp_doh_probe NAME QNAME [HOSTNAME [CA]]
#                                the A records of QNAME asked of NAME over DoH by a client nobody
#                                here wrote (kdig +https, HTTP/2), the chain verified against
#                                $WP/CA.pem (default root) for HOSTNAME (default NAME.test): proof
#                                that a server works before vantaged is involved
#   wp_zone FILE N               adv.test (tests/adversary/zones/adv.test.zone) plus n1..nN A
#                                127.200.(2 + i / 250).(i % 250 + 1): names nobody asked yet
#   wp_vantaged_h2               true when the vantaged under test speaks HTTP/2 (links
#                                libnghttp2): unbound's and kresd's DoH speak nothing else
#   wp_stop NAME                 stop the DoH server NAME (to start another on its address)
#   wp_mirror_field NAME FIELD   FIELD of mirror NAME in vantagectl -j mirrors
#   wp_mirror_fields NAME FIELD...
#                                the FIELDs of mirror NAME from one vantagectl -j mirrors,
#                                joined by "/" (one snapshot: the fields are consistent)
#   wp_conns NAME                TCP connections established to DoH server NAME's port (ss)

declare -A WHP=() WADDR=() WCONSOLE=()
WP=""
# The system's python when there is one: a pyenv shim first on PATH takes most of a second to
# start, and a test reading a dozen fields would outlast a server's idle timeout (kresd: 10 s).
WP_PY=python3
[ -x /usr/bin/python3 ] && WP_PY=/usr/bin/python3

_wp_ossl() { openssl "$@" > /dev/null 2>> "$WP/openssl.log"; }

_wp_sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

wp_ca() {
	WP=$T/wp
	mkdir -p "$WP"
	{
		_wp_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WP/root.key" &&
		_wp_ossl req -x509 -new -key "$WP/root.key" -subj "/CN=webpki test root" -days 30 \
			-out "$WP/root.pem" -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
		_wp_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WP/int.key" &&
		_wp_ossl req -new -key "$WP/int.key" -subj "/CN=webpki test intermediate" -out "$WP/int.csr" &&
		_wp_ossl x509 -req -in "$WP/int.csr" -CA "$WP/root.pem" -CAkey "$WP/root.key" \
			-CAcreateserial -days 30 -out "$WP/int.pem" -extfile \
			<(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n') &&
		_wp_ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$WP/otherca.key" -subj "/CN=webpki test root" -days 30 -out "$WP/otherca.pem" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
	} || { diag "openssl: $(tail -n 5 "$WP/openssl.log")"; return 1; }
	WP_ROOT_SHA=$(_wp_sha "$WP/root.pem")
	WP_INT_SHA=$(_wp_sha "$WP/int.pem")
	WP_OTHER_SHA=$(_wp_sha "$WP/otherca.pem")
}

wp_int() {
	_wp_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WP/$1.key" &&
	_wp_ossl req -new -key "$WP/$1.key" -subj "/CN=webpki test $1" -out "$WP/$1.csr" &&
	_wp_ossl x509 -req -in "$WP/$1.csr" -CA "$WP/root.pem" -CAkey "$WP/root.key" \
		-CAcreateserial -days 30 -out "$WP/$1.pem" -extfile \
		<(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n') ||
		{ diag "openssl: $(tail -n 5 "$WP/openssl.log")"; return 1; }
}

wp_leaf() {
	local name=$1 issuer=$2 san=$3
	_wp_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WP/$name.key" &&
	_wp_ossl req -new -key "$WP/$name.key" -subj "/CN=$name" -out "$WP/$name.csr" &&
	_wp_ossl x509 -req -in "$WP/$name.csr" -CA "$WP/$issuer.pem" -CAkey "$WP/$issuer.key" \
		-CAcreateserial -days 30 -out "$WP/$name.pem" -extfile \
		<(printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san") ||
		{ diag "openssl: $(tail -n 5 "$WP/openssl.log")"; return 1; }
	cat "$WP/$name.pem" "$WP/$issuer.pem" > "$WP/$name-chain.pem"
}

wp_view() {
	local a
	a=$(unique_addr) || return 1
	start_nsd "$a" 5300 "$ADV_ZONE" "$2" || return 1
	VIEW[$1]=$a:5300
}

_wp_listening() { (exec 3<> "/dev/tcp/$1/$2") 2> /dev/null; }

# wp_dnsdist NAME VIEW LEAF [ADDR]: ADDR when the leaf must name it (IP SAN); else a fresh one.
# WP_DOH_OPTS: a Lua table of addDOHLocal options (e.g. "{idleTimeout=2}").
wp_dnsdist() {
	local name=$1 view=$2 leaf=$3 a=${4:-}
	[ -n "$a" ] || a=$(unique_addr) || return 1
	# No security polling (it would resolve a name through the system), plain DNS only on
	# its own address, a console for the DoH counters.
	cat > "$T/dnsdist-$name.conf" <<-EOF
	setSecurityPollSuffix("")
	setLocal("$a:5399")
	controlSocket("$a:5199")
	setKey("$(head -c 32 /dev/urandom | base64)")
	newServer({address="${VIEW[$view]}", checkInterval=3600})
	addDOHLocal("$a:8443", "$WP/$leaf-chain.pem", "$WP/$leaf.key", "/dns-query"${WP_DOH_OPTS:+, $WP_DOH_OPTS})
	EOF
	spawn "dnsdist-$name" dnsdist --supervised --disable-syslog -C "$T/dnsdist-$name.conf"
	wait_until 10 _wp_listening "$a" 8443 ||
		{ diag "dnsdist $name did not listen:" "$(cat "$T/dnsdist-$name.log")"; return 1; }
	WHP[$name]=$a:8443
	WADDR[$name]=$a
	WCONSOLE[$name]=$a:5199
}

wp_doh_stats() {	# "HTTP HTTP/1 HTTP/2 GET POST" of dnsdist NAME's DoH frontend
	dnsdist -C "$T/dnsdist-$1.conf" -c "${WCONSOLE[$1]}" -e 'showDOHFrontends()' 2> /dev/null |
		awk '$1 == "0" { print $3, $4, $5, $6, $7 }'
}

wp_vconf() {
	local file=$1 e name rest region host pin meth line; shift
	[ -n "$VD_ADDR" ] || VD_ADDR=$(unique_addr) || return 1
	{
		echo "# written by tests/integration/webpki/lib_webpki.sh"
		echo "listen: [\"${WP_LISTEN:-$VD_ADDR:0}\"]"
		echo "upstreams: [\"${WP_UPSTREAM:-$LIAR}\"]"
		echo "upstream_timeout: 2s"
		echo "mirrors:"
		echo "  bootstrap: \"$T/no-bootstrap.yaml\""
		echo "  trust_store: \"$WP/root.pem\""
		echo "  list:"
		for e in "$@"; do
			name=${e%%:*} rest=${e#*:} region=${rest%%:*} host="" pin=""
			case $rest in *:hostname=*) host=${rest#*:hostname=}; host=${host%%:*} ;; esac
			case $rest in *:pin=*) pin=${rest#*:pin=}; pin=${pin%%:*} ;; esac
			meth=""
			case $rest in *:method=*) meth=${rest#*:method=}; meth=${meth%%:*} ;; esac
			line="    - { name: $name, address: \"${WHP[$name]}\", region: $region, verify: webpki"
			[ -n "$host" ] && line="$line, hostname: $host"
			[ -n "$pin" ] && line="$line, ca_sha256: \"$pin\""
			[ -n "$meth" ] && line="$line, method: $meth"
			echo "$line }"
		done
		echo "consensus:"
		# Every mirror, up to vantaged's bound of 16 (more: keyed selection picks 16).
		echo "  mirrors_per_query: $(($# > 16 ? 16 : $#))"
		echo "  allow_private: true"
		echo "  probe: off"
		echo "  bypass: [home.arpa, local, lan]"
		[ -n "${WP_CONSENSUS:-}" ] && printf '%s\n' "$WP_CONSENSUS"
		echo "cache: { max_entries: 1000, state_file: \"$T/state-$(basename "$file" .yaml)\" }"
		echo "control: { socket: \"$T/ctl.sock\" }"
		echo "log: { level: ${WP_LEVEL:-debug}, dissent_log: \"$T/dissent.jsonl\" }"
		[ -n "${WP_EXTRA:-}" ] && printf '%s\n' "$WP_EXTRA"
		echo 'user: ""'
	} > "$file"
}

wp_mirror_field() {
	"$top_builddir/vantagectl" -s "$T/ctl.sock" -j mirrors | "$WP_PY" -c '
import json, sys
d = json.load(sys.stdin)
for m in d["mirrors"]:
    if m["name"] == sys.argv[1]:
        print(m.get(sys.argv[2], ""))
' "$1" "$2"
}

wp_mirror_fields() {
	"$top_builddir/vantagectl" -s "$T/ctl.sock" -j mirrors | "$WP_PY" -c '
import json, sys
for m in json.load(sys.stdin)["mirrors"]:
    if m["name"] == sys.argv[1]:
        print("/".join(str(m.get(f, "")) for f in sys.argv[2:]))
' "$@"
}

wp_stop() {
	local pid
	for pid in "${_SPAWNED[@]}"; do
		case ${_SPAWN_NAME[$pid]:-} in
		dnsdist-"$1" | unbound-"$1" | kresd-"$1") stop_pid "$pid" ;;
		esac
	done
	return 0
}

_wp_up() {	# NAME ADDR SERVER: wait for the DoH port, then set WHP/WADDR
	wait_until 10 _wp_listening "$2" 8443 ||
		{ diag "$3 $1 did not listen:" "$(tail -n 20 "$T/$3-$1.log")"; return 1; }
	WHP[$1]=$2:8443
	WADDR[$1]=$2
}

# wp_unbound NAME VIEW LEAF [ADDR]: unbound's DoH is HTTP/2 only (libnghttp2).  It must never
# reach past loopback: every name is forwarded to the view (so the root is never primed or asked),
# the validator is off (an unsigned test zone under the real root's trust anchor would be
# bogus), and the NSD view on 127.x is allowed (do-not-query-localhost: no).  test. is one of
# unbound's built-in empty zones (RFC 6761): the views' adv.test lives under it.
wp_unbound() {
	local name=$1 view=$2 leaf=$3 a=${4:-}
	[ -n "$a" ] || a=$(unique_addr) || return 1
	cat > "$T/unbound-$name.conf" <<-EOF
	server:
	    interface: $a@8443
	    https-port: 8443
	    http-endpoint: "/dns-query"
	    tls-service-pem: "$WP/$leaf-chain.pem"
	    tls-service-key: "$WP/$leaf.key"
	    do-ip6: no
	    num-threads: 1
	    so-reuseport: no
	    chroot: ""
	    username: ""
	    directory: "$T"
	    pidfile: "$T/unbound-$name.pid"
	    use-syslog: no
	    logfile: ""
	    verbosity: 1
	    module-config: "iterator"
	    do-not-query-localhost: no
	    local-zone: "test." nodefault
	    access-control: 127.0.0.0/8 allow
	    incoming-num-tcp: 64
	${WP_UNBOUND_EXTRA:-}
	forward-zone:
	    name: "."
	    forward-addr: ${VIEW[$view]/:/@}
	EOF
	spawn "unbound-$name" unbound -d -c "$T/unbound-$name.conf"
	_wp_up "$name" "$a" unbound
}

# wp_kresd NAME VIEW LEAF [ADDR]: kresd's doh2 kind is HTTP/2 only.  Its defaults reach for the
# internet (root priming, trust anchor updates, time-skew checks): they are unloaded and the
# root's trust anchor removed, and every name is sent to the view (policy.STUB: no validation).
wp_kresd() {
	local name=$1 view=$2 leaf=$3 a=${4:-} dir
	[ -n "$a" ] || a=$(unique_addr) || return 1
	dir=$T/kresd-$name
	mkdir -p "$dir"
	cat > "$dir/config" <<-EOF
	log_target('stderr')
	for _, m in ipairs({ 'priming', 'ta_update', 'ta_signal_query', 'ta_sentinel',
	                     'detect_time_skew', 'detect_time_jump', 'watchdog' }) do
	    pcall(modules.unload, m)
	end
	trust_anchors.remove('.')
	net.ipv6 = false
	net.listen('$a', 8443, { kind = 'doh2' })
	net.tls('$WP/$leaf-chain.pem', '$WP/$leaf.key')
	cache.open(10 * MB, 'lmdb://$dir/cache')
	policy.add(policy.all(policy.STUB({ '${VIEW[$view]/:/@}' })))
	EOF
	KRESD_NO_LISTEN=1 spawn "kresd-$name" kresd -n -c "$dir/config" "$dir"
	_wp_up "$name" "$a" kresd
}

wp_doh_probe() {	# NAME QNAME [HOSTNAME [CA]]: kdig +https, the chain verified against CA
	local hp=${WHP[$1]}
	timeout 10 kdig @"${hp%:*}" -p "${hp##*:}" +https=/dns-query +tls-ca="$WP/${4:-root}.pem" \
		+tls-hostname="${3:-$1.test}" +timeout=3 +retry=0 +noall +answer "$2" A 2> /dev/null |
		awk '$4 == "A" { print $5 }' | sort
}

wp_zone() {
	local i
	{
		cat "$top_srcdir/tests/adversary/zones/adv.test.zone"
		for ((i = 1; i <= $2; i++)); do
			printf 'n%d\tA\t127.200.%d.%d\n' "$i" $((2 + i / 250)) $((i % 250 + 1))
		done
	} > "$1"
}

wp_vantaged_h2() { ldd "$VANTAGED" 2> /dev/null | grep -q 'libnghttp2'; }

wp_conns() {
	ss -Htn state established "dst ${WHP[$1]}" 2> /dev/null | wc -l
}
