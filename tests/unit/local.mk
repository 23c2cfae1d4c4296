# tests/unit/local.mk - cmocka unit tests; each prints TAP.
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS) $(CMOCKA_CFLAGS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dnswire tests/unit/test_dnscache tests/unit/test_yconf \
	tests/unit/test_config
TESTS += tests/unit/test_dnswire tests/unit/test_dnscache tests/unit/test_yconf \
	tests/unit/test_config

tests_unit_test_dnswire_SOURCES = tests/unit/test_dnswire.c tests/unit/testpkt.h
tests_unit_test_dnswire_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dnswire_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_dnscache_SOURCES = tests/unit/test_dnscache.c tests/unit/testpkt.h
tests_unit_test_dnscache_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dnscache_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_yconf_SOURCES = tests/unit/test_yconf.c
tests_unit_test_yconf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_yconf_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# config.c belongs to vantaged, not to libvantage.a: compile it into the test.
tests_unit_test_config_SOURCES = tests/unit/test_config.c resolver/config.c resolver/config.h \
	resolver/acl.c resolver/acl.h
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# consensus.c and digest.c belong to vantaged: compile them into the tests.
check_PROGRAMS += tests/unit/test_consensus tests/unit/test_digest
TESTS += tests/unit/test_consensus tests/unit/test_digest
tests_unit_test_consensus_SOURCES = tests/unit/test_consensus.c resolver/consensus.c resolver/consensus.h
tests_unit_test_consensus_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_consensus_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_digest_SOURCES = tests/unit/test_digest.c tests/unit/testname.h resolver/digest.c resolver/digest.h \
	resolver/consensus.c resolver/consensus.h
tests_unit_test_digest_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_digest_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# answer.c (pure): the served message, built from digested records.
check_PROGRAMS += tests/unit/test_answer
TESTS += tests/unit/test_answer
tests_unit_test_answer_SOURCES = tests/unit/test_answer.c tests/unit/testname.h resolver/answer.c resolver/answer.h \
	resolver/digest.c resolver/digest.h
tests_unit_test_answer_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_answer_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# ca.c (pure): the CA evidence.
check_PROGRAMS += tests/unit/test_ca
TESTS += tests/unit/test_ca
tests_unit_test_ca_SOURCES = tests/unit/test_ca.c resolver/ca.c resolver/ca.h resolver/consensus.c
tests_unit_test_ca_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_ca_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_vcache_ca tests/unit/test_vcache
TESTS += tests/unit/test_vcache_ca tests/unit/test_vcache
tests_unit_test_vcache_SOURCES = tests/unit/test_vcache.c resolver/vcache.c \
	resolver/vcache.h resolver/vcache_ca.c resolver/vcache_ca.h resolver/ca.c resolver/ca.h resolver/consensus.c
tests_unit_test_vcache_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_vcache_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_vcache_ca_SOURCES = tests/unit/test_vcache_ca.c resolver/vcache.c \
	resolver/vcache.h resolver/vcache_ca.c resolver/vcache_ca.h resolver/ca.c resolver/ca.h resolver/consensus.c
tests_unit_test_vcache_ca_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_vcache_ca_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# policy.c (pure) and the per-zone overrides of config.c.
check_PROGRAMS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c resolver/policy.c resolver/policy.h \
	resolver/config.c resolver/config.h resolver/acl.c resolver/acl.h
tests_unit_test_policy_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_policy_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif

# The plugin chain (resolver/plugin.c) with three fake plugins; check.c is stubbed.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_plugin tests/unit/test_blocklist
TESTS += tests/unit/test_plugin tests/unit/test_blocklist
tests_unit_test_plugin_SOURCES = tests/unit/test_plugin.c resolver/plugin.c resolver/plugin.h \
	resolver/plugin_int.h resolver/plugin_env.c
tests_unit_test_plugin_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_plugin_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
# plugins/blocklist through its descriptor, on a fake services table.
tests_unit_test_blocklist_SOURCES = tests/unit/test_blocklist.c
tests_unit_test_blocklist_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_blocklist_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif

# recent.c: the dashboard's bounded ring of refusals, client table and verdict history.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_recent
TESTS += tests/unit/test_recent
tests_unit_test_recent_SOURCES = tests/unit/test_recent.c resolver/recent.c resolver/recent.h \
	resolver/consensus.c resolver/consensus.h resolver/policy.c resolver/policy.h
tests_unit_test_recent_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_recent_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif

# mirror_set.c: the inline list and the bootstrap file, keyed regional selection, a rebuilt set.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_mirror_set
TESTS += tests/unit/test_mirror_set
tests_unit_test_mirror_set_SOURCES = tests/unit/test_mirror_set.c \
	resolver/mirror_client.c resolver/mirror_client.h resolver/mirror_conn.c resolver/mirror_lane.c \
	resolver/mirror_set.c resolver/mirror_h2.c resolver/mirror_h2.h resolver/mirror_chains.c \
	resolver/mirror_master.c resolver/mirror_int.h resolver/mirror_types.h \
	resolver/config.c resolver/config.h resolver/acl.c resolver/acl.h
tests_unit_test_mirror_set_CPPFLAGS = $(UNIT_CPPFLAGS) $(NGHTTP2_CFLAGS)
tests_unit_test_mirror_set_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(NGHTTP2_LIBS) $(CMOCKA_LIBS)
endif

# query.c alone: a recording reply sink; the cache, upstream and plugin chain are stubbed in
# the test, the cross-check comes through the query_env's services.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_query
TESTS += tests/unit/test_query
tests_unit_test_query_SOURCES = tests/unit/test_query.c tests/unit/testpkt.h \
	resolver/query.c resolver/query.h resolver/acl.c resolver/acl.h
tests_unit_test_query_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_query_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif
