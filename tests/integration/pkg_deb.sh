#!/bin/bash
# tests/integration/pkg_deb.sh - the Debian packages: packaging/debian/build.sh builds vantage
# and vantage-mirror (DEB_BUILD_OPTIONS=nocheck: the suite itself is the check), then they are
# installed, upgraded and purged with `dpkg --root` into fake roots (chrootless maintainer
# scripts with DPKG_ROOT, as when building an image) for the three ways /etc/resolv.conf is
# managed: a plain file, systemd-resolved (the 127.0.0.53 stub), resolvconf. adduser, chown,
# systemctl, deb-systemd-helper, deb-systemd-invoke and resolvconf are stubs that log their
# calls, and the whole dpkg run happens in a private mount namespace where /etc, /usr, /var
# and /run are read-only: this machine's resolv.conf and services are never touched.
#
# The build takes ~30 s on 4 cores and is reused while nothing it is made of changed
# ($top_builddir/pkg-deb). VANTAGE_TEST_DEB=0 skips the test.
. "${top_srcdir:?}/tests/integration/lib.sh"
[ "${VANTAGE_TEST_DEB:-1}" = 0 ] && skip_all "VANTAGE_TEST_DEB=0"
[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg --root, a private mount namespace)"
require_progs dpkg dpkg-deb dpkg-buildpackage dpkg-checkbuilddeps unshare mount
command -v dh > /dev/null || skip_all "debhelper not installed (apt-get install debhelper)"
(cd "$top_srcdir/packaging/debian" && dpkg-checkbuilddeps -B control > /dev/null 2>&1) ||
	skip_all "build dependencies missing: $(cd "$top_srcdir/packaging/debian" && dpkg-checkbuilddeps -B control 2>&1 | head -n 1)"
tap_plan 68

# --- build (or reuse)
DEBS=$top_builddir/pkg-deb
newest_input=$(find "$top_srcdir/packaging" "$top_srcdir/etc" "$top_srcdir/resolver" \
	"$top_srcdir/mirror" "$top_srcdir/lib" "$top_srcdir/doc" "$top_srcdir/configure.ac" \
	"$top_srcdir/Makefile.am" -type f -newer "$DEBS/vantage.stamp" 2> /dev/null | head -n 1)
if [ -f "$DEBS/vantage.stamp" ] && [ -z "$newest_input" ] && ls "$DEBS"/vantage_*.deb > /dev/null 2>&1; then
	pass "packaging/debian/build.sh (reused $DEBS: nothing changed since)"
else
	rm -rf "$DEBS"; mkdir -p "$DEBS"
	start=$(now_ms)
	if DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc 2> /dev/null || echo 2)" \
	    timeout 600 "$top_srcdir/packaging/debian/build.sh" "$DEBS" > "$T/build.log" 2>&1; then
		touch "$DEBS/vantage.stamp"
		pass "packaging/debian/build.sh built the packages in $(( ($(now_ms) - start) / 1000 )) s"
	else
		fail "packaging/debian/build.sh"
		diag "$(tail -n 40 "$T/build.log")"
		bail_out "no packages to test"
	fi
fi
V_DEB=$(ls "$DEBS"/vantage_*.deb) M_DEB=$(ls "$DEBS"/vantage-mirror_*.deb)
contents=$(dpkg-deb -c "$V_DEB" | awk '{ print $6 }')
missing=""
for f in ./usr/sbin/vantaged ./lib/systemd/system/vantaged.service ./etc/vantage/mirrors.yaml \
    ./usr/share/vantage/vantaged.yaml ./usr/share/vantage/resolved.conf \
    ./usr/libexec/vantage/vantage-resolvconf ./usr/share/man/man8/vantaged.8.gz \
    ./usr/share/vantage/monitoring/vantaged.rules.yml ./usr/share/vantage/monitoring/grafana-vantaged.json \
    ./etc/logrotate.d/vantage ./etc/dhcp/dhclient-enter-hooks.d/vantage \
    ./usr/share/doc/vantage/README.Debian; do
	# README.Debian is compressed once it is over 4 KiB (dh_compress)
	grep -qx -- "$f" <<< "$contents" || grep -qx -- "$f.gz" <<< "$contents" || missing="$missing $f"
done
is "$missing" "" "vantage.deb: binary, unit, mirrors.yaml, config template, resolved drop-in, resolvconf hook, man page, alert rules, dashboard, logrotate file, dhclient hook, README.Debian"
is "$(dpkg-deb -f "$V_DEB" Depends | grep -o 'adduser\|libldns[0-9]*\|libevent-core[^ ,]*\|libwolfssl[0-9]*\|libyaml[^ ,]*' | sort | tr '\n' ' ')" \
	"adduser libevent-core-2.1-7 libldns3 libwolfssl35 libyaml-0-2 " "... depends on adduser and the four libraries"
like "$(dpkg-deb -c "$M_DEB" | awk '{ print $6 }' | tr '\n' ' ')" \
	'./usr/sbin/vantage-mirror .*vantage-mirror\.service|vantage-mirror\.service.*\./usr/sbin/vantage-mirror ' \
	"vantage-mirror.deb: binary and unit"

# --- the fake-root installer
mkdir -p "$T/stubs"
for s in adduser deluser addgroup chown systemctl deb-systemd-helper deb-systemd-invoke resolvconf; do
	printf '#!/bin/sh\necho "%s $*" >> "%s/stub.log"\nexit 0\n' "$s" "$T" > "$T/stubs/$s"
	chmod 755 "$T/stubs/$s"
done
# deb-systemd-helper was-enabled: "not yet" on a first installation -> enable
printf '#!/bin/sh\necho "deb-systemd-helper $*" >> "%s/stub.log"\n[ "$1" = debian-installed ] && exit 1\nexit 0\n' \
	"$T" > "$T/stubs/deb-systemd-helper"

new_root() {
	local r=$T/$1
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/etc" "$r/run"
	: > "$r/var/lib/dpkg/status"
	echo "$r"
}

# in_jail CMD...: CMD in a private mount namespace with the host's system dirs read-only
in_jail() {
	timeout 120 unshare -m bash -c '
		mount --make-rprivate / || exit 90
		for d in /etc /usr /var /run; do
			case $T/ in "$d"/*) continue ;; esac
			mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 91
		done
		exec "$@"' jail "$@"
}
export T

# pkg ROOT dpkg-args...
pkg() {
	local r=$1; shift
	in_jail env PATH="$T/stubs:/usr/sbin:/usr/bin:/sbin:/bin" \
		dpkg --root="$r" --admindir="$r/var/lib/dpkg" --log="$T/dpkg.log" \
		--force-script-chrootless --force-depends --force-not-root --no-triggers "$@" \
		>> "$T/dpkg-out.log" 2>&1
}

host_resolv_before=$(cat /etc/resolv.conf 2> /dev/null; stat -c '%F %i %Y' /etc/resolv.conf 2> /dev/null)

# --- 1. a plain /etc/resolv.conf
R=$(new_root plain)
printf 'nameserver 192.0.2.53\nnameserver 2001:db8::53\nnameserver 127.0.0.1\nsearch example.net\noptions edns0\n' > "$R/etc/resolv.conf"
cp "$R/etc/resolv.conf" "$T/plain.orig"
ok "plain: dpkg --root -i vantage vantage-mirror" pkg "$R" -i "$V_DEB" "$M_DEB"
like "$(grep '^upstreams:' "$R/etc/vantage/vantaged.yaml")" \
	'^upstreams: \["192\.0\.2\.53", "\[2001:db8::53\]:53"\] ' \
	"the config forwards to the resolvers resolv.conf had (not to 127.0.0.1)"
ok "... and vantaged -n accepts it" "$R/usr/sbin/vantaged" -n -c "$R/etc/vantage/vantaged.yaml"
is "$(grep -v '^#' "$R/etc/resolv.conf")" $'nameserver 127.0.0.1\nsearch example.net\noptions edns0' \
	"resolv.conf names 127.0.0.1 only, search and options kept"
ok "the old resolv.conf is kept in /var/backups" cmp "$T/plain.orig" "$R/var/backups/resolv.conf.vantage"
ok "adduser --system --group vantage and vantage-mirror" sh -c \
	'grep -q "^adduser .*--system --group .* vantage$" "$1" && grep -q "^adduser .*--system --group .* vantage-mirror$" "$1"' sh "$T/stub.log"
ok "vantaged.service enabled; vantage-mirror.service not" sh -c \
	'grep -q "^deb-systemd-helper enable vantaged.service" "$1" && ! grep -q "enable vantage-mirror.service" "$1"' sh "$T/stub.log"
ok "/var/lib/vantage and /var/log/vantage exist" test -d "$R/var/lib/vantage" -a -d "$R/var/log/vantage"
ok "/etc/vantage/mirrors.yaml is a conffile" grep -q '^ /etc/vantage/mirrors.yaml ' "$R/var/lib/dpkg/status"
# an upgrade (the same version again) changes nothing
printf 'nameserver 203.0.113.1\n' > "$T/other"
sed -i 's/^upstreams:.*/upstreams: ["203.0.113.9"]/' "$R/etc/vantage/vantaged.yaml"
ok "plain: reinstall (upgrade path)" pkg "$R" -i "$V_DEB"
is "$(grep '^upstreams:' "$R/etc/vantage/vantaged.yaml")" 'upstreams: ["203.0.113.9"]' "... keeps the administrator's upstreams"
ok "... and the backup of the original resolv.conf" cmp "$T/plain.orig" "$R/var/backups/resolv.conf.vantage"
ok "plain: dpkg --purge" pkg "$R" --purge vantage vantage-mirror
ok "resolv.conf restored on purge" cmp "$T/plain.orig" "$R/etc/resolv.conf"
ok "config, state, logs and backup gone" sh -c '! ls -d "$1"/etc/vantage/vantaged.yaml "$1"/var/lib/vantage "$1"/var/log/vantage "$1"/var/backups/resolv.conf.vantage "$1"/var/lib/vantage-mirror 2> /dev/null | grep .' sh "$R"

# --- 2. systemd-resolved: /etc/resolv.conf -> the 127.0.0.53 stub
R=$(new_root resolved)
mkdir -p "$R/run/systemd/resolve"
printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n' > "$R/run/systemd/resolve/stub-resolv.conf"
printf 'nameserver 198.51.100.1\nnameserver 198.51.100.2\nsearch lan\n' > "$R/run/systemd/resolve/resolv.conf"
ln -s ../run/systemd/resolve/stub-resolv.conf "$R/etc/resolv.conf"
ok "resolved: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
is "$(grep '^upstreams' "$R/etc/vantage/vantaged.yaml")" 'upstreams: [auto]' \
	"the config follows resolved's list of the network's resolvers (upstreams: auto)"
like "$(grep '^forward_from' "$R/etc/vantage/vantaged.yaml")" '^forward_from: resolved ' \
	"... and each link's domains (forward_from: resolved)"
is "$(grep -v '^#' "$R/etc/tmpfiles.d/vantage-resolved.conf" 2> /dev/null)" \
	"d /run/systemd/resolve/netif 0755 systemd-resolve systemd-resolve -" \
	"... which a tmpfiles line makes readable (resolved makes it 0700)"
is "$(grep -v '^[#[]' "$R/etc/systemd/resolved.conf.d/vantage.conf" 2> /dev/null | grep . | tr '\n' ' ')" \
	"DNS= DNS=127.0.0.1 Domains= Domains=~. DNSStubListener=no " \
	"a resolved drop-in: DNS= reset, then 127.0.0.1 only; DNSStubListener=no"
ok "resolv.conf is a plain file naming 127.0.0.1" sh -c '[ ! -L "$1" ] && grep -qx "nameserver 127.0.0.1" "$1" && [ "$(grep -c ^nameserver "$1")" = 1 ]' sh "$R/etc/resolv.conf"
ok "resolved: dpkg --purge vantage" pkg "$R" --purge vantage
is "$(readlink "$R/etc/resolv.conf")" "../run/systemd/resolve/stub-resolv.conf" "resolv.conf is the symlink to the stub again"
ok "the drop-in is gone" test ! -e "$R/etc/systemd/resolved.conf.d/vantage.conf"
ok "... and the tmpfiles line" test ! -e "$R/etc/tmpfiles.d/vantage-resolved.conf"

# --- 3. resolvconf manages /etc/resolv.conf
R=$(new_root resolvconf)
mkdir -p "$R/run/resolvconf"
printf 'nameserver 192.0.2.77\n' > "$R/run/resolvconf/resolv.conf"
ln -s ../run/resolvconf/resolv.conf "$R/etc/resolv.conf"
ok "resolvconf: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
like "$(grep '^upstreams:' "$R/etc/vantage/vantaged.yaml")" '^upstreams: \["192\.0\.2\.77"\] ' \
	"the config forwards to the resolver resolvconf listed"
is "$(readlink "$R/etc/resolv.conf")/$(ls "$R/var/backups" 2> /dev/null)" "../run/resolvconf/resolv.conf/" \
	"resolv.conf left to resolvconf (the unit registers 127.0.0.1 there while vantaged runs)"
ok "resolvconf: dpkg --purge vantage" pkg "$R" --purge vantage

# --- 4. NetworkManager: a drop-in so that it leaves /etc/resolv.conf alone; upstreams: auto
# follows its list in /run/NetworkManager
R=$(new_root nm)
mkdir -p "$R/etc/NetworkManager/conf.d"
printf '# Generated by NetworkManager\nnameserver 192.0.2.55\n' > "$R/etc/resolv.conf"
cp "$R/etc/resolv.conf" "$T/nm.orig"
ok "nm: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
is "$(grep '^upstreams' "$R/etc/vantage/vantaged.yaml")/$(grep -c '^forward_from' "$R/etc/vantage/vantaged.yaml")" 'upstreams: [auto]/0' \
	"the config follows NetworkManager's list (upstreams: auto), no forward_from"
is "$(grep -v '^#' "$R/etc/NetworkManager/conf.d/vantage.conf" 2> /dev/null | tr '\n' ' ')" "[main] rc-manager=unmanaged " \
	"a NetworkManager drop-in: rc-manager=unmanaged"
ok "resolv.conf names 127.0.0.1" grep -qx "nameserver 127.0.0.1" "$R/etc/resolv.conf"
ok "nm: dpkg --purge vantage" pkg "$R" --purge vantage
ok "the drop-in is gone and resolv.conf is back" sh -c '[ ! -e "$1/etc/NetworkManager/conf.d/vantage.conf" ] && cmp -s "$2" "$1/etc/resolv.conf"' sh "$R" "$T/nm.orig"

# --- 5. resolv.conf rewritten by the administrator after the install: purge leaves it, and
# keeps the backup its message names (it used to delete it right after naming it)
R=$(new_root rewritten)
printf 'nameserver 192.0.2.54
' > "$R/etc/resolv.conf"
cp "$R/etc/resolv.conf" "$T/rewritten.orig"
ok "rewritten: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
printf 'nameserver 192.0.2.99
' > "$R/etc/resolv.conf"
ok "rewritten: dpkg --purge vantage" pkg "$R" --purge vantage
is "$(cat "$R/etc/resolv.conf")" "nameserver 192.0.2.99" "the administrator's resolv.conf is left as it is"
ok "... and the backup the message names is kept" cmp "$T/rewritten.orig" "$R/var/backups/resolv.conf.vantage"

# --- 6. a plain resolv.conf and dhclient: the package's hook feeds vantaged each lease's
# resolvers (pkg_dhclient.sh runs the hook itself); postinst follows its files
R=$(new_root dhclient)
mkdir -p "$R/sbin"
printf '#!/bin/sh\nexit 0\n' > "$R/sbin/dhclient"; chmod 755 "$R/sbin/dhclient"
printf 'nameserver 192.0.2.66\nsearch example.net\n' > "$R/etc/resolv.conf"
ok "dhclient: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
is "$(grep -E '^upstreams' "$R/etc/vantage/vantaged.yaml" | sed 's/ *#.*//' | tr '\n' ' ')" \
	"upstreams: [auto] upstreams_from: [/var/lib/vantage/dhcp-resolv.conf, /var/lib/vantage/dhcp6-resolv.conf] " \
	"the config follows the files of the dhclient hook"
is "$(grep -v '^#' "$R/var/lib/vantage/dhcp-resolv.conf" 2> /dev/null)" "nameserver 192.0.2.66" \
	"... the first seeded with the resolvers of the time"
ok "... and vantaged -n accepts it" "$R/usr/sbin/vantaged" -n -c "$R/etc/vantage/vantaged.yaml"
ok "the hook is installed" test -f "$R/etc/dhcp/dhclient-enter-hooks.d/vantage"
ok "resolv.conf names 127.0.0.1" grep -qx "nameserver 127.0.0.1" "$R/etc/resolv.conf"
ok "dhclient: dpkg --purge vantage" pkg "$R" --purge vantage

# --- 7. upgrades from an older version: its postinst fixed the upstreams at installation, knew
# no forward_from and shipped a drop-in without the DNS= reset. The installed state is made
# to look like that, then the package is installed again (postinst configure OLD-VERSION).
STATIC='    # written by the vantage package from /etc/resolv.conf at installation'
OLD_DROPIN='# /etc/systemd/resolved.conf.d/vantage.conf - written by the vantage package; removed with it.
[Resolve]
DNS=127.0.0.1
Domains=~.
DNSStubListener=no'
# make_old ROOT UPSTREAMS: the config as the first postinst wrote it
make_old() {
	sed -i "/^forward_from:/d; /^upstreams_from:/d; s|^upstreams: \[auto\].*|upstreams: [$2]$STATIC|" \
		"$1/etc/vantage/vantaged.yaml"
	rm -f "$1/etc/tmpfiles.d/vantage-resolved.conf"
}
resolved_root() {
	local r
	r=$(new_root "$1")
	mkdir -p "$r/run/systemd/resolve"
	printf 'nameserver 127.0.0.53\n' > "$r/run/systemd/resolve/stub-resolv.conf"
	printf 'nameserver 198.51.100.1\n' > "$r/run/systemd/resolve/resolv.conf"
	ln -s ../run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"
	echo "$r"
}
R=$(resolved_root up-resolved)
pkg "$R" -i "$V_DEB" || bail_out "up-resolved: first installation failed"
make_old "$R" '"198.51.100.1"'
echo "$OLD_DROPIN" > "$R/etc/systemd/resolved.conf.d/vantage.conf"
: > "$T/dpkg-out.log"
ok "upgrade, resolved: dpkg --root -i vantage over an old install" pkg "$R" -i "$V_DEB"
like "$(grep '^upstreams' "$R/etc/vantage/vantaged.yaml")" '^upstreams: \[auto\]    # written by the vantage package on upgrade' \
	"the upstreams fixed at installation follow the network now (upstreams: auto)"
like "$(grep '^forward_from' "$R/etc/vantage/vantaged.yaml")" '^forward_from: resolved ' \
	"... forward_from: resolved is added"
ok "... with the tmpfiles line" test -s "$R/etc/tmpfiles.d/vantage-resolved.conf"
ok "... the old drop-in is replaced by the current one" \
	cmp "$R/etc/systemd/resolved.conf.d/vantage.conf" "$R/usr/share/vantage/resolved.conf"
ok "... vantaged -n accepts the config" "$R/usr/sbin/vantaged" -n -c "$R/etc/vantage/vantaged.yaml"
ok "... and the postinst said what it changed" grep -q "vantage: upgrade: forward_from: resolved" "$T/dpkg-out.log"
cp "$R/etc/vantage/vantaged.yaml" "$T/up-once.yaml"
pkg "$R" -i "$V_DEB"
ok "a second upgrade changes nothing" cmp "$T/up-once.yaml" "$R/etc/vantage/vantaged.yaml"

# the same, edited by the administrator: own upstreams, forward_from commented out, own drop-in
R=$(resolved_root up-edited)
pkg "$R" -i "$V_DEB" || bail_out "up-edited: first installation failed"
make_old "$R" '"198.51.100.1"'
sed -i "s|^upstreams: .*|upstreams: [\"192.0.2.1\"]    # ours|" "$R/etc/vantage/vantaged.yaml"
echo "# forward_from: resolved    # not here" >> "$R/etc/vantage/vantaged.yaml"
printf '%s\nDNS=192.0.2.2\n' "$OLD_DROPIN" > "$R/etc/systemd/resolved.conf.d/vantage.conf"
cp "$R/etc/vantage/vantaged.yaml" "$T/edited.yaml"
cp "$R/etc/systemd/resolved.conf.d/vantage.conf" "$T/edited.conf"
: > "$T/dpkg-out.log"
ok "upgrade, edited: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
ok "the administrator's config is left as it was" cmp "$T/edited.yaml" "$R/etc/vantage/vantaged.yaml"
ok "... and the edited drop-in" cmp "$T/edited.conf" "$R/etc/systemd/resolved.conf.d/vantage.conf"
ok "... the postinst says so" sh -c 'grep -q "leaves forward_from commented out" "$1" && grep -q "vantage.conf was edited" "$1"' sh "$T/dpkg-out.log"

# dhclient: the upstreams fixed at installation follow the hook's files now
R=$(new_root up-dhclient)
mkdir -p "$R/sbin"
printf '#!/bin/sh\nexit 0\n' > "$R/sbin/dhclient"; chmod 755 "$R/sbin/dhclient"
printf 'nameserver 192.0.2.66\n' > "$R/etc/resolv.conf"
pkg "$R" -i "$V_DEB" || bail_out "up-dhclient: first installation failed"
make_old "$R" '"192.0.2.66", "[2001:db8::53]:53"'
rm -f "$R/var/lib/vantage/dhcp-resolv.conf"	# no lease since
ok "upgrade, dhclient: dpkg --root -i vantage" pkg "$R" -i "$V_DEB"
is "$(grep -E '^upstreams' "$R/etc/vantage/vantaged.yaml" | sed 's/ *#.*//' | tr '\n' ' ')" \
	"upstreams: [auto] upstreams_from: [/var/lib/vantage/dhcp-resolv.conf, /var/lib/vantage/dhcp6-resolv.conf] " \
	"the config follows the files of the dhclient hook"
is "$(grep -v '^#' "$R/var/lib/vantage/dhcp-resolv.conf" 2> /dev/null | tr '\n' ' ')" \
	"nameserver 192.0.2.66 nameserver 2001:db8::53 " \
	"... the first seeded with the resolvers the config was fixed to (resolv.conf names vantaged)"
ok "... no forward_from (resolved is not in charge)" sh -c '! grep -q "^forward_from" "$1"' sh "$R/etc/vantage/vantaged.yaml"
ok "... and vantaged -n accepts it" "$R/usr/sbin/vantaged" -n -c "$R/etc/vantage/vantaged.yaml"

is "$(cat /etc/resolv.conf 2> /dev/null; stat -c '%F %i %Y' /etc/resolv.conf 2> /dev/null)" "$host_resolv_before" \
	"this machine's /etc/resolv.conf was not touched"
[ "$TAP_FAILED" = 0 ] || diag "dpkg output:" "$(tail -n 60 "$T/dpkg-out.log")"
