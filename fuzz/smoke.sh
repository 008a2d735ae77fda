#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs each libFuzzer target for a bounded time on a temporary copy of its seed
# corpus (fuzz/corpus/<name without fuzz_>), so the checked-in corpus is never
# modified. Any crash, sanitizer report, leak, timeout or failed check fails the
# run; its input is kept under ARTIFACTS for reproduction.
# Usage: fuzz/smoke.sh SECONDS ARTIFACTS TARGET...
set -u

secs=$1
artifacts=$2
shift 2
top=$(pwd)
tmp=$(mktemp -d /tmp/nameserve-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$artifacts"

fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	seeds=$top/fuzz/corpus/${name#fuzz_}
	work=$tmp/$name
	mkdir -p "$work/corpus"
	if [ -d "$seeds" ]; then
		cp -r "$seeds/." "$work/corpus/"
	fi
	opts=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$(cd "$artifacts" && pwd)/$name-")
	if [ -f "$top/fuzz/$name.dict" ]; then
		opts+=(-dict="$top/fuzz/$name.dict")
	fi
	if (cd "$work" && "$top/$bin" "${opts[@]}" corpus) >"$work/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
		cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
		echo "fuzz-smoke: $name: ok, $runs runs in ${secs}s, $cov," \
		     "corpus $(ls "$work/corpus" | wc -l) inputs"
	else
		echo "fuzz-smoke: $name: FAILED"
		grep -v '^    #[0-9]' "$work/log" | tail -25
		fail=1
	fi
done
exit $fail
