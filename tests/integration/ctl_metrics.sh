#!/bin/bash
# tests/integration/ctl_metrics.sh - the Prometheus endpoint: GET /metrics answers text that
# passes a lint (promtool check metrics when installed, else the rules below: HELP and TYPE for
# every family, legal names, counters ending in _total, no duplicate series, histogram buckets
# cumulative and ending in +Inf), its counters grow with queries, other paths are 404.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig curl
require_vantaged
tap_plan 12

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
vantaged_conf "$T/vantaged.yaml" upstream="$U:5300" extra="metrics: { listen: \"$(unique_addr):0\" }"
start_vantaged "$T/vantaged.yaml" || bail_out "vantaged did not start"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
like "$URL" "^http://127\.[0-9.]+:[0-9]+/metrics$" "the bound metrics address is logged"
scrape() { timeout 10 curl -sf "$URL"; }
metric() { awk -v k="$1" '$1 == k { print $2; exit }' <<< "$2"; }

# lint FILE: the rules of the exposition format that matter to a scraper
lint() {
	awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { type[$3] = $4; if (seen_type[$3]++) { print "TYPE twice: " $3; bad = 1 }; next }
	/^#/ { next }
	/^$/ { next }
	{
		series = $1; name = series; sub(/\{.*/, "", name)
		if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) { print "bad name: " name; bad = 1 }
		if (series in seen) { print "duplicate series: " series; bad = 1 }
		seen[series] = 1
		fam = name
		if (!(fam in type)) { f2 = fam; sub(/_(bucket|sum|count)$/, "", f2); if (type[f2] == "histogram") fam = f2 }
		if (!(fam in type)) { print "no TYPE for " name; bad = 1 }
		if (!(fam in help)) { print "no HELP for " name; bad = 1 }
		if (type[fam] == "counter" && name !~ /_total$/) { print "counter without _total: " name; bad = 1 }
		if ($2 !~ /^[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/) { print "bad value: " $0; bad = 1 }
		if (type[fam] == "histogram" && name ~ /_bucket$/) {
			key = series; sub(/,?le="[^"]*"/, "", key)
			if ($2 + 0 < last[key] + 0) { print "bucket not cumulative: " series; bad = 1 }
			last[key] = $2
			if (series ~ /le="\+Inf"/) inf[key] = 1; else bk[key] = 1
		}
	}
	END { for (k in bk) if (!(k in inf)) { print "no +Inf bucket: " k; bad = 1 }; exit bad }' "$1"
}

m0=$(scrape); st=$?
is "$st" 0 "GET /metrics: 200"
printf '%s\n' "$m0" > "$T/m0.txt"
if command -v promtool > /dev/null; then
	ok "promtool check metrics" eval 'promtool check metrics < "$T/m0.txt"'
else
	ok "lint (promtool not installed)" lint "$T/m0.txt"
fi
like "$m0" "# TYPE vantaged_upstream_srtt_seconds gauge" "upstream SRTT gauge in seconds"
like "$m0" "vantaged_upstream_queries_total\{upstream=\"$U:5300\"\} 0" "per-upstream counters, labelled"

vdig www.example.test A > /dev/null
vdig www.example.test A > /dev/null
vdig hit.example.test A +tcp > /dev/null
m1=$(scrape)
printf '%s\n' "$m1" > "$T/m1.txt"
is "$(metric 'vantaged_queries_total{transport="udp"}' "$m1")" 2 "queries_total{udp} counts the UDP queries"
is "$(metric 'vantaged_queries_total{transport="tcp"}' "$m1")" 1 "queries_total{tcp} counts the TCP query"
cmp_ok "$(metric vantaged_cache_hits_total "$m1")" -gt "$(metric vantaged_cache_hits_total "$m0")" "cache hits grew"
cmp_ok "$(metric vantaged_cache_entries "$m1")" -ge 2 "cache entries gauge"
is "$(metric "vantaged_upstream_answers_total{upstream=\"$U:5300\"}" "$m1")" 2 "upstream answers counted"
ok "still lint-clean after traffic" lint "$T/m1.txt"
is "$(timeout 10 curl -s -o /dev/null -w '%{http_code}' "${URL%/metrics}/other")" 404 "other paths: 404"
