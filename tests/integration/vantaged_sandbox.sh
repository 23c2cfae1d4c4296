#!/bin/bash
# tests/integration/vantaged_sandbox.sh - after start-up vantaged runs with no_new_privs,
# Landlock (when the kernel offers it) and a seccomp allowlist: it still answers, reloads,
# and saves its state, while exec is refused; `sandbox: false` turns it all off.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd nsd-control dig
require_vantaged
tap_plan 11

U=$(unique_addr)
start_nsd "$U" 5300 example.test example.test.zone || bail_out "cannot start nsd"
L=$(unique_addr)
# The configuration in a directory of its own, apart from the writable ones (state, control).
mkdir -p "$T/etc" "$T/run"
vantaged_conf "$T/etc/on.yaml" listen="$L:0" upstream="$U:5300"
sed -i "s|$T/state|$T/run/state|; s|$T/ctl.sock|$T/run/ctl.sock|" "$T/etc/on.yaml"
start_vantaged "$T/etc/on.yaml" || bail_out "vantaged did not start"
like "$(cat "$VANTAGED_LOG")" "main: sandbox: no_new_privs, landlock (on|not offered by the kernel), seccomp (on|not built|off \\(sanitizer build\\))" \
	"the sandbox is applied at start-up and says what it holds"
like "$(cat "$VANTAGED_LOG")" "sandbox: self-test: exec of /bin/true refused" "exec is refused inside the sandbox"
like "$(vdig +short www.example.test A)" "127.192.0.1" "it still answers"
like "$(vdig +tcp +short www.example.test AAAA)" "::ffff:127.192.6.1" "... over TCP too"
grep -q 'NoNewPrivs:[[:space:]]*1' "/proc/$VANTAGED_PID/status"
is "$?" 0 "the kernel reports NoNewPrivs for the daemon"
# A reload still reads the configuration, also when an atomic edit (sed -i: a new file renamed
# over the old) replaced it: Landlock holds inodes, so the rule is on the file's directory.
sed -i 's/^upstream_timeout: .*/upstream_timeout: 2s/' "$T/etc/on.yaml"
kill -HUP "$VANTAGED_PID"
ok "a reload reads the configuration replaced by rename (sed -i)" wait_until 10 log_has "configuration reloaded"
unlike "$(cat "$VANTAGED_LOG")" "reload failed" "... and applies it"
stop_pid "$VANTAGED_PID" > /dev/null
is "$?" 0 "SIGTERM: exit 0"
ok "the state file was written at shutdown (atomic rename in its directory)" test -s "$T/run/state"

vantaged_conf "$T/off.yaml" listen="$L:0" upstream="$U:5300" extra="sandbox: false"
start_vantaged "$T/off.yaml" || bail_out "vantaged did not start without the sandbox"
like "$(cat "$VANTAGED_LOG")" "sandbox: off" "sandbox: false turns it off"
like "$(vdig +short www.example.test A)" "127.192.0.1" "... and it answers"
