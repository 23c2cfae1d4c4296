# tests/integration/fleet.mk - issue 14, vantaged's side: instances sharing verdicts through a
# real redis-server (vantaged_fleet.sh) and what a hostile Redis cannot do (adv_fleet.sh).
# They build on the consensus world (consensus/lib_consensus.sh) with zones/fleet/.
FLEET_IT_TESTS = tests/integration/vantaged_fleet.sh tests/adversary/adv_fleet.sh
TESTS += $(FLEET_IT_TESTS)
EXTRA_DIST += $(FLEET_IT_TESTS) tests/integration/zones/fleet/honest.zone

# The attacker's pen: values and messages signed with any key (adv_fleet.sh).
check_PROGRAMS += tests/integration/tools/fleetforge
tests_integration_tools_fleetforge_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver \
	-I$(top_srcdir)/lib $(LIBEVENT_CFLAGS) $(LDNS_CFLAGS)
tests_integration_tools_fleetforge_SOURCES = tests/integration/tools/fleetforge.c
tests_integration_tools_fleetforge_LDADD = $(VANTAGED_LIBS)
