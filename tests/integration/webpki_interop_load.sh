#!/bin/bash
# tests/integration/webpki_interop_load.sh - hundreds of concurrent cold questions through
# vantaged with unbound, Knot Resolver and dnsdist as its HTTP/2 DoH mirrors: every question is
# answered and corroborated without one mirror timeout, over ONE TCP connection (one TLS
# handshake) per mirror, the streams bounded by each server's SETTINGS (unbound and dnsdist allow
# 100 at once) rather than by new connections.  kresd refuses (REFUSED_STREAM) a stream whose
# HEADERS come while another request's body is incomplete: a client that sent the HEADERS of
# several POSTs before their DATA (h2load does) would lose most of the burst there; not one
# stream may be reset.  The connections are counted on the servers' side of the kernel (ss),
# and by vantagectl mirrors.  When unbound and kresd close them, idle, the next question comes
# back by TLS session resumption with their tickets.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control dig kdig dnsdist unbound kresd openssl ss dnsperf python3
require_vantaged
N=${N:-400}
MIRRORS="ub kr dd"
tap_plan 11

wp_zone "$T/honest.zone" $((N + 1))
wp_ca || bail_out "cannot make the test PKI"
for m in $MIRRORS; do wp_leaf "$m" int "DNS:$m.test" || bail_out "cannot make leaf $m"; done
for v in up vub vkr vdd; do wp_view "$v" "$T/honest.zone" || bail_out "cannot start view $v"; done
# unbound closes a connection idle for 5 s here (30 by default), kresd for 10 s.
WP_UNBOUND_EXTRA="tcp-idle-timeout: 5000" wp_unbound ub vub ub && wp_kresd kr vkr kr &&
	wp_dnsdist dd vdd dd ||
	bail_out "cannot start the DoH servers"
bad=""
for m in $MIRRORS; do [ "$(wp_doh_probe "$m" www.adv.test)" = 127.200.0.10 ] || bad="$bad $m"; done
is "$bad" "" "unbound, kresd and dnsdist answer kdig +https"

if ! wp_vantaged_h2; then
	skip "vantaged lacks HTTP/2 (not linked with libnghttp2): unbound and kresd speak only h2" 10
	exit 0
fi

WP_UPSTREAM=${VIEW[up]} WP_LEVEL=info WP_CONSENSUS="  quorum: 3" \
	WP_EXTRA="ratelimit: { qps: 0, burst: 0 }" \
	wp_vconf "$T/vd.yaml" ub:eu:hostname=ub.test kr:us:hostname=kr.test dd:ap:hostname=dd.test
sed -i 's/max_entries: 1000/max_entries: 10000/' "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
_all_up() {
	local m
	for m in $MIRRORS; do [ "$(wp_mirror_field "$m" state)" = up ] || return 1; done
}
wait_until 10 _all_up || bail_out "the mirrors did not come up"
read -r _ h1_0 h2_0 _ _ <<< "$(wp_doh_stats dd)"

# The burst: every name cold everywhere, all of them outstanding at once.
for ((i = 1; i <= N; i++)); do echo "n$i.adv.test A"; done > "$T/names.txt"
_sample() {	# the most connections each server had at once while the burst ran
	local m c
	declare -A max=()
	while [ ! -e "$T/burst.done" ]; do
		for m in $MIRRORS; do
			c=$(wp_conns "$m")
			[ "$c" -gt "${max[$m]:-0}" ] && max[$m]=$c
		done
		sleep 0.05	# sampling, not synchronisation
	done
	for m in $MIRRORS; do echo "$m ${max[$m]:-0}"; done > "$T/conns.max"
}
_sample &
sampler=$!
timeout 60 dnsperf -s "$VANTAGED_ADDR" -p "$VANTAGED_PORT" -d "$T/names.txt" -n 1 -q "$N" -t 10 \
	> "$T/dnsperf.out" 2>&1
touch "$T/burst.done"
after=$(for m in $MIRRORS; do wp_conns "$m"; done | tr '\n' ' ')
j=$("$top_builddir/vantagectl" -s "$T/ctl.sock" -j mirrors)
wait "$sampler"
f() {	# MIRROR FIELD: from the snapshot taken right after the burst
	"$WP_PY" -c '
import json, sys
print(next(m.get(sys.argv[3], "") for m in json.loads(sys.argv[1])["mirrors"] if m["name"] == sys.argv[2]))
' "$j" "$1" "$2"
}
diag "$(grep -E 'Queries (sent|completed|lost)|NOERROR|SERVFAIL|REFUSED|Latency' "$T/dnsperf.out")"
completed=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$T/dnsperf.out")
noerror=$(sed -n 's/.*NOERROR \([0-9]*\) .*/\1/p' "$T/dnsperf.out")
is "${completed:-0}/${noerror:-0}" "$N/$N" "$N concurrent cold questions: every one answered NOERROR"
bad=""
for m in $MIRRORS; do
	[ "$(f "$m" agreements)" -ge "$N" ] && [ "$(f "$m" dissents)" = 0 ] ||
		bad="$bad $m($(f "$m" agreements)/$(f "$m" dissents))"
done
is "$bad" "" "... each corroborated by unbound, kresd and dnsdist (agreements >= $N, no dissent)"
is "$(dig +short -p "$VANTAGED_PORT" @"$VANTAGED_ADDR" "n$N.adv.test" A)" \
	"127.200.$((2 + N / 250)).$((N % 250 + 1))" "... with the view's address"
for m in $MIRRORS; do
	diag "$m: last error '$(f "$m" last_error)'"
	st="$(f "$m" proto) $(f "$m" timeouts)/$(f "$m" errors)/$(f "$m" stream_errors)"
	st="$st/$(f "$m" handshakes)/$(f "$m" full_handshakes)"
	is "$st" "h2 0/0/0/1/1" \
		"$m: HTTP/2; no timeout, no error, no stream reset, one TLS handshake, a full one"
done
is "$(sort "$T/conns.max" | tr '\n' ' ')" "dd 1 kr 1 ub 1 " \
	"one established TCP connection per server at most while the burst ran (ss)"
is "$after" "1 1 1 " "... and one each right after it"
read -r _ h1 h2 _ _ <<< "$(wp_doh_stats dd)"
is "$((h1 - h1_0))/$((h2 - h2_0 >= N))" "0/1" "dnsdist got them as HTTP/2 streams, none over HTTP/1.1"

# When unbound and kresd have closed their idle connections, the next question reconnects to
# them by TLS session resumption (their tickets): still one full handshake each.
_closed() { [ "$(wp_conns ub)$(wp_conns kr)" = 00 ]; }
wait_until 30 _closed || diag "unbound or kresd kept its idle connection"
vdig "n$((N + 1)).adv.test" A > /dev/null
is "$(wp_mirror_fields ub full_handshakes resumed) $(wp_mirror_fields kr full_handshakes resumed)" \
	"1/1 1/1" "unbound and kresd closed their idle connections: reconnected by resumption (full/resumed)"
