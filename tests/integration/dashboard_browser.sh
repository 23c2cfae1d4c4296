#!/bin/bash
# tests/integration/dashboard_browser.sh - the pages in a real browser (Debian's chromium,
# headless), against vantaged with a lying resolver and three honest mirrors on loopback: the
# status page draws the verdict chart with the dissents in it and counts the mirrors; the
# dissents page shows the refused name, the client, each mirror and its answer; a name carrying
# markup (<img/src/onerror=...> as a DNS label) is shown as text and injects no element; clients,
# mirrors and explain render. Screenshots are kept in the build tree as artifacts
# (tests/integration/dashboard_browser-*.png). Skips when chromium is not installed.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
adv_require
tap_plan 25

ART=$top_builddir/tests/integration
mkdir -p "$ART"
MARKUP='<img/src/onerror=alert\0401\041>'
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
liar_honest "$MARKUP.adv.test." A "$MARKUP.adv.test. 300 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"
DADDR=$(unique_addr)
adv_world extra="dashboard: { listen: \"$DADDR:0\", root: \"$top_srcdir/share/dashboard\" }" ||
	bail_out "cannot build the world"
P=$(sed -n 's|.*dashboard: serving http://[0-9.]*:\([0-9]*\)/.*|\1|p' "$VANTAGED_LOG" | head -n 1)
B=http://$DADDR:$P
CLIENT=$(unique_addr)
adv_dig www.adv.test A -b "$CLIENT" > /dev/null
is "$(adv_dig t1.adv.test A -b "$CLIENT" | dig_rcode)" REFUSED "the lie is refused"
is "$(adv_dig "$MARKUP.adv.test" A -b "$CLIENT" | dig_rcode)" REFUSED "the markup name is refused"

# chromium PAGE: the DOM after the page's scripts ran (virtual time lets its fetches finish),
# and a screenshot of it. As root chromium needs --no-sandbox; its profile is the test's own.
browse() {
	local page=$1 name=$2
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/chromium-$name" --window-size=1280,1000 \
		--virtual-time-budget=8000 --dump-dom "$B/$page" > "$T/$name.dom" 2>> "$T/chromium.log"
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/chromium-$name" --window-size=1280,1000 --hide-scrollbars \
		--virtual-time-budget=8000 --screenshot="$ART/dashboard_browser-$name.png" "$B/$page" \
		>> "$T/chromium.log" 2>&1
}
count() { grep -o -- "$1" "$T/$2.dom" | wc -l; }

# --- status
browse "" status
like "$(cat "$T/status.dom")" '<dd class="good">3 of 3</dd>' "status: three mirrors usable"
like "$(cat "$T/status.dom")" '<dt>captive portal</dt><dd class="good">no captive portal in the way</dd>' \
	"status: no captive portal"
ok "status: the chart is drawn" grep -q '<svg id="chart"' "$T/status.dom"
ok "status: the chart has dissent bars" test "$(count 'class="bar c-dissent"' status)" -ge 1
ok "status: and agreed ones" test "$(count 'class="bar c-agree"' status)" -ge 1
like "$(cat "$T/status.dom")" "dissent [1-9]" "status: the verdict counts"
ok "status: a screenshot kept" test -s "$ART/dashboard_browser-status.png"

# --- dissents and refusals
browse dissents.html dissents
like "$(cat "$T/dissents.dom")" '<td class="ev-name">t1\.adv\.test\.</td>' "dissents: the refused name"
like "$(cat "$T/dissents.dom")" "<td class=\"ev-client\">$CLIENT</td>" "dissents: its client"
like "$(cat "$T/dissents.dom")" '<td class="ev-action">refuse</td>' "dissents: the action"
for m in eu us ap; do
	like "$(cat "$T/dissents.dom")" "<li class=\"ev-mirror [a-z ]*\"><b>$m</b>" "dissents: mirror $m and its answer"
done
like "$(cat "$T/dissents.dom")" '<td class="ev-name">&lt;img/src/onerror=alert\(1\)&gt;\.adv\.test\.</td>' \
	"dissents: the markup name is shown as text"
is "$(count '<img' dissents)" 0 "dissents: no element was injected by it"
ok "dissents: a screenshot kept" test -s "$ART/dashboard_browser-dissents.png"

# --- clients, mirrors, explain
browse clients.html clients
like "$(cat "$T/clients.dom")" "<td class=\"cl-address\">$CLIENT</td>" "clients: the client"
browse mirrors.html mirrors
is "$(count '<tr class="mirror">' mirrors)" 3 "mirrors: three rows"
browse "explain.html?name=t1.adv.test" explain
like "$(cat "$T/explain.dom")" "dissent \\(rule" "explain: the verdict, as vantagectl explain gives it"
ok "explain: each mirror" test "$(count '<td class="ex-mirror">' explain)" = 3
# the markup name through the explain form: its records (owner name and all) are text too
browse "explain.html?name=%3Cimg%2Fsrc%2Fonerror%3Dalert%281%29%3E.adv.test" explain-markup
like "$(cat "$T/explain-markup.dom")" '<dd>&lt;img/src/onerror=alert\(1\)&gt;\.adv\.test\.</dd>' \
	"explain: the markup name, as text"
like "$(cat "$T/explain-markup.dom")" '<pre>&lt;img/src/onerror=alert\\\(1\\\)&gt;\.adv\.test\.[^<]*127\.201\.' \
	"explain: its records, as text"
is "$(count '<img' explain-markup)" 0 "explain: no element was injected"
