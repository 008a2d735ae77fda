#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Differential check: nameserved (no XDP) and Knot DNS serve the same zones in
# one namespace; every query of a list covering the engine's rules must get the
# same reply from both (flags, RCODE, every section, EDNS options), over UDP
# with and without EDNS and over TCP. Queried with dig from a second namespace.

ALL_TESTS="
	test_udp_no_edns
	test_udp_edns
	test_udp_edns_512
	test_tcp
	test_chaos
"

source "$(dirname "$0")/lib.sh"

ENGINE_ZONE=$TOP/tests/zones/engine/example.com.zone
KNOT_PORT=5300
KNOT_PID=

# One query per engine rule (tests/zones/engine/example.com.zone); AXFR and
# IXFR are left out: Knot says NOTAUTH where we say REFUSED.
QUERIES="
www.example.com/A www.example.com/AAAA WwW.ExAmPlE.cOm/A example.com/SOA example.com/NS
example.com/MX _sip._tcp.example.com/SRV nope.example.com/A a.b.nope.example.com/A
www.example.com/TXT ent.example.com/A b.ent.example.com/A www.sub.example.com/A
sub.example.com/NS sub.example.com/DS ns1.sub.example.com/A chain.example.com/A
alias.example.com/CNAME out.example.com/A dangling.example.com/A loop1.example.com/A
tocut.example.com/A alias.example.com/MX foo.dname.example.com/A x.dname2.example.com/A
dname.example.com/A dname.example.com/DNAME Anything.wild.example.com/A
a.b.wild.example.com/TXT x.wild.example.com/AAAA real.wild.example.com/A
x.ent2.wild.example.com/A ent2.wild.example.com/A q.cwild.example.com/A
example.com/ANY multi.example.com/ANY ent.example.com/ANY big.example.com/TXT
www.example.org/A example.com/TYPE65000 www.example.com/TYPE0 www.demo.example/A
nosuch.demo.example/AAAA
"

ensure_servers() {
	local conf=$WORKDIR/knot.conf logf=$WORKDIR/knotd.log

	[ -n "$DAEMON_PID" ] && [ -n "$KNOT_PID" ] && return 0
	command -v knotd >/dev/null && command -v dig >/dev/null || {
		echo "    knotd or dig not installed"
		return $ksft_skip
	}
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --zone "$ENGINE_ZONE" \
		--nsid pop-test --identity pop-test.example --version-string nameserve-test ||
		{ fail "nameserved did not start"; return 1; }
	mkdir -p "$WORKDIR/knot"
	cp "$ENGINE_ZONE" "$WORKDIR/knot/example.com.zone"
	cp "$DEMO_ZONE" "$WORKDIR/knot/demo.example.zone"
	cat >"$conf" <<EOF
server:
    listen: [ $SRV_IP4@$KNOT_PORT, $SRV_IP6@$KNOT_PORT ]
    rundir: $WORKDIR/knot
    nsid: pop-test
    identity: pop-test.example
    version: nameserve-test
database:
    storage: $WORKDIR/knot
template:
  - id: default
    storage: $WORKDIR/knot
    file: "%s.zone"
    journal-content: none
zone:
  - domain: example.com
  - domain: demo.example
log:
  - target: stderr
    any: warning
EOF
	nsenter --net="/run/netns/$NS_SRV" knotd -c "$conf" >"$logf" 2>&1 &
	KNOT_PID=$!
	DAEMON_PIDS+=("$KNOT_PID")
	echo "$KNOT_PID" >>"$WORKDIR/pids"
	for _ in $(seq 50); do
		ip netns exec "$NS_CLI" dig @"$SRV_IP4" -p "$KNOT_PORT" example.com SOA +tries=1 \
			+timeout=1 2>/dev/null | grep -q 'status: NOERROR' && return 0
		kill -0 "$KNOT_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "knotd did not start: $(cat "$logf")"
}

# A reply as dig prints it, minus what differs by nature (ID, timing, size).
reply() {
	local server=$1 port=$2 name=$3 type=$4 class=$5

	shift 5
	ip netns exec "$NS_CLI" dig @"$server" -p "$port" "$name" "$type" "$class" +norec \
		+noall +comments +question +answer +authority +additional +tries=1 +timeout=2 "$@" |
		grep -v '^;; \(Query time\|SERVER\|WHEN\|MSG SIZE\|Got answer\)' |
		sed -E 's/id: [0-9]+//' | grep -v '^$' | LC_ALL=C sort
}

# compare SERVER DIG_OPTIONS...: every query in QUERIES, both servers.
compare() {
	local server=$1 q name type a b diffs=0 n=0

	shift
	ensure_servers || return $?
	for q in $QUERIES; do
		name=${q%/*}
		type=${q#*/}
		a=$(reply "$server" 53 "$name" "$type" IN "$@")
		b=$(reply "$server" "$KNOT_PORT" "$name" "$type" IN "$@")
		n=$((n + 1))
		[ -n "$a" ] || { fail "$name $type: no reply from nameserved"; return 1; }
		if [ "$a" != "$b" ]; then
			echo "    $name $type $*: nameserved (<) and knotd (>) differ:"
			diff <(echo "$a") <(echo "$b") | sed 's/^/      /'
			diffs=$((diffs + 1))
		fi
	done
	log "$n queries over $server $*, $diffs differ"
	[ "$diffs" -eq 0 ]
}

test_udp_no_edns() { compare "$SRV_IP4" +noedns +ignore; }
test_udp_edns() { compare "$SRV_IP6" +edns=0 +bufsize=4096 +nsid +ignore; }
# TC: the same whole RRsets kept
test_udp_edns_512() { compare "$SRV_IP4" +edns=0 +bufsize=512 +dnssec +ignore; }
test_tcp() { compare "$SRV_IP6" +tcp +nsid; }

test_chaos() {
	local q a b diffs=0

	ensure_servers || return $?
	for q in id.server hostname.bind version.bind version.server other.bind; do
		a=$(reply "$SRV_IP4" 53 "$q" TXT CH)
		b=$(reply "$SRV_IP4" "$KNOT_PORT" "$q" TXT CH)
		if [ "$a" != "$b" ]; then
			echo "    $q CH TXT: nameserved (<) and knotd (>) differ:"
			diff <(echo "$a") <(echo "$b") | sed 's/^/      /'
			diffs=$((diffs + 1))
		fi
	done
	[ "$diffs" -eq 0 ]
}

require_env
run_tests
