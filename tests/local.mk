# tests/local.mk - unit tests (cmocka, TAP) and integration tests (shell, TAP).
# Each area keeps its own fragment so that they can grow independently.
EXTRA_DIST += tests/integration/lib.sh
include tests/unit/local.mk
include tests/integration/local.mk
include tests/mirror.mk
include tests/integration/mirror_client.mk
include tests/config/local.mk
include tests/integration/consensus.mk
include tests/integration/packaging.mk
include tests/fuzz/local.mk
include tests/integration/ctl.mk
include tests/integration/dashboard.mk
include tests/integration/net.mk
include tests/integration/probe.mk
include tests/integration/vredis.mk
include tests/integration/fleet.mk
include tests/integration/plugins.mk
include tests/integration/webpki.mk
include tests/adversary/local.mk
include tests/replay/local.mk
include tests/shape/local.mk
