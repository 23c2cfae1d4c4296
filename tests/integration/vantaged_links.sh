#!/bin/bash
# tests/integration/vantaged_links.sh - split DNS learned from the links (forward_from).
# systemd-resolved keeps each link's servers and domains in a netif directory; here a fake
# one. A VPN link (DOMAINS=corp.test, its own SERVERS=) makes corp.test a forward zone: its
# names are answered by the VPN's resolver and seen by neither the upstream nor any mirror
# (both are logging dnsmasqs). The link going away sends them upstream again within the
# 2 s poll, and coming back brings the zone back; "~." (the default route) is no zone; a
# link naming resolved's stub or vantaged itself is refused with a log line (a loop).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig jq
require_vantaged
require_mirror
tap_plan 18

printf '$ORIGIN corp.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 30\n@ NS ns1\nns1 A 127.197.0.53\nwww A 127.197.0.1\n' \
	> "$T/corp.zone"
C=$(unique_addr)
start_nsd "$C" 5300 corp.test "$T/corp.zone" || bail_out "cannot start the VPN's resolver"
cons_view honest honest.zone || bail_out "cannot start the honest view"
cons_logview honest || bail_out "cannot start the upstream's logging dnsmasq"
for r in eu us ap; do
	cons_view "$r" "$r.zone" || bail_out "cannot start the $r view"
	cons_logview "$r" || bail_out "cannot start the logging dnsmasq of $r"
	cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"
done

# link IFINDEX TEXT: write a link's file as resolved does (a new file renamed over the old)
NETIF=$T/netif
mkdir -p "$NETIF"
link() { printf '# This is private data. Do not parse.\n%s\n' "$2" > "$NETIF/.#$1" && mv -f "$NETIF/.#$1" "$NETIF/$1"; }
link 2 "LLMNR=yes
DEFAULT_ROUTE=yes
SERVERS=${VIEW[honest]}
DOMAINS=~."
link 5 "DEFAULT_ROUTE=no
SERVERS=$C:5300
DOMAINS=corp.test"

cons_vconf "$T/vd.yaml" upstream="${VIEW[honest]}" mirrors="eu us ap" \
	extra="forward_from: [\"$NETIF\"]" || bail_out "no config"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
corp_seen() { cat "$T"/{honest,eu,us,ap}-queries.log | grep -c 'corp\.test'; }

ok "the VPN's zone is learned at start" \
	log_has "forward zones learned from the links: corp\\.test to $C:5300 \\(was none\\)"
is "$(vdig +short www.corp.test A)" "127.197.0.1" "corp.test: answered by the VPN's resolver"
is "$(timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j status | jq -c '[.forward[] | select(.learned)]')" \
	"[{\"zone\":\"corp.test\",\"to\":[\"$C:5300\"],\"learned\":true}]" "vantagectl status shows the learned zone"
is "$(corp_seen)" 0 "... which neither the upstream nor any mirror's upstream saw"
like "$(vdig +short www.example.test A)" "^127\\.193\\.215\\." "~. is no zone: other names go upstream"
ok "... and are cross-checked" wait_until 10 log_has "www\\.example\\.test\\. A: [0-9] of 3 mirrors corroborate"

# the VPN goes down: its link file goes
t0=$(now_ms)
rm -f "$NETIF/5"
ok "link removed: the zone goes" \
	wait_until 3 log_has "forward zones learned from the links: none \\(was corp\\.test to $C:5300\\)"
cmp_ok "$(( $(now_ms) - t0 ))" -le 2600 "... within the 2 s poll"
vdig www.corp.test A > /dev/null
cmp_ok "$(grep -c 'www\.corp\.test' "$T/honest-queries.log")" -ge 1 \
	"... and its names go upstream again (the cached answer of the VPN's resolver is gone)"

# the VPN comes back
link 5 "SERVERS=$C:5300
DOMAINS=~corp.test"
_corp() { [ "$(vdig +short www.corp.test A)" = 127.197.0.1 ]; }
ok "link back (route-only ~corp.test): answered by the VPN's resolver again" wait_until 3 _corp
# Counted on a name never asked before: the checks of www.corp.test made while the link was
# gone may still have a mirror's question on its way (a check decides on two of three).
vdig www.corp.test A > /dev/null
vdig mail.corp.test A > /dev/null
is "$(cat "$T"/{honest,eu,us,ap}-queries.log | grep -c 'mail\.corp\.test')" 0 \
	"... and nobody else sees its names (mail.corp.test, never asked before)"

# loops: resolved's stub, or vantaged itself
link 7 "SERVERS=127.0.0.53 $VANTAGED_ADDR:$VANTAGED_PORT
DOMAINS=loop.test"
ok "a link naming resolved's stub is refused" \
	wait_until 3 log_has "$NETIF/7: not forwarding loop\\.test to 127\\.0\\.0\\.53:53: systemd-resolved's stub \\(a loop\\)"
ok "... and one naming vantaged's own address" \
	log_has "$NETIF/7: not forwarding loop\\.test to $VANTAGED_ADDR:$VANTAGED_PORT: vantaged's own address \\(a loop\\)"
nok "... loop.test is not learned" log_has "learned from the links: .*loop\\.test"

# a reload keeps the learned zones, without saying it again
n=$(grep -c 'forward zones learned from the links' "$VANTAGED_LOG")
kill -HUP "$VANTAGED_PID"
ok "reload" wait_until 10 log_has "configuration reloaded"
is "$(vdig +short www.corp.test A)/$(grep -c 'forward zones learned from the links' "$VANTAGED_LOG")" \
	"127.197.0.1/$n" "... the learned zone stays, no new line"

stop_pid "$VANTAGED_PID"; st=$?
is "$st" 0 "vantaged stops cleanly (exit 0; no sanitizer report in an ASAN build)"
nok "... nothing from a sanitizer in its log" log_has "Sanitizer|runtime error"
