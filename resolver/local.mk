# resolver/local.mk - vantaged, the stub resolver daemon.
# Every module is in resolver/libvantaged.a, which vantaged and the tests link: a test names
# the library, not the sources it happens to reach. vantaged.c (main and the wiring) alone
# is not. Link order: libvantaged.a before VANTAGE_LIBS (its plugins: parser, libplugins.a,
# and lib/libvantage.a). No file here includes wolfSSL: the ldns CFLAGS are safe for all.
noinst_LIBRARIES += resolver/libvantaged.a
VANTAGED_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS) \
	$(SECCOMP_CFLAGS) $(NGHTTP2_CFLAGS) $(HIREDIS_CFLAGS)
resolver_libvantaged_a_CPPFLAGS = $(VANTAGED_CPPFLAGS)
resolver_libvantaged_a_SOURCES = \
	resolver/vantaged.h resolver/stats.c resolver/stats.h \
	resolver/config.c resolver/config.h resolver/config_int.h \
	resolver/config_consensus.c \
	resolver/config_shared.c \
	resolver/config_upstreams.c \
	resolver/config_print.c \
	resolver/acl.c resolver/acl.h \
	resolver/ratelimit.c resolver/ratelimit.h \
	resolver/sandbox.c resolver/sandbox.h \
	resolver/follow.c resolver/follow_links.c resolver/follow.h \
	resolver/listen.c resolver/listen.h \
	resolver/query.c resolver/query.h \
	resolver/check.c resolver/check.h resolver/check_int.h resolver/check_env.h \
	resolver/check_verdict.c resolver/check_live.c resolver/check_live.h \
	resolver/check_fleet.c resolver/fleet.c resolver/fleet.h \
	resolver/fleet_codec.c resolver/fleet_codec.h resolver/fleet_load.c resolver/fleet_load.h \
	resolver/vstore.c resolver/vstore.h resolver/secret.c resolver/secret.h \
	resolver/dissent.c resolver/dissent.h \
	resolver/consensus.c resolver/consensus.h \
	resolver/digest.c resolver/digest.h \
	resolver/answer.c resolver/answer.h \
	resolver/policy.c resolver/policy.h \
	resolver/portal.c resolver/portal.h resolver/portal_live.c resolver/portal_live.h \
	resolver/vcache.c resolver/vcache.h resolver/vcache_int.h resolver/vcache_lock.c \
	resolver/check_cached.c resolver/worker.c resolver/worker.h resolver/daemon.c resolver/daemon.h \
	resolver/tcp_admit.c resolver/tcp_admit.h \
	resolver/mirror_client.c resolver/mirror_client.h resolver/mirror_conn.c resolver/mirror_lane.c \
	resolver/mirror_set.c \
	resolver/mirror_h2.c resolver/mirror_h2.h \
	resolver/mirror_chains.c \
	resolver/mirror_master.c \
	resolver/mirror_int.h resolver/mirror_types.h \
	resolver/probe.c resolver/probe.h \
	resolver/plugin.c resolver/plugin.h resolver/plugin_int.h resolver/plugin_types.h \
	resolver/plugin_env.c \
	resolver/ca.c resolver/ca.h \
	resolver/check_ca.c resolver/check_ca.h resolver/check_ca_int.h resolver/check_ca_judge.c \
	resolver/check_ca_view.h \
	resolver/vcache_ca.c resolver/vcache_ca.h \
	resolver/control.c resolver/control.h resolver/control_int.h \
	resolver/control_cmd.c \
	resolver/explain.c resolver/explain.h \
	resolver/report.c resolver/report.h \
	resolver/recent.c resolver/recent.h \
	resolver/metrics.c resolver/metrics.h \
	resolver/httpsrv.c resolver/httpsrv.h \
	resolver/dashboard.c resolver/dashboard.h resolver/dashboard_int.h \
	resolver/dashboard_api.c

# What a program linking libvantaged.a needs, in link order.
VANTAGED_LIBS = resolver/libvantaged.a $(VANTAGE_TLS_LIBS) $(VANTAGE_LIBS) $(SECCOMP_LIBS) \
	$(NGHTTP2_LIBS)

sbin_PROGRAMS += vantaged
vantaged_CPPFLAGS = $(VANTAGED_CPPFLAGS)
vantaged_SOURCES = resolver/vantaged.c
vantaged_LDADD = $(VANTAGED_LIBS)
