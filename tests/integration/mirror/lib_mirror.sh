# tests/integration/mirror/lib_mirror.sh - helpers for the vantage-mirror scenarios.
# Sourced after tests/integration/lib.sh (TAP, $T, spawn, wait_until, unique_addr, start_nsd).

MIRROR_BIN=$top_builddir/vantage-mirror
DOH_CLIENT=$top_builddir/tests/integration/mirror/doh_client

require_mirror() {
	[ -x "$MIRROR_BIN" ] || skip_all "vantage-mirror not built"
	[ -x "$DOH_CLIENT" ] || skip_all "doh_client not built (make check builds it)"
}

# mirror_zone FILE: the authoritative data behind the mirror's upstream.
mirror_zone() {
	cat > "$1" <<-'EOF'
	$TTL 300
	@	IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
	@	IN NS ns.example.test.
	ns	IN A 127.192.0.53
	www	IN A 127.192.0.1
	www	IN AAAA ::ffff:127.192.6.1
	short	60 IN A 127.192.0.7
	txt	IN TXT "vantage mirror test"
	EOF
}

# mirror_keygen DIR ADDR[:PORT] [REGION]: keys for a mirror; sets MIRROR_ENTRY and KEY_ID.
mirror_keygen() {
	MIRROR_ENTRY=$("$MIRROR_BIN" keygen --dir "$1" --address "$2" --region "${3:-test}") || return 1
	KEY_ID=$(sed -n 's/.*ca_sha256: "\([0-9a-f]*\)".*/\1/p' <<< "$MIRROR_ENTRY")
	[ ${#KEY_ID} -eq 64 ]
}

# mirror_conf FILE LISTEN UPSTREAM KEYDIR STATEDIR [extra YAML lines]
mirror_conf() {
	mkdir -p "$5"
	cat > "$1" <<-EOF
	listen: ["$2"]
	name: m-test
	tls: { dir: "$4" }
	upstreams: ["$3"]
	upstream_timeout: 2s
	region: test
	state_dir: "$5"
	${6:-}
	EOF
}

_mirror_bound() { grep -q 'listen: bound ' "$1"; }

# start_mirror CONF [NAME]: run it in the foreground; sets MIRROR_PID, MIRROR_ADDR, MIRROR_PORT,
# MIRROR_LOG from the "listen: bound ADDR:PORT" line.
start_mirror() {
	local name=${2:-mirror} line
	spawn "$name" "$MIRROR_BIN" -d -c "$1"
	MIRROR_PID=$SPAWNED_PID MIRROR_LOG=$T/$name.log
	if ! wait_until 10 _mirror_bound "$MIRROR_LOG"; then
		diag "vantage-mirror did not bind within 10 s"
		return 1
	fi
	line=$(grep -m1 'listen: bound ' "$MIRROR_LOG")
	line=${line##*listen: bound }
	MIRROR_ADDR=${line%:*} MIRROR_PORT=${line##*:}
}

# mcurl KEYDIR PATH [curl args...]: HTTPS to the running mirror, pinned to KEYDIR's CA.
mcurl() {
	local keys=$1 path=$2; shift 2
	curl -sS --max-time 10 --cacert "$keys/ca.pem" "$@" "https://$MIRROR_ADDR:$MIRROR_PORT$path"
}

# doh KEYDIR [doh_client args...]
doh() {
	local keys=$1; shift
	timeout 60 "$DOH_CLIENT" --addr "$MIRROR_ADDR:$MIRROR_PORT" --ca "$keys/ca.pem" "$@"
}
