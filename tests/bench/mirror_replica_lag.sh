#!/bin/bash
# tests/bench/mirror_replica_lag.sh - mirror replicas (issue 14): how long a join taken by one
# replica takes to be listed by the other (N joins; the log times of "join: candidate" at a and
# "from another replica" at b, and the wall time from the POST to b listing it, curl included).
# Not part of make check; run as top_srcdir=. top_builddir=build N=20 tests/bench/mirror_replica_lag.sh
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
N=${N:-10}
PFX=m:
start_redis || exit 1
A_ADDR=$(unique_addr); B_ADDR=$(unique_addr)
mirror_keygen "$T/keys" "$A_ADDR" || exit 1
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 20ms }
network: { allow_private: true, joins_per_minute: 6000, max_candidates: 4096 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
mirror_conf "$T/b.yaml" "$B_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-b" "$shared"
start_replica a; start_replica b
for i in $(seq $N); do
	mirror_keygen "$T/k$i" "127.200.0.$i" > /dev/null || exit 1
	id=$KEY_ID
	t0=$(now_ms)
	post a /v1/join "$(join_body "$id" "j$i" "127.200.0.$i" "$T/k$i")" > /dev/null
	wait_until 10 lists b "$id" || { echo "join $i: not listed at b within 10 s"; continue; }
	echo "join $i: listed at b $(( $(now_ms) - t0 )) ms after the POST to a (incl. curl)"
done
la=$(grep -c 'join: candidate' "$T/mirror-a.log"); lb=$(grep -c 'from another replica' "$T/mirror-b.log")
echo "candidates at a: $la, learned at b: $lb"
python3 - "$T/mirror-a.log" "$T/mirror-b.log" <<'PY'
import re, sys, datetime
def t(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f").timestamp()
a = {m.group(2): t(m.group(1)) for m in re.finditer(r"^(\S+) .*join: candidate (j\d+) ", open(sys.argv[1]).read(), re.M)}
b = {m.group(2): t(m.group(1)) for m in re.finditer(r"^(\S+) .*shared: peer (j\d+) .*from another replica", open(sys.argv[2]).read(), re.M)}
d = sorted((b[k] - a[k]) * 1000 for k in a if k in b)
print("log-time a accepted -> b took (ms): min %.0f median %.0f max %.0f (n=%d)" % (d[0], d[len(d)//2], d[-1], len(d)))
PY
get a /v1/health | grep -o '"shared":{[^}]*}'
