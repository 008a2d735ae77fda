#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What `make vm-test` runs inside the test VM (vm/run): only what depends on the kernel — the
# verifier, XDP on a veth in both modes, the libxdp dispatcher — since TCG runs it all ~15x slower.
#
# VM_FASTPATH_TESTS, VM_MODES_TESTS and VM_DISPATCHER_TESTS pick the test functions of each
# script (TESTS= of that script); an empty one leaves the script out.

ksft_skip=4
top=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${BUILD:-$top/build}
STEP_TIMEOUT=300

: "${VM_FASTPATH_TESTS=test_hit_a_ipv4 test_hit_aaaa_ipv6 test_miss_mx test_stop_cleans_up}"
: "${VM_MODES_TESTS=test_generic}"
: "${VM_DISPATCHER_TESTS=test_two_programs test_beside_another test_another_joins}"

passed=() failed=()

# step NAME CMD...: one bounded step; a skip counts as a failure, because in the VM every
# step exists to prove something about this kernel and must not pass silently.
step() {
	local name=$1 start=$SECONDS r

	shift
	echo "=== $name"
	timeout -k 10 "$STEP_TIMEOUT" "$@"
	r=$?
	case $r in
	0)		passed+=("$name") ;;
	"$ksft_skip")	echo "=== $name skipped: it must run on this kernel"; failed+=("$name") ;;
	124)		echo "=== $name timed out after $STEP_TIMEOUT s"; failed+=("$name") ;;
	*)		failed+=("$name") ;;
	esac
	echo "=== $name: exit status $r, $((SECONDS - start)) s"
}

echo "kernel: $(uname -r) ($(uname -v))"
cd "$top" || exit 1

# BPF_PROG_TEST_RUN: the program through this kernel's verifier, crafted packets in and out.
step test_xdp_dns "$BUILD/tests/test_xdp_dns"
step test_xdp_policy "$BUILD/tests/test_xdp_policy"
[ -z "$VM_FASTPATH_TESTS" ] ||
	step test_xdp_fastpath.sh env TESTS="$VM_FASTPATH_TESTS" selftests/test_xdp_fastpath.sh
[ -z "$VM_MODES_TESTS" ] ||
	step test_xdp_modes.sh env TESTS="$VM_MODES_TESTS" selftests/test_xdp_modes.sh
[ -z "$VM_DISPATCHER_TESTS" ] ||
	step test_xdp_dispatcher.sh env TESTS="$VM_DISPATCHER_TESTS" selftests/test_xdp_dispatcher.sh

echo "=== $(uname -r): ${#passed[@]} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[ ${#failed[@]} -eq 0 ]
