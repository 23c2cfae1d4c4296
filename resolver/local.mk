# resolver/local.mk - vantaged, the stub resolver daemon.
sbin_PROGRAMS += vantaged
vantaged_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS) $(SECCOMP_CFLAGS) \
	$(NGHTTP2_CFLAGS)
vantaged_SOURCES = \
	resolver/vantaged.c resolver/vantaged.h resolver/stats.h \
	resolver/config.c resolver/config.h \
	resolver/acl.c resolver/acl.h \
	resolver/sandbox.c resolver/sandbox.h \
	resolver/follow.c resolver/follow.h \
	resolver/listen.c resolver/listen.h \
	resolver/query.c resolver/query.h \
	resolver/check.c resolver/check.h \
	resolver/consensus.c resolver/consensus.h \
	resolver/digest.c resolver/digest.h \
	resolver/answer.c resolver/answer.h \
	resolver/policy.c resolver/policy.h \
	resolver/vcache.c resolver/vcache.h \
	resolver/mirror_client.c resolver/mirror_client.h resolver/mirror_conn.c resolver/mirror_lane.c \
	resolver/mirror_set.c \
	resolver/mirror_h2.c resolver/mirror_h2.h \
	resolver/mirror_chains.c \
	resolver/mirror_master.c \
	resolver/mirror_int.h resolver/mirror_types.h \
	resolver/probe.c resolver/probe.h \
	resolver/plugin.c resolver/plugin.h resolver/plugin_int.h resolver/plugin_env.c
vantaged_LDADD = $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(SECCOMP_LIBS) $(NGHTTP2_LIBS)
# CA fingerprints (issue 5): the CA evidence (pure), its I/O, pairs and histories.
vantaged_SOURCES += \
	resolver/ca.c resolver/ca.h \
	resolver/check_ca.c resolver/check_ca.h \
	resolver/vcache_ca.c resolver/vcache_ca.h
# Operation (issue 6): the control socket and the Prometheus endpoint.
vantaged_SOURCES += \
	resolver/control.c resolver/control.h resolver/control_int.h \
	resolver/control_cmd.c \
	resolver/explain.c resolver/explain.h \
	resolver/jw.h \
	resolver/report.c resolver/report.h \
	resolver/recent.c resolver/recent.h \
	resolver/metrics.c resolver/metrics.h
# The web dashboard (issue 18): its own listener, the JSON API, the static pages.
vantaged_SOURCES += \
	resolver/dashboard.c resolver/dashboard.h
