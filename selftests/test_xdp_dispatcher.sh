#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# XDP programs sharing one interface through libxdp's dispatcher: two of xdp-tools' programs,
# then nameserved's beside an operator's, whichever comes first. The dispatcher needs the BPF
# ext program type (Debian's 6.1 has it): the script exits 4 (skip) where libxdp goes without.

ALL_TESTS="
	test_two_programs
	test_beside_another
	test_another_joins
"

source "$(dirname "$0")/lib.sh"

QUERIES=3		# per address family; each one must be answered by XDP
DISPATCHER=		# yes or no, once a load has shown it

# Where xdp-tools installed its BPF objects (multiarch on Debian).
xdpfilt_obj() {
	local f

	for f in /usr/lib/*/bpf/xdpfilt_"$1".o /usr/lib/bpf/xdpfilt_"$1".o \
		 /usr/local/lib/bpf/xdpfilt_"$1".o; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	echo "    xdp-tools' xdpfilt_$1.o not found" >&2
	return 1
}

srv_status() { nsenter --net="/run/netns/$NS_SRV" xdp-loader status "$IF_SRV"; }

# load_other OBJ PRIO: one of xdp-tools' programs on IF_SRV through xdp-loader. Where the
# kernel lacks the ext program type libxdp attaches the first one alone, not under a
# dispatcher, and there is nothing to test.
load_other() {
	local st

	nsenter --net="/run/netns/$NS_SRV" xdp-loader load -m native -P "$2" "$IF_SRV" "$1" ||
		{ fail "xdp-loader load $1"; return 1; }
	st=$(srv_status)
	if grep -qE "^$IF_SRV +xdp_dispatcher +native" <<<"$st"; then
		DISPATCHER=yes
		return 0
	fi
	sed "s/^/    /" <<<"$st"
	log "libxdp attached without its dispatcher: kernel $(uname -r) lacks the BPF ext" \
	    "program type"
	DISPATCHER=no
	nsenter --net="/run/netns/$NS_SRV" xdp-loader unload -a "$IF_SRV"
	return $ksft_skip
}

# need_dispatcher: whether libxdp can use its dispatcher here, found by loading a program
# when no test has yet.
need_dispatcher() {
	local all

	case $DISPATCHER in
	yes)	return 0 ;;
	no)	return $ksft_skip ;;
	esac
	all=$(xdpfilt_obj alw_all) || return $ksft_skip
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	load_other "$all" 10 || return
	nsenter --net="/run/netns/$NS_SRV" xdp-loader unload -a "$IF_SRV" ||
		{ fail "xdp-loader unload"; return 1; }
}

# components STATUS: the dispatcher's programs in one `xdp-loader status` output, "NAME ID".
components() {
	awk '$1 == "=>" { print $3, $4 }' <<<"$1"
}

# prog_id STATUS NAME
prog_id() {
	components "$1" | awk -v n="$2" '$1 == n { print $2 }'
}

# passed_by ID: packets an xdp-filter program passed on, from its per-CPU xdp_stats_map
# (key 2: XDP_PASS). Freplace programs are not counted by kernel.bpf_stats_enabled.
passed_by() {
	local ids mid

	ids=$(bpftool prog show id "$1" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr ',' ' ')
	mid=$(bpftool map show | awk -F: -v ids=" $ids " \
	      '/ name xdp_stats_map / && index(ids, " " $1 " ") { print $1 }')
	[ -n "$mid" ] || { fail "prog $1 has no xdp_stats_map"; return 1; }
	bpftool map lookup id "$mid" key 2 0 0 0 |
		awk '/"rx_packets"/ { gsub(/[^0-9]/, "", $2); n += $2 } END { print n + 0 }'
}

# answered [INSTANCE]: the fast path's answered counter, from nsctl's table: no python3,
# which takes seconds to start under TCG.
answered() {
	"$NSCTL" stats --instance "${1:-$INSTANCE}" | awk '$1 == "answered" { print $2; n++ } END { exit !n }'
}

# answered_by_xdp OTHER_ID: QUERIES A queries over IPv4 and QUERIES AAAA over IPv6, each
# answered right, each counted by our program as answered, each seen first by the other
# program, which runs ahead of ours.
answered_by_xdp() {
	local other=$1 a0 a1 p0 p1 out i

	a0=$(answered) && p0=$(passed_by "$other") || return 1
	for ((i = 0; i < QUERIES; i++)); do
		out=$(query "$SRV_IP4" www.demo.example A +short) || { fail "kdig: $out"; return 1; }
		[ "$out" = 198.18.0.11 ] || { fail "www.demo.example A: '$out'"; return 1; }
		out=$(query "$SRV_IP6" www.demo.example AAAA +short) || { fail "kdig: $out"; return 1; }
		[ "$out" = 2001:db8::11 ] || { fail "www.demo.example AAAA: '$out'"; return 1; }
	done
	a1=$(answered) && p1=$(passed_by "$other") || return 1
	log "answered by XDP $a0 -> $a1; passed on by prog $other $p0 -> $p1"
	[ $((a1 - a0)) -eq $((2 * QUERIES)) ] ||
		{ fail "answered moved by $((a1 - a0)), not $((2 * QUERIES))"; return 1; }
	[ $((p1 - p0)) -ge $((2 * QUERIES)) ] ||
		{ fail "the other program passed on $((p1 - p0)) packets, fewer than the queries"; return 1; }
}

# after_stop OTHER_NAME: nameserved detached itself and nothing else.
after_stop() {
	local st

	stop_daemon || return 1
	st=$(srv_status)
	log "after nameserved stopped: $(components "$st" | tr '\n' ' ')"
	[ "$(components "$st" | awk '{ print $1 }')" = "$1" ] ||
		{ fail "stopping nameserved did not leave $1 alone: $st"; return 1; }
	nsenter --net="/run/netns/$NS_SRV" xdp-loader unload -a "$IF_SRV" ||
		{ fail "xdp-loader unload"; return 1; }
	no_xdp_in "$NS_SRV" || { fail "XDP left in $NS_SRV"; return 1; }
}

# Two programs of xdp-tools: both run on every packet, the first passing it to the second.
test_two_programs() {
	local all udp st id_all id_udp a0 a1 u0 u1

	[ "$DISPATCHER" != no ] || return $ksft_skip
	all=$(xdpfilt_obj alw_all) && udp=$(xdpfilt_obj alw_udp) || return $ksft_skip
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	load_other "$all" 10 || return
	nsenter --net="/run/netns/$NS_SRV" xdp-loader load -m native -P 20 "$IF_SRV" "$udp" ||
		{ fail "xdp-loader load $udp"; return 1; }
	st=$(srv_status)
	echo "$st"
	id_all=$(prog_id "$st" xdpfilt_alw_all) id_udp=$(prog_id "$st" xdpfilt_alw_udp)
	[ -n "$id_all" ] && [ -n "$id_udp" ] || { fail "the dispatcher does not hold both"; return 1; }

	a0=$(passed_by "$id_all") && u0=$(passed_by "$id_udp") || return 1
	ip netns exec "$NS_CLI" bash -c \
		"for ((i = 0; i < $QUERIES; i++)); do echo probe >/dev/udp/$SRV_IP4/9; done" ||
		{ fail "sending UDP to $SRV_IP4"; return 1; }
	a1=$(passed_by "$id_all") && u1=$(passed_by "$id_udp") || return 1
	log "passed on: xdpfilt_alw_all $a0 -> $a1, xdpfilt_alw_udp $u0 -> $u1"
	[ $((a1 - a0)) -ge "$QUERIES" ] || { fail "xdpfilt_alw_all missed packets"; return 1; }
	[ $((u1 - u0)) -ge "$QUERIES" ] || { fail "xdpfilt_alw_udp missed packets"; return 1; }
	nsenter --net="/run/netns/$NS_SRV" xdp-loader unload -a "$IF_SRV" ||
		{ fail "xdp-loader unload"; return 1; }
}

# An operator's program is there first; nameserved joins it under the dispatcher.
test_beside_another() {
	local all st id

	[ "$DISPATCHER" != no ] || return $ksft_skip
	all=$(xdpfilt_obj alw_all) || return $ksft_skip
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	load_other "$all" 10 || return
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" --xdp-mode native ||
		{ fail "nameserved did not start beside xdpfilt_alw_all"; return 1; }
	st=$(srv_status)
	echo "$st"
	[ "$(components "$st" | wc -l)" -eq 2 ] || { fail "not two programs under the dispatcher"; return 1; }
	[ -n "$(prog_id "$st" xdp_dns)" ] || { fail "xdp_dns not under the dispatcher"; return 1; }
	id=$(prog_id "$st" xdpfilt_alw_all)
	[ -n "$id" ] || { fail "xdpfilt_alw_all left the dispatcher"; return 1; }
	answered_by_xdp "$id" || return 1
	after_stop xdpfilt_alw_all
}

# nameserved is there first; an operator's program joins later, ahead of it, and the
# dispatcher libxdp rebuilds keeps nameserved's program and its maps.
test_another_joins() {
	local all st id

	need_dispatcher || return
	all=$(xdpfilt_obj alw_all) || return $ksft_skip
	setup_pair || { fail "cannot create the namespace pair"; return 1; }
	start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" --xdp-mode native ||
		{ fail "nameserved did not start"; return 1; }
	load_other "$all" 10 || return
	st=$(srv_status)
	echo "$st"
	[ -n "$(prog_id "$st" xdp_dns)" ] || { fail "xdp_dns left the dispatcher"; return 1; }
	id=$(prog_id "$st" xdpfilt_alw_all)
	[ -n "$id" ] || { fail "xdpfilt_alw_all not under the dispatcher"; return 1; }
	answered_by_xdp "$id" || return 1
	after_stop xdpfilt_alw_all
}

require_env
for bin in xdp-loader bpftool; do
	command -v "$bin" >/dev/null || { echo "SKIP: $(basename "$0"): $bin not installed"; exit $ksft_skip; }
done
run_tests
rc=$?
# Every test needs the dispatcher: without it they all skipped.
[ "$rc" -eq 0 ] && [ "$DISPATCHER" = no ] && exit $ksft_skip
exit $rc
