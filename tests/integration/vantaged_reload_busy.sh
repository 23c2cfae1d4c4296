#!/bin/bash
# tests/integration/vantaged_reload_busy.sh - a reload is applied whole or not at all. A
# forward zone goes to a resolver that never answers (a socket nobody reads), and before each
# reload one question to it is in flight: the replaced upstream sets wait for their
# questions, until the resolver has no room left and a reload fails "busy". The file that
# failed switched the rate limit on (1 q/s): the running configuration stays whole, without
# it, on both loops (workers: 2).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd dnsmasq dig python3
require_vantaged
tap_plan 4

cons_view honest honest.zone || bail_out "cannot start the honest view"
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
SINK=$(unique_addr)
spawn sink python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5300))
print("bound", flush=True)
time.sleep(3600)' "$SINK"
sink_up() { grep -q bound "$T/sink.log"; }
wait_until 10 sink_up || bail_out "the silent resolver did not start"
# 24 forward zones to it: each reload replaces 25 upstream sets (the upstreams' and the zones').
FWD="forward: ["
for z in $(seq 0 23); do FWD="$FWD { zone: z$z.sink.test, to: [\"$SINK:5300\"] },"; done
FWD="${FWD%,} ]"
cons_vconf "$T/vd.yaml" upstream_timeout=60s level=info c.mirrors_per_query=1 extra="workers: 2
$FWD"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
cp "$T/vd.yaml" "$T/base.yaml"
CLIENT=$(unique_addr)

# Before each reload, one question to each zone from one source port (one loop); nobody
# waits for the answers. Quick rounds: the replaced sets keep their questions for a minute.
python3 - "$VANTAGED_ADDR" "$VANTAGED_PORT" "$CLIENT" "$VANTAGED_PID" "$VANTAGED_LOG" \
	> "$T/rounds.out" 2>&1 <<'PY'
import os, re, signal, socket, struct, sys, time
addr, port, client, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((client, 43000))
def ended():
    t = open(log).read()
    return len(re.findall("configuration reloaded|reload failed", t)), "reload failed (busy)" in t
n = 0
for r in range(12):
    for z in range(24):
        q = struct.pack(">HHHHHH", n & 0xFFFF, 0x0100, 1, 0, 0, 0)
        for l in ("r%d" % r, "z%d" % z, "sink", "test"):
            q += bytes([len(l)]) + l.encode()
        s.sendto(q + b"\0\0\1\0\1", (addr, port))
        n += 1
    time.sleep(0.05)
    before = ended()[0]
    os.kill(pid, signal.SIGHUP)
    stop = time.monotonic() + 10
    while ended()[0] == before and time.monotonic() < stop:
        time.sleep(0.005)
    if ended()[1]:
        print("busy at reload", r + 1)
        break
PY
ok "reloads faster than the silent resolver's questions end: one fails busy ($(cat "$T/rounds.out"))" \
	log_has 'reload failed \(busy\)'
log_has 'reload failed \(busy\)' || bail_out "no reload failed busy"

# The failing file turns the rate limit on.
cp "$T/base.yaml" "$T/vd.yaml"
echo 'ratelimit: { qps: 1, burst: 1 }' >> "$T/vd.yaml"
n=$(grep -c 'reload failed (busy)' "$VANTAGED_LOG")
kill -HUP "$VANTAGED_PID"
again() { [ "$(grep -c 'reload failed (busy)' "$VANTAGED_LOG")" -gt "$n" ]; }
ok "the reload that turns the rate limit on fails busy too" wait_until 10 again
answered=0
for p in $(seq 43100 43119); do
	out=$(timeout 5 dig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" -b "$CLIENT#$p" +tries=1 +time=2 \
		+short honest1.example.test A)
	[ "$out" = 127.193.215.101 ] && answered=$((answered + 1))
done
is "$answered" 20 "20 questions at once from one client, on both loops: all answered (no rate limit)"
stop_pid "$VANTAGED_PID" 10
is "$?" 0 "SIGTERM: stopped, exit 0"
