#!/bin/bash
# tests/integration/dashboard_api.sh - the dashboard's JSON API says what the control socket says:
# in the adversary world (a lying resolver, three honest mirrors), after an honest name, a refused
# lie and a refused name carrying markup, /api/status, /api/mirrors, /api/cache, /api/recent,
# /api/clients, /api/history and /api/explain give the same fields as `vantagectl -j` for the
# same state (one producer for both, report.c and explain.c); the refusals are in the ring with
# the client, the name, each mirror's answer and the action; the markup name is kept as the
# presentation form writes it (JSON-escaped only; the pages put it in with textContent).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 27

MARKUP='<img/src/onerror=alert\0401\041>'		# a label: any bytes are allowed in DNS
MARKUP_SHOWN='<img/src/onerror=alert(1)>.adv.test.'	# vantaged's presentation of it
liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
liar_honest "$MARKUP.adv.test." A "$MARKUP.adv.test. 300 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"
DADDR=$(unique_addr)
# The resolv.conf vantaged judges "in the system's path" by (adv_world writes it for glibc).
printf 'nameserver 127.0.0.1\n' > "$T/resolv.conf"
export VANTAGED_RESOLV_CONF=$T/resolv.conf
adv_world extra="dashboard: { listen: \"$DADDR:0\", root: \"$top_srcdir/share/dashboard\" }" ||
	bail_out "cannot build the world"
P=$(sed -n 's|.*dashboard: serving http://[0-9.]*:\([0-9]*\)/.*|\1|p' "$VANTAGED_LOG" | head -n 1)
B=http://$DADDR:$P
SOCK=$T/ctl-vd.sock
CLIENT=$(unique_addr)
api() { timeout 30 curl -sf "$B/api/$1"; }
jctl() { timeout 30 "$VANTAGECTL" -s "$SOCK" -j "$@"; }

adv_dig www.adv.test A -b "$CLIENT" > /dev/null
out=$(adv_dig t1.adv.test A -b "$CLIENT")
is "$(dig_rcode <<< "$out")" REFUSED "the lie is refused"
out=$(adv_dig "$MARKUP.adv.test" A -b "$CLIENT")
is "$(dig_rcode <<< "$out")" REFUSED "the name carrying markup is refused"

# --- the same state through both doors
same() {	# same WHAT JQ-FILTER API-PATH CTL-WORDS...
	local what=$1 f=$2 path=$3 a c; shift 3
	a=$(api "$path" | jq -S "$f") c=$(jctl "$@" | jq -S "$f")
	if [ -n "$a" ] && [ "$a" = "$c" ]; then pass "$what: the API says what vantagectl says"
	else fail "$what: the API says what vantagectl says"; diag "api: $a" "ctl: $c"; fi
}
same status 'del(.uptime_s)' status status
same mirrors '[.mirrors[] | {name, region, address, state, agreements, dissents, id, verify, why}], .total, .ready' mirrors mirrors
same "cache stats" '.' cache cache stats
same recent '.' recent recent
same "recent (the /api/dissents alias)" '.events' dissents recent
same clients '.' clients clients
same history '.' history history
a=$(api "explain?name=t1.adv.test&type=A") c=$(jctl explain t1.adv.test A)
f='[.name, .type, .checked, .verdict.outcome, .action, .ede, ([.mirrors[] | [.name, .region, .answer, .evidence]] | sort)]'
is "$(jq -c "$f" <<< "$a")" "$(jq -c "$f" <<< "$c")" "explain: the API says what vantagectl says"
is "$(jq -r '.verdict.outcome + " " + .action' <<< "$a")" "dissent refuse" "explain: dissent, refused"

# --- what the ring kept
r=$(api recent)
ev() { jq -r --arg n "$1" "[.events[] | select(.name == \$n)][0] | $2" <<< "$r"; }
is "$(ev t1.adv.test. .client)" "$CLIENT" "the refusal: the client"
is "$(ev t1.adv.test. '.action + " " + .outcome')" "refuse dissent" "the refusal: action and verdict"
is "$(ev t1.adv.test. '[.mirrors[].name] | sort | join(" ")')" "ap eu us" "the refusal: each mirror"
ok "the refusal: at least two mirrors dissent, none corroborates" test \
	"$(ev t1.adv.test. '[.mirrors[].evidence | select(. == "dissents")] | length')" -ge 2 -a \
	"$(ev t1.adv.test. '[.mirrors[].evidence | select(. == "corroborates")] | length')" = 0
# The mirrors that dissented carry their answer (a third may be "not waited for": the verdict
# was decided without it).
cmp_ok "$(ev t1.adv.test. '[.mirrors[] | select(.evidence == "dissents") | .answer |
	select(test("^(NXDOMAIN|127\\.200\\.)"))] | length')" -ge 2 "the refusal: each dissenting mirror's answer (the honest one)"
like "$(ev t1.adv.test. .ede_text)" "dissent" "the refusal: the EDE text"
is "$(ev "$MARKUP_SHOWN" .name)" "$MARKUP_SHOWN" "the markup name: as the presentation form writes it"
is "$(jq -r '[.events[].name] | index("www.adv.test.")' <<< "$r")" null "an agreed name is not in the ring"
c=$(api clients)
is "$(jq -r --arg c "$CLIENT" '.clients[] | select(.address == $c) | "\(.queries) \(.refused)"' <<< "$c")" "3 2" \
	"clients: the client's questions and refusals"
h=$(api history)
ok "history: the minute under way counts the dissents" test "$(jq -r '.current.dissent' <<< "$h")" -ge 2
is "$(jq -r '.outcomes | join(" ")' <<< "$h")" "agree dissent insufficient cached refused flagged" "history: the outcomes"
is "$(jctl history | jq -r .current.refused)" "$(jq -r .current.refused <<< "$h")" "history: refusals counted alike"
out=$(timeout 30 "$VANTAGECTL" -s "$SOCK" recent)
like "$out" "t1\\.adv\\.test\\." "vantagectl recent (table): the refused name"
is "$(api status | jq -r .resolv_conf.in_path)" true "status: resolv.conf sends the system to vantaged"
printf 'nameserver 127.0.0.1\nnameserver %s\n' "$L" > "$T/resolv.conf"
is "$(api status | jq -r .resolv_conf.in_path)" false "status: another resolver first: no longer in the path"
ok "metrics through the dashboard: the Prometheus text" \
	grep -q '^vantaged_verdicts_total' <(api metrics)
