#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the selftests: a server and a client network namespace joined by
# veth, nameserved started in the server one, counters read back with nsctl.
# A test script sets ALL_TESTS, sources this file and calls run_tests.

ksft_skip=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$SELFTEST_DIR/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# NAMESERVED may name another build of the daemon (make asan-selftest).
NAMESERVED=${NAMESERVED:-$BUILD/nameserved}
NSCTL=$BUILD/nsctl
XDP_PASS_OBJ=$BUILD/xdp_pass.bpf.o
DEMO_ZONE=$TOP/examples/demo.zone
PIN_ROOT=/sys/fs/bpf/nameserve

SRV_IP4=198.18.0.1
CLI_IP4=198.18.0.2
SRV_IP6=2001:db8::1
CLI_IP6=2001:db8::2

SUFFIX=$(tr -dc a-z0-9 </dev/urandom | head -c 8)
NS_SRV=nss-$SUFFIX
NS_CLI=nsc-$SUFFIX
IF_SRV=vs-$SUFFIX
IF_CLI=vc-$SUFFIX
INSTANCE=st-$SUFFIX
WORKDIR=$(mktemp -d /tmp/nameserve-selftest.XXXXXX)

# PIDs of the daemons this script started, and their instances.
DAEMON_PIDS=()
DAEMON_PID=
DAEMON_LOG=
NETNS_CREATED=()

log() { echo "    $*"; }

# Fails the current test with a reason.
fail() {
	echo "    FAIL: $*" >&2
	return 1
}

is_our_child() {
	[ "$(cut -d' ' -f4 "/proc/$1/stat" 2>/dev/null)" = "$$" ]
}

cleanup() {
	local pid ns

	[ -f "$WORKDIR/pids" ] && DAEMON_PIDS+=($(cat "$WORKDIR/pids"))
	for pid in "${DAEMON_PIDS[@]}"; do
		# Only a still-unreaped child of ours: never a reused PID.
		if is_our_child "$pid"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	for ns in "${NETNS_CREATED[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORKDIR"
	# A killed daemon may have left its pins.
	rm -rf "${PIN_ROOT:?}/$INSTANCE"* 2>/dev/null
	rmdir "$PIN_ROOT" 2>/dev/null
	return 0
}
trap cleanup EXIT

# Skips the whole script when the machine cannot run it.
require_env() {
	local bin

	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $(basename "$0"): needs root"
		exit $ksft_skip
	fi
	for bin in ip nsenter kdig python3; do
		if ! command -v "$bin" >/dev/null; then
			echo "SKIP: $(basename "$0"): $bin not installed"
			exit $ksft_skip
		fi
	done
	for bin in "$NAMESERVED" "$NSCTL" "$XDP_PASS_OBJ"; do
		if [ ! -e "$bin" ]; then
			echo "SKIP: $(basename "$0"): $bin missing (run make)"
			exit $ksft_skip
		fi
	done
}

# setup_pair [SUFFIX_TAG]: namespaces NS_SRV/NS_CLI joined by IF_SRV/IF_CLI,
# with the pass-through program on the client end so that frames the server
# sends with XDP_TX are received (veth drops them without a native program on
# the peer).
setup_pair() {
	[ -e "/run/netns/$NS_SRV" ] && return 0
	ip netns add "$NS_SRV" || return 1
	NETNS_CREATED+=("$NS_SRV")
	ip netns add "$NS_CLI" || return 1
	NETNS_CREATED+=("$NS_CLI")
	ip link add "$IF_SRV" netns "$NS_SRV" type veth peer name "$IF_CLI" netns "$NS_CLI" ||
		return 1
	ip -n "$NS_SRV" link set lo up
	ip -n "$NS_CLI" link set lo up
	ip netns exec "$NS_SRV" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2>/dev/null
	ip netns exec "$NS_CLI" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2>/dev/null
	ip -n "$NS_SRV" addr add "$SRV_IP4/24" dev "$IF_SRV" || return 1
	ip -n "$NS_SRV" addr add "$SRV_IP6/64" dev "$IF_SRV" nodad || return 1
	ip -n "$NS_CLI" addr add "$CLI_IP4/24" dev "$IF_CLI" || return 1
	ip -n "$NS_CLI" addr add "$CLI_IP6/64" dev "$IF_CLI" nodad || return 1
	ip -n "$NS_SRV" link set "$IF_SRV" up || return 1
	ip -n "$NS_CLI" link set "$IF_CLI" up || return 1
	ip -n "$NS_CLI" link set dev "$IF_CLI" xdpdrv obj "$XDP_PASS_OBJ" sec xdp || return 1
}

# add_link SRV_IF CLI_IF SRV_ADDR4 CLI_ADDR4: one more veth between the pair.
add_link() {
	ip link add "$1" netns "$NS_SRV" type veth peer name "$2" netns "$NS_CLI" || return 1
	ip -n "$NS_SRV" addr add "$3/24" dev "$1" || return 1
	ip -n "$NS_CLI" addr add "$4/24" dev "$2" || return 1
	ip -n "$NS_SRV" link set "$1" up || return 1
	ip -n "$NS_CLI" link set "$2" up || return 1
	ip -n "$NS_CLI" link set dev "$2" xdpdrv obj "$XDP_PASS_OBJ" sec xdp || return 1
}

# wait_ready PID LOG: until LOG says ready (0), the process dies (1) or 10 s pass (1).
wait_ready() {
	local pid=$1 logf=$2

	for _ in $(seq 100); do
		if grep -q 'nameserved: ready' "$logf" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "    nameserved exited before ready; its log:" >&2
			sed 's/^/      /' "$logf" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "    nameserved not ready after 10 s; its log:" >&2
	sed 's/^/      /' "$logf" >&2
	return 1
}

# start_daemon [ARGS...]: nameserved serving ZONE (default: the demo zone) in NS_SRV through nsenter, which enters
# only the network namespace, so its pins stay visible here. Sets DAEMON_PID
# and DAEMON_LOG. DAEMON_PREFIX, when set, is a command (words) that execs the
# daemon, such as prlimit.
start_daemon() {
	DAEMON_LOG=$WORKDIR/nameserved-$INSTANCE.log
	# Emptied here, not by the background job's redirection, which may come
	# after wait_ready has read the previous daemon's "ready".
	: >"$DAEMON_LOG"
	# shellcheck disable=SC2086 # DAEMON_PREFIX is words on purpose
	nsenter --net="/run/netns/$NS_SRV" ${DAEMON_PREFIX:-} "$NAMESERVED" \
		--zone "${ZONE:-$DEMO_ZONE}" --instance "$INSTANCE" "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	echo "$DAEMON_PID" >>"$WORKDIR/pids"
	wait_ready "$DAEMON_PID" "$DAEMON_LOG"
}

# stop_daemon: SIGTERM, then its exit status (non-zero after 10 s or on a crash).
stop_daemon() {
	local pid=$DAEMON_PID status

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		DAEMON_PID=
		fail "nameserved ignored SIGTERM for 10 s"
		return 1
	fi
	wait "$pid"
	status=$?
	DAEMON_PID=
	if [ "$status" -ne 0 ]; then
		fail "nameserved exited with status $status; its log:"
		sed 's/^/      /' "$DAEMON_LOG" >&2
		return 1
	fi
}

# json_counter JSON NAME: the counter NAME of `nsctl stats --json` output. In
# the shell, as the helpers below: a python3 per call costs over a second under
# the VM's emulation. jansson's compact form is {"instance":"I","received":N,
# ...} and instance names are [A-Za-z0-9._-], so a key cannot appear in a value.
json_counter() {
	local key="\"$2\":"

	[[ $1 =~ [{,]"$key"([0-9]+)[,}] ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# counter NAME [INSTANCE]: one fast-path counter, summed over CPUs.
counter() {
	local json

	json=$("$NSCTL" stats --instance "${2:-$INSTANCE}" --json) || return 1
	json_counter "$json" "$1"
}

# query SERVER NAME TYPE [kdig options...]: one query from the client namespace,
# no retries, so a lost answer shows up as a failure and not as a second try.
query() {
	local server=$1 name=$2 type=$3

	shift 3
	ip netns exec "$NS_CLI" kdig @"$server" "$name" "$type" +retry=0 +timeout=2 "$@"
}

# xdp_prog_id NS IF: id of the XDP program on IF ("" when none), and its mode
# in XDP_MODE: 1 native, 2 generic (0 none; 4 several, with no single id).
# iproute2 prints the link's "xdp" object as {"mode":M,"prog":{"id":N,...},
# "attached":[...]}, "prog" only when one program is attached.
xdp_prog_id() {
	local json id='' mode=0

	json=$(ip -j -n "$1" -d link show dev "$2") || return 1
	if [[ $json =~ \"xdp\":\{\"mode\":([0-9]+)(,\"prog\":\{\"id\":([0-9]+))? ]]; then
		mode=${BASH_REMATCH[1]}
		id=${BASH_REMATCH[3]}
	fi
	echo "$id $mode"
}

# no_xdp_in NS: true when no interface of NS has an XDP program.
no_xdp_in() {
	! ip -n "$1" -d link show | grep -qE 'prog/xdp|xdpgeneric|xdpdrv|xdpoffload'
}

# Runs the tests named in TESTS (default ALL_TESTS) in this shell, so a daemon
# one test starts is known to the next and to cleanup; each test checks its
# own steps and returns non-zero on the first that fails. Prints
# PASS/FAIL/SKIP per test.
run_tests() {
	local t ret script pass=0 failed=0 skip=0

	script=$(basename "$0")
	for t in ${TESTS:-$ALL_TESTS}; do
		if ! declare -F "$t" >/dev/null; then
			echo "FAIL: $script: $t (no such test)"
			failed=$((failed + 1))
			continue
		fi
		echo "RUN:  $script: $t"
		"$t"
		ret=$?
		case $ret in
		0) echo "PASS: $script: $t"; pass=$((pass + 1)) ;;
		"$ksft_skip") echo "SKIP: $script: $t"; skip=$((skip + 1)) ;;
		*) echo "FAIL: $script: $t"; failed=$((failed + 1)) ;;
		esac
		# A failed test may leave its daemon: the next one starts afresh.
		if [ "$ret" -ne 0 ] && [ -n "$DAEMON_PID" ]; then
			kill -KILL "$DAEMON_PID" 2>/dev/null
			wait "$DAEMON_PID" 2>/dev/null
			DAEMON_PID=
		fi
	done
	[ "$failed" -eq 0 ]
}
