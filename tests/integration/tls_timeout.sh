#!/bin/bash
# tests/integration/tls_timeout.sh - issue 12, finding 8: bufferevent timeouts on a client TLS
# filter (lib/tls.c), freed by its owner from the timeout callback. Run it in the ASAN build:
# the old lib/tls.c freed the TLS state twice when the timeout ran in the same loop turn as the
# end of the handshake (its deferred flush took a reference on a bufferevent already freed, and
# its handshake hook called the owner back after the owner had gone).
#   1. a listener that accepts TCP and never speaks: the timeout ends it, state freed once;
#   2. a real TLS server answering while the client's loop is blocked past its timeout: the
#      handshake and the timeout land in one loop turn; state freed once, no late hook;
#   3. the same without a stall: the handshake wins, the hook runs once.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
require_progs openssl
TOOL=$TOOLS_DIR/tlstimeout
[ -x "$TOOL" ] || skip_all "tlstimeout not built (make check builds it)"
[ -x "$MIRROR_BIN" ] || skip_all "vantage-mirror not built"
tap_plan 7

SINK=$(unique_addr) S=$(unique_addr)
start_sink "$SINK" 8443 || bail_out "cannot start the silent listener"
out=$(timeout 20 "$TOOL" "$SINK" 8443 300 --write "GET / HTTP/1.1" 2>&1)
like "$out" "^timeout" "a listener that never speaks: the read timeout ends the handshake"
like "$out" "freed=1 late_hook=0$" "... the TLS state is freed once (no double free)"

mirror_keygen "$T/site" "$S" || bail_out "keygen failed"
spawn s_server openssl s_server -accept "$S:8443" -cert "$T/site/server.pem" \
	-key "$T/site/server.key" -cert_chain "$T/site/ca.pem" -naccept 100 -quiet
listening() { (exec 3<>"/dev/tcp/$S/8443") 2> /dev/null; }
wait_until 10 listening || bail_out "openssl s_server did not start"
out=$(timeout 20 "$TOOL" "$S" 8443 200 --write "GET / HTTP/1.1" --stall 600 2>&1)
like "$out" "^timeout" "handshake and timeout in one loop turn: the owner frees on the timeout"
like "$out" "freed=1 late_hook=0$" "... freed once, and no hook runs after the owner is gone"
unlike "$out" "too few references" "... and libevent never tears the bufferevent down twice"
out=$(timeout 20 "$TOOL" "$S" 8443 2000 --write "GET / HTTP/1.1" 2>&1)
like "$out" "^handshake" "no stall: the handshake hook runs"
like "$out" "freed=1 late_hook=0$" "... once, and the state is freed once"
