#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The control plane under load: N small zones in the store (default 100,000,
# loaded by build/bench/api_bulk in batches, not through HTTP), nameserved with
# XDP on a veth, then from the client namespace over HTTP/1.1 keep-alive:
#   - sequential single-RRset PUTs per second (each one fsync'd commit);
#   - the time from a PUT's reply to the first UDP answer carrying the new
#     address, and that the XDP program answered it (its counters say).
# Usage: bench/api.sh [ZONES [WRITES [SAMPLES]]]

set -u
ZONES=${1:-100000}
WRITES=${2:-1000}
SAMPLES=${3:-500}

source "$(dirname "$0")/../selftests/lib.sh"
BULK=$BUILD/bench/api_bulk
API_PORT=8053

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/api.sh: needs root" >&2
	exit 1
fi
for f in "$BULK" "$NAMESERVED" "$NSCTL"; do
	[ -x "$f" ] || { echo "bench/api.sh: $f missing (run make)" >&2; exit 1; }
done

echo "== machine: $(nproc) CPUs, $(uname -r), $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo), store on $(df --output=source,fstype "$WORKDIR" | tail -1)"
setup_pair || exit 1

echo "== loading $ZONES zones into the store"
"$BULK" "$WORKDIR/state" "$ZONES" || exit 1
echo "   store: $(du -sh "$WORKDIR/state/data.mdb" | cut -f1) on disk"

DAEMON_LOG=$WORKDIR/nameserved.log
t0=$(date +%s.%N)
nsenter --net="/run/netns/$NS_SRV" "$NAMESERVED" --instance "$INSTANCE" --listen "$SRV_IP4" \
	--xdp "$IF_SRV" --state-dir "$WORKDIR/state" --api "$SRV_IP4:$API_PORT" \
	--default-ns ns1.bench.net >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
DAEMON_PIDS+=("$DAEMON_PID")
echo "$DAEMON_PID" >>"$WORKDIR/pids"
for _ in $(seq 1200); do
	grep -q 'nameserved: ready' "$DAEMON_LOG" && break
	kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$DAEMON_LOG"; exit 1; }
	sleep 0.1
done
grep -q 'nameserved: ready' "$DAEMON_LOG" || { echo "not ready after 120 s"; exit 1; }
t1=$(date +%s.%N)
echo "== nameserved ready in $(echo "$t1 - $t0" | bc) s: $(grep -E 'zones loaded|answers installed' "$DAEMON_LOG" | sed 's/^/   /' | tr '\n' ' ')"
echo "   $(grep -E "RssAnon|RssFile" /proc/$DAEMON_PID/status | tr -s " \t" " " | tr "\n" " ")"
echo "   VmRSS $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$DAEMON_PID/status"), VmHWM $(awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$DAEMON_PID/status")"
TOKEN=$(cat "$WORKDIR/state/admin.token")
a0=$(counter answered)

ip netns exec "$NS_CLI" python3 - "$SRV_IP4" "$API_PORT" "$TOKEN" "$ZONES" "$WRITES" \
	"$SAMPLES" >"$WORKDIR/client.out" <<'EOF_PY' || { cat "$WORKDIR/client.out"; exit 1; }
import http.client, json, random, socket, struct, sys, time

srv, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
zones, writes, samples = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
hdrs = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
conn = http.client.HTTPConnection(srv, port, timeout=10)
seq = 0

def put(zone, addr):
    body = json.dumps({"ttl": 60, "records": [addr]})
    conn.request("PUT", "/v1/zones/%s/rrsets/www/A" % zone, body, hdrs)
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("PUT %s: %d %s" % (zone, r.status, data))

def addr_of(i):
    return "198.19.%d.%d" % ((i // 250) % 250, i % 250 + 1)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect((srv, 53))
sock.settimeout(0.5)

def query(name):
    global seq
    seq = (seq + 1) & 0xffff
    q = struct.pack(">HHHHHH", seq, 0, 1, 0, 0, 0)
    for l in name.split("."):
        q += bytes([len(l)]) + l.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    sock.send(q)
    while True:
        r = sock.recv(4096)
        if struct.unpack(">H", r[:2])[0] == seq:
            break
    an = struct.unpack(">H", r[6:8])[0]
    return socket.inet_ntoa(r[-4:]) if an == 1 and r[-6:-4] == b"\0\4" else None

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]

# Sequential PUTs, one connection, each one committed (fsync) before its reply.
lat_put = []
t0 = time.perf_counter()
for i in range(writes):
    t = time.perf_counter()
    put("z%d.bench" % random.randrange(zones), addr_of(i))
    lat_put.append(time.perf_counter() - t)
el = time.perf_counter() - t0
print("writes %d %.1f %.3f %.3f %.3f" % (writes, writes / el, pct(lat_put, 50) * 1e3,
      pct(lat_put, 99) * 1e3, max(lat_put) * 1e3))

# Round trip of a query whose answer does not change: the floor of what follows.
rtt = []
for i in range(200):
    t = time.perf_counter()
    query("www.z0.bench")
    rtt.append(time.perf_counter() - t)
print("rtt %.1f %.1f" % (pct(rtt, 50) * 1e6, pct(rtt, 99) * 1e6))

# Change to answer: after each PUT's reply, query until the new address comes.
lat, tries, answered = [], 0, 0
for i in range(samples):
    z = "z%d.bench" % random.randrange(zones)
    a = addr_of(writes + i)
    put(z, a)
    t = time.perf_counter()
    while True:
        tries += 1
        got = query("www." + z)
        if got == a:
            break
        if time.perf_counter() - t > 5:
            sys.exit("www.%s: still %s 5 s after the reply" % (z, got))
    lat.append(time.perf_counter() - t)
    answered += 1
print("change %d %d %.1f %.1f %.1f %.1f" % (samples, tries, pct(lat, 50) * 1e6,
      pct(lat, 90) * 1e6, pct(lat, 99) * 1e6, max(lat) * 1e6))
EOF_PY
a1=$(counter answered)
read -r _ nw wps p50w p99w maxw < <(grep '^writes' "$WORKDIR/client.out")
read -r _ r50 r99 < <(grep '^rtt' "$WORKDIR/client.out")
read -r _ ns tries c50 c90 c99 cmax < <(grep '^change' "$WORKDIR/client.out")
echo "== API writes: $nw sequential single-RRset PUTs (keep-alive): $wps writes/s;" \
	"reply time p50 $p50w ms, p99 $p99w ms, max $maxw ms"
echo "== query round trip (unchanged name): p50 $r50 us, p99 $r99 us"
echo "== change to answer, $ns samples: from the PUT's reply to the new address answered:" \
	"p50 $c50 us, p90 $c90 us, p99 $c99 us, max $cmax us; $tries queries for $ns answers"
echo "   XDP answered $((a1 - a0)) of the $((200 + tries)) queries"
nsenter --net="/run/netns/$NS_SRV" curl -s "http://$SRV_IP4:$API_PORT/metrics" |
	grep -E '^nameserve_(zones|fastpath_map_entries|change_apply_seconds_(sum|count)) ' |
	sed 's/^/   /'
nsenter --net="/run/netns/$NS_SRV" curl -s "http://$SRV_IP4:$API_PORT/metrics" |
	awk '/change_apply_seconds_bucket/ {gsub(/.*le="|"}/, " "); print}' |
	awk '{printf "   apply <= %s s: %s\n", $1, $2}' | head -8
echo "   VmRSS after: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$DAEMON_PID/status")"
ts=$(date +%s.%N); stop_daemon; echo "   stopped in $(echo "$(date +%s.%N) - $ts" | bc) s"
