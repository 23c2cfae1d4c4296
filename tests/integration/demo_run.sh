#!/bin/bash
# tests/integration/demo_run.sh - demo/demo.sh, run as a newcomer would (non-interactively,
# with the binaries of this build): the honest name is NOERROR with its address, the poisoned
# one REFUSED with the EDE naming the dissent, and every process it started is gone after.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_progs nsd dnsmasq dig
require_vantaged
[ -x "$top_builddir/vantage-mirror" ] || skip_all "vantage-mirror not built"
tap_plan 8

out=$(DEMO_NONINTERACTIVE=1 VANTAGED="$top_builddir/vantaged" VANTAGE_MIRROR="$top_builddir/vantage-mirror" \
	TMPDIR="$T" timeout 90 "$top_srcdir/demo/demo.sh" < /dev/null 2>&1); st=$?
is "$st" 0 "demo.sh exits 0"
diag "$out"
# the three dig blocks: resolver alone, vantaged honest, vantaged poisoned
block() { awk -v n="$1" '/^\$ dig /{ k++ } k == n' <<< "$out"; }
like "$(block 1)" 'status: NOERROR.*bank\.example\.test\..*127\.145\.77\.80' "the lying resolver alone: bank.example.test is 127.145.77.80"
like "$(block 2)" 'www\.example\.test A' "through vantaged: www.example.test ..."
like "$(block 2)" 'status: NOERROR.*127\.193\.215\.14' "... NOERROR with the honest address"
like "$(block 3)" 'status: REFUSED' "through vantaged: bank.example.test is REFUSED ..."
like "$(block 3)" 'EDE: 0 \(Other\): \(vantage: [23] of 3 mirrors dissent \(local 127\.145\.77\.80\)\)' \
	"... with the EDE naming the dissent and the lie"
unlike "$(block 3)" 'IN[[:space:]]+A[[:space:]]' "... and no address"
left=$(ls -d "$T"/vantage-demo.* 2> /dev/null; pgrep -f "$T/vantage-demo" 2> /dev/null)
is "$left" "" "its temporary directory and processes are gone"
