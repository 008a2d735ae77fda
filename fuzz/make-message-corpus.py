#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_message: real queries from kdig and dig,
# caught by a listener on loopback, and malformed ones built by hand.
# Usage: fuzz/make-message-corpus.py [DIR]   (default fuzz/corpus/message)
import os
import socket
import struct
import subprocess
import sys
import threading

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                         "corpus", "message")

# (file name, client command line after "@127.0.0.1 -p PORT")
CLIENT_QUERIES = [
    ("a-www", ["kdig", "www.example.com", "A", "+noedns"]),
    ("aaaa-www-edns", ["kdig", "www.example.com", "AAAA"]),
    ("mx-apex", ["kdig", "example.com", "MX"]),
    ("any-apex", ["kdig", "example.com", "ANY"]),
    ("soa-apex", ["kdig", "EXAMPLE.com", "SOA"]),
    ("ns-apex", ["kdig", "example.com", "NS"]),
    ("txt-big", ["kdig", "big.big.test", "TXT", "+bufsize=512"]),
    ("txt-big-4096", ["kdig", "big.big.test", "TXT", "+bufsize=4096"]),
    ("a-many-tcp", ["kdig", "many.big.test", "A", "+tcp"]),
    ("a-deleg-referral", ["kdig", "host.deleg.big.test", "A", "+noedns"]),
    ("a-sub-referral", ["kdig", "www.sub.example.com", "A", "+dnssec"]),
    ("ds-sub", ["kdig", "sub.example.com", "DS", "+dnssec"]),
    ("ds-child-apex", ["kdig", "child.example.com", "DS"]),
    ("a-child-cname", ["kdig", "www.child.example.com", "A"]),
    ("a-alias-chain", ["kdig", "chain.example.com", "A"]),
    ("a-long-chain", ["kdig", "c0.example.com", "A"]),
    ("a-loop", ["kdig", "loop1.example.com", "A"]),
    ("a-wild", ["kdig", "anything.wild.example.com", "A"]),
    ("mx-wild", ["kdig", "x.y.wild.example.com", "MX"]),
    ("a-cwild", ["kdig", "foo.cwild.example.com", "A"]),
    ("a-dwild", ["kdig", "foo.dwild.example.com", "A"]),
    ("a-ent", ["kdig", "b.ent.example.com", "A"]),
    ("a-nxdomain", ["kdig", "nope.example.com", "A", "+nsid"]),
    ("a-dname-out", ["kdig", "www.dname.example.com", "A"]),
    ("a-dname-in", ["kdig", "x.dname2.example.com", "A"]),
    ("a-dname-self", ["kdig", "a.self.example.com", "A"]),
    # 210 bytes before d.example.com: the substitution passes 255 (YXDOMAIN)
    ("a-dname-long", ["kdig", ".".join(["a" * 63, "b" * 63, "c" * 63, "e" * 17]) +
                      ".d.example.com", "A"]),
    ("a-dname-loop", ["kdig", "x.dl1.example.com", "A"]),
    ("mx-targets", ["kdig", "mx2.example.com", "MX"]),
    ("srv", ["kdig", "_sip._tcp.example.com", "SRV"]),
    ("https-apex", ["kdig", "example.com", "HTTPS", "+dnssec"]),
    ("svcb", ["kdig", "svc.example.com", "SVCB"]),
    ("ptr", ["kdig", "ptr.example.com", "PTR"]),
    ("caa-apex", ["kdig", "example.com", "CAA"]),
    ("a-mixed-case", ["kdig", "mIxEd.CaSe.example.com", "A"]),
    ("a-refused", ["kdig", "www.example.org", "A"]),
    ("dnssec-nsid-cookie", ["kdig", "www.example.com", "A", "+dnssec", "+nsid", "+cookie"]),
    ("edns-version-1", ["kdig", "www.example.com", "A", "+edns=1"]),
    ("edns-subnet", ["kdig", "www.example.com", "A", "+subnet=198.18.0.0/24"]),
    ("edns-padding", ["kdig", "www.example.com", "A", "+padding=128"]),
    ("chaos-id-server", ["kdig", "id.server", "TXT", "-c", "CH", "+nsid"]),
    ("chaos-hostname-bind", ["kdig", "hostname.bind", "TXT", "-c", "CH"]),
    ("chaos-version-bind", ["kdig", "version.bind", "TXT", "-c", "CH"]),
    ("axfr-tcp", ["kdig", "example.com", "AXFR"]),
    ("dig-a-cookie", ["dig", "+tries=1", "+time=1", "www.example.com", "A"]),
    ("dig-aaaa-tcp", ["dig", "+tries=1", "+time=1", "+tcp", "mail.example.com", "AAAA"]),
    ("dig-notify", ["dig", "+tries=1", "+time=1", "+opcode=4", "example.com", "SOA"]),
    ("dig-header-only", ["dig", "+tries=1", "+time=1", "+header-only", "example.com"]),
    ("dig-zflag-cd", ["dig", "+tries=1", "+time=1", "+zflag", "+cdflag", "www.example.com"]),
]


def serve(sock_u, sock_t, got, stop):
    """Keeps each query, answers with its header turned into an empty reply."""
    sock_u.settimeout(0.1)
    sock_t.settimeout(0.1)
    while not stop.is_set():
        try:
            msg, peer = sock_u.recvfrom(65535)
            got.append(msg)
            sock_u.sendto(reply(msg), peer)
        except socket.timeout:
            pass
        try:
            conn, _ = sock_t.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(1)
            try:
                hdr = conn.recv(2, socket.MSG_WAITALL)
                msg = conn.recv(struct.unpack("!H", hdr)[0], socket.MSG_WAITALL)
                got.append(msg)
                r = reply(msg)
                conn.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, struct.error):
                pass


def reply(msg):
    if len(msg) < 12:
        return msg
    flags = struct.unpack("!H", msg[2:4])[0] | 0x8000
    return msg[:2] + struct.pack("!HHHHH", flags, 0, 0, 0, 0)


def client_queries():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", port))
    t.listen(4)
    out = {}
    for name, cmd in CLIENT_QUERIES:
        got, stop = [], threading.Event()
        th = threading.Thread(target=serve, args=(u, t, got, stop))
        th.start()
        args = cmd[:1] + ["@127.0.0.1", "-p", str(port)] + cmd[1:]
        if cmd[0] == "kdig":
            args += ["+timeout=1", "+retry=0"]
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=10, check=False)
        stop.set()
        th.join()
        if not got:
            sys.exit("no query caught for %s" % name)
        out[name] = got[0]
    u.close()
    t.close()
    return out


def name(text):
    b = b""
    for label in text.rstrip(".").split("."):
        b += bytes([len(label)]) + label.encode()
    return b + b"\0"


def query(qname, qtype=1, qclass=1, flags=0x0100, counts=(1, 0, 0, 0), qid=0x1234):
    return struct.pack("!HHHHHH", qid, flags, *counts) + qname + struct.pack("!HH", qtype,
                                                                                 qclass)


OPT = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
WWW = name("www.example.com")

HAND_MADE = {
    "bad-short-header": b"\x12\x34\x01\x00\x00\x01",
    "bad-qr-set": query(WWW, flags=0x8100),
    "bad-qdcount-0": struct.pack("!HHHHHH", 1, 0x0100, 0, 0, 0, 0),
    "bad-qdcount-2": query(WWW, counts=(2, 0, 0, 0)) + WWW + b"\0\1\0\1",
    "bad-question-cut": query(WWW)[:-2],
    "bad-compressed-qname": query(b"\x03www\xc0\x0c"),
    "bad-label-64": query(b"\x40" + b"a" * 64 + b"\0"),
    "bad-name-256": query(b"".join(b"\x3f" + b"x" * 63 for _ in range(4)) + b"\x03abc\0"),
    "bad-trailing-byte": query(WWW) + b"\0",
    "bad-two-opt": query(WWW, counts=(1, 0, 0, 2)) + OPT + OPT,
    "bad-opt-in-answer": query(WWW, counts=(1, 1, 0, 0)) + OPT,
    "bad-opt-owner": query(WWW, counts=(1, 0, 0, 1)) + b"\x01a\0" + OPT[1:],
    "bad-opt-option-cut": query(WWW, counts=(1, 0, 0, 1)) + b"\0" +
    struct.pack("!HHIH", 41, 1232, 0, 3) + b"\0\3\0",
    "bad-rr-pointer-loop": query(WWW, counts=(1, 1, 0, 0)) + b"\xc0\x21" +
    struct.pack("!HHIH", 1, 1, 0, 0),
    "bad-rdlen-past-end": query(WWW, counts=(1, 1, 0, 0)) + b"\xc0\x0c" +
    struct.pack("!HHIH", 1, 1, 0, 40) + b"\1\2\3\4",
    "bad-notify-formerr": query(WWW, flags=0x2000, counts=(1, 0, 0, 5)),
    "answer-rr-compressed": query(WWW, counts=(1, 1, 0, 1)) + b"\xc0\x0c" +
    struct.pack("!HHIH", 1, 1, 60, 4) + b"\xc6\x12\0\1" + OPT,
    "qtype-0": query(WWW, qtype=0),
    "qclass-any": query(WWW, qclass=255),
    "qclass-none": query(WWW, qclass=254),
    "ixfr": query(name("example.com"), qtype=251),
    "root-ns": query(b"\0", qtype=2),
    "opt-udp-100": query(WWW, counts=(1, 0, 0, 1)) + b"\0" + struct.pack("!HHIH", 41, 100,
                                                                           0x8000, 0),
    "opt-nsid-do-65535": query(name("big.big.test"), qtype=16, counts=(1, 0, 0, 1)) + b"\0" +
    struct.pack("!HHIH", 41, 65535, 0x8000, 4) + b"\0\3\0\0",
    "nul-in-label": query(b"\x03w\0w\x07example\x03com\0"),
    "escaped-dot-label": query(b"\x09esc.aped\x07example\x03com\0"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    queries = client_queries()
    queries.update(HAND_MADE)
    for n, msg in sorted(queries.items()):
        with open(os.path.join(OUT, n), "wb") as f:
            f.write(msg)
    print("%d queries in %s" % (len(queries), OUT))


if __name__ == "__main__":
    main()
