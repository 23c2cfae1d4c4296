#!/bin/bash
# tests/integration/pkg_openwrt.sh - packaging/openwrt/vantage: the procd init script parses
# (sh -n, shellcheck when installed) and its UCI -> YAML glue, run under dash with a stand-in
# for OpenWrt's config_load/config_get (tests/integration/packaging/uci_stub.sh), writes
# configurations vantaged -n accepts: from a sample UCI file with mirrors, from the shipped
# /etc/config/vantage, and with the WAN's resolvers as upstreams. start_service and
# reload_service are run against stub procd_* functions.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
require_progs dash
OW=$top_srcdir/packaging/openwrt/vantage
INIT=$OW/files/vantaged.init
STUB=$top_srcdir/tests/integration/packaging/uci_stub.sh
tap_plan 20

ok "init script: sh -n" sh -n "$INIT"
ok "init script: dash -n" dash -n "$INIT"
if command -v shellcheck > /dev/null; then
	ok "init script: shellcheck -s sh" shellcheck -s sh "$INIT"
else
	skip "shellcheck not installed"
fi
ok "init script: USE_PROCD=1, rc.common" sh -c 'grep -qx "USE_PROCD=1" "$1" && head -n 1 "$1" | grep -qx "#!/bin/sh /etc/rc.common"' sh "$INIT"
ok "Makefile: DEPENDS on libldns, libevent2-core, libwolfssl, libnghttp2, libyaml" sh -c \
	'grep "^  DEPENDS:=" "$1" | grep -q "+libldns .*+libevent2-core .*+libwolfssl .*+libnghttp2 .*+libyaml"' sh "$OW/Makefile"
ok "Makefile: installs the binary, init script, UCI config and mirrors.yaml" sh -c \
	'for f in "usr/sbin/vantaged " "files/vantaged.init" "files/vantage.config" "etc/mirrors.yaml"; do
		grep -q "INSTALL_.*$f" "$1" || { echo "missing $f"; exit 1; }; done' sh "$OW/Makefile"

# uci2yaml UCIFILE OUT [env...]: vantage_write_yaml under dash with the stubs
uci2yaml() {
	local uci=$1 out=$2; shift 2
	mkdir -p "$T/uci"; cp "$uci" "$T/uci/vantage"
	env UCI_CONFIG_DIR="$T/uci" "$@" dash -c '. "$1"; . "$2"; vantage_write_yaml "$3"' \
		sh "$STUB" "$INIT" "$out"
}

printf 'nameserver 192.0.2.1\nnameserver 127.0.0.1\nnameserver 2001:db8::1\nnameserver fe80::1%%eth0\n' > "$T/resolv.auto"

# --- 1. a sample with two listeners, mirrors, a quoted bypass and a broken mirror section
out=$(uci2yaml "$top_srcdir/tests/integration/packaging/openwrt.uci" "$T/sample.yaml" \
	VANTAGE_WAN_RESOLV=/nonexistent 2>&1)
ok "sample UCI: YAML written" test -s "$T/sample.yaml"
like "$out" "mirror section broken needs address, region and ca_sha256; skipped" \
	"... an incomplete mirror section is skipped with a message"
# (upstreams: auto here, read from a resolv.conf of our own)
ok "... vantaged -n accepts it" env VANTAGED_RESOLV_CONF="$T/resolv.auto" "$VANTAGED" -n -c "$T/sample.yaml"
norm=$(VANTAGED_RESOLV_CONF="$T/resolv.auto" "$VANTAGED" -nv -c "$T/sample.yaml" 2>&1)
like "$norm" 'listen: \["127\.0\.0\.1:5353", "\[::1\]:5353"\]' "... both listeners"
like "$norm" 'mode: monitor' "... the consensus options (mode: monitor)"
is "$(grep -c 'verify: pin, ca_sha256' <<< "$norm")" 2 "... two pinned mirrors"
like "$norm" 'bypass: \[lan, my "odd" zone\]' "... a value with quotes survives"

# --- 2. no upstream in UCI: the WAN's resolvers
uci2yaml "$OW/files/vantage.config" "$T/wan.yaml" VANTAGE_WAN_RESOLV="$T/resolv.auto" 2> /dev/null
is "$(grep '^upstreams:' "$T/wan.yaml")" 'upstreams: ["192.0.2.1", "[2001:db8::1]:53"]' \
	"shipped config, no upstream: the WAN's resolvers (not loopback, not link-local)"
ok "... vantaged -n accepts it" "$VANTAGED" -n -c "$T/wan.yaml"
uci2yaml "$OW/files/vantage.config" "$T/auto.yaml" VANTAGE_WAN_RESOLV=/nonexistent 2> /dev/null
is "$(grep '^upstreams:' "$T/auto.yaml")" 'upstreams: [auto]' "... and without a WAN yet: auto"

# --- 3. start_service / reload_service against stub procd functions
sed -e "s|/var/|$T/var/|g" "$OW/files/vantage.config" > "$T/procd.uci"
mkdir -p "$T/uci"; cp "$T/procd.uci" "$T/uci/vantage"
procd_out=$(env UCI_CONFIG_DIR="$T/uci" VANTAGE_YAML="$T/var/etc/vantaged.yaml" \
	VANTAGE_WAN_RESOLV="$T/resolv.auto" dash -c '
	procd_open_instance() { echo "open"; }
	procd_set_param() { echo "param $*"; }
	procd_close_instance() { echo "close"; }
	procd_send_signal() { echo "signal $*"; }
	chown() { :; }
	. "$1"; . "$2"; start_service; reload_service' sh "$STUB" "$INIT" 2>&1)
like "$procd_out" "param command /usr/sbin/vantaged -d -c $T/var/etc/vantaged\\.yaml" \
	"start_service: procd runs /usr/sbin/vantaged -d -c /var/etc/vantaged.yaml"
like "$procd_out" $'param respawn [0-9]+ [0-9]+ [0-9]+\n' "... respawned"
ok "... after writing a YAML vantaged -n accepts" "$VANTAGED" -n -c "$T/var/etc/vantaged.yaml"
like "$procd_out" "signal vantaged \\* HUP" "reload_service: SIGHUP"
