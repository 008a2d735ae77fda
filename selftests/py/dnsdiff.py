# SPDX-License-Identifier: GPL-2.0-only
# Differential check: every query of a query list goes to a reference server
# (knotd) and to nameserved; the replies are compared part by part (header
# flags, rcode, question bytes, EDNS, and each section as a set of records).
# Differences that are deliberate choices are listed in LEGIT below with their
# reason; any other difference is printed and makes the exit status 1.
import argparse
import collections
import struct
import sys
import time

import dnswire as w

# Query list: "category qname types modes": types and modes are comma-separated
# lists whose cross product is sent; a mode is options joined by "+".
#   plain       no EDNS                  edns     EDNS, 1232 octets
#   bN          EDNS with UDP size N     do       EDNS with DO=1
#   nsid        EDNS with NSID           vN       EDNS version N
#   ecs cookie unkopt   an EDNS option   tcp      over TCP
#   rd cd ad    header bits              opN      OPCODE N
#   cls-X       QCLASS X                 qdN      QDCOUNT N (question kept)
#   opt2        two OPT records          optan    OPT in the answer section
#   optowner    OPT not owned by root    optlen   OPT RDLENGTH past the end
#   trail       a trailing octet         nsrec    a record in the authority section
#   ptrself ptrfwd ptrback   an additional record owned by a pointer to itself,
#               forward, or back to the question


def build(qname, qtype, mode):
    opts = set(mode.split("+")) - {"plain"}
    edns = None
    eopts = []
    if opts & {"edns", "do", "nsid", "ecs", "cookie", "unkopt", "opt2", "optan", "optowner",
               "optlen"} or any(o[0] in "bv" and o[1:].isdigit() for o in opts):
        edns = {"size": 1232}
    for o in opts:
        if o[0] == "b" and o[1:].isdigit():
            edns["size"] = int(o[1:])
        elif o[0] == "v" and o[1:].isdigit():
            edns["version"] = int(o[1:])
    if "do" in opts:
        edns["do"] = True
    if "nsid" in opts:
        eopts.append((3, b""))
    if "ecs" in opts:
        eopts.append((8, bytes.fromhex("00011800c61201")))	# 198.18.1.0/24
    if "cookie" in opts:
        eopts.append((10, bytes.fromhex("0123456789abcdef")))
    if "unkopt" in opts:
        eopts.append((65001, b"\x01\x02"))
    if eopts:
        edns["options"] = eopts
    qclass = "IN"
    opcode = 0
    qdcount = None
    for o in opts:
        if o.startswith("cls-"):
            qclass = o[4:]
        elif o.startswith("op") and o[2:].isdigit():
            opcode = int(o[2:])
        elif o.startswith("qd") and o[2:].isdigit():
            qdcount = int(o[2:])
    tail = b""
    ancount = nscount = extra_ar = 0
    if "opt2" in opts:
        tail += w.opt_rr(size=1232)
        extra_ar += 1
    # An additional A record owned by a compression pointer: to itself,
    # forward, or back to the question (the only valid one).
    for o, to in (("ptrself", 0), ("ptrfwd", 2), ("ptrback", None)):
        if o in opts:
            here = 12 + len(w.name_to_wire(qname)) + 4 + len(tail)
            ptr = 12 if to is None else here + to
            tail += struct.pack("!HHHIH", 0xC000 | ptr, 1, 1, 0, 4) + bytes(4)
            extra_ar += 1
    if "nsrec" in opts:
        tail += w.name_to_wire(qname) + struct.pack("!HHIH", 1, 1, 60, 4) + bytes(4)
        nscount += 1
    if "optan" in opts:
        # The OPT goes in the answer section instead of the additional one.
        ancount = 1
        edns_rr = w.opt_rr(**edns)
        edns = None
        tail = edns_rr + tail
    if "optowner" in opts:
        tail += w.opt_rr(size=1232, owner=w.name_to_wire("diff.example."))
        edns = None
        extra_ar += 1
    if "optlen" in opts:
        tail += w.opt_rr(size=1232, rdlen=8)
        edns = None
        extra_ar += 1
    msg = w.query(qname, qtype, qclass, rd="rd" in opts, cd="cd" in opts, ad="ad" in opts,
                  opcode=opcode, edns=edns, qdcount=qdcount, ancount=ancount,
                  nscount=nscount, extra_ar=extra_ar, body_tail=tail)
    if "trail" in opts:
        msg += b"\x00"
    return msg, "tcp" in opts


def load_queries(path):
    out = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 4:
                sys.exit("%s:%d: expected 'category qname types modes'" % (path, lineno))
            cat, qname, types, modes = fields
            for t in types.split(","):
                for m in modes.split(","):
                    out.append((cat, qname, t, m))
    return out


def describe(m):
    if m is None:
        return ["(no reply)"]
    lines = ["rcode %s flags %s" % (w.RCODES.get(m.rcode, m.rcode), " ".join(m.flag_names()))]
    if m.opt:
        lines.append("OPT udp %d version %d flags %04x options %s" %
                     (m.opt[0], m.opt[2], m.opt[3],
                      [(c, d.hex()) for c, d in m.opt[4]]))
    for i, sec in enumerate(("answer", "authority", "additional")):
        for r in sorted(m.sections[i], key=lambda r: r.key()):
            lines.append("%-10s %s" % (sec, r.text()))
    return lines


def compare(q, k, n):
    """The differences between the reference reply k and ours n, as text lines."""
    diffs = []
    if k is None or n is None:
        if (k is None) != (n is None):
            diffs.append("reply: reference %s, nameserved %s" %
                         ("none" if k is None else "sent", "none" if n is None else "sent"))
        return diffs
    if k.id != n.id:
        diffs.append("id")
    for name, bit in w.FLAG_BITS:
        kb, nb = k.flags >> bit & 1, n.flags >> bit & 1
        if kb != nb:
            diffs.append("flag %s: reference %d, nameserved %d" % (name, kb, nb))
    if k.opcode != n.opcode:
        diffs.append("opcode: reference %d, nameserved %d" % (k.opcode, n.opcode))
    if k.rcode != n.rcode:
        diffs.append("rcode: reference %s, nameserved %s" %
                     (w.RCODES.get(k.rcode, k.rcode), w.RCODES.get(n.rcode, n.rcode)))
    kq = [x[0] for x in k.question]
    nq = [x[0] for x in n.question]
    if kq != nq:
        diffs.append("question: reference %s, nameserved %s" %
                     ([x.hex() for x in kq], [x.hex() for x in nq]))
    if (k.opt is None) != (n.opt is None):
        diffs.append("OPT: reference %s, nameserved %s" %
                     ("present" if k.opt else "absent", "present" if n.opt else "absent"))
    elif k.opt:
        for i, what in ((0, "udp size"), (2, "version"), (3, "flags"), (4, "options")):
            if k.opt[i] != n.opt[i]:
                diffs.append("OPT %s: reference %s, nameserved %s" % (what, k.opt[i], n.opt[i]))
    for i, sec in enumerate(("answer", "authority", "additional")):
        ks = collections.Counter(r.key() for r in k.sections[i])
        ns = collections.Counter(r.key() for r in n.sections[i])
        for r in k.sections[i]:
            if ks[r.key()] > ns[r.key()]:
                diffs.append("%s: only reference: %s" % (sec, r.text()))
        for r in n.sections[i]:
            if ns[r.key()] > ks[r.key()]:
                diffs.append("%s: only nameserved: %s" % (sec, r.text()))
        # Records owned by the qname keep the question's letter case in both
        # (RFC 4343 §4.1); other owners' case is a compression choice.
        qn = w.lower(w.name_to_wire(q[1]))
        kc = sorted((r.owner_raw, r.key()) for r in k.sections[i] if r.owner == qn)
        nc = sorted((r.owner_raw, r.key()) for r in n.sections[i] if r.owner == qn)
        if ks == ns and kc != nc:
            diffs.append("%s: letter case of the qname's records differs" % sec)
    return diffs


# --- Differences that are choices, each with its reason -----------------------
#
# A rule is (name, reason, applies(q, k, n), check(q, k, n)). When applies()
# holds, the generic comparison is replaced by check(), which returns the list
# of differences that remain wrong: a rule narrows what may differ, it never
# waves a whole reply through.

def same_except(q, k, n, sections=(), flags=(), rcode=False, opt=False):
    """compare() with the named parts left out."""
    diffs = compare(q, k, n)
    keep = []
    for d in diffs:
        if any(d.startswith(s + ":") or d.startswith(s + " ") for s in sections):
            continue
        if any(d.startswith("flag %s:" % f) for f in flags):
            continue
        if rcode and d.startswith("rcode:"):
            continue
        if opt and d.startswith("OPT"):
            continue
        keep.append(d)
    return keep


def opts_of(q):
    return set(q[3].split("+"))


def no_records(m):
    return not any(m.sections)


def want(cond, text, diffs):
    if not cond:
        diffs.append(text)
    return diffs


def cd_check(ctx, q, k, n):
    diffs = same_except(q, k, n, flags=("cd",))
    return want(n.flags & 0x10, "nameserved did not copy CD", diffs)


def cname_depth_applies(ctx, q, k, n):
    ks, ns = {r.key() for r in k.sections[0]}, {r.key() for r in n.sections[0]}
    return k.rcode == n.rcode == 0 and ks < ns


def cname_depth_check(ctx, q, k, n):
    diffs = same_except(q, k, n, sections=("answer",))
    kc = [r for r in k.sections[0] if r.rtype == 5]
    nc = [r for r in n.sections[0] if r.rtype == 5]
    want(len(kc) == KNOT_CNAME_MAX, "reference chain of %d, not its limit" % len(kc), diffs)
    want(len(nc) <= NAMESERVED_CNAME_MAX + 1, "nameserved chain of %d" % len(nc), diffs)
    # What nameserved adds continues the chain: every extra owner is a target.
    targets = {r.rdata for r in nc}
    extra = {r.key() for r in n.sections[0]} - {r.key() for r in k.sections[0]}
    for key in extra:
        want(key[0] in targets, "extra record %s is not on the chain" % (key,), diffs)
    return diffs


def error_nsid_check(ctx, q, k, n):
    diffs = same_except(q, k, n, opt=True)
    want(n.opt is not None, "nameserved sent no OPT", diffs)
    want(n.opt is None or (n.opt[0], n.opt[2], n.opt[3], n.opt[4]) ==
         (k.opt[0], k.opt[2], k.opt[3], tuple(o for o in k.opt[4] if o[0] != 3)),
         "OPT differs beyond the NSID option", diffs)
    return diffs


def formerr_only(m, diffs, what="nameserved"):
    want(m.rcode == 1, "%s: rcode %d, not FORMERR" % (what, m.rcode), diffs)
    want(no_records(m), "%s: records in a FORMERR" % what, diffs)
    return diffs


def optowner_check(ctx, q, k, n):
    diffs = formerr_only(n, [])
    return want(n.opt is None, "nameserved: OPT in reply to a broken OPT", diffs)


def qdcount_check(ctx, q, k, n):
    diffs = formerr_only(n, [])
    want(not n.question, "nameserved echoed a question", diffs)
    return want(k is None, "reference replied", diffs)


def transfer_check(ctx, q, k, n):
    diffs = same_except(q, k, n, rcode=True)
    want(n.rcode == 5, "nameserved: rcode %d, not REFUSED" % n.rcode, diffs)
    return want(k.rcode in (4, 5, 9), "reference: rcode %d" % k.rcode, diffs)


def opcode_check(ctx, q, k, n):
    diffs = same_except(q, k, n, rcode=True)
    want(n.rcode == 4, "nameserved: rcode %d, not NOTIMP" % n.rcode, diffs)
    return want(k.rcode in (1, 5, 9), "reference: rcode %d" % k.rcode, diffs)


def qclass_any_check(ctx, q, k, n):
    diffs = []
    want(n.rcode == 5 and no_records(n), "nameserved: not a bare REFUSED", diffs)
    return want(k.rcode in (0, 3), "reference: rcode %d" % k.rcode, diffs)


def tiny_bufsize_check(ctx, q, k, n):
    # RFC 6891 §6.2.5: below 512 is 512, so the reply is the one for 512.
    r = ctx.reference(q[1], q[2], "+".join("b512" if o == "b1" else o
                                           for o in q[3].split("+")))
    return [d for d in compare(q, r, n) if d != "id"]


def chaos_type_check(ctx, q, k, n):
    diffs = []
    want(k.rcode == 5, "reference: rcode %d" % k.rcode, diffs)
    want(n.rcode == 0 and not n.sections[1] and not n.sections[2],
         "nameserved: not a bare NOERROR", diffs)
    want(all(r.rtype == 16 and r.rclass == 3 for r in n.sections[0]) and
         (q[2] == "ANY" or not n.sections[0]), "nameserved: answer is not the TXT", diffs)
    return diffs


def ecs_check(ctx, q, k, n):
    diffs = same_except(q, k, n, opt=True)
    want(n.opt is not None and k.opt is not None, "no OPT in a reply", diffs)
    if diffs:
        return diffs
    ecs = [o for o in n.opt[4] if o[0] == 8]
    want((n.opt[0], n.opt[2], n.opt[3], tuple(o for o in n.opt[4] if o[0] != 8)) ==
         (k.opt[0], k.opt[2], k.opt[3], tuple(k.opt[4])), "OPT differs beyond ECS", diffs)
    # Nothing in these zones is steered: the answer holds for every client.
    want(len(ecs) == 1 and len(ecs[0][1]) >= 4 and ecs[0][1][3] == 0,
         "nameserved: ECS not echoed with scope 0", diffs)
    return diffs


def has(mode_opt):
    return lambda ctx, q, k, n: mode_opt in opts_of(q)


def both(f):
    return lambda ctx, q, k, n: k is not None and n is not None and f(ctx, q, k, n)


# Both servers sit on one veth: a reply comes in well under this or never.
TIMEOUT = 1.0
KNOT_CNAME_MAX = 5		# Knot's CNAME_CHAIN_MAX
NAMESERVED_CNAME_MAX = 8	# engine.c CHAIN_MAX

LEGIT = [
    ("cd-bit", "RFC 4035 §3.1.6: nameserved copies CD into the reply; Knot clears it when "
     "it does not sign the zone",
     both(has("cd")), cd_check),
    ("cname-depth", "RFC 1034 fixes no chain length: Knot follows 5 CNAMEs, nameserved 8; "
     "the resolver follows the rest",
     both(cname_depth_applies), cname_depth_check),
    ("error-nsid", "RFC 5001 §2.1 leaves NSID to the server's choice: nameserved gives it "
     "only in answers to queries it processed, not in BADVERS/NOTIMP",
     both(lambda c, q, k, n: "nsid" in opts_of(q) and n.rcode in (4, 16)), error_nsid_check),
    ("opt-owner", "RFC 6891 §6.1.2: an OPT must be owned by the root; nameserved answers "
     "FORMERR, Knot takes it as the OPT anyway",
     both(has("optowner")), optowner_check),
    ("qdcount", "RFC 9619: a query with QDCOUNT other than 1 is malformed; nameserved says "
     "FORMERR, Knot drops it",
     lambda c, q, k, n: n is not None and opts_of(q) & {"qd0", "qd2"}, qdcount_check),
    ("transfer", "zone transfers are not offered yet: nameserved REFUSES AXFR/IXFR "
     "(RFC 5936 §4.2 allows it); Knot says NOTIMP over UDP and NOTAUTH without an ACL",
     both(lambda c, q, k, n: q[2] in ("AXFR", "IXFR")), transfer_check),
    ("chaos-type", "a CHAOS identity name holds only TXT: for another type nameserved says "
     "NOERROR with no data (ANY gets the TXT, RFC 8482), Knot refuses",
     both(lambda c, q, k, n: "cls-CH" in q[3] and q[2] != "TXT"), chaos_type_check),
    ("opcode", "NOTIFY and UPDATE are not implemented: nameserved answers NOTIMP (RFC "
     "1035 §4.1.1); Knot implements them and turns ours down (NOTAUTH, FORMERR)",
     both(lambda c, q, k, n: opts_of(q) & {"op4", "op5"}), opcode_check),
    ("qclass-any", "RFC 6895 §3.2: an answer to QCLASS ANY cannot be authoritative; "
     "nameserved REFUSES it, Knot answers from class IN",
     both(has("cls-ANY")), qclass_any_check),
    ("tiny-bufsize", "RFC 6891 §6.2.5: a UDP size below 512 counts as 512; nameserved "
     "answers as for 512, Knot says FORMERR to sizes it finds absurd",
     both(lambda c, q, k, n: "b1" in opts_of(q) and k.rcode == 1), tiny_bufsize_check),
    ("ecs", "RFC 7871 §7.2.1: nameserved supports Client Subnet and echoes the option, "
     "scope 0 for answers that hold for every client; Knot without its geoip module ignores it",
     both(has("ecs")), ecs_check),
]


def check(ctx, q, k, n):
    diffs = compare(q, k, n)
    if not diffs:
        return None, diffs
    for name, reason, applies, chk in LEGIT:
        if applies(ctx, q, k, n):
            return name, chk(ctx, q, k, n)
    return None, diffs


class Context:
    """What a rule may ask: the reference's reply to another query."""

    def __init__(self, ref):
        self.ref = ref

    def reference(self, qname, qtype, mode):
        msg, tcp = build(qname, qtype, mode)
        raw = (w.send_tcp if tcp else w.send_udp)(self.ref[0], self.ref[1], msg, TIMEOUT)
        return w.Message(raw) if raw else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True, help="ADDR[@PORT] of knotd")
    ap.add_argument("--nameserved", required=True, help="ADDR[@PORT] of nameserved")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--show", action="store_true", help="print every reply pair")
    args = ap.parse_args()

    def server(s):
        a, _, p = s.partition("@")
        return a, int(p or 53)

    ref, ours = server(args.reference), server(args.nameserved)
    queries = load_queries(args.queries)
    ctx = Context(ref)
    per_cat = collections.OrderedDict()
    legit_used = collections.Counter()
    failed = 0
    t0 = time.monotonic()
    for qi, q in enumerate(queries):
        cat, qname, qtype, mode = q
        msg, tcp = build(qname, qtype, mode)
        send = w.send_tcp if tcp else w.send_udp
        replies = []
        for addr, port in (ref, ours):
            raw = send(addr, port, msg, TIMEOUT)
            try:
                replies.append(w.Message(raw) if raw is not None else None)
            except w.ParseError as e:
                replies.append(None)
                print("  %s %s %s %s: unparsable reply from %s: %s" %
                      (cat, qname, qtype, mode, addr, e))
                failed += 1
        k, n = replies
        rule, diffs = check(ctx, q, k, n)
        st = per_cat.setdefault(cat, [0, 0, 0])
        st[0] += 1
        if rule:
            legit_used[rule] += 1
            st[2] += 1
        if args.show or diffs:
            print("%s %s %s %s %s" % ("DIFF" if diffs else "same", cat, qname, qtype, mode))
        if diffs:
            failed += 1
            st[1] += 1
            for d in diffs:
                print("    " + d)
            print("    reference:")
            for line in describe(k):
                print("      " + line)
            print("    nameserved:")
            for line in describe(n):
                print("      " + line)
        elif args.show:
            for line in describe(n):
                print("      " + line)
    dt = time.monotonic() - t0
    print("%-12s %8s %8s %8s" % ("category", "queries", "differ", "legit"))
    for cat, (cnt, bad, leg) in per_cat.items():
        print("%-12s %8d %8d %8d" % (cat, cnt, bad, leg))
    print("%-12s %8d %8d %8d" % ("total", len(queries), failed, sum(legit_used.values())))
    for name, reason, _, _ in LEGIT:
        print("legit %-14s %4d  %s" % (name, legit_used[name], reason))
        if not legit_used[name] and len(queries) > 100:
            print("NOTE: rule %s excused nothing: if the difference is gone, drop it" % name)
    print("%d queries to each server in %.1f s" % (len(queries), dt))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
