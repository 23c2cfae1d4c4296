#!/bin/bash
# tests/integration/mirror_reports.sh - POST /v1/report is validated strictly, its tallies show in
# /v1/mirrors and survive a restart (written atomically to state_dir/reports.json).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs curl
require_mirror
tap_plan 12

L=$(unique_addr)
mirror_keygen "$T/keys" "$L" || bail_out "keygen failed"
ME=$KEY_ID
P=$(printf 'ab%.0s' $(seq 32)) D=$(printf 'cd%.0s' $(seq 32))
mirror_conf "$T/m.yaml" "$L:0" "127.0.0.1:9" "$T/keys" "$T/state" \
	"peers: [ { name: p1, address: \"127.192.0.9\", region: us, ca_sha256: \"$P\" } ]"
start_mirror "$T/m.yaml" || bail_out "vantage-mirror did not start"

report() { mcurl "$T/keys" /v1/report -X POST -H 'Content-Type: application/json' --data-binary "$1" -w ' %{http_code}'; }
good="{\"version\":1,\"question\":{\"name\":\"www.example.test.\",\"type\":\"AAAA\"},\"results\":[
 {\"mirror\":\"$P\",\"digest\":\"$D\",\"outcome\":\"agree\"},
 {\"mirror\":\"$ME\",\"outcome\":\"timeout\"}]}"
like "$(report "$good")" '^\{"accepted":2\}[[:space:]]+200$' "a valid report is accepted"
like "$(report "${good/agree/maybe}")" '"error":"bad-report","detail":"body:2: outcome: .maybe. is not one of.* 400$' \
	"an unknown outcome: 400 with body:line"
like "$(report "${good/\"digest\":\"$D\",/}")" '"detail":"body:2: result: agree needs a digest".* 400$' \
	"agree without a digest: 400"
like "$(report "${good/\"version\":1,/\"version\":1,\"extra\":0,}")" "unknown key 'extra' in report.* 400$" \
	"an unknown key: 400"
like "$(report "${good/$P/XYZ}")" 'mirror: expected a string of 64 hex digits.* 400$' "a bad mirror id: 400"
like "$(report "${good/\"results\"/\"results\":[],\"x\"}")" '"error":"bad-report".* 400$' "a duplicate key: 400"
many=$(for i in $(seq 70); do printf '{"mirror":"%064x","outcome":"error"},' "$i"; done)
like "$(report "{\"version\":1,\"question\":{\"name\":\"a.test.\",\"type\":\"A\"},\"results\":[${many%,}]}")" \
	'results: at most 64 entries.* 400$' "more than 64 results: 400"
deep=$(printf '[%.0s' $(seq 200))
like "$(report "{\"version\":1,\"question\":$deep}")" '"error":"bad-report".* 400$' "deep nesting: 400, no crash"
m=$(mcurl "$T/keys" /v1/mirrors)
like "$m" "\"id\":\"$P\".*\"reports\":\{\"agree\":1,\"dissent\":0,\"timeout\":0,\"error\":0\}" "the peer's tally shows in /v1/mirrors"

stop_pid "$MIRROR_PID"
like "$(cat "$T/state/reports.json")" "\"id\":\"$ME\",\"agree\":0,\"dissent\":0,\"timeout\":1" \
	"SIGTERM flushed the tallies to state_dir/reports.json"
start_mirror "$T/m.yaml" mirror2 || bail_out "vantage-mirror did not restart"
report "$good" > /dev/null
m=$(mcurl "$T/keys" /v1/mirrors)
like "$m" "\"id\":\"$P\".*\"reports\":\{\"agree\":2," "tallies survive a restart and keep counting"
like "$m" "\"id\":\"$ME\".*\"reports\":\{\"agree\":0,\"dissent\":0,\"timeout\":2," "... for every mirror"
