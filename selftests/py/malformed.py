# SPDX-License-Identifier: GPL-2.0-only
# Malformed input against a running nameserved: every packet must get FORMERR
# (the question echoed when it could be parsed) or no reply at all, and a good
# query sent right after each one must still get the right answer. Over TCP:
# broken framing, a slow client that must not hold up others, and more
# connections than the server takes. Prints a count per category; exit status 1
# on the first broken promise of each category (all are run).
import argparse
import collections
import random
import resource
import select
import socket
import struct
import sys
import threading
import time

import dnswire as w

GOOD_NAME = "www.demo.example."
GOOD_ADDR = socket.inet_aton("198.18.0.11")
SEED = 20240601


class Checker:
    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.sock = socket.socket(self.fam, socket.SOCK_DGRAM)
        self.sock.connect((addr, port))
        self.marker_id = 0x4000
        self.stats = collections.OrderedDict()
        self.errors = []

    def stat(self, cat, what, n=1):
        c = self.stats.setdefault(cat, collections.Counter())
        c[what] += n

    def error(self, cat, text):
        self.stat(cat, "WRONG")
        if len(self.errors) < 50:
            self.errors.append("%s: %s" % (cat, text))

    def good_query(self):
        self.marker_id = 0x4000 + (self.marker_id + 1) % 0x4000
        return self.marker_id, w.query(GOOD_NAME, "A", qid=self.marker_id)

    @staticmethod
    def good_reply_ok(raw):
        """The one right answer to the good query, or why not."""
        try:
            m = w.Message(raw)
        except w.ParseError as e:
            return "unparsable: %s" % e
        if m.rcode != 0 or not m.flags & 0x400 or not m.flags & 0x8000:
            return "rcode %d flags %s" % (m.rcode, m.flag_names())
        ans = [(r.owner, r.rtype, r.rdata) for r in m.sections[0]]
        if ans != [(w.lower(w.name_to_wire(GOOD_NAME)), 1, GOOD_ADDR)]:
            return "answer %s" % [r.text() for r in m.sections[0]]
        return None

    def exchange(self, packets, timeout=2.0):
        """Sends packets then the good query on one socket; returns the replies
        that came before the good query's (the server answers one socket in
        order), or None when the good query got no right answer."""
        for p in packets:
            self.sock.send(p)
        mid, good = self.good_query()
        self.sock.send(good)
        replies = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            raw = self.sock.recv(65535)
            if len(raw) >= 2 and struct.unpack("!H", raw[:2])[0] == mid:
                err = self.good_reply_ok(raw)
                if err:
                    self.error("good-query", err)
                    return None
                return replies
            replies.append(raw)

    def check_reply(self, cat, desc, pkt, replies, expect, question):
        """expect: "drop", "formerr", "formerr|drop", or an rcode number."""
        if replies is None:
            self.error(cat, "%s: the good query after it got no right answer" % desc)
            return
        if len(replies) > 1:
            self.error(cat, "%s: %d replies" % (desc, len(replies)))
            return
        if not replies:
            if expect in ("drop", "formerr|drop"):
                self.stat(cat, "dropped")
            else:
                self.error(cat, "%s: no reply, expected %s" % (desc, expect))
            return
        raw = replies[0]
        if expect == "drop":
            self.error(cat, "%s: replied, expected a drop" % desc)
            return
        try:
            m = w.Message(raw)
        except w.ParseError as e:
            self.error(cat, "%s: unparsable reply: %s" % (desc, e))
            return
        why = self.reply_problem(m, pkt, expect, question)
        if why:
            self.error(cat, "%s: %s" % (desc, why))
        else:
            self.stat(cat, w.RCODES.get(m.rcode, str(m.rcode)))

    @staticmethod
    def reply_problem(m, pkt, expect, question):
        if m.id != struct.unpack("!H", pkt[:2])[0] or not m.flags & 0x8000:
            return "reply id/QR wrong"
        if m.trailing:
            return "%d trailing bytes in the reply" % m.trailing
        want = 1 if expect in ("formerr", "formerr|drop") else expect
        if m.rcode != want:
            return "rcode %s, expected %s" % (m.rcode, expect)
        if want == 1:
            if any(m.sections) or m.opt:
                return "records in a FORMERR"
            got = [q[0] for q in m.question]
            if question is not None and got != [question]:
                return "question not echoed: %s" % [g.hex() for g in got]
            if question is None and got:
                return "a question echoed that was not parsed"
        return None

    def case(self, cat, desc, pkt, expect="formerr", question=None):
        self.stat(cat, "sent")
        self.check_reply(cat, desc, pkt, self.exchange([pkt]), expect, question)


def hdr(qid=0xBAD0, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def question(name=GOOD_NAME, qtype=1):
    return w.name_to_wire(name) + struct.pack("!HH", qtype, 1)


def udp_cases(c):
    good = w.query(GOOD_NAME, "A", qid=0xBAD0)
    q = question()

    # Headers cut short: nothing to answer with.
    for n in range(12):
        c.case("short-header", "%d octets" % n, good[:n], "drop")
    c.case("short-header", "header only, QDCOUNT 1", good[:12])
    c.case("short-header", "QR=1 (a response)", hdr(flags=0x8000) + q, "drop")

    # The question runs out of the packet.
    c.case("past-end", "label longer than the rest", hdr() + b"\x0awww", "formerr")
    c.case("past-end", "63-octet label, 5 there", hdr() + b"\x3fabcde", "formerr")
    c.case("past-end", "no root label", hdr() + b"\x03www\x04demo\x07example")
    for cut in range(1, 5):
        c.case("past-end", "QTYPE/QCLASS short by %d" % cut, hdr() + q[:-cut])
    c.case("past-end", "record header past the end",
           hdr(ar=1) + q + b"\x00\x00\x01", question=q)
    c.case("past-end", "rdata past the end",
           hdr(ar=1) + q + b"\x00" + struct.pack("!HHIH", 1, 1, 0, 40) + bytes(4), question=q)
    c.case("past-end", "ANCOUNT 1, no record", hdr(an=1) + q, question=q)
    c.case("past-end", "ARCOUNT 65535, one OPT", hdr(ar=65535) + q + w.opt_rr(), question=q)
    c.case("past-end", "trailing octet", good + b"\x00", question=q)

    # Compression where nothing may point, and pointer loops.
    c.case("compression", "question is a self pointer", hdr() + b"\xc0\x0c\x00\x01\x00\x01")
    c.case("compression", "question points forward",
           hdr() + b"\xc0\x12\x00\x01\x00\x01" + b"\x03www\x00")
    c.case("compression", "question points into the header",
           hdr() + b"\x03www\xc0\x02\x00\x01\x00\x01")
    c.case("compression", "mutual pointers", hdr() + b"\xc0\x0e\xc0\x0c\x00\x01\x00\x01")
    c.case("compression", "label then self pointer",
           hdr() + b"\x03www\xc0\x10\x00\x01\x00\x01")
    c.case("compression", "truncated pointer", hdr() + b"\x03www\xc0")
    c.case("compression", "reserved label type 0x40", hdr() + b"\x41" + b"a" * 1 + b"\x00" +
           struct.pack("!HH", 1, 1))
    c.case("compression", "reserved label type 0x80", hdr() + b"\x81a\x00" +
           struct.pack("!HH", 1, 1))
    # In a record the engine skips, a pointer is not followed but must stay
    # inside the message and point back (RFC 1035 §4.1.4).
    c.case("compression", "record owner pointer cut", hdr(ar=1) + q + b"\xc0",
           question=q)
    here = 12 + len(q)
    rr = struct.pack("!HHIH", 1, 1, 0, 4) + bytes(4)
    c.case("compression", "record owner points at itself",
           hdr(ar=1) + q + struct.pack("!H", 0xC000 | here) + rr, question=q)
    c.case("compression", "record owner: label, pointer to it",
           hdr(ar=1) + q + b"\x01a" + struct.pack("!H", 0xC000 | here) + rr, question=q)
    c.case("compression", "record owner points forward",
           hdr(ar=1) + q + struct.pack("!H", 0xC000 | (here + 2)) + rr, question=q)
    c.case("compression", "record owner points back: fine",
           hdr(ar=1) + q + b"\xc0\x0c" + rr, 0, question=q)

    # QDCOUNT other than one.
    c.case("qdcount", "QDCOUNT 0, empty", hdr(qd=0))
    c.case("qdcount", "QDCOUNT 0, question there", hdr(qd=0) + q)
    c.case("qdcount", "QDCOUNT 2, two questions", hdr(qd=2) + q + q)
    c.case("qdcount", "QDCOUNT 2, one question", hdr(qd=2) + q)
    c.case("qdcount", "QDCOUNT 65535", hdr(qd=65535) + q)

    # Names too long.
    long_name = b"".join(b"\x3f" + b"a" * 63 for _ in range(4)) + b"\x00"	# 257
    c.case("long-name", "257-octet name", hdr() + long_name + struct.pack("!HH", 1, 1))
    n255 = b"".join(b"\x3f" + b"a" * 63 for _ in range(3)) + b"\x3d" + b"b" * 61 + b"\x00"
    assert len(n255) == 255
    q255 = n255 + struct.pack("!HH", 1, 1)
    c.case("long-name", "255-octet name is fine: REFUSED", hdr() + q255, 5, question=q255)
    c.case("long-name", "64-octet label", hdr() + b"\x40" + b"a" * 64 + b"\x00" +
           struct.pack("!HH", 1, 1))
    c.case("long-name", "many empty-ish labels past 255",
           hdr() + b"\x01a" * 130 + b"\x00" + struct.pack("!HH", 1, 1))

    # EDNS in the wrong places or with a broken RDATA.
    c.case("opt", "two OPTs", hdr(ar=2) + q + w.opt_rr() + w.opt_rr(), question=q)
    c.case("opt", "OPT in the answer section", hdr(an=1) + q + w.opt_rr(), question=q)
    c.case("opt", "OPT in the authority section", hdr(ns=1) + q + w.opt_rr(), question=q)
    c.case("opt", "OPT not owned by the root",
           hdr(ar=1) + q + w.opt_rr(owner=b"\x01a\x00"), question=q)
    c.case("opt", "OPT RDLENGTH past the end", hdr(ar=1) + q + w.opt_rr(rdlen=30), question=q)
    c.case("opt", "option longer than the RDATA",
           hdr(ar=1) + q + w.opt_rr()[:-2] + struct.pack("!HHHH", 4, 3, 10, 0), question=q)
    c.case("opt", "option header cut",
           hdr(ar=1) + q + w.opt_rr()[:-2] + struct.pack("!HH", 3, 0) + b"\x00", question=q)


def mutate(rng, pkt):
    p = bytearray(pkt)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if op == 0 and p:
            p[rng.randrange(len(p))] = rng.randrange(256)
        elif op == 1 and p:
            p[rng.randrange(len(p))] = rng.choice((0x00, 0x3F, 0x40, 0xC0, 0xFF))
        elif op == 2:
            del p[rng.randrange(len(p) + 1):]
        elif op == 3:
            at = rng.randrange(len(p) + 1)
            p[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 4 and len(p) >= 12:
            # a count field
            at = rng.choice((4, 6, 8, 10))
            p[at:at + 2] = struct.pack("!H", rng.choice((0, 1, 2, 255, 65535)))
        elif op == 5 and p:
            a = rng.randrange(len(p))
            p += p[a:a + rng.randint(1, 16)]
    return bytes(p)


def random_cases(c, count, deadline):
    """count random and count mutated packets, fixed seed, in batches followed by
    the good query; any reply must be a well-formed reply to the packet."""
    rng = random.Random(SEED)
    # Fixed IDs too, so that the same packets are sent every time.
    seeds = [w.query(GOOD_NAME, t, qid=0x5EED, edns=e)
             for t in ("A", "MX", "TXT", "ANY", "AAAA")
             for e in (None, {"size": 1232}, {"do": True, "options": [(3, b"")]})]
    seeds.append(w.query("nothere.demo.example.", "A", qid=0x5EED))
    seeds.append(w.query("docs.demo.example.", "A", qid=0x5EED, edns={"version": 1}))
    qid = 0x8000
    for cat, total in (("random", count), ("mutated", count)):
        done = 0
        while done < total:
            if time.monotonic() > deadline:
                c.error(cat, "time budget spent after %d packets" % done)
                return
            batch = {}
            pkts = []
            for _ in range(min(50, total - done)):
                if cat == "random":
                    p = bytes(rng.randrange(256) for _ in range(rng.choice(
                        (rng.randrange(12), rng.randrange(512)))))
                else:
                    p = mutate(rng, rng.choice(seeds))
                # A unique ID to tell the replies apart.
                if len(p) >= 2:
                    qid = 0x8000 + (qid + 1) % 0x8000
                    p = struct.pack("!H", qid) + p[2:]
                    batch[qid] = p
                pkts.append(p)
            c.stat(cat, "sent", len(pkts))
            replies = c.exchange(pkts)
            done += len(pkts)
            if replies is None:
                c.error(cat, "the good query after a batch got no right answer; batch: %s"
                        % [p.hex() for p in pkts[:50]])
                return
            seen = set()
            for raw in replies:
                rid = struct.unpack("!H", raw[:2])[0] if len(raw) >= 2 else None
                if rid not in batch or rid in seen:
                    c.error(cat, "reply %s matches no packet" % raw[:12].hex())
                    continue
                seen.add(rid)
                pkt = batch[rid]
                try:
                    m = w.Message(raw)
                except w.ParseError as e:
                    c.error(cat, "unparsable reply to %s: %s" % (pkt.hex(), e))
                    continue
                if m.trailing or not m.flags & 0x8000:
                    c.error(cat, "malformed reply to %s" % pkt.hex())
                    continue
                if m.rcode == 1 and (any(m.sections) or m.opt):
                    c.error(cat, "records in a FORMERR to %s" % pkt.hex())
                    continue
                # A question in the reply is the query's own, byte for byte.
                if m.question and not pkt[12:].startswith(m.question[0][0]):
                    c.error(cat, "question not echoed for %s" % pkt.hex())
                    continue
                c.stat(cat, w.RCODES.get(m.rcode, str(m.rcode)))
            c.stat(cat, "dropped", len(pkts) - len(replies))


# --- TCP ---------------------------------------------------------------------

def tcp_connect(c, timeout=2.0):
    s = socket.socket(c.fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((c.addr, c.port))
    return s


def tcp_read_msg(s):
    hdr_ = w.recv_exact(s, 2)
    if hdr_ is None:
        return None
    return w.recv_exact(s, struct.unpack("!H", hdr_)[0])


def tcp_good(c, cat, what, timeout=2.0):
    """One good query over a new connection; the answer's latency or None."""
    t0 = time.monotonic()
    try:
        s = tcp_connect(c, timeout)
        mid, good = c.good_query()
        s.sendall(struct.pack("!H", len(good)) + good)
        raw = tcp_read_msg(s)
        s.close()
    except OSError as e:
        c.error(cat, "%s: good TCP query: %s" % (what, e))
        return None
    if raw is None or c.good_reply_ok(raw):
        c.error(cat, "%s: good TCP query: %s" % (what, "closed" if raw is None
                                                   else c.good_reply_ok(raw)))
        return None
    return time.monotonic() - t0


def closed_by_server(s, timeout):
    """True when the server closed s (EOF or reset) within timeout."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionError:
        return True


def tcp_framing(c):
    cat = "tcp-framing"
    bad = {
        "length 64, 10 octets, close": (struct.pack("!H", 64) + bytes(10), True),
        "half a length prefix, close": (b"\x00", True),
        "length 65535, 100 octets, close": (struct.pack("!H", 65535) + bytes(100), True),
        "zero-length message": (b"\x00\x00", False),
        "5-octet message": (struct.pack("!H", 5) + bytes(5), False),
    }
    for what, (data, close_now) in bad.items():
        c.stat(cat, "sent")
        try:
            s = tcp_connect(c)
            s.sendall(data)
            if close_now:
                s.close()
                c.stat(cat, "closed by us")
            elif closed_by_server(s, 2.0):
                c.stat(cat, "closed by server")
                s.close()
            else:
                c.error(cat, "%s: connection left open" % what)
                s.close()
        except OSError as e:
            c.error(cat, "%s: %s" % (what, e))
        tcp_good(c, cat, what)
    # FORMERR over TCP, the connection kept for the next query.
    q = question()
    c.stat(cat, "sent")
    s = tcp_connect(c)
    pkt = hdr(qd=2) + q
    s.sendall(struct.pack("!H", len(pkt)) + pkt)
    raw = tcp_read_msg(s)
    try:
        m = w.Message(raw) if raw else None
        why = "no reply" if m is None else Checker.reply_problem(m, pkt, "formerr", None)
    except w.ParseError as e:
        why = str(e)
    if why:
        c.error(cat, "QDCOUNT 2 over TCP: %s" % why)
    else:
        c.stat(cat, "FORMERR")
        mid, good = c.good_query()
        s.sendall(struct.pack("!H", len(good)) + good)
        raw = tcp_read_msg(s)
        if raw is None or c.good_reply_ok(raw):
            c.error(cat, "the connection did not answer after a FORMERR")
    s.close()


def tcp_slowloris(c, seconds):
    """One client sends a query an octet at a time; others are answered
    promptly meanwhile, and the slow one gets its answer too."""
    cat = "tcp-slowloris"
    mid, good = c.good_query()
    data = struct.pack("!H", len(good)) + good
    gap = seconds / len(data)
    result = {}

    def trickle():
        try:
            s = tcp_connect(c, 5.0)
            for i in range(len(data)):
                s.send(data[i:i + 1])
                time.sleep(gap)
            raw = tcp_read_msg(s)
            result["reply"] = raw
            s.close()
        except OSError as e:
            result["error"] = str(e)

    t = threading.Thread(target=trickle)
    t.start()
    worst = 0.0
    while t.is_alive():
        lat = tcp_good(c, cat, "during the trickle")
        c.stat(cat, "other queries")
        if lat is None:
            break
        worst = max(worst, lat)
        time.sleep(0.05)
    t.join()
    print("    %s: worst latency of the others %.1f ms" % (cat, worst * 1000))
    if worst > 0.5:
        c.error(cat, "another client waited %.0f ms" % (worst * 1000))
    if "error" in result or result.get("reply") is None or c.good_reply_ok(result["reply"]):
        c.error(cat, "the slow client got no right answer: %s" %
                result.get("error", "closed"))
    else:
        c.stat(cat, "slow client answered")


def tcp_many(c, limit, extra):
    """limit + extra connections held open: those past the limit are closed by
    the server, the others and UDP keep working, and after they go, new
    connections are taken again."""
    cat = "tcp-conn-limit"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = limit + extra + 64
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(need, soft), hard), hard))
        except (ValueError, OSError):
            pass
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
            c.error(cat, "cannot open %d descriptors here" % need)
            return
    conns = []
    try:
        for _ in range(limit + extra):
            conns.append(tcp_connect(c))
        c.stat(cat, "opened", len(conns))
        # Let the server accept them all.
        time.sleep(0.5)
        closed = [s for s in conns if closed_by_server(s, 0.001)]
        alive = [s for s in conns if s not in closed]
        c.stat(cat, "closed by server", len(closed))
        if len(closed) < extra or len(alive) > limit:
            c.error(cat, "%d closed, %d open: the limit is %d" % (len(closed), len(alive),
                                                                  limit))
        if c.exchange([]) is None:
            c.error(cat, "UDP did not answer at the limit")
        else:
            c.stat(cat, "UDP answered at the limit")
        # A connection the server kept still answers.
        if alive:
            s = alive[0]
            s.settimeout(2.0)
            mid, good = c.good_query()
            s.sendall(struct.pack("!H", len(good)) + good)
            raw = tcp_read_msg(s)
            if raw is None or c.good_reply_ok(raw):
                c.error(cat, "a kept connection did not answer")
            else:
                c.stat(cat, "kept connection answered")
    except OSError as e:
        c.error(cat, "after %d connections: %s" % (len(conns), e))
    finally:
        for s in conns:
            s.close()
    # Closing them frees the slots (the server sees the EOFs).
    for _ in range(20):
        if tcp_good(Checker(c.addr, c.port), cat, "after the flood") is not None:
            c.stat(cat, "new connection answered")
            return
        time.sleep(0.1)
    c.error(cat, "no new TCP connection answered after the flood")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, help="ADDR[@PORT] of nameserved")
    ap.add_argument("--random", type=int, default=2000, help="random and mutated packets each")
    ap.add_argument("--tcp-limit", type=int, default=1024)
    ap.add_argument("--slowloris-seconds", type=float, default=3.0)
    ap.add_argument("--groups", default="udp,random,tcp-framing,tcp-slowloris,tcp-conn-limit")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds for the random part")
    args = ap.parse_args()
    addr, _, port = args.server.partition("@")
    c = Checker(addr, int(port or 53))
    groups = args.groups.split(",")
    t0 = time.monotonic()
    if c.exchange([]) is None:
        print("the server does not answer the good query")
        return 1
    for g in groups:
        t = time.monotonic()
        if g == "udp":
            udp_cases(c)
        elif g == "random":
            random_cases(c, args.random, time.monotonic() + args.budget)
        elif g == "tcp-framing":
            tcp_framing(c)
        elif g == "tcp-slowloris":
            tcp_slowloris(c, args.slowloris_seconds)
        elif g == "tcp-conn-limit":
            tcp_many(c, args.tcp_limit, 100)
        else:
            sys.exit("unknown group %s" % g)
        # After every group: the good query, over UDP and over TCP.
        if c.exchange([]) is None:
            c.error(g, "no right answer to the good query after the group")
        if tcp_good(c, g, "after the group") is None:
            pass
        print("    group %-15s %.1f s" % (g, time.monotonic() - t))
    print("%-16s %s" % ("category", "counts"))
    for cat, cnt in c.stats.items():
        print("%-16s %s" % (cat, " ".join("%s=%d" % kv for kv in sorted(cnt.items()))))
    for e in c.errors:
        print("WRONG " + e)
    print("malformed: %d problems in %.1f s" % (len(c.errors), time.monotonic() - t0))
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
