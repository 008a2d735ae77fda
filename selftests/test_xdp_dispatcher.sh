#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# XDP programs sharing one interface through libxdp's dispatcher: two of xdp-tools' programs,
# then nameserved's beside another. Needs the BPF ext program type (6.1 has it); SKIP without.
#
# TESTS="dispatcher_shared dispatcher_nameserved" selects; BUILD= points at the binaries.

ksft_skip=4
ALL_TESTS="dispatcher_shared dispatcher_nameserved"
TESTS=${TESTS:-$ALL_TESTS}

top=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${BUILD:-$top/build}
QUERIES=5			# each must be answered, so keep it small: TCG is slow
READY_TIMEOUT=60		# seconds for nameserved to load and sync under TCG

sfx=$(printf '%04x%04x' $RANDOM $RANDOM)
ns_cli=dsp-cli-$sfx
ns_srv=dsp-srv-$sfx
veth_cli=dcli$sfx
veth_srv=dsrv$sfx
ip_cli=198.18.0.1
ip_srv=198.18.0.2
tmp=
daemon_pid=

log()	{ printf '%s\n' "$*"; }
fail()	{ printf 'FAIL: %s\n' "$*"; return 1; }

cleanup_test()
{
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	ip netns del "$ns_cli" 2>/dev/null
	ip netns del "$ns_srv" 2>/dev/null
	[ -z "$tmp" ] || rm -rf "$tmp"
}

trap cleanup_test EXIT

in_srv() { nsenter --net="/run/netns/$ns_srv" "$@"; }
in_cli() { nsenter --net="/run/netns/$ns_cli" "$@"; }

# Where xdp-tools installed its BPF objects (multiarch on Debian).
xdpfilt_obj()
{
	local f

	for f in /usr/lib/*/bpf/xdpfilt_"$1".o /usr/lib/bpf/xdpfilt_"$1".o \
		 /usr/local/lib/bpf/xdpfilt_"$1".o; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# A fresh pair of namespaces joined by a veth, addresses from 198.18.0.0/15 only.
setup_net()
{
	ip netns del "$ns_cli" 2>/dev/null
	ip netns del "$ns_srv" 2>/dev/null
	ip netns add "$ns_cli" && ip netns add "$ns_srv" &&
	ip link add "$veth_cli" netns "$ns_cli" type veth peer name "$veth_srv" netns "$ns_srv" &&
	ip -n "$ns_cli" addr add "$ip_cli/24" dev "$veth_cli" &&
	ip -n "$ns_srv" addr add "$ip_srv/24" dev "$veth_srv" &&
	ip -n "$ns_cli" link set lo up && ip -n "$ns_srv" link set lo up &&
	ip -n "$ns_cli" link set "$veth_cli" up && ip -n "$ns_srv" link set "$veth_srv" up ||
		{ fail "cannot set up $ns_cli/$ns_srv"; return 1; }
	# A veth delivers XDP_TX frames only to a peer with NAPI, which GRO turns on.
	in_cli ethtool -K "$veth_cli" gro on >/dev/null ||
		{ fail "ethtool -K $veth_cli gro on"; return 1; }
}

status_srv() { in_srv xdp-loader status "$veth_srv"; }

# The dispatcher's component programs in one `xdp-loader status` output, "NAME ID" per line.
components()
{
	awk '$1 == "=>" { print $3, $4 }' <<<"$1"
}

# Loads one of xdp-tools' programs; without the ext program type libxdp attaches it alone,
# not under a dispatcher, and there is nothing to test.
load_first()
{
	local st

	in_srv xdp-loader load -m native -P "$2" "$veth_srv" "$1" || { fail "load $1"; return 1; }
	st=$(status_srv)
	if ! grep -q "^$veth_srv .*xdp_dispatcher .*native" <<<"$st"; then
		log "$st"
		log "SKIP: libxdp attached without its dispatcher: kernel $(uname -r) lacks the BPF" \
		    "ext program type"
		return $ksft_skip
	fi
}

# Packets an xdp-filter program passed, from its per-CPU xdp_stats_map (key 2: XDP_PASS).
# The dispatcher calls its programs through freplace, which bpf_stats' run_cnt does not count.
passed_by()
{
	local ids mid

	ids=$(bpftool prog show id "$1" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr ',' ' ')
	mid=$(bpftool map show | awk -F: -v ids=" $ids " \
	      '/ name xdp_stats_map / && index(ids, " " $1 " ") { print $1 }')
	[ -n "$mid" ] || return 1
	bpftool map lookup id "$mid" key 2 0 0 0 |
		awk '/"rx_packets"/ { gsub(/[^0-9]/, "", $2); n += $2 } END { print n + 0 }'
}

# Sends $QUERIES small UDP datagrams from the client to the server's discard port.
send_udp()
{
	in_cli bash -c "for ((i = 0; i < $QUERIES; i++)); do echo probe >/dev/udp/$ip_srv/9; done"
}

dispatcher_shared()
{
	local all udp st comps id_all id_udp before_all before_udp after_all after_udp r

	all=$(xdpfilt_obj alw_all) && udp=$(xdpfilt_obj alw_udp) ||
		{ log "SKIP: xdp-tools' xdpfilt_alw_all.o/xdpfilt_alw_udp.o not found"; return $ksft_skip; }
	setup_net || return 1
	load_first "$all" 10 || return
	in_srv xdp-loader load -m native -P 20 "$veth_srv" "$udp" || { fail "load $udp"; return 1; }
	st=$(status_srv)
	log "$st"
	comps=$(components "$st")
	id_all=$(awk '$1 == "xdpfilt_alw_all" { print $2 }' <<<"$comps")
	id_udp=$(awk '$1 == "xdpfilt_alw_udp" { print $2 }' <<<"$comps")
	[ -n "$id_all" ] && [ -n "$id_udp" ] ||
		{ fail "the dispatcher does not hold both programs"; return 1; }

	# Both must run for each packet: the first passes it on to the second.
	before_all=$(passed_by "$id_all") && before_udp=$(passed_by "$id_udp") ||
		{ fail "no xdp_stats_map"; return 1; }
	send_udp || { fail "sending UDP to $ip_srv"; return 1; }
	after_all=$(passed_by "$id_all") after_udp=$(passed_by "$id_udp")
	log "passed: xdpfilt_alw_all $before_all -> $after_all, xdpfilt_alw_udp $before_udp -> $after_udp"
	((after_all - before_all >= QUERIES)) || { fail "xdpfilt_alw_all did not see the packets"; return 1; }
	((after_udp - before_udp >= QUERIES)) || { fail "xdpfilt_alw_udp did not see the packets"; return 1; }
	return 0
}

# The first "answered" counter in nsctl's JSON.
answered()
{
	"$BUILD/nsctl" stats --instance "$1" --json |
		sed -n 's/.*"answered"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1 | grep .
}

dispatcher_nameserved()
{
	local all inst=dsp$sfx zone dlog st comps id_all i f out before after runs_before runs_after

	for f in "$BUILD/nameserved" "$BUILD/nsctl"; do
		[ -x "$f" ] || { log "SKIP: $f not built"; return $ksft_skip; }
	done
	command -v kdig >/dev/null || { log "SKIP: kdig not installed"; return $ksft_skip; }
	all=$(xdpfilt_obj alw_all) || { log "SKIP: xdpfilt_alw_all.o not found"; return $ksft_skip; }
	setup_net || return 1

	tmp=$(mktemp -d)
	zone=$tmp/example.test.zone
	dlog=$tmp/nameserved.log
	cat >"$zone" <<-EOF
	\$ORIGIN example.test.
	\$TTL 300
	@	IN SOA	ns1 hostmaster 1 3600 600 86400 300
	@	IN NS	ns1
	ns1	IN A	$ip_srv
	www	IN A	198.18.1.10
	EOF

	# Another XDP program first, ahead of ours, as an operator's filter would be.
	load_first "$all" 10 || return
	in_srv "$BUILD/nameserved" --listen "$ip_srv" --zone "$zone" --xdp "$veth_srv" \
		--xdp-mode native --instance "$inst" >"$dlog" 2>&1 &
	daemon_pid=$!
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		grep -q 'nameserved: ready' "$dlog" && break
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'nameserved: ready' "$dlog"; then
		# The loader's log carries the verifier's when the kernel refuses the program.
		cat "$dlog"
		fail "nameserved did not get ready"
		return 1
	fi
	st=$(status_srv)
	log "$st"
	comps=$(components "$st")
	[ "$(wc -l <<<"$comps")" = 2 ] || { fail "expected 2 programs under the dispatcher"; return 1; }
	id_all=$(awk '$1 == "xdpfilt_alw_all" { print $2 }' <<<"$comps")
	[ -n "$id_all" ] || { fail "xdpfilt_alw_all left the dispatcher"; return 1; }

	before=$(answered "$inst") || { fail "nsctl stats --instance $inst --json: no answered"; return 1; }
	runs_before=$(passed_by "$id_all") || { fail "no xdp_stats_map"; return 1; }
	for ((i = 0; i < QUERIES; i++)); do
		out=$(in_cli kdig +retry=0 +time=5 +short @"$ip_srv" www.example.test A) ||
			{ fail "kdig: no answer"; return 1; }
		[ "$out" = 198.18.1.10 ] || { fail "kdig: www.example.test A: '$out'"; return 1; }
	done
	after=$(answered "$inst")
	runs_after=$(passed_by "$id_all")
	log "answered by XDP: $before -> $after; passed by xdpfilt_alw_all: $runs_before -> $runs_after"
	((after - before >= QUERIES)) || { fail "the XDP program did not answer the queries"; return 1; }
	((runs_after - runs_before >= QUERIES)) ||
		{ fail "the other program did not see the queries"; return 1; }

	# Leaving must take only our program off: the operator's stays.
	kill "$daemon_pid"
	wait "$daemon_pid"
	daemon_pid=
	comps=$(components "$(status_srv)")
	log "after nameserved exited: $(tr '\n' ' ' <<<"$comps")"
	[ "$(awk '{ print $1 }' <<<"$comps")" = xdpfilt_alw_all ] ||
		{ fail "nameserved's exit did not leave xdpfilt_alw_all alone"; return 1; }
	return 0
}

[ "$(id -u)" = 0 ] || { log "SKIP: needs root"; exit $ksft_skip; }
for t in xdp-loader bpftool ethtool nsenter; do
	command -v $t >/dev/null || { log "SKIP: $t not installed"; exit $ksft_skip; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || { log "FAIL: no bpffs"; exit 1; }

rc=0 passed=0 skipped=0
for t in $TESTS; do
	case " $ALL_TESTS " in *" $t "*) ;; *) log "FAIL: unknown test $t"; rc=1; continue ;; esac
	log "# $t"
	(trap cleanup_test EXIT; $t)
	r=$?
	case $r in
	0)		log "PASS: $t"; passed=$((passed + 1)) ;;
	"$ksft_skip")	log "SKIP: $t"; skipped=$((skipped + 1)) ;;
	*)		log "FAIL: $t"; rc=1 ;;
	esac
done
[ $rc = 0 ] && [ $passed = 0 ] && [ $skipped -gt 0 ] && exit $ksft_skip
exit $rc
