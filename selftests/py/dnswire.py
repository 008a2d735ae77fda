# SPDX-License-Identifier: GPL-2.0-only
# A small DNS message codec for the selftests (standard library only): builds
# queries, including malformed ones, and parses replies into comparable records.
import random
import socket
import struct
import time

TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
    "RP": 17, "AFSDB": 18, "AAAA": 28, "SRV": 33, "NAPTR": 35, "DS": 43, "SSHFP": 44,
    "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "NSEC3": 50, "TLSA": 52, "SVCB": 64, "HTTPS": 65,
    "OPT": 41, "DNAME": 39, "TKEY": 249, "TSIG": 250, "IXFR": 251, "AXFR": 252, "MAILB": 253,
    "MAILA": 254, "ANY": 255, "CAA": 257,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
CLASSES = {"IN": 1, "CH": 3, "HS": 4, "NONE": 254, "ANY": 255}
CLASS_NAMES = {v: k for k, v in CLASSES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 6: "YXDOMAIN", 9: "NOTAUTH", 16: "BADVERS"}
FLAG_BITS = [("qr", 15), ("aa", 10), ("tc", 9), ("rd", 8), ("ra", 7), ("z", 6), ("ad", 5),
             ("cd", 4)]

# RDATA layouts with embedded names (RFC 3597 §4: only these may be compressed,
# and only these are compared case-insensitively): (fixed prefix, names, rest).
NAME_RDATA = {2: (0, 1), 5: (0, 1), 12: (0, 1), 39: (0, 1), 6: (0, 2), 15: (2, 1),
              33: (6, 1), 17: (0, 2), 18: (2, 1)}


class ParseError(Exception):
    pass


def type_code(t):
    t = t.upper()
    if t in TYPES:
        return TYPES[t]
    if t.startswith("TYPE"):
        return int(t[4:])
    raise ValueError("unknown type %s" % t)


def class_code(c):
    c = c.upper()
    if c in CLASSES:
        return CLASSES[c]
    if c.startswith("CLASS"):
        return int(c[5:])
    return int(c)


def name_to_wire(name):
    """Presentation name (no escapes but \\DDD) to uncompressed wire, case kept."""
    if name in (".", ""):
        return b"\x00"
    out = b""
    for label in name.rstrip(".").split("."):
        raw = bytearray()
        i = 0
        while i < len(label):
            if label[i] == "\\" and label[i + 1:i + 4].isdigit():
                raw.append(int(label[i + 1:i + 4]))
                i += 4
            else:
                raw += label[i].encode()
                i += 1
        out += bytes([len(raw)]) + bytes(raw)
    return out + b"\x00"


def wire_to_text(wire):
    labels = []
    pos = 0
    while wire[pos]:
        n = wire[pos]
        lab = ""
        for b in wire[pos + 1:pos + 1 + n]:
            c = chr(b)
            if c.isalnum() or c in "-_*":
                lab += c
            else:
                lab += "\\%03d" % b
        labels.append(lab)
        pos += n + 1
    return ".".join(labels) + "."


def opt_rr(size=1232, version=0, do=False, options=(), rcode_hi=0, owner=b"\x00", rdlen=None):
    rdata = b"".join(struct.pack("!HH", c, len(d)) + d for c, d in options)
    ttl = (rcode_hi << 24) | (version << 16) | (0x8000 if do else 0)
    return owner + struct.pack("!HHIH", 41, size, ttl,
                               len(rdata) if rdlen is None else rdlen) + rdata


def query(qname, qtype="A", qclass="IN", qid=None, rd=False, cd=False, ad=False, opcode=0,
          edns=None, qdcount=None, ancount=0, nscount=0, extra_ar=0, body_tail=b""):
    """A query; edns is None or a dict of opt_rr() arguments. body_tail is appended
    after the question (records the counts above must describe)."""
    if qid is None:
        qid = random.randrange(65536)
    flags = (opcode << 11) | (0x100 if rd else 0) | (0x10 if cd else 0) | (0x20 if ad else 0)
    q = b""
    if qname is not None:
        q = name_to_wire(qname) + struct.pack("!HH", type_code(qtype), class_code(qclass))
    qd = (1 if qname is not None else 0) if qdcount is None else qdcount
    ar = extra_ar + (1 if edns is not None else 0)
    msg = struct.pack("!HHHHHH", qid, flags, qd, ancount, nscount, ar) + q + body_tail
    if edns is not None:
        msg += opt_rr(**edns)
    return msg


def read_name(msg, pos, depth=0):
    """Decompresses the name at pos: (wire bytes, position after it)."""
    out = b""
    jumped = False
    end = pos
    hops = 0
    while True:
        if pos >= len(msg):
            raise ParseError("name runs past the end")
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise ParseError("truncated pointer")
            ptr = ((n & 0x3F) << 8) | msg[pos + 1]
            if not jumped:
                end = pos + 2
            jumped = True
            hops += 1
            if hops > 64 or ptr >= pos:
                raise ParseError("bad compression pointer")
            pos = ptr
            continue
        if n & 0xC0:
            raise ParseError("bad label type")
        if pos + 1 + n > len(msg):
            raise ParseError("label runs past the end")
        out += msg[pos:pos + 1 + n]
        if len(out) > 255:
            raise ParseError("name longer than 255")
        pos += 1 + n
        if n == 0:
            break
    return out, (end if jumped else pos)


def lower(wire):
    return bytes(b + 32 if 65 <= b <= 90 else b for b in wire)


def canon_rdata(msg, rtype, pos, rdlen):
    """RDATA with names decompressed and lower-cased, for types that have names."""
    end = pos + rdlen
    if rtype not in NAME_RDATA:
        return msg[pos:end]
    fixed, nnames = NAME_RDATA[rtype]
    out = msg[pos:pos + fixed]
    p = pos + fixed
    for _ in range(nnames):
        name, p = read_name(msg, p)
        out += lower(name)
    if p > end:
        raise ParseError("rdata names overrun rdlength")
    return out + msg[p:end]


class Record:
    __slots__ = ("owner", "owner_raw", "rtype", "rclass", "ttl", "rdata")

    def __init__(self, owner_raw, rtype, rclass, ttl, rdata):
        self.owner_raw = owner_raw
        self.owner = lower(owner_raw)
        self.rtype = rtype
        self.rclass = rclass
        self.ttl = ttl
        self.rdata = rdata

    def key(self):
        return (self.owner, self.rtype, self.rclass, self.ttl, self.rdata)

    def rrset(self):
        return (self.owner, self.rtype, self.rclass)

    def text(self):
        rd = self.rdata
        if self.rtype == 1 and len(rd) == 4:
            rds = socket.inet_ntop(socket.AF_INET, rd)
        elif self.rtype == 28 and len(rd) == 16:
            rds = socket.inet_ntop(socket.AF_INET6, rd)
        elif self.rtype in (2, 5, 12, 39):
            rds = wire_to_text(rd)
        elif self.rtype == 15:
            rds = "%d %s" % (struct.unpack("!H", rd[:2])[0], wire_to_text(rd[2:]))
        elif self.rtype == 16:
            parts, p = [], 0
            while p < len(rd):
                parts.append('"%s"' % rd[p + 1:p + 1 + rd[p]].decode("latin-1")[:40])
                p += 1 + rd[p]
            rds = " ".join(parts)
        else:
            rds = "\\# %d %s" % (len(rd), rd.hex()[:80])
        return "%s %d %s %s %s" % (wire_to_text(self.owner_raw), self.ttl,
                                   CLASS_NAMES.get(self.rclass, "CLASS%d" % self.rclass),
                                   TYPE_NAMES.get(self.rtype, "TYPE%d" % self.rtype), rds)


class Message:
    """A parsed reply. opt is None or (udp size, ext rcode, version, flags, options)."""

    def __init__(self, data):
        if len(data) < 12:
            raise ParseError("short header")
        self.raw = data
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack("!HHHHHH", data[:12])
        self.opcode = (self.flags >> 11) & 0xF
        pos = 12
        self.question = []
        for _ in range(qd):
            start = pos
            name, pos = read_name(data, pos)
            if pos + 4 > len(data):
                raise ParseError("question runs past the end")
            qt, qc = struct.unpack("!HH", data[pos:pos + 4])
            pos += 4
            self.question.append((data[start:pos], lower(name), qt, qc))
        self.sections = []
        self.opt = None
        self.nopt = 0
        for i, count in enumerate((an, ns, ar)):
            recs = []
            for _ in range(count):
                owner, pos = read_name(data, pos)
                if pos + 10 > len(data):
                    raise ParseError("record runs past the end")
                rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", data[pos:pos + 10])
                pos += 10
                if pos + rdlen > len(data):
                    raise ParseError("rdata runs past the end")
                if rtype == 41:
                    self.nopt += 1
                    opts, p = [], pos
                    while p + 4 <= pos + rdlen:
                        c, l = struct.unpack("!HH", data[p:p + 4])
                        opts.append((c, data[p + 4:p + 4 + l]))
                        p += 4 + l
                    self.opt = (rclass, ttl >> 24, (ttl >> 16) & 0xFF, ttl & 0xFFFF,
                                tuple(sorted(opts)), i, owner)
                else:
                    recs.append(Record(owner, rtype, rclass, ttl,
                                       canon_rdata(data, rtype, pos, rdlen)))
                pos += rdlen
            self.sections.append(recs)
        self.trailing = len(data) - pos
        self.rcode = (self.flags & 0xF) | ((self.opt[1] << 4) if self.opt else 0)

    def flag_names(self):
        return [n for n, b in FLAG_BITS if self.flags >> b & 1]


def send_udp(addr, port, data, timeout=2.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.send(data)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = s.recv(65535)
            except socket.timeout:
                return None
            # A late reply to an earlier query must not be taken for this one.
            if len(reply) >= 2 and reply[:2] == data[:2] or len(data) < 2:
                return reply
            if time.monotonic() > deadline:
                return None
    finally:
        s.close()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send_tcp(addr, port, data, timeout=2.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.sendall(struct.pack("!H", len(data)) + data)
        hdr = recv_exact(s, 2)
        if hdr is None:
            return None
        return recv_exact(s, struct.unpack("!H", hdr)[0])
    except (socket.timeout, ConnectionError):
        return None
    finally:
        s.close()
