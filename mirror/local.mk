# mirror/local.mk - vantage-mirror, the secure mirror server.
# Files that include wolfSSL (keygen.c) never include ldns; the DNS work is done by
# lib/resolve + lib/dnswire, which need no ldns headers here either.
sbin_PROGRAMS += vantage-mirror
vantage_mirror_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(WOLFSSL_CFLAGS)
vantage_mirror_SOURCES = \
	mirror/vantage_mirror.c \
	mirror/server.c mirror/server.h \
	mirror/guard.c mirror/guard.h \
	mirror/routes.c mirror/routes.h \
	mirror/mirror_config.c mirror/mirror_config.h \
	mirror/reports.c mirror/reports.h \
	mirror/observe.c mirror/observe.h \
	mirror/peers.c mirror/peers.h \
	mirror/reputation.c mirror/reputation.h \
	mirror/audit.c mirror/audit.h \
	mirror/keygen.c mirror/keygen.h
vantage_mirror_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS)
dist_sysconf_vantage_DATA += etc/vantage-mirror.yaml
dist_man_MANS += doc/vantage-mirror.8
EXTRA_DIST += doc/mirror-protocol.md
