# mirror/local.mk - vantage-mirror, the secure mirror server.
# Files that include wolfSSL (keygen.c) never include ldns; the DNS work is done by
# lib/resolve + lib/dnswire, which need no ldns headers here either. The one set of
# CPPFLAGS below serves both: no mirror file includes a wolfSSL and an ldns header, and
# resolver/digest.c (ldns) includes no wolfSSL header.
#
# mirror/libmirror.a: the whole mirror but its main(), what vantage-mirror and the mirror's
# unit tests link (each test used to compile the sources again).
noinst_LIBRARIES += mirror/libmirror.a
MIRROR_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(WOLFSSL_CFLAGS) \
	$(LDNS_CFLAGS) $(NGHTTP2_CFLAGS) $(HIREDIS_CFLAGS) -I$(top_srcdir)/resolver
mirror_libmirror_a_CPPFLAGS = $(MIRROR_CPPFLAGS)
mirror_libmirror_a_SOURCES = \
	mirror/server.c mirror/server.h \
	mirror/guard.c mirror/guard.h \
	mirror/routes.c mirror/routes.h \
	mirror/pending.c mirror/pending.h \
	mirror/doh.c mirror/doh.h \
	mirror/reply.c mirror/reply.h \
	mirror/request.c mirror/request.h \
	mirror/http1.c mirror/http1.h \
	mirror/http2.c mirror/http2.h \
	mirror/mirror_config.c mirror/mirror_config.h \
	mirror/reports.c mirror/reports.h \
	mirror/observe.c mirror/observe.h \
	mirror/peers.c mirror/peers.h \
	mirror/peerfile.c mirror/peerfile.h \
	mirror/join.c mirror/join.h \
	mirror/ratelimit.c mirror/ratelimit.h \
	mirror/reputation.c mirror/reputation.h \
	mirror/audit.c mirror/audit.h \
	mirror/round.c mirror/round.h \
	mirror/vote.c mirror/vote.h \
	mirror/notice.c mirror/notice.h \
	mirror/sig.c mirror/sig.h \
	mirror/replay.c mirror/replay.h mirror/qring.c mirror/qring.h \
	mirror/keygen.c mirror/keygen.h \
	mirror/replica.c mirror/replica.h mirror/replica_env.h mirror/replica_int.h \
	mirror/replica_count.c mirror/replica_ring.c \
	mirror/replica_row.c mirror/replica_row.h
# Peers' replayed answers are judged on the stub's own ladder (consensus_compare over
# digest_answer), so that "agree" means the same thing on both sides.
mirror_libmirror_a_SOURCES += \
	resolver/consensus.c resolver/consensus.h \
	resolver/digest.c resolver/digest.h
MIRROR_LIBS = mirror/libmirror.a $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(NGHTTP2_LIBS) \
	$(HIREDIS_LIBS)

sbin_PROGRAMS += vantage-mirror
vantage_mirror_CPPFLAGS = $(MIRROR_CPPFLAGS)
vantage_mirror_SOURCES = mirror/vantage_mirror.c
vantage_mirror_LDADD = $(MIRROR_LIBS)
dist_sysconf_vantage_DATA += etc/vantage-mirror.yaml
dist_man_MANS += doc/vantage-mirror.8
EXTRA_DIST += doc/mirror-protocol.md
