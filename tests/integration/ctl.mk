# tests/integration/ctl.mk - issue 6: vantagectl and the control socket, the metrics endpoint,
# and explain against a real mirror world (consensus/lib_consensus.sh).
CTL_IT_TESTS = \
	tests/integration/ctl_basic.sh \
	tests/integration/ctl_metrics.sh \
	tests/integration/ctl_explain.sh
TESTS += $(CTL_IT_TESTS)
EXTRA_DIST += $(CTL_IT_TESTS)
