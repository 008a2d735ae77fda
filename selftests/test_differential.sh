#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Differential test: the zones under zones/diff/ served by knotd and by
# nameserved side by side in the server namespace; every query of
# diff/queries.txt goes to both and the replies must agree part by part, except
# for the deliberate differences listed (with reasons) in py/dnsdiff.py.

ALL_TESTS="
	test_differential_ipv4
	test_differential_ipv6
	test_comparator_catches_difference
"

source "$(dirname "$0")/lib.sh"

DIFF_ZONES=$SELFTEST_DIR/zones/diff
QUERIES=$SELFTEST_DIR/diff/queries.txt
DNSDIFF=$SELFTEST_DIR/py/dnsdiff.py
# knotd beside nameserved, on its own addresses in the same namespace.
KNOT_IP4=198.18.0.3
KNOT_IP6=2001:db8::3
KNOT_PID=
NS_ARGS=(--nsid diff-nsid --identity diff-identity --version-string diff-version --threads 1)

require_env
if ! command -v knotd >/dev/null; then
	echo "SKIP: $(basename "$0"): knotd not installed"
	exit "$ksft_skip"
fi

zone_args() {
	local z

	for z in "$@"; do
		printf -- '--zone\n%s\n' "$z"
	done
}

# knot.conf: the same zones, identity, version and NSID as nameserved, no
# journal or zone-file writes, everything under WORKDIR.
write_knot_conf() {
	local dir=$WORKDIR/knot

	mkdir -p "$dir/run" "$dir/storage" || return 1
	cat >"$dir/knot.conf" <<-EOF
	server:
	    rundir: $dir/run
	    listen: [ $KNOT_IP4@53, $KNOT_IP6@53 ]
	    identity: diff-identity
	    version: diff-version
	    nsid: diff-nsid
	    udp-workers: 1
	    tcp-workers: 1
	    background-workers: 1
	database:
	    storage: $dir/storage
	log:
	  - target: stderr
	    any: warning
	template:
	  - id: default
	    storage: $dir/storage
	    semantic-checks: off
	    zonefile-sync: -1
	    zonefile-load: whole
	    journal-content: none
	zone:
	  - domain: diff.example.
	    file: $DIFF_ZONES/diff.example.zone
	  - domain: child.diff.example.
	    file: $DIFF_ZONES/child.diff.example.zone
	  - domain: other.example.
	    file: $DIFF_ZONES/other.example.zone
	EOF
}

start_knot() {
	local log=$WORKDIR/knotd.log

	write_knot_conf || { fail "cannot write knot.conf"; return 1; }
	nsenter --net="/run/netns/$NS_SRV" knotd -c "$WORKDIR/knot/knot.conf" >"$log" 2>&1 &
	KNOT_PID=$!
	DAEMON_PIDS+=("$KNOT_PID")
	echo "$KNOT_PID" >>"$WORKDIR/pids"
	# Ready when it answers for the last zone it loads.
	for _ in $(seq 100); do
		if query "$KNOT_IP4" other.example. SOA +timeout=1 2>/dev/null |
		   grep -q 'status: NOERROR'; then
			return 0
		fi
		if ! kill -0 "$KNOT_PID" 2>/dev/null; then
			fail "knotd exited; its log:"
			sed 's/^/      /' "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	fail "knotd not answering after 10 s; its log:"
	sed 's/^/      /' "$log" >&2
	return 1
}

# Both servers, once for all tests.
ensure_servers() {
	local zargs

	[ -n "$KNOT_PID" ] && [ -n "$DAEMON_PID" ] && return 0
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	ip -n "$NS_SRV" addr add "$KNOT_IP4/24" dev "$IF_SRV" || return 1
	ip -n "$NS_SRV" addr add "$KNOT_IP6/64" dev "$IF_SRV" nodad || return 1
	start_knot || return 1
	mapfile -t zargs < <(zone_args "$DIFF_ZONES/child.diff.example.zone" \
		"$DIFF_ZONES/other.example.zone")
	ZONE=$DIFF_ZONES/diff.example.zone start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" \
		"${zargs[@]}" "${NS_ARGS[@]}" || { fail "nameserved did not start"; return 1; }
	log "knotd pid $KNOT_PID on $KNOT_IP4, nameserved pid $DAEMON_PID on $SRV_IP4"
}

# run_diff REF OURS QUERIES: the comparator from the client namespace.
run_diff() {
	ip netns exec "$NS_CLI" timeout 120 python3 "$DNSDIFF" --reference "$1" \
		--nameserved "$2" --queries "$3"
}

# Daemons still running afterwards: a reply we could not form must not kill it.
servers_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null || { fail "nameserved died"; return 1; }
	kill -0 "$KNOT_PID" 2>/dev/null || { fail "knotd died"; return 1; }
}

test_differential_ipv4() {
	ensure_servers || return 1
	run_diff "$KNOT_IP4" "$SRV_IP4" "$QUERIES" | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || { fail "replies differ (above)"; return 1; }
	servers_alive
}

test_differential_ipv6() {
	ensure_servers || return 1
	run_diff "$KNOT_IP6" "$SRV_IP6" "$QUERIES" | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || { fail "replies differ (above)"; return 1; }
	servers_alive
}

# The comparator must see a difference when there is one: a second nameserved
# serves a copy of the parent zone with one address changed, one MX gone and
# one TTL changed, and each of them has to show up in the comparator's output.
test_comparator_catches_difference() {
	local mutated=$WORKDIR/mutated.zone qfile=$WORKDIR/mutated.queries out rc
	local saved_pid=$DAEMON_PID saved_log=$DAEMON_LOG zargs

	ensure_servers || return 1
	sed -e 's/^www\t300\tA\t198\.18\.1\.80$/www\t300\tA\t198.18.1.81/' \
	    -e '/^\t\tMX\t30 mail2\.other\.example\.$/d' \
	    -e 's/^ns2\t\tA\t198\.18\.1\.54$/ns2\t60\tA\t198.18.1.54/' \
		"$DIFF_ZONES/diff.example.zone" >"$mutated"
	[ "$(diff "$DIFF_ZONES/diff.example.zone" "$mutated" | grep -c '^[0-9]')" -eq 3 ] ||
		{ fail "the zone was not mutated in three places"; return 1; }
	printf '%s\n' "answer www.diff.example. A plain" "additional mx.diff.example. MX plain" \
		"additional diff.example. NS plain" "answer multi.diff.example. A plain" >"$qfile"
	mapfile -t zargs < <(zone_args "$DIFF_ZONES/child.diff.example.zone" \
		"$DIFF_ZONES/other.example.zone")
	ZONE=$mutated start_daemon --listen "$SRV_IP4@5353" "${zargs[@]}" "${NS_ARGS[@]}" ||
		{ DAEMON_PID=$saved_pid; fail "second nameserved did not start"; return 1; }
	out=$(run_diff "$KNOT_IP4" "$SRV_IP4@5353" "$qfile")
	rc=$?
	stop_daemon
	DAEMON_PID=$saved_pid DAEMON_LOG=$saved_log
	log "comparator exit status $rc on the mutated zone"
	[ "$rc" -eq 1 ] || { fail "comparator exit status $rc, expected 1: $out"; return 1; }
	grep -q 'answer: only nameserved: www.diff.example. 300 IN A 198.18.1.81' <<<"$out" ||
		{ fail "changed address not reported: $out"; return 1; }
	grep -q 'answer: only reference: mx.diff.example. 3600 IN MX 30' <<<"$out" ||
		{ fail "missing MX not reported: $out"; return 1; }
	grep -q 'additional: only nameserved: ns2.diff.example. 60 IN A' <<<"$out" ||
		{ fail "changed TTL not reported: $out"; return 1; }
	grep -qE '^total +4 +3 ' <<<"$out" ||
		{ fail "expected 3 of 4 queries to differ: $out"; return 1; }
}

run_tests
