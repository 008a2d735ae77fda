#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end: nameserved with its API and XDP on its veth; nsctl creates a zone
# and records, and a client in the other namespace gets them answered by the
# XDP program (its `answered` counter says so) moments after nsctl returns.
# Updates are answered with the new value from XDP; deleted records leave the
# fast path and the daemon answers NXDOMAIN/NODATA (`pass_miss`). Each change
# is timed from nsctl's return to the first correct answer, polled every 2 ms;
# the target is under one second.

ALL_TESTS="
	test_create_answered_by_xdp
	test_updates_answered_by_xdp
	test_aaaa_over_ipv6
	test_delete_type_nodata
	test_delete_name_nxdomain
	test_delete_zone_refused
	test_propagation_summary
"

source "$(dirname "$0")/lib.sh"

API_PORT=8053
ZONE_NAME=e2e.example
TARGET_MS=1000
UPDATES=${UPDATES:-20}
FIGURES=()		# nsctl's return -> the first correct answer, ms
CMD_FIGURES=()		# the nsctl write itself (process start to exit), ms

export HOME=$WORKDIR/home
mkdir -p "$HOME"
unset NAMESERVE_URL NAMESERVE_TOKEN NSCTL_CONFIG XDG_CONFIG_HOME

ensure_api() {
	[ -n "$DAEMON_PID" ] && return 0
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	DAEMON_LOG=$WORKDIR/nameserved-$INSTANCE.log
	nsenter --net="/run/netns/$NS_SRV" "$NAMESERVED" --instance "$INSTANCE" \
		--listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" \
		--api "127.0.0.1:$API_PORT" --state-dir "$WORKDIR/state" \
		--admin-token-file "$WORKDIR/admin.token" --default-ns "ns1.$ZONE_NAME." \
		>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	echo "$DAEMON_PID" >>"$WORKDIR/pids"
	wait_ready "$DAEMON_PID" "$DAEMON_LOG" || return 1
	export NAMESERVE_URL=http://127.0.0.1:$API_PORT
	NAMESERVE_TOKEN=$(cat "$WORKDIR/admin.token") || return 1
	export NAMESERVE_TOKEN
	log "nameserved pid $DAEMON_PID, XDP on $IF_SRV: $(xdp_prog_id "$NS_SRV" "$IF_SRV")"
	nsctl zone create "$ZONE_NAME" --ns "ns1.$ZONE_NAME." >/dev/null ||
		{ fail "zone create failed"; return 1; }
}

nsctl() {
	nsenter --net="/run/netns/$NS_SRV" "$NSCTL" "$@"
}

# run_measure LABEL POLL_ARGS... -- NSCTL_ARGS...: the poller (in the client
# namespace) runs the nsctl write (in the server namespace, where the API
# listens), then asks every 2 ms until the expected reply. Checks against the
# fast path's counters that every poll that got an address was answered by XDP
# and every other one went up to the daemon as a miss; records the time from
# nsctl's return to the expected reply in FIGURES.
run_measure() {
	local label=$1 poll=() a0 m0 a1 m1 res ms

	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		poll+=("$1")
		shift
	done
	shift
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	res=$(nsenter --net="/run/netns/$NS_CLI" python3 "$SELFTEST_DIR/dns_poll.py" "${poll[@]}" \
		-- nsenter --net="/run/netns/$NS_SRV" "$NSCTL" "$@") ||
			{ fail "$label: $res"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	ms=$(python3 - "$res" $((a1 - a0)) $((m1 - m0)) <<'EOF_PY'
import json, sys
r = json.loads(sys.argv[1])
da, dm = int(sys.argv[2]), int(sys.argv[3])
polls = r["polls"]
with_addr = sum(1 for p in polls if p.get("answer"))
without = sum(1 for p in polls if "rcode" in p and not p.get("answer"))
lost = sum(1 for p in polls if p.get("outcome") == "timeout")
err = None
if lost:
    err = "%d polls unanswered" % lost
elif da != with_addr:
    err = "answered +%d, but %d polls got addresses" % (da, with_addr)
elif dm != without:
    err = "pass_miss +%d, but %d polls got none" % (dm, without)
if err:
    print("%s: %s" % (err, polls))
    sys.exit(1)
print(r["ms"], r["cmd_ms"], len(polls))
EOF_PY
	) || { fail "$label: $ms"; return 1; }
	read -r MS CMD_MS NPOLLS <<<"$ms"
	log "$label: answered $MS ms after nsctl returned (nsctl took $CMD_MS ms; $NPOLLS polls;" \
		"answered +$((a1 - a0)), pass_miss +$((m1 - m0)))"
	FIGURES+=("$MS")
	CMD_FIGURES+=("$CMD_MS")
	python3 -c "import sys; sys.exit(float(sys.argv[1]) >= $TARGET_MS)" "$MS" ||
		{ fail "$label: $MS ms, target < $TARGET_MS ms"; return 1; }
}

# xdp_hit SERVER NAME TYPE: one more query, answered by XDP: answered +1, pass_miss +0.
xdp_hit() {
	local a0 a1 m0 m1 out

	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	out=$(query "$1" "$2" "$3") || { fail "kdig: $out"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	[ $((a1 - a0)) -eq 1 ] && [ "$m1" -eq "$m0" ] ||
		{ fail "$2 $3 not from XDP: answered +$((a1 - a0)), pass_miss +$((m1 - m0))"; return 1; }
	echo "$out"
}

# userspace_miss SERVER NAME TYPE: answered by the daemon: pass_miss +1, answered +0.
userspace_miss() {
	local a0 a1 m0 m1 out

	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	out=$(query "$1" "$2" "$3") || { fail "kdig: $out"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	[ "$a1" -eq "$a0" ] && [ $((m1 - m0)) -eq 1 ] ||
		{ fail "$2 $3: answered +$((a1 - a0)), pass_miss +$((m1 - m0))"; return 1; }
	echo "$out"
}

test_create_answered_by_xdp() {
	local out

	ensure_api || return 1
	run_measure "new record" --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A \
		--expect 198.18.0.31 --expect 198.18.0.32 -- \
		rrset set "$ZONE_NAME" www A 198.18.0.31 198.18.0.32 --ttl 300 || return 1
	out=$(xdp_hit "$SRV_IP4" "www.$ZONE_NAME" A) || return 1
	grep -qE '^www\.e2e\.example\.\s+300\s+IN\s+A\s+198\.18\.0\.31$' <<<"$out" ||
		{ fail "answer: $out"; return 1; }
}

test_updates_answered_by_xdp() {
	local i

	ensure_api || return 1
	for i in $(seq 1 "$UPDATES"); do
		run_measure "update $i" --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A \
			--expect "198.18.1.$i" -- \
			rrset set "$ZONE_NAME" www A "198.18.1.$i" --ttl 300 || return 1
	done
	xdp_hit "$SRV_IP4" "www.$ZONE_NAME" A >/dev/null || return 1
}

test_aaaa_over_ipv6() {
	ensure_api || return 1
	run_measure "new AAAA over IPv6" --server "$SRV_IP6" --name "www.$ZONE_NAME" --type AAAA \
		--expect 2001:db8::31 -- rrset add "$ZONE_NAME" www AAAA 2001:db8::31 || return 1
	xdp_hit "$SRV_IP6" "www.$ZONE_NAME" AAAA >/dev/null || return 1
}

# www keeps its AAAA: asking for A is NODATA, from the daemon.
test_delete_type_nodata() {
	local out

	ensure_api || return 1
	run_measure "deleted A (NODATA)" --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A \
		--expect-rcode NOERROR -- rrset delete "$ZONE_NAME" www A || return 1
	out=$(userspace_miss "$SRV_IP4" "www.$ZONE_NAME" A) || return 1
	grep -q 'status: NOERROR' <<<"$out" && grep -q 'ANSWER: 0' <<<"$out" ||
		{ fail "not NODATA: $out"; return 1; }
	xdp_hit "$SRV_IP6" "www.$ZONE_NAME" AAAA >/dev/null || return 1
}

test_delete_name_nxdomain() {
	local out

	ensure_api || return 1
	run_measure "deleted name (NXDOMAIN)" --server "$SRV_IP6" --name "www.$ZONE_NAME" \
		--type AAAA --expect-rcode NXDOMAIN -- rrset delete "$ZONE_NAME" www AAAA || return 1
	out=$(userspace_miss "$SRV_IP4" "www.$ZONE_NAME" A) || return 1
	grep -q 'status: NXDOMAIN' <<<"$out" || { fail "not NXDOMAIN: $out"; return 1; }
}

# A deleted zone: nothing of it stays in the fast path; the daemon refuses.
test_delete_zone_refused() {
	local out

	ensure_api || return 1
	nsctl rrset set "$ZONE_NAME" api A 198.18.0.33 >/dev/null || { fail "rrset set"; return 1; }
	xdp_hit "$SRV_IP4" "api.$ZONE_NAME" A >/dev/null || return 1
	run_measure "deleted zone (REFUSED)" --server "$SRV_IP4" --name "api.$ZONE_NAME" --type A \
		--expect-rcode REFUSED -- zone delete "$ZONE_NAME" || return 1
	out=$(userspace_miss "$SRV_IP4" "api.$ZONE_NAME" A) || return 1
	grep -q 'status: REFUSED' <<<"$out" || { fail "not REFUSED: $out"; return 1; }
}

test_propagation_summary() {
	[ ${#FIGURES[@]} -gt 0 ] || { echo "    no figures (run the other tests)"; return $ksft_skip; }
	python3 - "$TARGET_MS" "${#FIGURES[@]}" "${FIGURES[@]}" "${CMD_FIGURES[@]}" <<'EOF_PY'
import statistics, sys
target, n = float(sys.argv[1]), int(sys.argv[2])
after = sorted(float(x) for x in sys.argv[3:3 + n])
cmd = sorted(float(x) for x in sys.argv[3 + n:])
def line(f):
    p90 = f[min(len(f) - 1, int(round(0.9 * (len(f) - 1))))]
    return "n=%d min %.2f median %.2f p90 %.2f max %.2f ms" % (
        len(f), f[0], statistics.median(f), p90, f[-1])
print("    nsctl return -> first correct answer: " + line(after) + " (target < %.0f ms)" % target)
print("    the nsctl write itself (start to exit):  " + line(cmd))
sys.exit(after[-1] >= target)
EOF_PY
}

require_env
run_tests
