#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Percent-encoded path segments in the API: an owner name with a '/' (RFC 2317
# classless reverse delegation, 0/25) or a '%' is one {name} segment once
# escaped, through curl and through nsctl, and the answers show it in DNS.

ALL_TESTS="
	test_slash_owner
	test_percent_owner
	test_bad_escapes
	test_nsctl_slash_owner
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

REV=2.0.192.in-addr.arpa

ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	start_api || { fail "nameserved did not start"; return 1; }
	# After a failed test the next daemon finds the zone in the store.
	api GET "/v1/zones/$REV"
	[ "$ST" = 200 ] && return 0
	japi POST /v1/zones "{\"name\": \"$REV\"}"
	expect 201
}

test_slash_owner() {
	local out

	ensure_daemon || return 1
	japi PUT "/v1/zones/$REV/rrsets/0%2F25/NS" '{"records": ["ns1.example.net."]}'
	expect 200 || return 1
	[ "$(jb .name)" = "0/25.$REV." ] || { fail "owner $(jb .name), expected 0/25.$REV."; return 1; }
	# RFC 2317 §4: each address's PTR becomes a CNAME into the delegated range.
	japi PUT "/v1/zones/$REV/rrsets/1/CNAME" "{\"records\": [\"1.0/25.$REV.\"]}"
	expect 200 || return 1
	# Lower-case hex and the absolute form reach the same RRset.
	api GET "/v1/zones/$REV/rrsets/0%2f25/NS"
	expect 200 || return 1
	[ "$(jb '.records | join(",")')" = ns1.example.net. ] || { fail "GET: $(cat "$B")"; return 1; }
	api GET "/v1/zones/$REV/rrsets/0%2F25.$REV./NS"
	expect 200 || return 1
	# Unescaped, the '/' is a separator: no route has that many segments.
	api GET "/v1/zones/$REV/rrsets/0/25/NS"
	expect 404 || return 1
	out=$(query "$SRV_IP4" "1.$REV" PTR) || { fail "kdig failed"; return 1; }
	grep -q "CNAME.*1\.0/25\.$REV\." <<<"$out" || { fail "no RFC 2317 CNAME: $out"; return 1; }
	grep -q "0/25\.$REV\..*NS.*ns1\.example\.net\." <<<"$out" ||
		{ fail "no referral to 0/25.$REV.: $out"; return 1; }
	api DELETE "/v1/zones/$REV/rrsets/0%2F25/NS"
	expect 204 || return 1
	api GET "/v1/zones/$REV/rrsets/0%2F25/NS"
	expect 404 not_found || return 1
}

test_percent_owner() {
	ensure_daemon || return 1
	# "%25" is a literal '%': decoded once, after routing, never twice.
	japi PUT "/v1/zones/$REV/rrsets/a%2541/TXT" '{"records": ["pct"]}'
	expect 200 || return 1
	[ "$(jb .name)" = "a%41.$REV." ] || { fail "owner $(jb .name), expected a%41.$REV."; return 1; }
	api GET "/v1/zones/$REV/rrsets/a%2541/TXT"
	expect 200 || return 1
	api GET "/v1/zones/$REV/rrsets/aA/TXT"
	expect 404 not_found || return 1
	expect_dns "a%41.$REV" TXT 'NOERROR TXT "pct"' || return 1
	# The zone segment is decoded too.
	api GET "/v1/zones/2.0.192.in-addr.arpa%2E/rrsets/a%2541/TXT"
	expect 200 || return 1
	api DELETE "/v1/zones/$REV/rrsets/a%2541/TXT"
	expect 204 || return 1
}

test_bad_escapes() {
	local p

	ensure_daemon || return 1
	for p in "a%2" "a%zz" "a%00b" "%"; do
		api GET "/v1/zones/$REV/rrsets/$p/A"
		expect 400 invalid || { fail "for $p"; return 1; }
	done
}

# nsctl escapes each path segment itself: the name goes in as typed. The
# server and token from the environment win over any config file.
test_nsctl_slash_owner() {
	local out rc

	ensure_daemon || return 1
	export NAMESERVE_URL=$API_URL NAMESERVE_TOKEN=$ADMIN_TOKEN
	out=$(in_srv "$NSCTL" rrset set "$REV" 128/25 NS ns2.example.net. 2>&1) ||
		{ fail "nsctl rrset set: $out"; return 1; }
	out=$(in_srv "$NSCTL" --json rrset get "$REV" 128/25 NS 2>&1) ||
		{ fail "nsctl rrset get: $out"; return 1; }
	[ "$(jq -r .name <<<"$out")" = "128/25.$REV." ] &&
		[ "$(jq -r '.records | join(",")' <<<"$out")" = ns2.example.net. ] ||
		{ fail "nsctl rrset get: $out"; return 1; }
	out=$(in_srv "$NSCTL" rrset delete "$REV" "128/25.$REV." NS 2>&1) ||
		{ fail "nsctl rrset delete: $out"; return 1; }
	out=$(in_srv "$NSCTL" rrset get "$REV" 128/25 NS 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] && grep -q 404 <<<"$out" || { fail "after delete: exit $rc: $out"; return 1; }
}

require_api_env
run_tests
