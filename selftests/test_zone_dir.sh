#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --zone-dir: every *.zone file of a directory is served, other files are not,
# and a directory that cannot be read is a command-line error.

ALL_TESTS="
	test_zone_dir_serves_each
	test_zone_dir_missing
	test_stop_while_loading
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

# SIGTERM while 50,000 zone files load: the daemon stops between two files
# instead of finishing the load first.
test_stop_while_loading() {
	local dir=$WORKDIR/many pid t0 t1 rc

	mkdir -p "$dir" || return 1
	python3 - "$dir" <<'PY' || return 1
import sys
for i in range(50000):
    with open(f"{sys.argv[1]}/z{i}.zone", "w") as f:
        f.write(f"$ORIGIN z{i}.example.\n@ 300 SOA ns1 host 1 3600 600 604800 300\n"
                "@ 300 NS ns1\nns1 300 A 198.18.1.1\n")
PY
	"$NAMESERVED" --listen 127.0.0.1@5399 --threads 1 --zone-dir "$dir" \
		>"$WORKDIR/many.log" 2>&1 &
	pid=$!
	DAEMON_PIDS+=("$pid")
	# The first zone logged: signals are blocked by then, and most of the
	# 50,000 are still to come.
	for _ in $(seq 200); do
		grep -q ': zone ' "$WORKDIR/many.log" 2>/dev/null && break
		sleep 0.01
	done
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	t1=$(date +%s%N)
	log "exit $rc after $(((t1 - t0) / 1000000)) ms, $(grep -c ': zone ' "$WORKDIR/many.log") zones loaded"
	[ "$rc" -eq 0 ] || { fail "exit status $rc"; return 1; }
	grep -q 'stopped while loading zones' "$WORKDIR/many.log" ||
		{ fail "the load ran to its end before stopping"; return 1; }
}

run_tests
