#!/bin/bash
# tests/adversary/adv_stale.sh - serve-stale (RFC 8767, cache.serve_stale) as an attacker sees
# it. When the upstream fails (it answers SERVFAIL, or not at all), a name whose answer the
# mirrors corroborated is served from its expired entry with TTL 30 and EDE 3 (Stale Answer),
# to dig and to glibc. An attacker who makes the upstream fail gains nothing by it: a name
# whose answer was refused (a lie) is never served stale, neither is a name never verified,
# and the lie's address reaches no one. An upstream that is only slow gets the same after
# cache.stale_after (RFC 8767's client-response timer), not after the whole upstream timeout.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
tap_plan 18

# Answers of 2 s, so that they expire within the test.
write_liar() {	# write_liar t2-rcode
	liar_begin
	liar_honest www.adv.test. A "www.adv.test. 2 IN A 127.200.0.10"
	liar_honest t1.adv.test. A "t1.adv.test. 2 IN A $EVIL"
	if [ "$1" = NOERROR ]; then
		liar_honest t2.adv.test. A "t2.adv.test. 2 IN A 127.200.1.2"
	else
		liar_entry t2.adv.test. A "QR RD RA" SERVFAIL
		liar_end
	fi
}
write_liar NOERROR
liar_start || bail_out "cannot start the lying resolver"
adv_world upstream_timeout=500ms "serve_stale=1h, stale_after: 300ms" || bail_out "cannot build the world"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }

is "$(adv_dig www.adv.test A +short)" "127.200.0.10" "www: corroborated and served"
is "$(dig_rcode <<< "$(adv_dig t1.adv.test A)")" REFUSED "t1 (a lie): refused"
is "$(adv_dig t2.adv.test A +short)" "127.200.1.2" "t2: corroborated and served"

# stale_of NAME: "RCODE ADDRESS TTL EDE" of vantaged's answer
stale_of() {
	local out
	out=$(adv_dig "$1" A)
	echo "$(dig_rcode <<< "$out") $(awk '$4 == "A" { print $5, $2; exit }' <<< "$(answer_norm_ttl <<< "$out")") $(ede_of <<< "$out" | cut -d' ' -f1)"
}
answer_norm_ttl() { sed -n '/^;; ANSWER SECTION:/,/^$/p' | grep -v '^;' | grep .; }
_stale_now() { [ "$(stale_of "$1" | cut -d' ' -f4)" = 3 ]; }

# 1. the upstream answers SERVFAIL for t2 once its answer expired
write_liar SERVFAIL
liar_restart t1.adv.test. A || bail_out "cannot restart the lying resolver"
ok "upstream SERVFAIL: t2 is served stale once expired" wait_until 15 _stale_now t2.adv.test
is "$(stale_of t2.adv.test)" "NOERROR 127.200.1.2 30 3" "... the verified address, TTL 30, EDE 3"
like "$(ede_of <<< "$(adv_dig t2.adv.test A)")" "^3 .*stale answer.*SERVFAIL" "... its EDE text says why"

# 2. no upstream at all
for pid in "${_SPAWNED[@]}"; do
	case ${_SPAWN_NAME[$pid]:-} in liar|liar-*) stop_pid "$pid" ;; esac
done
ok "upstream gone: www is served stale once expired" wait_until 15 _stale_now www.adv.test
is "$(stale_of www.adv.test)" "NOERROR 127.200.0.10 30 3" "... the verified address, TTL 30, EDE 3"
is "$(adv_getent www.adv.test)" "127.200.0.10" "... and glibc gets it"
out=$(adv_dig t1.adv.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "the refused lie t1: SERVFAIL, never served stale"
unlike "$out" "$EVIL" "... its address appears nowhere"
nok "... and reaches neither glibc nor dig" adv_evil_reached t1.adv.test
is "$(dig_rcode <<< "$(adv_dig never.adv.test A)")" SERVFAIL "a name never verified: SERVFAIL"
like "$(jctl status | jq -r '.answers.stale')" '^[1-9][0-9]*$' "vantagectl status counts the stale answers"

# 3. a slow upstream (it takes questions and never answers), a 4 s upstream timeout
SINK=$(unique_addr)
spawn sink /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],53)); print("up",flush=True)
while True: s.recv(4096)' "$SINK"
wait_until 5 grep -q up "$T/sink.log" || bail_out "the slow upstream did not start"
sed -i "s|^upstreams: .*|upstreams: [\"$SINK:53\"]|; s|^upstream_timeout: .*|upstream_timeout: 4s|" "$T/vd.yaml"
kill -HUP "$VANTAGED_PID"
wait_until 10 log_has "forwarding to $SINK:53" || bail_out "the reload did not take the slow upstream"
out=$(adv_dig www.adv.test A)
is "$(dig_rcode <<< "$out") $(ede_of <<< "$out" | cut -d' ' -f1)" "NOERROR 3" "slow upstream: www served stale"
like "$(ede_of <<< "$out")" "the upstream is slow" "... its EDE says why"
like "$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' <<< "$out")" '^([0-9]{1,3}|1[0-9]{3})$' \
	"... within 2 s (the client-response timer), not after the 4 s upstream timeout"
ok "vantaged is alive" alive "$VANTAGED_PID"
