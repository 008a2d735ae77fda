# SPDX-License-Identifier: GPL-2.0-only
# The query side of test_xdp_engine_same.sh: every A/AAAA RRset of a zone asked
# in several variants with fixed IDs, replies saved, fast-path counters checked
# per phase; then the replies of two runs (XDP attached, userspace only)
# compared byte for byte.
import argparse
import collections
import json
import socket
import struct
import subprocess
import sys
import time

import dnswire as w

ANSWER_MAX = 256	# FP_ANSWER_MAX: answer bytes one fast-path entry holds
# What the fast path can always grow a frame by (the headroom less a struct
# xdp_frame); beyond it, it needs tailroom, which veth and generic XDP leave
# only by chance on recent kernels: then it passes the query up (pass_error).
HEAD_GROW_MAX = 256 - 40
ROOMY = "answered+pass_error"
UDP_MIN = 512		# RFC 1035 4.2.1: a client without EDNS takes this much
OPT_LEN = 11
RR_FIXED = 12		# a compressed owner (0xc00c), type, class, TTL, rdlength

COOKIE_CLIENT = bytes.fromhex("0123456789abcdef")
COOKIE_SERVER = bytes.fromhex("01000000" "65f0a1b2" "0011223344556677")	# RFC 9018 layout

RD, AD, CD, Z = 0x0100, 0x0020, 0x0010, 0x0040
DO = 0x8000

# name: (EDNS or None, header flags, mixed-case qname). EDNS is a dict: UDP
# size, OPT flags, options as (code, data).
VARIANTS = collections.OrderedDict([
    ("plain", (None, 0, False)),
    ("rd", (None, RD, False)),
    ("edns", ({"size": 1232}, 0, False)),
    ("do", ({"size": 1232, "flags": DO}, RD, False)),
    ("cookie", ({"size": 1232, "options": [(10, COOKIE_CLIENT)]}, RD, False)),
    ("cookie-srv", ({"size": 4096, "options": [(10, COOKIE_CLIENT + COOKIE_SERVER)]}, 0,
                    False)),
    ("case", (None, RD, True)),
    ("case-do", ({"size": 1232, "flags": DO}, 0, True)),
    ("cd", ({"size": 1232, "flags": DO}, RD | CD, False)),
    ("b512", ({"size": 512}, 0, False)),
    # Bits a query may carry that no reply echoes: AD (RFC 6840 5.7), Z, and
    # the OPT's Z flags (RFC 6891 6.1.4).
    ("ad-z", ({"size": 1232, "flags": DO | 0x1234}, AD | Z, False)),
])
TRANSPORTS = ("v4", "v6")
# Not counters of our queries: ARP and neighbour discovery go to pass_not_dns,
# MLD reports (a hop-by-hop header) to pass_fragment. A query counted there
# would still be missing from its phase's own counter.
IGNORED = {"instance", "received", "pass_not_dns", "pass_fragment"}


class ZoneError(Exception):
    pass


def name_to_wire(text, origin, lineno):
    """A presentation name (\\DDD and \\X escapes, relative or absolute) to wire."""
    if text == "@":
        return origin
    labels, raw, i = [], bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if text[i + 1:i + 4].isdigit():
                raw.append(int(text[i + 1:i + 4]))
                i += 4
                continue
            if i + 1 >= len(text):
                raise ZoneError("line %d: name ends in a backslash" % lineno)
            raw += text[i + 1].encode()
            i += 2
            continue
        if c == ".":
            labels.append(bytes(raw))
            raw = bytearray()
        else:
            raw += c.encode()
        i += 1
    absolute = text.endswith(".") and not text.endswith("\\.")
    if raw or not absolute:
        labels.append(bytes(raw))
    if any(not 0 < len(l) <= 63 for l in labels):
        raise ZoneError("line %d: bad label in %s" % (lineno, text))
    wire = b"".join(bytes([len(l)]) + l for l in labels)
    wire += b"\x00" if absolute else origin
    if len(wire) > 255:
        raise ZoneError("line %d: name longer than 255 bytes: %s" % (lineno, text))
    return wire


def labels_of(wire):
    out, pos = [], 0
    while wire[pos]:
        out.append(wire[pos + 1:pos + 1 + wire[pos]])
        pos += 1 + wire[pos]
    return out


def parent(wire):
    return wire[1 + wire[0]:]


def show(wire):
    """A name for messages: long ones as their first label and their length."""
    text = w.wire_to_text(wire)
    if len(text) <= 40:
        return text
    return "%s...(%d bytes)" % (w.wire_to_text(wire[:1 + wire[0]] + b"\x00")[:-1], len(wire))


class Node:
    def __init__(self, wire):
        self.wire = wire		# as written in the zone file, case kept
        self.rrsets = collections.OrderedDict()	# type -> [rdata]


def parse_zone(path):
    """The subset of RFC 1035 master files the test's zone uses: one record a
    line, $ORIGIN and $TTL, blank owners, TTL and class in either order."""
    origin, nodes, owner = None, collections.OrderedDict(), None
    with open(path, encoding="ascii") as f:
        for lineno, line in enumerate(f, 1):
            body = line.split(";", 1)[0].rstrip()
            if not body.strip():
                continue
            if "(" in body or '"' in body:
                raise ZoneError("line %d: parentheses and quotes are not supported" % lineno)
            toks = body.split()
            if toks[0] == "$ORIGIN":
                origin = w.lower(name_to_wire(toks[1], b"\x00", lineno))
                continue
            if toks[0].startswith("$"):
                if toks[0] == "$TTL":
                    continue
                raise ZoneError("line %d: unsupported directive %s" % (lineno, toks[0]))
            if origin is None:
                raise ZoneError("line %d: no $ORIGIN before the first record" % lineno)
            if not body[0].isspace():
                owner = name_to_wire(toks.pop(0), origin, lineno)
            elif owner is None:
                raise ZoneError("line %d: no owner" % lineno)
            while toks and (toks[0].isdigit() or toks[0].upper() == "IN"):
                toks.pop(0)
            if len(toks) < 2:
                raise ZoneError("line %d: no type and rdata" % lineno)
            rtype = w.type_code(toks[0])
            node = nodes.setdefault(w.lower(owner), Node(owner))
            if rtype == 1:
                rdata = socket.inet_pton(socket.AF_INET, toks[1])
            elif rtype == 28:
                rdata = socket.inet_pton(socket.AF_INET6, toks[1])
            else:
                rdata = None	# only the type matters
            node.rrsets.setdefault(rtype, []).append(rdata)
    if origin is None or origin not in nodes:
        raise ZoneError("%s: no records at the origin" % path)
    return origin, nodes


class Query:
    __slots__ = ("variant", "desc", "expect", "qid", "wire", "reply")

    def __init__(self, variant, desc, expect, qid, wire):
        self.variant = variant
        self.desc = desc
        self.expect = expect
        self.qid = qid
        self.wire = wire
        self.reply = None


def mixed_case(qname):
    """Every other letter upper case, as a client using DNS 0x20 might send."""
    out, n = bytearray(), 0
    for b in qname:
        if 97 <= b <= 122:
            out.append(b - 32 if n % 2 == 0 else b)
            n += 1
        else:
            out.append(b)
    return bytes(out)


def build(qid, qname, qtype, variant):
    edns, flags, case = VARIANTS[variant]
    msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    msg += (mixed_case(qname) if case else qname) + struct.pack("!HH", qtype, 1)
    if edns:
        opts = b"".join(struct.pack("!HH", c, len(d)) + d for c, d in edns.get("options", ()))
        msg += b"\x00" + struct.pack("!HHIH", 41, edns["size"], edns.get("flags", 0),
                                     len(opts)) + opts
    return msg


def expectation(reason, qname, rdatas, variant, qlen):
    """The counter the fast path bumps for this query (answered or why it
    passed), or ROOMY for answered or passed for want of room in the frame."""
    if reason:
        return "pass_miss"
    edns = VARIANTS[variant][0]
    size = 12 + len(qname) + 4 + sum(RR_FIXED + len(r) for r in rdatas)
    limit = UDP_MIN
    if edns:
        size += OPT_LEN
        limit = max(UDP_MIN, edns["size"])
    if size > limit:
        return "pass_too_big"
    return ROOMY if size - qlen > HEAD_GROW_MAX else "answered"


def not_fast(origin, nodes, key, rdatas):
    """Why the fast path must not hold this A/AAAA RRset, or None."""
    if labels_of(key)[0] == b"*":
        return "wildcard owner"
    p = key
    while p != origin:
        types = nodes[p].rrsets if p in nodes else {}
        if 2 in types:
            return "at or below the cut " + w.wire_to_text(p)
        if p != key and 39 in types:
            return "below the DNAME " + w.wire_to_text(p)
        p = parent(p)
    if sum(RR_FIXED + len(r) for r in rdatas) > ANSWER_MAX:
        return "over %d answer bytes" % ANSWER_MAX
    return None


def make_queries(origin, nodes):
    """Every A/AAAA RRset in every variant and transport, then the names the
    fast path has no entry for although the engine answers them."""
    asks = []	# (desc, qname, qtype, reason, rdatas)
    for key, node in nodes.items():
        for t in (1, 28):
            if t in node.rrsets:
                rd = node.rrsets[t]
                asks.append(("%s %s (%d)" % (show(node.wire), w.TYPE_NAMES[t], len(rd)),
                             node.wire, t, not_fast(origin, nodes, key, rd), rd))
        if 5 in node.rrsets:
            for t in (1, 28):
                asks.append(("%s %s" % (show(node.wire), w.TYPE_NAMES[t]),
                             node.wire, t, "CNAME owner", []))
        if labels_of(key)[0] == b"*":
            synth = b"\x09synthetic" + parent(key)
            for t in (1, 28):
                asks.append(("%s %s" % (show(synth), w.TYPE_NAMES[t]), synth, t,
                             "synthesised from a wildcard", []))
    queries, i = [], 0
    for desc, qname, qtype, reason, rdatas in asks:
        for variant in VARIANTS:
            for tr in TRANSPORTS:
                # Fixed and distinct: 40503 is odd, so i -> qid is one to one.
                qid = (i * 40503 + 0x1234) & 0xffff
                i += 1
                wire = build(qid, qname, qtype, variant)
                queries.append(Query(variant + "/" + tr,
                                     desc + (" [%s]" % reason if reason else ""),
                                     expectation(reason, qname, rdatas, variant, len(wire)),
                                     qid, wire))
    if i > 65536:
        raise ZoneError("more queries than DNS IDs")
    return queries


def exchange(socks, q, timeout):
    s = socks[q.variant.rsplit("/", 1)[1]]
    s.send(q.wire)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            reply = s.recv(65535)
        except socket.timeout:
            return None
        # A late reply to an earlier query must not be taken for this one.
        if reply[:2] == q.wire[:2]:
            return reply


def read_stats(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def moved(before, after):
    return {k: after[k] - before.get(k, 0) for k in after
            if k not in IGNORED and after[k] != before.get(k, 0)}


def phase_ok(expect, n, d):
    if expect == ROOMY:
        return set(d) <= {"answered", "pass_error"} and sum(d.values()) == n
    return d == {expect: n}


def diagnose(socks, phase, expect, stats_cmd, timeout):
    """Which queries of a failed phase went elsewhere: one at a time."""
    shown = 0
    for q in phase:
        b = read_stats(stats_cmd)
        exchange(socks, q, timeout)
        d = moved(b, read_stats(stats_cmd))
        if not phase_ok(expect, 1, d):
            print("      %s %s: counters moved %s" % (q.variant, q.desc, d or "none"))
            shown += 1
            if shown == 10:
                break


def cmd_send(args):
    origin, nodes = parse_zone(args.zone)
    queries = make_queries(origin, nodes)
    stats_cmd = None
    if args.nsctl:
        stats_cmd = [args.nsctl, "stats", "--instance", args.instance, "--json"]
    socks = {}
    for tr, addr in (("v4", args.server4), ("v6", args.server6)):
        fam = socket.AF_INET6 if tr == "v6" else socket.AF_INET
        socks[tr] = socket.socket(fam, socket.SOCK_DGRAM)
        socks[tr].connect((addr, args.port))
    ok = True
    by_expect = collections.OrderedDict()
    for q in queries:
        by_expect.setdefault(q.expect, []).append(q)
    for expect, phase in by_expect.items():
        before = read_stats(stats_cmd) if stats_cmd else None
        t0 = time.monotonic()
        lost = 0
        for q in phase:
            q.reply = exchange(socks, q, args.timeout)
            lost += q.reply is None
        line = "phase %-19s %4d queries, %.2f s" % (expect, len(phase), time.monotonic() - t0)
        if lost:
            print("    FAIL: %s: %d without a reply" % (line, lost))
            ok = False
        if stats_cmd:
            d = moved(before, read_stats(stats_cmd))
            print("    %s: counters moved %s" % (line, json.dumps(d, sort_keys=True)))
            if not phase_ok(expect, len(phase), d):
                print("    FAIL: expected %s +%d and no other counter" % (expect, len(phase)))
                diagnose(socks, phase, expect, stats_cmd, args.timeout)
                ok = False
        else:
            print("    %s" % line)
    with open(args.out, "w") as f:
        json.dump([{"variant": q.variant, "desc": q.desc, "expect": q.expect,
                    "query": q.wire.hex(), "reply": q.reply.hex() if q.reply else None}
                   for q in queries], f)
    return 0 if ok else 1


def hexdump(label, data, start, n):
    return "      %-8s %04x: %s" % (label, start, data[start:start + n].hex(" "))


def describe(data):
    try:
        m = w.Message(data)
    except w.ParseError as e:
        return "unparsable (%s)" % e
    return "id %04x flags %s rcode %s an/ns/ar %d/%d/%d%s" % (
        m.id, ",".join(m.flag_names()), w.RCODES.get(m.rcode, m.rcode),
        len(m.sections[0]), len(m.sections[1]), len(m.sections[2]) + m.nopt,
        " opt %s" % (m.opt[:4],) if m.opt else "")


def cmd_compare(args):
    with open(args.a) as f:
        ra = json.load(f)
    with open(args.b) as f:
        rb = json.load(f)
    if [(r["variant"], r["query"]) for r in ra] != [(r["variant"], r["query"]) for r in rb]:
        print("    FAIL: the two runs did not send the same queries")
        return 1
    per = collections.OrderedDict()
    bad = 0
    for x, y in zip(ra, rb):
        c = per.setdefault(x["variant"], collections.Counter())
        c["compared"] += 1
        c[x["expect"]] += 1
        if x["reply"] is not None and x["reply"] == y["reply"]:
            continue
        bad += 1
        c["differ"] += 1
        if bad > args.show:
            continue
        print("    DIFF %s %s (fast path: %s)" % (x["variant"], x["desc"], x["expect"]))
        if x["reply"] is None or y["reply"] is None:
            print("      no reply from %s" % (args.label_a if x["reply"] is None else args.label_b))
            continue
        a, b = bytes.fromhex(x["reply"]), bytes.fromhex(y["reply"])
        off = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        print("      %d vs %d bytes, first difference at byte %d" % (len(a), len(b), off))
        start = max(0, off - off % 16 - 16)
        for label, data in ((args.label_a, a), (args.label_b, b)):
            print(hexdump(label, data, start, 48))
            print("      %-8s %s" % (label, describe(data)))
    # Columns: what the fast path was expected to do with the queries compared.
    cols = (("compared", "compared"), ("answered", "answered"), ("big", ROOMY),
            ("miss", "pass_miss"), ("too_big", "pass_too_big"), ("differ", "differ"))
    print("    %-16s" % "variant" + "".join("%9s" % c for c, _ in cols))
    total = collections.Counter()
    for v, c in list(per.items()) + [("total", total)]:
        if v != "total":
            total.update(c)
        print("    %-16s" % v + "".join("%9d" % c[k] for _, k in cols))
    if bad:
        print("    FAIL: %d of %d replies differ between %s and %s" %
              (bad, total["compared"], args.label_a, args.label_b))
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send", help="ask every A/AAAA RRset of a zone, save the replies")
    s.add_argument("--zone", required=True)
    s.add_argument("--server4", required=True)
    s.add_argument("--server6", required=True)
    s.add_argument("--port", type=int, default=53)
    s.add_argument("--timeout", type=float, default=2.0)
    s.add_argument("--nsctl", help="check the fast-path counters of each phase with this nsctl")
    s.add_argument("--instance", default="default")
    s.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="compare two runs' replies byte for byte")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--label-a", default="a")
    c.add_argument("--label-b", default="b")
    c.add_argument("--show", type=int, default=10, help="differences printed in full")
    args = ap.parse_args()
    try:
        return cmd_send(args) if args.cmd == "send" else cmd_compare(args)
    except (ZoneError, OSError, ValueError, subprocess.CalledProcessError) as e:
        print("    FAIL: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
