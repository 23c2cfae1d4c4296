#!/bin/bash
# tests/adversary/adv_h2_hostile.sh - hostile HTTP/2 DoH servers among vantaged's mirrors
# (verify: webpki, valid certificates of the trusted test PKI: the attacker runs them, or took
# them over): one keeps its flow-control window at 0, one sends GOAWAY in mid-flight, one
# resets every stream, one floods headers, one sends CONTINUATION frames without end, one
# floods SETTINGS, one sends a 200 KB body, one answers 503, one text/html, one allows only 2
# concurrent streams, one floods PINGs while it reads slowly (and answers), one speaks TLS 1.2
# and declines every resumption, one answers 2.5 s late, one answers once and then only sends
# frames on that closed stream.  vantaged keeps
# answering promptly from the three honest mirrors, never crashes or stalls, retries the
# requests a GOAWAY refused (that mirror still corroborates), and vantagectl mirrors says
# for each hostile one why its requests failed.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
. "$top_srcdir/tests/integration/webpki/lib_webpki.sh"
require_progs nsd nsd-control ldns-testns dig dnsdist openssl python3
require_vantaged
[ -x "$top_builddir/tests/integration/mirror/mclient" ] || skip_all "mclient not built (make check builds it)"
/usr/bin/python3 -c 'import h2' 2> /dev/null || skip_all "needs /usr/bin/python3 with h2 (python3-h2)"
tap_plan 31

HOSTILE="goaway window0 rst headers continuation settings body status ctype streams2 pingflood tls12 slow zombie"
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
for i in $(seq 1 60); do liar_honest "w$i.adv.test." A "w$i.adv.test. 300 IN A 127.200.2.$i"; done
for i in $(seq 1 30); do liar_honest "x$i.adv.test." A "x$i.adv.test. 300 IN A 127.200.4.1"; done
liar_start || bail_out "cannot start the resolver"
ZONE=$T/h2.zone
{ cat "$top_srcdir/tests/adversary/zones/adv.test.zone"
  for i in $(seq 1 60); do echo "w$i A 127.200.2.$i"; done
  for i in $(seq 1 30); do echo "x$i A 127.200.4.1"; done; } > "$ZONE"

wp_ca || bail_out "cannot make the test PKI"
wp_view honest "$ZONE" || bail_out "cannot start the view"
for m in h1 h2 h3 $HOSTILE; do
	wp_leaf "$m" int "DNS:$m.test" || bail_out "cannot make the leaf of $m"
done
wp_dnsdist h1 honest h1 && wp_dnsdist h2 honest h2 && wp_dnsdist h3 honest h3 ||
	bail_out "cannot start dnsdist"
port=8443
for m in $HOSTILE; do
	# unique_addr gives 16 addresses a test: the last two share the one before them.
	case $m in
	pingflood|tls12|slow|zombie) port=$((port + 1)) ;;
	*) a=$(unique_addr) || bail_out "no address" ;;
	esac
	spawn "hostile-$m" /usr/bin/python3 "$top_srcdir/tests/adversary/hostile_h2.py" "$m" "$a" $port \
		"$WP/$m-chain.pem" "$WP/$m.key" "${VIEW[honest]%:*}" "${VIEW[honest]#*:}"
	wait_until 10 _wp_listening "$a" $port || bail_out "hostile $m did not listen: $(cat "$T/hostile-$m.log")"
	WHP[$m]=$a:$port
done

entries=(h1:eu:hostname=h1.test h2:us:hostname=h2.test h3:ap:hostname=h3.test)
for m in $HOSTILE; do
	e="$m:x$m:hostname=$m.test"
	[ "$m" = ctype ] && e="$e:method=get"	# one is asked by GET
	entries+=("$e")
done
WP_CONSENSUS="  quorum: 3
  timeout: 2s"
wp_vconf "$T/vd.yaml" "${entries[@]}"
# Under ASAN, freed memory waits in a quarantine (256 MB): the peak RSS below would measure it.
grep -qa __asan_init "$VANTAGED" && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
VD_PID=$SPAWNED_PID
vd_kb() {	# FIELD of /proc/PID/status, in kB
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$VD_PID/status"
}
RSS0=$(vd_kb VmRSS)

# Twenty cold questions, one after the other: each answered, correctly, within the 2 s bound.
bad="" slow=0
for i in $(seq 1 20); do
	t0=$(date +%s%N)
	out=$(vdig "w$i.adv.test" A)
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$slow" ] && slow=$ms
	[ "$(answer_norm <<< "$out")" = "w$i.adv.test. IN A 127.200.2.$i" ] || bad="$bad w$i"
done
is "$bad" "" "20 cold questions answered correctly beside 9 hostile HTTP/2 mirrors"
cmp_ok "$slow" -le 3000 "... none slower than the consensus bound (slowest ${slow} ms)"

field_like() {	# NAME FIELD REGEX
	[[ "$(wp_mirror_field "$1" "$2")" =~ $3 ]]
}
# More questions while we wait: the stall check needs requests waiting for 10 s.
_ask_and_check() {
	_n=$((_n + 1))
	vdig "w$((20 + _n % 40)).adv.test" A > /dev/null
	field_like "$1" "$2" "$3"
}
_n=0
ok "window 0: dropped as stalled, saying the window stays closed" \
	wait_until 40 _ask_and_check window0 last_error "flow-control window closed"
# Frames on a stream closed long ago (nghttp2 ignores them) are no sign of life: the server
# answers nothing else, so it is dropped as stalled like window0.
ok "frames on a closed stream only: dropped as stalled" \
	wait_until 20 _ask_and_check zombie last_error "stalled"
ok "GOAWAY: no request to that mirror failed, over new connections (resumed ones among them)" \
	eval '[ "$(wp_mirror_field goaway errors)" = 0 ] && [ "$(wp_mirror_field goaway handshakes)" -ge 3 ] &&
	[ "$(wp_mirror_field goaway resumed)" -ge 1 ]'
# The same server driven by the mirror client alone (no quorum cancels anything): 30 questions,
# 2 at a time; each connection answers 3, then GOAWAY refuses the 4th (and the 5th when sent):
# each refused request is sent once more, on a new connection, and answered.
"$top_builddir/tests/integration/mirror/mclient" -c "$T/vd.yaml" --mirror goaway \
	--name www.adv.test --count 30 --depth 2 --timeout 3000 --expect 127.200.0.10 \
	> "$T/mc-goaway.out" 2>&1
like "$(cat "$T/mc-goaway.out")" "round 1: result: ok=30 timeout=0 error=0 tls=0 wrong=0" \
	"GOAWAY mid-flight: 30 of 30 answered (refused streams retried once on a new connection)"
cmp_ok "$(sed -n 's/^handshakes: //p' "$T/mc-goaway.out")" -ge 8 "... over new connections"
diag "mclient/goaway: $(grep -E '^(round 1: result|handshakes|resumed|last_error|stats)' "$T/mc-goaway.out" | tr '\n' ' ')"
# A PING flood read slowly: every PING costs an ACK the server does not read. Its output is
# capped, so nghttp2's own flood limit fires (its queue of ACKs), instead of vantaged's memory
# growing at the flood's rate for as long as the server keeps answering now and then.
ok "PING flood: the connection dropped, said so" \
	wait_until 15 field_like pingflood last_error "floods"
grown=$(($(vd_kb VmHWM) - RSS0))
cmp_ok "$grown" -le 65536 "... vantaged's memory bounded (peak RSS grew by ${grown} kB)"
# TLS 1.2 with new ticket keys on every connection: the declined resumption must not turn
# into a TLS failure (wolfSSL 5.5.4 aborts such a handshake with OUT_OF_ORDER_E): TLS 1.2
# sessions are not kept, every connection a full handshake.
is "$(wp_mirror_field tls12 tls_failures)/$(wp_mirror_field tls12 resumed)" "0/0" \
	"TLS 1.2 mirror declining resumption: no TLS failure, nothing resumed"
cmp_ok "$(wp_mirror_field tls12 full_handshakes)" -ge 3 "... over several connections"
like "$(wp_mirror_field tls12 errors)/$(wp_mirror_field tls12 state)" '^0/(up|idle)$' \
	"... no error, not failed"
# Answers 2.5 s late, past the 2 s bound: its timed-out streams are forgotten, not reset (a
# RST_STREAM per timed-out stream trips a resolver's rapid-reset guard, GOAWAY
# ENHANCE_YOUR_CALM), and the late answers show it alive: never dropped as stalled.
is "$(grep -c '^reset' "$T/hostile-slow.log")" 0 "a slow mirror's timed-out streams: no RST_STREAM"
unlike "$(wp_mirror_field slow last_error)" "stalled" "... and it is not dropped as stalled"
ok "RST_STREAM on every stream: each request fails alone, said so" \
	field_like rst last_error "stream reset by the server"
ok "... the connection stays up" field_like rst state "^up$"
ok "header flood: refused" field_like headers last_error "response header too large"
ok "endless CONTINUATION: the connection dropped, said so" \
	wait_until 10 field_like continuation last_error "CONTINUATION"
ok "SETTINGS flood: the connection dropped, said so" \
	wait_until 10 field_like settings last_error "SETTINGS flood"
ok "200 KB body: refused past the bound" field_like body last_error "response body too large"
ok "HTTP 503: not an answer" field_like status last_error "HTTP 503"
ok "text/html: not an answer" field_like ctype last_error "not application/dns-message"
# A server that allows 2 concurrent streams gets at most 2 at once, the rest queued.
python3 "$top_srcdir/tests/integration/webpki/burst.py" "$VANTAGED_ADDR" "$VANTAGED_PORT" x \
	adv.test 30 127.200.4.1 10 > "$T/burst.out"
read -r answered correct _ < "$T/burst.out"
is "$answered/$correct" "30/30" "30 questions at once: all answered"
is "$(sed -n 's/^max_open //p' "$T/hostile-streams2.log" | sort -n | tail -n 1)/$(wp_mirror_field streams2 errors)" \
	"2/0" "... SETTINGS_MAX_CONCURRENT_STREAMS 2 obeyed: 2 streams open at most, no error"
# RFC 8484 hygiene, as a server sees it: a POST with only the pseudo-headers, Accept,
# Content-Type and Content-Length (no User-Agent, nothing else), DNS ID 0, padded to 128.
like "$(grep '^request ' "$T/hostile-status.log")" \
	'^request POST :authority,:method,:path,:scheme,accept,content-length,content-type id=0 qlen=(128|256|384)$' \
	"the request: POST, no identifying header, ID 0, padded to a 128-octet block"
like "$(grep '^request ' "$T/hostile-ctype.log")" \
	'^request GET :authority,:method,:path,:scheme,accept id=0 qlen=(128|256|384)$' \
	"... and a GET (method: get): ?dns= decodes to the same, no body headers"
bad=""
for m in h1 h2 h3; do
	[ "$(wp_mirror_field "$m" errors)/$(wp_mirror_field "$m" timeouts)" = 0/0 ] || bad="$bad $m"
	[ "$(wp_mirror_field "$m" proto)" = h2 ] || bad="$bad $m(proto)"
done
is "$bad" "" "the honest mirrors: h2, no error, no timeout"
ok "vantaged is alive" kill -0 "$VD_PID"
out=$(vdig www.adv.test A)
is "$(answer_norm <<< "$out")" "www.adv.test. IN A 127.200.0.10" "... and still answers"
"$top_builddir/vantagectl" -s "$T/ctl.sock" -j mirrors | python3 -c '
import json, sys
for m in json.load(sys.stdin)["mirrors"]:
    print("%-12s %-9s q=%s a=%s t=%s e=%s hs=%s res=%s last_error=%r why=%r" % (m["name"],
        m["state"], m["queries"], m["answers"], m["timeouts"], m["errors"], m["handshakes"],
        m.get("resumed"), m.get("last_error"), m.get("why")))' | while read -r l; do diag "$l"; done
# Stopped: with --enable-sanitizers a leak of what the hostile servers left would show now.
stop_pid "$VD_PID" 5; st=$?
is "$st" 0 "vantaged stops cleanly (exit status 0)"
ok "no sanitizer report (leaks included), no crash in the log" \
	eval '! grep -Eq "Sanitizer|runtime error|Segmentation" "$VANTAGED_LOG"'
