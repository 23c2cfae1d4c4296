#!/bin/bash
# tests/integration/ctl_basic.sh - vantagectl against a running vantaged: status shows the bound
# port and the upstream; cache stats move with queries; cache flush NAME sends the next question
# upstream again; cache dump lists names; reload through the socket applies a new upstream (and a
# broken file is reported with its line); log level takes effect at once; the socket is mode 0660
# and goes away at exit; -j prints JSON; explain of a question that is not cross-checked says why;
# exit codes 1 (daemon error) and 2 (usage, connection); many clients at once.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig jq
require_vantaged
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 41

U1=$(unique_addr) U2=$(unique_addr)
start_nsd "$U1" 5300 example.test example.test.zone || bail_out "cannot start nsd 1"
start_nsd "$U2" 5300 other.test other.test.zone || bail_out "cannot start nsd 2"
conf=$T/vantaged.yaml
vantaged_conf "$conf" upstream="$U1:5300" level=info
start_vantaged "$conf" || bail_out "vantaged did not start"
SOCK=$T/ctl.sock
ctl() { timeout 20 "$VANTAGECTL" -s "$SOCK" "$@"; }
jctl() { ctl -j "$@"; }
upq() { count_nsd_queries "$U1:5300"; }

# --- the socket
ok "the control socket exists" test -S "$SOCK"
is "$(stat -c %a "$SOCK")" 660 "socket mode 0660"

# --- status
out=$(ctl status); st=$?
is "$st" 0 "status: exit 0"
like "$out" "$VANTAGED_ADDR:$VANTAGED_PORT +$VANTAGED_PORT" "status (table): the bound address and port"
like "$out" "$U1:5300 +yes" "status (table): the upstream, healthy"
js=$(jctl status)
ok "status -j: valid JSON" jq -e . <<< "$js"
is "$(jq -r '.listen[0].port' <<< "$js")" "$VANTAGED_PORT" "status -j: listen[0].port is the bound port"
is "$(jq -r '.upstreams[0].address' <<< "$js")" "$U1:5300" "status -j: the upstream address"
is "$(jq -r '.pid' <<< "$js")" "$VANTAGED_PID" "status -j: the daemon's pid"

# --- cache stats move with queries
c0=$(jctl cache stats)
vdig www.example.test A > /dev/null
vdig www.example.test A > /dev/null
c1=$(jctl cache stats)
cmp_ok "$(jq .cache.entries <<< "$c1")" -gt "$(jq .cache.entries <<< "$c0")" "cache stats: entries grew"
cmp_ok "$(jq .cache.hits <<< "$c1")" -gt "$(jq .cache.hits <<< "$c0")" "cache stats: hits grew"
cmp_ok "$(jq .cache.misses <<< "$c1")" -gt "$(jq .cache.misses <<< "$c0")" "cache stats: misses grew"
is "$(jq -r '.queries.udp' <<< "$(jctl status)")" 2 "status: two UDP queries counted"

# --- cache dump
d=$(jctl cache dump)
is "$(jq -r '.entries[] | select(.name == "www.example.test.") | .type' <<< "$d")" A "cache dump: lists www.example.test. A"
cmp_ok "$(jq -r '.entries[] | select(.name == "www.example.test.") | .ttl' <<< "$d")" -le 3600 "cache dump: TTL left"
vdig hit.example.test A > /dev/null
is "$(jq '.entries | length' <<< "$(jctl cache dump 1)")/$(jq .truncated <<< "$(jctl cache dump 1)")" "1/true" \
	"cache dump MAX: bounded, and says it was cut"

# --- cache flush NAME: the next question goes upstream again
q0=$(upq)
vdig www.example.test A > /dev/null
is "$(upq)" "$q0" "before the flush: a cache hit"
f=$(jctl cache flush www.example.test)
is "$(jq .flushed.answers <<< "$f")" 1 "cache flush NAME: one answer dropped"
vdig www.example.test A > /dev/null
is $(( $(upq) - q0 )) 1 "after cache flush NAME: asked upstream again"
vdig hit.example.test A > /dev/null
is $(( $(upq) - q0 )) 1 "other names stay cached"
ctl cache flush > /dev/null
is "$(jq .cache.entries <<< "$(jctl cache stats)")" 0 "cache flush: empty"

# --- log level: a debug line appears only once asked for
unlike "$(cat "$VANTAGED_LOG")" "ctl: request: " "level info: no debug lines of the ctl group"
ctl log level ctl debug > /dev/null
ctl status > /dev/null
ok "log level ctl debug: the next request is logged at debug" wait_until 5 log_has "ctl: request: status"
is "$(jq -r .levels.ctl <<< "$(jctl log level)")/$(jq -r .levels.main <<< "$(jctl log level)")" "debug/info" \
	"log level: only that group changed"
ctl log level nosuch debug > /dev/null 2>&1; is "$?" 1 "log level with an unknown group: exit 1"

# --- reload through the socket
like "$(vdig www.other.test A | dig_rcode)" "^(REFUSED|SERVFAIL)$" "before reload: other.test is not served"
vantaged_conf "$conf" listen="$VANTAGED_ADDR:$VANTAGED_PORT" upstream="$U2:5300" level=info
r=$(jctl reload); st=$?
is "$st/$(jq -r '.upstreams[0].address' <<< "$r")" "0/$U2:5300" "reload: exit 0, the new upstream"
is "$(vdig +noall +answer www.other.test A | answer_norm)" "www.other.test. IN A 127.198.51.1" \
	"after reload: the new upstream answers"
printf 'listen: [\n' > "$conf"
out=$(ctl reload 2>&1); st=$?
is "$st" 1 "reload of a broken file: exit 1"
like "$out" "$conf:[0-9]+" "reload of a broken file: the error names file:line"
ok "still serving after the failed reload" alive "$VANTAGED_PID"

# --- explain of questions that are not cross-checked (no mirrors here)
e=$(jctl explain www.other.test TXT)
is "$(jq -r .checked <<< "$e")" false "explain: not checked without mirrors"
like "$(jq -r .reason <<< "$e")" "no mirrors" "explain: says why"
like "$(ctl explain www.other.test A)" "127\.198\.51\.1" "explain (table): the plain answer"

# --- errors and exit codes
ctl nosuchcommand > /dev/null 2>&1; is "$?" 1 "unknown command: exit 1"
"$VANTAGECTL" -s "$T/none.sock" status > /dev/null 2> "$T/err"; st=$?
is "$st" 2 "no daemon at the socket: exit 2"
like "$(cat "$T/err")" "cannot connect to $T/none.sock" "... with a clear message"
"$VANTAGECTL" > /dev/null 2>&1; is "$?" 2 "no command: usage, exit 2"

# --- many clients at once; a client that sends nothing does not block the others
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)' "$SOCK" &
idle=$!
pids=()
for i in $(seq 1 20); do ctl -j status > "$T/par$i.json" 2>&1 & pids+=($!); done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
for i in $(seq 1 20); do jq -e .ok "$T/par$i.json" > /dev/null 2>&1 || bad=$((bad + 1)); done
is "$bad" 0 "20 concurrent clients (one idle connection open): every answer complete"
kill "$idle" 2> /dev/null; wait "$idle" 2> /dev/null

# --- exit removes the socket
stop_pid "$VANTAGED_PID" 20; st=$?
is "$st" 0 "SIGTERM: exit 0 (99 under VANTAGED_WRAPPER=valgrind means a leak)"
nok "the socket is removed at exit" test -e "$SOCK"
