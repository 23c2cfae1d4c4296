# tests/integration/consensus.mk - issue 4 end to end: vantaged cross-checking its (poisoned)
# upstream with real vantage-mirror processes, each with its own CA and its own NSD view.
# consensus/lib_consensus.sh builds the world; zones/consensus/ holds the views' data.
# They need the binaries and test tools of the other fragments: vantaged, vantage-mirror,
# tests/integration/mirror/doh_client (lib_mirror.sh checks for it), tools/dnsjunk (sinks).
CONSENSUS_IT_TESTS = \
	tests/integration/consensus_basic.sh \
	tests/integration/consensus_faults.sh \
	tests/integration/consensus_quorum.sh \
	tests/integration/consensus_policy.sh \
	tests/integration/consensus_restart.sh \
	tests/integration/consensus_reload.sh \
	tests/integration/consensus_learn.sh \
	tests/integration/consensus_ca.sh \
	tests/integration/vantaged_prefetch.sh
TESTS += $(CONSENSUS_IT_TESTS)
EXTRA_DIST += $(CONSENSUS_IT_TESTS) \
	tests/integration/consensus/lib_consensus.sh \
	tests/integration/zones/consensus/honest.zone \
	tests/integration/zones/consensus/eu.zone \
	tests/integration/zones/consensus/us.zone \
	tests/integration/zones/consensus/ap.zone \
	tests/integration/zones/consensus/lie.zone
