#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the traffic steering selftests (sourced after lib.sh): nameserved
# with its API, a store and XDP on its veth; nsctl in its namespace; counts of
# answers from many queries (py/steer_count.py); a backend namespace with
# health-checked servers, started and stopped by PID.

source "$SELFTEST_DIR/api_lib.sh"

ZONE_NAME=steer.example
STEER_COUNT=$SELFTEST_DIR/py/steer_count.py

NS_BE=nsb-$SUFFIX
IF_BE_SRV=vbs-$SUFFIX
IF_BE=vb-$SUFFIX
BE_SRV_IP4=198.18.50.1
BACKEND_PIDS=()

export HOME=$WORKDIR/home
mkdir -p "$HOME"
unset NAMESERVE_URL NAMESERVE_TOKEN NSCTL_CONFIG XDG_CONFIG_HOME

nsctl() {
	in_srv "$NSCTL" "$@"
}

# steer_start [ARGS...]: start_api with XDP on IF_SRV, nsctl pointed at it, the
# zone ZONE_NAME created on the first start (the store is kept across restarts).
steer_start() {
	start_api --xdp "$IF_SRV" "$@" || return 1
	export NAMESERVE_URL=$API_URL NAMESERVE_TOKEN=$TOKEN
	log "nameserved pid $DAEMON_PID, XDP on $IF_SRV: $(xdp_prog_id "$NS_SRV" "$IF_SRV")"
	if [ ! -e "$WORKDIR/zone.created" ]; then
		nsctl zone create "$ZONE_NAME" --ns "ns1.$ZONE_NAME." >/dev/null ||
			{ fail "zone create failed"; return 1; }
		touch "$WORKDIR/zone.created"
	fi
}

ensure_steer() {
	[ -n "$DAEMON_PID" ] && return 0
	steer_start "$@"
}

# nsctl_ok ARGS...: nsctl that must succeed; its output on failure.
nsctl_ok() {
	local out

	out=$(nsctl "$@" 2>&1) || { fail "nsctl $*: $out"; return 1; }
}

# steer_count [steer_count.py ARGS...]: the JSON tally of many queries from the
# client namespace (bounded by the tool's own deadline and a timeout here).
steer_count() {
	timeout 60 nsenter --net="/run/netns/$NS_CLI" python3 "$STEER_COUNT" "$@"
}

# jq_of JSON FILTER
jq_of() {
	jq -r "$2" <<<"$1"
}

# share JSON ADDR: the fraction (0..1) of answered queries that carried ADDR.
share() {
	jq -r --arg a "$2" '((.counts[$a] // 0) / (if .answered > 0 then .answered else 1 end))' \
		<<<"$1"
}

# within X LO HI: LO <= X <= HI, as decimals.
within() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# answer_set [kdig args after server name type]: sorted answer RDATA of one
# query from the client namespace, on one line ("" for none; "ERR" on failure).
answer_set() {
	local server=$1 name=$2 type=$3 out

	shift 3
	out=$(query "$server" "$name" "$type" "$@") || { echo ERR; return 1; }
	grep -q 'status: NOERROR' <<<"$out" || { echo ERR; return 1; }
	sed -n '/ANSWER SECTION:/,/^$/p' <<<"$out" |
		awk 'NF >= 5 && $1 !~ /^;;/ {print $NF}' | sort | tr '\n' ' ' | sed 's/ *$//'
}

# wait_set NAME TYPE "RDATA..." SECONDS [kdig args]: polls every 100 ms until the
# answer is exactly that set; WAITED_MS the time it took.
wait_set() {
	local name=$1 type=$2 want=$3 secs=$4 got t0 now

	shift 4
	t0=$(date +%s%N)
	while :; do
		got=$(answer_set "$SRV_IP4" "$name" "$type" "$@")
		now=$(date +%s%N)
		WAITED_MS=$(((now - t0) / 1000000))
		[ "$got" = "$want" ] && return 0
		if [ "$WAITED_MS" -gt $((secs * 1000)) ]; then
			fail "$name $type: '$got' after $WAITED_MS ms, expected '$want'"
			return 1
		fi
		sleep 0.1
	done
}

# xdp_set NAME TYPE "RDATA..." [N]: N (default 20) UDP queries, each answered with
# exactly that set, all of them by XDP (answered +N, pass_miss +0).
xdp_set() {
	local name=$1 type=$2 want=$3 n=${4:-20} a0 a1 m0 m1 res server=$SRV_IP4

	[ "$type" = AAAA ] && server=$SRV_IP6
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	res=$(steer_count --server "$server" --name "$name" --type "$type" --count "$n" \
		--inflight 4 --deadline 10) || { fail "steer_count: $res"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	check_all_sets "$res" "$n" "$want" "$name $type over XDP" || return 1
	[ $((a1 - a0)) -ge "$n" ] && [ "$m1" -eq "$m0" ] ||
		{ fail "$name $type not from XDP: answered +$((a1 - a0)), pass_miss +$((m1 - m0))"
		  return 1; }
}

# tcp_set NAME TYPE "RDATA..." [N]: the same over TCP, answered by the engine.
tcp_set() {
	local name=$1 type=$2 want=$3 n=${4:-20} res

	res=$(steer_count --tcp --server "$SRV_IP4" --name "$name" --type "$type" --count "$n" \
		--batch 10 --deadline 10) || { fail "steer_count: $res"; return 1; }
	check_all_sets "$res" "$n" "$want" "$name $type over TCP"
}

# check_all_sets JSON N "RDATA..." LABEL: all N answered, each with exactly that set.
check_all_sets() {
	local res=$1 n=$2 want=$3 label=$4 w sets k

	[ "$(jq_of "$res" .answered)" -eq "$n" ] ||
		{ fail "$label: $(jq_of "$res" .answered) of $n answered: $res"; return 1; }
	sets=$(jq_of "$res" .sets)
	k=$(wc -w <<<"$want")
	[ "$sets" -eq 1 ] && [ "$(jq_of "$res" ".sizes[\"$k\"] // 0")" -eq "$n" ] ||
		{ fail "$label: answers vary, expected '$want' each time: $res"; return 1; }
	for w in $want; do
		[ "$(jq_of "$res" ".counts[\"$w\"] // 0")" -eq "$n" ] ||
			{ fail "$label: expected '$want' each time: $res"; return 1; }
	done
}

# metric NAME: the sum of the Prometheus samples whose name starts with NAME.
metric() {
	in_srv curl -s --max-time 10 "$NAMESERVE_URL/metrics" |
		awk -v n="$1" 'index($1, n) == 1 && $1 !~ /^#/ { s += $NF; f = 1 }
			END { if (!f) exit 1; print s + 0 }'
}

# setup_backend ADDR...: a backend namespace joined to the server namespace by
# veth, BE_SRV_IP4 on the server's end and the given addresses (/24) on its own.
setup_backend() {
	local a

	[ -e "/run/netns/$NS_BE" ] && return 0
	setup_pair || return 1
	ip netns add "$NS_BE" || return 1
	NETNS_CREATED+=("$NS_BE")
	ip -n "$NS_BE" link set lo up
	ip link add "$IF_BE_SRV" netns "$NS_SRV" type veth peer name "$IF_BE" netns "$NS_BE" ||
		return 1
	ip -n "$NS_SRV" addr add "$BE_SRV_IP4/24" dev "$IF_BE_SRV" || return 1
	for a in "$@"; do
		ip -n "$NS_BE" addr add "$a/24" dev "$IF_BE" || return 1
	done
	ip -n "$NS_SRV" link set "$IF_BE_SRV" up || return 1
	ip -n "$NS_BE" link set "$IF_BE" up || return 1
}

# backend_start KEY COMMAND...: runs COMMAND in the backend namespace, its PID
# in BACKEND[KEY] (nsenter execs it: the PID is the server's own).
declare -A BACKEND=()
backend_start() {
	local key=$1

	shift
	nsenter --net="/run/netns/$NS_BE" "$@" >"$WORKDIR/backend-$key.log" 2>&1 &
	BACKEND[$key]=$!
	BACKEND_PIDS+=("$!")
	echo "$!" >>"$WORKDIR/pids"
}

# backend_stop KEY: ends that server, by its PID, and reaps it.
backend_stop() {
	local pid=${BACKEND[$1]}

	[ -n "$pid" ] || return 0
	if is_our_child "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	BACKEND[$1]=
}

# wait_port ADDR PORT: until something listens there (from the server
# namespace), 5 s at most.
wait_port() {
	for _ in $(seq 50); do
		in_srv bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on $1:$2"
}

# hc_status NAME: the check's state.status ("" when it cannot be read).
hc_status() {
	nsctl healthcheck get "$1" --json 2>/dev/null | jq -r '.state.status' 2>/dev/null
}

# wait_status NAME STATUS SECONDS: polls every 100 ms; WAITED_MS as wait_set.
wait_status() {
	local t0 now got

	t0=$(date +%s%N)
	while :; do
		got=$(hc_status "$1")
		now=$(date +%s%N)
		WAITED_MS=$(((now - t0) / 1000000))
		[ "$got" = "$2" ] && return 0
		if [ "$WAITED_MS" -gt $(($3 * 1000)) ]; then
			fail "check $1 is '$got' after $WAITED_MS ms, expected $2: $(nsctl healthcheck get "$1" --json 2>&1 | head -c 1500)"
			return 1
		fi
		sleep 0.1
	done
}
