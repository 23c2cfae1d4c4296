#!/bin/bash
# tests/integration/pkg_monitoring.sh - packaging/monitoring: the Prometheus alert rules pass
# promtool's check and their own unit cases (each alert fires on the series that should raise
# it, not before its `for:`, and not on a healthy instance); every PromQL expression of the
# Grafana dashboard parses; and every metric the rules and the dashboard name is one a real
# vantaged with a mirror exports (a renamed metric would silence an alert without a word).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs promtool jq nsd nsd-control dig curl
require_vantaged
require_mirror
tap_plan 8

MON=$top_srcdir/packaging/monitoring
RULES=$MON/vantaged.rules.yml DASH=$MON/grafana-vantaged.json

ok "promtool check rules: the alert rules are valid" promtool check rules "$RULES"
# promtool resolves rule_files relative to the test file: run it from a copy beside the rules
cp "$RULES" "$MON/vantaged.rules.test.yml" "$T/"
if (cd "$T" && promtool test rules vantaged.rules.test.yml) > "$T/promtool-test.log" 2>&1; then
	pass "promtool test rules: every alert's unit cases pass"
else
	fail "promtool test rules"
	diag "$(tail -n 40 "$T/promtool-test.log")"
fi
ok "the dashboard is JSON with panels" jq -e '.panels | length > 5' "$DASH"

# Every panel expression, with the dashboard's variable, as a recording rule: promtool parses it.
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	jq -r '.panels[].targets[].expr' "$DASH" | sed 's/\$instance/.*/g' |
		awk '{ n++; gsub(/\x27/, "\x27\x27"); printf "      - record: dashboard_expr_%d\n        expr: \x27%s\x27\n", n, $0 }'
} > "$T/dash-rules.yml"
if promtool check rules "$T/dash-rules.yml" > "$T/dash-check.log" 2>&1; then
	pass "every dashboard expression is valid PromQL ($(grep -c 'record:' "$T/dash-rules.yml") of them)"
else
	fail "dashboard expressions"
	diag "$(cat "$T/dash-check.log")"
fi

# A vantaged with one mirror and an upstream, scraped for real.
a=$(unique_addr) || bail_out "no address"
start_nsd "$a" 5300 example.test "$CONS_ZONES/honest.zone" || bail_out "cannot start nsd"
VIEW[honest]=$a:5300
cons_mirror eu eu honest || bail_out "mirror did not start"
cons_vconf "$T/vd.yaml" upstream="$a:5300" mirrors="eu" || bail_out "no config"
echo "metrics: { listen: \"$(unique_addr):0\" }" >> "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
vdig www.example.test A > /dev/null
timeout 10 curl -sf "$URL" > "$T/scrape.txt" || bail_out "no scrape from $URL"
like "$(grep -c '^vantaged_mirror_up{' "$T/scrape.txt")" "^[1-9]" "the scrape has the mirror families"

# names_in FILE...: the vantaged_* metric names a file refers to (histogram parts kept as named)
names_in() { grep -oh 'vantaged_[a-zA-Z0-9_:]*' "$@" | sort -u; }
exported=$(awk '/^# TYPE / { print $3 }' "$T/scrape.txt"; sed -n 's/^\(vantaged_[a-zA-Z0-9_:]*\).*/\1/p' "$T/scrape.txt")
like "$(names_in "$RULES" "$DASH" | wc -l)" "^[1-9][0-9]$" "the rules and the dashboard name over ten metrics"
missing=""
for n in $(names_in "$RULES"); do grep -qx "$n" <<< "$exported" || missing="$missing $n"; done
is "$missing" "" "every metric the alert rules use is exported"
missing=""
for n in $(names_in "$DASH"); do grep -qx "$n" <<< "$exported" || missing="$missing $n"; done
is "$missing" "" "every metric the dashboard uses is exported"
