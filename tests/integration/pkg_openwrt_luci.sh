#!/bin/bash
# tests/integration/pkg_openwrt_luci.sh - the dashboard on OpenWrt: /etc/config/vantage's
# dashboard_* options become a dashboard section and acl entries vantaged -n accepts (and none
# when dashboard_listen is empty, the shipped default); the package installs the pages; the
# luci-app-vantage package is laid out as LuCI wants it (menu entry -> view, rpcd ACL, luci.mk)
# and its view parses and never uses innerHTML (it links to the dashboard, which cannot be
# framed).
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
require_progs dash jq
OW=$top_srcdir/packaging/openwrt
INIT=$OW/vantage/files/vantaged.init
STUB=$top_srcdir/tests/integration/packaging/uci_stub.sh
LUCI=$OW/luci-app-vantage
VIEW=$LUCI/htdocs/luci-static/resources/view/vantage/dashboard.js
tap_plan 14

uci2yaml() {
	local uci=$1 out=$2; shift 2
	mkdir -p "$T/uci"; cp "$uci" "$T/uci/vantage"
	env UCI_CONFIG_DIR="$T/uci" VANTAGE_WAN_RESOLV=/nonexistent "$@" \
		dash -c '. "$1"; . "$2"; vantage_write_yaml "$3"' sh "$STUB" "$INIT" "$out"
}
printf 'nameserver 192.0.2.1\n' > "$T/resolv.auto"

uci2yaml "$OW/vantage/files/vantage.config" "$T/off.yaml" 2> /dev/null
nok "shipped config: no dashboard" grep -q '^dashboard:' "$T/off.yaml"
sed "s/option dashboard_listen ''/option dashboard_listen '192.168.1.1:8053'/" \
	"$OW/vantage/files/vantage.config" > "$T/on.uci"
uci2yaml "$T/on.uci" "$T/on.yaml" 2> /dev/null
ok "dashboard_listen set: vantaged -n accepts the YAML" \
	env VANTAGED_RESOLV_CONF="$T/resolv.auto" "$VANTAGED" -n -c "$T/on.yaml"
norm=$(VANTAGED_RESOLV_CONF="$T/resolv.auto" "$VANTAGED" -nv -c "$T/on.yaml" 2>&1)
like "$norm" 'listen: "192\.168\.1\.1:8053"' "... the dashboard's address"
like "$norm" 'root: /usr/share/vantage/dashboard' "... the installed pages"
like "$norm" 'hostnames: \["openwrt\.lan", "router\.lan"\]' "... the host names"
like "$norm" 'from: "192\.168\.1\.0/24", action: allow' "... the LAN may use it"
like "$norm" 'from: "127\.0\.0\.0/8", action: allow' "... and loopback (dnsmasq) still asks"
ok "the package installs the pages" grep -q 'usr/share/vantage/dashboard' "$OW/vantage/Makefile"

ok "menu.d: valid JSON" jq -e . "$LUCI/root/usr/share/luci/menu.d/luci-app-vantage.json"
is "$(jq -r '."admin/services/vantage".action.path' "$LUCI/root/usr/share/luci/menu.d/luci-app-vantage.json")" \
	vantage/dashboard "menu.d: Services > vantage opens the view"
ok "rpcd acl.d: valid JSON, reads uci vantage" \
	jq -e '."luci-app-vantage".read.uci | index("vantage")' "$LUCI/root/usr/share/rpcd/acl.d/luci-app-vantage.json"
ok "Makefile: luci.mk, depends on vantage" sh -c \
	'grep -q "feeds/luci/luci.mk" "$1" && grep -q "^LUCI_DEPENDS:=.*+vantage" "$1"' sh "$LUCI/Makefile"
if command -v node > /dev/null; then
	ok "the view parses" node --check "$VIEW"
else
	skip "node not installed"
fi
nok "the view never uses innerHTML" grep -q innerHTML "$VIEW"
