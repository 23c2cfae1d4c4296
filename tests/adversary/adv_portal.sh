#!/bin/bash
# tests/adversary/adv_portal.sh - captive portals (issue 17), as an operator and as an attacker
# see them.  The operator fails closed (on_insufficient: refuse); a captive portal makes every
# mirror unreachable while the local resolver answers, even connectivity-check names.  vantaged
# says so in `vantagectl status` and /metrics, and `vantagectl portal` opens a bounded login
# window in which answers that no mirror could judge go out flagged (EDE 22, "portal window").
#
# The attacker is the local resolver, and plays the portal perfectly (it answers the probe
# names too).  What it must not get: a window while any mirror is reachable (a dissent is never
# served), a name verified before (sticky evidence holds in the window), anything outliving the
# window (no agreement, no sticky address: the state file shows none), or a window that stays
# open once a mirror is reachable again.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require jq
tap_plan 37

PORTAL_ADDR=127.200.9.9
PROBES="connectivity-check.ubuntu.com detectportal.firefox.com captive.apple.com nmcheck.gnome.org connectivitycheck.gstatic.com www.msftconnecttest.com"

# write_liar T31: the liar's datafile, t31's address given (honest first, then a forgery).
# TTL 0 but for t35, so that vantaged's answer cache asks the liar each time; t35's answer
# stays in the cache, to be judged again once the mirrors are back.
write_liar() {
	local p
	liar_begin
	liar_honest t31.adv.test. A "t31.adv.test. 0 IN A $1"
	liar_honest t32.adv.test. A "t32.adv.test. 0 IN A $EVIL"
	liar_honest t33.adv.test. A "t33.adv.test. 0 IN A 127.200.1.33"
	liar_honest t35.adv.test. A "t35.adv.test. 300 IN A $EVIL2"
	for p in $PROBES; do liar_honest "$p." A "$p. 0 IN A $PORTAL_ADDR"; done
}
write_liar 127.200.1.31
liar_start || bail_out "cannot start the lying resolver"
adv_world c.on_insufficient=refuse extra="metrics: { listen: \"$(unique_addr):0\" }" ||
	bail_out "cannot build the world"
jctl() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" -j "$@"; }
ctl_err() { timeout 30 "$top_builddir/vantagectl" -s "$T/ctl-vd.sock" "$@" 2>&1 > /dev/null; }
portal_is() { [ "$(jctl status | jq -r .portal.state)" = "$1" ]; }
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
metric() { curl -sS --max-time 5 "$URL" | awk -v k="$1" '$1 == k { print $2 }'; }

# --- the mirrors answer: nothing in the way, and no window for anyone
out=$(adv_dig t31.adv.test A)
is "$(dig_rcode <<< "$out")/$(adv_dig t31.adv.test A +short)" "NOERROR/127.200.1.31" "t31 verified while the mirrors answer"
is "$(jctl status | jq -r '.portal.state + "/" + .portal.say')" "none/no captive portal in the way" \
	"status: no captive portal"
is "$(metric 'vantaged_portal_state{state="none"}')" 1 "/metrics: vantaged_portal_state{state=\"none\"} 1"
is "$(dig_rcode <<< "$(adv_dig t32.adv.test A)")" REFUSED "t32: the liar's address, the mirrors dissent: REFUSED"
like "$(ctl_err portal)" "^vantagectl: a mirror is reachable: no captive portal is in the way" \
	"the liar with the mirrors reachable: vantagectl portal is refused"
is "$(dig_rcode <<< "$(adv_dig t32.adv.test A)")" REFUSED "... and t32 stays REFUSED"
nok "... the liar's address reaches neither glibc nor dig" adv_evil_reached t32.adv.test

# --- the portal: every mirror unreachable, the resolver answers, the probe names too
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
write_liar "$EVIL"
liar_restart t31.adv.test A || bail_out "cannot restart the lying resolver"
# A question finds the mirrors gone (their idle connections closed without a word).
out=$(adv_dig t33.adv.test A)
is "$(dig_rcode <<< "$out")" SERVFAIL "no window yet: a name never verified fails closed (on_insufficient: refuse)"
like "$(ede_of <<< "$out")" "^2[23] vantage: " "... with EDE 22/23"
ok "every mirror stopped: status says a captive portal is suspected" wait_until 30 portal_is suspected
st=$(jctl status)
like "$(jq -r .portal.say <<< "$st")" "^captive portal suspected since [0-9-]+ [0-9:]+ UTC: no mirror reachable \\(.+\\) while the upstream resolves [a-z.-]+ to ${PORTAL_ADDR//./\\.} \\(private\\); run \`vantagectl portal\` to log in$" \
	"... in a sentence saying what to do"
like "$(jq -r .portal.since <<< "$st")" '^[0-9]{10}$' "... and since when"
is "$(metric 'vantaged_portal_state{state="suspected"}')/$(metric 'vantaged_portal_state{state="none"}')" "1/0" \
	"/metrics: vantaged_portal_state{state=\"suspected\"} 1"
ok "... logged" log_has "captive portal suspected: no mirror reachable"

# --- the operator opens the window
like "$(ctl_err portal 16)" "MINUTES must be 1 to 15" "vantagectl portal 16: refused (15 minutes at most)"
pw=$(jctl portal 1)
is "$(jq -r '"\(.ok)/\(.portal.state)"' <<< "$pw")" "true/window" \
	"vantagectl portal 1: the window is open"
cmp_ok "$(jq .portal.window_left_s <<< "$pw")" -le 60 "... for a minute at most"
ok "... logged with its length" log_has "captive portal window open for 1 minute: "
out=$(adv_dig t33.adv.test A)
is "$(dig_rcode <<< "$out")/$(adv_dig t33.adv.test A +short)" "NOERROR/127.200.1.33" \
	"in the window, a name never verified is served"
is "$(ede_of <<< "$out")" "22 vantage: portal window: not verified, no mirror reachable (3 asked)" \
	"... flagged: EDE 22, portal window"
is "$(adv_getent t33.adv.test)" "127.200.1.33" "... to glibc too (the portal's login page can load)"
out=$(adv_dig t31.adv.test A)
is "$(dig_rcode <<< "$out")" REFUSED "in the window, a forgery of a name verified before is still REFUSED"
nok "... its address reaches neither glibc nor dig" adv_evil_reached t31.adv.test
is "$(adv_dig t35.adv.test A +short)" "$EVIL2" "a name never verified, whatever the liar says, is served in the window (the trade-off)"
like "$(jq -r '.entries[] | select(.name == "t35.adv.test.") | .verdict' <<< "$(jctl cache dump)")" \
	'^(insufficient|null)$' "... its verdict is 'insufficient' (for 5 s), never an agreement"
cmp_ok "$(metric vantaged_portal_window_answers_total)" -ge 3 "/metrics: the window's answers counted"

# --- the window closes: by the operator, then as soon as a mirror is reachable
is "$(jctl portal close | jq -r '"\(.closed)/\(.portal.state)"')" "true/suspected" "vantagectl portal close: closed"
is "$(dig_rcode <<< "$(adv_dig t33.adv.test A)")" SERVFAIL "... and t33 fails closed again"
is "$(jctl portal | jq -r .portal.state)" window "vantagectl portal: open again (5 minutes)"
for r in eu us ap; do
	sed -i "s|^listen: .*|listen: [\"${MHP[$r]}\"]|" "$T/mirror-$r.yaml"
	start_mirror "$T/mirror-$r.yaml" "mirror-$r-again" || bail_out "mirror $r did not restart"
done
# Questions keep coming, as on a laptop: a mirror is tried again once its backoff is over.
asked_and_closed() { adv_dig t33.adv.test A > /dev/null; portal_is none; }
ok "the mirrors back: the window closes by itself (within their reconnection backoff)" \
	wait_until 70 asked_and_closed
ok "... logged" log_has "captive portal window closed \\(a mirror is reachable again\\)"
t35_refused() { [ "$(dig_rcode <<< "$(adv_dig t35.adv.test A)")" = REFUSED ]; }
ok "t35, served in the window: now the mirrors dissent, REFUSED (once its 5-s verdict is gone)" \
	wait_until 10 t35_refused
nok "... the liar's address reaches neither glibc nor dig" \
	eval "{ adv_getent t35.adv.test; adv_dig t35.adv.test A +short; } | grep -qF '$EVIL2'"
like "$(ctl_err portal)" "a mirror is reachable" "vantagectl portal: refused again"

# --- nothing the window served became evidence
stop_pid "$VANTAGED_PID"; is "$?" 0 "vantaged stops cleanly (state saved)"
ok "the state file keeps t31's verified address" grep -Eq '^a 0374333103616476047465737400 ' "$T/state-vd"
nok "... and nothing for t35, served only in the window" grep -Eq '^a 0374333503616476047465737400 ' "$T/state-vd"
