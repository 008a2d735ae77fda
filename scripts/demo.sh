#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: nameserved with the demo zone in a network namespace, XDP
# attached natively to its veth, queried from a second namespace; prints the
# answers and the fast path's counters, then removes everything it made.
set -u

source "$(dirname "$0")/../selftests/lib.sh"
INSTANCE=demo-$SUFFIX

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces and XDP)" >&2
	exit 1
fi
for f in "$NAMESERVED" "$NSCTL" "$XDP_PASS_OBJ"; do
	[ -e "$f" ] || { echo "demo: $f missing: run make first" >&2; exit 1; }
done
DIG=$(command -v kdig || command -v dig) || { echo "demo: needs kdig or dig" >&2; exit 1; }


# show [TOOL] ARGS...: prints the query as typed, runs it from the client
# namespace and says which path answered, from the XDP counter's move.
show() {
	local tool=$DIG a0 a1 once=(+retry=0 +timeout=2)

	case $1 in
	dig|kdig) tool=$(command -v "$1"); shift ;;
	esac
	[ "$(basename "$tool")" = dig ] && once=(+tries=1 +timeout=2)
	echo "\$ $(basename "$tool") $*"
	a0=$(counter answered)
	ip netns exec "$NS_CLI" "$tool" "$@" "${once[@]}" 2>&1 | sed 's/^/  /'
	a1=$(counter answered)
	if [ "$a1" -gt "$a0" ]; then
		echo "  -> answered by the XDP program"
	else
		echo "  -> passed up, answered by nameserved"
	fi
	echo
}

setup_pair || { echo "demo: cannot create the namespaces" >&2; exit 1; }
start_daemon --listen "$SRV_IP4" --listen "$SRV_IP6" --xdp "$IF_SRV" ||
	{ echo "demo: nameserved did not start" >&2; exit 1; }

echo "== nameserved (pid $DAEMON_PID) serves $DEMO_ZONE"
echo "   on $SRV_IP4 and $SRV_IP6 in namespace $NS_SRV, XDP on $IF_SRV;"
echo "   queries come from namespace $NS_CLI."
echo
show @"$SRV_IP4" www.demo.example A +short
show @"$SRV_IP6" www.demo.example AAAA +short
show @"$SRV_IP4" api.demo.example A +short
# dig keeps the letter case it was given (kdig lower-cases it): the reply echoes it.
if command -v dig >/dev/null; then
	show dig @"$SRV_IP4" WwW.DeMo.ExAmPlE A +noall +question +answer +nocmd
fi
show @"$SRV_IP4" demo.example MX +short
show @"$SRV_IP4" docs.demo.example A +noall +answer
show @"$SRV_IP4" nosuch.demo.example A +noall +header +authority
show @"$SRV_IP4" www.demo.example A +tcp +short

echo "== nsctl stats --instance $INSTANCE"
echo "   answered: replies sent by the XDP program; pass_*: left to the daemon"
"$NSCTL" stats --instance "$INSTANCE" | sed 's/^/  /'
echo

stop_daemon || exit 1
echo "== stopped: XDP detached, pins removed, namespaces deleted on exit"
