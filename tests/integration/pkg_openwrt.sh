#!/bin/bash
# tests/integration/pkg_openwrt.sh - packaging/openwrt/vantage: the procd init script parses
# (sh -n, shellcheck when installed) and its UCI -> YAML glue, run under dash with a stand-in
# for OpenWrt's config_load/config_get (tests/integration/packaging/uci_stub.sh), writes
# configurations vantaged -n accepts: from a sample UCI file with mirrors, ACL rules and metrics,
# from the shipped /etc/config/vantage (loopback port 5335, never mDNS's 5353), and with the
# WAN's resolvers as upstreams. start_service and reload_service are run against stub procd_*
# functions. The uci-defaults script that points dnsmasq at vantaged runs under dash against a
# stub `uci` that records every command, and the package's prerm undoes it.
# No OpenWrt SDK can be fetched here (no internet beyond Debian's archive), so the Makefile is
# checked against stand-ins for the SDK's rules.mk and package.mk
# (tests/integration/packaging/openwrt-sdk/) that enforce its package rules, and its install
# recipe is run into a staging tree from a `make install DESTDIR=` of this build.
# Memory: vantaged with the router's generated configuration, three ECDSA P-256 mirrors and a
# real NSD on loopback, its cache filled with $MEM_NAMES names by dnsperf; peak RSS (VmHWM)
# must stay under $MEM_BOUND_KB kB (a 128 MB router has ~90 MB for user space).
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs dash
OW=$top_srcdir/packaging/openwrt/vantage
INIT=$OW/files/vantaged.init
UCIDEF=$OW/files/vantage.uci-defaults
STUB=$top_srcdir/tests/integration/packaging/uci_stub.sh
SDK=$top_srcdir/tests/integration/packaging/openwrt-sdk
MEM_NAMES=5000
MEM_BOUND_KB=40960
tap_plan 69

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
	'for f in "usr/sbin/vantaged " "files/vantaged.init" "files/vantage.config" "etc/vantage/mirrors.yaml"; do
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
like "$norm" 'listen: \["127\.0\.0\.1:5335", "\[::1\]:5335"\]' "... both listeners"
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

# --- 4. ACL rules and metrics from UCI (the sample's config acl sections, metrics_listen)
like "$out" "acl section bad: action must be allow, refuse or drop; skipped" \
	"sample UCI: an acl section with a bad action is skipped with a message"
like "$norm" 'from: "?127\.0\.0\.0/8"?, action: allow' "... loopback (dnsmasq) allowed first"
like "$norm" 'from: "?192\.168\.1\.0/24"?, action: allow' "... config acl: allow"
like "$norm" 'from: "?192\.168\.2\.0/24"?, action: refuse' "... config acl: refuse"
like "$norm" 'from: "?fd00::/8"?, action: drop' "... config acl: drop"
unlike "$norm" '10\.0\.0\.0/8' "... not the broken one"
like "$norm" $'metrics:\n  listen: "127\\.0\\.0\\.1:9153"' "... metrics_listen: the metrics listener"
nok "shipped config: no acl and no metrics section (only loopback asks, as by default)" \
	grep -Eq '^(acl|metrics):' "$T/wan.yaml"
ok "shipped config: acl and metrics_listen are there, commented" sh -c \
	'grep -q "^#config acl" "$1" && grep -q "#option metrics_listen " "$1"' sh "$OW/files/vantage.config"

# --- 5. the port: loopback 5335, never mDNS's 5353, the same in UCI and for dnsmasq
is "$(grep '^listen:' "$T/wan.yaml")" 'listen: ["127.0.0.1:5335"]' "shipped config: vantaged listens on 127.0.0.1:5335"
nok "... no 5353 in the generated YAML" grep -q ':5353' "$T/wan.yaml"
nok "... nor in what the package ships, but in comments" sh -c \
	'grep -v "^[[:space:]]*#" "$@" | grep -q 5353' sh "$OW/files/vantage.config" "$INIT" "$UCIDEF"
ok "... the uci-defaults script falls back to the same address" grep -qx 'listen=${listen:-127.0.0.1:5335}' "$UCIDEF"

# --- 6. the Makefile against the SDK's rules (stand-ins), its install recipe into a staging tree
sdk() {	# sdk OUTDIR MAKEFILE_DIR [make args...]
	local out=$1 dir=$2; shift 2
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$dir" TOPDIR="$SDK" SDK_OUT="$out" \
		SDK_SRC="$top_srcdir" PKG_INSTALL_DIR="$T/destdir" "$@"
}
ok "make install DESTDIR= of this build (prefix /usr, /etc, /var as the SDK configures)" \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" install DESTDIR="$T/destdir" \
	prefix=/usr sysconfdir=/etc localstatedir=/var
ok "SDK stand-in: the fields, DEPENDS, conffiles, scripts and the install recipe pass" \
	sdk "$T/sdk" "$OW" sdk-install
R=$T/sdk/root-vantage
ok "... staged: vantaged, vantagectl, init script, UCI config, mirrors, uci-defaults, dashboard" sh -c '
	for f in usr/sbin/vantaged usr/sbin/vantagectl etc/init.d/vantaged etc/config/vantage \
	    etc/vantage/mirrors.yaml etc/uci-defaults/90-vantage usr/share/vantage/dashboard/index.html; do
		[ -f "$1/$f" ] || { echo "missing $f"; exit 1; }; done' sh "$R"
ok "... the staged vantagectl runs" sh -c '"$1" -h 2>&1 | grep -q "usage: vantagectl"' sh "$R/usr/sbin/vantagectl"
is "$(grep -E '^PKG_LICENSE(_FILES)?:=' "$OW/Makefile" | tr '\n' ' ')" 'PKG_LICENSE:=ISC PKG_LICENSE_FILES:=LICENSE ' \
	"PKG_LICENSE: ISC (the SPDX id of the LICENSE file)"
ok "... LICENSE is the ISC licence" grep -q 'Permission to use, copy, modify, and distribute this software for any' "$top_srcdir/LICENSE"
like "$(sdk "$T/sdk" "$OW" sdk-configure-args CONFIG_VANTAGE_SECCOMP=y)" -- '--enable-seccomp' \
	"libseccomp optional: CONFIG_VANTAGE_SECCOMP=y configures --enable-seccomp"
like "$(sdk "$T/sdk" "$OW" sdk-configure-args)" -- '--disable-seccomp' "... and off, --disable-seccomp (never auto-detected)"
like "$(grep -A1 '^  DEPENDS:=' "$OW/Makefile")" '\+VANTAGE_SECCOMP:libseccomp' "... DEPENDS +VANTAGE_SECCOMP:libseccomp"
# the stand-in is not a rubber stamp: a Makefile with the mistakes it exists for fails
mkdir -p "$T/bad"; cp -r "$OW/files" "$T/bad/"
sed -e 's/^PKG_HASH:=.*/PKG_HASH:=skip/' -e 's/+libyaml/+libyml/' -e 's/^PKG_LICENSE:=.*/PKG_LICENSE:=see LICENSE/' \
	-e 's|^/etc/vantage/mirrors.yaml$|/etc/vantage/mirror.yaml|' "$OW/Makefile" > "$T/bad/Makefile"
bad=$(sdk "$T/sdk-bad" "$T/bad" sdk-install 2>&1)
like "$bad" 'PKG_HASH is skip' "SDK stand-in refuses PKG_HASH:=skip"
like "$bad" "DEPENDS on 'libyml', no such package" "... a DEPENDS naming no package"
like "$bad" "PKG_LICENSE: 'see' is not an SPDX identifier" "... a licence that is not SPDX"
sed -i 's/^PKG_HASH:=skip/PKG_HASH:=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/; s/+libyml/+libyaml/; s/^PKG_LICENSE:=.*/PKG_LICENSE:=ISC/' "$T/bad/Makefile"
like "$(sdk "$T/sdk-bad" "$T/bad" sdk-install 2>&1)" 'conffiles: /etc/vantage/mirror.yaml is not installed' \
	"... a conffile the install recipe does not install"
# PKG_HASH: the sha256 of the release tarball, written by update-hash.sh
like "$(grep '^PKG_HASH:=' "$OW/Makefile")" '^PKG_HASH:=[0-9a-f]{64}$' "PKG_HASH is a sha256"
printf 'not really a tarball\n' > "$T/vantage-9.8.7.tar.gz"
cp "$OW/Makefile" "$T/Makefile.hash"
sh "$top_srcdir/packaging/openwrt/update-hash.sh" "$T/vantage-9.8.7.tar.gz" "$T/Makefile.hash" > /dev/null
is "$(sed -n 's/^PKG_HASH:=//p; s/^PKG_VERSION:=//p; s/^PKG_RELEASE:=//p' "$T/Makefile.hash" | tr '\n' ' ')" \
	"9.8.7 1 $(sha256sum "$T/vantage-9.8.7.tar.gz" | cut -d ' ' -f 1) " \
	"update-hash.sh TARBALL: PKG_VERSION, PKG_RELEASE 1 and PKG_HASH from the tarball"

# --- 7. uci-defaults: dnsmasq forwards to vantaged; the package's prerm puts it back
cat > "$T/dnsmasq.init" <<EOS
#!/bin/sh
echo "\$*" >> "$T/dnsmasq.calls"
exit 0
EOS
chmod +x "$T/dnsmasq.init"
printf 'dhcp.@dnsmasq[0]\tdnsmasq\ndhcp.@dnsmasq[0].server\t/corp.example/10.0.0.53\ndhcp.@dnsmasq[0].server\t192.0.2.1\nvantage.main.listen\t127.0.0.1:5335\n' \
	> "$T/uci.state"
cp "$T/uci.state" "$T/uci.state.orig"
# runs a maintainer script as OpenWrt does (sourced by sh), with the stub uci
run_script() {
	env UCI_STATE="$T/uci.state" UCI_LOG="$T/uci.log" VANTAGE_DNSMASQ_BACKUP="$T/etc/vantage/dnsmasq.orig" \
		VANTAGE_DNSMASQ_INIT="$T/dnsmasq.init" dash -c '. "$1"; . "$2"' sh "$STUB" "$1"
}
uget() { UCI_STATE="$T/uci.state" UCI_LOG=/dev/null dash -c '. "$1"; uci -q get "$2"' sh "$STUB" "$1"; }
ok "uci-defaults: dash -n" dash -n "$UCIDEF"
ok "uci-defaults: runs under dash and exits 0 (OpenWrt then deletes it)" run_script "$UCIDEF"
is "$(uget 'dhcp.@dnsmasq[0].server')" "/corp.example/10.0.0.53 127.0.0.1#5335" \
	"... dnsmasq's servers: vantaged's address; the plain upstream removed, the split-DNS one kept"
is "$(uget 'dhcp.@dnsmasq[0].noresolv')" 1 "... noresolv 1 (dnsmasq no longer asks the WAN's resolvers itself)"
is "$(grep -c '^uci commit dhcp$' "$T/uci.log")" 1 "... uci commit dhcp, once"
is "$(cat "$T/dnsmasq.calls")" $'running\nrestart' "... and dnsmasq restarted (it was running)"
is "$(cat "$T/etc/vantage/dnsmasq.orig" 2> /dev/null)" \
	$'target 127.0.0.1#5335\nnoresolv \nserver /corp.example/10.0.0.53\nserver 192.0.2.1' \
	"... what it replaced saved in the backup"
cp "$T/uci.state" "$T/uci.state.once"
ok "uci-defaults a second time (upgrade): exits 0" run_script "$UCIDEF"
ok "... and changes nothing" cmp "$T/uci.state.once" "$T/uci.state"
# the owner adds a split-DNS server while vantage is installed; removal keeps it
UCI_STATE="$T/uci.state" UCI_LOG="$T/uci.log" dash -c '. "$1"; uci add_list "dhcp.@dnsmasq[0].server=/home.example/10.1.1.1"' sh "$STUB"
: > "$T/dnsmasq.calls"
ok "prerm (as the SDK writes it from the Makefile): runs under dash" run_script "$T/sdk/vantage.prerm"
is "$(uget 'dhcp.@dnsmasq[0].server')" "/corp.example/10.0.0.53 /home.example/10.1.1.1 192.0.2.1" \
	"... dnsmasq's servers back (vantaged's gone, the owner's addition kept)"
nok "... noresolv unset again, as it was" uget 'dhcp.@dnsmasq[0].noresolv'
ok "... the backup removed" test ! -e "$T/etc/vantage/dnsmasq.orig"
is "$(cat "$T/dnsmasq.calls")" $'running\nrestart' "... dnsmasq restarted"
# an original noresolv of 0 comes back as 0
cp "$T/uci.state.orig" "$T/uci.state"; printf 'dhcp.@dnsmasq[0].noresolv\t0\n' >> "$T/uci.state"
run_script "$UCIDEF"; run_script "$T/sdk/vantage.prerm"
is "$(uget 'dhcp.@dnsmasq[0].noresolv')" 0 "... an original noresolv '0' is restored as '0'"

# --- 8. memory on a router: the generated configuration (shipped UCI defaults, three pinned
# mirrors as `config mirror` sections), a real NSD upstream, the cache filled by dnsperf
if ! command -v nsd > /dev/null || ! command -v dnsperf > /dev/null || [ ! -x "$MIRROR_BIN" ]; then
	skip "memory: needs nsd, dnsperf and vantage-mirror" 6
else
	{
		printf '$ORIGIN mem.test.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 900 604800 30\n@ NS ns\nns A 127.201.0.53\n'
		for ((i = 0; i < MEM_NAMES; i++)); do
			printf 'n%d A 127.201.%d.%d\n' "$i" $((i / 250)) $((i % 250 + 1))
		done
	} > "$T/mem.test.zone"
	for ((i = 0; i < MEM_NAMES; i++)); do echo "n$i.mem.test A"; done > "$T/mem.names"
	start_nsd "$(unique_addr)" 5300 mem.test "$T/mem.test.zone" || bail_out "nsd did not start"
	mems=""
	for r in eu us ap; do
		a=$(unique_addr)
		# ECDSA P-256, what a router's stock wolfSSL (no Ed25519) can verify
		entry=$("$MIRROR_BIN" keygen --dir "$T/keys-$r" --address "$a" --region "$r" --algo ecdsa-p256) ||
			bail_out "keygen $r failed"
		pin=$(sed -n 's/.*ca_sha256: "\([0-9a-f]*\)".*/\1/p' <<< "$entry")
		mirror_conf "$T/mirror-$r.yaml" "$a:0" "$NSD_ADDR:$NSD_PORT" "$T/keys-$r" "$T/mstate-$r"
		start_mirror "$T/mirror-$r.yaml" "mirror-$r" || bail_out "mirror $r did not start"
		mems+=$(printf "\nconfig mirror\n\toption name '%s'\n\toption address '%s'\n\toption region '%s'\n\toption ca_sha256 '%s'\n" \
			"$r" "$MIRROR_ADDR:$MIRROR_PORT" "$r" "$pin")
	done
	echo '[]' > "$T/no-bootstrap.yaml"
	{
		sed -e "s|list listen '127.0.0.1:5335'|list listen '$(unique_addr):0'|" \
			-e "s|#list upstream '192.0.2.53'|list upstream '$NSD_ADDR:$NSD_PORT'|" \
			-e "s|option bootstrap '/etc/vantage/mirrors.yaml'|option bootstrap '$T/no-bootstrap.yaml'|" \
			-e "s|'/var/|'$T/var/|g" "$OW/files/vantage.config"
		printf '%s\n' "$mems"
	} > "$T/router.uci"
	uci2yaml "$T/router.uci" "$T/router.yaml" VANTAGE_WAN_RESOLV=/nonexistent
	mkdir -p "$T/var/lib/vantage" "$T/var/run/vantage"
	start_vantaged "$T/router.yaml" || bail_out "vantaged did not start with the router's configuration"
	pass "memory: vantaged starts with the router's YAML (cache_size 10000, 3 pinned mirrors)"
	diag "vantaged peak RSS at start: $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$VANTAGED_PID/status")"
	timeout 120 dnsperf -s "$VANTAGED_ADDR" -p "$VANTAGED_PORT" -d "$T/mem.names" -n 1 -q 20 -t 10 \
		> "$T/dnsperf.out" 2>&1
	completed=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$T/dnsperf.out")
	diag "$(grep -E 'Queries (sent|completed|lost)|NOERROR|SERVFAIL|REFUSED' "$T/dnsperf.out")"
	is "$completed" "$MEM_NAMES" "... dnsperf: all $MEM_NAMES names answered"
	cstats=$("$top_builddir/vantagectl" -s "$T/var/run/vantage/control.sock" cache stats 2>&1)
	diag "$cstats"
	entries=$(sed -n 's/^cache: entries=\([0-9]*\).*/\1/p' <<< "$cstats")
	verified=$(sed -n 's/^verified_cache: entries=\([0-9]*\).*/\1/p' <<< "$cstats")
	cmp_ok "${entries:-0}" -ge "$MEM_NAMES" "... the cache holds them (entries: ${entries:-?})"
	cmp_ok "${verified:-0}" -ge "$MEM_NAMES" "... verified by the mirrors (verified_cache: ${verified:-?})"
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$VANTAGED_PID/status")
	rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$VANTAGED_PID/status")
	diag "vantaged peak RSS (VmHWM) ${hwm} kB, RSS now ${rss} kB, after $MEM_NAMES names"
	# A sanitizer build carries ASAN's shadow memory and quarantine: its RSS says nothing
	# about a router's.
	if ldd "$VANTAGED" | grep -q 'libasan\|libubsan'; then
		skip "sanitizer build: peak RSS ${hwm} kB is ASAN's, not a router's"
	else
		cmp_ok "${hwm:-999999}" -lt "$MEM_BOUND_KB" "... peak RSS ${hwm} kB < $MEM_BOUND_KB kB (a 128 MB router)"
	fi
	ok "... still answering" sh -c '[ -n "$(dig @"$1" -p "$2" +short n1.mem.test A)" ]' sh "$VANTAGED_ADDR" "$VANTAGED_PORT"
fi
