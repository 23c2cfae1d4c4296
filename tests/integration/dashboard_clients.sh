#!/bin/bash
# tests/integration/dashboard_clients.sh - the per-client counts stay bounded under a flood of new
# source addresses (what spoofed UDP looks like): the table keeps 256 clients, the busiest ones
# stay, the others make room (counted as evicted); clients the ACL refuses are never entered.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig jq python3
require_vantaged
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 6

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
BUSY=$(unique_addr) REFUSED=$(unique_addr)
conf=$T/vantaged.yaml
vantaged_conf "$conf" upstream="$U:5300" level=info \
	extra="$(printf 'acl:\n  - { from: "127.0.0.0/8", action: allow }\n  - { from: "%s", action: refuse }\n' "$REFUSED")"
start_vantaged "$conf" || bail_out "vantaged did not start"
jctl() { timeout 20 "$VANTAGECTL" -s "$T/ctl.sock" -j "$@"; }

# send FIRST COUNT PER: one UDP question from each of COUNT addresses 127.77.x.y (PER each)
send() {
	python3 - "$VANTAGED_ADDR" "$VANTAGED_PORT" "$@" <<'PY'
import socket, struct, sys
addr, port, first, count, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03mx1\x07example\x04test\x00" + struct.pack(">HH", 1, 1)
for i in range(first, first + count):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.77.%d.%d" % (i // 250, i % 250 + 1), 0))
	s.settimeout(2)
	for _ in range(per):
		s.sendto(q, (addr, port))
		s.recv(512)
	s.close()
PY
}
for _ in $(seq 1 20); do qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" -b "$BUSY" mx1.example.test A +short > /dev/null; done
qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" -b "$REFUSED" mx1.example.test A > /dev/null
send 0 600 1
c=$(jctl clients)
is "$(jq '.clients | length' <<< "$c")" 256 "600 new addresses: the table keeps 256 clients"
ok "the others were evicted, and counted" test "$(jq .evicted <<< "$c")" -ge 344
is "$(jq -r '.clients[0].address + " " + (.clients[0].queries | tostring)' <<< "$c")" "$BUSY 20" \
	"the busiest client stays, first"
is "$(jq -r --arg a "$REFUSED" '[.clients[] | select(.address == $a)] | length' <<< "$c")" 0 \
	"a client the ACL refuses is not entered"
send 1000 1 5
c=$(jctl clients)
is "$(jq -r '[.clients[] | select(.address == "127.77.4.1")][0].queries' <<< "$c")" 5 \
	"a new client with a few questions finds a place"
ok "and the busiest still stays" test "$(jq -r '.clients[0].address' <<< "$c")" = "$BUSY"
