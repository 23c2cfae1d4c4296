#!/bin/bash
# tests/integration/mirror_client.sh - resolver/mirror_client.c against a real vantage-mirror
# with an NSD view behind it: the pin-only entry fetches the CA from /v1/mirrors, then N
# pipelined and N sequential DoH queries travel over one pinned connection (one handshake);
# the idle close is survived; 64 questions behind a slow upstream spread over connection lanes;
# mirror_get hands back status and body; a wrong pin is PIN_FAILED/TRANSPORT_TLS, a dead address is
# TRANSPORT_ERROR then BACKOFF, a hanging one TRANSPORT_TIMEOUT at the deadline; cancel and
# free never call back; selection is keyed, regional and health-ordered; the bootstrap file
# is merged, and a broken one is reported with file:line. valgrind-clean.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs nsd
require_mirror
MCLIENT=$top_builddir/tests/integration/mirror/mclient
[ -x "$MCLIENT" ] || skip_all "mclient not built (make check builds it)"
tap_plan 78

U=$(unique_addr) L=$(unique_addr) DEAD=$(unique_addr) HANG=$(unique_addr)
mirror_zone "$T/example.test.zone"
start_nsd "$U" 5300 example.test "$T/example.test.zone" || bail_out "cannot start nsd"
mirror_keygen "$T/keys" "$L" eu || bail_out "keygen failed"
ID=$KEY_ID
mirror_keygen "$T/keys2" "$L" eu || bail_out "keygen failed"
OTHER_ID=$KEY_ID
# A short idle timeout, so that the server's keep-alive close is part of the story.
mirror_conf "$T/m.yaml" "$L:0" "$U:5300" "$T/keys" "$T/state" "limits: { idle_timeout: 1s }"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"
MADDR=$MIRROR_ADDR:$MIRROR_PORT

# vconf FILE [bootstrap PATH] -- ENTRY...: a vantaged config whose mirrors.list holds ENTRYs.
vconf() {
	local f=$1 boot=
	shift
	if [ "$1" = bootstrap ]; then boot="  bootstrap: \"$2\""; shift 2; fi
	if [ "$1" = trust_store ]; then boot="$boot${boot:+
}  trust_store: \"$2\""; shift 2; fi
	[ "$1" = -- ] && shift
	{
		echo 'listen: ["127.0.0.1:0"]'
		echo 'upstreams: ["127.0.0.1:53"]'
		echo 'mirrors:'
		[ -n "$boot" ] && echo "$boot"
		echo '  list:'
		for e in "$@"; do printf '%s\n' "$e"; done
	} > "$f"
}
# mc NAME ARGS...: run mclient, output (stdout+stderr) in $T/NAME.out, returns its status.
mc() { local n=$1; shift; timeout 60 "$MCLIENT" "$@" > "$T/$n.out" 2>&1; }
# vmc NAME ARGS...: the same under valgrind (memcheck, leaks counted as errors).
vmc() {
	local n=$1; shift
	timeout 120 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file="$T/$n.vg" "$MCLIENT" "$@" > "$T/$n.out" 2>&1
}
field() { sed -n "s/.*$2: \([0-9]*\).*/\1/p" "$T/$1.out" | tail -n 1; }
health_accepted() { mcurl "$T/keys" /v1/health | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p'; }

GOOD="    - { name: m1, address: \"$MADDR\", region: eu, ca_sha256: \"$ID\" }"
vconf "$T/good.yaml" -- "$GOOD"

# --- the honest mirror, pin only: CA fetch, then pipelined queries on one connection
before=$(health_accepted)
ok "1000 pipelined queries (window 32, the rest queued) run to completion" \
	mc pipe -c "$T/good.yaml" --mirror m1 --count 1000 --depth 0 --expect 127.192.0.1 --timeout 5000
o=$(cat "$T/pipe.out")
like "$o" "CA fetched from /v1/mirrors, SHA-256 matches the pin" "the pin-only entry fetched its CA from /v1/mirrors"
like "$o" "round 1: result: ok=1000 timeout=0 error=0 tls=0 wrong=0" "... all 1000 answers are 127.192.0.1"
is "$(field pipe handshakes)" 1 "... over one pinned TLS handshake"
like "$o" "state: up" "... and the connection stays up"
after=$(health_accepted)
is "$((after - before))" 3 "the mirror saw 2 connections (CA fetch + DoH) and the health check"
like "$o" "stats: queries=1000 answers=1000 timeouts=0 errors=0 tls_failures=0 srtt_ms=[0-9]+" "counters agree"
diag "$(grep -E 'round|handshakes' "$T/pipe.out")"

ok "2000 sequential queries, then 2000 more after the server's idle close" \
	mc seq -c "$T/good.yaml" --mirror m1 --count 2000 --depth 1 --expect 127.192.0.1 --rounds 2 --pause 1600
o=$(cat "$T/seq.out")
like "$o" "round 1: result: ok=2000 timeout=0 error=0 tls=0 wrong=0" "sequential: all 2000 correct"
like "$o" "round 2: result: ok=2000 timeout=0 error=0 tls=0 wrong=0" "after the idle close: all 2000 correct"
is "$(sed -n 's/^handshakes: //p' "$T/seq.out" | tr '\n' ' ')" "1 2 " \
	"one handshake per connection: 1 for round 1, 1 more after the idle close"
PQ=$(sed -n 's/^round 1: per_query_us: //p' "$T/seq.out")
cmp_ok "${PQ:-999999}" -lt 5000 "a sequential query over the persistent connection costs < 5 ms (${PQ} us)"

# --- concurrency: 64 distinct questions behind a 100-ms upstream take 6.4 s one after the
# other. vantage-mirror speaks HTTP/2 (issue 13): they travel as concurrent streams of one
# connection (before, up to 8 HTTP/1.1 lanes shared the work, one request each at a time).
SLOW=$(unique_addr) L2=$(unique_addr)
spawn slowup "$TOOLS_DIR/dnsjunk" slow "$SLOW" 5300 100
wait_until 5 grep -q listening "$T/slowup.log" || bail_out "cannot start the slow upstream"
mirror_keygen "$T/keys3" "$L2" eu || bail_out "keygen failed"
SLOW_ID=$KEY_ID
# 300 peers (closed ports on 127.0.0.1, never announced to nor verified in this test) make
# its /v1/mirrors larger than a DoH answer may be: mirror_get must fetch it whole anyway.
peers=$(for i in $(seq 1 300); do
	printf '{ name: p%d, address: "127.0.0.1:%d", region: xx, ca_sha256: "%064x" }, ' "$i" $((40000 + i)) "$i"
done)
mirror_conf "$T/ms.yaml" "$L2:0" "$SLOW:5300" "$T/keys3" "$T/state3" \
	"peers: [ ${peers%, } ]
network: { announce: false, verify_interval: 3600000ms, audit_period: 3600000ms }"
start_mirror "$T/ms.yaml" slowmirror || bail_out "vantage-mirror (slow upstream) did not start"
vconf "$T/slow.yaml" -- "    - { name: ms, address: \"$MIRROR_ADDR:$MIRROR_PORT\", region: eu, ca_sha256: \"$SLOW_ID\" }"
ok "64 distinct questions at once behind a 100-ms upstream" \
	mc lanes -c "$T/slow.yaml" --mirror ms --warm --count 64 --depth 0 --distinct \
	--expect 127.192.0.77 --timeout 10000
o=$(cat "$T/lanes.out")
like "$o" "round 1: result: ok=64 timeout=0 error=0 tls=0 wrong=0" "... all 64 answered"
HS=$(field lanes handshakes)
is "${HS:-0}" 1 "... over one HTTP/2 connection (one handshake)"
like "$o" "proto[:=] *h2" "... which speaks h2"
EL=$(sed -n 's/^round 1: first_ms: [0-9]* elapsed_ms: //p' "$T/lanes.out")
cmp_ok "${EL:-99999}" -lt 3200 "... in less than half the single-connection time (${EL} ms, serial 6400)"
ok "GET /v1/health with mirror_get on the pinned connection" \
	mc get -c "$T/slow.yaml" --mirror ms --get /v1/health
like "$(cat "$T/get.out")" "get: transport=0 status=200" "... HTTP 200"
like "$(cat "$T/get.out")" '"version"' "... with the health JSON body"
ok "GET /v1/mirrors of a mirror with 300 peers" mc getlist -c "$T/slow.yaml" --mirror ms --get /v1/mirrors
LEN=$(sed -n 's/^get: transport=0 status=200 len=\([0-9]*\)$/\1/p' "$T/getlist.out")
cmp_ok "${LEN:-0}" -gt 65535 "... the whole list (${LEN} bytes), past a DoH answer's 64 KiB bound"
mc get404 -c "$T/slow.yaml" --mirror ms --get /v1/nothing-here
like "$(cat "$T/get404.out")" "get: transport=0 status=404" "a GET of an unknown path: the status is handed back (404)"
if can_valgrind "$MCLIENT"; then
	ok "valgrind: lanes opened under load, then the set freed" \
		vmc vglanes -c "$T/slow.yaml" --mirror ms --warm --count 32 --depth 0 --distinct --timeout 20000
else
	skip "valgrind not installed, or an ASAN build" 1
fi
diag "$(grep -E 'round|handshakes|stats' "$T/seq.out")"

ok "an answer for a name with no A record still comes back" \
	mc nx -c "$T/good.yaml" --mirror m1 --name nope.example.test. --count 3
like "$(cat "$T/nx.out")" "ok=3 timeout=0 error=0" "NXDOMAIN is an answer (TRANSPORT_OK), not a transport failure"

ok "50 of 100 requests cancelled: no cancelled callback runs" \
	mc cancel -c "$T/good.yaml" --mirror m1 --count 100 --depth 0 --cancel-odd
like "$(cat "$T/cancel.out")" "result: ok=50 " "... and the other 50 are answered"
unlike "$(cat "$T/cancel.out")" "ERROR" "no callback from inside mirror_query, none after cancel"

# --- wrong pins
vconf "$T/wrongpin.yaml" -- "    - { name: bad, address: \"$MADDR\", region: eu, ca_sha256: \"$OTHER_ID\" }"
mc wrongpin -c "$T/wrongpin.yaml" --mirror bad --count 3 --rounds 2 --timeout 3000
o=$(cat "$T/wrongpin.out")
like "$o" "round 1: result: ok=0 timeout=0 error=0 tls=3" "pin only, wrong pin: TRANSPORT_TLS (no CA with that hash at that address)"
like "$o" "round 2: result: ok=0 timeout=0 error=0 tls=3" "... and again, at once, while it waits"
like "$o" "state: pin-failed" "... state PIN_FAILED"
like "$o" "mirror bad \($MADDR\): certificate does not chain to the pinned CA" "... logged"
is "$(grep -c 'certificate does not chain' "$T/wrongpin.out")" 1 "... once"
is "$(field wrongpin handshakes)" 0 "... and no DoH handshake was counted"

{
	vconf "$T/wrongpem.yaml" -- "    - name: badpem" "      address: \"$MADDR\"" "      region: eu" \
		"      ca_sha256: \"$OTHER_ID\"" "      ca_pem: |"
	sed 's/^/        /' "$T/keys2/ca.pem" >> "$T/wrongpem.yaml"
}
mc wrongpem -c "$T/wrongpem.yaml" --mirror badpem --count 2 --timeout 3000
o=$(cat "$T/wrongpem.out")
like "$o" "result: ok=0 timeout=0 error=0 tls=2" "another CA's PEM and pin: the handshake fails verification, TRANSPORT_TLS"
like "$o" "state: pin-failed" "... state PIN_FAILED"
like "$o" "certificate does not chain to the pinned CA \(.+\)" "... logged with wolfSSL's reason"
like "$o" "tls_failures=1" "... counted as a TLS failure"

vconf "$T/mismatch.yaml" -- "    - name: mism" "      address: \"$MADDR\"" "      region: eu" \
	"      ca_sha256: \"$ID\"" "      ca_pem: |"
sed 's/^/        /' "$T/keys2/ca.pem" >> "$T/mismatch.yaml"
mc mismatch -c "$T/mismatch.yaml" --list; rc=$?
is "$rc" 3 "a ca_pem whose SHA-256 is not ca_sha256 makes mirror_set_new fail"
like "$(cat "$T/mismatch.out")" "mirror_set_new: mirror mism \($MADDR\): ca_pem: the CA does not match its pinned SHA-256" \
	"... saying which entry and why"

# --- a dead address: refused at once, then backoff
vconf "$T/dead.yaml" -- "    - { name: dead, address: \"$DEAD:4001\", region: eu, ca_sha256: \"$ID\" }"
mc dead -c "$T/dead.yaml" --mirror dead --count 1 --rounds 3 --pause 700 --timeout 3000
o=$(cat "$T/dead.out")
like "$o" "round 1: result: ok=0 timeout=0 error=1 tls=0" "dead address: TRANSPORT_ERROR"
cmp_ok "$(sed -n 's/^round 1: first_ms: \([0-9]*\).*/\1/p' "$T/dead.out")" -lt 500 "... quickly, not at the deadline"
like "$o" "round 2: result: ok=0 timeout=0 error=1 tls=0" "after the 500 ms backoff: tried again, TRANSPORT_ERROR again"
like "$o" "state: backoff" "... state BACKOFF"
is "$(grep -c 'mirror dead .*retrying in' "$T/dead.out")" 1 "the failure is logged once, not once per retry"

# --- a hanging mirror: TCP accepted, never a byte back
vconf "$T/hang.yaml" -- "    - { name: hang, address: \"$HANG:4002\", region: eu, ca_sha256: \"$ID\" }"
mc hang -c "$T/hang.yaml" --hold "$HANG:4002" --mirror hang --count 5 --depth 0 --timeout 300
o=$(cat "$T/hang.out")
like "$o" "result: ok=0 timeout=5 error=0 tls=0" "hanging mirror: TRANSPORT_TIMEOUT for each request"
t=$(sed -n 's/^round 1: first_ms: \([0-9]*\).*/\1/p' "$T/hang.out")
cmp_ok "${t:-0}" -ge 295 "... not before the 300 ms deadline ($t ms)"
cmp_ok "${t:-9999}" -lt 800 "... and soon after it"
like "$o" "state: connecting" "... while the handshake is still pending"

# --- a mirror that speaks TLS with its real certificate, then sends junk
JUNK=$(unique_addr)
cat > "$T/junk.py" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
print("ready", flush=True)
junk = (b"HTTP/1.1 200 OK\r\nContent-Type: application/dns-message\r\nContent-Length: 5\r\n\r\nXXXXX"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"
        b"HTTP/1.1 200 OK\r\nContent-Type: application/dns-message\r\nContent-Length: 99999999\r\n\r\n")
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.recv(65536)
        t.sendall(junk)
        time.sleep(0.3)
        t.close()
    except Exception:
        c.close()
EOF
if ! can_valgrind "$MCLIENT"; then
	skip "valgrind not installed, or an ASAN build" 4
elif command -v python3 > /dev/null; then
	spawn junk python3 "$T/junk.py" "$JUNK" 4004 "$T/keys/server.pem" "$T/keys/server.key"
	wait_until 10 grep -q ready "$T/junk.log"
	vconf "$T/junk.yaml" -- "    - name: junk" "      address: \"$JUNK:4004\"" "      region: eu" \
		"      ca_sha256: \"$ID\"" "      ca_pem: |"
	sed 's/^/        /' "$T/keys/ca.pem" >> "$T/junk.yaml"
	ok "valgrind: a pinned mirror sending a bad DNS body, text/html, a 100 MB Content-Length" \
		vmc junk -c "$T/junk.yaml" --mirror junk --count 5 --depth 0 --timeout 3000 -v
	like "$(cat "$T/junk.out")" "result: ok=0 timeout=0 error=5 tls=0" "... every request fails with TRANSPORT_ERROR"
	like "$(cat "$T/junk.out")" "response body too large" "... the oversized body ends the connection"
	is "$(cat "$T/junk.vg")" "" "... no memcheck error and no leak"
else
	skip "python3 missing" 4
fi

# --- teardown never calls back, valgrind clean
if ! can_valgrind "$MCLIENT"; then
	skip "valgrind not installed, or an ASAN build" 7
else
ok "valgrind: CA fetch + pipelined queries + set freed from inside a callback" \
	vmc vg1 -c "$T/good.yaml" --mirror m1 --count 200 --depth 0 --free-inside
is "$(cat "$T/vg1.vg")" "" "... no memcheck error and no leak"
ok "valgrind: set freed with requests pending on a hanging mirror" \
	vmc vg2 -c "$T/hang.yaml" --hold "$HANG:4002" --mirror hang --count 20 --timeout 2000 --free-early 100
like "$(cat "$T/vg2.out")" "callbacks after free: 0" "... no callback after mirror_set_free"
is "$(cat "$T/vg2.vg")" "" "... no memcheck error and no leak"
ok "valgrind: wrong pin, dead address" vmc vg3 -c "$T/wrongpin.yaml" --mirror bad --count 3
is "$(cat "$T/vg3.vg")" "" "... no memcheck error and no leak"
fi

# --- selection: keyed per name, distinct regions first, unhealthy last
fake() { printf '    - { name: %s, address: "127.192.0.%s:443", region: %s, ca_sha256: "%064x" }' "$1" "$2" "$3" "$2"; }
vconf "$T/sel.yaml" -- "$(fake e1 1 eu)" "$(fake e2 2 eu)" "$(fake u1 3 us)" "$(fake u2 4 us)" \
	"$(fake a1 5 ap)" "$(fake a2 6 ap)"
names=() sel=()
for i in $(seq 1 20); do sel+=(--select "n$i.example.test.:3"); done
mc sel1 -c "$T/sel.yaml" --secret "$(printf '%064x' 1)" "${sel[@]}"
mc sel2 -c "$T/sel.yaml" --secret "$(printf '%064x' 1)" "${sel[@]}"
mc sel3 -c "$T/sel.yaml" --secret "$(printf '%064x' 2)" "${sel[@]}"
is "$(grep -c '^select' "$T/sel1.out")" 20 "20 names, 3 mirrors each"
bad=$(grep '^select' "$T/sel1.out" | awk '{ split("", r); for (i = 3; i <= NF; i++) { split($i, p, "/"); r[p[2]]++ } if (length(r) != 3) print }')
is "$bad" "" "every name gets 3 distinct regions (eu, us, ap)"
is "$(cat "$T/sel2.out")" "$(cat "$T/sel1.out")" "the same secret picks the same mirrors (stable per name)"
isnt "$(cat "$T/sel3.out")" "$(cat "$T/sel1.out")" "another secret picks others"
is "$(grep '^select' "$T/sel1.out" | awk '{print $3}' | sort -u | wc -l)" 6 "the first choice spreads over all 6 mirrors"

vconf "$T/sel4.yaml" -- "$GOOD" "    - { name: dead, address: \"$DEAD:4001\", region: us, ca_sha256: \"$ID\" }" \
	"$(fake a1 5 ap)"
sel=()
for i in $(seq 1 10); do sel+=(--select "n$i.example.test.:3" --select "n$i.example.test.:2"); done
mc sel4 -c "$T/sel4.yaml" --mirror dead --count 1 --timeout 2000 "${sel[@]}"
like "$(cat "$T/sel4.out")" "state: backoff" "the dead mirror is in backoff"
is "$(grep -E '^select [^ ]+: [^ ]+ [^ ]+ [^ ]+$' "$T/sel4.out" | grep -vc ' dead/us$')" 0 "k=3: it always comes last"
is "$(grep -E '^select [^ ]+: [^ ]+ [^ ]+$' "$T/sel4.out" | grep -c 'dead/')" 0 "k=2: it is never chosen"

# --- the bootstrap file, and webpki entries
mc bmiss -c "$(vconf "$T/bmiss.yaml" bootstrap "$T/nonexistent.yaml" -- "$GOOD"; echo "$T/bmiss.yaml")" --list
like "$(cat "$T/bmiss.out")" "^mirrors: 1" "a missing bootstrap file: the inline list"
unlike "$(cat "$T/bmiss.out")" "bootstrap" "... and no word about it at info level"
printf -- '- { name: b1, address: "127.192.0.9:443", region: us, ca_sha256: "%064x" }\n- { name: b2, address: "127.192.0.10:443" }\n' 9 > "$T/broken.yaml"
mc bbroken -c "$(vconf "$T/bbroken.yaml" bootstrap "$T/broken.yaml" -- "$GOOD"; echo "$T/bbroken.yaml")" --list
like "$(cat "$T/bbroken.out")" "$T/broken.yaml:2: mirror entry: 'region' is required \(bootstrap file ignored\)" \
	"a broken bootstrap file: a warning with file:line"
like "$(cat "$T/bbroken.out")" "mirrors: 1" "... and the inline list alone"
cat > "$T/boot.yaml" <<EOF
# what keygen prints, pasted
- { name: f1-again, address: "127.192.0.1:443", region: eu, ca_sha256: "$(printf '%064x' 1)" }
- { name: bm, address: "$MADDR", region: us, ca_sha256: "$ID" }
- { name: quad9, address: "9.9.9.9:443", region: ch, verify: webpki, hostname: dns.quad9.net }
EOF
# No trust store: the webpki entry stays in the set, unusable, with the reason.
vconf "$T/boot-v.yaml" bootstrap "$T/boot.yaml" trust_store "$T/no-such-store.pem" -- "$(fake f1 1 eu)"
mc boot -c "$T/boot-v.yaml" --list --mirror bm --count 10 --expect 127.192.0.1 \
	--select www.example.test.:3 --select other.example.test.:3
o=$(cat "$T/boot.out")
like "$o" "mirrors: 3" "the bootstrap entries are added, the duplicate address skipped"
like "$o" "result: ok=10 timeout=0 error=0 tls=0 wrong=0" "a mirror from the bootstrap file answers"
like "$o" "webpki mirrors unusable: trust store $T/no-such-store.pem: No such file" \
	"webpki entries without a trust store: one clear log line"
like "$o" "mirror: quad9 region=ch id=webpki:dns.quad9.net usable=0" "... they are listed but unusable"
unlike "$(grep '^select' "$T/boot.out")" "quad9" "... and never selected"
