#!/bin/bash
# tests/integration/vantaged_forward.sh - split DNS (forward:). Names of a VPN's or the LAN's
# zone go to that zone's resolvers, the longest zone winning, and never to a mirror: neither
# the mirrors nor their upstreams see them, since a corporate name is the corporation's to
# know. Other names are cross-checked as before. A reload adds a zone without a restart, and a
# forward to vantaged itself is refused as a loop.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig jq
require_vantaged
require_mirror
tap_plan 12

zone() {	# zone FILE ORIGIN ADDRESS: a zone with www at ADDRESS
	printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 30\n@ NS ns1\nns1 A 127.197.0.53\nwww A %s\n' \
		"$2" "$3" > "$1"
}
zone "$T/corp.zone" corp.test 127.197.0.1
zone "$T/deep.zone" deep.corp.test 127.197.1.1
zone "$T/lan.zone" lan.test 127.197.2.1
C=$(unique_addr) D=$(unique_addr) N=$(unique_addr)
start_nsd "$C" 5300 corp.test "$T/corp.zone" || bail_out "cannot start the corp resolver"
start_nsd "$D" 5300 deep.corp.test "$T/deep.zone" || bail_out "cannot start the deep resolver"
start_nsd "$N" 5300 lan.test "$T/lan.zone" || bail_out "cannot start the lan resolver"

cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do
	cons_view "$r" "$r.zone" || bail_out "cannot start the $r view"
	cons_logview "$r" || bail_out "cannot start the logging dnsmasq of $r"
	cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"
done
FWD="forward:
  - { zone: corp.test, to: [\"$C:5300\"] }
  - { zone: deep.corp.test, to: [\"$D:5300\"] }"
cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap" || bail_out "no config"
echo "$FWD" >> "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }

is "$(vdig +short www.corp.test A)" "127.197.0.1" "corp.test: answered by its own resolver"
is "$(vdig +short www.deep.corp.test A)" "127.197.1.1" "deep.corp.test: the longer zone wins"
is "$(dig_rcode <<< "$(vdig www.corp.test A)")/$(ede_of <<< "$(vdig www.corp.test A)")" "NOERROR/" \
	"... NOERROR, no EDE"
like "$(vdig +short www.example.test A)" "^127\\.193\\.215\\." "other names still go upstream"
ok "... and are cross-checked" wait_until 10 log_has "www\\.example\\.test\\. A: [0-9] of 3 mirrors corroborate"
is "$(cat "$T"/{eu,us,ap}-queries.log | grep -c 'corp\.test')" 0 "no mirror's upstream saw a corp.test name"
is "$(jctl mirrors | jq -r '[.mirrors[].queries | tostring] | join(" ")')" "1 1 1" \
	"each mirror was asked once (www.example.test), never for corp.test"

# a reload adds a zone
echo "  - { zone: lan.test, to: [\"$N:5300\"] }" >> "$T/vd.yaml"
kill -HUP "$VANTAGED_PID"
ok "reload" wait_until 10 log_has "configuration reloaded"
is "$(vdig +short www.lan.test A)" "127.197.2.1" "a zone added by a reload is forwarded"
is "$(cat "$T"/{eu,us,ap}-queries.log | grep -c 'lan\.test')" 0 "... and never reaches a mirror"

# a loop is refused
printf 'listen: ["127.0.0.1:53"]\nupstreams: ["%s:5300"]\nforward:\n  - { zone: corp.test, to: ["127.0.0.1:53"] }\n' \
	"$C" > "$T/loop.yaml"
like "$("$VANTAGED" -n -c "$T/loop.yaml" 2>&1)" "forward: 127\\.0\\.0\\.1:53 \\(corp\\.test\\) is one of our own listen addresses \\(a loop\\)" \
	"a forward to vantaged itself is refused"
printf 'upstreams: ["%s:5300"]\nforward:\n  - { zone: ".", to: ["%s:5300"] }\n' "$C" "$C" > "$T/root.yaml"
like "$("$VANTAGED" -n -c "$T/root.yaml" 2>&1)" "the root is not a forward zone" "the root is refused"
