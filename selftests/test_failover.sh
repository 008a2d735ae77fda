#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Health-checked answers through a real veth. Three HTTP servers in a backend
# namespace are probed by nameserved's checker (interval 1 s, fall 2, rise 2);
# when one is stopped its record leaves the answers of XDP and of the engine
# within one interval after the fall threshold, and comes back within one
# interval after the rise threshold when it restarts.
# With every server down the answers fail open (all records) and the
# fail-open metric says so. A failover policy answers its secondary only
# while the primary is down.

ALL_TESTS="
	test_checks_up
	test_backend_down
	test_backend_back
	test_fail_open
	test_failover
	test_chain
	test_check_in_use
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/steer_lib.sh"

BE1=198.18.50.2
BE2=198.18.50.3
BE3=198.18.50.4
BE_PORT=8080
H1=198.18.100.21
H2=198.18.100.22
H3=198.18.100.23
INTERVAL=1
FALL=2
RISE=2
# The bound on a change being answered: one interval after the threshold.
DOWN_S=$((INTERVAL * (FALL + 1)))
UP_S=$((INTERVAL * (RISE + 1)))

mkdir -p "$WORKDIR/www"
echo ok >"$WORKDIR/www/index.html"

# be_start N: the HTTP server of backend N (1..3).
be_start() {
	local addr

	addr=$(be_addr "$1")
	backend_start "b$1" python3 -m http.server --bind "$addr" --directory "$WORKDIR/www" \
		"$BE_PORT"
	wait_port "$addr" "$BE_PORT"
}

be_addr() {
	case $1 in
	1) echo "$BE1" ;;
	2) echo "$BE2" ;;
	3) echo "$BE3" ;;
	esac
}

ensure_checks() {
	local i

	[ -e "$WORKDIR/checks" ] && [ -n "$DAEMON_PID" ] && return 0
	setup_backend "$BE1" "$BE2" "$BE3" || { fail "cannot create the backend namespace"; return 1; }
	ensure_steer || return 1
	for i in 1 2 3; do
		# After a failed test: its servers start afresh.
		backend_stop "b$i"
		be_start "$i" || return 1
		nsctl healthcheck get "b$i" >/dev/null 2>&1 && continue
		nsctl_ok healthcheck create "b$i" --type http --target "$(be_addr "$i"):$BE_PORT" \
			--path / --interval "$INTERVAL" --timeout 0.5 --fall "$FALL" --rise "$RISE" ||
			return 1
	done
	nsctl_ok rrset set "$ZONE_NAME" hc A "$H1" "$H2" "$H3" --healthchecks b1,b2,b3 || return 1
	nsctl_ok rrset set "$ZONE_NAME" wh A "$H1" "$H2" --weights 50,50 \
		--healthchecks b1,b2 || return 1
	touch "$WORKDIR/checks"
}

test_checks_up() {
	local i

	ensure_checks || return 1
	for i in 1 2 3; do
		wait_status "b$i" up 10 || return 1
	done
	log "all three checks up"
	nsctl healthcheck list | sed 's/^/      /'
	xdp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
	tcp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
}

test_backend_down() {
	local res json

	ensure_checks || return 1
	backend_stop b1
	wait_set "hc.$ZONE_NAME" A "$H2 $H3" "$DOWN_S" || return 1
	log "b1 stopped: left the answers after $WAITED_MS ms (bound ${DOWN_S} s)"
	xdp_set "hc.$ZONE_NAME" A "$H2 $H3" || return 1
	tcp_set "hc.$ZONE_NAME" A "$H2 $H3" || return 1
	# Weights among the healthy: only b2's record.
	xdp_set "wh.$ZONE_NAME" A "$H2" 500 || return 1
	tcp_set "wh.$ZONE_NAME" A "$H2" 50 || return 1
	json=$(nsctl healthcheck get b1 --json) || { fail "healthcheck get b1: $json"; return 1; }
	[ "$(jq_of "$json" .state.status)" = down ] || { fail "b1 not down: $json"; return 1; }
	[ "$(jq_of "$json" '.history | length')" -ge "$FALL" ] &&
		[ "$(jq_of "$json" '.history[0].ok')" = false ] &&
		[ "$(jq_of "$json" '.history[0].error')" != null ] ||
		{ fail "b1's history does not show the failures: $json"; return 1; }
	log "b1's last probe: $(jq -c .history[0] <<<"$json")"
	res=$(nsctl healthcheck get b1) || { fail "healthcheck get b1 (table): $res"; return 1; }
	grep -qw down <<<"$res" || { fail "the table does not say down: $res"; return 1; }
	[ "$(hc_status b2)" = up ] || { fail "b2 is $(hc_status b2)"; return 1; }
}

test_backend_back() {
	ensure_checks || return 1
	be_start 1 || return 1
	wait_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" "$UP_S" || return 1
	log "b1 restarted: back in the answers after $WAITED_MS ms (bound ${UP_S} s)"
	[ "$(hc_status b1)" = up ] || { fail "b1 is $(hc_status b1)"; return 1; }
	xdp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
	tcp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
}

# The gauge nameserve_policy_fail_open_regions counts the installed policies'
# regions failing open now; the counter nameserve_policy_fail_open_total the
# engine's answers that failed open.
test_fail_open() {
	local r0 r1 r2 c0 c1 i

	ensure_checks || return 1
	for i in 1 2 3; do wait_status "b$i" up 10 || return 1; done
	r0=$(metric nameserve_policy_fail_open_regions) &&
		c0=$(metric nameserve_policy_fail_open_total) ||
		{ fail "no nameserve_policy_fail_open_{regions,total} metric"; return 1; }
	for i in 1 2 3; do backend_stop "b$i"; done
	for i in 1 2 3; do wait_status "b$i" down "$DOWN_S" || return 1; done
	# Every record again: failing open.
	xdp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
	tcp_set "hc.$ZONE_NAME" A "$H1 $H2 $H3" || return 1
	r1=$(metric nameserve_policy_fail_open_regions) &&
		c1=$(metric nameserve_policy_fail_open_total) || return 1
	log "failing-open regions: $r0 with all up, $r1 with all down;" \
		"engine answers failing open +$((c1 - c0))"
	in_srv curl -s --max-time 10 "$NAMESERVE_URL/metrics" | grep -E '^nameserve_(policy|health)' |
		sed 's/^/      /'
	[ "$r0" = 0 ] || { fail "$r0 regions failing open while everything is up"; return 1; }
	# hc and wh fail open (wh's region too: both its checks are down).
	[ "$r1" -ge 2 ] || { fail "$r1 regions failing open with all down, expected >= 2"; return 1; }
	[ $((c1 - c0)) -ge 20 ] ||
		{ fail "nameserve_policy_fail_open_total +$((c1 - c0)) after 20 TCP queries"; return 1; }
	for i in 1 2 3; do be_start "$i" || return 1; done
	for i in 1 2 3; do wait_status "b$i" up "$UP_S" || return 1; done
	r2=$(metric nameserve_policy_fail_open_regions) || return 1
	[ "$r2" = 0 ] || { fail "$r2 regions failing open after recovery"; return 1; }
}

test_failover() {
	local F1=198.18.100.31 F2=198.18.100.32 i

	ensure_checks || return 1
	for i in 1 2; do wait_status "b$i" up 10 || return 1; done
	nsctl_ok rrset set "$ZONE_NAME" fo A "$F1" "$F2" --healthchecks b1,b2 \
		--failover primary,secondary || return 1
	xdp_set "fo.$ZONE_NAME" A "$F1" || return 1
	tcp_set "fo.$ZONE_NAME" A "$F1" || return 1
	backend_stop b1
	wait_set "fo.$ZONE_NAME" A "$F2" "$DOWN_S" || return 1
	log "primary down: secondary answered after $WAITED_MS ms"
	xdp_set "fo.$ZONE_NAME" A "$F2" || return 1
	tcp_set "fo.$ZONE_NAME" A "$F2" || return 1
	be_start 1 || return 1
	wait_set "fo.$ZONE_NAME" A "$F1" "$UP_S" || return 1
	log "primary back after $WAITED_MS ms"
	xdp_set "fo.$ZONE_NAME" A "$F1" || return 1
	# Both down: the primaries, failing open.
	backend_stop b1
	backend_stop b2
	for i in 1 2; do wait_status "b$i" down "$DOWN_S" || return 1; done
	xdp_set "fo.$ZONE_NAME" A "$F1" || return 1
	tcp_set "fo.$ZONE_NAME" A "$F1" || return 1
	for i in 1 2; do be_start "$i" || return 1; done
	for i in 1 2; do wait_status "b$i" up "$UP_S" || return 1; done
}

# ecs_set NAME SUBNET "RDATA...": 20 UDP queries with that client subnet,
# answered by the engine, each with exactly that set.
ecs_set() {
	local res

	res=$(steer_count --server "$SRV_IP4" --name "$1" --type A --count 20 --inflight 4 \
		--ecs "$2" --deadline 10) || { fail "steer_count: $res"; return 1; }
	check_all_sets "$res" 20 "$3" "$1 with ECS $2"
}

# All four in one policy: geo picks the region (the client's own subnet, or
# the default for an ECS elsewhere), failover and health pick within it, the
# weights pick one.
test_chain() {
	local C1=198.18.100.61 C2=198.18.100.62 C3=198.18.100.63 C4=198.18.100.64 i

	ensure_checks || return 1
	for i in 1 2 3; do wait_status "b$i" up 10 || return 1; done
	nsctl_ok rrset set "$ZONE_NAME" chain A "$C1" "$C2" "$C3" "$C4" \
		--geo "cidr:198.18.0.0/24=$C1,$C2" --geo "default=$C3,$C4" \
		--failover primary,secondary,primary,secondary --healthchecks b1,b2,b3,- \
		--weights 1,1,1,1 || return 1
	xdp_set "chain.$ZONE_NAME" A "$C1" 50 || return 1
	ecs_set "chain.$ZONE_NAME" 198.18.9.0/24 "$C3" || return 1
	backend_stop b1
	wait_set "chain.$ZONE_NAME" A "$C2" "$DOWN_S" || return 1
	xdp_set "chain.$ZONE_NAME" A "$C2" 50 || return 1
	tcp_set "chain.$ZONE_NAME" A "$C2" || return 1
	ecs_set "chain.$ZONE_NAME" 198.18.9.0/24 "$C3" || return 1
	backend_stop b2
	wait_status b2 down "$DOWN_S" || return 1
	# Region 1 has nothing healthy: its primaries, failing open.
	xdp_set "chain.$ZONE_NAME" A "$C1" 50 || return 1
	backend_stop b3
	wait_status b3 down "$DOWN_S" || return 1
	# The default region's secondary has no check: it answers.
	ecs_set "chain.$ZONE_NAME" 198.18.9.0/24 "$C4" || return 1
	for i in 1 2 3; do be_start "$i" || return 1; done
	for i in 1 2 3; do wait_status "b$i" up "$UP_S" || return 1; done
	xdp_set "chain.$ZONE_NAME" A "$C1" 50 || return 1
}

# A check an RRset names cannot be deleted; an unused one can.
test_check_in_use() {
	local out

	ensure_checks || return 1
	if out=$(nsctl healthcheck delete b1 2>&1); then
		fail "deleting b1, still named by hc, succeeded: $out"
		return 1
	fi
	grep -q '^nsctl: 409 conflict: ' <<<"$out" || { fail "not a 409 conflict: $out"; return 1; }
	nsctl_ok healthcheck create spare --type tcp --target "$BE1:$BE_PORT" --interval 5 ||
		return 1
	nsctl healthcheck list --json | jq -e '.healthchecks | map(.name) | index("spare")' \
		>/dev/null || { fail "spare not listed"; return 1; }
	nsctl_ok healthcheck delete spare || return 1
	if out=$(nsctl healthcheck get spare 2>&1); then
		fail "spare still there after delete: $out"
		return 1
	fi
	grep -q '^nsctl: 404 not_found: ' <<<"$out" || { fail "get spare, not a 404: $out"; return 1; }
}

require_api_env
run_tests
