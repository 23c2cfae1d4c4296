#!/bin/bash
# tests/integration/pkg_logrotate.sh - packaging/debian/vantage.logrotate with the real
# logrotate: it is valid as shipped; run on a live vantaged's dissent log (its path moved
# into the test's directory, its postrotate a SIGHUP to this vantaged, as `systemctl reload`
# sends), the old lines end in dissent.jsonl.1, the next dissent is written to a new
# dissent.jsonl, and vantaged keeps answering.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
require_progs logrotate
tap_plan 8

SHIPPED=$top_srcdir/packaging/debian/vantage.logrotate
ok "logrotate accepts the shipped file" logrotate -d -s "$T/dry.state" "$SHIPPED"

liar_begin
liar_honest t1.adv.test. A "t1.adv.test. 300 IN A $EVIL"
liar_honest t2.adv.test. A "t2.adv.test. 300 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"
mkdir -p "$T/log"
adv_world dissent="$T/log/dissent.jsonl" || bail_out "cannot build the world"

is "$(dig_rcode <<< "$(adv_dig t1.adv.test A)")" REFUSED "a lie before the rotation: REFUSED"
ok "... and written to the dissent log" wait_until 5 grep -q '"t1\.adv\.test\."' "$T/log/dissent.jsonl"

# The shipped file, pointed at this vantaged: only the path and the reload command change.
sed -e "s|/var/log/vantage/|$T/log/|" \
    -e "s|^\t\tif \[ -d /run/systemd/system \].*|\t\tkill -HUP $VANTAGED_PID|" "$SHIPPED" > "$T/lr.conf"
grep -q "kill -HUP $VANTAGED_PID" "$T/lr.conf" || bail_out "cannot point the logrotate file at the test"
logrotate -f -s "$T/lr.state" "$T/lr.conf" > "$T/lr.log" 2>&1 || diag "$(cat "$T/lr.log")"
ok "rotated: the old lines are in dissent.jsonl.1" grep -q '"t1\.adv\.test\."' "$T/log/dissent.jsonl.1"
ok "vantaged reloaded (and so reopened its dissent log)" wait_until 5 log_has 'configuration reloaded'

is "$(dig_rcode <<< "$(adv_dig t2.adv.test A)")" REFUSED "a lie after the rotation: REFUSED"
ok "... written to a new dissent.jsonl" wait_until 5 grep -q '"t2\.adv\.test\."' "$T/log/dissent.jsonl"
nok "... not to the rotated one" grep -q 't2\.adv\.test' "$T/log/dissent.jsonl.1"
