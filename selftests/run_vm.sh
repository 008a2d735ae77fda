#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What `make vm-test` runs inside the test VM (vm/run): only what depends on the kernel — the
# verifier, XDP on a veth, the libxdp dispatcher — since TCG runs the rest ~15x slower.
#
# VM_TESTS overrides the list: test binaries under build/tests/ or scripts under selftests/.

ksft_skip=4
top=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${BUILD:-$top/build}
VM_TESTS=${VM_TESTS:-"test_xdp_dns test_xdp_fastpath.sh test_xdp_dispatcher.sh"}

echo "kernel: $(uname -r) ($(uname -v))"

passed=() skipped=() failed=()
for t in $VM_TESTS; do
	case "$t" in
	*.sh)	cmd=$top/selftests/$t ;;
	*)	cmd=$BUILD/tests/$t ;;
	esac
	echo "=== $t"
	if [ ! -x "$cmd" ]; then
		echo "SKIP: $t: ${cmd#$top/} is not there"
		skipped+=("$t")
		continue
	fi
	start=$SECONDS
	"$cmd"
	r=$?
	case $r in
	0)		passed+=("$t") ;;
	"$ksft_skip")	skipped+=("$t") ;;
	*)		failed+=("$t") ;;
	esac
	echo "=== $t: exit $r, $((SECONDS - start)) s"
done

echo "=== $(uname -r): ${#passed[@]} passed, ${#skipped[@]} skipped (${skipped[*]}), ${#failed[@]} failed (${failed[*]})"
[ ${#failed[@]} = 0 ]
