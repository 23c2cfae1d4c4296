#!/bin/bash
# tests/integration/vantaged_getent.sh - the real glibc path: getent through a private
# /etc/resolv.conf (and nsswitch.conf) in a private mount namespace pointing at vantaged.
# glibc only talks to port 53, so vantaged listens on this test's own 127.x.y.z:53.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig getent unshare mount
require_vantaged
[ "$(id -u)" = 0 ] || skip_all "needs root (unshare -m, port 53)"
touch "$T/a" "$T/b"
unshare -m mount --bind "$T/a" "$T/b" 2> /dev/null ||
	skip_all "cannot bind-mount in a private mount namespace here"
tap_plan 6

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
L=$(unique_addr)
vantaged_conf "$T/vantaged.yaml" listen="$L:53" upstream="$U:5300"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start on $L:53"
is "$VANTAGED_ADDR:$VANTAGED_PORT" "$L:53" "vantaged listens on $L:53"

printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$L" > "$T/resolv.conf"
printf 'hosts: files dns\n' > "$T/nsswitch.conf"
in_ns() {	# run a command with our resolv.conf and nsswitch.conf
	timeout 20 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
		sh "$T/resolv.conf" "$T/nsswitch.conf" "$@"
}

out=$(in_ns getent ahostsv4 www.example.test)
like "$out" "^127\.192\.0\.[12] " "getent ahostsv4 www.example.test: an address from the zone"
like "$out" "127\.192\.0\.1 .*127\.192\.0\.2|127\.192\.0\.2 .*127\.192\.0\.1" "getent ahostsv4: both addresses"
like "$(in_ns getent ahostsv6 v6.example.test)" "^::1 " "getent ahostsv6: AAAA through vantaged (glibc drops IPv4-mapped AAAA, so ::1)"
like "$(in_ns getent hosts alias.example.test)" "^(127\.192\.0\.[12]|::ffff:127\.192\.6\.[12]) +www\.example\.test" \
	"getent hosts follows the CNAME chain"
in_ns getent hosts nx.example.test > /dev/null
is "$?" 2 "getent hosts for a missing name: exit 2 (not found)"
