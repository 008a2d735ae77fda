#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# HTTPS and TCP health checks against servers in a backend namespace: a TLS
# server with a self-signed certificate fails a check that verifies (its
# history says why: the certificate) and passes one with --no-verify; a TCP
# check is up while something listens and down when nothing does. An RRset
# steered by the two HTTPS checks answers only the verified-up record.

ALL_TESTS="
	test_https_verify_down
	test_https_no_verify_up
	test_https_answers
	test_tcp_checks
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/steer_lib.sh"

BE1=198.18.50.2
TLS_PORT=8443
CLOSED_PORT=8444

ensure_tls() {
	[ -n "${BACKEND[tls]}" ] && [ -n "$DAEMON_PID" ] && return 0
	setup_backend "$BE1" || { fail "cannot create the backend namespace"; return 1; }
	ensure_steer || return 1
	if [ ! -e "$WORKDIR/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-subj /CN=backend.test -keyout "$WORKDIR/key.pem" -out "$WORKDIR/cert.pem" \
			>"$WORKDIR/openssl-req.log" 2>&1 ||
			{ fail "openssl req: $(cat "$WORKDIR/openssl-req.log")"; return 1; }
	fi
	backend_start tls openssl s_server -www -quiet -accept "$BE1:$TLS_PORT" \
		-cert "$WORKDIR/cert.pem" -key "$WORKDIR/key.pem"
	wait_port "$BE1" "$TLS_PORT"
}

# check_create NAME ARGS...: a check probing every second, fall 1 rise 1.
check_create() {
	local name=$1

	shift
	nsctl healthcheck get "$name" >/dev/null 2>&1 && return 0
	nsctl_ok healthcheck create "$name" --interval 1 --timeout 0.5 --fall 1 --rise 1 "$@"
}

test_https_verify_down() {
	local json err

	ensure_tls || return 1
	check_create tls-verify --type https --target "$BE1:$TLS_PORT" --path / || return 1
	wait_status tls-verify down 5 || return 1
	sleep 1.5	# a few more probes: it stays down
	json=$(nsctl healthcheck get tls-verify --json) || return 1
	[ "$(jq_of "$json" .state.status)" = down ] || { fail "not down: $json"; return 1; }
	err=$(jq_of "$json" '.history[0].error')
	log "verifying check: down, last error: $err"
	grep -qi certif <<<"$err" || { fail "the error does not name the certificate: $json"
					return 1; }
	[ "$(jq_of "$json" '[.history[] | select(.ok)] | length')" -eq 0 ] ||
		{ fail "a verifying probe passed: $json"; return 1; }
}

test_https_no_verify_up() {
	local json

	ensure_tls || return 1
	check_create tls-noverify --type https --target "$BE1:$TLS_PORT" --path / --no-verify ||
		return 1
	wait_status tls-noverify up 5 || return 1
	json=$(nsctl healthcheck get tls-noverify --json) || return 1
	log "non-verifying check: up, last probe $(jq -c .state.last <<<"$json")"
	[ "$(jq_of "$json" .verify)" = false ] || { fail "verify not false: $json"; return 1; }
	[ "$(jq_of "$json" .state.last.status)" = 200 ] ||
		{ fail "last status not 200: $json"; return 1; }
}

test_https_answers() {
	ensure_tls || return 1
	check_create tls-verify --type https --target "$BE1:$TLS_PORT" --path / || return 1
	check_create tls-noverify --type https --target "$BE1:$TLS_PORT" --path / --no-verify ||
		return 1
	wait_status tls-verify down 5 || return 1
	wait_status tls-noverify up 5 || return 1
	nsctl_ok rrset set "$ZONE_NAME" tls A 198.18.100.51 198.18.100.52 \
		--healthchecks tls-verify,tls-noverify || return 1
	wait_set "tls.$ZONE_NAME" A 198.18.100.52 3 || return 1
	xdp_set "tls.$ZONE_NAME" A 198.18.100.52 || return 1
	tcp_set "tls.$ZONE_NAME" A 198.18.100.52 || return 1
}

test_tcp_checks() {
	local json

	ensure_tls || return 1
	check_create tcp-open --type tcp --target "$BE1:$TLS_PORT" || return 1
	check_create tcp-closed --type tcp --target "$BE1:$CLOSED_PORT" || return 1
	wait_status tcp-open up 5 || return 1
	wait_status tcp-closed down 5 || return 1
	json=$(nsctl healthcheck get tcp-closed --json) || return 1
	log "closed port: $(jq -c .state.last <<<"$json")"
	# The server goes away: the open one follows.
	backend_stop tls
	wait_status tcp-open down 5 || return 1
	log "server stopped: tcp-open down after $WAITED_MS ms"
}

require_api_env
command -v openssl >/dev/null || { echo "SKIP: $(basename "$0"): openssl missing"; exit $ksft_skip; }
run_tests
