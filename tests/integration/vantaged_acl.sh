#!/bin/bash
# tests/integration/vantaged_acl.sh - who may ask: the ACL (allow, refuse with EDE 18, drop,
# longest prefix wins, loopback-only default), the per-client token bucket, and the limit on
# TCP connections per client.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 14

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
L=$(unique_addr)
GOOD=$(unique_addr) BAD=$(unique_addr) SILENT=$(unique_addr) INNET=$(unique_addr)
# $INNET's /24 is refused as a whole, but $INNET itself is allowed: the longest prefix wins.
net24=${INNET%.*}.0/24
vantaged_conf "$T/acl.yaml" listen="$L:0" upstream="$U:5300" extra="acl:
  - { from: $GOOD/32, action: allow }
  - { from: 127.0.0.1/32, action: allow }
  - { from: $SILENT/32, action: drop }
  - { from: $net24, action: refuse }
  - { from: $INNET/32, action: allow }
tcp: { max_per_client: 2 }"
start_vantaged "$T/acl.yaml" || bail_out "vantaged did not start"

from() { local src=$1; shift; timeout 10 dig -b "$src" @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +tries=1 +time=1 "$@"; }

out=$(from "$GOOD" www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "an allowed client is answered"
out=$(from "$BAD" www.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "a client no rule covers is refused"
like "$out" "EDE: 18 \(Prohibited\)" "the refusal carries EDE 18 (Prohibited)"
out=$(from "$BAD" +noedns www.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "without EDNS the refusal is a plain REFUSED"
out=$(from "$SILENT" www.example.test A)
like "$out" "timed out|no servers could be reached" "a dropped client gets no answer at all"
out=$(from "$INNET" www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "the longest prefix wins: a /32 allow inside a refused /24"

# Per-client TCP limit: of three connections from one client, one is closed at once and two
# stay open. (With several event loops the kernel queues each connection at one loop's
# socket and the loops accept in their own order, so which one is refused is theirs; the
# limit is the instance's either way.)
exec {c1}<>"/dev/tcp/$VANTAGED_ADDR/$VANTAGED_PORT" {c2}<>"/dev/tcp/$VANTAGED_ADDR/$VANTAGED_PORT"
exec {c3}<>"/dev/tcp/$VANTAGED_ADDR/$VANTAGED_PORT"
eofs=0 open=0
for c in "$c3" "$c2" "$c1"; do
	read -r -t 2 -u "$c" _; st=$?
	if [ "$st" = 1 ]; then eofs=$((eofs + 1)); elif [ "$st" -gt 128 ]; then open=$((open + 1)); fi
done
is "$eofs" 1 "one of three TCP connections of one client is closed at once (EOF)"
is "$open" 2 "the other two stay open"
exec {c1}>&- {c2}>&- {c3}>&-
ok "TCP from the client works again once it closed its connections" \
	wait_until 5 sh -c "timeout 5 dig +tcp @$VANTAGED_ADDR -p $VANTAGED_PORT +tries=1 +time=2 www.example.test | grep -q NOERROR"

# The default ACL allows loopback only: from 127.x every address is served.
stop_pid "$VANTAGED_PID" > /dev/null
vantaged_conf "$T/default.yaml" listen="$L:0" upstream="$U:5300"
start_vantaged "$T/default.yaml" || bail_out "vantaged did not restart"
out=$(from "$BAD" www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "default ACL: any loopback client is served"

# Token bucket: 1 q/s with a burst of 3 from one client. Twelve questions at once get the
# burst plus what refilled while they were being sent answered, no more; a different client
# is not affected.
stop_pid "$VANTAGED_PID" > /dev/null
vantaged_conf "$T/rl.yaml" listen="$L:0" upstream="$U:5300" extra="ratelimit: { qps: 1, burst: 3 }"
start_vantaged "$T/rl.yaml" || bail_out "vantaged did not start again"
pids=()
t0=$(now_ms)
for i in $(seq 1 12); do
	from "$GOOD" +short "n$i.example.test" A > "$T/rl.$i" 2>&1 &
	pids+=($!)
done
t1=$(now_ms)
wait "${pids[@]}"	# only the digs: the daemons are background jobs of this shell too
answered=$(grep -L -E "timed out|no servers" "$T"/rl.* | wc -l)
# A loaded machine may take a while to start twelve digs: allow what refilled meanwhile.
limit=$((3 + (t1 - t0 + 999) / 1000 + 1))
cmp_ok "$answered" -le "$limit" "a client over its token bucket is limited ($answered of 12 answered, at most $limit)"
cmp_ok "$answered" -ge 3 "... but its burst is served ($answered of 12 answered)"
out=$(from "$INNET" www.example.test A)
is "$(dig_rcode <<< "$out")" NOERROR "another client has its own bucket"
unlike "$(cat "$VANTAGED_LOG")" "(AddressSanitizer|runtime error:)" "no sanitizer report"
