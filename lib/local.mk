# lib/local.mk - code shared by vantaged, vantage-mirror and vantagectl.
# libvantage.a never includes wolfSSL; libvantage_tls.a is the wolfSSL-only side
# (ldns and wolfSSL headers clash, see DESIGN.md section 8).
noinst_LIBRARIES += lib/libvantage.a lib/libvantage_tls.a
lib_libvantage_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS) \
	$(HIREDIS_CFLAGS)
lib_libvantage_a_SOURCES = \
	lib/log.c lib/log.h \
	lib/vutil.c lib/vutil.h \
	lib/yconf.c lib/yconf.h \
	lib/statefile.c lib/statefile.h \
	lib/netaddr.c lib/netaddr.h \
	lib/dnswire.c lib/dnswire.h \
	lib/hlru.c lib/hlru.h \
	lib/coalesce.c lib/coalesce.h \
	lib/dnscache.c lib/dnscache.h \
	lib/upstream.c lib/upstream.h \
	lib/resolve.c lib/resolve.h \
	lib/vredis.c lib/vredis_url.c lib/vredis.h

lib_libvantage_tls_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(WOLFSSL_CFLAGS)
lib_libvantage_tls_a_SOURCES =
include lib/tls.mk

# What a program linking libvantage.a needs.
# plugins/libplugins.a first: the plugins: parser (linked with resolver/config.c) needs it.
VANTAGE_LIBS = plugins/libplugins.a lib/libvantage.a $(LDNS_LIBS) $(LIBEVENT_LIBS) $(YAML_LIBS) \
	$(HIREDIS_LIBS)
VANTAGE_TLS_LIBS = lib/libvantage_tls.a $(WOLFSSL_LIBS)
