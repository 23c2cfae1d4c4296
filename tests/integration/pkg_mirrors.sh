#!/bin/bash
# tests/integration/pkg_mirrors.sh - etc/mirrors.yaml, the bootstrap list shipped to
# /etc/vantage/mirrors.yaml: vantaged loads every entry of it (none ignored), the public DoH
# resolvers are webpki entries on port 443 with hostnames from several operators and regions,
# the header asks for a review and says how webpki entries are verified, and the commented pinned
# example has the shape `vantage-mirror keygen` prints (a real keygen line loads beside them).
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
MIRRORS=$top_srcdir/etc/mirrors.yaml
tap_plan 10

entries=$(grep -c '^- {' "$MIRRORS")
cmp_ok "$entries" -ge 6 "at least 6 entries ($entries)"
ok "every entry: verify: webpki, a hostname, port 443" sh -c '
	grep "^- {" "$1" | grep -v "address: \"[0-9.]*:443\", region: [a-z]*, verify: webpki, hostname: [a-z0-9.-]*[a-z] }$" && exit 1
	exit 0' sh "$MIRRORS"
n=$(grep '^- {' "$MIRRORS" | sed 's/.*hostname: \([^ ]*\) }.*/\1/' | awk -F. '{ print $(NF-1) "." $NF }' | sort -u | wc -l)
cmp_ok "$n" -ge 6 "operators (registered domains of the hostnames): $n"
n=$(grep '^- {' "$MIRRORS" | sed 's/.*region: \([a-z]*\),.*/\1/' | sort -u | wc -l)
cmp_ok "$n" -ge 5 "regions: $n"
like "$(head -n 8 "$MIRRORS")" "REVIEW THIS FILE" "the header tells the operator to review it"
like "$(grep -v '^- ' "$MIRRORS")" "trust_store" "... and says how webpki mirrors are verified"

# vantaged with the file as its bootstrap list: every entry added, nothing ignored
start_nsd "$(unique_addr)" 5300 example.test example.test.zone || bail_out "nsd did not start"
# Tests talk to loopback only: no handshake at start, and no trust store (the webpki entries
# stay unusable, so that nothing ever connects to the public resolvers).
NOCONN="trust_store: \"$T/no-trust-store.pem\", connect_at_start: false"
vantaged_conf "$T/vd.yaml" level=info extra="mirrors: { bootstrap: \"$MIRRORS\", $NOCONN }"
ok "vantaged -n accepts a config whose bootstrap is etc/mirrors.yaml" "$VANTAGED" -n -c "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
ok "vantaged loads all $entries entries" log_has "bootstrap file .*mirrors\\.yaml: $entries mirrors added"
unlike "$(cat "$VANTAGED_LOG")" "ignored|skipped" "... none ignored or skipped"

# the commented pinned example, and a real keygen line, load too
if [ -x "$top_builddir/vantage-mirror" ]; then
	line=$("$top_builddir/vantage-mirror" keygen --dir "$T/keys" --address 198.51.100.7 --region eu 2> /dev/null)
	{ cat "$MIRRORS"; sed -n 's/^# \(- { name: .*ca_sha256: .*\)$/\1/p' "$MIRRORS"
	  sed 's/198\.51\.100\.7/198.51.100.8/' <<< "$line"; } > "$T/mirrors2.yaml"
	vantaged_conf "$T/vd2.yaml" level=info extra="mirrors: { bootstrap: \"$T/mirrors2.yaml\", $NOCONN }"
	stop_pid "$VANTAGED_PID"
	start_vantaged "$T/vd2.yaml" || bail_out "vantaged did not start"
	ok "the uncommented pinned example and a keygen line load beside them ($((entries + 2)) entries)" \
		log_has "bootstrap file .*mirrors2\\.yaml: $((entries + 2)) mirrors added"
else
	skip "vantage-mirror not built"
fi
