#!/bin/bash
# tests/integration/plugins_basic.sh - the blocklist and querylog plugins in a real vantaged in
# front of NSD. The story: a listed name and everything below it are REFUSED with EDE 15, a
# sibling is answered; the query log has one JSON line per question and is reopened after a
# mv + SIGHUP (logrotate); a list file edited and SIGHUP blocks the new name; a broken plugin
# config on SIGHUP is reported with file:line and the old one keeps working; vantaged -V
# lists plugins/PLUGINS in order; a query log on a full disk never stops the answers.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig kdig jq curl
require_vantaged

dig_rcode_all() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
ede_of() { sed -n 's/^; EDE: \([0-9]*\)[^:]*: *(\(.*\))$/\1 \2/p' | head -n 1; }

# --- vantaged -V: the chain in the order of plugins/PLUGINS
want=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top_srcdir/plugins/PLUGINS" | grep -v '^$' | tr '\n' ' ')
out=$("$VANTAGED" -V)
got=$(sed -n 's/^ *[0-9]*\. \([a-z0-9_]*\) (API [0-9]*).*/\1/p' <<< "$out" | tr '\n' ' ')
is "$got" "$want" "vantaged -V lists the plugins in plugins/PLUGINS order"
like "$out" "plugins \(chain order, API [0-9]+\)" "... with the plugin API version"

# --- the world
U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
printf '# test list\nwww.example.test\n0.0.0.0 ads.test   # hosts-file style\nbad..name\n' > "$T/block.txt"
M=$(unique_addr)
plugins() {	# the plugins section; $1: extra blocklist keys
	cat <<-EOF
	metrics: { listen: "$M:0" }
	plugins:
	  blocklist:
	    files: ["$T/block.txt"]
	    names: [pipe1.example.test]
	    $1
	  querylog:
	    file: "$T/queries.jsonl"
	    flush: 20ms
	EOF
}
vantaged_conf "$T/vd.yaml" upstream="$U:5300" extra="$(plugins)"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
ok "the chain is logged at start" log_has 'plugin: blocklist: on \(chain position 1\)'
ok "blocklist read its list (3 names: 2 from the file, 1 inline; the junk line skipped)" \
	log_has 'plugin/blocklist: 3 names blocked \(1 files, 1 inline, some lines skipped\)'
ok "the junk line is reported with file:line" log_has "plugin/blocklist: $T/block.txt:4: 'bad\.\.name' is not a domain name; skipped"

# --- blocklist
out=$(vdig www.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "www.example.test (listed): REFUSED"
is "$(ede_of <<< "$out")" "15 vantage: blocked by local policy" "... with EDE 15 (Blocked) and its text"
out=$(vdig deep.sub.www.example.test AAAA)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "REFUSED/15 vantage: blocked by local policy" \
	"a subdomain of a listed name is blocked too"
out=$(vdig x.ads.test A)
is "$(dig_rcode <<< "$out")" REFUSED "a name from a hosts-file line is blocked"
out=$(vdig hit.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "a sibling (hit.example.test) is answered, no EDE"
is "$(answer_norm <<< "$out")" "hit.example.test. IN A 127.192.0.10" "... with its address"
is "$(vdig example.test MX +short | sort | tr '\n' ' ')" "10 mx1.example.test. 20 mx2.example.test. " \
	"the parent zone is not blocked"
out=$(timeout 10 kdig @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +retry=0 +timeout=2 +edns pipe1.example.test A)
like "$out" "status: REFUSED" "kdig: an inline name is REFUSED"
like "$out" "EDE: 15 \(Blocked\)" "... kdig shows EDE 15 (Blocked)"
out=$(vdig +noedns www.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "REFUSED/" "without EDNS: REFUSED, no OPT to carry the EDE"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
is "$(timeout 10 curl -sf "$URL" | sed -n 's/^vantaged_plugin_blocklist_blocked_total //p')" 5 \
	"metrics: vantaged_plugin_blocklist_blocked_total counts the 5 blocked questions"

# --- querylog: one JSON line per question (7 so far)
nlines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
has_lines() { [ "$(nlines "$1")" -ge "$2" ]; }	# counted inside the wait
ok "the query log has a line per question" wait_until 5 has_lines "$T/queries.jsonl" 7
is "$(nlines "$T/queries.jsonl")" 7 "... exactly 7"
ok "every line is a JSON object with the documented fields" jq -e -s \
	'length == 7 and all(.[]; (.time | test("^[0-9-]+T[0-9:.]+Z$")) and (.client | length > 0)
	 and (.qname | endswith(".")) and (.qtype | length > 0) and (.rcode | length > 0)
	 and has("verdict") and has("action") and has("ede") and (.latency_us | type == "number"))' \
	"$T/queries.jsonl"
like "$(jq -r 'select(.qname == "www.example.test.") | [.client, .qtype, .rcode, .ede, .ede_text] | join(" ")' \
	"$T/queries.jsonl" | head -n 1)" "^127\.[0-9.]+ A REFUSED 15 vantage: blocked by local policy$" \
	"the blocked question: client, type, REFUSED, EDE 15 and its text"
is "$(jq -r 'select(.qname == "hit.example.test.") | [.rcode, .verdict, .action, (.ede | tostring)] | join(" ")' \
	"$T/queries.jsonl")" "NOERROR unchecked serve null" "the answered one: NOERROR, unchecked (no mirrors), served, no EDE"

# --- rotation: mv + SIGHUP reopens the file by name
mv "$T/queries.jsonl" "$T/queries.jsonl.1"
kill -HUP "$VANTAGED_PID"
ok "SIGHUP: querylog reopened its file" wait_until 5 log_has 'plugin/querylog: reopened'
vdig hit.example.test A > /dev/null
ok "after the rotation the new file gets the next line" wait_until 5 has_lines "$T/queries.jsonl" 1
is "$(jq -r .qname "$T/queries.jsonl")" "hit.example.test." "... the question asked after SIGHUP"
is "$(nlines "$T/queries.jsonl.1")" 7 "the rotated file kept its 7 lines"

# --- a list file edited, SIGHUP: the new name is blocked
echo "hit.example.test" >> "$T/block.txt"
kill -HUP "$VANTAGED_PID"
ok "SIGHUP: blocklist re-read its file" wait_until 5 log_has 'plugin/blocklist: 4 names blocked'
is "$(vdig hit.example.test A | dig_rcode)" REFUSED "hit.example.test, added to the file, is now blocked"

# --- a broken plugin config on SIGHUP: file:line in the log, the old config stays
cp "$T/vd.yaml" "$T/vd.good"
vantaged_conf "$T/vd.yaml" upstream="$U:5300" extra="$(plugins 'actoin: nxdomain')"
line=$(grep -n 'actoin' "$T/vd.yaml" | cut -d: -f1)
kill -HUP "$VANTAGED_PID"
ok "a broken plugin config is reported with file:line" wait_until 5 \
	log_has "reload failed, keeping the running configuration: $T/vd.yaml:$line: unknown key 'actoin' in blocklist"
is "$(vdig www.example.test A | dig_rcode)" REFUSED "... and the old configuration keeps blocking (REFUSED, not NXDOMAIN)"
vantaged_conf "$T/vd.yaml" upstream="$U:5300" extra="$(plugins 'action: nxdomain')"
kill -HUP "$VANTAGED_PID"
ok "a fixed config is applied" wait_until 5 log_has 'main: configuration reloaded'
# shellcheck disable=SC2016
ok "... action nxdomain: NXDOMAIN with EDE 15" wait_until 5 eval \
	'[ "$(vdig www.example.test A | dig_rcode)" = NXDOMAIN ]'
ok "the process is still alive after three reloads" alive "$VANTAGED_PID"
stop_pid "$VANTAGED_PID"
is "$?" 0 "it stops cleanly on SIGTERM (exit 0; an ASAN build fails on leaks)"

# --- a query log on a full disk: answers go on, one warning, lines counted as dropped
vantaged_conf "$T/full.yaml" upstream="$U:5300" \
	extra="$(printf 'plugins:\n  querylog: { file: /dev/full, buffer: 0 }\nmetrics: { listen: "%s:0" }' "$(unique_addr)")"
start_vantaged "$T/full.yaml" || bail_out "vantaged with a full query log did not start"
for i in 1 2 3 4 5; do vdig hit.example.test A > "$T/full-$i.out"; done
is "$(cat "$T"/full-*.out | dig_rcode_all | sort -u)" NOERROR "with the log on a full disk every question is answered"
is "$(grep -c 'plugin/querylog: cannot write /dev/full' "$VANTAGED_LOG")" 1 "the write error is logged once"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
is "$(timeout 10 curl -sf "$URL" | sed -n 's/^vantaged_plugin_querylog_dropped_total //p')" 5 \
	"metrics: the 5 lost lines are counted"
stop_pid "$VANTAGED_PID"
is "$?" 0 "it stops cleanly (exit 0)"
done_testing
