# tests/integration/mirror_client.mk - resolver/mirror_client.c against real vantage-mirror
# processes: pinned connections, the /v1/mirrors CA fetch, pipelined DoH, failures.
# mclient links the client module itself (it belongs to vantaged, not to a library); it
# includes no wolfSSL and no ldns header, so it needs neither's CFLAGS.
check_PROGRAMS += tests/integration/mirror/mclient
tests_integration_mirror_mclient_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver \
	$(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(NGHTTP2_CFLAGS)
tests_integration_mirror_mclient_SOURCES = tests/integration/mirror/mclient.c \
	resolver/mirror_client.c resolver/mirror_client.h resolver/mirror_conn.c resolver/mirror_lane.c \
	resolver/mirror_set.c \
	resolver/mirror_h2.c resolver/mirror_h2.h \
	resolver/mirror_chains.c \
	resolver/mirror_master.c \
	resolver/mirror_int.h resolver/mirror_types.h resolver/config.c resolver/config.h \
	resolver/acl.c resolver/acl.h
tests_integration_mirror_mclient_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(NGHTTP2_LIBS)

TESTS += tests/integration/mirror_client.sh
EXTRA_DIST += tests/integration/mirror_client.sh
