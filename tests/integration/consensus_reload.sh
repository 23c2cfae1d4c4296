#!/bin/bash
# tests/integration/consensus_reload.sh - a reload that changes nothing the mirrors are made of
# (the nightly one logrotate sends) keeps the mirror set: its connections (no new handshake),
# its counters, the answers it verified; the upstreams' counters keep counting across any
# reload (Prometheus counters must not drop). A reload that changes the mirror list builds the
# set again, with the new list.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dig jq
require_vantaged
require_mirror
tap_plan 12

cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do cons_mirror "$r" "$r" honest || bail_out "mirror $r did not start"; done
cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap" || bail_out "no config"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }
# field FIELD: "name=value ..." of every mirror
field() { jctl mirrors | jq -r --arg f "$1" '[.mirrors[] | "\(.name)=\(.[$f])"] | sort | join(" ")'; }
upq() { jctl status | jq -r '.upstreams[0].queries'; }
# accepted NAME: the TLS connections mirror NAME accepted so far (this one included)
accepted() {
	curl -sS --max-time 5 --cacert "${MKEYS[$1]}/ca.pem" "https://${MHP[$1]}/v1/health" |
		sed -n 's/.*"accepted":\([0-9]*\).*/\1/p'
}

for n in 1 2 3 4; do vdig "honest$n.example.test" A > /dev/null; done
ok "the mirrors answered" wait_until 10 sh -c '[ "$("$1" -s "$2" -j mirrors | jq "[.mirrors[].answers] | add")" -ge 4 ]' \
	sh "$top_builddir/vantagectl" "$T/ctl-vd.sock"
hs=$(field handshakes) q=$(field queries) up=$(upq) acc=$(accepted eu)
like "$up" '^[1-9][0-9]*$' "the upstream was asked ($up)"

# --- 1. the same configuration again (touched, rewritten with the same content)
cp "$T/vd.yaml" "$T/vd.yaml.new" && mv "$T/vd.yaml.new" "$T/vd.yaml"
kill -HUP "$VANTAGED_PID"
ok "reload: the mirrors are kept" wait_until 10 log_has "reload: mirrors unchanged, connections kept"
ok "... the reload completed" wait_until 10 log_has "configuration reloaded"
is "$(field handshakes)" "$hs" "... no mirror made a new handshake"
is "$(field queries)" "$q" "... their counters kept counting from where they were"
vdig honest6.example.test A > /dev/null
is "$(accepted eu)" "$((acc + 1))" "... a new name went over the old connection (eu accepted only this check's)"
vdig honest5.example.test A > /dev/null
like "$(upq)" '^[0-9]+$' "the upstream answers after the reload"
ok "... its counter kept counting (was $up)" test "$(upq)" -gt "$up"
qsum=$(jctl mirrors | jq '[.mirrors[].queries] | add')
vdig honest1.example.test A > /dev/null
is "$(jctl mirrors | jq '[.mirrors[].queries] | add')" "$qsum" "a name verified before the reload is served without asking a mirror"

# --- 2. a mirror removed: the set is built again, with two mirrors
cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us" || bail_out "no config"
kill -HUP "$VANTAGED_PID"
ok "reload with another list: the set is built again" wait_until 10 sh -c \
	'[ "$("$1" -s "$2" -j mirrors | jq -r "[.mirrors[].name] | sort | join(\" \")")" = "eu us" ]' \
	sh "$top_builddir/vantagectl" "$T/ctl-vd.sock"
unlike "$(grep -c 'reload: mirrors unchanged' "$VANTAGED_LOG")" '^[2-9]' "... and not reported as unchanged"
