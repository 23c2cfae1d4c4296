# tests/fuzz/local.mk - libFuzzer targets (--enable-fuzzing, clang) and their gcc smoke run.
# Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput. With --enable-fuzzing it links
# libFuzzer as tests/fuzz/fuzz_NAME (run by tests/fuzz/run.sh); always, it also links
# tests/fuzz/standalone.c as the check program tests/fuzz/standalone_NAME, which
# tests/fuzz/smoke.sh runs over tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME.
FUZZ_TARGETS = dnsquery dnsanswer consensus mirror_http http_client config mirror_list ca answer fleet
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver -I$(top_srcdir)/mirror \
	$(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS)
# mirror/ files include wolfSSL (keygen.c) and never ldns.
FUZZ_TLS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mirror \
	$(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(WOLFSSL_CFLAGS)
# The mirror target compiles every source of vantage-mirror (routes.c reaches most of them), so
# that new files there need no change here; its main() is renamed out of the way (and then
# has no prototype, hence -Wno-missing-prototypes for this target).
FUZZ_MIRROR_CPPFLAGS = $(FUZZ_TLS_CPPFLAGS) $(LDNS_CFLAGS) $(NGHTTP2_CFLAGS) -I$(top_srcdir)/resolver -Dmain=vantage_mirror_main
FUZZ_LDADD_LIB = $(VANTAGE_LIBS)
FUZZ_LDADD_TLS = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS)
# The resolver's modules (config, consensus, digest, answer, ca): resolver/libvantaged.a.
FUZZ_LDADD_VANTAGED = $(VANTAGED_LIBS)

TESTS += tests/fuzz/smoke.sh
EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/run.sh tests/fuzz/README.md tests/fuzz/gen-corpus.py \
	tests/fuzz/corpus tests/fuzz/regress
check_PROGRAMS += tests/fuzz/standalone_dnsquery tests/fuzz/standalone_dnsanswer tests/fuzz/standalone_consensus tests/fuzz/standalone_mirror_http tests/fuzz/standalone_http_client tests/fuzz/standalone_config tests/fuzz/standalone_mirror_list tests/fuzz/standalone_ca tests/fuzz/standalone_answer tests/fuzz/standalone_fleet
# Only this fragment has programs that are built but neither installed nor tests.
if ENABLE_FUZZING
noinst_PROGRAMS = tests/fuzz/fuzz_dnsquery tests/fuzz/fuzz_dnsanswer tests/fuzz/fuzz_consensus tests/fuzz/fuzz_mirror_http tests/fuzz/fuzz_http_client tests/fuzz/fuzz_config tests/fuzz/fuzz_mirror_list tests/fuzz/fuzz_ca tests/fuzz/fuzz_answer tests/fuzz/fuzz_fleet
endif


tests_fuzz_fuzz_dnsquery_SOURCES = tests/fuzz/fuzz_dnsquery.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_dnsquery_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_dnsquery_LDADD = $(FUZZ_LDADD_LIB)
tests_fuzz_fuzz_dnsquery_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_dnsquery_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_dnsquery.c tests/fuzz/fuzz.h
tests_fuzz_standalone_dnsquery_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_dnsquery_LDADD = $(FUZZ_LDADD_LIB)

tests_fuzz_fuzz_dnsanswer_SOURCES = tests/fuzz/fuzz_dnsanswer.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_dnsanswer_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_dnsanswer_LDADD = $(FUZZ_LDADD_LIB)
tests_fuzz_fuzz_dnsanswer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_dnsanswer_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_dnsanswer.c tests/fuzz/fuzz.h
tests_fuzz_standalone_dnsanswer_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_dnsanswer_LDADD = $(FUZZ_LDADD_LIB)

tests_fuzz_fuzz_consensus_SOURCES = tests/fuzz/fuzz_consensus.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_consensus_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_consensus_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_consensus_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_consensus_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_consensus.c tests/fuzz/fuzz.h
tests_fuzz_standalone_consensus_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_consensus_LDADD = $(FUZZ_LDADD_VANTAGED)

tests_fuzz_fuzz_mirror_http_SOURCES = tests/fuzz/fuzz_mirror_http.c tests/fuzz/fuzz.h $(vantage_mirror_SOURCES) \
	$(mirror_libmirror_a_SOURCES)
tests_fuzz_fuzz_mirror_http_CPPFLAGS = $(FUZZ_MIRROR_CPPFLAGS)
tests_fuzz_fuzz_mirror_http_LDADD = $(FUZZ_LDADD_TLS) $(NGHTTP2_LIBS)
tests_fuzz_fuzz_mirror_http_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes
tests_fuzz_fuzz_mirror_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_mirror_http_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_mirror_http.c tests/fuzz/fuzz.h $(vantage_mirror_SOURCES) \
	$(mirror_libmirror_a_SOURCES)
tests_fuzz_standalone_mirror_http_CPPFLAGS = $(FUZZ_MIRROR_CPPFLAGS)
tests_fuzz_standalone_mirror_http_LDADD = $(FUZZ_LDADD_TLS) $(NGHTTP2_LIBS)
tests_fuzz_standalone_mirror_http_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes

tests_fuzz_fuzz_http_client_SOURCES = tests/fuzz/fuzz_http_client.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_http_client_CPPFLAGS = $(FUZZ_TLS_CPPFLAGS)
tests_fuzz_fuzz_http_client_LDADD = $(FUZZ_LDADD_TLS)
tests_fuzz_fuzz_http_client_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_http_client_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_http_client.c tests/fuzz/fuzz.h
tests_fuzz_standalone_http_client_CPPFLAGS = $(FUZZ_TLS_CPPFLAGS)
tests_fuzz_standalone_http_client_LDADD = $(FUZZ_LDADD_TLS)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_config_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_config_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_config.c tests/fuzz/fuzz.h
tests_fuzz_standalone_config_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_config_LDADD = $(FUZZ_LDADD_VANTAGED)

tests_fuzz_fuzz_mirror_list_SOURCES = tests/fuzz/fuzz_mirror_list.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_mirror_list_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_mirror_list_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_mirror_list_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_mirror_list_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_mirror_list.c tests/fuzz/fuzz.h
tests_fuzz_standalone_mirror_list_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_mirror_list_LDADD = $(FUZZ_LDADD_VANTAGED)

# The CA evidence (issue 5): digested TLSA/CAA answers and /v1/observe bodies into ca.c.
FUZZ_CA_SOURCES = tests/fuzz/fuzz_ca.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_ca_SOURCES = $(FUZZ_CA_SOURCES)
tests_fuzz_fuzz_ca_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_ca_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_ca_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_ca_SOURCES = tests/fuzz/standalone.c $(FUZZ_CA_SOURCES)
tests_fuzz_standalone_ca_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_ca_LDADD = $(FUZZ_LDADD_VANTAGED)

# The served message (issue 12): digested answers built into what a client gets (answer.c).
FUZZ_ANSWER_SOURCES = tests/fuzz/fuzz_answer.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_answer_SOURCES = $(FUZZ_ANSWER_SOURCES)
tests_fuzz_fuzz_answer_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_answer_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_answer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_answer_SOURCES = tests/fuzz/standalone.c $(FUZZ_ANSWER_SOURCES)
tests_fuzz_standalone_answer_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_answer_LDADD = $(FUZZ_LDADD_VANTAGED)

tests_fuzz_fuzz_fleet_SOURCES = tests/fuzz/fuzz_fleet.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_fleet_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_fleet_LDADD = $(FUZZ_LDADD_VANTAGED)
tests_fuzz_fuzz_fleet_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_standalone_fleet_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz_fleet.c tests/fuzz/fuzz.h
tests_fuzz_standalone_fleet_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_standalone_fleet_LDADD = $(FUZZ_LDADD_VANTAGED)
