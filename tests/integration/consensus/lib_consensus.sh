# tests/integration/consensus/lib_consensus.sh - the world of the consensus scenarios.
# Sourced after tests/integration/lib.sh and tests/integration/mirror/lib_mirror.sh.
#
# The world, every part on its own 127.x.y.z address:
#   cons_view NAME ZONEFILE      an NSD view serving example.test from zones/consensus/ZONEFILE
#                                (honest, eu, us, ap: the honest data, CDN answers per region;
#                                lie: every address in another network); VIEW[NAME]=ADDR:PORT
#   cons_logview NAME            a logging dnsmasq (no cache) in front of VIEW[NAME], on the same
#                                address, port 5301: the names a mirror asked end up in
#                                $T/NAME-queries.log; VIEW[NAME] then points at it
#   cons_isp VIEW                the poisoned "ISP" resolver: dnsmasq forwarding to VIEW[VIEW],
#                                except poisoned.example.test -> 127.198.100.66 (an address no
#                                view has) and bank.example.test -> 127.145.77.80 (one in the liars'
#                                network), both with TTL 60 (so vantaged caches them); queries
#                                logged to $T/isp-queries.log; sets ISP=ADDR:PORT
#   cons_mirror NAME REGION VIEW [YAML]
#                                a vantage-mirror with its own CA (keygen), asking VIEW[VIEW],
#                                YAML lines added to its config (e.g. peers: [...]);
#                                MHP[NAME]=ADDR:PORT MID[NAME]=CA sha256 MKEYS[NAME]=key dir
#                                MREGION[NAME] MPID[NAME]
#   cons_vconf FILE [key=value...]
#                                a vantaged config: listen=ADDR:PORT (default $VD_ADDR:0),
#                                upstream=ADDR:PORT (default $ISP), mirrors="NAME NAME..."
#                                (NAME=PIN pins another CA; NAME@ADDR:PORT another address),
#                                upstream_timeout=DURATION (2s),
#                                state=FILE, dissent=FILE ($T/dissent.jsonl), level=debug,
#                                learn=false (mirrors.learn: no master list rounds),
#                                trust_store=FILE (mirrors.trust_store: the stub's handshake CAs),
#                                extra=TEXT: lines appended to the file (dashboard: ..., acl: ...),
#                                c.KEY=VALUE: a consensus key (defaults: mirrors_per_query = the
#                                number of mirrors, so that every listed mirror is asked;
#                                bypass: [home.arpa, local, lan, intra.example.test]; probe:
#                                off; allow_private: true (every address here is on 127/8);
#                                timeout 10s when VANTAGED_WRAPPER is set, e.g. to valgrind)
#   mirror_queries NAME          dns_queries of /v1/health of that mirror (fails when it is down)
#   ede_of                       filter: "CODE text" of dig's EDE line ("" without one)

declare -A VIEW=() MHP=() MID=() MKEYS=() MREGION=() MPID=()
CONS_ZONES=consensus
VD_ADDR=""

cons_view() {
	local name=$1 file=$2 a
	a=$(unique_addr) || return 1
	start_nsd "$a" 5300 example.test "$CONS_ZONES/$file" || return 1
	VIEW[$name]=$a:5300
}

_dnsmasq_up() { [ -n "$(dig @"$1" -p "$2" +tries=1 +time=1 +short ns1.example.test A 2> /dev/null)" ]; }

# _cons_dnsmasq LOGNAME ADDR PORT SERVER [extra dnsmasq args...]
_cons_dnsmasq() {
	local name=$1 addr=$2 port=$3 server=$4; shift 4
	spawn "$name" dnsmasq -k --conf-file=/dev/null --listen-address="$addr" --port="$port" \
		--bind-interfaces --no-resolv --no-hosts --server="${server%:*}#${server##*:}" \
		--log-queries --log-facility="$T/$name-queries.log" --pid-file="$T/$name.pid" \
		--user=root "$@"
	wait_until 10 _dnsmasq_up "$addr" "$port" || { diag "dnsmasq $name did not answer"; return 1; }
}

cons_logview() {
	local name=$1 hp=${VIEW[$1]}
	_cons_dnsmasq "$name" "${hp%:*}" 5301 "$hp" --cache-size=0 || return 1
	VIEW[$name]=${hp%:*}:5301
}

cons_isp() {
	local a
	a=$(unique_addr) || return 1
	_cons_dnsmasq isp "$a" 5353 "${VIEW[$1]}" \
		--address=/poisoned.example.test/127.198.100.66 \
		--address=/bank.example.test/127.145.77.80 --local-ttl=60 || return 1
	ISP=$a:5353
}

cons_mirror() {
	local name=$1 region=$2 view=$3 extra=${4:-} a
	a=$(unique_addr) || return 1
	mirror_keygen "$T/keys-$name" "$a" "$region" || { diag "keygen for $name failed"; return 1; }
	mkdir -p "$T/state-$name"
	cat > "$T/mirror-$name.yaml" <<-EOF
	listen: ["$a:0"]
	name: $name
	tls: { dir: "$T/keys-$name" }
	upstreams: ["${VIEW[$view]}"]
	upstream_timeout: 2s
	region: $region
	state_dir: "$T/state-$name"
	$extra
	EOF
	start_mirror "$T/mirror-$name.yaml" "mirror-$name" || return 1
	MHP[$name]=$MIRROR_ADDR:$MIRROR_PORT
	MID[$name]=$KEY_ID
	MKEYS[$name]=$T/keys-$name
	MREGION[$name]=$region
	MPID[$name]=$MIRROR_PID
}

mirror_queries() {
	local v
	v=$(curl -sS --max-time 5 --cacert "${MKEYS[$1]}/ca.pem" "https://${MHP[$1]}/v1/health" |
		sed -n 's/.*"dns_queries":\([0-9]*\).*/\1/p')
	[ -n "$v" ] && echo "$v"
}

cons_vconf() {
	local file=$1 kv listen="" upstream=${ISP:-} mirrors="" state="" dissent=$T/dissent.jsonl learn=""
	local trust_store="" serve_stale="" extra=""
	local level=debug m name pin hp n=0 k utimeout=2s
	declare -A cons=()
	shift
	[ -n "$VD_ADDR" ] || VD_ADDR=$(unique_addr) || return 1
	for kv in "$@"; do
		case $kv in
		listen=*) listen=${kv#listen=} ;;
		upstream=*) upstream=${kv#upstream=} ;;
		mirrors=*) mirrors=${kv#mirrors=} ;;
		state=*) state=${kv#state=} ;;
		dissent=*) dissent=${kv#dissent=} ;;
		level=*) level=${kv#level=} ;;
		upstream_timeout=*) utimeout=${kv#upstream_timeout=} ;;
		learn=*) learn=${kv#learn=} ;;
		trust_store=*) trust_store=${kv#trust_store=} ;;
		serve_stale=*) serve_stale=${kv#serve_stale=} ;;
		extra=*) extra=${kv#extra=} ;;
		c.*=*) k=${kv#c.}; cons[${k%%=*}]=${kv#*=} ;;
		*) echo "cons_vconf: unknown key $kv" >&2; return 1 ;;
		esac
	done
	for m in $mirrors; do n=$((n + 1)); done
	: "${cons[mirrors_per_query]:=$n}"
	: "${cons[bypass]:=[home.arpa, local, lan, intra.example.test]}"
	# The views' addresses (127.193.215.x, 127.145.77.x) have no TLS server behind them: no
	# probe (consensus_ca.sh sets c.probe with servers of its own). They are all loopback, so
	# the private-address rule would decide every dissent: off unless a test asks for it.
	: "${cons[probe]:=off}"
	: "${cons[allow_private]:=true}"
	# Under valgrind a first TLS handshake alone can outlast the default 1.5 s.
	if [ -n "${VANTAGED_WRAPPER:-}" ] && [ -z "${cons[timeout]:-}" ]; then cons[timeout]=10s; fi
	{
		echo "# written by tests/integration/consensus/lib_consensus.sh"
		echo "listen: [\"${listen:-$VD_ADDR:0}\"]"
		echo "upstreams: [\"$upstream\"]"
		echo "upstream_timeout: $utimeout"
		echo "mirrors:"
		echo "  bootstrap: \"$T/no-bootstrap.yaml\""
		[ -n "$learn" ] && echo "  learn: $learn"
		[ -n "$trust_store" ] && echo "  trust_store: \"$trust_store\""
		echo "  list:"
		for m in $mirrors; do
			name=${m%%[=@]*} pin=${MID[${m%%[=@]*}]} hp=${MHP[${m%%[=@]*}]}
			case $m in *=*) pin=${m#*=} ;; esac
			case $m in *@*) hp=${m#*@} ;; esac
			echo "    - { name: $name, address: \"$hp\", region: ${MREGION[$name]:-xx}, ca_sha256: \"$pin\" }"
		done
		echo "consensus:"
		for k in "${!cons[@]}"; do echo "  $k: ${cons[$k]}"; done
		echo "cache: { max_entries: 1000, state_file: \"${state:-$T/state-$(basename "$file" .yaml)}\"${serve_stale:+, serve_stale: $serve_stale} }"
		echo "control: { socket: \"$T/ctl-$(basename "$file" .yaml).sock\" }"
		echo "log: { level: $level, dissent_log: \"$dissent\" }"
		echo 'user: ""'
		[ -z "$extra" ] || printf '%s\n' "$extra"
	} > "$file"
}

ede_of() { sed -n 's/^; EDE: \([0-9]*\)[^:]*: *(\(.*\))$/\1 \2/p' | head -n 1; }

# Worker loops (workers: 2): the kernel spreads clients over them by address and port. With
# vantagectl's socket SOCK, find source ports of address CLIENT that each loop takes (four
# each, asking NAME): into the arrays L0 and L1. 0, or 1 when one loop got fewer.
# pdig PORT ARGS then asks from CLIENT#PORT.
loop_field() { timeout 20 "$VANTAGECTL" -s "$SOCK" -j status | jq -r ".workers[$1].$2"; }
pdig() { local p=$1; shift; timeout 15 dig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" -b "$CLIENT#$p" +tries=1 +time=3 "$@"; }
find_loop_ports() {
	local name=$1 p a
	L0=() L1=()
	for p in $(seq 41000 41127); do
		a=$(loop_field 0 queries)
		pdig "$p" +short "$name" A > /dev/null
		if [ "$(loop_field 0 queries)" != "$a" ]; then L0+=("$p"); else L1+=("$p"); fi
		[ ${#L0[@]} -ge 4 ] && [ ${#L1[@]} -ge 4 ] && return 0
	done
	return 1
}
