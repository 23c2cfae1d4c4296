# tests/integration/vredis.mk - lib/vredis.c (the fleet's Redis client) against a real
# redis-server: a driver, the live scenario, and the URL parser's unit test.
check_PROGRAMS += tests/integration/tools/vredisdrive
tests_integration_tools_vredisdrive_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib \
	$(LIBEVENT_CFLAGS) $(HIREDIS_CFLAGS)
tests_integration_tools_vredisdrive_SOURCES = tests/integration/tools/vredisdrive.c
tests_integration_tools_vredisdrive_LDADD = $(VANTAGE_LIBS)

TESTS += tests/integration/vredis_live.sh
EXTRA_DIST += tests/integration/vredis_live.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_vredis
TESTS += tests/unit/test_vredis
tests_unit_test_vredis_SOURCES = tests/unit/test_vredis.c
tests_unit_test_vredis_CPPFLAGS = $(UNIT_CPPFLAGS) $(HIREDIS_CFLAGS)
tests_unit_test_vredis_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif
