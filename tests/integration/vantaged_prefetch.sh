#!/bin/bash
# tests/integration/vantaged_prefetch.sh - prefetch (cache.prefetch) with real NSD and mirrors:
# a cross-checked name with a 30-s TTL asked in its last 3 seconds is answered from the cache at
# once and re-verified in the background, once, however often it is asked (the upstream and
# every mirror see one more question); the mirrors agree, and after the old answer's expiry
# the name still comes from the cache, at once, with no one asked. The world is
# consensus_basic.sh's, the upstream the honest view itself (a caching dnsmasq in between
# would hand the prefetch the old answer's remaining TTL), and one name gets a TTL of 30 (a
# 3-second prefetch window: wide enough for a loaded machine to hit it).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 14

# --- the world: each view with hot.example.test at TTL 30
for v in honest eu us ap; do
	{ cat "$ZONES_DIR/consensus/$v.zone"; echo "hot	30	A	127.193.215.111"; } > "$T/$v.zone"
	a=$(unique_addr) || bail_out "no address"
	start_nsd "$a" 5300 example.test "$T/$v.zone" || bail_out "cannot start the $v view"
	VIEW[$v]=$a:5300
done
for r in eu us ap; do
	cons_logview "$r" || bail_out "cannot start the logging dnsmasq of $r"
	cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"
done
cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"

ctl() { timeout 20 "$VANTAGECTL" -s "$T/ctl-vd.sock" -j status | jq -r ".verdicts.$1"; }
upq() { count_nsd_queries "${VIEW[honest]}"; }
mq() { local r n=0 q; for r in eu us ap; do q=$(mirror_queries "$r") || return 1; n=$((n + q)); done; echo "$n"; }
hot() { vdig +noall +answer hot.example.test A; }
ttl_of() { awk '{ print $2; exit }'; }

# --- a first question: checked with the upstream and the three mirrors
first=$(hot)
is "$(answer_norm <<< "$first")" "hot.example.test. IN A 127.193.215.111" "hot A: the honest answer"
ttl=$(ttl_of <<< "$first")
cmp_ok "${ttl:-0}" -le 30 "hot A: TTL at most 30"
u0=$(upq) m0=$(mq)
ok "the mirrors were asked" test "${m0:-0}" -ge 3

# --- early in its life: hits, nothing refreshed
hot > /dev/null
is "$(ctl prefetches)" 0 "a hit early in the answer's life starts no prefetch"

# --- its last 3 seconds: clients keep asking; one prefetch starts
pf_started() { hot > /dev/null; [ "$(ctl prefetches)" -ge 1 ]; }
ok "a hit in the last 10 % of the TTL starts a prefetch (within 40 s)" wait_until 40 pf_started
t_pf=$(now_ms)
agreed() { [ "$(ctl prefetch_agree)" -ge 1 ]; }
ok "the mirrors agree with the refreshed answer (within 10 s)" wait_until 10 agreed
is "$(( $(upq) - u0 ))" 1 "the upstream saw exactly one more question"
asked() { [ "$(( $(mq) - m0 ))" -ge 1 ]; }
ok "the mirrors were asked again: a re-verification" wait_until 5 asked
m1=$(mq)
for i in 1 2 3 4 5; do hot > /dev/null; done
is "$(ctl prefetches)" 1 "many hits near expiry: still one prefetch"

# --- past the old answer's expiry (at most 3 s after the hit that started the prefetch)
past() { [ "$(now_ms)" -ge $((t_pf + 3500)) ]; }
wait_until 5 past
out=$(vdig hot.example.test A)
is "$(answer_norm <<< "$out")" "hot.example.test. IN A 127.193.215.111" "after the old expiry: the answer"
qt=$(sed -n 's/^;; Query time: \([0-9]*\) msec$/\1/p' <<< "$out")
cmp_ok "${qt:-9999}" -lt 200 "... at once (query time ${qt:-?} ms: from the cache)"
is "$(( $(upq) - u0 ))" 1 "... with no upstream question"
is "$(mq)" "$m1" "... and no mirror question"
is "$(ctl prefetch_rejected)" 0 "nothing rejected"
