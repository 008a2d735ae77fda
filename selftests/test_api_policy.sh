#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Traffic steering policies through the HTTP API: set with PUT and PATCH, read
# back in their canonical form, bad ones refused with the field at fault,
# single-record changes to a steered RRset refused, exports that say where a
# policy was, and policies kept across a restart.

ALL_TESTS="
	test_policy_set_get
	test_policy_errors
	test_policy_patch
	test_policy_export
	test_policy_restart
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	start_api || { fail "nameserved did not start"; return 1; }
}

new_zone() {
	japi POST /v1/zones "{\"name\": \"$1\"}"
	expect 201
}

# expect_policy JSON: the last reply's policy, compact, is JSON.
expect_policy() {
	local got

	got=$(jq -c .policy "$B")
	[ "$got" = "$1" ] || { fail "policy $got, expected $1"; return 1; }
}

test_policy_set_get() {
	ensure_daemon || return 1
	new_zone pol.test || return 1
	japi PUT /v1/zones/pol.test/rrsets/www/A \
		'{"ttl": 60, "records": ["198.18.0.1", "198.18.0.2"], "policy": {"weights": [70, 30]}}'
	expect 200 || return 1
	expect_policy '{"weights":[70,30]}' || return 1
	api GET /v1/zones/pol.test/rrsets/www/A
	expect 200 || return 1
	expect_policy '{"weights":[70,30]}' || return 1
	[ "$(jb '.records | join(",")')" = "198.18.0.1,198.18.0.2" ] ||
		{ fail "records $(jb .records)"; return 1; }

	# Canonical form: member order fixed, codes upper case, addresses and
	# networks in their presentation form.
	japi PUT /v1/zones/pol.test/rrsets/geo/AAAA '{"records": ["2001:db8::1", "2001:db8::2"],
		"policy": {"geo": {"default": ["2001:DB8:0::1"], "rules": [
			{"records": ["2001:db8::2", "2001:DB8::1"], "countries": ["gb", "de"]},
			{"cidrs": ["2001:DB8:1:0::/48", "198.18.4.0/22"], "records": ["2001:db8::1"]}]},
		"failover": ["primary", "secondary"]}}'
	expect 200 || return 1
	expect_policy '{"failover":["primary","secondary"],"geo":{"rules":[{"countries":["GB","DE"],"records":["2001:db8::2","2001:db8::1"]},{"cidrs":["2001:db8:1::/48","198.18.4.0/22"],"records":["2001:db8::1"]}],"default":["2001:db8::1"]}}' ||
		return 1

	# Lists carry the policy of each RRset, null for plain ones.
	api GET '/v1/zones/pol.test/rrsets?name=www'
	expect 200 || return 1
	[ "$(jq -c '[.rrsets[] | select(.type == "A") | .policy]' "$B")" = '[{"weights":[70,30]}]' ] ||
		{ fail "list: $(cat "$B")"; return 1; }
	api GET '/v1/zones/pol.test/rrsets?type=NS'
	[ "$(jq -c '[.rrsets[].policy]' "$B")" = '[null]' ] || { fail "NS: $(cat "$B")"; return 1; }

	# A PUT without a policy makes the RRset plain again.
	japi PUT /v1/zones/pol.test/rrsets/geo/AAAA '{"records": ["2001:db8::1", "2001:db8::2"]}'
	expect 200 || return 1
	expect_policy null
}

test_policy_errors() {
	local recs='"records": ["198.18.0.1", "198.18.0.2"]'

	ensure_daemon || return 1
	new_zone bad.test || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"weights\": [1]}}"
	expect 400 invalid policy.weights || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"weights\": [1, 70000]}}"
	expect 400 invalid 'policy.weights[1]' || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"weight\": [1, 2]}}"
	expect 400 invalid policy.weight || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"weights\": [1, 2], \"multivalue\": true}}"
	expect 400 invalid policy.multivalue || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"healthchecks\": [\"nosuch\", null]}}"
	expect 400 invalid 'policy.healthchecks[0]' || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"failover\": [\"secondary\", \"secondary\"]}}"
	expect 400 invalid policy.failover || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"geo\": {\"rules\": [{\"cidrs\": [\"198.18.1.1/24\"], \"records\": [\"198.18.0.1\"]}], \"default\": [\"198.18.0.2\"]}}}"
	expect 400 invalid 'policy.geo.rules[0].cidrs[0]' || return 1
	jb .error.message | grep -q 'host bits' || { fail "message: $(jb .error.message)"; return 1; }
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"geo\": {\"rules\": [{\"countries\": [\"GB\"], \"records\": [\"198.18.0.9\"]}], \"default\": [\"198.18.0.2\"]}}}"
	expect 400 invalid 'policy.geo.rules[0].records[0]' || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": {\"geo\": {\"rules\": []}}}"
	expect 400 invalid policy.geo.default || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A '{"records": ["198.18.0.1", "198.18.0.1"], "policy": {"multivalue": true}}'
	expect 400 invalid records || return 1
	japi PUT /v1/zones/bad.test/rrsets/www/A "{$recs, \"policy\": [70, 30]}"
	expect 400 invalid policy || return 1
	japi PUT /v1/zones/bad.test/rrsets/@/MX '{"records": ["10 mail"], "policy": {"multivalue": true}}'
	expect 400 invalid policy || return 1
	japi PATCH /v1/zones/bad.test/rrsets "{\"changes\": [{\"op\": \"replace\", \"name\": \"www\", \"type\": \"A\", $recs, \"policy\": {\"weights\": [1, -1]}}]}"
	expect 400 invalid 'changes[0].policy.weights[1]' || return 1
	# Nothing of it was stored.
	api GET /v1/zones/bad.test/rrsets/www/A
	expect 404 || return 1
}

test_policy_patch() {
	ensure_daemon || return 1
	new_zone patch.test || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.1", "198.18.0.2"],
		 "policy": {"multivalue": true}},
		{"op": "replace", "name": "plain", "type": "A", "records": ["198.18.0.3"]}]}'
	expect 200 || return 1
	[ "$(jb .changed)" = 2 ] || { fail "changed $(jb .changed)"; return 1; }
	api GET /v1/zones/patch.test/rrsets/www/A
	expect_policy '{"multivalue":true}' || return 1

	# Records of a steered RRset change only with the whole RRset.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "add", "name": "www", "type": "A", "records": ["198.18.0.9"]}]}'
	expect 422 semantic 'changes[0].records' || return 1
	jb .error.message | grep -q 'replace' || { fail "message: $(jb .error.message)"; return 1; }
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "remove", "name": "www", "type": "A", "records": ["198.18.0.1"]}]}'
	expect 422 semantic 'changes[0].records' || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "add", "name": "plain", "type": "A", "records": ["198.18.0.4"],
		 "policy": {"multivalue": true}}]}'
	expect 400 invalid 'changes[0].policy' || return 1
	# Adding to a plain RRset still works.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "add", "name": "plain", "type": "A", "records": ["198.18.0.4"]}]}'
	expect 200 || return 1
	# The same policy again is no change; a new one is.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.1", "198.18.0.2"],
		 "policy": {"multivalue": true}}]}'
	expect 200 || return 1
	[ "$(jb .changed)" = 0 ] || { fail "changed $(jb .changed) for the same policy"; return 1; }
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.1", "198.18.0.2"],
		 "policy": {"weights": [1, 0]}}]}'
	expect 200 || return 1
	[ "$(jb .changed)" = 1 ] || { fail "changed $(jb .changed) for a new policy"; return 1; }
	api GET /v1/zones/patch.test/rrsets/www/A
	expect_policy '{"weights":[1,0]}' || return 1
	# Deleting a steered RRset is fine.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [{"op": "delete", "name": "www", "type": "A"}]}'
	expect 200 || return 1
}

test_policy_export() {
	ensure_daemon || return 1
	new_zone exp.test || return 1
	japi PUT /v1/zones/exp.test/rrsets/www/A \
		'{"ttl": 60, "records": ["198.18.0.1", "198.18.0.2"], "policy": {"weights": [70, 30]}}'
	expect 200 || return 1
	api GET /v1/zones/exp.test/export
	expect 200 || return 1
	grep -A1 '^; policy' "$B" >"$WORKDIR/exp"
	grep -qx '; policy (not in zone files; kept by the API): weights 70,30' "$WORKDIR/exp" ||
		{ fail "no policy comment: $(cat "$B")"; return 1; }
	grep -q "^www.exp.test.	60	IN	A	198.18.0.1" "$WORKDIR/exp" ||
		{ fail "the comment is not above the records: $(cat "$B")"; return 1; }
	# The export is a valid master file: replacing the zone with it drops the policy.
	api PUT /v1/zones/exp.test/zonefile -H 'Content-Type: text/dns' --data-binary "@$B"
	expect 200 || return 1
	api GET /v1/zones/exp.test/rrsets/www/A
	expect 200 || return 1
	expect_policy null || return 1
	[ "$(jb '.records | join(",")')" = "198.18.0.1,198.18.0.2" ] ||
		{ fail "records $(jb .records)"; return 1; }
}

test_policy_restart() {
	ensure_daemon || return 1
	new_zone keep.test || return 1
	japi PUT /v1/zones/keep.test/rrsets/www/A \
		'{"records": ["198.18.0.1", "198.18.0.2"], "policy": {"failover": ["secondary", "primary"]}}'
	expect 200 || return 1
	stop_daemon || return 1
	start_api || return 1
	api GET /v1/zones/keep.test/rrsets/www/A
	expect 200 || return 1
	expect_policy '{"failover":["secondary","primary"]}'
}

require_api_env
run_tests
