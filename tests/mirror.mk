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
	tests/integration/mirror_h2.sh \
	tests/integration/mirror_replicas.sh
TESTS += $(MIRROR_IT_TESTS)
EXTRA_DIST += $(MIRROR_IT_TESTS) tests/integration/mirror/lib_mirror.sh \
	tests/integration/mirror/lib_replica.sh \
	tests/integration/mirror/slowdns.py \
	tests/bench/mirror_replica_lag.sh

if HAVE_CMOCKA
MIRROR_UNIT_CPPFLAGS = $(MIRROR_CPPFLAGS) -I$(top_srcdir)/mirror $(CMOCKA_CFLAGS)
# Every mirror unit test links mirror/libmirror.a: the code under test is the code shipped.
MIRROR_UNIT_LIBS = $(MIRROR_LIBS) $(CMOCKA_LIBS)
MIRROR_UNIT_TESTS = tests/unit/test_mirror_routes tests/unit/test_mirror_reports \
	tests/unit/test_mirror_config tests/unit/test_mirror_replay tests/unit/test_mirror_guard \
	tests/unit/test_mirror_vote tests/unit/test_mirror_round tests/unit/test_mirror_peers \
	tests/unit/test_mirror_replica_row \
	tests/unit/test_mirror_sig
check_PROGRAMS += tests/unit/test_json $(MIRROR_UNIT_TESTS)
TESTS += tests/unit/test_json $(MIRROR_UNIT_TESTS)
tests_unit_test_json_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_routes_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_routes_SOURCES = tests/unit/test_mirror_routes.c
tests_unit_test_mirror_routes_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_reports_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_reports_SOURCES = tests/unit/test_mirror_reports.c
tests_unit_test_mirror_reports_LDADD = $(MIRROR_UNIT_LIBS)
# mirror/guard.c: per-address caps and the request deadlines (slowloris, issue 12).
tests_unit_test_mirror_guard_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_guard_SOURCES = tests/unit/test_mirror_guard.c
tests_unit_test_mirror_guard_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_config_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_config_SOURCES = tests/unit/test_mirror_config.c
tests_unit_test_mirror_config_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_replay_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_replay_SOURCES = tests/unit/test_mirror_replay.c tests/unit/testpkt.h
tests_unit_test_mirror_replay_LDADD = $(MIRROR_UNIT_LIBS)
# The seams of the network engine: votes, rounds, the peer table, answer signatures.
tests_unit_test_mirror_vote_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_vote_SOURCES = tests/unit/test_mirror_vote.c
tests_unit_test_mirror_vote_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_round_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_round_SOURCES = tests/unit/test_mirror_round.c
tests_unit_test_mirror_round_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_peers_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_peers_SOURCES = tests/unit/test_mirror_peers.c
tests_unit_test_mirror_peers_LDADD = $(MIRROR_UNIT_LIBS)
# mirror/replica_row.c: the sealed peer rows replicas share through Redis (issue 14).
tests_unit_test_mirror_replica_row_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_replica_row_SOURCES = tests/unit/test_mirror_replica_row.c
tests_unit_test_mirror_replica_row_LDADD = $(MIRROR_UNIT_LIBS)
tests_unit_test_mirror_sig_CPPFLAGS = $(MIRROR_UNIT_CPPFLAGS)
tests_unit_test_mirror_sig_SOURCES = tests/unit/test_mirror_sig.c tests/unit/testpkt.h
tests_unit_test_mirror_sig_LDADD = $(MIRROR_UNIT_LIBS)
endif
