#!/bin/bash
# tests/integration/mirror_config.sh - `vantage-mirror -n`: the shipped etc/vantage-mirror.yaml is
# valid, and broken configurations are refused with the exact file:line message.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_mirror
tap_plan 20

mirror_keygen "$T/keys" 127.192.0.10 || bail_out "keygen failed"
# the shipped example, pointed at our keys and state
sed -e "s|/var/lib/vantage-mirror/keys|$T/keys|" -e "s|/var/lib/vantage-mirror|$T/state|" \
	"$top_srcdir/etc/vantage-mirror.yaml" > "$T/shipped.yaml"
ok "the shipped etc/vantage-mirror.yaml passes -n" "$MIRROR_BIN" -n -c "$T/shipped.yaml"
like "$("$MIRROR_BIN" -n -v -c "$T/shipped.yaml" 2>&1)" "id: $KEY_ID" "-n -v prints the normalised config with the id"
like "$("$MIRROR_BIN" -V)" '^vantage-mirror [0-9.]+ \(mirror protocol v1\)$' "-V prints the version"

base="listen: [\"127.0.0.1:0\"]
tls: { dir: \"$T/keys\" }
upstreams: [\"127.0.0.1:53\"]
region: eu
state_dir: \"$T/state\""
bad() {	# DESC EXPECTED-MESSAGE YAML
	printf '%s\n' "$3" > "$T/bad.yaml"
	out=$("$MIRROR_BIN" -n -c "$T/bad.yaml" 2>&1); rc=$?
	is "$rc:$out" "1:$T/bad.yaml:$2" "$1"
}
bad "an unknown key" "6: unknown key 'colour' in the configuration" "$base
colour: blue"
bad "a duplicate key" "6: duplicate key 'region' (first on line 4)" "$base
region: us"
bad "an anchor (aliases)" "6: anchors are not allowed" "$base
x: &a 1
name: *a"
bad "a bad listen address" "1: listen: 'nowhere:53' is not IP[:PORT]" "listen: [\"nowhere:53\"]"
bad "a bad ca_sha256 in peers" "6: ca_sha256: expected 64 hex digits" "$base
peers: [ { name: p, address: \"127.192.0.1\", region: eu, ca_sha256: \"xyz\" } ]"
bad "an unknown key in limits" "6: unknown key 'max_conns' in limits" "$base
limits: { max_conns: 5 }"
bad "a missing tls" "1: missing tls" "listen: [\"127.0.0.1:0\"]
upstreams: [\"127.0.0.1:53\"]"
bad "a ca_pem that does not hash to ca_sha256" "6: ca_pem: its SHA-256 is not ca_sha256" "$base
peers: [ { name: p, address: \"127.192.0.1\", region: eu, ca_pem: \"$(sed 's/$/\\n/' "$T/keys/ca.pem" | tr -d '\n')\", ca_sha256: \"$(printf '0%.0s' $(seq 64))\" } ]"
bad "an unreadable key directory" "2: tls: cannot read /nonexistent/ca.pem: No such file or directory" \
	"listen: [\"127.0.0.1:0\"]
tls: { dir: /nonexistent }"
# shared: (replicas, issue 14): the URL, the timeout and the prefix are checked at load.
bad "shared: a URL of another scheme" \
	"6: redis: expected redis://host[:port][/db] or unix:/path (rediss:// is not supported)" "$base
shared: { redis: \"http://127.0.0.1/\" }"
bad "shared: a relative unix socket" "6: redis: a unix: URL needs an absolute socket path" "$base
shared: { redis: \"unix:redis.sock\" }"
bad "shared: a timeout of 0" "6: timeout: 0ms is out of range 1ms..10000ms" "$base
shared: { redis: \"redis://127.0.0.1/0\", timeout: 0ms }"
bad "shared: a prefix with a space" "6: prefix: 1 to 64 printable characters without spaces" "$base
shared: { redis: \"redis://127.0.0.1/0\", prefix: \"a b\" }"
bad "shared: an unknown key" "6: unknown key 'colour' in shared" "$base
shared: { redis: \"redis://127.0.0.1/0\", colour: blue }"
printf '%s\nshared: { redis: "redis://u:s3cret@127.0.0.1:6380/2", prefix: "m1:", timeout: 50ms }\n' \
	"$base" > "$T/shared.yaml"
out=$("$MIRROR_BIN" -n -v -c "$T/shared.yaml" 2>&1)
like "$out" 'shared: \{ redis: "127.0.0.1:6380/2", username: "u", password: \(set\), prefix: "m1:", timeout: 50ms \}' \
	"-n -v prints shared: normalised"
unlike "$out" "s3cret" "... and never the password"
like "$("$MIRROR_BIN" -n -v -c "$T/shipped.yaml" 2>&1)" 'shared: \{ redis: off, prefix: "vantage-mirror:", timeout: 20ms \}' \
	"shared: is off by default, with vantaged's timeout and the mirror's prefix"
