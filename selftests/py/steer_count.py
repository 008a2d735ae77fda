#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Asks one question many times, over UDP (a few hundred in flight) or TCP
# (pipelined), and prints as JSON how often each address was answered, how
# many records the answers carried, how many distinct orders came back and the
# ECS scopes seen, so a test can check a steering policy's distribution.
# Bounded: every query has a timeout and the whole run a deadline.
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnswire  # noqa: E402

ECS_CODE = 8


def ecs_option(subnet):
    addr, _, plen = subnet.partition("/")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    plen = int(plen) if plen else (128 if fam == socket.AF_INET6 else 32)
    raw = socket.inet_pton(fam, addr)[:(plen + 7) // 8]
    return (ECS_CODE, struct.pack("!HBB", 2 if fam == socket.AF_INET6 else 1, plen, 0) + raw)


class Tally:
    def __init__(self, qtype):
        self.qtype = dnswire.type_code(qtype)
        self.counts = {}
        self.sizes = {}
        self.orders = set()
        self.sets = set()
        self.rcodes = {}
        self.scopes = {}
        self.answered = 0
        self.bad = 0
        self.first = None

    def add(self, data):
        try:
            m = dnswire.Message(data)
        except dnswire.ParseError:
            self.bad += 1
            return
        self.answered += 1
        rc = dnswire.RCODES.get(m.rcode, str(m.rcode))
        self.rcodes[rc] = self.rcodes.get(rc, 0) + 1
        addrs = []
        for r in m.sections[0] if m.sections else []:
            if r.rtype == self.qtype:
                addrs.append(r.text().split()[-1])
        for a in addrs:
            self.counts[a] = self.counts.get(a, 0) + 1
        self.sizes[len(addrs)] = self.sizes.get(len(addrs), 0) + 1
        self.orders.add(tuple(addrs))
        self.sets.add(tuple(sorted(addrs)))
        if m.opt:
            for code, val in m.opt[4]:
                if code == ECS_CODE and len(val) >= 4:
                    s = str(val[3])
                    self.scopes[s] = self.scopes.get(s, 0) + 1
        if self.first is None:
            self.first = addrs

    def result(self, sent, lost, secs):
        return {"sent": sent, "answered": self.answered, "lost": lost, "unparsed": self.bad,
                "seconds": round(secs, 3), "counts": self.counts,
                "sizes": {str(k): v for k, v in self.sizes.items()},
                "orders": len(self.orders), "sets": len(self.sets),
                "max_records": max(self.sizes) if self.sizes else 0,
                "rcodes": self.rcodes, "scopes": self.scopes, "first": self.first}


def make_query(args, qid):
    edns = None
    if args.ecs:
        edns = {"options": [ecs_option(args.ecs)]}
    return dnswire.query(args.name, args.type, qid=qid, edns=edns)


def new_socket(args, kind):
    fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    s = socket.socket(fam, kind)
    if args.source:
        s.bind((args.source, 0))
    return s


def run_udp(args, tally, deadline):
    socks = []
    for _ in range(args.sockets):
        s = new_socket(args, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.connect((args.server, args.port))
        s.setblocking(False)
        socks.append(s)
    by_fd = {s.fileno(): i for i, s in enumerate(socks)}
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    pending = {}		# (socket index, id) -> time sent
    sent = lost = 0
    # Ids are unique per socket as long as count < 65536 * sockets.
    while (sent < args.count or pending) and time.monotonic() < deadline:
        while sent < args.count and len(pending) < args.inflight:
            si, qid = sent % len(socks), (sent // len(socks)) & 0xFFFF
            try:
                socks[si].send(make_query(args, qid))
            except BlockingIOError:
                break
            pending[(si, qid)] = time.monotonic()
            sent += 1
        for fd, _ev in poller.poll(20):
            si = by_fd[fd]
            while True:
                try:
                    data = socks[si].recv(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if len(data) < 2:
                    continue
                key = (si, struct.unpack("!H", data[:2])[0])
                if pending.pop(key, None) is not None:
                    tally.add(data)
        now = time.monotonic()
        for key in [k for k, t in pending.items() if now - t > args.timeout]:
            del pending[key]
            lost += 1
    lost += len(pending) + (args.count - sent)
    for s in socks:
        s.close()
    return sent, lost


def recv_exact(s, n, deadline):
    buf = b""
    while len(buf) < n:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def run_tcp(args, tally, deadline):
    """Batches of `batch` pipelined queries per connection, a new connection
    when the server closes one."""
    sent = lost = 0
    s = None
    while sent < args.count and time.monotonic() < deadline:
        n = min(args.batch, args.count - sent)
        got = 0
        try:
            if s is None:
                s = new_socket(args, socket.SOCK_STREAM)
                s.settimeout(args.timeout)
                s.connect((args.server, args.port))
            wire = b""
            for i in range(n):
                q = make_query(args, (sent + i) & 0xFFFF)
                wire += struct.pack("!H", len(q)) + q
            s.sendall(wire)
            t_end = min(deadline, time.monotonic() + args.timeout)
            while got < n:
                ln = struct.unpack("!H", recv_exact(s, 2, t_end))[0]
                tally.add(recv_exact(s, ln, t_end))
                got += 1
        except (OSError, ConnectionError):
            lost += n - got
            if s is not None:
                s.close()
            s = None
        sent += n
    if s is not None:
        s.close()
    return sent, lost + (args.count - sent)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--name", required=True)
    ap.add_argument("--type", default="A")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--inflight", type=int, default=256)
    ap.add_argument("--sockets", type=int, default=8)
    ap.add_argument("--batch", type=int, default=50, help="TCP queries per pipelined batch")
    ap.add_argument("--timeout", type=float, default=2.0, help="seconds per query")
    ap.add_argument("--deadline", type=float, default=30.0, help="seconds for the whole run")
    ap.add_argument("--source", help="source address to bind")
    ap.add_argument("--ecs", help="EDNS Client Subnet ADDR/LEN to send")
    args = ap.parse_args()
    tally = Tally(args.type)
    t0 = time.monotonic()
    run = run_tcp if args.tcp else run_udp
    sent, lost = run(args, tally, t0 + args.deadline)
    json.dump(tally.result(sent, lost, time.monotonic() - t0), sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
