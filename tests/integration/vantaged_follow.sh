#!/bin/bash
# tests/integration/vantaged_follow.sh - follow the network (upstreams: auto). vantaged forwards
# to what the system's files say now: a resolv.conf replaced by rename (as DHCP clients and
# NetworkManager do) moves it to the new resolver within a few seconds, without a reload; a
# file earlier in upstreams_from (systemd-resolved's) wins when it appears; a file naming only
# vantaged itself or resolved's stub (127.0.0.53, which could loop back) is skipped; with no
# usable file the last upstreams stay. When the system's resolv.conf stops naming vantaged, a
# warning says so once, and an info line when it names it again.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
[ "$(id -u)" = 0 ] || skip_all "needs root (port 53, where resolv.conf points)"
tap_plan 17

A=$(unique_addr) B=$(unique_addr) L=$(unique_addr)
start_nsd "$A" 53 example.test example.test.zone || bail_out "cannot start nsd A"
start_nsd "$B" 53 other.test other.test.zone || bail_out "cannot start nsd B"
# resolv_at FILE ADDR...: write FILE as a DHCP client does: a new file renamed over the old
resolv_at() {
	local f=$1 a; shift
	for a in "$@"; do echo "nameserver $a"; done > "$f.new" && mv -f "$f.new" "$f"
}
resolv_at "$T/resolv.conf" "$A"
printf 'nameserver %s\n' "$L" > "$T/system-resolv.conf"
vantaged_conf "$T/vd.yaml" listen="$L:53" upstream=auto \
	extra="upstreams_from: [\"$T/resolved.conf\", \"$T/resolv.conf\"]"
sed -i 's/^upstreams: \["auto"\]/upstreams: auto/' "$T/vd.yaml"
grep -q '^upstreams: auto' "$T/vd.yaml" || bail_out "cannot write upstreams: auto"
VANTAGED_RESOLV_CONF=$T/system-resolv.conf start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

like "$(vdig +short www.example.test A)" "^127\\.192\\." "auto: forwarding to the resolver resolv.conf names"
ok "... and the log says from where" log_has "forwarding to $A:53 \\(auto, from $T/resolv.conf\\)"
_answers() { [ -n "$(vdig +short "$1" A)" ]; }

# 1. the network changed: resolv.conf replaced by rename, no reload
resolv_at "$T/resolv.conf" "$B"
ok "resolv.conf replaced: other.test resolves through the new resolver" wait_until 10 _answers www.other.test
ok "... and the log says so" log_has "following $T/resolv.conf: forwarding to $B:53 \\(was $A:53\\)"

# 2. resolved's file appears (earlier in upstreams_from): it wins
resolv_at "$T/resolved.conf" "$A"
ok "resolved's file appeared: it wins" wait_until 10 log_has "following $T/resolved.conf: forwarding to $A:53"
like "$(vdig +short www.example.test A)" "^127\\.192\\." "... example.test resolves through it"

# 3. a file that names only vantaged and the stub is skipped: back to resolv.conf
resolv_at "$T/resolved.conf" "$L" 127.0.0.53
ok "a file naming only vantaged and 127.0.0.53 is skipped" \
	wait_until 10 log_has "following $T/resolv.conf: forwarding to $B:53 \\(was $A:53\\)"

# 4. nothing usable anywhere: the last upstreams stay, said once
resolv_at "$T/resolv.conf" 127.0.0.53
ok "no usable file: a warning" wait_until 10 log_has "no file of upstreams_from names a usable nameserver"
ok "... and the last upstream still answers" _answers www.other.test
is "$(grep -c 'no file of upstreams_from names' "$VANTAGED_LOG")" 1 "... said once"

# 5. the system's resolv.conf stops naming vantaged, then names it again
is "$(grep -c "out of the system's path" "$VANTAGED_LOG")" 0 "in the system's path: no warning"
resolv_at "$T/system-resolv.conf" "$B"
ok "taken out of the path: a warning naming what the system asks now" \
	wait_until 10 log_has "vantaged is out of the system's path: $T/system-resolv.conf names $B:53 first"
resolv_at "$T/system-resolv.conf" "$L" "$B"
ok "... and an info line when it is back" wait_until 10 log_has "in the system's path again"

# 6. a laptop booting before its network: no file names a resolver yet. vantaged starts all
# the same, answers SERVFAIL at once, and forwards as soon as one does.
stop_pid "$VANTAGED_PID"
resolv_at "$T/resolved.conf" 127.0.0.53
resolv_at "$T/resolv.conf"
VANTAGED_RESOLV_CONF=$T/system-resolv.conf start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start without a resolver"
ok "no resolver yet: it starts and says so" log_has "no file of upstreams_from names a resolver yet"
is "$(dig_rcode <<< "$(vdig www.example.test A)")" SERVFAIL "... and answers SERVFAIL meanwhile"
resolv_at "$T/resolv.conf" "$A"
ok "the network came: it forwards" wait_until 10 _answers www.example.test
ok "... and the log says from where" log_has "following $T/resolv.conf: forwarding to $A:53 \\(was none\\)"
