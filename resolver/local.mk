# resolver/local.mk - vantaged, the stub resolver daemon.
sbin_PROGRAMS += vantaged
vantaged_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS)
vantaged_SOURCES = \
	resolver/vantaged.c resolver/vantaged.h \
	resolver/config.c resolver/config.h \
	resolver/listen.c resolver/listen.h \
	resolver/query.c resolver/query.h
vantaged_LDADD = $(VANTAGE_LIBS)
