#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The fast path gives the engine's bytes: every A/AAAA RRset of a zone, asked in
# several variants (IPv4/IPv6, EDNS or not, DO, COOKIE, 0x20 case, RD, CD) with
# fixed IDs, first of nameserved with XDP attached (its counters prove which path
# answered), then of the same daemon without XDP; the replies must be identical.

ALL_TESTS="
	test_xdp_run
	test_engine_run
	test_same_bytes
"

source "$(dirname "$0")/lib.sh"

ZONE=$SELFTEST_DIR/zones/same.example.zone
SAME_PY=$SELFTEST_DIR/py/engine_same.py
REPLIES_XDP=$WORKDIR/replies-xdp.json
REPLIES_ENGINE=$WORKDIR/replies-engine.json

# send OUT [ARGS...]: the helper's queries from the client namespace. nsenter
# rather than ip netns exec, so that nsctl there still sees the pins.
send() {
	local out=$1

	shift
	nsenter --net="/run/netns/$NS_CLI" timeout 120 python3 -B "$SAME_PY" send --zone "$ZONE" \
		--server4 "$SRV_IP4" --server6 "$SRV_IP6" --out "$out" "$@"
}

# With XDP on the server's veth: each phase of queries moves exactly the counter
# the helper predicts (answered for the hits, pass_miss or pass_too_big for the
# rest) by the number of queries in it, and no other. Replies more than 216
# bytes longer than their query need tailroom that veth leaves only by chance
# on recent kernels: their phase may count pass_error as well.
test_xdp_run() {
	local id mode

	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" || return 1
	read -r id mode < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	log "nameserved pid $DAEMON_PID, XDP prog $id mode $mode on $IF_SRV"
	[ -n "$id" ] || { fail "no XDP program on $IF_SRV"; return 1; }
	send "$REPLIES_XDP" --nsctl "$NSCTL" --instance "$INSTANCE" || return 1
	log "counters: $("$NSCTL" stats --instance "$INSTANCE" --json)"
	stop_daemon
}

# The same daemon, zone and listeners without --xdp: the engine answers all.
test_engine_run() {
	[ -n "$DAEMON_PID" ] && { stop_daemon || return 1; }
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	# A daemon killed after a failed test leaves its program and pins.
	ip -n "$NS_SRV" link set dev "$IF_SRV" xdp off 2>/dev/null
	rm -rf "${PIN_ROOT:?}/$INSTANCE"
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" || return 1
	no_xdp_in "$NS_SRV" || { fail "an XDP program on $NS_SRV without --xdp"; return 1; }
	[ ! -e "$PIN_ROOT/$INSTANCE" ] || { fail "pins without --xdp"; return 1; }
	send "$REPLIES_ENGINE" || return 1
	stop_daemon
}

# Whole messages, byte for byte: the IDs are fixed, so they are compared too.
test_same_bytes() {
	[ -s "$REPLIES_XDP" ] || test_xdp_run || return 1
	[ -s "$REPLIES_ENGINE" ] || test_engine_run || return 1
	python3 -B "$SAME_PY" compare --label-a xdp --label-b engine "$REPLIES_XDP" "$REPLIES_ENGINE"
}

require_env
run_tests
