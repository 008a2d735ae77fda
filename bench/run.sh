#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# nameserve benchmark: XDP program cost, answered queries/s over a veth pair for
# nameserved (XDP on and off), knotd (XDP and UDP), nsd and a bare XDP reflector,
# a 100,000-name zone, loading 100,000 zones, and the health checker's cost for
# 10,000 endpoints. Prints a table, writes RESULTS.md.
#
# Knobs: DURATION (s per load run, >= 4), ROUNDS (best of N runs), QPS (kxdpgun
# target), PASSES (interleaved passes over the hot-zone servers), SECTIONS (any of "prog qps switch bigzone manyzones health"), SERVERS (any of
# "reflector ns-xdp ns-udp knot-xdp knot-udp nsd"), MANY_ZONES, MANY_WAIT, BUILD,
# RESULTS, PERF, REFLECT_OBJ, FLOOR_OBJ, PASS_OBJ, SWITCH_ROUNDS, HEALTH_ENDPOINTS,
# HEALTH_INTERVAL, HEALTH_SECS.

set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-1}		# load runs per server start; the best one is kept
# Passes over the hot-zone servers, interleaved: the VM's speed drifts by a
# third over minutes, so targets are judged on the median of the per-pass
# ratios. About 45 s a pass with every server.
PASSES=${PASSES:-7}
QPS=${QPS:-2000000}		# well above what one generator core reaches on veth
SECTIONS=${SECTIONS:-"prog qps switch bigzone manyzones health"}
SERVERS=${SERVERS:-"reflector ns-xdp ns-udp knot-xdp knot-udp nsd"}
MANY_ZONES=${MANY_ZONES:-100000}
MANY_RECORDS=${MANY_RECORDS:-20}
HEALTH_ENDPOINTS=${HEALTH_ENDPOINTS:-10000}
HEALTH_INTERVAL=${HEALTH_INTERVAL:-30}	# s
HEALTH_SECS=${HEALTH_SECS:-60}		# two intervals: the second one runs at full rate
MANY_WAIT=${MANY_WAIT:-45}	# s; 4.5 times the 10 s target, within the 3 min budget
PERF=${PERF:-}			# a directory: perf record both CPUs during each run
SWITCH_ROUNDS=${SWITCH_ROUNDS:-10}	# rounds of three 2 s windows in the switching run
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
NAMESERVED=$BUILD/nameserved
NSCTL=$BUILD/nsctl
PROG_BENCH=$BUILD/bench/xdp_prog_bench
HEALTH_BENCH=$BUILD/bench/health_bench
PASS_OBJ=${PASS_OBJ:-$BUILD/xdp_pass.bpf.o}
REFLECT_OBJ=${REFLECT_OBJ:-$BUILD/bench/xdp_reflect.bpf.o}
FLOOR_OBJ=${FLOOR_OBJ:-$BUILD/bench/xdp_floor.bpf.o}

# On veth the receiver's XDP program runs in NAPI on the sending CPU, so the
# generator's core also carries every XDP server; userspace servers get the other.
GEN_CPU=0
SRV_CPU=1
CLI_IP=198.18.0.1
SRV_IP=198.18.0.2
ksft_skip=4

SUFFIX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
CLI_NS=nsb-cli-$SUFFIX
SRV_NS=nsb-srv-$SUFFIX
VC=nbc-$SUFFIX
VS=nbs-$SUFFIX
INSTANCE=bench-$SUFFIX
TMP=
PIDS=()
FAILED=0

log()
{
	printf 'bench: %3ds %s\n' "$SECONDS" "$*" >&2
}

fail()
{
	log "FAIL: $*"
	FAILED=1
}

cleanup()
{
	local pid

	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Deleting the namespaces deletes the veth pair and every XDP program on it.
	ip netns del "$CLI_NS" 2>/dev/null
	ip netns del "$SRV_NS" 2>/dev/null
	rm -rf "/sys/fs/bpf/nameserve/$INSTANCE"
	rm -f "/sys/fs/bpf/nameserve-bench-reflect-$SUFFIX" "/sys/fs/bpf/nameserve-bench-floor-$SUFFIX"
	[ -n "$TMP" ] && rm -rf "$TMP"
}

forget_pid()
{
	local i

	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'
	done
}

# stop_daemon PID: TERM, then KILL after 5 s; always reaped.
stop_daemon()
{
	local pid=$1 i

	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
}

# start_daemon LOG CMD...: runs CMD in the background; sets DAEMON_PID.
start_daemon()
{
	local out=$1

	shift
	# Emptied here, not by the background redirection: wait_log must not
	# find the last start's "ready" in it before the new daemon truncates it.
	: >"$out"
	"$@" >>"$out" 2>&1 &
	DAEMON_PID=$!
	PIDS+=("$DAEMON_PID")
}

# wait_log PID LOG PATTERN SECONDS: until PATTERN shows in LOG; fails if PID dies.
wait_log()
{
	local pid=$1 out=$2 pat=$3 deadline=$((SECONDS + $4))

	while [ $SECONDS -lt $deadline ]; do
		grep -q -- "$pat" "$out" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# wait_answer NAME TYPE EXPECT: the server gives EXPECT for NAME TYPE within 10 s.
wait_answer()
{
	local got i

	for i in $(seq 20); do
		got=$(ip netns exec "$CLI_NS" kdig @"$SRV_IP" +short +timeout=1 +retry=0 "$1" "$2" 2>/dev/null)
		[ "$got" = "$3" ] && return 0
		sleep 0.5
	done
	log "$1 $2: wanted '$3', got '$got'"
	return 1
}

xdp_prog_on_server()
{
	ip -n "$SRV_NS" -d link show dev "$VS" | sed -n 's/.*prog\/xdp id \([0-9]*\) name \([^ ]*\).*/\2 (id \1)/p'
}

xdp_off()
{
	ip -n "$SRV_NS" link set dev "$VS" xdp off
}

setup_net()
{
	ip netns add "$CLI_NS" && ip netns add "$SRV_NS" &&
	ip link add "$VC" netns "$CLI_NS" type veth peer name "$VS" netns "$SRV_NS" &&
	ip -n "$CLI_NS" addr add "$CLI_IP/24" dev "$VC" &&
	ip -n "$SRV_NS" addr add "$SRV_IP/24" dev "$VS" &&
	ip -n "$CLI_NS" link set lo up && ip -n "$SRV_NS" link set lo up &&
	ip -n "$CLI_NS" link set "$VC" up && ip -n "$SRV_NS" link set "$VS" up || return 1
	# XDP_TX frames reach the client veth only when it runs XDP in native mode;
	# kxdpgun replaces this with its own AF_XDP program while it runs (and leaves
	# that one attached), kdig's checks need this one until then.
	ip -n "$CLI_NS" link set dev "$VC" xdpdrv obj "$PASS_OBJ" sec xdp
}

# cpu_snap: "busy softirq total" jiffies of the generator's and server's CPUs.
cpu_snap()
{
	awk -v g="cpu$GEN_CPU" -v s="cpu$SRV_CPU" '$1 == g || $1 == s {
		busy = $2 + $3 + $4 + $7 + $8 + $9
		printf "%s %d %d %d\n", $1, busy, $8, busy + $5 + $6 }' /proc/stat
}

# our_ticks ROOT...: CPU ticks used so far by the process trees of the ROOT pids
# (this script, the generator, the server) and by ksoftirqd, to tell our load
# from other work. A task's ticks include the softirq that interrupted it.
our_ticks()
{
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$*" '
	{
		pid = $1
		if ($2 ~ /^\(ksoftirqd\//)
			ours[pid] = 1
		sub(/^.*\) /, "")
		ppid[pid] = $2
		ticks[pid] = $12 + $13
	}
	END {
		n = split(roots, r, " ")
		for (i = 1; i <= n; i++)
			ours[r[i]] = 1
		for (pid in ppid) {
			p = pid
			for (d = 0; d < 8 && p + 0 > 2 && !(p in ours); d++)
				p = ppid[p]
			if (p in ours)
				sum += ticks[pid]
		}
		print sum + 0
	}'
}

# other_load BEFORE AFTER OURS: % of one CPU that the two CPUs spent on anything
# but our processes: other work, short-lived processes included.
other_load()
{
	printf '%s\n%s\n' "$1" "$2" | awk -v ours="$3" '
		!($1 in b0) { b0[$1] = $2; t0[$1] = $4; next }
		{ busy += $2 - b0[$1]; t = $4 - t0[$1] }
		END {
			o = busy - ours
			if (t > 0)
				printf "%d%%", (o > 0) ? 100 * o / t : 0
		}'
}

# cpu_load BEFORE AFTER CPU: "busy% (softirq%)" over the interval.
cpu_load()
{
	printf '%s\n%s\n' "$1" "$2" | awk -v c="cpu$3" '$1 == c {
		if (n++) { t = $4 - t0; printf "%d%% (si %d%%)", 100 * ($2 - b0) / t, 100 * ($3 - s0) / t }
		else { b0 = $2; s0 = $3; t0 = $4 } }'
}

# RUNS: each hot-zone pass's best rate per server, in pass order, "-" for a pass
# where the server gave none (switch-ns, switch-floor and switch-ref: the switching run's
# windows); PASS_BEST: the pass under way.
declare -A RATE SENT PCT NXD CPUG CPUS OTHER COST NOTE REPLIES RUNS PASS_BEST

# load_once LABEL QUERIES ROUND: one kxdpgun run from the client namespace; the
# CPU load is sampled inside the run, past kxdpgun's ~1.5 s of interface setup.
# Keeps the row if it beats an earlier round; REPLIES sums every round.
load_once()
{
	local label=$1 queries=$2 out=$TMP/kxdpgun-$1-$3.txt pid a b oa ob rc rate

	ip netns exec "$CLI_NS" timeout $((DURATION + 30)) \
		kxdpgun -t "$DURATION" -Q "$QPS" -F "$GEN_CPU" -i "$queries" "$SRV_IP" >"$out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	sleep 2
	oa=$(our_ticks $$ "${PIDS[@]}")
	a=$(cpu_snap)
	if [ -n "$PERF" ]; then
		mkdir -p "$PERF"
		perf record -q -g -C "$GEN_CPU,$SRV_CPU" -o "$PERF/$label-$3.data" \
			-- sleep "$((DURATION - 3)).5" 2>/dev/null
	else
		sleep "$((DURATION - 3)).5"
	fi
	b=$(cpu_snap)
	ob=$(our_ticks $$ "${PIDS[@]}")
	wait "$pid"
	rc=$?
	forget_pid "$pid"
	if [ $rc -ne 0 ] || ! grep -q '^total replies:' "$out"; then
		fail "$label: kxdpgun exited $rc"
		sed 's/^/    /' "$out" >&2
		return 1
	fi
	REPLIES[$label]=$(( ${REPLIES[$label]:-0} + $(awk '/^total replies:/ { print $3 }' "$out") ))
	rate=$(awk '/^total replies:/ { gsub(/\(/, "", $4); print $4 }' "$out")
	log "$label: $rate replies/s (round $3)"
	[ "$rate" -gt "${PASS_BEST[$label]:--1}" ] && PASS_BEST[$label]=$rate
	[ "$rate" -le "${RATE[$label]:--1}" ] && return 0
	RATE[$label]=$rate
	SENT[$label]=$(awk '/^total queries:/ { gsub(/\(/, "", $4); print $4 }' "$out")
	PCT[$label]=$(awk '/^total replies:/ { gsub(/[()]/, "", $6); print $6 }' "$out")
	NXD[$label]=$(awk '/^total replies:/ { r = $3 } /^responded NXDOMAIN:/ { n = $3 }
		END { if (r) printf "%.1f%%", 100 * n / r }' "$out")
	CPUG[$label]=$(cpu_load "$a" "$b" "$GEN_CPU")
	CPUS[$label]=$(cpu_load "$a" "$b" "$SRV_CPU")
	OTHER[$label]=$(other_load "$a" "$b" $((ob - oa)))
	# CPU our processes spent per reply, both cores: less sensitive to other
	# work than the rate, since their time is not in it.
	COST[$label]=$(printf '%s\n%s\n' "$a" "$b" | awk -v o=$((ob - oa)) -v r="$rate" '
		!($1 in t0) { t0[$1] = $4; next }
		{ t = $4 - t0[$1] }
		END { if (t > 0 && r > 0) printf "%.2f", o * 1e6 / (r * t) }')
}

# run_load LABEL QUERIES: the best of ROUNDS runs against one server start.
run_load()
{
	local r

	for r in $(seq "$ROUNDS"); do
		load_once "$1" "$2" "$r" || return 1
	done
	log "$1: ${RATE[$1]} replies/s of ${SENT[$1]} queries/s;" \
	    "cpu$GEN_CPU ${CPUG[$1]}, cpu$SRV_CPU ${CPUS[$1]}, other work ${OTHER[$1]}," \
	    "${COST[$1]} us CPU/reply"
}

# nsctl_counter JSON NAME: one counter from `nsctl stats --json`, wherever it sits.
nsctl_counter()
{
	python3 -c '
import json, sys
def find(o, k):
	if isinstance(o, dict):
		if k in o and isinstance(o[k], int):
			return o[k]
		for v in o.values():
			r = find(v, k)
			if r is not None:
				return r
	elif isinstance(o, list):
		for v in o:
			r = find(v, k)
			if r is not None:
				return r
	return None
r = find(json.loads(sys.argv[1]), sys.argv[2])
print(-1 if r is None else r)' "$1" "$2" 2>/dev/null || echo -1
}

nsctl_stats()
{
	"$NSCTL" stats --instance "$INSTANCE" --json 2>"$TMP/nsctl.err"
}

# The nameserved process runs in the server's network namespace only, so that
# its pins under /sys/fs/bpf stay visible to nsctl.
start_nameserved()
{
	local label=$1

	shift
	start_daemon "$TMP/$label.log" nsenter --net="/run/netns/$SRV_NS" \
		taskset -c "$SRV_CPU" "$NAMESERVED" --listen "$SRV_IP@53" --threads 1 "$@"
	if ! wait_log "$DAEMON_PID" "$TMP/$label.log" 'nameserved: ready' 60; then
		fail "$label: nameserved did not get ready"
		sed 's/^/    /' "$TMP/$label.log" >&2
		stop_daemon "$DAEMON_PID"
		return 1
	fi
}

knot_conf()
{
	local dir=$1 zone=$2 origin=$3 xdp=$4

	mkdir -p "$dir"
	cat >"$dir/knot.conf" <<-EOF
	server:
	    rundir: $dir
	    listen: $SRV_IP@53
	    udp-workers: 1
	    tcp-workers: 1
	    background-workers: 1
	database:
	    storage: $dir
	log:
	  - target: stderr
	    any: info
	zone:
	  - domain: $origin
	    file: $zone
	    journal-content: none
	    zonefile-sync: -1
	EOF
	[ "$xdp" = xdp ] && printf 'xdp:\n    listen: %s\n' "$VS" >>"$dir/knot.conf"
}

# knotd pins its workers round-robin over all CPUs itself: put them back on ours.
start_knotd()
{
	local label=$1

	knot_conf "$TMP/$label" "$2" "$3" "$4"
	start_daemon "$TMP/$label.log" ip netns exec "$SRV_NS" \
		taskset -c "$SRV_CPU" knotd -c "$TMP/$label/knot.conf"
	if ! wait_log "$DAEMON_PID" "$TMP/$label.log" 'loaded, serial' 60; then
		fail "$label: knotd did not load the zone"
		sed 's/^/    /' "$TMP/$label.log" >&2
		stop_daemon "$DAEMON_PID"
		return 1
	fi
	taskset -a -p -c "$SRV_CPU" "$DAEMON_PID" >/dev/null
}

# nsd forks its server process: started under taskset, every process inherits
# CPU 1. Debian's nsd limits each source to 200 answers/s unless rrl-ratelimit is 0.
start_nsd()
{
	local label=$1 dir=$TMP/$1

	mkdir -p "$dir"
	cat >"$dir/nsd.conf" <<-EOF
	server:
	    ip-address: $SRV_IP
	    port: 53
	    server-count: 1
	    username: ""
	    chroot: ""
	    database: ""
	    zonelistfile: "$dir/zone.list"
	    xfrdfile: "$dir/xfrd.state"
	    xfrdir: "$dir"
	    pidfile: "$dir/nsd.pid"
	    rrl-ratelimit: 0
	    verbosity: 1
	remote-control:
	    control-enable: no
	zone:
	    name: $3
	    zonefile: $2
	EOF
	start_daemon "$TMP/$label.log" ip netns exec "$SRV_NS" \
		taskset -c "$SRV_CPU" nsd -d -c "$dir/nsd.conf"
	if ! wait_log "$DAEMON_PID" "$TMP/$label.log" 'nsd started' 60; then
		fail "$label: nsd did not start"
		sed 's/^/    /' "$TMP/$label.log" >&2
		stop_daemon "$DAEMON_PID"
		return 1
	fi
}

# bench_server LABEL KIND ZONE ORIGIN QUERIES NAME TYPE EXPECT: start one server,
# check one answer, load it, stop it. KIND: ns-xdp ns-udp knot-xdp knot-udp nsd.
bench_server()
{
	local label=$1 kind=$2 zone=$3 origin=$4 queries=$5 before after prog replies0

	case $kind in
	ns-xdp)
		start_nameserved "$label" --zone "$zone" --xdp "$VS" --xdp-mode native \
			--instance "$INSTANCE" || return 1 ;;
	ns-udp)
		start_nameserved "$label" --zone "$zone" || return 1 ;;
	knot-xdp)
		start_knotd "$label" "$zone" "$origin" xdp || return 1 ;;
	knot-udp)
		start_knotd "$label" "$zone" "$origin" udp || return 1 ;;
	nsd)
		start_nsd "$label" "$zone" "$origin" || return 1 ;;
	esac
	prog=$(xdp_prog_on_server)
	if [ "${kind#*-}" = xdp ] && [ -z "$prog" ]; then
		fail "$label: no XDP program on $VS"
	elif [ "${kind#*-}" != xdp ] && [ -n "$prog" ]; then
		fail "$label: XDP program $prog left on $VS"
	fi
	if ! wait_answer "$6" "$7" "$8"; then
		fail "$label: wrong or no answer"
		stop_daemon "$DAEMON_PID"
		[ -n "$prog" ] && xdp_off
		return 1
	fi
	[ "$kind" = ns-xdp ] && before=$(nsctl_stats)
	replies0=${REPLIES[$label]:-0}
	run_load "$label" "$queries"
	if [ "$kind" = ns-xdp ]; then
		after=$(nsctl_stats)
		xdp_proof "$label" "$before" "$after" $(( ${REPLIES[$label]:-0} - replies0 ))
	fi
	stop_daemon "$DAEMON_PID"
	# knotd leaves its XDP program attached when it exits.
	[ -n "$(xdp_prog_on_server)" ] && xdp_off
	return 0
}

# xdp_proof LABEL BEFORE AFTER REPLIES: which path answered, from the fast
# path's own counters: XDP_TX answers against replies kxdpgun received.
xdp_proof()
{
	local label=$1 ans0 ans1 miss0 miss1 rx0 rx1 replies

	ans0=$(nsctl_counter "$2" answered)
	ans1=$(nsctl_counter "$3" answered)
	miss0=$(nsctl_counter "$2" pass_miss)
	miss1=$(nsctl_counter "$3" pass_miss)
	rx0=$(nsctl_counter "$2" received)
	rx1=$(nsctl_counter "$3" received)
	replies=$4
	if [ "$ans0" -lt 0 ] || [ "$ans1" -lt 0 ]; then
		NOTE[$label]="nsctl stats unreadable: $(head -1 "$TMP/nsctl.err")"
		fail "$label: ${NOTE[$label]}"
		return
	fi
	NOTE[$label]="XDP saw $((rx1 - rx0)), answered $((ans1 - ans0)) (kxdpgun got ${replies:-0}), pass_miss $((miss1 - miss0))"
	log "$label: ${NOTE[$label]}"
}

ratio()
{
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a > 0 && b > 0) printf "%.0f %%", 100 * a / b; else printf "n/a" }'
}

# pass_ratios "A1 A2 …" "B1 B2 …": A/B for each pass, in order; "–" for a pass
# where either gave no rate ("-").
pass_ratios()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); m = split(b, y, " ");
		for (i = 1; i <= n && i <= m; i++)
			if (x[i] + 0 > 0 && y[i] + 0 > 0)
				printf "%s%.0f %%", (i > 1 ? ", " : ""), 100 * x[i] / y[i];
			else
				printf "%s–", (i > 1 ? ", " : "");
		if (!n || !m) printf "n/a" }'
}

# median_ratio "A1 A2 …" "B1 B2 …": median, min and max of the passes' A/B in %,
# and how many passes had both; nothing if none did.
median_ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ");
		for (i = 1; i <= n; i++) {
			if (!(x[i] + 0 > 0 && y[i] + 0 > 0))
				continue;
			r = 100 * x[i] / y[i];
			for (j = ++k; j > 1 && s[j - 1] > r; j--)	# insertion sort
				s[j] = s[j - 1];
			s[j] = r;
		}
		if (k) printf "%.2f %.0f %.0f %d\n", (s[int((k + 1) / 2)] + s[int(k / 2) + 1]) / 2,
			s[1], s[k], k }'
}

# idle_check: how busy the machine is before we load it; other work on these
# two cores would show up as lower rates, so the report says so.
IDLE_NOTE=
idle_check()
{
	local a b g s

	a=$(cpu_snap)
	sleep 1
	b=$(cpu_snap)
	g=$(cpu_load "$a" "$b" "$GEN_CPU")
	s=$(cpu_load "$a" "$b" "$SRV_CPU")
	IDLE_NOTE="before the runs, idle machine check: CPU $GEN_CPU ${g%% *} busy, CPU $SRV_CPU ${s%% *} busy"
	log "$IDLE_NOTE"
	if [ "${g%%%*}" -gt 10 ] || [ "${s%%%*}" -gt 10 ]; then
		IDLE_NOTE="$IDLE_NOTE: WARNING, other work was running; rates are understated"
		log "WARNING: the machine is not idle; figures will be low"
	fi
	# Run-time statistics time every BPF program run (tens of ns each here).
	if [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ]; then
		IDLE_NOTE="$IDLE_NOTE; WARNING: kernel.bpf_stats_enabled=1 adds its own cost to every XDP run"
		log "WARNING: kernel.bpf_stats_enabled is 1; XDP figures include its cost"
	fi
}

# ----- sections ------------------------------------------------------------

PROG_OUT=
section_prog()
{
	log "program cost: $PROG_BENCH"
	if [ ! -x "$PROG_BENCH" ]; then
		fail "$PROG_BENCH not built"
		PROG_OUT="not built"
		return
	fi
	if ! PROG_OUT=$("$PROG_BENCH" 2>&1); then
		fail "xdp_prog_bench failed"
	fi
}

# The checker against endpoints in a namespace of the bench's own (it
# unshares one), on the server CPU.
HEALTH_OUT=
section_health()
{
	log "health checker: $HEALTH_ENDPOINTS endpoints every $HEALTH_INTERVAL s for $HEALTH_SECS s"
	if [ ! -x "$HEALTH_BENCH" ]; then
		fail "$HEALTH_BENCH not built"
		HEALTH_OUT="not built"
		return
	fi
	if ! HEALTH_OUT=$(taskset -c "$SRV_CPU" "$HEALTH_BENCH" -n "$HEALTH_ENDPOINTS" \
			-i "$HEALTH_INTERVAL" -d "$HEALTH_SECS" 2>&1); then
		fail "health_bench failed"
	fi
	log "$HEALTH_OUT"
}

declare -A DESC=(
	[reflector]="XDP reflector (upper bound)"
	[ns-xdp]="nameserved, XDP"
	[ns-udp]="nameserved, UDP (XDP off)"
	[knot-xdp]="knotd $(knotd --version 2>/dev/null | awk '{ print $NF }'), XDP"
	[knot-udp]="knotd, UDP"
	[nsd]="nsd, UDP"
	[big-ns-udp]="nameserved, UDP (XDP off)"
	[big-ns-xdp]="nameserved, XDP"
	[big-knot-udp]="knotd, UDP"
	[big-nsd]="nsd, UDP"
)

# qps_server KIND: one hot-zone load of one server.
qps_server()
{
	local kind=$1 z=$TMP/zones

	if [ "$kind" = reflector ]; then
		log "reflector: ${REFLECT_OBJ}"
		if ip -n "$SRV_NS" link set dev "$VS" xdpdrv obj "$REFLECT_OBJ" sec xdp; then
			run_load reflector "$z/hot.queries"
			xdp_off
		else
			fail "reflector: cannot attach $REFLECT_OBJ"
		fi
		return
	fi
	if [ "${kind%-*}" = ns ] && [ ! -x "$NAMESERVED" ]; then
		fail "$kind: $NAMESERVED not built"
		NOTE[$kind]="not built"
		return
	fi
	log "$kind"
	bench_server "$kind" "$kind" "$z/hot.zone" example.com. "$z/hot.queries" \
		h1.example.com. A 198.18.0.1
}

# xdp_tx_count: frames the server's veth has sent back with XDP_TX, whichever
# program sent them.
xdp_tx_count()
{
	ip netns exec "$SRV_NS" ethtool -S "$VS" |
		awk '/xdp_tx:/ && !/err/ { s += $2 } END { print s + 0 }'
}

# window_rate: XDP_TX frames per second over 2 s, once the program just
# attached has settled.
window_rate()
{
	local a b t0 t1

	sleep 0.3
	a=$(xdp_tx_count)
	t0=$(date +%s%N)
	sleep 2
	b=$(xdp_tx_count)
	t1=$(date +%s%N)
	echo $(( (b - a) * 1000000000 / (t1 - t0) ))
}

attach_prog_id()
{
	nsenter --net="/run/netns/$SRV_NS" bpftool net attach xdpdrv id "$1" dev "$VS" overwrite
}

# pinned_prog_id PIN: the id of the program pinned at PIN.
pinned_prog_id()
{
	bpftool prog show pinned "$1" | sed -n 's/^\([0-9]*\):.*/\1/p'
}

# prog_map_id PROG SUFFIX: the id of PROG's map whose name ends in SUFFIX.
prog_map_id()
{
	local m

	for m in $(bpftool -j prog show id "$1" |
		   python3 -c 'import json, sys; print(*json.load(sys.stdin)["map_ids"])'); do
		case $(bpftool -j map show id "$m" |
		       python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])') in
		*"$2") echo "$m"; return 0 ;;
		esac
	done
	return 1
}

# floor_seed NS_ID FLOOR_ID: gives the floor program FLOOR_ID the key seed of
# nameserved's program NS_ID, which that program keeps in its read-only data.
floor_seed()
{
	local rodata bss seed

	rodata=$(prog_map_id "$1" .rodata) && bss=$(prog_map_id "$2" .bss) || return 1
	# name_seed, then the floor's epoch (0), as little-endian bytes.
	seed=$(bpftool -j map dump id "$rodata" | python3 -c '
import json, sys
sec = json.load(sys.stdin)[0]["formatted"]["value"][".rodata"]
seed = [v for d in sec for k, v in d.items() if k == "name_seed"][0]
print(*("%d" % b for b in seed.to_bytes(8, "little") + bytes(8)))') || return 1
	bpftool map update id "$bss" key 0 0 0 0 value $seed
}

# floor_answered FLOOR_ID: XDP_TX answers the floor program has sent.
floor_answered()
{
	local id

	id=$(prog_map_id "$1" counters) &&
	bpftool -j map lookup id "$id" key 0 0 0 0 |
		python3 -c 'import json, sys; print(sum(v["value"] for v in json.load(sys.stdin)["formatted"]["values"]))'
}

# switch_ready NS_ID REF_PIN FLOOR_PIN: loads the reflector at REF_PIN and the
# floor at FLOOR_PIN, on nameserved's tier-0 answers, and leaves the floor
# attached. 0 once nameserved's program and then the floor itself have
# answered: the floor's rate means nothing unless it answers as nameserved does.
switch_ready()
{
	local floor_id q before

	[ -n "$1" ] && wait_answer h1.example.com. A 198.18.0.1 &&
	bpftool prog load "$REFLECT_OBJ" "$2" type xdp &&
	bpftool prog load "$FLOOR_OBJ" "$3" type xdp \
		map name answers_32 pinned "/sys/fs/bpf/nameserve/$INSTANCE/answers_32" &&
	floor_id=$(pinned_prog_id "$3") && floor_seed "$1" "$floor_id" &&
	attach_prog_id "$floor_id" || return 1
	for q in "h1.example.com. A 198.18.0.1" "h2.example.com. AAAA 2001:db8::2"; do
		before=$(floor_answered "$floor_id") && wait_answer $q &&
		[ "$(floor_answered "$floor_id")" -gt "$before" ] || {
			log "switch: the floor did not answer ${q% *} itself"
			return 1
		}
	done
}

# section_switch: one kxdpgun run against nameserved's XDP path while the
# server veth's program cycles through the reflector, the floor program and
# nameserved's every 2 s: the rates of a round are seconds apart, not minutes
# as in the passes above, so the VM's drift mostly cancels. Each goes first in
# turn. The floor (bench/xdp_floor.bpf.c) answers the same queries from the
# same map with the least work found, so floor / reflector is what the machine
# allows any answer, and nameserved / floor what the fast path adds to that.
section_switch()
{
	local z=$TMP/zones ref_pin=/sys/fs/bpf/nameserve-bench-reflect-$SUFFIX
	local floor_pin=/sys/fs/bpf/nameserve-bench-floor-$SUFFIX ns_id pid i j k rate
	local names=(ref floor ns) ids

	log "switching run: $SWITCH_ROUNDS rounds of three 2 s windows"
	start_nameserved switch --zone "$z/hot.zone" --xdp "$VS" --xdp-mode native \
		--instance "$INSTANCE" || return
	ns_id=$(xdp_prog_on_server | sed -n 's/.*(id \([0-9]*\))$/\1/p')
	if ! switch_ready "$ns_id" "$ref_pin" "$floor_pin" || ! attach_prog_id "$ns_id"; then
		fail "switch: nameserved's XDP path, the reflector or the floor is not ready"
		stop_daemon "$DAEMON_PID"
		rm -f "$ref_pin" "$floor_pin"
		return
	fi
	ids=("$(pinned_prog_id "$ref_pin")" "$(pinned_prog_id "$floor_pin")" "$ns_id")
	ip netns exec "$CLI_NS" timeout $((SWITCH_ROUNDS * 9 + 30)) \
		kxdpgun -t $((SWITCH_ROUNDS * 9 + 4)) -Q "$QPS" -F "$GEN_CPU" -i "$z/hot.queries" \
		"$SRV_IP" >"$TMP/kxdpgun-switch.txt" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	sleep 2
	for i in $(seq "$SWITCH_ROUNDS"); do
		for j in 0 1 2; do
			k=$(( (i + j) % 3 ))
			rate=-
			attach_prog_id "${ids[$k]}" && rate=$(window_rate)
			RUNS[switch-${names[$k]}]+=" $rate"
		done
		log "switch: round $i: reflector ${RUNS[switch-ref]##* }/s," \
		    "floor ${RUNS[switch-floor]##* }/s, nameserved ${RUNS[switch-ns]##* }/s"
	done
	attach_prog_id "$ns_id" || fail "switch: cannot put nameserved's program back"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
	stop_daemon "$DAEMON_PID"
	[ -n "$(xdp_prog_on_server)" ] && xdp_off
	rm -f "$ref_pin" "$floor_pin"
}

# Even passes run the servers in reverse order, so that drift within a pass
# does not always favour the server that runs first.
section_qps()
{
	local kind pass order reversed=

	for kind in $SERVERS; do
		reversed="$kind${reversed:+ $reversed}"
	done
	log "answered queries/s, hot zone of 1,000 names, $PASSES pass(es)"
	for pass in $(seq "$PASSES"); do
		order=$SERVERS
		[ $((pass % 2)) -eq 0 ] && order=$reversed
		log "pass $pass of $PASSES: $order"
		for kind in $order; do
			PASS_BEST[$kind]=
			qps_server "$kind"
			RUNS[$kind]="${RUNS[$kind]:-} ${PASS_BEST[$kind]:--}"
		done
	done
}

section_bigzone()
{
	local z=$TMP/zones kind

	log "answered queries/s, one zone of 100,000 names"
	for kind in ns-udp ns-xdp knot-udp nsd; do
		[[ " $SERVERS " == *" $kind "* ]] || continue
		if [ "${kind%-*}" = ns ] && [ ! -x "$NAMESERVED" ]; then
			fail "big-$kind: $NAMESERVED not built"
			NOTE[big-$kind]="not built"
			continue
		fi
		log "big-$kind"
		bench_server "big-$kind" "$kind" "$z/big.zone" example.net. "$z/big.queries" \
			n1.example.net. A 198.18.0.1
	done
}

# load_zones N: N generated zones into nameserved; time to "ready" and memory.
declare -A LOAD_SECS LOAD_RSS LOAD_HWM LOAD_HOW LOAD_NOTE
load_zones()
{
	local n=$1 dir=$TMP/many-$1 t0 t1 pid status i args=()

	python3 "$ROOT/bench/zonegen.py" many "$dir" "$n" "$MANY_RECORDS" || {
		fail "zonegen many $n"; return; }
	if "$NAMESERVED" --help 2>&1 | grep -q -- '--zone-dir'; then
		LOAD_HOW[$n]="--zone-dir"
		args=(--zone-dir "$dir")
	else
		# No directory option: one --zone per file. Relative names and a larger
		# stack limit keep 100,000 of them under the kernel's argument limit.
		LOAD_HOW[$n]="one --zone per file (no --zone-dir)"
		for i in $(cd "$dir" && ls); do
			args+=(--zone "$i")
		done
	fi
	log "loading $n zones into nameserved (${LOAD_HOW[$n]})"
	t0=$(date +%s.%N)
	(
		cd "$dir" && ulimit -s 65536 &&
		exec nsenter --net="/run/netns/$SRV_NS" taskset -c "$SRV_CPU" \
			"$NAMESERVED" --listen "$SRV_IP@53" --threads 1 "${args[@]}"
	) >"$TMP/many-$n.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	status=/proc/$pid/status
	if ! wait_log "$pid" "$TMP/many-$n.log" 'nameserved: ready' "$MANY_WAIT"; then
		i=$(grep -c ': zone .* serial' "$TMP/many-$n.log")
		LOAD_SECS[$n]=">$MANY_WAIT"
		LOAD_NOTE[$n]="not ready after $MANY_WAIT s: $i of $n zones loaded by then"
		LOAD_RSS[$n]=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "$status" 2>/dev/null)
		LOAD_HWM[$n]=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "$status" 2>/dev/null)
		kill -0 "$pid" 2>/dev/null ||
			LOAD_NOTE[$n]="exited: $(grep -v ': zone ' "$TMP/many-$n.log" | tail -1)"
		fail "$n zones: ${LOAD_NOTE[$n]}"
		stop_daemon "$pid"
		rm -rf "$dir"
		return
	fi
	t1=$(date +%s.%N)
	LOAD_SECS[$n]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	LOAD_RSS[$n]=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "$status")
	LOAD_HWM[$n]=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "$status")
	# One answer from the last zone: every file was really loaded.
	i=$(printf '%06d' $((n - 1)))
	if ! wait_answer "ns1.zone$i.test." A "$SRV_IP"; then
		fail "$n zones: zone$i.test. not served"
		LOAD_NOTE[$n]="last zone not served"
	fi
	log "$n zones: ready in ${LOAD_SECS[$n]} s, VmRSS ${LOAD_RSS[$n]} MiB, VmHWM ${LOAD_HWM[$n]} MiB"
	stop_daemon "$pid"
	rm -rf "$dir"
}

# A tenth first: the pair shows whether load time grows faster than the count.
section_manyzones()
{
	if [ ! -x "$NAMESERVED" ]; then
		fail "manyzones: $NAMESERVED not built"
		return
	fi
	load_zones $((MANY_ZONES / 10))
	load_zones "$MANY_ZONES"
}

# ----- report --------------------------------------------------------------

row()
{
	local l=$1 o

	if [ -n "${RATE[$l]:-}" ]; then
		o=${OTHER[$l]:-0%}
		[ "${o%\%}" -gt 10 ] &&
			NOTE[$l]="other work took ${OTHER[$l]} of a CPU: rate understated. ${NOTE[$l]:-}"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${DESC[$l]}" \
			"${RATE[$l]}" "${SENT[$l]}" "${PCT[$l]}" "${COST[$l]}" "${CPUG[$l]}" \
			"${CPUS[$l]}" "${OTHER[$l]}" "${NOTE[$l]:-}"
	elif [[ " $SERVERS " != *" ${l#big-} "* ]]; then
		printf '| %s | – | | | | | | | not run (SERVERS) |\n' "${DESC[$l]}"
	else
		printf '| %s | – | | | | | | | %s |\n' "${DESC[$l]}" "${NOTE[$l]:-failed}"
	fi
}

table_head()
{
	echo "| server | replies/s | queries/s sent | answered | µs CPU/reply | CPU $GEN_CPU (generator) | CPU $SRV_CPU (server) | other work | notes |"
	echo "|---|---:|---:|---:|---:|---|---|---:|---|"
}

# target RATIO OP PCT: whether RATIO (in %, empty if not measured) OP PCT,
# OP ">=" or ">".
target()
{
	awk -v r="${1:-}" -v op="$2" -v pct="$3" 'BEGIN {
		if (r == "") print "not measured"
		else if (op == ">" ? r > pct : r >= pct) print "met"
		else print "NOT met" }'
}

# paired A B OP PCT [ONE MANY]: the median of RUNS[A]/RUNS[B] over the passes
# (or ONE/MANY: the switching run's rounds) where both ran, its range, and the
# target A/B OP PCT % judged on that median; no target with an empty OP.
paired()
{
	local med lo hi n one=${5:-pass} many=${6:-passes} goal=

	[ -n "$3" ] && goal="target $3 $4 %: "
	read -r med lo hi n < <(median_ratio "${RUNS[$1]:-}" "${RUNS[$2]:-}")
	if [ -z "${n:-}" ]; then
		echo "n/a${goal:+ (${goal}not measured)}"
		return
	fi
	if [ "$n" -eq 1 ]; then
		lo="1 $one"
	else
		lo="$lo–$hi % over $n $many"
	fi
	[ -n "$goal" ] && goal="; $goal$(target "$med" "$3" "$4")"
	printf '%.0f %% (%s%s)\n' "$med" "$lo" "$goal"
}

report()
{
	local l cpu n

	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "# nameserve benchmark results"
	echo
	echo "Written by \`bench/run.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "## Machine"
	echo
	echo "- CPU: $cpu, $(nproc) cores"
	echo "- kernel: $(uname -r)"
	echo "- nameserve: $(git -C "$ROOT" describe --always 2>/dev/null || echo unknown)$(
		[ -n "$(git -C "$ROOT" status --porcelain -- . ':!bench/RESULTS.md' 2>/dev/null)" ] &&
		echo ' with uncommitted changes')"
	echo "- $(knotd --version 2>&1 | head -1); $(nsd -v 2>&1 | head -1);" \
	     "$(kxdpgun --version 2>&1 | head -1)"
	echo "- $IDLE_NOTE"
	echo "- load: kxdpgun, one thread pinned to CPU $GEN_CPU, best of $ROUNDS run(s) of ${DURATION} s per server start ($PASSES interleaved passes over the hot-zone servers, every other one in reverse order) at" \
	     "-Q $QPS; servers pinned to CPU $SRV_CPU; veth pair between two namespaces"
	echo "- client side: kxdpgun attaches its own AF_XDP program (native) to the client veth"
	echo "  while it runs, so XDP_TX replies are received; xdp_pass holds that place for the"
	echo "  kdig answer check each server passes before it is loaded"
	echo
	if [[ " $SECTIONS " == *" prog "* ]]; then
		echo "## 1. XDP program cost (BPF_PROG_TEST_RUN)"
		echo
		echo '```'
		echo "$PROG_OUT"
		echo '```'
		echo
	fi
	if [[ " $SECTIONS " == *" qps "* ]]; then
		echo "## 2. Answered queries/s, hot zone (1,000 names, A/AAAA, half with EDNS)"
		echo
		table_head
		for l in reflector ns-xdp ns-udp knot-xdp knot-udp nsd; do
			row "$l"
		done
		echo
		echo "- nameserved XDP / reflector, median of the passes' paired ratios:" \
		     "$(paired ns-xdp reflector ">=" 90)"
		echo "  - best of each: $(ratio "${RATE[ns-xdp]:-}" "${RATE[reflector]:-}");" \
		     "by CPU per reply: $(ratio "${COST[reflector]:-}" "${COST[ns-xdp]:-}")"
		echo "  - pass by pass: $(pass_ratios "${RUNS[ns-xdp]:-}" "${RUNS[reflector]:-}")"
		echo "- nameserved XDP / knotd XDP, median of the passes' paired ratios:" \
		     "$(paired ns-xdp knot-xdp ">" 100)"
		echo "  - best of each: $(ratio "${RATE[ns-xdp]:-}" "${RATE[knot-xdp]:-}");" \
		     "pass by pass: $(pass_ratios "${RUNS[ns-xdp]:-}" "${RUNS[knot-xdp]:-}")"
		echo "- nameserved UDP / knotd UDP: $(ratio "${RATE[ns-udp]:-}" "${RATE[knot-udp]:-}");" \
		     "/ nsd: $(ratio "${RATE[ns-udp]:-}" "${RATE[nsd]:-}")"
		echo
		echo "\"µs CPU/reply\": CPU time of the generator, the server and ksoftirqd on both"
		echo "cores, per reply received: the whole cost of one answered query on this machine."
		echo "\"other work\": CPU time on the two CPUs that went to neither the generator,"
		echo "the server nor ksoftirqd during the run, in % of one CPU; above a few %, other"
		echo "work shared the machine and the rates are understated."
		echo
		echo "Compare rows of one run: on a virtual machine the generator's own rate (the"
		echo "reflector row) moves by up to a third between quiet runs. Targets are judged"
		echo "on the median of the per-pass ratios: the two runs of a pair are at most a few"
		echo "minutes apart, which cancels most of the VM's drift, and a median is not moved"
		echo "by one outlier pass, as a best-of is. The table keeps each server's best pass."
		echo
		echo "On veth the receiving XDP program runs in NAPI on the sending CPU: every XDP"
		echo "row shares CPU $GEN_CPU with the generator, which is why the reflector row is the"
		echo "generator's own ceiling. Userspace servers run on CPU $SRV_CPU; their kernel receive"
		echo "path still runs on CPU $GEN_CPU."
		echo
	fi
	if [ -n "${RUNS[switch-ns]:-}" ]; then
		echo "## 2a. nameserved XDP / reflector within one run (hot zone)"
		echo
		echo "- nameserved / reflector, median of the rounds: $(paired switch-ns switch-ref ">=" 90 round rounds)"
		echo "- floor / reflector: $(paired switch-floor switch-ref "" "" round rounds)"
		echo "- nameserved / floor: $(paired switch-ns switch-floor "" "" round rounds)"
		echo "- round by round, nameserved / reflector: $(pass_ratios "${RUNS[switch-ns]}" "${RUNS[switch-ref]}")"
		echo "- round by round, floor / reflector: $(pass_ratios "${RUNS[switch-floor]:-}" "${RUNS[switch-ref]}")"
		echo
		echo "One kxdpgun run; the server veth's program cycles through the reflector,"
		echo "the floor and nameserved's every 2 s, each first in turn, and each window's"
		echo "rate is the XDP_TX frames the veth sent (ethtool -S). The rates of a round"
		echo "are seconds apart, not minutes as in the passes of section 2. The floor"
		echo "(bench/xdp_floor.bpf.c) answers the hot zone's queries from nameserved's own"
		echo "map with the least work found (fixed offsets, a per-CPU copy of hot entries,"
		echo "nothing but the hot zone's shape): floor / reflector is what this machine"
		echo "allows an answer at all, nameserved / floor what the fast path adds to it."
		echo
	fi
	if [[ " $SECTIONS " == *" bigzone "* ]]; then
		echo "## 3. Big zone: 100,000 names (A; AAAA, TXT, MX on some), 3 % NXDOMAIN"
		echo
		table_head
		for l in big-ns-udp big-knot-udp big-nsd big-ns-xdp; do
			row "$l"
		done
		echo
		echo "- nameserved UDP / knotd UDP: $(ratio "${RATE[big-ns-udp]:-}" "${RATE[big-knot-udp]:-}");" \
		     "/ nsd: $(ratio "${RATE[big-ns-udp]:-}" "${RATE[big-nsd]:-}")"
		echo "- NXDOMAIN share of replies: nameserved ${NXD[big-ns-udp]:-n/a}," \
		     "knotd ${NXD[big-knot-udp]:-n/a}, nsd ${NXD[big-nsd]:-n/a}"
		echo
	fi
	if [[ " $SECTIONS " == *" manyzones "* ]]; then
		echo "## 4. Loading $MANY_ZONES zones of ~$MANY_RECORDS records into nameserved"
		echo
		echo "| zones | records | loaded via | start to ready | VmRSS | VmHWM | notes |"
		echo "|---:|---:|---|---:|---:|---:|---|"
		for n in $((MANY_ZONES / 10)) "$MANY_ZONES"; do
			printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$((n * MANY_RECORDS))" \
				"${LOAD_HOW[$n]:-–}" "${LOAD_SECS[$n]:+${LOAD_SECS[$n]} s}" \
				"${LOAD_RSS[$n]:+${LOAD_RSS[$n]} MiB}" "${LOAD_HWM[$n]:+${LOAD_HWM[$n]} MiB}" \
				"${LOAD_NOTE[$n]:-}"
		done
		echo
		n=$MANY_ZONES
		echo "- targets for $n zones: load < 10 s: $(awk -v s="${LOAD_SECS[$n]:-}" 'BEGIN {
			print s == "" ? "not measured" : (s ~ /^>/ || s >= 10 ? "NOT met" : "met") }');" \
		     "RSS < 1 GiB: $(awk -v s="${LOAD_SECS[$n]:-}" -v r="${LOAD_HWM[$n]:-}" 'BEGIN {
			print s == "" || s ~ /^>/ ? "not measured (not loaded)" : (r < 1024 ? "met" : "NOT met") }')"
		echo
	fi
	if [[ " $SECTIONS " == *" health "* ]]; then
		echo "## 5. Health checks: $HEALTH_ENDPOINTS endpoints every $HEALTH_INTERVAL s"
		echo
		echo "Half HTTP (GET, status line read), half TCP connect, against one epoll server"
		echo "in a network namespace (198.18.0.0/15 local on its lo), checker and server on"
		echo "CPU $SRV_CPU. CPU is the checker thread's own (process less the sampling thread)."
		echo
		echo '```'
		echo "$HEALTH_OUT" | grep '^health: [0-9a-z]* ' | grep -v 'checks, up to'
		echo '```'
		echo
	fi
}

# ----- main ----------------------------------------------------------------

main()
{
	local s tool

	if [ "$(id -u)" -ne 0 ]; then
		log "SKIP: needs root (namespaces, XDP)"
		exit $ksft_skip
	fi
	for tool in kxdpgun knotd nsd kdig python3 taskset nsenter; do
		if ! command -v "$tool" >/dev/null; then
			log "SKIP: $tool not installed"
			exit $ksft_skip
		fi
	done
	if [ "$(nproc)" -lt 2 ] || [ "$DURATION" -lt 4 ]; then
		log "needs 2 CPUs and DURATION >= 4"
		exit 1
	fi
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	TMP=$(mktemp -d /tmp/nameserve-bench.XXXXXX) || exit 1
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || exit 1

	if [ ! -f "$REFLECT_OBJ" ] && [ -f "$ROOT/bench/xdp_reflect.bpf.c" ]; then
		REFLECT_OBJ=$TMP/xdp_reflect.bpf.o
		clang -g -O2 -target bpf -I"$ROOT/include" $(clang -v -E - </dev/null 2>&1 |
			sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }') \
			-c "$ROOT/bench/xdp_reflect.bpf.c" -o "$REFLECT_OBJ" || fail "cannot build the reflector"
	fi
	if [ ! -f "$PASS_OBJ" ]; then
		log "$PASS_OBJ not built"
		exit 1
	fi
	idle_check
	setup_net || { log "cannot set up the namespaces"; exit 1; }
	mkdir -p "$TMP/zones"
	python3 "$ROOT/bench/zonegen.py" hot "$TMP/zones" &&
	python3 "$ROOT/bench/zonegen.py" big "$TMP/zones" 100000 || exit 1

	for s in $SECTIONS; do
		case $s in
		prog|qps|switch|bigzone|manyzones|health) "section_$s" ;;
		*) log "unknown section $s"; exit 1 ;;
		esac
	done
	report >"$TMP/RESULTS.md"
	cat "$TMP/RESULTS.md"
	cp "$TMP/RESULTS.md" "$RESULTS"
	log "written to $RESULTS"
	exit $FAILED
}

main "$@"
