# tests/integration/local.mk - scenarios with real daemons on 127.0.0.0/8.
# Each vantaged_*.sh is a TAP script run by tap-driver from the build directory; lib.sh holds
# the shared helpers, zones/ the authoritative data NSD serves, tools/dnsjunk the packet crafter.
check_PROGRAMS += tests/integration/tools/dnsjunk
tests_integration_tools_dnsjunk_SOURCES = tests/integration/tools/dnsjunk.c

VANTAGED_IT_TESTS = \
	tests/integration/vantaged_basic.sh \
	tests/integration/vantaged_cache.sh \
	tests/integration/vantaged_workers.sh \
	tests/integration/vantaged_reload_busy.sh \
	tests/integration/vantaged_tcp.sh \
	tests/integration/vantaged_upstream.sh \
	tests/integration/vantaged_junk.sh \
	tests/integration/vantaged_getent.sh \
	tests/integration/vantaged_config.sh \
	tests/integration/vantaged_signals.sh \
	tests/integration/vantaged_journal.sh \
	tests/integration/vantaged_follow.sh \
	tests/integration/vantaged_forward.sh \
	tests/integration/vantaged_links.sh \
	tests/integration/vantaged_clock.sh \
	tests/integration/vantaged_acl.sh \
	tests/integration/vantaged_sandbox.sh \
	tests/integration/vantaged_faults.sh
TESTS += $(VANTAGED_IT_TESTS)
EXTRA_DIST += $(VANTAGED_IT_TESTS) \
	tests/integration/zones/example.test.zone \
	tests/integration/zones/short.test.zone \
	tests/integration/zones/other.test.zone
