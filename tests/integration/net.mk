# tests/integration/net.mk - issue 8: the mirror network on loopback (joins, verification,
# audits and removal votes between real vantage-mirror processes, each with its own CA and
# its own NSD view). tests/bench/net_scale.sh runs the same world with 50 mirrors (not in make check).
NET_IT_TESTS = tests/integration/net_sim.sh tests/integration/mirror_replicas_net.sh
TESTS += $(NET_IT_TESTS)
EXTRA_DIST += $(NET_IT_TESTS) tests/integration/net/lib_net.sh tests/bench/net_scale.sh
