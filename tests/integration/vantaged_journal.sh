#!/bin/bash
# tests/integration/vantaged_journal.sh - under systemd (stderr is the journal, as
# JOURNAL_STREAM says) log lines carry their syslog priority as sd-daemon's "<N>" prefix, so
# `journalctl -p warning` shows the warnings: a failed reload is <4>, start-up lines are <6>,
# and journald's own timestamp is not doubled. With a JOURNAL_STREAM that names another
# stream (a child that inherited it and logs to a file) lines keep their timestamp.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig stat
require_vantaged
tap_plan 6

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
conf=$T/vantaged.yaml
vantaged_conf "$conf" upstream="$U:5300"

# start_vantaged's first log is $T/vantaged1.log, truncated in place: its inode stays.
: > "$T/vantaged1.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/vantaged1.log") start_vantaged "$conf" ||
	bail_out "vantaged did not start"
like "$(grep -m 1 'main: ready' "$VANTAGED_LOG")" '^<6>main: ready' "journal: an info line is <6>, without a timestamp"
cp "$conf" "$T/good.yaml"
printf 'this is: [not valid\n' > "$conf"
kill -HUP "$VANTAGED_PID"
ok "journal: a failed reload is logged" wait_until 5 log_has "$conf:[0-9]+"
like "$(grep -m 1 "$conf:[0-9]" "$VANTAGED_LOG")" '^<4>' "journal: ... at priority warning (<4>)"
is "$(grep -cv '^<[0-7]>' "$VANTAGED_LOG")" 0 "journal: every line has a priority prefix"
cp "$T/good.yaml" "$conf"
stop_pid "$VANTAGED_PID"

# a JOURNAL_STREAM inherited by a process whose stderr is elsewhere: plain lines
JOURNAL_STREAM=$(stat -c '%d:%i' "$conf") start_vantaged "$conf" || bail_out "vantaged did not start again"
like "$(grep -m 1 'main: ready' "$VANTAGED_LOG")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* vantaged\[[0-9]+\]: main: ready' \
	"another stream named: timestamped lines as before"
is "$(grep -c '^<[0-7]>' "$VANTAGED_LOG")" 0 "... and no priority prefix"
