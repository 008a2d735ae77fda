#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# How nameserved attaches: generic mode on request, forced native, one program
# on several interfaces, a clear failure for an interface that is not there,
# and a restart after kill -9 taking over what the dead process left.

ALL_TESTS="
	test_generic
	test_native
	test_auto_fallback
	test_two_interfaces
	test_unknown_interface
	test_restart_after_kill
"

source "$(dirname "$0")/lib.sh"

# answered_once SERVER: one A query answered by XDP.
answered_once() {
	local a0 a1 out

	a0=$(counter answered) || return 1
	out=$(query "$1" www.demo.example A +short) || { fail "kdig: $out"; return 1; }
	[ "$out" = "198.18.0.11" ] || { fail "answer '$out'"; return 1; }
	a1=$(counter answered) || return 1
	log "answered $a0 -> $a1"
	[ $((a1 - a0)) -eq 1 ] || { fail "answered moved by $((a1 - a0)), not 1"; return 1; }
}

# mode_test MODE WANT: --xdp-mode MODE attaches in ip's mode WANT (1 native, 2 generic).
mode_test() {
	local id mode

	setup_pair || return 1
	start_daemon --listen "$SRV_IP4" --xdp "$IF_SRV" --xdp-mode "$1" || return 1
	read -r id mode < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	log "XDP prog $id mode $mode on $IF_SRV"
	[ -n "$id" ] || { fail "no XDP program on $IF_SRV"; return 1; }
	[ "$mode" = "$2" ] || { fail "attach mode $mode, expected $2"; return 1; }
	answered_once "$SRV_IP4" || return 1
	stop_daemon || return 1
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

test_generic() { mode_test generic 2; }
test_native() { mode_test native 1; }

# Without --xdp-mode, a link whose driver has no native XDP (a bridge) gets the
# program in generic mode, and the log says why.
test_auto_fallback() {
	local dum=br-$SUFFIX id mode

	setup_pair || return 1
	ip -n "$NS_SRV" link add "$dum" type bridge || return 1
	ip -n "$NS_SRV" link set "$dum" up || return 1
	start_daemon --listen "$SRV_IP4" --xdp "$IF_SRV" --xdp "$dum" || return 1
	read -r id mode < <(xdp_prog_id "$NS_SRV" "$dum")
	log "XDP prog $id mode $mode on $dum; $(grep -m1 'trying generic' "$DAEMON_LOG")"
	[ "$mode" = 2 ] || { fail "mode $mode on $dum, expected generic (2)"; return 1; }
	read -r id mode < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	[ "$mode" = 1 ] || { fail "mode $mode on $IF_SRV, expected native (1)"; return 1; }
	grep -q "attach $dum native: .*trying generic" "$DAEMON_LOG" ||
		{ fail "no fallback logged"; return 1; }
	answered_once "$SRV_IP4" || return 1
	stop_daemon || return 1
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

# --xdp twice: one program, attached to both links, answering on both.
test_two_interfaces() {
	local if2s=vs2-$SUFFIX if2c=vc2-$SUFFIX id1 id2 m

	setup_pair || return 1
	add_link "$if2s" "$if2c" 198.18.1.1 198.18.1.2 || return 1
	start_daemon --listen 0.0.0.0 --xdp "$IF_SRV" --xdp "$if2s" || return 1
	read -r id1 m < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	read -r id2 m < <(xdp_prog_id "$NS_SRV" "$if2s")
	log "XDP prog $id1 on $IF_SRV, $id2 on $if2s"
	[ -n "$id1" ] && [ "$id1" = "$id2" ] || { fail "not one program on both"; return 1; }
	answered_once "$SRV_IP4" || return 1
	answered_once 198.18.1.1 || return 1
	stop_daemon || return 1
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

# A missing interface: non-zero exit within seconds, the reason on stderr,
# no pins left.
test_unknown_interface() {
	local logf=$WORKDIR/unknown.log rc

	setup_pair || return 1
	timeout 10 nsenter --net="/run/netns/$NS_SRV" "$NAMESERVED" --zone "$DEMO_ZONE" \
		--instance "$INSTANCE" --listen "$SRV_IP4" --xdp nosuch0 >"$logf" 2>&1
	rc=$?
	log "exit status $rc: $(grep -m1 nosuch0 "$logf")"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { fail "exit status $rc"; return 1; }
	grep -q 'nosuch0.*No such device' "$logf" ||
		{ fail "no clear error: $(cat "$logf")"; return 1; }
	grep -q 'nameserved: ready' "$logf" && { fail "claimed ready"; return 1; }
	[ ! -e "$PIN_ROOT/$INSTANCE" ] || { fail "pins left behind"; return 1; }
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

# kill -9 leaves the program attached and the pins in place (without the
# dispatcher nothing detaches it); the next start replaces both and answers.
test_restart_after_kill() {
	local old new m

	setup_pair || return 1
	start_daemon --listen "$SRV_IP4" --xdp "$IF_SRV" || return 1
	read -r old m < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	[ -e "$PIN_ROOT/$INSTANCE/counters" ] || log "(no pins left by the killed daemon)"
	start_daemon --listen "$SRV_IP4" --xdp "$IF_SRV" || return 1
	read -r new m < <(xdp_prog_id "$NS_SRV" "$IF_SRV")
	log "prog $old before kill -9, $new after restart"
	[ -n "$new" ] && [ "$new" != "$old" ] || { fail "program not replaced"; return 1; }
	answered_once "$SRV_IP4" || return 1
	stop_daemon || return 1
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
	[ ! -e "$PIN_ROOT/$INSTANCE" ] || { fail "pins left behind"; return 1; }
}

require_env
run_tests
