#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Runs a command (an nsctl write), then asks one DNS question over UDP every few
# milliseconds until the reply is the expected one; prints, as JSON, how long
# the command took, how long after it returned the expected reply came, and
# what every poll got, so the caller can match the fast path's counters against
# the polls. Bounded in time.
import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
TYPES = {"A": 1, "AAAA": 28}


def query(name, qtype):
    qid = random.randrange(65536)
    msg = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    return qid, msg + b"\0" + struct.pack("!HH", qtype, 1)


def skip_name(buf, off):
    while True:
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def parse(buf, qid, qtype):
    """(rcode name, authoritative, sorted rdata of qtype in the answer section)"""
    rid, flags, qd, an = struct.unpack("!HHHH", buf[:8])
    if rid != qid or not flags & 0x8000:
        return None
    off = 12
    for _ in range(qd):
        off = skip_name(buf, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(buf, off)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        rdata = buf[off:off + rdlen]
        off += rdlen
        if rtype == qtype == 1:
            addrs.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == qtype == 28:
            addrs.append(socket.inet_ntop(socket.AF_INET6, rdata))
    return RCODES.get(flags & 15, str(flags & 15)), bool(flags & 0x0400), sorted(addrs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--type", default="A", choices=sorted(TYPES))
    ap.add_argument("--expect", action="append", default=[],
                    help="an address the answer must hold (repeat): exactly these")
    ap.add_argument("--expect-rcode", help="NXDOMAIN, or NOERROR with --expect none: NODATA")
    ap.add_argument("--interval-ms", type=float, default=2.0)
    ap.add_argument("--limit-s", type=float, default=5.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    qtype = TYPES[a.type]
    want_rcode = a.expect_rcode or "NOERROR"
    want = sorted(a.expect)

    family = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.connect((a.server, 53))
    sock.settimeout(0.2)

    t_cmd = time.monotonic()
    if cmd:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            print(json.dumps({"error": "command failed", "rc": done.returncode,
                              "stderr": done.stderr}))
            return 1
    t0 = time.monotonic()
    cmd_ms = round((t0 - t_cmd) * 1000, 3)
    polls = []
    while time.monotonic() - t0 < a.limit_s:
        qid, msg = query(a.name, qtype)
        sock.send(msg)
        got = None
        try:
            while got is None:
                got = parse(sock.recv(4096), qid, qtype)
        except socket.timeout:
            pass
        t1 = time.monotonic()
        if got is None:
            polls.append({"outcome": "timeout"})
        else:
            rcode, aa, addrs = got
            polls.append({"rcode": rcode, "aa": aa, "answer": addrs})
            # An answer from the zone is authoritative; REFUSED is not.
            if rcode == want_rcode and addrs == want and (aa or rcode == "REFUSED"):
                print(json.dumps({"ms": round((t1 - t0) * 1000, 3), "cmd_ms": cmd_ms,
                                  "polls": polls}))
                return 0
        time.sleep(a.interval_ms / 1000)
    print(json.dumps({"error": "no expected answer within %.1f s" % a.limit_s,
                      "polls": polls[-5:], "npolls": len(polls)}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
