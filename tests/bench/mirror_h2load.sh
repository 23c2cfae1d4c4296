#!/bin/bash
# tests/bench/mirror_h2load.sh - vantage-mirror over HTTP/2 against HTTP/1.1 (issue 13), with
# h2load (nghttp2-client) on loopback, the same machine, a few runs each.
#
# Two figures:
#   cached  one DoH GET answered from the mirror's cache, N requests: requests per second over
#           h2 (one connection, M streams) and over HTTP/1.1 (one connection, M pipelined; and
#           C connections, one request each at a time), so the protocols' own costs compare.
#   slow    100 distinct questions on ONE connection, 10 of them for names the upstream
#           (tests/integration/mirror/slowdns.py) answers SLOW_MS late: the total time. Over
#           h2 the slow ones overlap (about SLOW_MS in all); over HTTP/1.1 evhttp answers in
#           order, so each slow one holds up what follows (about 10 x SLOW_MS).
# Not part of make check: it measures, it does not pass or fail. After a build, as any user:
#     tests/bench/mirror_h2load.sh          # BUILD_DIR=./build N=20000 M=50 C=8 RUNS=3 SLOW_MS=200
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$SRC top_builddir=${BUILD_DIR:-$SRC/build}
N=${N:-20000} M=${M:-50} C=${C:-8} RUNS=${RUNS:-3} SLOW_MS=${SLOW_MS:-200}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mirror/lib_mirror.sh"
command -v h2load > /dev/null || { echo "h2load (nghttp2-client) is needed" >&2; exit 1; }

U=$(unique_addr) L=$(unique_addr)
spawn slowdns python3 "$SRC/tests/integration/mirror/slowdns.py" "$U" 5300 "$SLOW_MS"
wait_until 10 grep -q listening "$T/slowdns.log" || { echo "slowdns did not start" >&2; exit 1; }
mirror_keygen "$T/keys" "$L" > /dev/null || exit 1
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" \
	"limits: { max_per_address: 1024 }"
start_mirror "$T/m.yaml" || { echo "vantage-mirror did not start" >&2; exit 1; }
URL=https://$MIRROR_ADDR:$MIRROR_PORT
q64() {
	python3 -c 'import base64, struct, sys
q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split(".")) + b"\0" + struct.pack(">HH", 1, 1)
print(base64.urlsafe_b64encode(q).decode().rstrip("="))' "$1"
}
FAST=$URL/dns-query?dns=$(q64 fast.example.test)
rps() { sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p'; }
ok_count() { sed -n 's/.* \([0-9]*\) succeeded.*/\1/p'; }
run() {	# LABEL h2load-args...
	local label=$1 r out; shift
	printf '%-34s' "$label"
	for r in $(seq "$RUNS"); do
		out=$(timeout 60 h2load "$@" 2>&1)
		printf ' %9s req/s (%s ok)' "$(rps <<< "$out")" "$(ok_count <<< "$out")"
	done
	echo
}
echo "cached answer, $N requests, $RUNS runs ($(nproc) CPUs, h2load and the mirror on one machine)"
run "h2, 1 connection, $M streams" -n "$N" -c 1 -m "$M" "$FAST"
run "http/1.1, 1 connection, $M pipelined" --h1 -n "$N" -c 1 -m "$M" "$FAST"
run "h2, $C connections, 1 stream each" -n "$N" -c "$C" -m 1 "$FAST"
run "http/1.1, $C connections, 1 each" --h1 -n "$N" -c "$C" -m 1 "$FAST"

echo "100 questions on one connection, 10 answered ${SLOW_MS} ms late upstream (total time)"
# One python for all the URIs of a run (one per question is slow to start).
uris() {	# PREFIX FILE: 100 URIs, every tenth for a slow name
	python3 -c 'import base64, struct, sys
for i in range(1, 101):
    name = ("slow" if i % 10 == 1 else "f") + sys.argv[2] + str(i) + ".example.test"
    q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    print(sys.argv[1] + "/dns-query?dns=" + base64.urlsafe_b64encode(q).decode().rstrip("="))' "$URL" "$1" > "$2"
}
for r in $(seq "$RUNS"); do
	uris "h2r$r" "$T/uris.h2"
	uris "h1r$r" "$T/uris.h1"
	h2=$(timeout 30 h2load -n 100 -c 1 -m 100 -i "$T/uris.h2" 2>&1 | sed -n 's/^finished in \([0-9.]*m\?s\),.*/\1/p')
	h1=$(timeout 30 h2load --h1 -n 100 -c 1 -m 100 -i "$T/uris.h1" 2>&1 | sed -n 's/^finished in \([0-9.]*m\?s\),.*/\1/p')
	echo "run $r: h2 $h2, http/1.1 $h1"
done
stop_pid "$MIRROR_PID" > /dev/null
