# tests/integration/probe.mk - the TLS probe (resolver/probe.c, lib/tls_chain.c): a driver
# run against openssl s_server with test CAs, and unit tests of its pure helpers.
check_PROGRAMS += tests/integration/tools/probetool
tests_integration_tools_probetool_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver \
	$(LIBEVENT_CFLAGS) $(SECCOMP_CFLAGS)
tests_integration_tools_probetool_SOURCES = tests/integration/tools/probetool.c
tests_integration_tools_probetool_LDADD = $(VANTAGED_LIBS)

# A TLS server holding a chain without its key (wolfSSL: openssl s_server refuses to).
check_PROGRAMS += tests/integration/tools/tlsimposter
tests_integration_tools_tlsimposter_CPPFLAGS = $(AM_CPPFLAGS) $(WOLFSSL_CFLAGS)
tests_integration_tools_tlsimposter_SOURCES = tests/integration/tools/tlsimposter.c
tests_integration_tools_tlsimposter_LDADD = $(WOLFSSL_LIBS)

# A lib/tls client with bufferevent timeouts, freed from its timeout callback (issue 12).
check_PROGRAMS += tests/integration/tools/tlstimeout
tests_integration_tools_tlstimeout_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS)
tests_integration_tools_tlstimeout_SOURCES = tests/integration/tools/tlstimeout.c
tests_integration_tools_tlstimeout_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS)

PROBE_IT_TESTS = tests/integration/probe_tls.sh tests/integration/tls_timeout.sh
TESTS += $(PROBE_IT_TESTS)
EXTRA_DIST += $(PROBE_IT_TESTS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_tls_chain
TESTS += tests/unit/test_tls_chain
tests_unit_test_tls_chain_CPPFLAGS = $(AM_CPPFLAGS) $(WOLFSSL_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tls_chain_SOURCES = tests/unit/test_tls_chain.c
tests_unit_test_tls_chain_LDADD = $(VANTAGE_TLS_LIBS) $(LIBEVENT_LIBS) $(CMOCKA_LIBS)
# lib/tls_pem.c: one CA certificate per PEM (the pin bypass of issue 12).
check_PROGRAMS += tests/unit/test_tls_pem
TESTS += tests/unit/test_tls_pem
tests_unit_test_tls_pem_CPPFLAGS = $(AM_CPPFLAGS) $(WOLFSSL_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tls_pem_SOURCES = tests/unit/test_tls_pem.c
tests_unit_test_tls_pem_LDADD = $(VANTAGE_TLS_LIBS) $(LIBEVENT_LIBS) $(CMOCKA_LIBS)
# lib/tls_session.c: a resumable session lives a day past its full handshake, never past the leaf.
check_PROGRAMS += tests/unit/test_tls_session
TESTS += tests/unit/test_tls_session
tests_unit_test_tls_session_CPPFLAGS = $(AM_CPPFLAGS) $(WOLFSSL_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tls_session_SOURCES = tests/unit/test_tls_session.c
tests_unit_test_tls_session_LDADD = $(VANTAGE_TLS_LIBS) $(LIBEVENT_LIBS) $(CMOCKA_LIBS)
endif
