# tests/integration/net/lib_net.sh - the world of the mirror-network simulation (issue 8).
# Sourced after tests/integration/lib.sh and tests/integration/mirror/lib_mirror.sh.
#
#   net_views N          N honest NSD views of example.test (own process each) and one lying
#                        view, all on one unique address (ports 5300..); HONEST_VIEWS[i], LIE_VIEW
#   net_keys I           keys for mirror I (its own CA) at $NET_ADDR:$((NET_PORT0 + I));
#                        MID[I], MHP[I], MKEYS[I]
#   net_conf I VIEW PEERS...
#                        the config of mirror I asking VIEW, with the mirrors PEERS as configured
#                        peers (ca_pem included, so that they can be contacted); network: keys
#                        come from NET_* (short intervals)
#   net_start I          start mirror I (MPID[I])
#   net_state FROM ID    the state ("active", "inactive", "candidate", "self") mirror FROM lists
#                        for ID, "" when it does not list it
#   net_all_state STATE ID FROM...
#                        true when every FROM mirror lists ID in STATE
#   net_seed I NAMES...  ask mirror I the questions (so that its ring has something to replay)
#   mget I PATH          GET over HTTPS pinned to mirror I's CA
#   mpost I PATH JSON    POST JSON to mirror I

declare -A MID=() MHP=() MKEYS=() MPID=() HONEST_VIEWS=()
LIE_VIEW=""
NET_ADDR=""
# Ports on our own unique address: nobody else binds there.
NET_PORT0=24400

: "${NET_VERIFY_INTERVAL:=200ms}"
: "${NET_VERIFY_ROUNDS:=3}"
: "${NET_AUDIT_PERIOD:=1s}"
: "${NET_CHECK_PEERS:=2}"
: "${NET_FANOUT:=3}"
# Under ASAN (and the suite's other tests beside it) an honest mirror's answer can take longer
# than the short limits the figures are taken with: an honest peer must not look like a liar.
if grep -qa __asan_init "$MIRROR_BIN" 2> /dev/null; then NET_SLOW=3s NET_MAX_RESPONSE=2s; fi
: "${NET_SLOW:=1s}"
: "${NET_MAX_RESPONSE:=500ms}"

net_lie_zone() {
	cat > "$1" <<-'EOF2'
	$TTL 300
	@	IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
	@	IN NS ns.example.test.
	ns	IN A 127.192.0.53
	www	IN A 127.145.77.14
	www	IN AAAA ::ffff:127.145.77.14
	short	60 IN A 127.145.77.7
	txt	IN TXT "lie view"
	EOF2
}

# net_small_zone FILE ADDR: a zone whose every name has one A record, ADDR (TTL 300).
net_small_zone() {
	cat > "$1" <<-EOF2
	\$TTL 300
	@	IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
	@	IN NS ns.example.test.
	@	IN A $2
	*	IN A $2
	EOF2
}

# The views serve, beside example.test, the zones NET_DOMAINS (.test) where the lying view
# lies too: mirrors add at most one dissent per registrable domain and window to a peer's
# reputation (doc/mirror-protocol.md, section 5.1), so a liar is removed for lies that span
# several domains. Clients ask www.D.test for each (net_seed).
NET_DOMAINS=(a b c d)

net_views() {
	local n=$1 i d honest=() lie=()
	NET_ADDR=$(unique_addr) || return 1
	mirror_zone "$T/honest.zone"
	net_lie_zone "$T/lie.zone"
	honest=(example.test "$T/honest.zone") lie=(example.test "$T/lie.zone")
	for ((d = 0; d < ${#NET_DOMAINS[@]}; d++)); do
		net_small_zone "$T/${NET_DOMAINS[$d]}-honest.zone" 127.204.$d.10
		net_small_zone "$T/${NET_DOMAINS[$d]}-lie.zone" 127.205.$d.10
		honest+=("${NET_DOMAINS[$d]}.test" "$T/${NET_DOMAINS[$d]}-honest.zone")
		lie+=("${NET_DOMAINS[$d]}.test" "$T/${NET_DOMAINS[$d]}-lie.zone")
	done
	for ((i = 0; i < n; i++)); do
		start_nsd "$NET_ADDR" $((5300 + i)) "${honest[@]}" || return 1
		HONEST_VIEWS[$i]=$NET_ADDR:$((5300 + i))
	done
	start_nsd "$NET_ADDR" $((5300 + n)) "${lie[@]}" || return 1
	LIE_VIEW=$NET_ADDR:$((5300 + n))
}

net_keys() {
	local i=$1 hp=$NET_ADDR:$((NET_PORT0 + $1))
	mirror_keygen "$T/keys-$i" "$hp" "r$((i % 4))" > /dev/null || return 1
	MID[$i]=$KEY_ID MHP[$i]=$hp MKEYS[$i]=$T/keys-$i
}

net_conf() {
	local i=$1 view=$2 p; shift 2
	mkdir -p "$T/state-$i"
	{
		echo "listen: [\"${MHP[$i]}\"]"
		echo "name: m$i"
		echo "tls: { dir: \"${MKEYS[$i]}\" }"
		echo "upstreams: [\"$view\"]"
		echo "upstream_timeout: $NET_SLOW"
		echo "region: r$((i % 4))"
		echo "state_dir: \"$T/state-$i\""
		echo "network:"
		echo "  verify_interval: $NET_VERIFY_INTERVAL"
		echo "  verify_rounds: $NET_VERIFY_ROUNDS"
		echo "  verify_questions: 3"
		echo "  check_peers: $NET_CHECK_PEERS"
		echo "  min_samples: 4"
		echo "  response_timeout: $NET_SLOW"
		echo "  max_response: $NET_MAX_RESPONSE"
		echo "  max_ping: $NET_MAX_RESPONSE"
		echo "  audit_period: $NET_AUDIT_PERIOD"
		echo "  fanout: $NET_FANOUT"
		echo "  audit_fanout: 3"
		echo "  retest_interval: 1h"
		echo "  joins_per_minute: 6000"
		echo "  allow_private: true"
		if [ $# -eq 0 ]; then echo "peers: []"; else echo "peers:"; fi
		for p in "$@"; do
			echo "  - name: m$p"
			echo "    address: \"${MHP[$p]}\""
			echo "    region: r$((p % 4))"
			echo "    ca_sha256: \"${MID[$p]}\""
			echo "    ca_pem: |"
			sed 's/^/      /' "${MKEYS[$p]}/ca.pem"
		done
	} > "$T/m$i.yaml"
}

net_start() {
	start_mirror "$T/m$1.yaml" "m$1" || return 1
	MPID[$1]=$MIRROR_PID
}

mget() { curl -sS --max-time 5 --cacert "${MKEYS[$1]}/ca.pem" "https://${MHP[$1]}$2"; }
mpost() {
	curl -sS --max-time 5 --cacert "${MKEYS[$1]}/ca.pem" -H 'Content-Type: application/json' \
		--data-binary "$3" "https://${MHP[$1]}$2"
}

net_state() {
	mget "$1" /v1/mirrors | tr '{' '\n' | grep "\"id\":\"$2\"" |
		sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' | head -n 1
}

net_all_state() {
	local want=$1 id=$2 m; shift 2
	for m in "$@"; do [ "$(net_state "$m" "$id")" = "$want" ] || return 1; done
}

# net_count_state STATE ID FROM...: how many of FROM list ID in STATE.
net_count_state() {
	local want=$1 id=$2 m n=0; shift 2
	for m in "$@"; do [ "$(net_state "$m" "$id")" = "$want" ] && n=$((n + 1)); done
	echo "$n"
}

net_seed() {
	local i=$1 nt; shift
	for nt in "$@"; do
		timeout 20 "$DOH_CLIENT" --addr "${MHP[$i]}" --ca "${MKEYS[$i]}/ca.pem" \
			--name "${nt%/*}" --type "${nt#*/}" > /dev/null 2>&1 || return 1
	done
}

# net_rounds MS: MS milliseconds in verify intervals, rounded up.
net_rounds() {
	local iv=${NET_VERIFY_INTERVAL%ms}
	case $NET_VERIFY_INTERVAL in *ms) ;; *s) iv=$(( ${NET_VERIFY_INTERVAL%s} * 1000 )) ;; esac
	echo $(( ($1 + iv - 1) / iv ))
}
