#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# nameserved with XDP on a veth: hot A/AAAA answered by the XDP program (its
# counters prove it), everything else by the daemon, and nothing left behind
# on stop. Queries come from a second namespace with kdig.

ALL_TESTS="
	test_hit_a_ipv4
	test_hit_aaaa_ipv6
	test_hit_aaaa_ipv4
	test_hit_a_ipv6
	test_mixed_case
	test_miss_mx
	test_miss_nodata
	test_nxdomain
	test_tcp
	test_reload
	test_nsctl_stats
	test_stop_cleans_up
	test_ip_netns_exec
"

source "$(dirname "$0")/lib.sh"

# A copy, so test_reload can change it.
ZONE=$WORKDIR/demo.zone
cp "$DEMO_ZONE" "$ZONE"

# The shared daemon, started by the first test that needs it.
ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	CLI_PASS_ID=$(xdp_prog_id "$NS_CLI" "$IF_CLI")
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" ||
		{ fail "nameserved did not start"; return 1; }
	XDP_ID=$(xdp_prog_id "$NS_SRV" "$IF_SRV")
	log "nameserved pid $DAEMON_PID, XDP prog/mode on $IF_SRV: $XDP_ID"
}

# expect_answer OUT RDATA...: the reply is an authoritative NOERROR whose
# answer section holds exactly the given rdata (in any order).
expect_answer() {
	local out=$1 got want

	shift
	grep -q 'status: NOERROR' <<<"$out" || { fail "not NOERROR: $out"; return 1; }
	grep -qE 'Flags: qr aa' <<<"$out" || { fail "not authoritative: $out"; return 1; }
	got=$(sed -n '/ANSWER SECTION:/,/^$/p' <<<"$out" | awk 'NF >= 5 && $1 !~ /^;;/ {print $NF}' |
		sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || { fail "answer '$got', expected '$want'"; return 1; }
}

# hit SERVER NAME TYPE RDATA...: one query answered by XDP with the right data.
hit() {
	local server=$1 name=$2 type=$3 a0 a1 m0 m1 out

	shift 3
	ensure_daemon || return 1
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	out=$(query "$server" "$name" "$type") || { fail "kdig: $out"; return 1; }
	expect_answer "$out" "$@" || return 1
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	log "answered $a0 -> $a1, pass_miss $m0 -> $m1"
	[ $((a1 - a0)) -eq 1 ] || { fail "answered moved by $((a1 - a0)), not 1"; return 1; }
	[ "$m1" -eq "$m0" ] || { fail "pass_miss moved on a hit"; return 1; }
}

# miss SERVER NAME TYPE: answered by the daemon: pass_miss +1, answered +0.
# Prints the reply.
miss() {
	local server=$1 name=$2 type=$3 a0 a1 m0 m1 out

	ensure_daemon || return 1
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	out=$(query "$server" "$name" "$type") || { fail "kdig: $out"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	log "answered $a0 -> $a1, pass_miss $m0 -> $m1" >&2
	[ "$a1" -eq "$a0" ] || { fail "answered moved on a miss"; return 1; }
	[ $((m1 - m0)) -eq 1 ] || { fail "pass_miss moved by $((m1 - m0)), not 1"; return 1; }
	echo "$out"
}

test_hit_a_ipv4() { hit "$SRV_IP4" www.demo.example A 198.18.0.11; }
test_hit_aaaa_ipv6() { hit "$SRV_IP6" www.demo.example AAAA 2001:db8::11; }
test_hit_aaaa_ipv4() { hit "$SRV_IP4" demo.example AAAA 2001:db8::10; }
test_hit_a_ipv6() { hit "$SRV_IP6" api.demo.example A 198.18.0.12 198.18.0.13; }

# The question comes back byte for byte, letter case included (DNS 0x20).
# dig, because kdig lower-cases the names it sends.
test_mixed_case() {
	local a0 a1 out

	command -v dig >/dev/null || { echo "    dig not installed"; return $ksft_skip; }
	ensure_daemon || return 1
	a0=$(counter answered) || return 1
	out=$(ip netns exec "$NS_CLI" dig @"$SRV_IP4" WwW.DeMo.ExAmPlE A +tries=1 +timeout=2) ||
		{ fail "dig: $out"; return 1; }
	a1=$(counter answered) || return 1
	log "answered $a0 -> $a1"
	[ $((a1 - a0)) -eq 1 ] || { fail "answered moved by $((a1 - a0)), not 1"; return 1; }
	grep -q 'status: NOERROR' <<<"$out" || { fail "not NOERROR: $out"; return 1; }
	grep -qE '^;WwW\.DeMo\.ExAmPlE\.[[:space:]]+IN[[:space:]]+A$' <<<"$out" ||
		{ fail "question not echoed: $out"; return 1; }
	grep -qE '^WwW\.DeMo\.ExAmPlE\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+198\.18\.0\.11$' \
		<<<"$out" || { fail "answer not for the query's spelling: $out"; return 1; }
}

test_miss_mx() {
	local out

	out=$(miss "$SRV_IP4" demo.example MX) || return 1
	expect_answer "$out" mail.demo.example. || return 1
}

# A name without an address: NODATA (NOERROR, empty answer, SOA) from the daemon.
test_miss_nodata() {
	local out

	out=$(miss "$SRV_IP6" notes.demo.example A) || return 1
	grep -q 'status: NOERROR' <<<"$out" || { fail "not NOERROR: $out"; return 1; }
	grep -q 'ANSWER: 0' <<<"$out" || { fail "answer not empty: $out"; return 1; }
	sed -n '/AUTHORITY SECTION:/,/^$/p' <<<"$out" | grep -q 'SOA' ||
		{ fail "no SOA in authority: $out"; return 1; }
}

test_nxdomain() {
	local out

	out=$(miss "$SRV_IP4" nosuch.demo.example A) || return 1
	grep -q 'status: NXDOMAIN' <<<"$out" || { fail "not NXDOMAIN: $out"; return 1; }
	grep -qE 'Flags: qr aa' <<<"$out" || { fail "not authoritative: $out"; return 1; }
	sed -n '/AUTHORITY SECTION:/,/^$/p' <<<"$out" |
		grep -qE '^demo\.example\.[[:space:]].*SOA[[:space:]]+ns1\.demo\.example\.' ||
		{ fail "no zone SOA in authority: $out"; return 1; }
}

# TCP is never the fast path's: the daemon answers, answered does not move.
test_tcp() {
	local a0 a1 out

	ensure_daemon || return 1
	a0=$(counter answered) || return 1
	out=$(query "$SRV_IP4" www.demo.example A +tcp) || { fail "kdig +tcp: $out"; return 1; }
	expect_answer "$out" 198.18.0.11 || return 1
	grep -q 'TCP' <<<"$out" || { fail "not over TCP: $out"; return 1; }
	a1=$(counter answered) || return 1
	[ "$a1" -eq "$a0" ] || { fail "answered moved on TCP"; return 1; }
}

# reload_zone: SIGHUP, then wait (5 s at most) for the daemon to log the reload.
reload_zone() {
	local n

	n=$(grep -c 'reload done' "$DAEMON_LOG")
	kill -HUP "$DAEMON_PID" || return 1
	for _ in $(seq 50); do
		[ "$(grep -c 'reload done' "$DAEMON_LOG")" -gt "$n" ] && return 0
		sleep 0.1
	done
	fail "no reload within 5 s"
}

# A name added to the zone becomes a fast-path hit on reload; removed again,
# it leaves the map and the daemon answers NXDOMAIN.
test_reload() {
	local out

	ensure_daemon || return 1
	echo "fresh		IN	A	198.18.0.99" >>"$ZONE"
	reload_zone || return 1
	hit "$SRV_IP4" fresh.demo.example A 198.18.0.99 || return 1
	sed -i '/^fresh/d' "$ZONE"
	reload_zone || return 1
	out=$(miss "$SRV_IP4" fresh.demo.example A) || return 1
	grep -q 'status: NXDOMAIN' <<<"$out" || { fail "not NXDOMAIN after removal: $out"; return 1; }
}

# The table: received first, then every counter by name, received their sum;
# the same numbers as --json.
test_nsctl_stats() {
	local table json

	ensure_daemon || return 1
	table=$("$NSCTL" stats --instance "$INSTANCE") || { fail "nsctl stats failed"; return 1; }
	json=$("$NSCTL" stats --instance "$INSTANCE" --json) || return 1
	python3 - "$table" "$json" <<'EOF_PY' || { fail "nsctl output: $table"; return 1; }
import json, sys
rows = [l.split() for l in sys.argv[1].splitlines()]
names = [r[0] for r in rows]
vals = {r[0]: int(r[1]) for r in rows}
assert all(len(r) == 2 for r in rows), rows
assert names[0] == "received" and "answered" in names and "pass_miss" in names, names
assert len({len(l) for l in sys.argv[1].splitlines()}) == 1, "columns not aligned"
assert vals["received"] == sum(v for k, v in vals.items() if k != "received"), vals
j = json.loads(sys.argv[2])
assert set(names) <= set(j), (names, list(j))
# Packets may arrive between the two reads: counters only grow.
assert all(j[k] >= vals[k] for k in names), (vals, j)
assert j["received"] == sum(v for k, v in j.items() if k not in ("received", "instance")), j
EOF_PY
	log "$(head -2 <<<"$table" | tr -s ' ' | paste -sd, -)"
}

test_stop_cleans_up() {
	local pid

	ensure_daemon || return 1
	pid=$DAEMON_PID
	log "counters before stop: $("$NSCTL" stats --instance "$INSTANCE" --json)"
	stop_daemon || return 1
	kill -0 "$pid" 2>/dev/null && { fail "process $pid still there"; return 1; }
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV: $(ip -n "$NS_SRV" link)"; return 1; }
	[ "$(xdp_prog_id "$NS_CLI" "$IF_CLI")" = "$CLI_PASS_ID" ] ||
		{ fail "client end's XDP changed"; return 1; }
	[ ! -e "$PIN_ROOT/$INSTANCE" ] || { fail "pins left: $(ls "$PIN_ROOT/$INSTANCE")"; return 1; }
	"$NSCTL" stats --instance "$INSTANCE" >/dev/null 2>&1
	[ $? -eq 1 ] || { fail "nsctl stats after stop: exit status not 1"; return 1; }
	return 0
}

# Started through `ip netns exec`, which hides the host's bpffs: the daemon
# mounts a private one and still answers from XDP. Its counters are then
# visible only from inside its mount namespace.
test_ip_netns_exec() {
	local logf=$WORKDIR/netns-exec.log pid out stats a1 inst=$INSTANCE-x

	[ -n "$DAEMON_PID" ] && { stop_daemon || return 1; }
	[ -e "/run/netns/$NS_SRV" ] || { setup_pair || return 1; }
	ip netns exec "$NS_SRV" "$NAMESERVED" --zone "$DEMO_ZONE" --instance "$inst" \
		--listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" >"$logf" 2>&1 &
	pid=$!
	echo "$pid" >>"$WORKDIR/pids"
	DAEMON_PID=$pid DAEMON_LOG=$logf
	wait_ready "$pid" "$logf" || return 1
	out=$(query "$SRV_IP4" www.demo.example A) || { fail "kdig: $out"; return 1; }
	expect_answer "$out" 198.18.0.11 || return 1
	out=$(query "$SRV_IP6" www.demo.example AAAA) || { fail "kdig: $out"; return 1; }
	expect_answer "$out" 2001:db8::11 || return 1
	[ ! -e "$PIN_ROOT/$inst" ] || { fail "pins leaked to the host's bpffs"; return 1; }
	stats=$(nsenter --target "$pid" --mount --net "$NSCTL" stats --instance "$inst" --json) ||
		{ fail "nsctl inside the daemon's mount namespace failed"; return 1; }
	a1=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["answered"])' "$stats")
	log "counters seen from the daemon's mount namespace: $stats"
	[ "$a1" -eq 2 ] || { fail "answered is $a1, expected 2"; return 1; }
	stop_daemon || return 1
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

require_env
run_tests
