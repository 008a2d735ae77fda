#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Weighted and multivalue answers through a real veth: nsctl gives an RRset
# weights, 20,000 UDP queries are answered by the XDP program (its `answered`
# counter says so) with each record in proportion to its weight and never the
# one of weight 0; the engine, over TCP, follows the same rule. AAAA the same
# over IPv6; a multivalue RRset answers up to 8 of its records, shuffled.

ALL_TESTS="
	test_weighted_xdp
	test_weighted_tcp
	test_weighted_ecs_engine
	test_weighted_aaaa
	test_multivalue
	test_large_engine
	test_policy_cleared
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/steer_lib.sh"

# Counts and tolerances keep a share's check about six standard deviations
# wide: 0.02 over 20,000 answers, 0.04 over 5,000 (at 2,000 it was 3.9: about
# one check in ten thousand fails by chance, and one did).
UDP_N=${UDP_N:-20000}
TCP_N=${TCP_N:-5000}
ENGINE_N=${ENGINE_N:-5000}
W1=198.18.100.1
W2=198.18.100.2
W3=198.18.100.3

ensure_weighted() {
	ensure_steer || return 1
	[ -e "$WORKDIR/weighted" ] && return 0
	nsctl_ok rrset set "$ZONE_NAME" www A "$W1" "$W2" "$W3" --weights 70,30,0 || return 1
	touch "$WORKDIR/weighted"
}

# check_weighted JSON LABEL TOLERANCE N: 70/30/0 within TOLERANCE (a fraction),
# one record per answer, at most 1 % lost.
check_weighted() {
	local res=$1 label=$2 tol=$3 n=$4 s1 s2 ans

	ans=$(jq_of "$res" .answered)
	s1=$(share "$res" "$W1")
	s2=$(share "$res" "$W2")
	log "$label: $ans of $n answered in $(jq_of "$res" .seconds) s;" \
		"$W1 $s1, $W2 $s2, $W3 $(jq_of "$res" ".counts[\"$W3\"] // 0") times"
	[ "$ans" -ge $((n * 99 / 100)) ] || { fail "$label: only $ans of $n answered: $res"; return 1; }
	[ "$(jq_of "$res" '.rcodes.NOERROR // 0')" -eq "$ans" ] ||
		{ fail "$label: not all NOERROR: $res"; return 1; }
	[ "$(jq_of "$res" '.sizes["1"] // 0')" -eq "$ans" ] ||
		{ fail "$label: answers with other than one record: $res"; return 1; }
	[ "$(jq_of "$res" ".counts[\"$W3\"] // 0")" -eq 0 ] ||
		{ fail "$label: weight 0 record answered: $res"; return 1; }
	within "$s1" "$(awk -v t="$tol" 'BEGIN { print 0.7 - t }')" \
		"$(awk -v t="$tol" 'BEGIN { print 0.7 + t }')" ||
		{ fail "$label: share of $W1 is $s1, expected 0.70 +- $tol"; return 1; }
}

test_weighted_xdp() {
	local res a0 a1 m0 m1

	ensure_weighted || return 1
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	res=$(steer_count --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A --count "$UDP_N" \
		--inflight 256 --deadline 30) || { fail "steer_count: $res"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	log "XDP answered +$((a1 - a0)), pass_miss +$((m1 - m0))"
	check_weighted "$res" "UDP via XDP" 0.02 "$UDP_N" || return 1
	[ $((a1 - a0)) -ge $((UDP_N * 95 / 100)) ] ||
		{ fail "XDP answered only +$((a1 - a0)) of $UDP_N"; return 1; }
}

test_weighted_tcp() {
	local res

	ensure_weighted || return 1
	res=$(steer_count --tcp --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A \
		--count "$TCP_N" --batch 50 --deadline 30) || { fail "steer_count: $res"; return 1; }
	check_weighted "$res" "TCP via the engine" 0.04 "$TCP_N"
}

# With an ECS option the fast path passes UDP queries up (pass_edns): the
# engine answers by the same weights and, the answer not depending on the
# client's location, says so with scope 0.
test_weighted_ecs_engine() {
	local res e0 e1 n=$ENGINE_N

	ensure_weighted || return 1
	e0=$(counter pass_edns) || return 1
	res=$(steer_count --server "$SRV_IP4" --name "www.$ZONE_NAME" --type A --count "$n" \
		--inflight 64 --ecs 198.18.7.0/24 --deadline 30) || { fail "steer_count: $res"; return 1; }
	e1=$(counter pass_edns) || return 1
	check_weighted "$res" "UDP with ECS via the engine" 0.04 "$n" || return 1
	[ $((e1 - e0)) -ge $((n * 99 / 100)) ] ||
		{ fail "pass_edns +$((e1 - e0)), expected about $n"; return 1; }
	[ "$(jq_of "$res" '.scopes["0"] // 0')" -eq "$(jq_of "$res" .answered)" ] ||
		{ fail "ECS scope not 0 on every answer: $(jq_of "$res" .scopes)"; return 1; }
}

test_weighted_aaaa() {
	local res a0 a1 n=4000 s json

	ensure_weighted || return 1
	nsctl_ok rrset set "$ZONE_NAME" www AAAA 2001:db8:100::1 2001:db8:100::2 \
		--weights 1,3 || return 1
	a0=$(counter answered) || return 1
	res=$(steer_count --server "$SRV_IP6" --name "www.$ZONE_NAME" --type AAAA --count "$n" \
		--inflight 128 --deadline 30) || { fail "steer_count: $res"; return 1; }
	a1=$(counter answered) || return 1
	s=$(share "$res" 2001:db8:100::2)
	log "AAAA over IPv6: $(jq_of "$res" .answered) answered, 2001:db8:100::2 $s," \
		"XDP answered +$((a1 - a0))"
	[ "$(jq_of "$res" .answered)" -ge $((n * 99 / 100)) ] || { fail "lost: $res"; return 1; }
	[ "$(jq_of "$res" '.sizes["1"] // 0')" -eq "$(jq_of "$res" .answered)" ] ||
		{ fail "answers with other than one record: $res"; return 1; }
	within "$s" 0.72 0.78 || { fail "share of 2001:db8:100::2 is $s, expected 0.75 +- 0.03"
				    return 1; }
	[ $((a1 - a0)) -ge $((n * 95 / 100)) ] ||
		{ fail "XDP answered only +$((a1 - a0)) of $n"; return 1; }
	# The A RRset's weights are untouched by the AAAA one's.
	json=$(nsctl rrset get "$ZONE_NAME" www A --json) ||
		{ fail "rrset get www A: $json"; return 1; }
	[ "$(jq -c .policy <<<"$json")" = '{"weights":[70,30,0]}' ] ||
		{ fail "www A's policy changed: $json"; return 1; }
}

test_multivalue() {
	local res a0 a1 n=2000 addrs=() i

	ensure_steer || return 1
	for i in $(seq 1 10); do addrs+=("198.18.101.$i"); done
	nsctl_ok rrset set "$ZONE_NAME" mv A "${addrs[@]}" --multivalue || return 1
	a0=$(counter answered) || return 1
	res=$(steer_count --server "$SRV_IP4" --name "mv.$ZONE_NAME" --type A --count "$n" \
		--inflight 128 --deadline 30) || { fail "steer_count: $res"; return 1; }
	a1=$(counter answered) || return 1
	log "multivalue: $(jq_of "$res" .answered) answered, sizes $(jq -c .sizes <<<"$res")," \
		"$(jq_of "$res" .sets) distinct sets, $(jq_of "$res" .orders) distinct orders," \
		"XDP answered +$((a1 - a0))"
	[ "$(jq_of "$res" .answered)" -ge $((n * 99 / 100)) ] || { fail "lost: $res"; return 1; }
	[ "$(jq_of "$res" .max_records)" -le 8 ] || { fail "more than 8 records: $res"; return 1; }
	[ "$(jq_of "$res" '.sizes["8"] // 0')" -eq "$(jq_of "$res" .answered)" ] ||
		{ fail "every answer should carry 8 of the 10 healthy records: $res"; return 1; }
	[ "$(jq_of "$res" '.counts | length')" -eq 10 ] ||
		{ fail "not every record was answered: $res"; return 1; }
	[ "$(jq_of "$res" .sets)" -gt 1 ] && [ "$(jq_of "$res" .orders)" -gt 100 ] ||
		{ fail "answers do not vary: $res"; return 1; }
	[ $((a1 - a0)) -ge $((n * 95 / 100)) ] ||
		{ fail "XDP answered only +$((a1 - a0)) of $n"; return 1; }
	res=$(steer_count --tcp --server "$SRV_IP4" --name "mv.$ZONE_NAME" --type A --count 200 \
		--batch 20 --deadline 20) || { fail "steer_count: $res"; return 1; }
	[ "$(jq_of "$res" '.sizes["8"] // 0')" -eq 200 ] && [ "$(jq_of "$res" .orders)" -gt 10 ] ||
		{ fail "multivalue over TCP: $res"; return 1; }
}

# Ten AAAA records take 280 bytes, more than a fast-path entry holds: the
# engine answers the steered RRset (pass_miss), by the same rule.
test_large_engine() {
	local res a0 a1 m0 m1 n=500 addrs=() i

	ensure_steer || return 1
	for i in $(seq 1 10); do addrs+=("2001:db8:101::$i"); done
	nsctl_ok rrset set "$ZONE_NAME" mv6 AAAA "${addrs[@]}" --multivalue || return 1
	a0=$(counter answered) && m0=$(counter pass_miss) || return 1
	res=$(steer_count --server "$SRV_IP6" --name "mv6.$ZONE_NAME" --type AAAA --count "$n" \
		--inflight 32 --deadline 20) || { fail "steer_count: $res"; return 1; }
	a1=$(counter answered) && m1=$(counter pass_miss) || return 1
	log "10 AAAA multivalue: sizes $(jq -c .sizes <<<"$res"), $(jq_of "$res" .orders) orders;" \
		"answered +$((a1 - a0)), pass_miss +$((m1 - m0))"
	[ "$(jq_of "$res" '.sizes["8"] // 0')" -eq "$n" ] && [ "$(jq_of "$res" .orders)" -gt 10 ] ||
		{ fail "multivalue from the engine: $res"; return 1; }
	[ "$a1" -eq "$a0" ] && [ $((m1 - m0)) -ge "$n" ] ||
		{ fail "expected the engine: answered +$((a1 - a0)), pass_miss +$((m1 - m0))"
		  return 1; }
}

# Setting the RRset without a policy answers all of its records again, from XDP.
test_policy_cleared() {
	ensure_weighted || return 1
	nsctl_ok rrset set "$ZONE_NAME" www A "$W1" "$W2" "$W3" || return 1
	xdp_set "www.$ZONE_NAME" A "$W1 $W2 $W3" 20
}

require_api_env
run_tests
