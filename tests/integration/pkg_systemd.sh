#!/bin/bash
# tests/integration/pkg_systemd.sh - packaging/systemd/*.service: `systemd-analyze verify`
# accepts both units (a copy with the binaries pointed at the build directory), they carry the
# sandbox the design asks for, vantaged speaks the sd_notify protocol Type=notify relies on
# (READY=1, RELOADING=1 + READY=1 on SIGHUP, STOPPING=1), and it runs as the unit runs it: not
# root, with only an ambient CAP_NET_BIND_SERVICE, binding port 53, the configured `user:` drop
# then being a no-op.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
UNITS=$top_srcdir/packaging/systemd
tap_plan 17

# --- 1. systemd-analyze verify
if ! command -v systemd-analyze > /dev/null; then
	skip "systemd-analyze not installed (apt-get install systemd)" 2
else
	mkdir -p "$T/units"
	for u in vantaged vantage-mirror; do
		sed -e "s|/usr/sbin/|$top_builddir/|g" \
		    -e "s|/usr/libexec/vantage/vantage-resolvconf|$top_srcdir/packaging/resolvconf/vantage-resolvconf|g" \
		    "$UNITS/$u.service" > "$T/units/$u.service"
	done
	cant_run='(Failed to|[Cc]annot) (initiali[sz]e|create|connect|set up)'
	if ! out=$(cd "$T/units" && timeout 60 systemd-analyze verify --man=no ./vantaged.service 2>&1) &&
	    [[ $out =~ $cant_run ]]; then
		skip "systemd-analyze verify cannot run here: $(head -n 1 <<< "$out")" 2
	else
		ok "systemd-analyze verify vantaged.service" \
			sh -c 'cd "$1" && out=$(timeout 60 systemd-analyze verify --man=no ./vantaged.service 2>&1); st=$?; printf "%s\n" "$out"; [ "$st" = 0 ] && [ -z "$out" ]' sh "$T/units"
		ok "systemd-analyze verify vantage-mirror.service" \
			sh -c 'cd "$1" && out=$(timeout 60 systemd-analyze verify --man=no ./vantage-mirror.service 2>&1); st=$?; printf "%s\n" "$out"; [ "$st" = 0 ] && [ -z "$out" ]' sh "$T/units"
	fi
fi

# --- 2. what the units must say
unit_has() { grep -qx -- "$2" "$UNITS/$1.service"; }
V=vantaged
ok "vantaged: Type=notify" unit_has $V 'Type=notify'
ok "vantaged: ExecStart in the foreground (-d) with the packaged config" \
	unit_has $V 'ExecStart=/usr/sbin/vantaged -d -c /etc/vantage/vantaged.yaml'
is "$(sed -n 's/^ExecReload=//p' "$UNITS/$V.service" | tr '\n' '|')" \
	'/usr/sbin/vantaged -n -c /etc/vantage/vantaged.yaml|/bin/kill -HUP $MAINPID|' \
	"vantaged: ExecReload checks the file (a bad one fails the reload), then sends SIGHUP"
all_of() {
	local u=$1 l; shift
	for l in "$@"; do unit_has "$u" "$l" || { echo "missing: $l"; return 1; }; done
}
SANDBOX=('AmbientCapabilities=CAP_NET_BIND_SERVICE' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE'
	'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'
	'PrivateDevices=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'
	'SystemCallFilter=@system-service')
ok "vantaged: user, directories and sandbox" all_of $V 'User=vantage' 'Group=vantage' \
	'StateDirectory=vantage' 'RuntimeDirectory=vantage' 'LogsDirectory=vantage' "${SANDBOX[@]}"
ok "vantage-mirror: user, state directory and sandbox" all_of vantage-mirror \
	'User=vantage-mirror' 'StateDirectory=vantage-mirror' \
	'ExecStart=/usr/sbin/vantage-mirror -d -c /etc/vantage/vantage-mirror.yaml' "${SANDBOX[@]}"
# the directories the unit creates are where the shipped config writes (what it only reads,
# the files and directories of resolved, networkd and NetworkManager that upstreams_from and
# forward_from follow, may be anywhere; so may a fleet's Redis socket, which it connects to:
# connecting to a socket is no write to its file system)
ok "etc/vantaged.yaml writes only below the unit's State/Runtime/LogsDirectory" sh -c '
	grep -v upstreams_from "$1" | grep -Eo "(/var|/run)/[^ \"]*" | grep -Ev "^(/var/lib/vantage/|/run/vantage/|/var/log/vantage/|/run/systemd/|/run/NetworkManager/|/run/redis/redis.sock)" && exit 1
	exit 0' sh "$top_srcdir/etc/vantaged.yaml"

# --- 3. the sd_notify protocol, with a stand-in for systemd's notify socket
NOTIFY_RECV=$top_srcdir/tests/integration/packaging/notify_recv.py
if ! command -v python3 > /dev/null || ! python3 -c 'import socket' 2> /dev/null; then
	skip "python3 not available for the notify socket stand-in" 6
else
	spawn notify python3 "$NOTIFY_RECV" "$T/notify.sock" "$T/notify.out"
	wait_until 10 test -S "$T/notify.sock" || bail_out "the notify socket stand-in did not start"
	start_nsd "$(unique_addr)" 5300 example.test example.test.zone || bail_out "nsd did not start"
	vantaged_conf "$T/vd.yaml" level=info
	NOTIFY_SOCKET=$T/notify.sock start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
	notified() { grep -q -- "$1" "$T/notify.out"; }
	ok "READY=1 once the sockets are bound" wait_until 10 notified '^READY=1'
	like "$(vdig +short www.example.test A)" '^127\.192\.0\.' "... and it answers"
	kill -HUP "$VANTAGED_PID"
	ok "SIGHUP: RELOADING=1 ..." wait_until 10 notified '^RELOADING=1'
	ok "... then READY=1 again" wait_until 10 sh -c 'grep -A1 "^RELOADING=1" "$1" | tail -n 1 | grep -q "^READY=1"' sh "$T/notify.out"
	stop_pid "$VANTAGED_PID" 10; st=$?
	is "$st" 0 "SIGTERM: exit status 0"
	ok "... after STOPPING=1" notified '^STOPPING=1'
fi

# --- 4. as the unit runs it: not root, ambient CAP_NET_BIND_SERVICE only, port 53
if [ "$(id -u)" != 0 ] || ! command -v setpriv > /dev/null || ! id nobody > /dev/null 2>&1; then
	skip "needs root and setpriv to emulate User= + AmbientCapabilities=" 3
else
	[ -n "$NSD_ADDR" ] || start_nsd "$(unique_addr)" 5300 example.test example.test.zone ||
		bail_out "nsd did not start"
	# nobody must reach its config and state (like /etc/vantage and the StateDirectory)
	chmod 711 "$T"; mkdir -p "$T/unit-state"; chown nobody "$T/unit-state"
	A=$(unique_addr)
	cat > "$T/unit.yaml" <<-EOF2
	listen: ["$A:53"]
	upstreams: ["$NSD_ADDR:$NSD_PORT"]
	cache: { state_file: "$T/unit-state/state" }
	control: { socket: "$T/unit-state/control.sock" }
	log: { level: info }
	user: vantage-no-such-user
	EOF2
	chmod 644 "$T/unit.yaml"
	VANTAGED_WRAPPER="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service" \
		start_vantaged "$T/unit.yaml"; st=$?
	is "$st/$VANTAGED_ADDR:$VANTAGED_PORT" "0/$A:53" "as nobody with CAP_NET_BIND_SERVICE: bound $A:53"
	like "$(vdig +short www.example.test A)" '^127\.192\.0\.' "... answers"
	is "$(awk '/^Uid:/ { print $3 }' "/proc/$VANTAGED_PID/status" 2> /dev/null)/$(grep -c 'running as' "$VANTAGED_LOG")" \
		"$(id -u nobody)/0" "... runs as nobody; the config's user: (one that does not exist) was a no-op"
fi
