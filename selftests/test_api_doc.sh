#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# userspace/api.md against the server: the "### METHOD /path" headings and the
# server's routes (nameserved --api-routes) are the same set, and each endpoint
# answers a well-formed request with the success status its section documents.

ALL_TESTS="
	test_doc_routes_match_server
	test_doc_endpoints_answer
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

API_MD=$TOP/userspace/api.md

doc_routes() {
	sed -n 's/^### \([A-Z]*\) \(\/[^ ]*\).*/\1 \2/p' "$API_MD"
}

test_doc_routes_match_server() {
	local doc srv

	doc=$(doc_routes | sort)
	srv=$("$NAMESERVED" --api-routes | sort)
	[ -n "$doc" ] || { fail "no endpoint headings in $API_MD"; return 1; }
	if [ "$doc" != "$srv" ]; then
		fail "api.md and the server differ (< doc only, > server only):"
		diff <(echo "$doc") <(echo "$srv") | grep '^[<>]' >&2
		return 1
	fi
	log "$(grep -c . <<<"$doc") endpoints in both"
}

# The success status a section documents: the first `2xx` in it, else 200.
doc_status() {
	awk -v h="### $1" '
		$0 == h { on = 1; next }
		on && /^##/ { exit }
		on { while (match($0, /`2[0-9][0-9]/)) { print substr($0, RSTART + 1, 3); exit } }
	' "$API_MD" | head -1 | grep . || echo 200
}

test_doc_endpoints_answer() {
	local route method path want tok_id body ctype n=0

	start_api || { fail "nameserved did not start"; return 1; }
	japi POST /v1/zones '{"name": "doc.test"}'
	expect 201 || return 1
	japi POST /v1/zones '{"name": "doc-del.test"}'
	expect 201 || return 1
	japi POST /v1/tokens '{"name": "to-delete"}'
	expect 201 || return 1
	tok_id=$(jb .id)
	japi POST /v1/healthchecks '{"name": "www", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 201 || return 1
	while read -r method path; do
		route="$method $path"
		want=$(doc_status "$route")
		body=
		ctype=application/json
		case "$route" in
		"POST /v1/zones") body='{"name": "doc2.test"}' ;;
		"PUT /v1/zones/{zone}/zonefile")
			body=$'@ NS ns1.example.net.\nwww A 198.18.0.1\n'
			ctype=text/dns ;;
		"PUT /v1/zones/{zone}/rrsets/{name}/{type}") body='{"records": ["198.18.0.2"]}' ;;
		"PATCH /v1/zones/{zone}/rrsets")
			body='{"changes": [{"op": "add", "name": "mail", "type": "A", "records": ["198.18.0.3"]}]}' ;;
		"POST /v1/tokens") body='{"name": "doc"}' ;;
		"POST /v1/healthchecks")
			body='{"name": "doc", "type": "http", "target": "198.18.0.2:80"}' ;;
		"PUT /v1/healthchecks/{name}") body='{"type": "tcp", "target": "198.18.0.2:81"}' ;;
		esac
		path=${path//\{name\}/www}
		path=${path//\{type\}/A}
		path=${path//\{id\}/$tok_id}
		if [ "$route" = "DELETE /v1/zones/{zone}" ]; then
			path=${path//\{zone\}/doc-del.test}
		else
			path=${path//\{zone\}/doc.test}
		fi
		if [ -n "$body" ]; then
			printf '%s' "$body" >"$WORKDIR/doc.body"
			api "$method" "$path" -H "Content-Type: $ctype" --data-binary @"$WORKDIR/doc.body"
		else
			api "$method" "$path"
		fi
		log "$route -> $ST (documented $want)"
		[ "$ST" = "$want" ] || { fail "$route answered $ST: $(head -c 300 "$B")"; return 1; }
		n=$((n + 1))
	done < <(doc_routes)
	[ "$n" -ge 10 ] || { fail "only $n endpoints tried"; return 1; }
	stop_daemon
}

require_api_env
run_tests
