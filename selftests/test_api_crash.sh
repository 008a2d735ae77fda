#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Crash safety of the store: writes keep coming while nameserved is killed with
# SIGKILL at random points and restarted. Afterwards every acknowledged write is
# there (API and DNS), no change is half applied, and the store is consistent:
# the serial moved once per applied version, and every start found it so.

ALL_TESTS="
	test_kill9_during_writes
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api_lib.sh"

WRITES=${WRITES:-300}
KILLS=${KILLS:-8}

# The writer: PUTs of a new RRset each (w$i), and every tenth a PATCH adding two
# RRsets at once (p$i-a, p$i-b). Acknowledged ones are listed in ACKED.
writer() {
	local i st

	for i in $(seq "$WRITES"); do
		if [ $((i % 10)) = 0 ]; then
			st=$(in_srv curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X PATCH \
				-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
				--data-binary "{\"changes\": [
					{\"op\": \"replace\", \"name\": \"p$i-a\", \"type\": \"A\", \"records\": [\"198.19.$((i / 250)).$((i % 250))\"]},
					{\"op\": \"replace\", \"name\": \"p$i-b\", \"type\": \"TXT\", \"records\": [\"pair $i\"]}]}" \
				"$API_URL/v1/zones/crash.test/rrsets")
		else
			st=$(in_srv curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X PUT \
				-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
				--data-binary "{\"records\": [\"198.19.$((i / 250)).$((i % 250))\"]}" \
				"$API_URL/v1/zones/crash.test/rrsets/w$i/A")
		fi
		if [ "$st" = 200 ]; then
			echo "$i" >>"$WORKDIR/acked"
		elif [ "$st" != 000 ]; then
			echo "$i $st" >>"$WORKDIR/refused"
		else
			sleep 0.05	# down: the killer restarts it
		fi
	done
}

test_kill9_during_writes() {
	local wpid s0 kills=0 i s1 present npairs nw acked missing logs

	start_api --xdp "$IF_SRV" || { fail "nameserved did not start"; return 1; }
	japi POST /v1/zones '{"name": "crash.test"}'
	expect 201 || return 1
	s0=$(jb .serial)
	: >"$WORKDIR/acked"
	writer &
	wpid=$!
	while kill -0 "$wpid" 2>/dev/null && [ "$kills" -lt "$KILLS" ]; do
		sleep "0.$((RANDOM % 6 + 1))$((RANDOM % 10))"
		kill -KILL "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null
		kills=$((kills + 1))
		start_api --xdp "$IF_SRV" || { kill "$wpid"; fail "restart $kills failed"; return 1; }
	done
	wait "$wpid"
	acked=$(grep -c . "$WORKDIR/acked")
	log "$kills kills, $acked of $WRITES writes acknowledged"
	[ "$kills" -ge 5 ] || { fail "only $kills kills happened: too few to mean much"; return 1; }
	[ "$acked" -ge 1 ] || { fail "no write was acknowledged"; return 1; }
	if [ -s "$WORKDIR/refused" ]; then
		fail "writes refused: $(head -5 "$WORKDIR/refused")"
		return 1
	fi

	# One more start, from whatever the last kill left.
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	start_api --xdp "$IF_SRV" || return 1

	# Every acknowledged write is there, with its data, in the API and in DNS.
	missing=0
	for i in $(cat "$WORKDIR/acked"); do
		if [ $((i % 10)) = 0 ]; then
			api GET "/v1/zones/crash.test/rrsets/p$i-a/A"
			[ "$ST" = 200 ] && [ "$(jb '.records[0]')" = "198.19.$((i / 250)).$((i % 250))" ] ||
				{ missing=$((missing + 1)); log "missing p$i-a"; }
		else
			api GET "/v1/zones/crash.test/rrsets/w$i/A"
			[ "$ST" = 200 ] && [ "$(jb '.records[0]')" = "198.19.$((i / 250)).$((i % 250))" ] ||
				{ missing=$((missing + 1)); log "missing w$i"; }
			expect_dns "w$i.crash.test" A "NOERROR A 198.19.$((i / 250)).$((i % 250))" ||
				missing=$((missing + 1))
		fi
	done
	[ "$missing" = 0 ] || { fail "$missing acknowledged writes lost"; return 1; }

	# No half-applied change: PATCH pairs are whole or absent; and the serial
	# moved exactly once per applied version.
	api GET "/v1/zones/crash.test/rrsets?limit=1000"
	expect 200 || return 1
	present=$(jb '[.rrsets[].name] | join(" ")')
	nw=$(jb '[.rrsets[] | select(.name | test("^w[0-9]+\\.")) ] | length')
	npairs=$(jb '[.rrsets[] | select(.name | test("^p[0-9]+-a\\."))] | length')
	[ "$npairs" = "$(jb '[.rrsets[] | select(.name | test("^p[0-9]+-b\\."))] | length')" ] ||
		{ fail "a PATCH was half applied: $present"; return 1; }
	for i in $(jb '.rrsets[].name' | sed -n 's/^p\([0-9]*\)-a\..*/\1/p'); do
		grep -q "^p$i-b\." <<<"$(jb '.rrsets[].name')" || { fail "p$i-a without p$i-b"; return 1; }
	done
	s1=$(jb '.rrsets[] | select(.type == "SOA") | .records[0]' | awk '{print $3}')
	api GET /v1/zones/crash.test
	[ "$(jb .serial)" = "$s1" ] || { fail "zone record serial $(jb .serial), SOA $s1"; return 1; }
	log "serial $s0 -> $s1; $nw PUTs and $npairs PATCHes applied"
	[ $((s1 - s0)) = $((nw + npairs)) ] ||
		{ fail "serial moved by $((s1 - s0)) for $((nw + npairs)) applied writes"; return 1; }
	[ "$(jb .rrsets)" = $((nw + 2 * npairs + 2)) ] ||
		{ fail "the zone says $(jb .rrsets) RRsets, $((nw + 2 * npairs + 2)) are stored"; return 1; }
	# Every start checked the store (RRset counts, serials, journal) and
	# found nothing wrong.
	logs=$(cat "$WORKDIR"/nameserved-"$INSTANCE".*.log)
	[ "$(grep -c 'zones loaded, 0 inconsistent' <<<"$logs")" = $((kills + 2)) ] ||
		{ fail "store checks: $(grep -E 'inconsistent|cannot be served' <<<"$logs")"; return 1; }
	stop_daemon
}

require_api_env
run_tests
