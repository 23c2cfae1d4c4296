#!/bin/bash
# tests/adversary/adv_replica_notices.sh - forged counter notices. Anyone who can PUBLISH on
# the replicas' channel can send "counts <replica>" as often as it likes; each notice makes
# a replica read both counter tables whole, tables a Redis writer can grow to tens of
# thousands of fields (~100 ms of the loop per read at 60,000: tests/bench/
# mirror_replica_stall.sh). The replica reads them at most every 2 s however many come.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 3

PFX=notices:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) || bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
start_replica a || bail_out "replica a did not start"

hgetalls() { rcli info commandstats | sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p'; }
before=$(hgetalls)
t0=$(now_ms)
for i in $(seq 30); do	# a notice every ~100 ms for ~3 s, from "another replica"
	rcli publish "${PFX}events" "counts 0123456789abcdef" > /dev/null
	sleep 0.1
done
secs=$(( ($(now_ms) - t0 + 999) / 1000 ))
reads=$(( $(hgetalls) - before ))
diag "$reads HGETALLs for 30 notices in ~$secs s"
cmp_ok "$reads" -gt 0 "the notices are taken (the counters are read)"
cmp_ok "$reads" -le $(( 2 * (secs / 2 + 1) )) "at most both tables every 2 s, not every tick"
ok "a still serves" health_has a '"shared":\{"state":"up"'
