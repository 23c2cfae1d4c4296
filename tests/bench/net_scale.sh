#!/bin/bash
# tests/bench/net_scale.sh - the mirror-network simulation at scale (issue 8): the scenario of
# tests/integration/net_sim.sh with 50 mirrors (NET_N to change it), longer bounded waits.
# Not part of make check (it starts 50 mirrors and 11 NSDs); run it from a build directory:
#     top_srcdir=/work/main top_builddir=$PWD bash /work/main/tests/bench/net_scale.sh
# The measured rounds and seconds are printed as TAP diag lines ("# liar inactive ...",
# "# new mirror on every list ...").
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export top_srcdir top_builddir=${top_builddir:-$PWD}
export NET_N=${NET_N:-50} NET_WAIT=${NET_WAIT:-180}
# Spot checks scale with the network: a liar among 49 peers is checked as often as among 9.
export NET_CHECK_PEERS=${NET_CHECK_PEERS:-$(( (NET_N + 4) / 5 ))}
exec bash "$top_srcdir/tests/integration/net_sim.sh"
