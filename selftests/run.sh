#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every selftests/test_*.sh (or those given as arguments), each with its
# own namespaces; TESTS= picks test functions inside them. Exits non-zero when
# any test failed.
set -u
cd "$(dirname "$0")" || exit 1

ksft_skip=4
pass=0 failed=0 skip=0
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(test_*.sh)

for s in "${scripts[@]}"; do
	s=$(basename "$s")
	out=$(mktemp)
	# Bounded: a hung script must not hang CI.
	timeout --kill-after=10 300 bash "./$s" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	k=$(grep -c '^SKIP: ' "$out")
	rm -f "$out"
	if [ "$rc" -eq "$ksft_skip" ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		k=$((k > 0 ? k : 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Died without reporting a failure (timeout, crash): count it.
		echo "FAIL: $s (exit status $rc)"
		f=1
	fi
	pass=$((pass + p)) failed=$((failed + f)) skip=$((skip + k))
done

[ "$skip" -eq 0 ] || echo "selftests: $skip skipped"
echo "selftests: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
