#!/bin/bash
# tests/integration/webpki_h2.sh - the mirror client over HTTP/2 (dnsdist offers h2 in ALPN):
# 300 concurrent cold questions travel as concurrent streams of ONE connection per mirror and
# all come back, none timed out; a connection the server closes when idle (and again when
# restarted with the same ticket keys) comes back by TLS session resumption, not by a full
# handshake; vantagectl mirrors and the metrics show the protocol and both counts. An
# HTTP/1.1-only DoH server (ALPN http/1.1 alone) is still used, over pipelined lanes.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig dnsdist openssl python3 ss
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3"
require_vantaged
tap_plan 17

N=300
# The honest world, with N more names for the cold burst (one address: 127.200.3.1).
ZONE=$T/h2.zone
{ cat "$top_srcdir/tests/adversary/zones/adv.test.zone"
  for i in $(seq 1 $N); do echo "n$i A 127.200.3.1"; done; } > "$ZONE"
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
for i in $(seq 1 $N); do liar_honest "n$i.adv.test." A "n$i.adv.test. 300 IN A 127.200.3.1"; done
liar_honest last.adv.test. A "last.adv.test. 300 IN A 127.200.0.10"
liar_honest again.adv.test. A "again.adv.test. 300 IN A 127.200.0.10"
liar_start || bail_out "cannot start the resolver"
echo "last A 127.200.0.10" >> "$ZONE"
echo "again A 127.200.0.10" >> "$ZONE"

wp_ca || bail_out "cannot make the test PKI"
wp_leaf doh1 int "DNS:doh1.test" && wp_leaf doh2 int "DNS:doh2.test" &&
	wp_leaf doh3 int "DNS:doh3.test" && wp_leaf doh4 int "DNS:doh4.test" ||
	bail_out "cannot make the leaves"
for v in v1 v2 v3; do wp_view "$v" "$ZONE" || bail_out "cannot start view $v"; done
# doh3 closes a connection idle for 2 s; doh1 keeps its ticket keys in a file, so that a
# restarted doh1 still takes the tickets it issued before.
head -c 80 /dev/urandom > "$T/tickets.key"
WP_DOH_OPTS="{ticketKeyFile='$T/tickets.key'}" wp_dnsdist doh1 v1 doh1 &&
	wp_dnsdist doh2 v2 doh2 &&
	WP_DOH_OPTS="{idleTimeout=2}" wp_dnsdist doh3 v3 doh3 || bail_out "cannot start dnsdist"
a4=$(unique_addr) || bail_out "no address"
spawn doh4 /usr/bin/python3 "$top_srcdir/tests/integration/webpki/doh_http1.py" "$a4" 8443 \
	"$WP/doh4-chain.pem" "$WP/doh4.key" "${VIEW[v1]%:*}" "${VIEW[v1]#*:}"
wait_until 10 _wp_listening "$a4" 8443 || bail_out "doh4 did not listen: $(cat "$T/doh4.log")"
WHP[doh4]=$a4:8443

WP_CONSENSUS="  quorum: 3
  timeout: 5s"
wp_vconf "$T/vd.yaml" doh1:eu:hostname=doh1.test doh2:us:hostname=doh2.test \
	doh3:ap:hostname=doh3.test:method=get doh4:sa:hostname=doh4.test
echo "metrics: { listen: \"$(unique_addr):0\" }" >> "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
out=$(vdig www.adv.test A)
is "$(answer_norm <<< "$out")" "www.adv.test. IN A 127.200.0.10" "a first answer, over HTTP/2"
is "$(wp_mirror_field doh1 proto)/$(wp_mirror_field doh2 proto)/$(wp_mirror_field doh3 proto)" \
	"h2/h2/h2" "vantagectl mirrors: every dnsdist mirror speaks h2"
is "$(wp_mirror_field doh4 proto)" "http/1.1" "... the HTTP/1.1-only server: http/1.1"

# The burst: N cold names at once; each is a stream to each of the 3 mirrors.
max_conns() {	# the most connections seen to any mirror while the burst runs
	local m=0 c n
	while [ ! -e "$T/burst.done" ]; do
		for n in doh1 doh2 doh3; do c=$(wp_conns "$n"); [ "$c" -gt "$m" ] && m=$c; done
	done
	echo "$m"
}
max_conns > "$T/maxconns" &
watcher=$!
python3 "$top_srcdir/tests/integration/webpki/burst.py" "$VANTAGED_ADDR" "$VANTAGED_PORT" n \
	adv.test $N 127.200.3.1 20 > "$T/burst.out"
touch "$T/burst.done"
wait "$watcher"
read -r answered correct ms < "$T/burst.out"
diag "burst: $answered answered, $correct correct, in $ms ms; at most $(cat "$T/maxconns") connection(s) per mirror"
is "$answered/$correct" "$N/$N" "$N concurrent cold questions: all answered, all correct"
is "$(cat "$T/maxconns")" 1 "... over ONE connection per mirror (ss: established to each DoH port)"
bad=""
for m in doh1 doh2 doh3; do
	t=$(wp_mirror_field "$m" timeouts) e=$(wp_mirror_field "$m" errors)
	# A question still queued for a mirror when the quorum decided is never sent: sent <= N.
	s=$(wp_mirror_field "$m" sent) h=$(wp_mirror_field "$m" full_handshakes)
	[ "$t/$e/$h" = 0/0/1 ] && [ "$s" -ge $((N / 2)) ] || bad="$bad $m(timeouts=$t errors=$e sent=$s full=$h)"
done
is "$bad" "" "... no mirror timed out or failed, one full handshake each"
t=$(wp_mirror_field doh4 timeouts) e=$(wp_mirror_field doh4 errors) h=$(wp_mirror_field doh4 handshakes)
ok "... the HTTP/1.1 mirror too, over at most 8 lanes ($h handshakes, $(wp_mirror_field doh4 resumed) resumed)" \
	test "$t/$e" = 0/0 -a "$h" -le 8
read -r _ h1 h2 get post <<< "$(wp_doh_stats doh3)"
ok "... doh3 (method: get) was asked by GET over HTTP/2 ($get GETs)" \
	test "$h1/$post" = 0/0 -a "$get" -gt $((N / 2)) -a "$h2" = "$get"
read -r _ h1 h2 get post <<< "$(wp_doh_stats doh1)"
ok "... doh1 by POST over HTTP/2 ($post POSTs)" \
	test "$h1/$get" = 0/0 -a "$post" -gt $((N / 2)) -a "$h2" = "$post"

# Resumption after the server's idle close.
_doh3_closed() { [ "$(wp_conns doh3)" = 0 ]; }	# polled: $(...) in the arguments runs once
ok "doh3 closed the idle connection" wait_until 15 _doh3_closed
out=$(vdig last.adv.test A)
is "$(answer_norm <<< "$out")" "last.adv.test. IN A 127.200.0.10" "a question after the close is answered"
_resumed3() { [ "$(wp_mirror_field doh3 resumed)" -ge 1 ]; }
ok "... over a resumed TLS session" wait_until 10 _resumed3
is "$(wp_mirror_field doh3 full_handshakes)" 1 "... with no second full handshake"

# Resumption after a restart of the server (same ticket keys).
wp_stop doh1
WP_DOH_OPTS="{ticketKeyFile='$T/tickets.key'}" wp_dnsdist doh1 v1 doh1 "${WADDR[doh1]}" ||
	bail_out "cannot restart doh1"
_doh1_back() {
	vdig again.adv.test A > /dev/null
	[ "$(wp_mirror_field doh1 resumed)" -ge 1 ]
}
ok "doh1 restarted: the new connection resumed the old session" wait_until 20 _doh1_back
is "$(wp_mirror_field doh1 full_handshakes)" 1 "... no second full handshake"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
like "$(curl -s "$URL")" 'vantaged_mirror_resumed_handshakes_total\{mirror="doh1"[^}]*\} [1-9]' \
	"the metrics count resumed handshakes"
# Stopped: with --enable-sanitizers a leaked session or stream would show now.
stop_pid "$VANTAGED_PID" 5; st=$?
is "$st/$(grep -cE 'Sanitizer|runtime error' "$VANTAGED_LOG")" "0/0" "vantaged stops cleanly, no sanitizer report"
