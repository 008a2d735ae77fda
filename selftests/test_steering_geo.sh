#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Geo answers through a real veth. The client namespace has addresses in
# three 198.18.x.0/24 subnets (and two IPv6 ones); a policy's CIDR rules map
# them to regions, and queries from each source get their region's record from
# the XDP program (its `answered` counter rises) and from the engine over TCP.
# With --geoip and MaxMind's test database, queries carrying an EDNS Client
# Subnet go to the engine (pass_edns) and get the record of the subnet's
# continent or country, with the database network's length as ECS scope; an
# answer that does not depend on location has scope 0. The test database's
# networks appear only inside ECS options, never on an interface.

ALL_TESTS="
	test_geo_cidr_xdp
	test_geo_cidr_tcp
	test_geo_cidr_ecs
	test_geoip_ecs
	test_geoip_xdp_default
"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/steer_lib.sh"

G1=198.18.100.1
G2=198.18.100.2
G3=198.18.100.3
EU=198.18.100.11
JP=198.18.100.12
DEF=198.18.100.13
PLAIN=198.18.100.20

# make exports NAMESERVE_GEO_DIR; run by hand, look beside the checkout (or
# beside the directory of worktrees).
GEO_DIR=${NAMESERVE_GEO_DIR:-$TOP/../shared/geo}
[ -d "$GEO_DIR" ] || GEO_DIR=$TOP/../../shared/geo
GEO_DB=$GEO_DIR/GeoIP2-Country-Test.mmdb

# The client's sources: subnet 1 and 2 have rules, 3 has none.
CLI_SRC1=198.18.1.2
CLI_SRC2=198.18.2.2
CLI_SRC3=198.18.3.2
CLI_SRC6_1=2001:db8:1::2
CLI_SRC6_2=2001:db8:2::2

setup_sources() {
	local a

	[ -e "$WORKDIR/sources" ] && return 0
	setup_pair || return 1
	for a in "$CLI_SRC1" "$CLI_SRC2" "$CLI_SRC3"; do
		ip -n "$NS_CLI" addr add "$a/24" dev "$IF_CLI" || return 1
		ip -n "$NS_SRV" route add "${a%.*}.0/24" dev "$IF_SRV" || return 1
	done
	for a in "$CLI_SRC6_1" "$CLI_SRC6_2"; do
		ip -n "$NS_CLI" addr add "$a/64" dev "$IF_CLI" nodad || return 1
		ip -n "$NS_SRV" route add "${a%::*}::/64" dev "$IF_SRV" || return 1
	done
	touch "$WORKDIR/sources"
}

ensure_geo() {
	setup_sources || { fail "cannot add the client's addresses"; return 1; }
	ensure_steer || return 1
	[ -e "$WORKDIR/geo" ] && return 0
	nsctl_ok rrset set "$ZONE_NAME" geo A "$G1" "$G2" "$G3" \
		--geo "cidr:198.18.1.0/24+2001:db8:1::/48=$G1" \
		--geo "cidr:198.18.2.0/24=$G2" --geo "default=$G3" || return 1
	nsctl_ok rrset set "$ZONE_NAME" plain A "$PLAIN" || return 1
	touch "$WORKDIR/geo"
}

# from SOURCE SERVER WANT [--tcp]: 50 queries (20 over TCP) from SOURCE, each
# answered with WANT alone; over UDP all of them by XDP.
from() {
	local src=$1 server=$2 want=$3 proto=$4 n=50 a0 a1 res

	[ -n "$proto" ] && n=20
	a0=$(counter answered) || return 1
	# shellcheck disable=SC2086 # proto is one word or none
	res=$(steer_count $proto --source "$src" --server "$server" --name "geo.$ZONE_NAME" \
		--type A --count "$n" --inflight 8 --batch 10 --deadline 15) ||
		{ fail "steer_count: $res"; return 1; }
	a1=$(counter answered) || return 1
	check_all_sets "$res" "$n" "$want" "from $src ${proto:-udp}" || return 1
	if [ -z "$proto" ]; then
		[ $((a1 - a0)) -ge "$n" ] ||
			{ fail "from $src: XDP answered +$((a1 - a0)) of $n"; return 1; }
	fi
	log "from $src ${proto:-over XDP}: $want x$n"
}

test_geo_cidr_xdp() {
	ensure_geo || return 1
	from "$CLI_SRC1" "$SRV_IP4" "$G1" || return 1
	from "$CLI_SRC2" "$SRV_IP4" "$G2" || return 1
	from "$CLI_SRC3" "$SRV_IP4" "$G3" || return 1
	from "$CLI_IP4" "$SRV_IP4" "$G3" || return 1
	from "$CLI_SRC6_1" "$SRV_IP6" "$G1" || return 1
	from "$CLI_SRC6_2" "$SRV_IP6" "$G3" || return 1
}

test_geo_cidr_tcp() {
	ensure_geo || return 1
	from "$CLI_SRC1" "$SRV_IP4" "$G1" --tcp || return 1
	from "$CLI_SRC2" "$SRV_IP4" "$G2" --tcp || return 1
	from "$CLI_SRC3" "$SRV_IP4" "$G3" --tcp || return 1
	from "$CLI_SRC6_1" "$SRV_IP6" "$G1" --tcp || return 1
	from "$CLI_SRC6_2" "$SRV_IP6" "$G3" --tcp || return 1
}

# ecs NAME SUBNET WANT [SCOPE]: one query with that client subnet, from the
# client's main address, answered by the engine (pass_edns +1) with WANT
# alone; the reply's ECS option echoes SUBNET with scope SCOPE ("-": any).
# ECS_SCOPE gets the scope.
ecs() {
	local name=$1 subnet=$2 want=$3 scope=${4:--} e0 e1 out got

	e0=$(counter pass_edns) || return 1
	out=$(query "$SRV_IP4" "$name.$ZONE_NAME" A "+subnet=$subnet") ||
		{ fail "kdig +subnet=$subnet: $out"; return 1; }
	e1=$(counter pass_edns) || return 1
	[ $((e1 - e0)) -eq 1 ] || { fail "ECS query not passed up: pass_edns +$((e1 - e0))"; return 1; }
	got=$(sed -n '/ANSWER SECTION:/,/^$/p' <<<"$out" | awk 'NF >= 5 && $1 !~ /^;;/ {print $NF}' |
		sort | tr '\n' ' ' | sed 's/ *$//')
	[ "$got" = "$want" ] || { fail "$name +subnet=$subnet: '$got', expected '$want': $out"
				  return 1; }
	# kdig: "; CLIENT-SUBNET: ADDR/SOURCE/SCOPE"
	[[ $out =~ CLIENT-SUBNET:\ ([^/]+)/([0-9]+)/([0-9]+) ]] ||
		{ fail "$name +subnet=$subnet: no ECS option in the reply: $out"; return 1; }
	ECS_SCOPE=${BASH_REMATCH[3]}
	[ "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}" = "$subnet" ] ||
		{ fail "ECS echoed as ${BASH_REMATCH[1]}/${BASH_REMATCH[2]}, sent $subnet"; return 1; }
	if [ "$scope" != - ] && [ "$ECS_SCOPE" != "$scope" ]; then
		fail "$name +subnet=$subnet: scope $ECS_SCOPE, expected $scope"
		return 1
	fi
	log "$name +subnet=$subnet: $got, scope $ECS_SCOPE"
}

# The engine takes the client from ECS, not from the source address.
test_geo_cidr_ecs() {
	ensure_geo || return 1
	ecs geo 198.18.1.0/24 "$G1" 24 || return 1
	ecs geo 198.18.2.0/24 "$G2" 24 || return 1
	ecs geo 2001:db8:1::/48 "$G1" 48 || return 1
	ecs geo 198.18.3.0/24 "$G3" || return 1
	ecs plain 198.18.1.0/24 "$PLAIN" 0 || return 1
}

ensure_geoip() {
	if [ ! -r "$GEO_DB" ]; then
		echo "    no $GEO_DB (set NAMESERVE_GEO_DIR)"
		return $ksft_skip
	fi
	[ -e "$WORKDIR/geoip" ] && return 0
	setup_sources || return 1
	if [ -n "$DAEMON_PID" ]; then
		stop_daemon || return 1
	fi
	steer_start --geoip "$GEO_DB" || return 1
	nsctl_ok rrset set "$ZONE_NAME" cc A "$EU" "$JP" "$DEF" \
		--geo "continent:EU=$EU" --geo "country:JP=$JP" --geo "default=$DEF" || return 1
	nsctl_ok rrset set "$ZONE_NAME" plain A "$PLAIN" || return 1
	touch "$WORKDIR/geoip"
}

# The database says 81.2.69.160/27 is GB (EU), 2001:218::/32 JP and
# 2a02:d180::/29 DE (EU); the scope is the length of the network it found.
test_geoip_ecs() {
	local r

	ensure_geoip || return
	for r in 81.2.69.160 2001:218:: 2a02:d180::; do
		log "mmdblookup $r: $(mmdblookup --file "$GEO_DB" --ip "$r" country iso_code 2>/dev/null |
			tr -d '\n' | sed 's/  */ /g')"
	done
	ecs cc 81.2.69.160/27 "$EU" 27 || return 1
	ecs cc 81.2.69.160/32 "$EU" 27 || return 1
	ecs cc 2001:218::/32 "$JP" 32 || return 1
	ecs cc 2a02:d180::/29 "$EU" 29 || return 1
	ecs cc 198.18.5.0/24 "$DEF" || return 1
	ecs cc 2001:db8:5::/48 "$DEF" || return 1
	ecs plain 81.2.69.160/27 "$PLAIN" 0 || return 1
	# The CIDR rules still win over the database (nothing in it for 198.18/15).
	ecs geo 198.18.1.0/24 "$G1" || return 1
}

# Without ECS the fast path resolves the source address, which the database
# does not know: the default region, from XDP.
test_geoip_xdp_default() {
	ensure_geoip || return
	xdp_set "cc.$ZONE_NAME" A "$DEF" 20 || return 1
	ensure_geo || return 1
	from "$CLI_SRC1" "$SRV_IP4" "$G1" || return 1
}

require_api_env
command -v mmdblookup >/dev/null || log "(mmdblookup missing: the database is not described)"
run_tests
