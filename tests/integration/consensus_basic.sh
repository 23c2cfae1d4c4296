#!/bin/bash
# tests/integration/consensus_basic.sh - vantaged cross-checks against three honest mirrors
# (eu, us, ap), its own upstream a poisoned "ISP" dnsmasq in front of the honest view.
# Honest names: the upstream's answer, no EDE, no dissent.  Poisoned names: REFUSED with EDE 0
# naming the dissent and the local address, a warning line and a JSON line in the dissent log,
# and glibc (getent, private resolv.conf) fails for them.  A bypass zone and a TXT question are
# answered by the upstream and never reach a mirror (the mirrors' upstreams log every name).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dnsmasq dig kdig drill curl jq getent unshare mount
require_vantaged
require_mirror
[ "$(id -u)" = 0 ] || skip_all "needs root (port 53 for glibc, unshare -m)"
tap_plan 40

# --- the world
cons_view honest honest.zone || bail_out "cannot start the honest view"
for r in eu us ap; do
	cons_view "$r" "$r.zone" || bail_out "cannot start the $r view"
	cons_logview "$r" || bail_out "cannot start the logging dnsmasq of $r"
done
cons_isp honest || bail_out "cannot start the ISP dnsmasq"
for r in eu us ap; do cons_mirror "$r" "$r" "$r" || bail_out "mirror $r did not start"; done
# glibc only talks to port 53
# consensus.allow_private off: the poisoned address, which no mirror was given, is refused by
# the private-address rule (every address here is loopback).
cons_vconf "$T/vd.yaml" listen="$(unique_addr):53" mirrors="eu us ap" c.allow_private=false
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
L=$VANTAGED_ADDR

# --- 1. honest world: the same answers as the upstream, no EDE, no dissent
for q in "www.example.test A" "www.example.test AAAA" "mx.example.test MX" "honest1.example.test A"; do
	# shellcheck disable=SC2086
	out=$(vdig $q)
	# shellcheck disable=SC2086
	is "$(answer_norm <<< "$out")" "$(qdig "${ISP%:*}" "${ISP#*:}" $q | answer_norm)" \
		"honest $q: the upstream's answer"
	is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... NOERROR without EDE"
done
like "$(vdig www.example.test A +short)" "^127\.193\.215\.14$" "www A is the honest address (again, from cache)"
out=$(timeout 10 kdig @"$L" -p 53 +retry=0 +timeout=2 honest2.example.test A)
like "$out" "honest2\.example\.test\..*A[[:space:]]+127\.193\.215\.102" "kdig: honest2 A answered"
unlike "$out" "EDE" "... without EDE"
ok "the verdicts were logged as agreements" log_has \
	'consensus: (www|honest1|honest2)\.example\.test\.? A: [23] of 3 mirrors corroborate \(rule equal\)'
nok "no dissent warning" log_has 'mirrors dissent'
is "$(cat "$T/dissent.jsonl" 2> /dev/null)" "" "the dissent log is empty"

# --- 2. the poisoned local resolver
out=$(vdig poisoned.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "poisoned.example.test A (an address no mirror was given): REFUSED"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.198\.100\.66\)$' \
	"... with EDE 0 naming the dissent and the local address"
is "$(answer_norm <<< "$out")" "" "... and no address"
out=$(vdig bank.example.test A)
is "$(dig_rcode <<< "$out")" REFUSED "bank.example.test A (an address of another network): REFUSED"
like "$(ede_of <<< "$out")" '^0 vantage: [23] of 3 mirrors dissent \(local 127\.145\.77\.80\)$' \
	"... with EDE 0 naming the local address"
out=$(timeout 10 drill -p 53 poisoned.example.test A @"$L")
like "$out" "rcode: REFUSED" "drill sees REFUSED too"
out=$(vdig +noedns poisoned.example.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "REFUSED/" "without EDNS: REFUSED, no OPT to carry an EDE"
ok "a warning line: consensus: NAME A: N of 3 mirrors dissent (local ...): refuse" log_has \
	'consensus: poisoned\.example\.test\.? A: [23] of 3 mirrors dissent \(local 127\.198\.100\.66\): refuse'
ok "the dissent log exists" test -s "$T/dissent.jsonl"
line=$(grep -m1 '"poisoned\.example\.test' "$T/dissent.jsonl")
is "$(jq -r '[.name, .type, .local, .outcome, .action] | join(" ")' <<< "$line" 2>&1)" \
	"poisoned.example.test. A 127.198.100.66 dissent refuse" \
	"the JSON line: name, type, local address, outcome, action"
like "$(jq -r .time <<< "$line" 2>&1)" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z$' \
	"... its time in RFC 3339 UTC with milliseconds, as the querylog writes it"
like "$(jq -r '[.mirrors[] | .mirror + "/" + .region + "=" + .answer + ":" + .evidence] | sort | join(" ")' \
	<<< "$line" 2>&1)" \
	'^ap/ap=(127\.193\.215\.66:dissents|timeout:failed) eu/eu=(127\.193\.215\.66:dissents|timeout:failed) us/us=(127\.193\.215\.66:dissents|timeout:failed)$' \
	"... and each mirror's answer (the honest address) and evidence"
is "$(jq -s '[.[] | select(.action == "refuse")] | length' "$T/dissent.jsonl" 2>&1)" \
	"$(grep -c 'mirrors dissent.*: refuse$' "$VANTAGED_LOG")" \
	"one JSON line per dissent warning, every one parses and says refuse"

# the real glibc path
printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$L" > "$T/resolv.conf"
printf 'hosts: files dns\n' > "$T/nsswitch.conf"
in_ns() {	# run a command with our resolv.conf and nsswitch.conf
	timeout 20 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
		sh "$T/resolv.conf" "$T/nsswitch.conf" "$@"
}
out=$(in_ns getent ahostsv4 poisoned.example.test); rc=$?
is "$rc/$out" "2/" "getent ahostsv4 poisoned.example.test fails (exit 2, no address)"
like "$(in_ns getent ahostsv4 honest3.example.test)" "^127\.193\.215\.103 " \
	"getent ahostsv4 honest3.example.test: the honest address"
like "$(in_ns getent hosts www.example.test)" "^(127\.193\.215\.14|::ffff:127.193.215.14) +www\.example\.test" \
	"getent hosts www.example.test succeeds"

# --- 10 and 11: a bypass zone and an unchecked type never reach a mirror.
# Each mirror talks to vantaged over one pipelined connection and to its logging dnsmasq in
# that order, so once a later checked name (the marker) is in every mirror's upstream log,
# anything asked before it would be there too.
marker_seen() { local r; for r in eu us ap; do grep -q "query\[A\] $1 " "$T/$r-queries.log" || return 1; done; }
vdig marker0.example.test A > /dev/null
ok "marker0 (checked) reached every mirror's upstream" wait_until 10 marker_seen marker0.example.test
declare -A before=()
for r in eu us ap; do before[$r]=$(mirror_queries "$r"); done
out=$(vdig host.intra.example.test A)
is "$(answer_norm <<< "$out")" "host.intra.example.test. IN A 127.193.215.90" "bypass zone: host.intra answered"
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... NOERROR without EDE"
ok "... by the upstream (the ISP dnsmasq logged it)" grep -q 'query\[A\] host\.intra\.example\.test ' "$T/isp-queries.log"
out=$(vdig txt.example.test TXT)
is "$(answer_norm <<< "$out")" 'txt.example.test. IN TXT "honest view"' "TXT: the upstream's answer"
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "... NOERROR without EDE"
vdig marker1.example.test A > /dev/null
ok "marker1 (checked, asked after them) reached every mirror's upstream" wait_until 10 marker_seen marker1.example.test
is "$(cat "$T"/{eu,us,ap}-queries.log | grep -c 'host\.intra')" 0 "no mirror's upstream saw host.intra.example.test"
is "$(cat "$T"/{eu,us,ap}-queries.log | grep -c 'txt\.example\.test')" 0 "no mirror's upstream saw txt.example.test"
d=""
for r in eu us ap; do d="$d $(( $(mirror_queries "$r") - before[$r] ))"; done
is "$d" " 1 1 1" "each mirror's dns_queries counter grew by one (the marker) across both"
