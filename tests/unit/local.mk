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

# hlru.c: the one hash table + LRU of lib/.
check_PROGRAMS += tests/unit/test_hlru
TESTS += tests/unit/test_hlru
tests_unit_test_hlru_SOURCES = tests/unit/test_hlru.c
tests_unit_test_hlru_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_hlru_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# upstream.c and resolve.c against a scripted responder on 127.0.0.1 (testresp.h).
check_PROGRAMS += tests/unit/test_upstream tests/unit/test_resolve
TESTS += tests/unit/test_upstream tests/unit/test_resolve
tests_unit_test_upstream_SOURCES = tests/unit/test_upstream.c tests/unit/testresp.h tests/unit/testpkt.h
tests_unit_test_upstream_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_upstream_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_resolve_SOURCES = tests/unit/test_resolve.c tests/unit/testresp.h tests/unit/testpkt.h
tests_unit_test_resolve_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_resolve_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_yconf_SOURCES = tests/unit/test_yconf.c
tests_unit_test_yconf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_yconf_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)

# The resolver's modules come from resolver/libvantaged.a (VANTAGED_LIBS, resolver/local.mk).
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_consensus tests/unit/test_digest
TESTS += tests/unit/test_consensus tests/unit/test_digest
tests_unit_test_consensus_SOURCES = tests/unit/test_consensus.c
tests_unit_test_consensus_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_consensus_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

tests_unit_test_digest_SOURCES = tests/unit/test_digest.c tests/unit/testname.h
tests_unit_test_digest_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_digest_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

# answer.c (pure): the served message, built from digested records.
check_PROGRAMS += tests/unit/test_answer
TESTS += tests/unit/test_answer
tests_unit_test_answer_SOURCES = tests/unit/test_answer.c tests/unit/testname.h
tests_unit_test_answer_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_answer_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

# ca.c (pure): the CA evidence.
check_PROGRAMS += tests/unit/test_ca
TESTS += tests/unit/test_ca
tests_unit_test_ca_SOURCES = tests/unit/test_ca.c
tests_unit_test_ca_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_ca_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_vcache_ca tests/unit/test_vcache
TESTS += tests/unit/test_vcache_ca tests/unit/test_vcache
tests_unit_test_vcache_SOURCES = tests/unit/test_vcache.c
tests_unit_test_vcache_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_vcache_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

# fleet_codec.c: shared verdicts as Redis values (garbage, truncation, MAC, bounds).
check_PROGRAMS += tests/unit/test_fleet_codec
TESTS += tests/unit/test_fleet_codec
tests_unit_test_fleet_codec_SOURCES = tests/unit/test_fleet_codec.c
tests_unit_test_fleet_codec_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_fleet_codec_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_vcache_ca_SOURCES = tests/unit/test_vcache_ca.c
tests_unit_test_vcache_ca_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_vcache_ca_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

# portal.c (pure): captive-portal states, the login window and what it may change.
check_PROGRAMS += tests/unit/test_portal
TESTS += tests/unit/test_portal
tests_unit_test_portal_SOURCES = tests/unit/test_portal.c
tests_unit_test_portal_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_portal_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)

# policy.c (pure) and the per-zone overrides of config_consensus.c.
check_PROGRAMS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_policy_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# The plugin chain (resolver/plugin.c) with three fake plugins.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_plugin tests/unit/test_blocklist
TESTS += tests/unit/test_plugin tests/unit/test_blocklist
tests_unit_test_plugin_SOURCES = tests/unit/test_plugin.c
tests_unit_test_plugin_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_plugin_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
# plugins/blocklist through its descriptor, on a fake services table.
tests_unit_test_blocklist_SOURCES = tests/unit/test_blocklist.c
tests_unit_test_blocklist_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_blocklist_LDADD = $(VANTAGE_LIBS) $(CMOCKA_LIBS)
endif

# recent.c: the dashboard's bounded ring of refusals, client table and verdict history.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_recent
TESTS += tests/unit/test_recent
tests_unit_test_recent_SOURCES = tests/unit/test_recent.c
tests_unit_test_recent_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_recent_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# acl.c (who may ask), ratelimit.c (the token bucket per client, on a test-driven clock) and
# follow.c (upstreams: auto on its env, files in a scratch directory).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_acl tests/unit/test_ratelimit tests/unit/test_follow
TESTS += tests/unit/test_acl tests/unit/test_ratelimit tests/unit/test_follow
tests_unit_test_acl_SOURCES = tests/unit/test_acl.c
tests_unit_test_acl_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_acl_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_ratelimit_SOURCES = tests/unit/test_ratelimit.c
tests_unit_test_ratelimit_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_ratelimit_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_follow_SOURCES = tests/unit/test_follow.c
tests_unit_test_follow_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_follow_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# Operation: the JSON writer (lib/jw.h), the counter table (stats.c) and the status producer
# (report.c through a hand-built report_src, no daemon: its producers' exact output).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_jw tests/unit/test_stats tests/unit/test_report
TESTS += tests/unit/test_jw tests/unit/test_stats tests/unit/test_report
tests_unit_test_jw_SOURCES = tests/unit/test_jw.c
tests_unit_test_jw_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_jw_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_stats_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_report_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# The cross-check's rooms (check.c itself is driven by tests/replay): the dissent log's
# line, the install's secret, the verified cache's persistence.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dissent tests/unit/test_secret tests/unit/test_vstore
TESTS += tests/unit/test_dissent tests/unit/test_secret tests/unit/test_vstore
tests_unit_test_dissent_SOURCES = tests/unit/test_dissent.c
tests_unit_test_dissent_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dissent_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_secret_SOURCES = tests/unit/test_secret.c
tests_unit_test_secret_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_secret_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
tests_unit_test_vstore_SOURCES = tests/unit/test_vstore.c
tests_unit_test_vstore_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_vstore_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# mirror_set.c: the inline list and the bootstrap file, keyed regional selection, a rebuilt set.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_mirror_set
TESTS += tests/unit/test_mirror_set
tests_unit_test_mirror_set_SOURCES = tests/unit/test_mirror_set.c
tests_unit_test_mirror_set_CPPFLAGS = $(UNIT_CPPFLAGS) $(NGHTTP2_CFLAGS)
tests_unit_test_mirror_set_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# query.c alone: a recording reply sink; the cache, upstream and plugin chain are stubbed in
# the test, the cross-check comes through the query_env's services.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_query
TESTS += tests/unit/test_query
tests_unit_test_query_SOURCES = tests/unit/test_query.c tests/unit/testpkt.h
tests_unit_test_query_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_query_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif

# check.c's in-flight table (lib/coalesce.c) on the replay tier's scripted world.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_check
TESTS += tests/unit/test_check
tests_unit_test_check_SOURCES = tests/unit/test_check.c tests/replay/world.c \
	tests/replay/world.h
tests_unit_test_check_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/tests/replay
tests_unit_test_check_LDADD = $(VANTAGED_LIBS) $(CMOCKA_LIBS)
endif
