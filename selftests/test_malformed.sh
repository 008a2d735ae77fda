#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Malformed input against nameserved (py/malformed.py): short headers, names
# running past the end, compression loops, QDCOUNT 0 and 2, long names and
# labels, broken OPTs, thousands of random and mutated packets; over TCP broken
# framing, a client trickling one octet at a time and more connections than the
# limit. Each packet gets FORMERR or nothing, a good query right after it gets
# the right answer, and the daemon exits cleanly at the end. Run with
# NAMESERVED=build/asan/nameserved by 'make asan-selftest', where the daemon's
# log must also stay free of sanitizer reports.

ALL_TESTS="
	test_udp_malformed
	test_udp_random
	test_tcp_framing
	test_tcp_slowloris
	test_tcp_conn_limit
	test_clean_exit
	test_tcp_conn_limit_low_fd
"

source "$(dirname "$0")/lib.sh"

MALFORMED=$SELFTEST_DIR/py/malformed.py
TCP_LIMIT=$(awk '/define SERVER_TCP_MAX_CONNS/ { print $3 }' "$TOP/userspace/server_tcp.h")
RANDOM_PACKETS=${RANDOM_PACKETS:-5000}

require_env

ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" ||
		{ fail "nameserved did not start"; return 1; }
	log "nameserved pid $DAEMON_PID ($NAMESERVED)"
}

# Sanitizer reports or a crash in the daemon's log.
log_clean() {
	local pat='runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: [A-Za-z]*Sanitizer'

	if grep -qE "$pat" "$1"; then
		fail "sanitizer report in $1:"
		sed 's/^/      /' "$1" >&2
		return 1
	fi
}

# malformed GROUPS [ARGS...]: the sender from the client namespace, then the
# daemon must still be running with a clean log.
malformed() {
	local groups=$1 rc

	shift
	ensure_daemon || return 1
	ip netns exec "$NS_CLI" timeout 120 python3 "$MALFORMED" --server "$SRV_IP4" \
		--groups "$groups" --tcp-limit "$TCP_LIMIT" --random "$RANDOM_PACKETS" "$@" |
		sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	# The log first: a sanitizer report says why the replies stopped.
	log_clean "$DAEMON_LOG" || return 1
	kill -0 "$DAEMON_PID" 2>/dev/null || { fail "nameserved died"; return 1; }
	[ "$rc" -eq 0 ] || { fail "wrong replies (above)"; return 1; }
}

test_udp_malformed() {
	malformed udp
}

test_udp_random() {
	malformed random
}

test_tcp_framing() {
	malformed tcp-framing
}

test_tcp_slowloris() {
	malformed tcp-slowloris
}

test_tcp_conn_limit() {
	malformed tcp-conn-limit
}

# After all that, SIGTERM ends it with status 0; under ASan that is also when
# LeakSanitizer speaks.
test_clean_exit() {
	ensure_daemon || return 1
	stop_daemon || return 1
	log_clean "$DAEMON_LOG"
}

# With only 1024 descriptors the daemon takes fewer connections than its
# limit, says so, and turns away the rest instead of leaving them queued.
test_tcp_conn_limit_low_fd() {
	local max

	[ -z "$DAEMON_PID" ] || stop_daemon || return 1
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	DAEMON_PREFIX="prlimit --nofile=1024:1024" start_daemon --listen "$SRV_IP4" ||
		{ fail "nameserved did not start under prlimit"; return 1; }
	max=$(sed -n 's/.*open file limit 1024: at most \([0-9]*\) connections.*/\1/p' \
		"$DAEMON_LOG")
	[ -n "$max" ] || { fail "no warning about the file limit in the log"; return 1; }
	log "nameserved takes at most $max connections with 1024 descriptors"
	TCP_LIMIT=$max malformed tcp-conn-limit || return 1
	stop_daemon || return 1
	log_clean "$DAEMON_LOG"
}

run_tests
