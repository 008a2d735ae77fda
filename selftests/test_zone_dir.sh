#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --zone-dir: every *.zone file of a directory is served, other files are not,
# and a directory that cannot be read is a command-line error.

ALL_TESTS="
	test_zone_dir_serves_each
	test_zone_dir_missing
"

source "$(dirname "$0")/lib.sh"

test_zone_dir_serves_each() {
	local dir=$WORKDIR/zones i out

	mkdir -p "$dir" || return 1
	for i in 1 2 3; do
		printf '$ORIGIN z%d.example.\n@ 300 SOA ns1 host 1 3600 600 604800 300\n@ 300 NS ns1\nns1 300 A 198.18.1.1\nwww 300 A 198.18.0.%d\n' \
			"$i" "$i" >"$dir/z$i.example.zone"
	done
	# Not a zone file by its name: must be left alone.
	printf '$ORIGIN skipped.example.\n@ 300 SOA ns1 host 1 3600 600 604800 300\n@ 300 NS ns1\n' \
		>"$dir/skipped.example.txt"
	setup_pair || return 1
	ZONE=$dir/z1.example.zone start_daemon --listen "$SRV_IP4" --zone-dir "$dir" 2>/dev/null
	# z1 is given twice (--zone and through the directory): refused as a duplicate.
	if grep -q 'nameserved: ready' "$DAEMON_LOG"; then
		fail "a zone given twice was accepted"; return 1
	fi
	grep -q 'already loaded from' "$DAEMON_LOG" || { fail "no duplicate message"; return 1; }
	ZONE=$dir/z2.example.zone start_daemon --listen "$SRV_IP4" --zone-dir "$dir" 2>/dev/null &&
		{ fail "z2 given twice was accepted"; return 1; }
	mv "$dir/z2.example.zone" "$WORKDIR/z2.example.zone" || return 1
	ZONE=$WORKDIR/z2.example.zone start_daemon --listen "$SRV_IP4" --zone-dir "$dir" || return 1
	for i in 1 2 3; do
		out=$(query "$SRV_IP4" "www.z$i.example" A +short)
		log "www.z$i.example A -> $out"
		[ "$out" = "198.18.0.$i" ] || { fail "www.z$i.example: '$out'"; return 1; }
	done
	out=$(query "$SRV_IP4" skipped.example SOA +noall +header | grep -o 'status: [A-Z]*')
	log "skipped.example SOA -> $out"
	[ "$out" = "status: REFUSED" ] || { fail "a .txt file was loaded: $out"; return 1; }
	stop_daemon
}

test_zone_dir_missing() {
	local out rc

	out=$("$NAMESERVED" --listen 127.0.0.1@5399 --zone-dir "$WORKDIR/nosuch" 2>&1)
	rc=$?
	log "exit $rc: $out"
	[ "$rc" -eq 2 ] || { fail "exit status $rc, expected 2"; return 1; }
	[[ $out == *"--zone-dir $WORKDIR/nosuch: No such file or directory"* ]] ||
		{ fail "unclear message"; return 1; }
}

run_tests
