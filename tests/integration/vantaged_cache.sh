#!/bin/bash
# tests/integration/vantaged_cache.sh - the cache: a hit never reaches the upstream, TTLs decay
# and expire, NXDOMAIN and NODATA are cached for the SOA's negative TTL (RFC 2308), the key is
# (name, type, class) with the name case-insensitive, identical questions in flight are sent
# upstream once, max_entries bounds the cache (least recently used out), max_ttl caps TTLs.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 35

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone short.test short.test.zone ||
	bail_out "cannot start nsd"
vantaged_conf "$T/vantaged.yaml" upstream="$U:5300"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start"

upq() { count_nsd_queries "$U:5300"; }
ans() { vdig +noall +answer "$@" | answer_norm; }

# --- positive answer: one upstream query, then hits
c0=$(upq)
first=$(vdig +noall +answer hit.example.test A)
c1=$(upq)
is "$(answer_norm <<< "$first")" "hit.example.test. IN A 127.192.0.10" "miss: the right answer"
is $((c1 - c0)) 1 "miss: exactly one query reached the upstream"
ttl1=$(dig_ttl <<< "$first")
cmp_ok "$ttl1" -le 3600 "miss: TTL not above the zone's 3600"
second=$(vdig +noall +answer hit.example.test A)
is "$(answer_norm <<< "$second")" "hit.example.test. IN A 127.192.0.10" "hit: the same answer"
is "$(upq)" "$c1" "hit: the upstream saw no second query"
is "$(ans HIT.Example.TEST A)" "hit.example.test. IN A 127.192.0.10" "hit with other case: same answer"
is "$(upq)" "$c1" "hit with other case: the cache key ignores case"

# the TTL decays while the entry sits in the cache (polled, at most 4 s)
ttl_below() { local t; t=$(vdig +noall +answer hit.example.test A | dig_ttl); [ -n "$t" ] && [ "$t" -lt "$1" ]; }
ok "cached TTL decays below $ttl1" wait_until 4 ttl_below "$ttl1"
is "$(upq)" "$c1" "decayed answers still came from the cache"

# another type of a cached name is a separate entry
c2=$(upq)
is "$(ans www.example.test AAAA)" "$(printf 'www.example.test. IN AAAA ::ffff:127.192.6.1\nwww.example.test. IN AAAA ::ffff:127.192.6.2')" \
	"AAAA answer"
c3=$(upq)
ans www.example.test A > /dev/null
is $(( $(upq) - c3 )) 1 "A after AAAA of the same name is a miss (key includes the type)"
is $(( c3 - c2 )) 1 "the AAAA miss cost one upstream query"

# --- expiry: short.example.test has TTL 2
c0=$(upq)
is "$(ans short.example.test A)" "short.example.test. IN A 127.192.0.9" "TTL-2 name: answer"
ans short.example.test A > /dev/null
is $(( $(upq) - c0 )) 1 "TTL-2 name: second query within the TTL is a hit"
refetched() { ans short.example.test A > /dev/null; [ $(( $(upq) - c0 )) -ge 2 ]; }
ok "TTL-2 name: asked upstream again once the TTL ran out (within 6 s)" wait_until 6 refetched
ttl=$(vdig +noall +answer short.example.test A | dig_ttl)
cmp_ok "${ttl:-99}" -le 2 "TTL-2 name: served TTL never exceeds 2"

# --- NXDOMAIN, cached for min(SOA TTL, SOA MINIMUM) = 30 s
c0=$(upq)
out=$(vdig nx1.example.test A)
is "$(dig_rcode <<< "$out")" NXDOMAIN "NXDOMAIN from the upstream is passed on"
like "$out" "AUTHORITY SECTION:[[:space:]]+example\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA" \
	"NXDOMAIN carries the SOA in the authority section"
c1=$(upq)
is $((c1 - c0)) 1 "NXDOMAIN miss: one upstream query"
out=$(vdig nx1.example.test A)
is "$(dig_rcode <<< "$out")" NXDOMAIN "NXDOMAIN again"
is "$(upq)" "$c1" "NXDOMAIN is cached: no second upstream query"
soattl=$(sed -n '/AUTHORITY SECTION/,/^$/p' <<< "$out" | awk '$4 == "SOA" { print $2; exit }')
cmp_ok "${soattl:-99}" -le 30 "cached NXDOMAIN: SOA TTL capped by the negative TTL (30)"
out=$(vdig nx1.example.test AAAA)
is "$(dig_rcode <<< "$out")" NXDOMAIN "NXDOMAIN for another type of the same name"

# --- NODATA
c0=$(upq)
out=$(vdig nodata.example.test AAAA)
is "$(dig_rcode <<< "$out")/$(ans nodata.example.test AAAA | wc -l)" "NOERROR/0" "NODATA: NOERROR without answers"
c1=$(upq)
vdig nodata.example.test AAAA > /dev/null
is "$(upq)" "$c1" "NODATA is cached"
like "$out" "AUTHORITY SECTION:[[:space:]]+example\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA" \
	"NODATA carries the SOA"

# --- negative expiry: short.test has SOA TTL 2 and MINIMUM 2
c0=$(upq)
is "$(vdig nx.short.test A | dig_rcode)" NXDOMAIN "short.test: NXDOMAIN"
vdig nx.short.test A > /dev/null
is $(( $(upq) - c0 )) 1 "short.test: NXDOMAIN cached within its 2 s"
neg_refetched() { vdig nx.short.test A > /dev/null; [ $(( $(upq) - c0 )) -ge 2 ]; }
ok "short.test: NXDOMAIN asked again once its negative TTL ran out (within 6 s)" wait_until 6 neg_refetched

ok "vantaged is still running" alive "$VANTAGED_PID"

# --- max_entries 3 and max_ttl 60, on a second instance
vantaged_conf "$T/small.yaml" upstream="$U:5300" cache="{ max_entries: 3, max_ttl: 60 }"
start_vantaged "$T/small.yaml" || bail_out "vantaged did not start (small cache)"
ttl=$(vdig +noall +answer www.example.test A | dig_ttl)
cmp_ok "${ttl:-9999}" -le 60 "max_ttl 60: a 3600-s RRset is served with TTL <= 60"
for n in mx1 mx2 ns1 pipe1 pipe2; do ans $n.example.test A > /dev/null; done
c0=$(upq); ans pipe2.example.test A > /dev/null
is "$(upq)" "$c0" "max_entries 3: the most recent name is still cached"
ans www.example.test A > /dev/null
is $(( $(upq) - c0 )) 1 "max_entries 3: the oldest name was evicted (asked upstream again)"

# --- coalescing: 8 clients ask the same name while a 250-ms upstream works on it (one event
# loop: each loop coalesces its own plain questions; vantaged_workers.sh has the loops)
if [ -x "$TOOLS_DIR/dnsjunk" ]; then
	D=$(unique_addr)
	spawn slow "$TOOLS_DIR/dnsjunk" slow "$D" 5300 250
	wait_until 5 grep -q listening "$T/slow.log" || bail_out "cannot start the slow upstream"
	vantaged_conf "$T/slow.yaml" upstream="$D:5300" extra="workers: 1"
	start_vantaged "$T/slow.yaml" || bail_out "vantaged did not start (slow upstream)"
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		vdig +time=4 +noall +answer together.example.test A > "$T/together$i.out" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	is "$(cat "$T"/together*.out | answer_norm | grep -c '127.192.0.77$')" 8 "coalescing: all 8 clients got the answer"
	is "$(grep -c '^query .* together\.example\.test\.$' "$T/slow.log")" 1 \
		"coalescing: the upstream saw the question once"
else
	skip "dnsjunk not built" 2
fi
