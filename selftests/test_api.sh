#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The HTTP API through real HTTP (curl) against nameserved with a store and XDP
# on a veth: every resource and every error status of userspace/api.md, tenant
# isolation, idempotent retries, If-Match races, body limits, and changes seen
# in DNS answers (from the XDP program, its counters say) right after the reply.

ALL_TESTS="
	test_auth
	test_zone_lifecycle
	test_zone_defaults_and_soa
	test_zonefile_create_export
	test_zonefile_replace
	test_rrsets
	test_rrset_errors
	test_patch_atomic
	test_list_pagination
	test_http_errors
	test_tenant_isolation
	test_tokens
	test_if_match
	test_concurrent_if_match
	test_idempotency
	test_body_limit
	test_xdp_live
	test_child_zone_fastpath
	test_stats_metrics
	test_restart_keeps_state
	test_tls
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	start_api --xdp "$IF_SRV" || { fail "nameserved did not start"; return 1; }
}

# new_zone NAME: a zone created from scratch by the admin token.
new_zone() {
	TOKEN=$ADMIN_TOKEN japi POST /v1/zones "{\"name\": \"$1\"}"
	expect 201
}

serial_of() {
	local t=$TOKEN

	TOKEN=$ADMIN_TOKEN api GET "/v1/zones/$1"
	TOKEN=$t
	jb .serial
}

test_auth() {
	ensure_daemon || return 1
	TOKEN= api GET /v1/zones
	expect 401 unauthenticated null || return 1
	[ "$(hdr WWW-Authenticate)" = "Bearer" ] || { fail "no WWW-Authenticate: Bearer"; return 1; }
	TOKEN=ns_0000000000000000000000000000000000000000 api GET /v1/zones
	expect 401 unauthenticated || return 1
	TOKEN= api GET /v1/zones -H "Authorization: Basic Zm9vOmJhcg=="
	expect 401 unauthenticated || return 1
	# /metrics is the one endpoint without a token.
	TOKEN= api GET /metrics
	expect 200 || return 1
	# The token file: created with a fresh secret, owner-only.
	[ "$(stat -c %a "$STATE/admin.token")" = 600 ] || { fail "admin.token not 0600"; return 1; }
	# Stored hashed: the secret is nowhere in the store's files.
	if grep -qF "$ADMIN_TOKEN" "$STATE"/*.mdb; then
		fail "the admin secret is in the store in clear"
		return 1
	fi
}

test_zone_lifecycle() {
	ensure_daemon || return 1
	new_zone life.test || return 1
	[ "$(jb .name)" = "life.test." ] && [ "$(jb .account)" = admin ] ||
		{ fail "zone object: $(cat "$B")"; return 1; }
	[ "$(hdr ETag)" = "\"$(jb .serial)\"" ] || { fail "ETag $(hdr ETag) vs $(jb .serial)"; return 1; }
	api GET /v1/zones/life.test.
	expect 200 || return 1
	[ "$(jb .rrsets)" = 2 ] || { fail "a new zone has SOA and NS: $(cat "$B")"; return 1; }
	api GET /v1/zones
	expect 200 || return 1
	jb '.zones[].name' | grep -qx life.test. || { fail "not listed: $(cat "$B")"; return 1; }
	[ "$(jb .next_cursor)" = null ] || { fail "next_cursor on one page"; return 1; }
	japi POST /v1/zones '{"name": "LIFE.test."}'
	expect 409 conflict name || return 1
	expect_dns life.test SOA "NOERROR SOA ns1.example.net. hostmaster.life.test. $(serial_of life.test) 3600 600 604800 300" || return 1
	api DELETE /v1/zones/life.test
	expect 204 || return 1
	api GET /v1/zones/life.test
	expect 404 not_found || return 1
	api DELETE /v1/zones/life.test
	expect 404 not_found || return 1
	expect_dns life.test SOA "REFUSED " || return 1
}

test_zone_defaults_and_soa() {
	ensure_daemon || return 1
	japi POST /v1/zones '{"name": "soa.test", "nameservers": ["a.ns.test.", "b"],
		"soa": {"rname": "dns-admin", "refresh": 7200, "retry": 900, "expire": 1209600,
			"minimum": 60, "ttl": 1800}}'
	expect 201 || return 1
	[ "$(jb '.soa | [.mname, .rname, .refresh, .retry, .expire, .minimum, .ttl] | join(" ")')" = \
	  "a.ns.test. dns-admin.soa.test. 7200 900 1209600 60 1800" ] ||
		{ fail "SOA fields: $(cat "$B")"; return 1; }
	expect_dns soa.test NS "NOERROR NS a.ns.test. NS b.soa.test." || return 1
	japi POST /v1/zones '{"name": "bad..name"}'
	expect 400 invalid name || return 1
	japi POST /v1/zones '{"name": "x.test", "soa": {"refresh": -1}}'
	expect 400 invalid soa.refresh || return 1
	japi POST /v1/zones '{"name": "x.test", "soa": {"serial": 5}}'
	expect 400 invalid soa.serial || return 1
	japi POST /v1/zones '{"name": "x.test", "nameservers": []}'
	expect 400 invalid nameservers || return 1
	japi POST /v1/zones '{"name": "x.test", "nameservers": ["bad..ns"]}'
	expect 400 invalid "nameservers[0]" || return 1
	japi POST /v1/zones '{"nam": "x.test"}'
	expect 400 invalid nam || return 1
}

test_zonefile_create_export() {
	local zf exp

	ensure_daemon || return 1
	zf=$'$TTL 600\n@ IN SOA ns1 hostmaster 42 3600 600 86400 300\n@ NS ns1\nns1 A 198.18.0.1\nwww A 198.18.0.10\n  A 198.18.0.11\nmail MX 10 mx.example.net.\ntxt TXT "hello world"\n'
	japi POST /v1/zones "$(jq -n --arg z "$zf" '{name: "file.test", zonefile: $z}')"
	expect 201 || return 1
	[ "$(jb .serial)" = 42 ] || { fail "serial from the file: $(cat "$B")"; return 1; }
	expect_dns www.file.test A "NOERROR A 198.18.0.10 A 198.18.0.11" || return 1
	api GET /v1/zones/file.test/export
	expect 200 || return 1
	[[ "$(hdr Content-Type)" == text/dns* ]] || { fail "export Content-Type $(hdr Content-Type)"; return 1; }
	exp=$(cat "$B")
	head -1 <<<"$exp" | grep -qP '^file\.test\.\t600\tIN\tSOA\tns1\.file\.test\. hostmaster\.file\.test\. 42 ' ||
		{ fail "export does not start with the SOA: $exp"; return 1; }
	grep -qP '^www\.file\.test\.\t600\tIN\tA\t198\.18\.0\.11$' <<<"$exp" &&
	grep -qP '^txt\.file\.test\.\t600\tIN\tTXT\t"hello world"$' <<<"$exp" ||
		{ fail "export content: $exp"; return 1; }
	[ "$(grep -c . <<<"$exp")" = 7 ] || { fail "export has $(grep -c . <<<"$exp") records, not 7"; return 1; }
	# The export loads back as the same zone, one serial on.
	api PUT /v1/zones/file.test/zonefile -H 'Content-Type: text/dns' --data-binary "$exp"
	expect 200 || return 1
	[ "$(jb .serial)" = 43 ] && [ "$(jb .rrsets)" = 6 ] || { fail "re-import: $(cat "$B")"; return 1; }
	api GET /v1/zones/file.test/export
	[ "$(sed 's/ 43 / 42 /' "$B")" = "$exp" ] || { fail "export after re-import: $(cat "$B")"; return 1; }
	# Records of another zone's names are refused.
	japi POST /v1/zones "$(jq -n --arg z "$exp" '{name: "file2.test", zonefile: $z}')"
	expect 422 semantic zonefile || return 1
	# Errors: syntax (with the line), $INCLUDE, out-of-zone data, CNAME beside data.
	japi POST /v1/zones "$(jq -n '{name: "bad.test", zonefile: "@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nwww A 300.1.1.1\n"}')"
	expect 400 invalid zonefile || return 1
	[[ "$(jb .error.message)" == zonefile:3:* ]] || { fail "message $(jb .error.message)"; return 1; }
	japi POST /v1/zones "$(jq -n '{name: "bad.test", zonefile: "$INCLUDE /etc/passwd\n"}')"
	expect 400 invalid zonefile || return 1
	japi POST /v1/zones "$(jq -n '{name: "bad.test", zonefile: "@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nwww.other.test. A 192.0.2.1\n"}')"
	expect 422 semantic zonefile || return 1
	japi POST /v1/zones "$(jq -n '{name: "bad.test", zonefile: "@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nwww CNAME x\nwww A 192.0.2.1\n"}')"
	expect 422 semantic zonefile || return 1
	api GET /v1/zones/bad.test
	expect 404 || return 1
}

test_zonefile_replace() {
	local s0

	ensure_daemon || return 1
	new_zone repl.test || return 1
	s0=$(jb .serial)
	printf '@ NS ns1.example.net.\nnew A 198.18.0.20\n' >"$WORKDIR/repl.zone"
	api PUT /v1/zones/repl.test/zonefile -H 'Content-Type: text/dns' --data-binary @"$WORKDIR/repl.zone"
	expect 200 || return 1
	[ "$(jb .serial)" = $((s0 + 1)) ] || { fail "serial $(jb .serial), expected $((s0 + 1))"; return 1; }
	[ "$(jb .rrsets)" = 3 ] || { fail "rrsets $(jb .rrsets), expected SOA NS A"; return 1; }
	expect_dns new.repl.test A "NOERROR A 198.18.0.20" || return 1
	expect_dns repl.test NS "NOERROR NS ns1.example.net." || return 1
	# A file serial ahead of ours wins; one behind does not.
	printf '@ SOA ns1.example.net. h 4000000000 1 1 1 1\n@ NS ns1.example.net.\n' >"$WORKDIR/repl.zone"
	api PUT /v1/zones/repl.test/zonefile -H 'Content-Type: text/dns' --data-binary @"$WORKDIR/repl.zone"
	expect 200 || return 1
	[ "$(jb .serial)" = 4000000000 ] || { fail "serial $(jb .serial), expected 4000000000"; return 1; }
	printf '@ SOA ns1.example.net. h 3000000000 1 1 1 1\n@ NS ns1.example.net.\n' >"$WORKDIR/repl.zone"
	api PUT /v1/zones/repl.test/zonefile -H 'Content-Type: text/dns' --data-binary @"$WORKDIR/repl.zone"
	expect 200 || return 1
	[ "$(jb .serial)" = 4000000001 ] || { fail "serial $(jb .serial), expected 4000000001"; return 1; }
	expect_dns new.repl.test A "NXDOMAIN " || return 1
	api PUT /v1/zones/repl.test/zonefile -H 'Content-Type: text/dns' --data-binary $'www A 198.18.0.1\n'
	expect 422 semantic zonefile || return 1
	api PUT /v1/zones/repl.test/zonefile -H 'Content-Type: application/json' --data-binary '{}'
	expect 415 unsupported_media_type || return 1
	[ "$(serial_of repl.test)" = 4000000001 ] || { fail "a refused replace changed the zone"; return 1; }
}

test_rrsets() {
	local s0

	ensure_daemon || return 1
	new_zone rr.test || return 1
	s0=$(jb .serial)
	japi PUT /v1/zones/rr.test/rrsets/www/A '{"ttl": 300, "records": ["198.18.0.1", "198.18.0.2", "198.18.0.1"]}'
	expect 200 || return 1
	[ "$(jb '[.name, .type, .ttl, (.records | join(",")), .policy] | join(" ")')" = \
	  "www.rr.test. A 300 198.18.0.1,198.18.0.2 " ] || { fail "rrset reply: $(cat "$B")"; return 1; }
	[ "$(hdr ETag)" = "\"$((s0 + 1))\"" ] || { fail "ETag $(hdr ETag), expected $((s0 + 1))"; return 1; }
	expect_dns www.rr.test A "NOERROR A 198.18.0.1 A 198.18.0.2" || return 1
	japi PUT /v1/zones/rr.test/rrsets/www.rr.test./AAAA '{"records": ["2001:db8::1"]}'
	expect 200 || return 1
	[ "$(jb .ttl)" = 3600 ] || { fail "default TTL $(jb .ttl)"; return 1; }
	japi PUT /v1/zones/rr.test/rrsets/@/MX '{"records": ["10 mail", "20 mail.example.net."]}'
	expect 200 || return 1
	expect_dns rr.test MX "NOERROR MX 10 mail.rr.test. MX 20 mail.example.net." || return 1
	japi PUT /v1/zones/rr.test/rrsets/_sip._tcp/SRV '{"records": ["0 5 5060 sip"]}'
	expect 200 || return 1
	japi PUT /v1/zones/rr.test/rrsets/t/TXT '{"records": ["\"a b\" c"]}'
	expect 200 || return 1
	[ "$(jb '.records[0]')" = '"a b" "c"' ] || { fail "TXT as text: $(jb '.records[0]')"; return 1; }
	api GET /v1/zones/rr.test/rrsets/www/A
	expect 200 || return 1
	[ "$(jb '.records | length')" = 2 ] || { fail "GET rrset: $(cat "$B")"; return 1; }
	api GET /v1/zones/rr.test/rrsets
	expect 200 || return 1
	# Canonical order: the apex first, its types by number, then names.
	[ "$(jb '[.rrsets[] | .name + "/" + .type] | join(" ")')" = \
	  "rr.test./NS rr.test./SOA rr.test./MX _sip._tcp.rr.test./SRV t.rr.test./TXT www.rr.test./A www.rr.test./AAAA" ] ||
		{ fail "list order: $(jb '[.rrsets[] | .name + "/" + .type] | join(" ")')"; return 1; }
	api GET "/v1/zones/rr.test/rrsets?name=www"
	[ "$(jb '[.rrsets[].type] | join(" ")')" = "A AAAA" ] || { fail "?name=: $(cat "$B")"; return 1; }
	api GET "/v1/zones/rr.test/rrsets?type=MX"
	[ "$(jb '[.rrsets[].name] | join(" ")')" = "rr.test." ] || { fail "?type=: $(cat "$B")"; return 1; }
	api DELETE /v1/zones/rr.test/rrsets/www/AAAA
	expect 204 || return 1
	api GET /v1/zones/rr.test/rrsets/www/AAAA
	expect 404 not_found || return 1
	api DELETE /v1/zones/rr.test/rrsets/www/AAAA
	expect 404 not_found || return 1
	expect_dns www.rr.test AAAA "NOERROR " || return 1
	# Replacing the SOA keeps the serial ours: one more than before.
	s0=$(serial_of rr.test)
	japi PUT /v1/zones/rr.test/rrsets/@/SOA '{"records": ["ns9.example.net. h.rr.test. 1 2 3 4 5"]}'
	expect 200 || return 1
	[ "$(serial_of rr.test)" = $((s0 + 1)) ] || { fail "SOA replace serial"; return 1; }
	expect_dns rr.test SOA "NOERROR SOA ns9.example.net. h.rr.test. $((s0 + 1)) 2 3 4 5" || return 1
}

test_rrset_errors() {
	ensure_daemon || return 1
	new_zone err.test || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"records": ["198.18.0.1", "198.18.0.300"]}'
	expect 400 invalid "records[1]" || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"records": []}'
	expect 400 invalid records || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"records": [1]}'
	expect 400 invalid "records[0]" || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"ttl": 2147483648, "records": ["198.18.0.1"]}'
	expect 400 invalid ttl || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"ttl": "300", "records": ["198.18.0.1"]}'
	expect 400 invalid ttl || return 1
	japi PUT /v1/zones/err.test/rrsets/www/BOGUS '{"records": ["198.18.0.1"]}'
	expect 400 invalid type || return 1
	japi PUT /v1/zones/err.test/rrsets/www/OPT '{"records": ["\\# 0"]}'
	expect 400 invalid type || return 1
	japi PUT /v1/zones/err.test/rrsets/a..b/A '{"records": ["198.18.0.1"]}'
	expect 400 invalid name || return 1
	japi PUT /v1/zones/err.test/rrsets/www/MX '{"records": ["10"]}'
	expect 400 invalid "records[0]" || return 1
	japi PUT /v1/zones/err.test/rrsets/www.elsewhere.test./A '{"records": ["198.18.0.1"]}'
	expect 422 semantic name || return 1
	japi PUT /v1/zones/err.test/rrsets/www/A '{"records": ["198.18.0.1"]}'
	expect 200 || return 1
	japi PUT /v1/zones/err.test/rrsets/www/CNAME '{"records": ["other"]}'
	expect 422 semantic || return 1
	grep -q "CNAME and other data" "$B" || { fail "message: $(cat "$B")"; return 1; }
	japi PUT /v1/zones/err.test/rrsets/alias/CNAME '{"records": ["a", "b"]}'
	expect 422 semantic records || return 1
	api DELETE /v1/zones/err.test/rrsets/@/NS
	expect 422 semantic || return 1
	api DELETE /v1/zones/err.test/rrsets/@/SOA
	expect 422 semantic || return 1
	japi PUT /v1/zones/err.test/rrsets/sub/SOA '{"records": ["a. b. 1 1 1 1 1"]}'
	expect 422 semantic || return 1
	api GET /v1/zones/err.test/rrsets/www/CNAME
	expect 404 not_found || return 1
	expect_dns www.err.test A "NOERROR A 198.18.0.1" || return 1
}

test_patch_atomic() {
	local s0

	ensure_daemon || return 1
	new_zone patch.test || return 1
	japi PUT /v1/zones/patch.test/rrsets/old/A '{"records": ["198.18.0.9", "198.18.0.8"]}'
	japi PUT /v1/zones/patch.test/rrsets/gone/TXT '{"records": ["bye"]}'
	s0=$(serial_of patch.test)
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "ttl": 300, "records": ["198.18.0.1"]},
		{"op": "add", "name": "www", "type": "AAAA", "records": ["2001:db8::1"]},
		{"op": "remove", "name": "old", "type": "A", "records": ["198.18.0.9"]},
		{"op": "delete", "name": "gone", "type": "TXT"}]}'
	expect 200 || return 1
	[ "$(jb .serial)" = $((s0 + 1)) ] && [ "$(jb .changed)" = 4 ] ||
		{ fail "one version for the lot: $(cat "$B"), was $s0"; return 1; }
	[ "$(hdr ETag)" = "\"$((s0 + 1))\"" ] || { fail "ETag $(hdr ETag)"; return 1; }
	expect_dns www.patch.test A "NOERROR A 198.18.0.1" || return 1
	expect_dns www.patch.test AAAA "NOERROR AAAA 2001:db8::1" || return 1
	expect_dns old.patch.test A "NOERROR A 198.18.0.8" || return 1
	expect_dns gone.patch.test TXT "NXDOMAIN " || return 1
	# remove of the last record takes the RRset away.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "remove", "name": "old", "type": "A", "records": ["198.18.0.8"]}]}'
	expect 200 || return 1
	api GET /v1/zones/patch.test/rrsets/old/A
	expect 404 || return 1
	# One bad change refuses the whole request, and says which.
	s0=$(serial_of patch.test)
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.77"]},
		{"op": "add", "name": "x", "type": "A", "records": ["198.18.0.1", "nope"]}]}'
	expect 400 invalid "changes[1].records[1]" || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.77"]},
		{"op": "add", "name": "www", "type": "CNAME", "records": ["x"]}]}'
	expect 422 semantic "changes[1]" || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "replace", "name": "www", "type": "A", "records": ["198.18.0.77"]},
		{"op": "delete", "name": "@", "type": "NS"}]}'
	expect 422 semantic "changes[1]" || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [{"op": "upsert", "name": "a", "type": "A"}]}'
	expect 400 invalid "changes[0].op" || return 1
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": []}'
	expect 400 invalid changes || return 1
	[ "$(serial_of patch.test)" = "$s0" ] || { fail "a refused PATCH made a version"; return 1; }
	expect_dns www.patch.test A "NOERROR A 198.18.0.1" || return 1
	# CNAME replacing data in one request is fine: the end state counts.
	japi PATCH /v1/zones/patch.test/rrsets '{"changes": [
		{"op": "delete", "name": "www", "type": "A"},
		{"op": "delete", "name": "www", "type": "AAAA"},
		{"op": "add", "name": "www", "type": "CNAME", "records": ["target.example.net."]}]}'
	expect 200 || return 1
	expect_dns www.patch.test CNAME "NOERROR CNAME target.example.net." || return 1
}

test_list_pagination() {
	local i cursor names=""

	ensure_daemon || return 1
	TOKEN=$(account_token pager pager) || return 1
	for i in 1 2 3 4 5; do
		japi POST /v1/zones "{\"name\": \"p$i.page.test\"}"
		expect 201 || return 1
	done
	cursor=
	for i in 1 2 3; do
		api GET "/v1/zones?limit=2${cursor:+&cursor=$cursor}"
		expect 200 || return 1
		names="$names $(jb '[.zones[].name] | join(" ")')"
		cursor=$(jb .next_cursor)
		[ "$cursor" = null ] && break
	done
	[ "$names" = " p1.page.test. p2.page.test. p3.page.test. p4.page.test. p5.page.test." ] &&
		[ "$cursor" = null ] && [ "$i" = 3 ] || { fail "pages: '$names' cursor $cursor"; return 1; }
	api GET "/v1/zones?limit=0"
	expect 400 invalid limit || return 1
	api GET "/v1/zones?limit=1001"
	expect 400 invalid limit || return 1
	api GET "/v1/zones?cursor=zz"
	expect 400 invalid cursor || return 1
	for i in 1 2 3; do
		japi PUT "/v1/zones/p1.page.test/rrsets/h$i/A" "{\"records\": [\"198.18.0.$i\"]}"
	done
	api GET "/v1/zones/p1.page.test/rrsets?limit=3"
	cursor=$(jb .next_cursor)
	[ "$(jb '.rrsets | length')" = 3 ] && [ "$cursor" != null ] || { fail "rrset page 1: $(cat "$B")"; return 1; }
	api GET "/v1/zones/p1.page.test/rrsets?limit=3&cursor=$cursor"
	[ "$(jb '[.rrsets[].name] | join(" ")')" = "h2.p1.page.test. h3.p1.page.test." ] &&
		[ "$(jb .next_cursor)" = null ] || { fail "rrset page 2: $(cat "$B")"; return 1; }
	TOKEN=$ADMIN_TOKEN
}

test_http_errors() {
	ensure_daemon || return 1
	api GET /v1/nothing
	expect 404 not_found || return 1
	api POST /v1/stats
	expect 405 method_not_allowed || return 1
	api PATCH /v1/zones
	expect 405 method_not_allowed || return 1
	api POST /v1/zones -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'name=x'
	expect 415 unsupported_media_type || return 1
	japi POST /v1/zones '{"name": '
	expect 400 invalid null || return 1
	japi POST /v1/zones '[1, 2]'
	expect 400 invalid || return 1
	japi POST /v1/zones '{"name": "a.test", "name": "b.test"}'
	expect 400 invalid || return 1
	api POST /v1/zones
	expect 400 invalid || return 1
}

# Two accounts: B can neither read nor change A's zone, and cannot tell it
# exists: every answer is the one for a zone that does not exist.
test_tenant_isolation() {
	local ta tb p ghost mine serial

	ensure_daemon || return 1
	ta=$(account_token a acme) || return 1
	tb=$(account_token b globex) || return 1
	TOKEN=$ta japi POST /v1/zones '{"name": "acme.test"}'
	expect 201 || return 1
	[ "$(jb .account)" = acme ] || { fail "account $(jb .account)"; return 1; }
	TOKEN=$ta japi PUT /v1/zones/acme.test/rrsets/www/A '{"records": ["198.18.0.5"]}'
	expect 200 || return 1
	serial=$(serial_of acme.test)
	for p in "GET /v1/zones/Z" "DELETE /v1/zones/Z" "GET /v1/zones/Z/export" \
		 "GET /v1/zones/Z/rrsets" "GET /v1/zones/Z/rrsets/www/A" \
		 "DELETE /v1/zones/Z/rrsets/www/A"; do
		TOKEN=$tb api ${p%% *} "$(sed 's/Z/acme.test/' <<<"${p#* }")"
		mine="$ST $(jb .error.code) $(sed 's/acme\.test/ZONE/g' "$B")"
		TOKEN=$tb api ${p%% *} "$(sed 's/Z/ghost.test/' <<<"${p#* }")"
		ghost="$ST $(jb .error.code) $(sed 's/ghost\.test/ZONE/g' "$B")"
		[ "$mine" = "$ghost" ] && [ "${mine%% *}" = 404 ] ||
			{ fail "$p: '$mine' differs from a missing zone's '$ghost'"; return 1; }
	done
	TOKEN=$tb japi PUT /v1/zones/acme.test/rrsets/www/A '{"records": ["198.18.0.6"]}'
	expect 404 not_found || return 1
	TOKEN=$tb japi PATCH /v1/zones/acme.test/rrsets '{"changes": [{"op": "delete", "name": "www", "type": "A"}]}'
	expect 404 not_found || return 1
	TOKEN=$tb api PUT /v1/zones/acme.test/zonefile -H 'Content-Type: text/dns' --data-binary $'x NS x.\n'
	expect 404 not_found || return 1
	TOKEN=$tb api GET /v1/zones
	[ "$(jb '.zones | length')" = 0 ] || { fail "globex lists: $(cat "$B")"; return 1; }
	TOKEN=$tb api GET "/v1/zones?account=acme"
	[ "$(jb '.zones | length')" = 0 ] || { fail "globex lists acme's: $(cat "$B")"; return 1; }
	TOKEN=$tb api GET /v1/stats
	[ "$(jb .zones)" = 0 ] || { fail "globex stats: $(cat "$B")"; return 1; }
	# Nothing of acme's moved, and it still answers.
	[ "$(serial_of acme.test)" = "$serial" ] || { fail "acme's zone changed"; return 1; }
	expect_dns www.acme.test A "NOERROR A 198.18.0.5" || return 1
	# Tokens: B sees only its own, cannot delete A's, cannot mint admin or
	# another account's tokens, cannot create zones for A.
	TOKEN=$tb api GET /v1/tokens
	[ "$(jb '[.tokens[].account] | unique | join(" ")')" = globex ] || { fail "tokens: $(cat "$B")"; return 1; }
	TOKEN=$ta api GET /v1/tokens
	p=$(jb '.tokens[0].id')
	TOKEN=$tb api DELETE "/v1/tokens/$p"
	expect 404 not_found || return 1
	TOKEN=$tb japi POST /v1/tokens '{"name": "x", "admin": true}'
	expect 403 forbidden || return 1
	TOKEN=$tb japi POST /v1/tokens '{"name": "x", "account": "acme"}'
	expect 403 forbidden || return 1
	TOKEN=$tb japi POST /v1/zones '{"name": "other.test", "account": "acme"}'
	expect 403 forbidden || return 1
	# A zone inside another account's would take its names over.
	TOKEN=$tb japi POST /v1/zones '{"name": "sub.acme.test"}'
	expect 409 conflict || return 1
	# The admin sees both accounts and filters.
	TOKEN=$ADMIN_TOKEN api GET "/v1/zones?account=acme"
	[ "$(jb '[.zones[].name] | join(" ")')" = "acme.test." ] || { fail "admin filter: $(cat "$B")"; return 1; }
	TOKEN=$ADMIN_TOKEN
}

test_tokens() {
	local t id

	ensure_daemon || return 1
	japi POST /v1/tokens '{"name": "ci", "account": "tok"}'
	expect 201 || return 1
	t=$(jb .token)
	id=$(jb .id)
	[[ "$t" == ns_* ]] && [ "$(jb .admin)" = false ] && [ "$(jb .account)" = tok ] ||
		{ fail "token object: $(cat "$B")"; return 1; }
	api GET "/v1/tokens?account=tok"
	expect 200 || return 1
	[ "$(jb "[.tokens[] | select(.id == \"$id\")] | length")" = 1 ] &&
		[ "$(jb '[.tokens[] | has("token")] | any')" = false ] ||
		{ fail "list shows secrets or misses the token: $(cat "$B")"; return 1; }
	TOKEN=$t api GET /v1/zones
	expect 200 || return 1
	TOKEN=$t api DELETE "/v1/tokens/$id"
	expect 403 forbidden || return 1
	japi POST /v1/tokens '{"name": ""}'
	expect 400 invalid name || return 1
	japi POST /v1/tokens '{"name": "x", "account": "Bad Account"}'
	expect 400 invalid account || return 1
	japi POST /v1/tokens '{"name": "x", "admin": "yes"}'
	expect 400 invalid admin || return 1
	api DELETE "/v1/tokens/$id"
	expect 204 || return 1
	TOKEN=$t api GET /v1/zones
	expect 401 unauthenticated || return 1
	api DELETE "/v1/tokens/$id"
	expect 404 not_found || return 1
	# An admin token can mint another admin.
	japi POST /v1/tokens '{"name": "root2", "admin": true}'
	expect 201 || return 1
	[ "$(jb .admin)" = true ] || { fail "admin token: $(cat "$B")"; return 1; }
	if grep -qF "$(jb .token)" "$STATE"/*.mdb; then
		fail "a token secret is in the store in clear"
		return 1
	fi
}

test_if_match() {
	local s

	ensure_daemon || return 1
	new_zone match.test || return 1
	s=$(jb .serial)
	japi PUT /v1/zones/match.test/rrsets/a/A '{"records": ["198.18.0.1"]}' -H "If-Match: \"$s\""
	expect 200 || return 1
	japi PUT /v1/zones/match.test/rrsets/a/A '{"records": ["198.18.0.2"]}' -H "If-Match: \"$s\""
	expect 412 precondition_failed || return 1
	japi PATCH /v1/zones/match.test/rrsets '{"changes": [{"op": "delete", "name": "a", "type": "A"}]}' -H "If-Match: \"$s\""
	expect 412 precondition_failed || return 1
	api DELETE /v1/zones/match.test -H "If-Match: \"$s\""
	expect 412 precondition_failed || return 1
	api DELETE /v1/zones/match.test/rrsets/a/A -H 'If-Match: W/"1"'
	expect 412 precondition_failed || return 1
	expect_dns a.match.test A "NOERROR A 198.18.0.1" || return 1
	japi PUT /v1/zones/match.test/rrsets/a/A '{"records": ["198.18.0.3"]}' -H "If-Match: \"0\", \"$((s + 1))\""
	expect 200 || return 1
	japi PUT /v1/zones/match.test/rrsets/a/A '{"records": ["198.18.0.4"]}' -H 'If-Match: *'
	expect 200 || return 1
	api DELETE /v1/zones/match.test -H "If-Match: \"$((s + 3))\""
	expect 204 || return 1
}

# Writers racing with the same If-Match: exactly one wins, the rest get 412.
test_concurrent_if_match() {
	local s round i ok n412 codes pids

	ensure_daemon || return 1
	new_zone race.test || return 1
	for round in 1 2 3 4 5; do
		s=$(serial_of race.test)
		pids=()
		for i in 1 2 3; do
			in_srv curl -s -o /dev/null -w '%{http_code}\n' -X PUT \
				-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
				-H "If-Match: \"$s\"" --data-binary "{\"records\": [\"198.18.1.$i\"]}" \
				"$API_URL/v1/zones/race.test/rrsets/r$round/A" >"$WORKDIR/race.$i" &
			pids+=($!)
		done
		wait "${pids[@]}"
		codes=$(cat "$WORKDIR"/race.? | sort | tr '\n' ' ')
		ok=$(grep -c '^200$' "$WORKDIR"/race.? | awk -F: '{s += $2} END {print s}')
		n412=$(grep -c '^412$' "$WORKDIR"/race.? | awk -F: '{s += $2} END {print s}')
		[ "$ok" = 1 ] && [ "$n412" = 2 ] || { fail "round $round: $codes"; return 1; }
		[ "$(serial_of race.test)" = $((s + 1)) ] || { fail "round $round: serial moved by more than one"; return 1; }
	done
}

test_idempotency() {
	local s body1

	ensure_daemon || return 1
	new_zone idem.test || return 1
	s=$(jb .serial)
	japi PUT /v1/zones/idem.test/rrsets/x/A '{"records": ["198.18.0.1"]}' -H 'Idempotency-Key: put-1'
	expect 200 || return 1
	body1=$(cat "$B")
	[ -z "$(hdr Idempotent-Replayed)" ] || { fail "first reply marked replayed"; return 1; }
	# Someone else changes the RRset; the retry must not undo it.
	japi PUT /v1/zones/idem.test/rrsets/x/A '{"records": ["198.18.0.2"]}'
	expect 200 || return 1
	japi PUT /v1/zones/idem.test/rrsets/x/A '{"records": ["198.18.0.1"]}' -H 'Idempotency-Key: put-1'
	expect 200 || return 1
	[ "$(hdr Idempotent-Replayed)" = true ] && [ "$(cat "$B")" = "$body1" ] &&
		[ "$(hdr ETag)" = "\"$((s + 1))\"" ] || { fail "replay: $(cat "$H" "$B")"; return 1; }
	[ "$(serial_of idem.test)" = $((s + 2)) ] || { fail "the retry applied again"; return 1; }
	expect_dns x.idem.test A "NOERROR A 198.18.0.2" || return 1
	japi PUT /v1/zones/idem.test/rrsets/x/A '{"records": ["198.18.0.3"]}' -H 'Idempotency-Key: put-1'
	expect 422 semantic Idempotency-Key || return 1
	japi PUT /v1/zones/idem.test/rrsets/x/A '{"records": ["198.18.0.3"]}' \
		-H "Idempotency-Key: $(head -c 256 /dev/zero | tr '\0' k)"
	expect 400 invalid Idempotency-Key || return 1
	# A create retried is the same 201, not a 409.
	japi POST /v1/zones '{"name": "idem2.test"}' -H 'Idempotency-Key: create-1'
	expect 201 || return 1
	japi POST /v1/zones '{"name": "idem2.test"}' -H 'Idempotency-Key: create-1'
	expect 201 || return 1
	[ "$(hdr Idempotent-Replayed)" = true ] || { fail "create replay not marked"; return 1; }
	# Keys belong to their token: another token's same key is its own.
	japi POST /v1/tokens '{"name": "other-admin", "admin": true}'
	TOKEN=$(jb .token) japi POST /v1/zones '{"name": "idem2.test"}' -H 'Idempotency-Key: create-1'
	expect 409 conflict || return 1
	TOKEN=$ADMIN_TOKEN
}

# A body over the limit is refused with 413 and never held in memory.
test_body_limit() {
	local rss0 rss1 big=$WORKDIR/big.json

	ensure_daemon || return 1
	new_zone big.test || return 1
	head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$big"
	rss0=$(vmrss_kb "$DAEMON_PID")
	api PUT /v1/zones/big.test/rrsets/x/A -H 'Content-Type: application/json' --data-binary @"$big"
	expect 413 too_large || return 1
	api PUT /v1/zones/big.test/rrsets/x/A -H 'Content-Type: application/json' \
		-H 'Transfer-Encoding: chunked' --data-binary @"$big"
	expect 413 too_large || return 1
	api PUT /v1/zones/big.test/zonefile -H 'Content-Type: text/dns' --data-binary @"$big"
	expect 413 too_large || return 1
	rss1=$(vmrss_kb "$DAEMON_PID")
	log "VmRSS $rss0 kB -> $rss1 kB"
	[ $((rss1 - rss0)) -lt 2048 ] || { fail "VmRSS grew by $((rss1 - rss0)) kB"; return 1; }
	japi PUT /v1/zones/big.test/rrsets/x/A '{"records": ["198.18.0.1"]}'
	expect 200 || return 1
}

# Changes go live in the XDP maps as the reply leaves: the next query is an
# XDP hit with the new data.
test_xdp_live() {
	local a0 a1 i

	ensure_daemon || return 1
	new_zone live.test || return 1
	for i in 1 2 3; do
		japi PUT /v1/zones/live.test/rrsets/www/A "{\"ttl\": 60, \"records\": [\"198.18.2.$i\"]}"
		expect 200 || return 1
		a0=$(counter answered) || return 1
		expect_dns www.live.test A "NOERROR A 198.18.2.$i" || return 1
		a1=$(counter answered) || return 1
		[ $((a1 - a0)) -eq 1 ] || { fail "change $i not answered by XDP ($a0 -> $a1)"; return 1; }
	done
	japi PUT /v1/zones/live.test/rrsets/www/AAAA '{"records": ["2001:db8::5"]}'
	a0=$(counter answered)
	expect_dns www.live.test AAAA "NOERROR AAAA 2001:db8::5" || return 1
	a1=$(counter answered)
	[ $((a1 - a0)) -eq 1 ] || { fail "AAAA not answered by XDP"; return 1; }
	# Gone from the maps too: the daemon answers NXDOMAIN.
	japi PATCH /v1/zones/live.test/rrsets '{"changes": [{"op": "delete", "name": "www", "type": "A"},
		{"op": "delete", "name": "www", "type": "AAAA"}]}'
	expect 200 || return 1
	a0=$(counter answered)
	expect_dns www.live.test A "NXDOMAIN " || return 1
	a1=$(counter answered)
	[ "$a1" = "$a0" ] || { fail "XDP answered a deleted name"; return 1; }
	# A CNAME there now: the fast path must not keep the old address.
	japi PUT /v1/zones/live.test/rrsets/www/CNAME '{"records": ["other.example.net."]}'
	expect_dns www.live.test A "NOERROR CNAME other.example.net." || return 1
	api DELETE /v1/zones/live.test
	expect 204 || return 1
	expect_dns www.live.test A "REFUSED " || return 1
}

# xdp_hit NAME TYPE "STATUS RDATA": answered so, and by the XDP program;
# xdp_miss: answered so by the daemon.
xdp_hit() {
	local a0 a1

	a0=$(counter answered) && expect_dns "$@" && a1=$(counter answered) || return 1
	[ $((a1 - a0)) -eq 1 ] || { fail "$1 $2 not answered by XDP"; return 1; }
}

xdp_miss() {
	local a0 a1

	a0=$(counter answered) && expect_dns "$@" && a1=$(counter answered) || return 1
	[ "$a1" = "$a0" ] || { fail "$1 $2 answered by XDP"; return 1; }
}

# A child zone created or deleted moves names between it and the parent in
# the fast path too, not only in the engine.
test_child_zone_fastpath() {
	ensure_daemon || return 1
	new_zone par.test || return 1
	japi PUT /v1/zones/par.test/rrsets/www.kid/A '{"records": ["198.18.3.1"]}'
	expect 200 || return 1
	japi PUT /v1/zones/par.test/rrsets/only.kid/A '{"records": ["198.18.3.2"]}'
	expect 200 || return 1
	xdp_hit www.kid.par.test A "NOERROR A 198.18.3.1" || return 1
	new_zone kid.par.test || return 1
	japi PUT /v1/zones/kid.par.test/rrsets/www/A '{"records": ["198.18.3.9"]}'
	expect 200 || return 1
	xdp_hit www.kid.par.test A "NOERROR A 198.18.3.9" || return 1
	# The parent's data below the child is not the answer any more.
	xdp_miss only.kid.par.test A "NXDOMAIN " || return 1
	api DELETE /v1/zones/kid.par.test
	expect 204 || return 1
	xdp_hit www.kid.par.test A "NOERROR A 198.18.3.1" || return 1
	xdp_hit only.kid.par.test A "NOERROR A 198.18.3.2" || return 1
}

test_stats_metrics() {
	local m

	ensure_daemon || return 1
	query "$SRV_IP4" nothing.example MX >/dev/null
	api GET /v1/zones/missing.test
	new_zone stats.test || return 1
	japi PUT /v1/zones/stats.test/rrsets/www/A '{"records": ["198.18.0.1"]}'
	expect 200 || return 1
	api GET /v1/stats
	expect 200 || return 1
	[ "$(jb '.zones > 0 and .rrsets > 0 and .queries.udp > 0 and .api.requests > 0')" = true ] &&
		[ "$(jb '.queries.by_rcode.REFUSED > 0 and (.fastpath.answered | type) == "number"')" = true ] ||
		{ fail "stats: $(cat "$B")"; return 1; }
	TOKEN= api GET /metrics
	expect 200 || return 1
	m=$(cat "$B")
	for want in 'nameserve_queries_total{path="udp",rcode="REFUSED",type="MX"}' \
		    'nameserve_queries_total{path="xdp",rcode="NOERROR"' \
		    'nameserve_api_requests_total{method="PUT",status="200"}' \
		    'nameserve_api_requests_total{method="GET",status="404"}' \
		    'nameserve_zones ' 'nameserve_fastpath_map_entries ' \
		    'nameserve_change_apply_seconds_bucket{le="0.05"}' \
		    'nameserve_change_apply_seconds_count '; do
		grep -qF "$want" <<<"$m" || { fail "/metrics lacks $want"; return 1; }
	done
	[ "$(awk '/^nameserve_zones / {print $2}' <<<"$m")" = "$(TOKEN=$ADMIN_TOKEN api GET /v1/stats; jb .zones)" ] ||
		{ fail "zone counts differ between /metrics and /v1/stats"; return 1; }
	# Every commit was served within 50 ms.
	[ "$(awk -F'[ }]' '/apply_seconds_bucket\{le="0.05"\}/ {b = $NF} /apply_seconds_count/ {c = $2} END {print (b == c)}' <<<"$m")" = 1 ] ||
		{ fail "change-apply histogram: $(grep apply <<<"$m")"; return 1; }
}

# A restart serves what the store holds; --zone files are imported only once.
test_restart_keeps_state() {
	local zf=$WORKDIR/imp.zone s

	ensure_daemon || return 1
	printf '$ORIGIN imp.test.\n@ 300 SOA ns1 h 1 1 1 1 1\n@ 300 NS ns1\nns1 300 A 198.18.0.1\n' >"$zf"
	stop_daemon || return 1
	start_api --xdp "$IF_SRV" --zone "$zf" || return 1
	api GET /v1/zones/imp.test
	expect 200 || return 1
	[ "$(jb .account)" = default ] || { fail "imported into $(jb .account)"; return 1; }
	japi PUT /v1/zones/imp.test/rrsets/ns1/A '{"records": ["198.18.0.2"]}'
	expect 200 || return 1
	s=$(serial_of imp.test)
	stop_daemon || return 1
	start_api --xdp "$IF_SRV" --zone "$zf" || return 1
	[ "$(serial_of imp.test)" = "$s" ] || { fail "re-imported over the store"; return 1; }
	expect_dns ns1.imp.test A "NOERROR A 198.18.0.2" || return 1
	expect_dns www.rr.test A "NOERROR A 198.18.0.1 A 198.18.0.2" || return 1
	grep -q "inconsistent" "$DAEMON_LOG" && ! grep -q " 0 inconsistent" "$DAEMON_LOG" &&
		{ fail "store inconsistent: $(grep inconsistent "$DAEMON_LOG")"; return 1; }
	# The same admin token still works, read back from its file.
	[ "$(cat "$STATE/admin.token")" = "$ADMIN_TOKEN" ] || { fail "admin token changed"; return 1; }
	api GET /v1/tokens
	expect 200 || return 1
}

test_tls() {
	ensure_daemon || return 1
	if ! command -v openssl >/dev/null; then
		log "openssl not installed"
		return $ksft_skip
	fi
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORKDIR/key.pem" -out "$WORKDIR/cert.pem" \
		-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null ||
		{ fail "openssl req"; return 1; }
	stop_daemon || return 1
	start_api --xdp "$IF_SRV" --api-cert "$WORKDIR/cert.pem" --api-key "$WORKDIR/key.pem" || return 1
	API_URL=https://127.0.0.1:$API_PORT
	api GET /v1/zones --cacert "$WORKDIR/cert.pem"
	API_URL=http://127.0.0.1:$API_PORT
	expect 200 || return 1
	api GET /v1/zones
	[ "$ST" != 200 ] || { fail "plain HTTP answered on the HTTPS port"; return 1; }
}

require_api_env
run_tests
