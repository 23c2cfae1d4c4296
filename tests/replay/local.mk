# tests/replay/local.mk - the replay tier: check.c, and query.c over it, driven by scripted
# upstream and mirror answers and a virtual clock, no sockets (tests/replay/README.md).
# Each scenario (.rpl) is one test; tests/replay/replay runs it and prints TAP.
check_PROGRAMS += tests/replay/replay
tests_replay_replay_SOURCES = tests/replay/replay.c tests/replay/replay.h \
	tests/replay/replay_world.c tests/replay/replay_steps.c tests/replay/replay_expect.c \
	tests/replay/replay_client.c tests/replay/world.c tests/replay/world.h \
	tests/replay/world_resolve.c
tests_replay_replay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver $(LIBEVENT_CFLAGS) \
	$(YAML_CFLAGS) $(LDNS_CFLAGS)
tests_replay_replay_LDADD = $(VANTAGED_LIBS)

TEST_EXTENSIONS += .rpl
RPL_LOG_DRIVER = $(LOG_DRIVER)
RPL_LOG_COMPILER = $(top_builddir)/tests/replay/replay
REPLAY_SCENARIOS = \
	tests/replay/agree.rpl \
	tests/replay/ca_pairs.rpl \
	tests/replay/ca_probe.rpl \
	tests/replay/coalesce.rpl \
	tests/replay/dissent_consensus.rpl \
	tests/replay/explain.rpl \
	tests/replay/dissent_flag.rpl \
	tests/replay/dissent_refuse.rpl \
	tests/replay/insufficient.rpl \
	tests/replay/monitor.rpl \
	tests/replay/portal.rpl \
	tests/replay/private.rpl \
	tests/replay/prefetch_agree.rpl \
	tests/replay/prefetch_dissent.rpl \
	tests/replay/prefetch_more.rpl \
	tests/replay/reload.rpl \
	tests/replay/sticky.rpl \
	tests/replay/upstream_fail.rpl \
	tests/replay/vcache.rpl \
	tests/replay/wire_agree.rpl \
	tests/replay/wire_dissent.rpl \
	tests/replay/wire_forward.rpl \
	tests/replay/wire_insufficient.rpl \
	tests/replay/wire_monitor.rpl \
	tests/replay/wire_noedns.rpl \
	tests/replay/wire_stale.rpl \
	tests/replay/wire_tcp_close.rpl \
	tests/replay/wire_truncate.rpl
TESTS += $(REPLAY_SCENARIOS)
EXTRA_DIST += $(REPLAY_SCENARIOS) tests/replay/README.md
