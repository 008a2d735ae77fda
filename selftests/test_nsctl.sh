#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# nsctl against a real nameserved API: every command, its tables and --json,
# accounts kept apart, If-Match and idempotency keys, health checks and
# steered RRsets, where the server and token come from, and the exit codes
# (API errors shown verbatim with 1, usage 2, no server 3). The API listens on
# loopback inside the server namespace; nsctl runs there through nsenter, kdig
# from the client namespace.

ALL_TESTS="
	test_zone_create_list_get
	test_rrset_set_get_list_delete
	test_rrset_add_remove_apply
	test_healthchecks
	test_steering
	test_healthcheck_in_use
	test_zone_export_import
	test_if_match
	test_idempotency_key
	test_tokens_and_accounts
	test_config_sources
	test_exit_codes
	test_zone_delete
"

source "$(dirname "$0")/lib.sh"

API_PORT=8053
API_URL=http://127.0.0.1:$API_PORT
STATE_DIR=$WORKDIR/state
ADMIN_TOKEN_FILE=$WORKDIR/admin.token

# nsctl sees only what a test gives it: no operator's config file.
export HOME=$WORKDIR/home
mkdir -p "$HOME"
unset NAMESERVE_URL NAMESERVE_TOKEN NSCTL_CONFIG XDG_CONFIG_HOME

# The daemon with its API, started by the first test that needs it.
ensure_api() {
	[ -n "$DAEMON_PID" ] && return 0
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	DAEMON_LOG=$WORKDIR/nameserved-$INSTANCE.log
	nsenter --net="/run/netns/$NS_SRV" "$NAMESERVED" --instance "$INSTANCE" \
		--listen "$SRV_IP4" --api "127.0.0.1:$API_PORT" --state-dir "$STATE_DIR" \
		--admin-token-file "$ADMIN_TOKEN_FILE" --default-ns ns.nameserve.test. \
		>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	echo "$DAEMON_PID" >>"$WORKDIR/pids"
	wait_ready "$DAEMON_PID" "$DAEMON_LOG" || return 1
	[ -s "$ADMIN_TOKEN_FILE" ] || { fail "no admin token in $ADMIN_TOKEN_FILE"; return 1; }
	[ "$(stat -c %a "$ADMIN_TOKEN_FILE")" = 600 ] ||
		{ fail "admin token file not mode 0600"; return 1; }
	export NAMESERVE_URL=$API_URL
	NAMESERVE_TOKEN=$(cat "$ADMIN_TOKEN_FILE")
	export NAMESERVE_TOKEN
	log "nameserved pid $DAEMON_PID, API on $API_URL in $NS_SRV"
}

# nsctl ARGS...: runs nsctl in the server namespace; sets OUT, ERR and RC.
nsctl() {
	OUT=$(nsenter --net="/run/netns/$NS_SRV" "$NSCTL" "$@" 2>"$WORKDIR/nsctl.err")
	RC=$?
	ERR=$(cat "$WORKDIR/nsctl.err")
}

# ok ARGS...: nsctl ARGS must succeed.
ok() {
	nsctl "$@"
	[ "$RC" -eq 0 ] || { fail "nsctl $*: exit $RC: $ERR"; return 1; }
}

# refused STATUS ARGS...: nsctl ARGS must fail with exit STATUS.
refused() {
	local want=$1

	shift
	nsctl "$@"
	[ "$RC" -eq "$want" ] || { fail "nsctl $*: exit $RC, expected $want ($OUT$ERR)"; return 1; }
}

# jq_ PYEXPR: evaluates a Python expression on OUT parsed as JSON (bound to j).
jq_() {
	python3 -c 'import json, sys; j = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' \
		"$1" <<<"$OUT"
}

# check_table COLS...: OUT is an aligned table whose header is COLS; numeric
# columns (given with a trailing '>') are right-aligned, the rest left-aligned.
check_table() {
	python3 - "$OUT" "$@" <<'EOF_PY'
import sys
lines = sys.argv[1].split("\n")
cols = sys.argv[2:]
names = [c.rstrip(">") for c in cols]
hdr = lines[0]
assert hdr.split() == names, (hdr, names)
assert all(l == l.rstrip() for l in lines), "trailing blanks"
starts = [hdr.index(n) for n in names]
for l in lines[1:]:
    for i, c in enumerate(cols):
        s = starts[i]
        if c.endswith(">"):
            # Right-aligned: the cell ends where the header ends.
            end = s + len(names[i])
            assert l[end - 1] != " " and (end == len(l) or l[end] == " "), (c, l)
        else:
            assert s < len(l) and l[s] != " " and (s == 0 or l[s - 1] == " "), (c, l)
EOF_PY
}

serial() {
	local out=$OUT

	nsctl --json zone get "$1" || return 1
	jq_ 'j["serial"]'
	OUT=$out
}

test_zone_create_list_get() {
	ensure_api || return 1
	ok zone create t1.example --ns ns1.t1.example. --ns ns2.t1.example. || return 1
	grep -q '^zone t1.example. created in account ' <<<"$OUT" ||
		{ fail "create said: $OUT"; return 1; }
	refused 1 zone create t1.example || return 1
	grep -q '^nsctl: 409 conflict: ' <<<"$ERR" || { fail "not a verbatim 409: $ERR"; return 1; }
	ok zone create t2.example. || return 1
	ok rrset get t2.example @ NS --json || return 1
	[ "$(jq_ 'j["records"]')" = "['ns.nameserve.test.']" ] ||
		{ fail "default NS: $OUT"; return 1; }

	ok zone list || return 1
	check_table NAME ACCOUNT 'SERIAL>' 'RRSETS>' UPDATED || { fail "table: $OUT"; return 1; }
	grep -qE '^t1\.example\. ' <<<"$OUT" && grep -qE '^t2\.example\. ' <<<"$OUT" ||
		{ fail "zones missing from the list: $OUT"; return 1; }
	log "$(head -2 <<<"$OUT" | tail -1)"

	ok zone list --json || return 1
	[ "$(jq_ 'sorted(z["name"] for z in j["zones"])')" = "['t1.example.', 't2.example.']" ] ||
		{ fail "--json list: $OUT"; return 1; }
	[ "$(jq_ 'j["next_cursor"]')" = None ] || { fail "next_cursor: $OUT"; return 1; }

	ok --json zone get t1.example. || return 1
	local s
	s=$(jq_ 'j["serial"]') || return 1
	[ "$(jq_ 'j["name"], type(j["serial"]).__name__, j["soa"]["ttl"] > 0')" = \
		"('t1.example.', 'int', True)" ] || { fail "zone get --json: $OUT"; return 1; }
	ok zone get t1.example || return 1
	grep -qE "^serial +$s\$" <<<"$OUT" || { fail "zone get: serial not $s: $OUT"; return 1; }
	grep -qE '^soa +[^ ]+ [^ ]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ \(ttl [0-9]+\)$' <<<"$OUT" ||
		{ fail "zone get: soa line: $OUT"; return 1; }
	# The nameservers given are the apex NS RRset.
	ok rrset get t1.example @ NS --json || return 1
	[ "$(jq_ 'sorted(j["records"])')" = "['ns1.t1.example.', 'ns2.t1.example.']" ] ||
		{ fail "apex NS: $OUT"; return 1; }
}

test_rrset_set_get_list_delete() {
	local s0 s1 out

	ensure_api || return 1
	s0=$(serial t1.example) || return 1
	ok rrset set t1.example www A 198.18.0.21 198.18.0.22 --ttl 300 || return 1
	[ "$OUT" = "$(printf 'www.t1.example. A set: 2 records, ttl 300\nzone t1.example: serial %s' \
		$((s0 + 1)))" ] || { fail "set said: $OUT"; return 1; }
	s1=$(serial t1.example) || return 1
	[ "$s1" -eq $((s0 + 1)) ] || { fail "serial $s0 -> $s1, not +1"; return 1; }

	ok rrset get t1.example www.t1.example. a || return 1
	check_table NAME 'TTL>' TYPE DATA || { fail "table: $OUT"; return 1; }
	[ "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2, $3, $4}' | sort)" = \
	  "$(printf 'www.t1.example. 300 A 198.18.0.21\nwww.t1.example. 300 A 198.18.0.22')" ] ||
		{ fail "rrset get: $OUT"; return 1; }
	ok rrset get t1.example www A --json || return 1
	[ "$(jq_ 'j["name"], j["type"], j["ttl"], sorted(j["records"]), j["policy"]')" = \
	  "('www.t1.example.', 'A', 300, ['198.18.0.21', '198.18.0.22'], None)" ] ||
		{ fail "rrset get --json: $OUT"; return 1; }

	# Several fields make one record: one quoted argument each.
	ok rrset set t1.example @ MX "10 mail.t1.example." "20 mx2.t1.example." || return 1
	ok rrset set t1.example txt TXT '"hello world" "two strings"' --ttl 60 || return 1
	ok rrset get t1.example txt TXT --json || return 1
	[ "$(jq_ 'j["records"]')" = "['\"hello world\" \"two strings\"']" ] ||
		{ fail "TXT: $OUT"; return 1; }

	# Served by the daemon at once.
	out=$(query "$SRV_IP4" t1.example MX) || { fail "kdig: $out"; return 1; }
	grep -qE 'MX[[:space:]]+10 mail\.t1\.example\.' <<<"$out" ||
		{ fail "MX not served: $out"; return 1; }

	ok rrset list t1.example || return 1
	check_table NAME 'TTL>' TYPE DATA || { fail "table: $OUT"; return 1; }
	for want in 'SOA' 'NS' 'MX +10 mail.t1.example.' 'A +198.18.0.21'; do
		grep -qE " $want" <<<"$OUT" || { fail "list lacks $want: $OUT"; return 1; }
	done
	ok rrset list t1.example --type a || return 1
	[ "$(tail -n +2 <<<"$OUT" | awk '{print $3}' | sort -u)" = A ] ||
		{ fail "--type A: $OUT"; return 1; }
	ok rrset list t1.example --name www --json || return 1
	[ "$(jq_ 'sorted({(r["name"], r["type"]) for r in j["rrsets"]})')" = \
	  "[('www.t1.example.', 'A')]" ] || { fail "--name www: $OUT"; return 1; }

	# Bad RDATA: the API's message, verbatim, and nothing changes.
	s0=$(serial t1.example) || return 1
	refused 1 rrset set t1.example bad A 198.18.0.300 || return 1
	grep -qE '^nsctl: 400 invalid: .+' <<<"$ERR" ||
		{ fail "not a verbatim 400: $ERR"; return 1; }
	[ "$(serial t1.example)" -eq "$s0" ] ||
		{ fail "a refused write moved the serial"; return 1; }

	ok rrset delete t1.example www A || return 1
	[ "$OUT" = "www A in t1.example deleted" ] || { fail "delete said: $OUT"; return 1; }
	refused 1 rrset get t1.example www A || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" ||
		{ fail "not a verbatim 404: $ERR"; return 1; }
	# The apex SOA cannot go.
	refused 1 rrset delete t1.example @ SOA || return 1
	grep -q '^nsctl: 422 semantic: ' <<<"$ERR" || { fail "not a verbatim 422: $ERR"; return 1; }
}

test_rrset_add_remove_apply() {
	local s0

	ensure_api || return 1
	ok rrset add t1.example multi A 198.18.0.41 --ttl 120 || return 1
	ok rrset add t1.example multi A 198.18.0.42 198.18.0.43 || return 1
	ok rrset get t1.example multi A --json || return 1
	[ "$(jq_ 'sorted(j["records"]), j["ttl"]')" = \
	  "(['198.18.0.41', '198.18.0.42', '198.18.0.43'], 120)" ] ||
		{ fail "add: $OUT"; return 1; }
	ok rrset remove t1.example multi A 198.18.0.42 || return 1
	grep -qE '^1 change applied: serial [0-9]+$' <<<"$OUT" ||
		{ fail "remove said: $OUT"; return 1; }
	ok rrset get t1.example multi A --json || return 1
	[ "$(jq_ 'sorted(j["records"])')" = "['198.18.0.41', '198.18.0.43']" ] ||
		{ fail "remove: $OUT"; return 1; }

	# Several changes in one version.
	s0=$(serial t1.example) || return 1
	cat >"$WORKDIR/changes.json" <<'EOF_JSON'
{"changes": [
  {"op": "replace", "name": "multi", "type": "A", "ttl": 30, "records": ["198.18.0.44"]},
  {"op": "add", "name": "multi", "type": "AAAA", "records": ["2001:db8::44"]},
  {"op": "delete", "name": "txt", "type": "TXT"}]}
EOF_JSON
	ok rrset apply t1.example "$WORKDIR/changes.json" --json || return 1
	[ "$(jq_ 'j["serial"], j["changed"]')" = "($((s0 + 1)), 3)" ] ||
		{ fail "apply --json: $OUT"; return 1; }
	ok rrset list t1.example --name multi --json || return 1
	[ "$(jq_ 'sorted((r["type"], r["ttl"], r["records"]) for r in j["rrsets"])')" = \
	  "[('A', 30, ['198.18.0.44']), ('AAAA', 3600, ['2001:db8::44'])]" ] ||
		{ fail "after apply: $OUT"; return 1; }
	refused 1 rrset get t1.example txt TXT || return 1

	# One bad change refuses them all.
	s0=$(serial t1.example) || return 1
	echo '[{"op": "delete", "name": "multi", "type": "AAAA"}, {"op": "bogus"}]' |
		nsenter --net="/run/netns/$NS_SRV" "$NSCTL" rrset apply t1.example - \
		>/dev/null 2>"$WORKDIR/apply.err"
	[ $? -eq 1 ] || { fail "a bad change was not refused"; return 1; }
	grep -qE '^nsctl: 400 invalid: .*\(field: changes\[1\]' "$WORKDIR/apply.err" ||
		{ fail "bad change: $(cat "$WORKDIR/apply.err")"; return 1; }
	[ "$(serial t1.example)" -eq "$s0" ] ||
		{ fail "a refused PATCH moved the serial"; return 1; }
	# A file that is not JSON never leaves nsctl.
	echo '{"changes": [' >"$WORKDIR/broken.json"
	refused 2 rrset apply t1.example "$WORKDIR/broken.json" || return 1
	grep -q "broken.json:2:" <<<"$ERR" || { fail "JSON error without line: $ERR"; return 1; }
}

# healthcheck_status NAME: the check's status as the API reports it.
healthcheck_status() {
	local out=$OUT

	nsctl healthcheck get "$1" --json || return 1
	jq_ 'j["state"]["status"]'
	OUT=$out
}

test_healthchecks() {
	local i st

	ensure_api || return 1
	# hc1 connects to the API's own port, so it comes up; hc2 to a port where
	# nothing listens.
	ok healthcheck create hc1 --type tcp --target "127.0.0.1:$API_PORT" --interval 2 \
		--timeout 1 --rise 1 || return 1
	[ "$OUT" = "healthcheck hc1 created: tcp 127.0.0.1:$API_PORT every 2s" ] ||
		{ fail "create said: $OUT"; return 1; }
	ok healthcheck create hc2 --type http --target "$SRV_IP4:9" --path /health \
		--expect 200,204 --host www.t1.example --interval 2 --timeout 1 --fall 1 --json ||
		return 1
	[ "$(jq_ 'j["name"], j["type"], j["path"], j["expect"], j["fall"], j["interval"]')" = \
	  "('hc2', 'http', '/health', [200, 204], 1, 2)" ] || { fail "--json: $OUT"; return 1; }
	refused 1 healthcheck create hc1 --type tcp --target "127.0.0.1:$API_PORT" || return 1
	grep -q '^nsctl: 409 conflict: ' <<<"$ERR" || { fail "not a verbatim 409: $ERR"; return 1; }
	# Checked before sending: exit 2.
	refused 2 healthcheck create hc3 --type tcp --target localhost:80 || return 1
	refused 2 healthcheck create hc3 --type icmp --target 198.18.0.1:80 || return 1
	refused 2 healthcheck create hc3 --type tcp --target 198.18.0.1:80 --path /x || return 1
	refused 2 healthcheck create hc3 --type http --target 198.18.0.1:80 --interval 2 \
		--timeout 2 || return 1
	refused 2 healthcheck create hc3 --type http --target 198.18.0.1:80 --fall 11 || return 1

	# hc1 comes up within a few probes, hc2 goes down.
	for i in $(seq 1 20); do
		st=$(healthcheck_status hc1) || return 1
		[ "$st" = up ] && [ "$(healthcheck_status hc2)" = down ] && break
		sleep 0.5
	done
	[ "$st" = up ] || { fail "hc1 is $st after 10 s"; return 1; }
	ok healthcheck list || return 1
	check_table NAME TYPE TARGET 'INTERVAL>' STATUS SINCE LAST || { fail "table: $OUT"; return 1; }
	grep -qE "^hc1 +tcp +127\.0\.0\.1:$API_PORT +2s +up +[0-9T:-]+Z +ok " <<<"$OUT" ||
		{ fail "hc1 row: $OUT"; return 1; }
	grep -qE "^hc2 +http +${SRV_IP4//./\\.}:9 +2s +down +[0-9T:-]+Z +fail" <<<"$OUT" ||
		{ fail "hc2 row: $OUT"; return 1; }
	log "$(grep '^hc2 ' <<<"$OUT")"
	ok healthcheck list --json || return 1
	[ "$(jq_ 'sorted(h["name"] for h in j["healthchecks"])')" = "['hc1', 'hc2']" ] ||
		{ fail "list --json: $OUT"; return 1; }
	ok hc get hc1 || return 1
	grep -qE '^status +up$' <<<"$OUT" && grep -qE '^last +ok ' <<<"$OUT" &&
		grep -qE '^TIME +RESULT$' <<<"$OUT" || { fail "get: $OUT"; return 1; }

	# set replaces the settings.
	ok healthcheck set hc2 --type tcp --target "$SRV_IP4:9" --interval 3 --timeout 1 || return 1
	ok healthcheck get hc2 --json || return 1
	[ "$(jq_ 'j["type"], j["interval"], j.get("path")')" = "('tcp', 3, None)" ] ||
		{ fail "after set: $OUT"; return 1; }
	refused 1 healthcheck get nosuch || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "not a 404: $ERR"; return 1; }
}

test_steering() {
	ensure_api || return 1
	ok rrset set t1.example lb A 198.18.0.91 198.18.0.92 --ttl 60 --weights 70,30 \
		--healthchecks hc1,- || return 1
	grep -qE '^lb\.t1\.example\. A set: 2 records, ttl 60, policy: weights 70,30; checks hc1,-$' \
		<<<"$OUT" || { fail "set said: $OUT"; return 1; }
	ok rrset get t1.example lb A --json || return 1
	[ "$(jq_ 'j["policy"]')" = "{'weights': [70, 30], 'healthchecks': ['hc1', None]}" ] ||
		{ fail "policy: $OUT"; return 1; }
	ok rrset get t1.example lb A || return 1
	check_table NAME 'TTL>' TYPE DATA POLICY || { fail "table: $OUT"; return 1; }
	[ "$(grep -c ' weights 70,30; checks hc1,-$' <<<"$OUT")" = 2 ] ||
		{ fail "get: $OUT"; return 1; }

	ok rrset set t1.example fo AAAA 2001:db8::91 2001:db8::92 --failover primary,secondary \
		--healthchecks hc1,hc2 --multivalue || return 1
	ok rrset set t1.example geo A 198.18.0.93 198.18.0.94 \
		--geo cidr:198.18.1.0/24+198.18.2.0/24=198.18.0.93 --geo continent:EU=198.18.0.94 \
		--geo default=198.18.0.93,198.18.0.94 || return 1
	ok rrset get t1.example geo A --json || return 1
	[ "$(jq_ '[r.get("cidrs", r.get("continents")) + r["records"]
		   for r in j["policy"]["geo"]["rules"]]')" = \
	  "[['198.18.1.0/24', '198.18.2.0/24', '198.18.0.93'], ['EU', '198.18.0.94']]" ] ||
		{ fail "geo rules: $OUT"; return 1; }
	[ "$(jq_ 'j["policy"]["geo"]["default"]')" = "['198.18.0.93', '198.18.0.94']" ] ||
		{ fail "geo default: $OUT"; return 1; }
	ok rrset list t1.example --json || return 1
	[ "$(jq_ 'sorted(r["name"] for r in j["rrsets"] if r["policy"])')" = \
	  "['fo.t1.example.', 'geo.t1.example.', 'lb.t1.example.']" ] ||
		{ fail "list --json: $OUT"; return 1; }
	ok rrset list t1.example || return 1
	grep -qE '^geo\.t1\.example\. +[0-9]+ +A +198\.18\.0\.93 +geo 2 rules \+ default$' <<<"$OUT" ||
		{ fail "list: $OUT"; return 1; }

	# nsctl's own checks: exit 2, nothing sent.
	refused 2 rrset set t1.example lb A 198.18.0.91 198.18.0.92 --weights 70 || return 1
	grep -q -- '--weights: 1 entry for 2 records' <<<"$ERR" || { fail "$ERR"; return 1; }
	refused 2 rrset set t1.example lb A 198.18.0.91 --geo continent:XX=198.18.0.91 || return 1
	refused 2 rrset set t1.example @ MX "10 mx.t1.example." --weights 1 || return 1
	# The daemon's: exit 1, the field named.
	refused 1 rrset set t1.example lb A 198.18.0.91 --healthchecks nosuch || return 1
	grep -qE '^nsctl: 400 invalid: .*\(field: policy\.healthchecks\[0\]\)$' <<<"$ERR" ||
		{ fail "not a 400 naming the field: $ERR"; return 1; }
	refused 1 rrset set t1.example lb A 198.18.0.91 --geo default=198.18.0.99 || return 1
	grep -qE '^nsctl: 400 invalid: .*\(field: policy\.geo' <<<"$ERR" ||
		{ fail "not a 400 naming the field: $ERR"; return 1; }
}

test_healthcheck_in_use() {
	ensure_api || return 1
	refused 1 healthcheck delete hc1 || return 1
	grep -q '^nsctl: 409 conflict: ' <<<"$ERR" || { fail "not a verbatim 409: $ERR"; return 1; }
	ok healthcheck get hc1 || return 1
	# Set without a policy: plain again, and hc1 named nowhere but fo.
	ok rrset set t1.example lb A 198.18.0.91 198.18.0.92 || return 1
	ok rrset get t1.example lb A --json || return 1
	[ "$(jq_ 'j["policy"]')" = None ] || { fail "policy left: $OUT"; return 1; }
	refused 1 healthcheck delete hc1 || return 1
	ok rrset delete t1.example fo AAAA || return 1
	ok healthcheck delete hc1 || return 1
	[ "$OUT" = "healthcheck hc1 deleted" ] || { fail "delete said: $OUT"; return 1; }
	refused 1 healthcheck get hc1 || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "not a 404: $ERR"; return 1; }
	ok --json healthcheck delete hc2 || return 1
	[ -z "$OUT" ] || { fail "--json delete printed: $OUT"; return 1; }
	ok healthcheck list --json || return 1
	[ "$(jq_ 'len(j["healthchecks"])')" = 0 ] || { fail "checks left: $OUT"; return 1; }
}

test_zone_export_import() {
	local exp=$WORKDIR/t1.zone imp=$WORKDIR/t3.zone

	ensure_api || return 1
	ok zone export t1.example -o "$exp" || return 1
	[ -z "$OUT" ] || { fail "-o wrote to stdout too"; return 1; }
	grep -qE '^t1\.example\.[[:space:]]+[0-9]+[[:space:]]+(IN[[:space:]]+)?SOA[[:space:]]' \
		<(grep -v '^;' "$exp" | grep -v '^\$' | head -1) ||
		{ fail "export does not start with the SOA: $(head -3 "$exp")"; return 1; }
	grep -qE '^multi\.t1\.example\.[[:space:]].*A[[:space:]]+198\.18\.0\.44$' "$exp" ||
		{ fail "export lacks multi A: $(cat "$exp")"; return 1; }
	ok zone export t1.example. || return 1
	[ "$OUT" = "$(cat "$exp")" ] || { fail "stdout and -o differ"; return 1; }

	# The same content under another name: its first owner names the zone.
	sed 's/t1\.example\./t3.example./g' "$exp" >"$imp"
	ok zone import "$imp" || return 1
	grep -q '^zone t3.example. created' <<<"$OUT" || { fail "import said: $OUT"; return 1; }
	ok rrset get t3.example multi A --json || return 1
	[ "$(jq_ 'j["records"]')" = "['198.18.0.44']" ] || { fail "imported: $OUT"; return 1; }
	# Again: it exists.
	refused 1 zone import "$imp" || return 1
	grep -q '^nsctl: 409 conflict: ' <<<"$ERR" || { fail "not a verbatim 409: $ERR"; return 1; }

	# --replace: the whole content, serial up.
	local s0
	s0=$(serial t3.example) || return 1
	{
		grep -E '[[:space:]](SOA|NS)[[:space:]]' "$imp"
		echo 'fresh.t3.example. 300 IN A 198.18.0.51'
	} \
		>"$WORKDIR/t3-new.zone"
	ok zone import "$WORKDIR/t3-new.zone" --replace --name t3.example || return 1
	grep -q '^zone t3.example. replaced' <<<"$OUT" || { fail "replace said: $OUT"; return 1; }
	[ "$(serial t3.example)" -gt "$s0" ] || { fail "serial did not move"; return 1; }
	refused 1 rrset get t3.example multi A || return 1
	ok rrset get t3.example fresh A --json || return 1

	# From stdin, with --name, and a parse error as the API reports it.
	printf '$TTL 300\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 198.18.0.52\nx IN A nope\n' \
		>"$WORKDIR/bad.zone"
	nsenter --net="/run/netns/$NS_SRV" "$NSCTL" zone import - --name t4.example \
		<"$WORKDIR/bad.zone" >/dev/null 2>"$WORKDIR/imp.err"
	[ $? -eq 1 ] || { fail "a broken zone file was not refused"; return 1; }
	grep -qE '^nsctl: 400 invalid: zonefile:5: .* \(field: zonefile\)$' "$WORKDIR/imp.err" ||
		{ fail "parse error: $(cat "$WORKDIR/imp.err")"; return 1; }
	# A relative first owner names nothing: usage, nothing sent.
	refused 2 zone import "$WORKDIR/bad.zone" || return 1
	grep -q 'give --name ZONE' <<<"$ERR" || { fail "no hint: $ERR"; return 1; }
	sed -i '$d' "$WORKDIR/bad.zone"
	nsenter --net="/run/netns/$NS_SRV" "$NSCTL" zone import - --name t4.example \
		<"$WORKDIR/bad.zone" >/dev/null 2>"$WORKDIR/imp.err" ||
		{ fail "import from stdin: $(cat "$WORKDIR/imp.err")"; return 1; }
	ok rrset get t4.example ns1 A || return 1
	refused 1 zone export nosuch.example || return 1
}

test_if_match() {
	local s

	ensure_api || return 1
	s=$(serial t1.example) || return 1
	refused 1 rrset set t1.example cas A 198.18.0.61 --if-match "\"$((s - 1))\"" || return 1
	grep -q '^nsctl: 412 precondition_failed: ' <<<"$ERR" ||
		{ fail "not a verbatim 412: $ERR"; return 1; }
	[ "$(serial t1.example)" -eq "$s" ] ||
		{ fail "a refused write moved the serial"; return 1; }
	ok --if-match "\"$s\"" rrset set t1.example cas A 198.18.0.61 || return 1
	[ "$(serial t1.example)" -eq $((s + 1)) ] ||
		{ fail "serial did not move by one"; return 1; }
	# A value that cannot be a header never leaves nsctl.
	refused 2 rrset set t1.example cas A 198.18.0.61 --if-match 'a b' || return 1
}

test_idempotency_key() {
	local s key=k-$SUFFIX

	ensure_api || return 1
	s=$(serial t1.example) || return 1
	ok rrset set t1.example idem A 198.18.0.71 --idempotency-key "$key" || return 1
	ok rrset set t1.example idem A 198.18.0.71 --idempotency-key "$key" || return 1
	grep -q 'replayed' <<<"$ERR" || { fail "no replay noted: $ERR"; return 1; }
	[ "$(serial t1.example)" -eq $((s + 1)) ] ||
		{ fail "a replay made a new version"; return 1; }
	refused 1 rrset set t1.example idem A 198.18.0.72 --idempotency-key "$key" || return 1
	grep -q '^nsctl: 422 semantic: ' <<<"$ERR" || { fail "not a verbatim 422: $ERR"; return 1; }
}

test_tokens_and_accounts() {
	local acme_id acme beta tok_out e_theirs

	ensure_api || return 1
	# The secret is printed once, in the table; the note goes to stderr.
	ok token create --name ci --account acme || return 1
	tok_out=$OUT
	grep -qE '^token +[^ ]+$' <<<"$tok_out" || { fail "no secret shown: $tok_out"; return 1; }
	grep -q 'shown this once' <<<"$ERR" || { fail "no note: $ERR"; return 1; }
	acme=$(awk '$1 == "token" {print $2}' <<<"$tok_out")
	acme_id=$(awk '$1 == "id" {print $2}' <<<"$tok_out")
	grep -qE '^account +acme$' <<<"$tok_out" && grep -qE '^admin +no$' <<<"$tok_out" ||
		{ fail "token table: $tok_out"; return 1; }
	ok token create --name other --account beta --json || return 1
	beta=$(jq_ 'j["token"]') || return 1
	[ "$(jq_ 'j["account"], j["admin"]')" = "('beta', False)" ] ||
		{ fail "--json: $OUT"; return 1; }

	ok token list || return 1
	check_table ID NAME ACCOUNT ADMIN CREATED || { fail "table: $OUT"; return 1; }
	grep -qE "^$acme_id +ci +acme +no " <<<"$OUT" ||
		{ fail "acme's token not listed: $OUT"; return 1; }
	! grep -q "$acme" <<<"$OUT" || { fail "a secret in the list"; return 1; }
	ok token list --account acme --json || return 1
	[ "$(jq_ 'sorted({t["account"] for t in j["tokens"]})')" = "['acme']" ] ||
		{ fail "--account acme: $OUT"; return 1; }

	# acme makes its zone; beta cannot see it, exactly as if it did not exist.
	ok --token "$acme" zone create acme.example || return 1
	ok --token "$acme" rrset set acme.example www A 198.18.0.81 || return 1
	ok --token "$acme" zone list --json || return 1
	[ "$(jq_ '[(z["name"], z["account"]) for z in j["zones"]]')" = \
	  "[('acme.example.', 'acme')]" ] || { fail "acme sees: $OUT"; return 1; }
	refused 1 --token "$beta" zone get acme.example || return 1
	e_theirs=$ERR
	refused 1 --token "$beta" zone get nosuch.example || return 1
	[ "$e_theirs" = "${ERR//nosuch.example/acme.example}" ] ||
		{ fail "another account's zone is not a plain 404: $e_theirs vs $ERR"; return 1; }
	grep -q '^nsctl: 404 not_found: ' <<<"$e_theirs" ||
		{ fail "not a 404: $e_theirs"; return 1; }
	refused 1 --token "$beta" rrset get acme.example www A || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "not a 404: $ERR"; return 1; }
	refused 1 --token "$beta" rrset set acme.example www A 198.18.0.82 || return 1
	refused 1 --token "$beta" zone delete acme.example || return 1
	ok --token "$beta" zone list --json || return 1
	[ "$(jq_ 'len(j["zones"])')" = 0 ] || { fail "beta sees zones: $OUT"; return 1; }
	# Nor may a plain token make an admin one.
	refused 1 --token "$acme" token create --name escalate --admin || return 1
	grep -q '^nsctl: 403 forbidden: ' <<<"$ERR" ||
		{ fail "not a verbatim 403: $ERR"; return 1; }

	# Revoked: the token no longer works.
	ok token delete "$acme_id" || return 1
	[ "$OUT" = "token $acme_id deleted" ] || { fail "delete said: $OUT"; return 1; }
	refused 1 --token "$acme" zone list || return 1
	grep -q '^nsctl: 401 unauthenticated: ' <<<"$ERR" ||
		{ fail "not a verbatim 401: $ERR"; return 1; }
	refused 1 token delete "$acme_id" || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "not a 404: $ERR"; return 1; }
}

test_config_sources() {
	local admin conf=$WORKDIR/nsctl.conf

	ensure_api || return 1
	admin=$NAMESERVE_TOKEN
	(
		unset NAMESERVE_URL NAMESERVE_TOKEN
		# Flags alone.
		ok --server "$API_URL" --token "$admin" zone list || exit 1
		# No token anywhere: a usage error naming the places to put one.
		refused 2 --server "$API_URL" zone list || exit 1
		grep -q "no token" <<<"$ERR" || { fail "$ERR"; exit 1; }
		# The default config file, with a comment; a host:port server.
		mkdir -p "$HOME/.config/nameserve"
		printf '# nsctl\nserver = 127.0.0.1:%s\ntoken = %s\n' "$API_PORT" "$admin" \
			>"$HOME/.config/nameserve/nsctl.conf"
		ok zone list || exit 1
		# $NSCTL_CONFIG over it.
		printf 'server = http://127.0.0.1:1\ntoken = %s\n' "$admin" >"$conf"
		NSCTL_CONFIG=$conf refused 3 zone list || exit 1
		# The environment over the file.
		NSCTL_CONFIG=$conf NAMESERVE_URL=$API_URL ok zone list || exit 1
		NAMESERVE_TOKEN=wrong refused 1 zone list || exit 1
		grep -q '^nsctl: 401 unauthenticated: ' <<<"$ERR" || { fail "$ERR"; exit 1; }
		# Flags over the environment.
		NAMESERVE_TOKEN=wrong ok --token "$admin" zone list || exit 1
		NAMESERVE_URL=http://127.0.0.1:1 ok zone list --server "$API_URL" || exit 1
		# A broken file is an error with its line, exit 2.
		printf 'server = %s\ntokn = x\n' "$API_URL" >"$conf"
		NSCTL_CONFIG=$conf refused 2 zone list || exit 1
		grep -q "nsctl.conf:2: unknown key 'tokn'" <<<"$ERR" || { fail "$ERR"; exit 1; }
		NSCTL_CONFIG=$WORKDIR/none.conf refused 2 zone list || exit 1
		rm -rf "$HOME/.config"
	) || return 1
}

test_exit_codes() {
	ensure_api || return 1
	# Nothing listening: 3, whatever the command.
	refused 3 --server http://127.0.0.1:1 zone list || return 1
	grep -q '^nsctl: cannot connect to http://127.0.0.1:1: ' <<<"$ERR" ||
		{ fail "connect message: $ERR"; return 1; }
	refused 3 rrset set t1.example x A 198.18.0.1 --server 127.0.0.1:1 || return 1
	# Usage: 2, nothing sent.
	refused 2 zone frob || return 1
	refused 2 zone get || return 1
	refused 2 zone get a b || return 1
	refused 2 rrset set t1.example www A || return 1
	refused 2 rrset set t1.example www A 198.18.0.1 --ttl -1 || return 1
	refused 2 rrset set t1.example www A 198.18.0.1 --ttl 2147483648 || return 1
	refused 2 rrset get t1.example www 'A B' || return 1
	refused 2 --server ftp://x zone list || return 1
	refused 2 nosuchcommand || return 1
	ok zone --help || return 1
	grep -q 'nsctl zone import FILE' <<<"$OUT" || { fail "zone --help: $OUT"; return 1; }
	ok rrset set --help || return 1
	# The API's error: 1, its message as sent; with --json, its object on stdout.
	refused 1 zone get nosuch.example || return 1
	[ -z "$OUT" ] || { fail "error on stdout without --json: $OUT"; return 1; }
	refused 1 zone get nosuch.example --json || return 1
	[ "$(jq_ 'j["error"]["code"]')" = not_found ] || { fail "--json error: $OUT"; return 1; }
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "$ERR"; return 1; }
	refused 1 --token nope zone list || return 1
	grep -q '^nsctl: 401 unauthenticated: ' <<<"$ERR" || { fail "$ERR"; return 1; }
	# stats reads this machine's pins, not the API (this daemon has no XDP).
	refused 1 stats --instance "$INSTANCE" --json || return 1
	grep -q "^nsctl: no running instance '$INSTANCE'" <<<"$ERR" || { fail "$ERR"; return 1; }
}

test_zone_delete() {
	local out

	ensure_api || return 1
	out=$(query "$SRV_IP4" t3.example SOA) || { fail "kdig: $out"; return 1; }
	grep -q 'status: NOERROR' <<<"$out" || { fail "t3 not served: $out"; return 1; }
	ok zone delete t3.example. || return 1
	[ "$OUT" = "zone t3.example. deleted" ] || { fail "delete said: $OUT"; return 1; }
	refused 1 zone get t3.example || return 1
	grep -q '^nsctl: 404 not_found: ' <<<"$ERR" || { fail "$ERR"; return 1; }
	out=$(query "$SRV_IP4" t3.example SOA) || { fail "kdig: $out"; return 1; }
	grep -q 'status: REFUSED' <<<"$out" || { fail "t3 still served: $out"; return 1; }
	ok zone list --json || return 1
	[ "$(jq_ '"t3.example." in [z["name"] for z in j["zones"]]')" = False ] ||
		{ fail "t3 still listed: $OUT"; return 1; }
	# --json on a 204 prints nothing.
	ok --json zone delete t4.example || return 1
	[ -z "$OUT" ] || { fail "--json delete printed: $OUT"; return 1; }
	refused 1 zone delete t4.example || return 1
}

require_env
run_tests
