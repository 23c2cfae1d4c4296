#!/bin/bash
# tests/integration/ctl_explain.sh - vantagectl in a real mirror world: three honest
# vantage-mirrors (eu, us, ap) and a poisoned "ISP" upstream. explain of an honest name shows the
# local answer, each mirror's answer and evidence, the rule, the verdict "agree" and no EDE;
# explain of a poisoned name shows the cached dissent and a fresh one, action refuse, EDE 0;
# a TXT question and a name under consensus.bypass are answered plainly and say why. `mirrors`
# lists the three with their state and counters; the metrics carry their RTT histograms.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig curl jq
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
tap_plan 26

# --- the world
cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do cons_view "$r" "$r.zone" || bail_out "cannot start the $r view"; done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
cons_vconf "$T/vd.yaml" mirrors="eu us ap"
echo "metrics: { listen: \"$(unique_addr):0\" }" >> "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
SOCK=$T/ctl-vd.sock
jctl() { timeout 30 "$VANTAGECTL" -s "$SOCK" -j "$@"; }

# --- an honest name: agreement, with the evidence
e=$(jctl explain www.example.test A); st=$?
is "$st" 0 "explain www.example.test A: exit 0"
is "$(jq -r .checked <<< "$e")" true "checked"
is "$(jq -r .verdict.outcome <<< "$e")" agree "fresh verdict: agree"
is "$(jq -r '.mirrors | length' <<< "$e")" 3 "three mirrors asked"
is "$(jq -r '[.mirrors[].name] | sort | join(" ")' <<< "$e")" "ap eu us" "by name"
# check.c decides once a quorum (2 of 3) corroborates: the third may be "not waited for"
cmp_ok "$(jq -r '[.mirrors[] | select(.evidence == "corroborates")] | length' <<< "$e")" -ge 2 "a quorum corroborates"
is "$(jq -r '[.mirrors[] | select(.evidence != "corroborates" and .evidence != "not waited for")] | length' <<< "$e")" 0 \
	"no mirror dissents or fails"
like "$(jq -r '[.mirrors[] | select(.evidence == "corroborates") | .rule] | unique | join(" ")' <<< "$e")" \
	"^(equal|addresses|rcode)( |$)" "corroborating mirrors name the rule that held"
like "$(jq -r '.local' <<< "$e")" "127\.193\.215\.14" "the local answer"
is "$(jq -r '.action + "/" + (.ede|tostring)' <<< "$e")" "serve/null" "action serve, no EDE"
like "$(timeout 30 "$VANTAGECTL" -s "$SOCK" explain www.example.test A)" "outcome=agree" "the table form shows the verdict"

# --- a poisoned name: the cached dissent and a fresh one
is "$(vdig bank.example.test A | dig_rcode)" REFUSED "a client gets REFUSED for bank.example.test"
e=$(jctl explain bank.example.test A)
is "$(jq -r .cached.outcome <<< "$e")" dissent "explain: the verified cache holds the dissent"
is "$(jq -r .verdict.outcome <<< "$e")" dissent "fresh verdict: dissent"
cmp_ok "$(jq -r '[.mirrors[] | select(.evidence == "dissents")] | length' <<< "$e")" -ge 2 "the mirrors dissent"
is "$(jq -r '.action + "/" + (.ede|tostring)' <<< "$e")" "refuse/0" "action refuse, EDE 0"
like "$(jq -r .ede_text <<< "$e")" "dissent" "EXTRA-TEXT says why"
like "$(jq -r .local <<< "$e")" "127\.145\.77\.80" "the local (poisoned) answer is shown"

# --- questions that are not cross-checked
e=$(jctl explain www.example.test TXT)
is "$(jq -r .checked <<< "$e")" false "TXT: not checked"
like "$(jq -r .reason <<< "$e")" "check_types" "TXT: because of consensus.check_types"
e=$(jctl explain host.intra.example.test A)
like "$(jq -r .reason <<< "$e")" "bypass intra\.example\.test" "a bypassed name: says which bypass zone"

# --- mirrors and their metrics
m=$(jctl mirrors)
is "$(jq -r '.total' <<< "$m")" 3 "mirrors: three"
is "$(jq -r '[.mirrors[] | select(.state == "up")] | length' <<< "$m")" 3 "mirrors: all up"
cmp_ok "$(jq -r '[.mirrors[].answers] | add' <<< "$m")" -ge 6 "mirrors: answers counted"
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
cnt=$(timeout 10 curl -sf "$URL" | awk '$1 == "vantaged_mirror_rtt_seconds_count{mirror=\"eu\"}" { print $2 }')
cmp_ok "${cnt:-0}" -ge 2 "metrics: the eu mirror's RTT histogram counts its answers"
stop_pid "$VANTAGED_PID" 20
is "$?" 0 "SIGTERM: exit 0 (99 under VANTAGED_WRAPPER=valgrind means a leak)"
