# tests/mirror.mk - vantage-mirror unit and integration tests.
# The DoH test client: TLS and HTTP from lib/ (wolfSSL side), DNS from ldns, in separate files.
check_PROGRAMS += tests/integration/mirror/doh_client
tests_integration_mirror_doh_client_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(WOLFSSL_CFLAGS) $(LDNS_CFLAGS)
tests_integration_mirror_doh_client_SOURCES = \
	tests/integration/mirror/doh_client.c \
	tests/integration/mirror/doh_dns.c tests/integration/mirror/doh_dns.h
tests_integration_mirror_doh_client_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS)

MIRROR_IT_TESTS = \
	tests/integration/mirror_basic.sh \
	tests/integration/mirror_abuse.sh \
	tests/integration/mirror_observe.sh \
	tests/integration/mirror_reports.sh \
	tests/integration/mirror_config.sh \
	tests/integration/mirror_h2.sh
TESTS += $(MIRROR_IT_TESTS)
EXTRA_DIST += $(MIRROR_IT_TESTS) tests/integration/mirror/lib_mirror.sh \
	tests/integration/mirror/slowdns.py

if HAVE_CMOCKA
MIRROR_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mirror $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(WOLFSSL_CFLAGS) $(CMOCKA_CFLAGS) \
	$(LDNS_CFLAGS) $(NGHTTP2_CFLAGS) -I$(top_srcdir)/resolver
MIRROR_UNIT_LIBS = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS) $(NGHTTP2_LIBS)
check_PROGRAMS += tests/unit/test_json tests/unit/test_mirror_routes tests/unit/test_mirror_reports \
	tests/unit/test_mirror_config tests/unit/test_mirror_replay
TESTS += tests/unit/test_json tests/unit/test_mirror_routes tests/unit/test_mirror_reports \
	tests/unit/test_mirror_config tests/unit/test_mirror_replay
tests_unit_test_json_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_routes_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
# The whole mirror but its main(): what the unit tests of its routes and audits link.
MIRROR_UNIT_SOURCES = mirror/server.c mirror/routes.c mirror/request.c mirror/http1.c \
	mirror/http2.c mirror/reports.c mirror/observe.c \
	mirror/mirror_config.c mirror/peers.c mirror/reputation.c mirror/audit.c \
	mirror/replay.c mirror/guard.c resolver/consensus.c resolver/digest.c
tests_unit_test_mirror_routes_SOURCES = tests/unit/test_mirror_routes.c $(MIRROR_UNIT_SOURCES)
tests_unit_test_mirror_routes_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_reports_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_reports_SOURCES = tests/unit/test_mirror_reports.c mirror/reports.c
tests_unit_test_mirror_reports_LDADD = $(MIRROR_UNIT_LIBS)
# mirror/guard.c: per-address caps and the request deadlines (slowloris, issue 12).
check_PROGRAMS += tests/unit/test_mirror_guard
TESTS += tests/unit/test_mirror_guard
tests_unit_test_mirror_guard_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_guard_SOURCES = tests/unit/test_mirror_guard.c mirror/guard.c
tests_unit_test_mirror_guard_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_config_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_config_SOURCES = tests/unit/test_mirror_config.c mirror/mirror_config.c
tests_unit_test_mirror_config_LDADD = $(MIRROR_UNIT_LIBS)
# replay.c alone: replay_judge is pure; the rest links against the whole mirror.
tests_unit_test_mirror_replay_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_replay_SOURCES = tests/unit/test_mirror_replay.c \
	$(MIRROR_UNIT_SOURCES) tests/unit/testpkt.h
tests_unit_test_mirror_replay_LDADD = $(MIRROR_UNIT_LIBS)
endif
