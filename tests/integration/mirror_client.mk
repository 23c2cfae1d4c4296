# tests/integration/mirror_client.mk - resolver/mirror_client.c against real vantage-mirror
# processes: pinned connections, the /v1/mirrors CA fetch, pipelined DoH, failures.
# mclient links the client module from resolver/libvantaged.a; it includes no wolfSSL and
# no ldns header, so it needs neither's CFLAGS.
check_PROGRAMS += tests/integration/mirror/mclient
tests_integration_mirror_mclient_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver \
	$(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(NGHTTP2_CFLAGS)
tests_integration_mirror_mclient_SOURCES = tests/integration/mirror/mclient.c
tests_integration_mirror_mclient_LDADD = $(VANTAGED_LIBS)

TESTS += tests/integration/mirror_client.sh
EXTRA_DIST += tests/integration/mirror_client.sh
