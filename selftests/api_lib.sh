#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the API selftests (sourced after lib.sh): nameserved with a store and
# the API in the server namespace, and curl wrappers that keep the status, the
# headers and the body of the last request.

API_PORT=8053
API_URL=http://127.0.0.1:$API_PORT
STATE=$WORKDIR/state
TOKEN=
REQ_N=0
START_N=0

require_api_env() {
	require_env
	for bin in curl jq; do
		if ! command -v "$bin" >/dev/null; then
			echo "SKIP: $(basename "$0"): $bin not installed"
			exit $ksft_skip
		fi
	done
}

in_srv() {
	nsenter --net="/run/netns/$NS_SRV" "$@"
}

# start_api [ARGS...]: nameserved with --state-dir STATE and --api in NS_SRV,
# listening on the veth addresses for DNS; TOKEN becomes the admin token.
start_api() {
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	# A log per start: wait_ready looks for this start's "ready".
	START_N=$((START_N + 1))
	DAEMON_LOG=$WORKDIR/nameserved-$INSTANCE.$START_N.log
	nsenter --net="/run/netns/$NS_SRV" "$NAMESERVED" --instance "$INSTANCE" \
		--listen "$SRV_IP4" --listen "$SRV_IP6" --state-dir "$STATE" \
		--api "127.0.0.1:$API_PORT" --default-ns ns1.example.net \
		--default-ns ns2.example.net "$@" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	echo "$DAEMON_PID" >>"$WORKDIR/pids"
	wait_ready "$DAEMON_PID" "$DAEMON_LOG" || return 1
	TOKEN=$(cat "$STATE/admin.token") || return 1
	ADMIN_TOKEN=$TOKEN
}

# api METHOD PATH [curl args...]: one request with TOKEN; ST is the status, B
# the body file, H the headers file.
api() {
	local m=$1 p=$2

	shift 2
	REQ_N=$((REQ_N + 1))
	B=$WORKDIR/body.$REQ_N
	H=$WORKDIR/hdr.$REQ_N
	ST=$(in_srv curl -s --max-time 20 -o "$B" -D "$H" -w '%{http_code}' -X "$m" \
		${TOKEN:+-H "Authorization: Bearer $TOKEN"} "$@" "$API_URL$p")
}

# japi METHOD PATH JSON [curl args...]: the same with a JSON body.
japi() {
	local m=$1 p=$2 j=$3

	shift 3
	api "$m" "$p" -H 'Content-Type: application/json' --data-binary "$j" "$@"
}

# account_token NAME ACCOUNT: prints a new token of ACCOUNT, made with the
# admin's (run it in $(...): the last reply stays the caller's).
account_token() {
	TOKEN=$ADMIN_TOKEN japi POST /v1/tokens "{\"name\": \"$1\", \"account\": \"$2\"}"
	expect 201 || return 1
	jb .token
}

# jb FILTER: jq on the last body.
jb() {
	jq -r "$1" "$B"
}

# hdr NAME: a header of the last reply.
hdr() {
	grep -i "^$1:" "$H" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}

# expect STATUS [CODE [FIELD]]: the last reply had STATUS, and for errors the
# error code and field given (FIELD "null" for none).
expect() {
	local want=$1 code=$2 field=$3

	if [ "$ST" != "$want" ]; then
		fail "status $ST, expected $want: $(head -c 400 "$B")"
		return 1
	fi
	[ -n "$code" ] || return 0
	if [ "$(jb .error.code)" != "$code" ]; then
		fail "error code $(jb .error.code), expected $code: $(cat "$B")"
		return 1
	fi
	if [ -n "$field" ] && [ "$(jb .error.field)" != "$field" ]; then
		fail "error field $(jb .error.field), expected $field: $(cat "$B")"
		return 1
	fi
	# Every error has a message a human can read.
	[ -n "$(jb .error.message)" ] && [ "$(jb .error.message)" != null ] ||
		{ fail "error without a message: $(cat "$B")"; return 1; }
}

# dns NAME TYPE: the reply's status and sorted answer RDATA, one line, from the
# client namespace over UDP.
dns() {
	local out

	out=$(query "$SRV_IP4" "$1" "$2") || { echo "kdig failed"; return 1; }
	echo "$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)" \
		"$(sed -n '/ANSWER SECTION:/,/^$/p' <<<"$out" | awk 'NF >= 5 && $1 !~ /^;;/ {
			$1 = $2 = $3 = ""; sub(/^ +/, ""); print }' | sort | tr '\n' ' ' | sed 's/ *$//')"
}

# expect_dns NAME TYPE "STATUS RDATA...": what the server answers now.
expect_dns() {
	local got

	got=$(dns "$1" "$2")
	[ "$got" = "$3" ] || { fail "$1 $2: '$got', expected '$3'"; return 1; }
}

vmrss_kb() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}
