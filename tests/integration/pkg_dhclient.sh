#!/bin/bash
# tests/integration/pkg_dhclient.sh - the Debian package's dhclient enter hook
# (packaging/debian/dhclient-enter-hooks.d/vantage), run under sh as dhclient-script runs it:
# sourced, then make_resolv_conf for the reasons that carry a lease (BOUND, RENEW, REBIND,
# REBOOT and their DHCPv6 kin), nothing for EXPIRE, FAIL, RELEASE, STOP. In a scratch root
# (the hook's paths come from VANTAGE_* variables): with a plain resolv.conf the package
# wrote, a lease's resolvers go to dhcp-resolv.conf (by rename) and resolv.conf keeps naming
# vantaged; with any other resolv.conf, or systemd-resolved running, the hook stays out of
# the way. Then vantaged, following that file (upstreams: auto), uses a renewal's new
# resolver within the 2 s poll.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
[ "$(id -u)" = 0 ] || skip_all "needs root (port 53: a lease names resolvers without a port)"
tap_plan 17

HOOK=$top_srcdir/packaging/debian/dhclient-enter-hooks.d/vantage
R=$T/root
mkdir -p "$R/etc" "$R/var/lib/vantage" "$R/run/systemd/resolve"
MARKED="# /etc/resolv.conf - written by the vantage package: applications ask vantaged (127.0.0.1).
nameserver 127.0.0.1"
echo "$MARKED" > "$R/etc/resolv.conf"

# What Debian's dhclient-script does around its enter hooks: its own make_resolv_conf
# (writing resolv.conf), the hooks sourced, then make_resolv_conf for a lease.
cat > "$T/dhclient-script" <<'SCRIPT'
make_resolv_conf() {
	for ns in $new_domain_name_servers; do echo "nameserver $ns"; done > "$VANTAGE_RESOLV_CONF.dhclient-new"
	mv -f "$VANTAGE_RESOLV_CONF.dhclient-new" "$VANTAGE_RESOLV_CONF"
}
. "$HOOK"
case $reason in
BOUND|RENEW|REBIND|REBOOT|BOUND6|RENEW6|REBIND6) make_resolv_conf ;;
esac
exit 0
SCRIPT
# lease REASON VAR=VALUE...: dhclient-script under sh with dhclient's variables
lease() {
	local reason=$1; shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOOK="$HOOK" interface=eth0 reason="$reason" \
		VANTAGE_RESOLV_CONF="$R/etc/resolv.conf" VANTAGE_DHCP_DIR="$R/var/lib/vantage" \
		VANTAGE_RESOLVED_RESOLV_CONF="$R/run/systemd/resolve/resolv.conf" "$@" sh "$T/dhclient-script"
}
DHCP=$R/var/lib/vantage/dhcp-resolv.conf

ok "the hook is POSIX sh" sh -n "$HOOK"
ok "BOUND" lease BOUND new_domain_name_servers="192.0.2.1 192.0.2.2" new_domain_search="corp.example"
is "$(grep -v '^#' "$DHCP" 2> /dev/null | tr '\n' ' ')" "search corp.example nameserver 192.0.2.1 nameserver 192.0.2.2 " \
	"the lease's resolvers go to dhcp-resolv.conf"
is "$(cat "$R/etc/resolv.conf")" "$MARKED" "... and resolv.conf keeps naming vantaged"
ino=$(stat -c %i "$DHCP")
ok "RENEW with another resolver" lease RENEW new_domain_name_servers="192.0.2.9" new_domain_name="lan"
is "$(grep -v '^#' "$DHCP" | tr '\n' ' ')/$( [ "$(stat -c %i "$DHCP")" != "$ino" ] && echo renamed)" \
	"search lan nameserver 192.0.2.9 /renamed" "... replaces it, by rename"
for reason in EXPIRE FAIL RELEASE STOP; do
	lease "$reason" old_domain_name_servers="192.0.2.9"
done
is "$(grep -v '^#' "$DHCP" | tr '\n' ' ')|$(cat "$R/etc/resolv.conf")" "search lan nameserver 192.0.2.9 |$MARKED" \
	"EXPIRE, FAIL, RELEASE, STOP: both files as they were (the last resolvers stay)"
ok "BOUND6" lease BOUND6 new_dhcp6_name_servers="2001:db8::53"
is "$(grep -v '^#' "$R/var/lib/vantage/dhcp6-resolv.conf" 2> /dev/null)" "nameserver 2001:db8::53" \
	"a DHCPv6 lease goes to dhcp6-resolv.conf"
ok "RENEW without a resolver" lease RENEW new_domain_search=lan
is "$(grep -c nameserver "$DHCP")" 1 "... keeps the last ones"

# not ours to change: the administrator's resolv.conf, or resolved running
echo "nameserver 192.0.2.200" > "$R/etc/resolv.conf"
lease RENEW new_domain_name_servers="192.0.2.77"
is "$(cat "$R/etc/resolv.conf")|$(grep -c 192.0.2.77 "$DHCP")" "nameserver 192.0.2.77|0" \
	"a resolv.conf the package did not write: dhclient's own make_resolv_conf, as before"
echo "$MARKED" > "$R/etc/resolv.conf"
echo "nameserver 192.0.2.1" > "$R/run/systemd/resolve/resolv.conf"
lease RENEW new_domain_name_servers="192.0.2.78"
is "$(grep -c 192.0.2.78 "$DHCP")" 0 "systemd-resolved running: the hook stays out of the way"
rm -f "$R/run/systemd/resolve/resolv.conf"
echo "$MARKED" > "$R/etc/resolv.conf"

# vantaged follows the file: a renewal's new resolver within the 2 s poll
A=$(unique_addr) B=$(unique_addr)
start_nsd "$A" 53 example.test example.test.zone || bail_out "cannot start nsd A"
start_nsd "$B" 53 other.test other.test.zone || bail_out "cannot start nsd B"
lease BOUND new_domain_name_servers="$A"
vantaged_conf "$T/vd.yaml" upstream=auto \
	extra="upstreams_from: [\"$R/var/lib/vantage/dhcp-resolv.conf\", \"$R/var/lib/vantage/dhcp6-resolv.conf\"]"
sed -i 's/^upstreams: \["auto"\]/upstreams: auto/' "$T/vd.yaml"
rm -f "$R/var/lib/vantage/dhcp6-resolv.conf"
VANTAGED_RESOLV_CONF=$R/etc/resolv.conf start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
like "$(vdig +short www.example.test A)" "^127\\.192\\." "vantaged forwards to the lease's resolver"
t0=$(now_ms)
lease RENEW new_domain_name_servers="$B"
_other() { [ -n "$(vdig +short www.other.test A)" ]; }
ok "a renewal naming another resolver: vantaged uses it" wait_until 5 _other
cmp_ok "$(( $(now_ms) - t0 ))" -le 2600 "... within the 2 s poll"
ok "... and the log says so" log_has "following $DHCP: forwarding to $B:53 \\(was $A:53\\)"
