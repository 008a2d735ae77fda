#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# /v1/healthchecks through real HTTP: create, read, replace and delete with
# errors that name the field, accounts kept apart, a check in use refused, a
# real HTTP backend in the client namespace stopped and started again (the
# address leaves the answers and comes back), metrics, and checks kept across
# a restart.

ALL_TESTS="
	test_crud_and_errors
	test_accounts
	test_idempotency
	test_in_use
	test_failover_http
	test_metrics
	test_fd_budget
	test_restart_keeps_checks
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

BACKEND_PID=
BACKEND_PORT=8080

ensure_daemon() {
	[ -n "$DAEMON_PID" ] && return 0
	start_api || { fail "nameserved did not start"; return 1; }
}

# backend_start: a static HTTP server on the client's address, in its namespace.
backend_start() {
	mkdir -p "$WORKDIR/www"
	echo ok >"$WORKDIR/www/health"
	ip netns exec "$NS_CLI" python3 -m http.server "$BACKEND_PORT" --bind "$CLI_IP4" \
		--directory "$WORKDIR/www" >"$WORKDIR/backend.log" 2>&1 &
	BACKEND_PID=$!
	DAEMON_PIDS+=("$BACKEND_PID")
	echo "$BACKEND_PID" >>"$WORKDIR/pids"
}

backend_stop() {
	[ -n "$BACKEND_PID" ] || return 0
	kill -TERM "$BACKEND_PID" 2>/dev/null
	wait "$BACKEND_PID" 2>/dev/null
	BACKEND_PID=
}

# wait_check NAME STATUS SECONDS: until the check's state.status is STATUS.
wait_check() {
	local deadline=$((SECONDS + $3)) got

	while [ $SECONDS -lt $deadline ]; do
		api GET "/v1/healthchecks/$1"
		got=$(jb .state.status)
		[ "$got" = "$2" ] && return 0
		sleep 0.2
	done
	fail "check $1 is $got after $3 s, expected $2: $(cat "$B")"
}

test_crud_and_errors() {
	ensure_daemon || return 1
	japi POST /v1/healthchecks '{"name": "web1", "type": "http", "target": "198.18.0.2:80",
		"path": "/health", "host": "www.example.com", "interval": 30, "timeout": 5,
		"fall": 3, "rise": 2, "expect": [200], "body": "ok"}'
	expect 201 || return 1
	[ "$(jb '.name,.account,.type,.target,.path,.host,.interval,.timeout,.fall,.rise,.expect[0],.body' | tr '\n' ' ')" = \
	  "web1 admin http 198.18.0.2:80 /health www.example.com 30 5 3 2 200 ok " ] ||
		{ fail "created: $(cat "$B")"; return 1; }
	[ "$(jb .state.status)" = unknown ] || { fail "a new check is not unknown"; return 1; }
	[ "$(jb '.history | length')" = 0 ] || { fail "history of a new check"; return 1; }
	japi POST /v1/healthchecks '{"name": "web1", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 409 conflict name || return 1

	# Each bad field is named.
	japi POST /v1/healthchecks '{"name": "x", "type": "ftp", "target": "198.18.0.2:80"}'
	expect 400 invalid type || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "tcp", "target": "198.18.0.2"}'
	expect 400 invalid target || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "tcp", "target": "198.18.0.2:80", "interval": 0}'
	expect 400 invalid interval || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "tcp", "target": "198.18.0.2:80", "interval": 5, "timeout": 6}'
	expect 400 invalid timeout || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "http", "target": "198.18.0.2:80", "expect": [200, 1000]}'
	expect 400 invalid 'expect[1]' || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "tcp", "target": "198.18.0.2:80", "fall": 11}'
	expect 400 invalid fall || return 1
	japi POST /v1/healthchecks '{"name": "x", "type": "tcp", "target": "198.18.0.2:80", "color": 1}'
	expect 400 invalid color || return 1
	japi POST /v1/healthchecks '{"name": "X!", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 400 invalid name || return 1
	japi POST /v1/healthchecks '[1]'
	expect 400 invalid || return 1

	api GET /v1/healthchecks/web1
	expect 200 || return 1
	api GET /v1/healthchecks
	expect 200 || return 1
	[ "$(jb '.healthchecks | map(.name) | join(",")')" = web1 ] || { fail "list: $(cat "$B")"; return 1; }

	japi PUT /v1/healthchecks/web1 '{"type": "tcp", "target": "[2001:db8::2]:443", "interval": 2.5}'
	expect 200 || return 1
	[ "$(jb '.type,.target,.interval,.timeout,.path' | tr '\n' ' ')" = \
	  "tcp [2001:db8::2]:443 2.5 1.25 null " ] || { fail "replaced: $(cat "$B")"; return 1; }
	japi PUT /v1/healthchecks/web1 '{"name": "other", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 400 invalid name || return 1
	japi PUT /v1/healthchecks/nope '{"type": "tcp", "target": "198.18.0.2:80"}'
	expect 404 not_found || return 1

	api DELETE /v1/healthchecks/web1
	expect 204 || return 1
	api GET /v1/healthchecks/web1
	expect 404 not_found || return 1
	api DELETE /v1/healthchecks/web1
	expect 404 not_found || return 1
}

test_accounts() {
	local ta tb

	ensure_daemon || return 1
	ta=$(account_token a acme) || return 1
	tb=$(account_token b globex) || return 1

	TOKEN=$ta japi POST /v1/healthchecks '{"name": "acme-web", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 201 || return 1
	[ "$(jb .account)" = acme ] || { fail "account $(jb .account)"; return 1; }
	TOKEN=$ta japi POST /v1/healthchecks '{"name": "x", "account": "globex", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 403 forbidden account || return 1
	TOKEN=$tb api GET /v1/healthchecks/acme-web
	expect 404 not_found || return 1
	TOKEN=$tb api GET /v1/healthchecks
	[ "$(jb '.healthchecks | length')" = 0 ] || { fail "globex sees $(cat "$B")"; return 1; }
	TOKEN=$tb japi PUT /v1/healthchecks/acme-web '{"type": "tcp", "target": "198.18.0.2:81"}'
	expect 404 not_found || return 1
	# A check keeps its account.
	TOKEN=$ADMIN_TOKEN japi PUT /v1/healthchecks/acme-web '{"account": "globex", "type": "tcp", "target": "198.18.0.2:81"}'
	expect 409 conflict account || return 1
	TOKEN=$ADMIN_TOKEN api GET /v1/healthchecks/acme-web
	[ "$(jb .account,.target | tr '\n' ' ')" = "acme 198.18.0.2:80 " ] ||
		{ fail "after a refused account change: $(cat "$B")"; return 1; }
	TOKEN=$ta japi PUT /v1/healthchecks/acme-web '{"type": "tcp", "target": "198.18.0.2:81"}'
	expect 200 || return 1
	[ "$(jb .account)" = acme ] || { fail "account after PUT: $(jb .account)"; return 1; }

	# Only the operator probes loopback, link-local and the like; private
	# ranges are anyone's.
	local t
	for t in 127.0.0.1:80 0.0.0.0:80 169.254.169.254:80 224.0.0.1:80 '[::1]:80' \
		 '[fe80::1]:80' '[ff02::1]:80' '[::ffff:127.0.0.1]:80' '[::ffff:169.254.169.254]:80'; do
		TOKEN=$ta japi POST /v1/healthchecks "{\"name\": \"ssrf\", \"type\": \"http\", \"target\": \"$t\"}"
		expect 400 invalid target || { fail "target $t accepted"; return 1; }
	done
	TOKEN=$ta japi PUT /v1/healthchecks/acme-web '{"type": "tcp", "target": "127.0.0.1:22"}'
	expect 400 invalid target || return 1
	TOKEN=$ta japi POST /v1/healthchecks '{"name": "priv", "type": "tcp", "target": "10.0.0.1:80"}'
	expect 201 || return 1
	TOKEN=$ta api DELETE /v1/healthchecks/priv
	expect 204 || return 1
	TOKEN=$ADMIN_TOKEN japi POST /v1/healthchecks '{"name": "op-local", "type": "tcp", "target": "127.0.0.1:9", "interval": 60}'
	expect 201 || return 1
	TOKEN=$ADMIN_TOKEN api DELETE /v1/healthchecks/op-local
	expect 204 || return 1
	TOKEN=$tb api DELETE /v1/healthchecks/acme-web
	expect 404 not_found || return 1
	TOKEN=$ADMIN_TOKEN japi POST /v1/healthchecks '{"name": "globex-web", "account": "globex", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 201 || return 1
	TOKEN=$ADMIN_TOKEN api GET '/v1/healthchecks?account=globex'
	[ "$(jb '.healthchecks | map(.name) | join(",")')" = globex-web ] ||
		{ fail "admin ?account=globex: $(cat "$B")"; return 1; }
	TOKEN=$ta api GET '/v1/healthchecks?account=globex'
	[ "$(jb '.healthchecks | length')" = 0 ] || { fail "acme filters globex: $(cat "$B")"; return 1; }

	# A zone's RRsets name their own account's checks and the admin's, never
	# another account's.
	TOKEN=$ADMIN_TOKEN japi POST /v1/healthchecks '{"name": "op-web", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 201 || return 1
	TOKEN=$tb japi POST /v1/zones '{"name": "globex.test"}'
	expect 201 || return 1
	TOKEN=$tb japi PUT /v1/zones/globex.test/rrsets/www/A \
		'{"records": ["198.18.0.10"], "policy": {"healthchecks": ["acme-web"]}}'
	expect 400 invalid 'policy.healthchecks[0]' || return 1
	TOKEN=$tb japi PUT /v1/zones/globex.test/rrsets/www/A \
		'{"records": ["198.18.0.10", "198.18.0.11"], "policy": {"healthchecks": ["globex-web", "op-web"]}}'
	expect 200 || return 1
	TOKEN=$tb api DELETE /v1/zones/globex.test
	expect 204 || return 1
	TOKEN=$ADMIN_TOKEN api DELETE /v1/healthchecks/op-web
	expect 204 || return 1
	TOKEN=$ta api DELETE /v1/healthchecks/acme-web
	expect 204 || return 1
	TOKEN=$ADMIN_TOKEN api DELETE /v1/healthchecks/globex-web
	expect 204 || return 1
}

test_idempotency() {
	local body='{"name": "idem", "type": "tcp", "target": "198.18.0.2:80"}'

	ensure_daemon || return 1
	japi POST /v1/healthchecks "$body" -H 'Idempotency-Key: hc-1'
	expect 201 || return 1
	japi POST /v1/healthchecks "$body" -H 'Idempotency-Key: hc-1'
	expect 201 || return 1
	[ "$(hdr Idempotent-Replayed)" = true ] || { fail "not replayed"; return 1; }
	japi POST /v1/healthchecks '{"name": "idem2", "type": "tcp", "target": "198.18.0.2:80"}' \
		-H 'Idempotency-Key: hc-1'
	expect 422 semantic Idempotency-Key || return 1
	api DELETE /v1/healthchecks/idem
	expect 204 || return 1
}

test_in_use() {
	ensure_daemon || return 1
	japi POST /v1/zones '{"name": "inuse.test"}'
	expect 201 || return 1
	japi POST /v1/healthchecks '{"name": "used", "type": "tcp", "target": "198.18.0.2:80"}'
	expect 201 || return 1
	japi PUT /v1/zones/inuse.test/rrsets/www/A '{"records": ["198.18.0.10", "198.18.0.11"],
		"policy": {"healthchecks": ["used", null]}}'
	expect 200 || return 1
	japi PUT /v1/zones/inuse.test/rrsets/www2/A '{"records": ["198.18.0.10"],
		"policy": {"healthchecks": ["missing"]}}'
	expect 400 invalid 'policy.healthchecks[0]' || return 1
	api DELETE /v1/healthchecks/used
	expect 409 conflict || return 1
	api GET /v1/healthchecks/used
	expect 200 || return 1
	japi PUT /v1/zones/inuse.test/rrsets/www/A '{"records": ["198.18.0.10", "198.18.0.11"]}'
	expect 200 || return 1
	api DELETE /v1/healthchecks/used
	expect 204 || return 1
	api DELETE /v1/zones/inuse.test
	expect 204 || return 1
}

# The README's promise: a stopped backend leaves the answers within the
# failure threshold, and comes back after the rise threshold.
test_failover_http() {
	local t0

	ensure_daemon || return 1
	backend_start
	japi POST /v1/zones '{"name": "fo.test"}'
	expect 201 || return 1
	japi POST /v1/healthchecks "{\"name\": \"be1\", \"type\": \"http\",
		\"target\": \"$CLI_IP4:$BACKEND_PORT\", \"path\": \"/health\", \"body\": \"ok\",
		\"interval\": 1, \"timeout\": 0.5, \"fall\": 2, \"rise\": 2}"
	expect 201 || return 1
	japi PUT /v1/zones/fo.test/rrsets/www/A '{"records": ["198.18.0.10", "198.18.0.11"],
		"policy": {"healthchecks": ["be1", null]}}'
	expect 200 || return 1
	wait_check be1 up 6 || return 1
	[ "$(jb .state.last.status)" = 200 ] || { fail "last: $(jb .state.last)"; return 1; }
	expect_dns www.fo.test A "NOERROR A 198.18.0.10 A 198.18.0.11" || return 1

	t0=$SECONDS
	backend_stop
	wait_check be1 down 6 || return 1
	log "down $((SECONDS - t0)) s after the backend stopped (interval 1 s, fall 2)"
	[ "$(jb .state.last.error)" != null ] || { fail "no error in $(jb .state.last)"; return 1; }
	[ "$(jb '.history | length')" -ge 3 ] || { fail "history: $(jb .history)"; return 1; }
	expect_dns www.fo.test A "NOERROR A 198.18.0.11" || return 1

	backend_start
	wait_check be1 up 6 || return 1
	expect_dns www.fo.test A "NOERROR A 198.18.0.10 A 198.18.0.11" || return 1
	grep -q 'health check be1 is down' "$DAEMON_LOG" ||
		{ fail "no log line for the change"; return 1; }
}

test_metrics() {
	ensure_daemon || return 1
	TOKEN= api GET /metrics
	expect 200 || return 1
	grep -q '^nameserve_healthchecks{status="up"} [0-9]' "$B" &&
	grep -q '^nameserve_healthchecks{status="down"} [0-9]' "$B" &&
	grep -q '^nameserve_healthchecks{status="unknown"} [0-9]' "$B" ||
		{ fail "no nameserve_healthchecks: $(grep health "$B")"; return 1; }
	[ "$(awk '/^nameserve_health_probes_total/ { print $2 }' "$B")" -gt 0 ] ||
		{ fail "no probes counted: $(grep health "$B")"; return 1; }
}

# One descriptor budget: the soft limit raised once to cover TCP (1024) and API
# (512) connections, probes (16384) and a reserve (256), and the probes sized
# from it, not from the limit as it was before the raise.
test_fd_budget() {
	local want=$((256 + 512 + 1024 + 16384)) soft hard n expect_n

	ensure_daemon || return 1
	read -r soft hard < <(awk '/^Max open files/ { print $4, $5 }' "/proc/$DAEMON_PID/limits")
	n=$(sed -n 's/.*up to \([0-9]*\) probes at once.*/\1/p' "$DAEMON_LOG" | tail -n 1)
	if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then
		[ "$soft" -ge "$want" ] || { fail "open file limit $soft, wanted $want"; return 1; }
		expect_n=16384
	else
		[ "$soft" = "$hard" ] || { fail "limit $soft not raised to $hard"; return 1; }
		expect_n=$(((soft - 768) / 2 > 64 ? (soft - 768) / 2 : 64))
	fi
	[ "$n" = "$expect_n" ] || { fail "$n probes at once with limit $soft, wanted $expect_n"; return 1; }
	log "open file limit $soft (hard $hard): $n probes at once"
}

test_restart_keeps_checks() {
	ensure_daemon || return 1
	japi POST /v1/healthchecks '{"name": "keep", "type": "https", "target": "198.18.0.2:443",
		"verify": false, "interval": 60}'
	expect 201 || return 1
	stop_daemon || return 1
	start_api || { fail "nameserved did not start again"; return 1; }
	api GET /v1/healthchecks/keep
	expect 200 || return 1
	[ "$(jb '.type,.verify,.interval,.state.status' | tr '\n' ' ')" = "https false 60 unknown " ] ||
		{ fail "after restart: $(cat "$B")"; return 1; }
	# The policy still resolves its check: the steered RRset is served.
	expect_dns www.fo.test A "NOERROR A 198.18.0.10 A 198.18.0.11" || return 1
	api DELETE /v1/healthchecks/be1
	expect 409 conflict || return 1
	backend_stop
	stop_daemon
}

require_api_env
run_tests
