#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Zones and kxdpgun query files for bench/run.sh: a small hot zone, one big zone,
# and many small zones. Seeded, so every run and every server sees the same data.
"""usage: zonegen.py hot DIR | big DIR [NAMES] | many DIR [ZONES] [RECORDS]"""

import os
import random
import sys

SOA = "{o} 3600 IN SOA ns1.{o} hostmaster.{o} 1 7200 3600 1209600 300\n"
HEAD = "$ORIGIN {o}\n$TTL 3600\n" + SOA + "{o} 3600 IN NS ns1.{o}\nns1.{o} 3600 IN A 198.18.0.2\n"


def v4(i):
	# 198.18.0.0/15 only: documentation-style benchmark addresses.
	return "198.%d.%d.%d" % (18 + (i >> 16 & 1), i >> 8 & 255, i & 255)


def v6(i):
	return "2001:db8::%x:%x" % (i >> 16, i & 0xffff)


def hot(out):
	"""1,000 names with A and AAAA: the hits the fast path is for. Half the
	queries carry EDNS (kxdpgun's E flag), as resolvers' queries do."""
	origin = "example.com."
	rnd = random.Random(53)
	with open(os.path.join(out, "hot.zone"), "w") as z:
		z.write(HEAD.format(o=origin))
		for i in range(1000):
			z.write("h%d.%s 3600 IN A %s\n" % (i, origin, v4(i)))
			z.write("h%d.%s 3600 IN AAAA %s\n" % (i, origin, v6(i)))
	with open(os.path.join(out, "hot.queries"), "w") as q:
		for _ in range(20000):
			i = rnd.randrange(1000)
			q.write("h%d.%s %s%s\n" % (i, origin, rnd.choice(("A", "AAAA")),
						   " E" if rnd.random() < 0.5 else ""))


def big(out, names):
	"""One zone of NAMES names, each with an A; every 4th also AAAA, every 10th
	TXT, every 20th MX. Queries ask for types the name has; 3 % are NXDOMAIN."""
	origin = "example.net."
	rnd = random.Random(1035)
	with open(os.path.join(out, "big.zone"), "w") as z:
		z.write(HEAD.format(o=origin))
		for i in range(names):
			n = "n%d.%s" % (i, origin)
			z.write("%s 3600 IN A %s\n" % (n, v4(i)))
			if i % 4 == 0:
				z.write("%s 3600 IN AAAA %s\n" % (n, v6(i)))
			if i % 10 == 0:
				z.write("%s 3600 IN TXT \"v=bench %d\"\n" % (n, i))
			if i % 20 == 0:
				z.write("%s 3600 IN MX 10 mx.%s\n" % (n, n))
	with open(os.path.join(out, "big.queries"), "w") as q:
		for _ in range(100000):
			i = rnd.randrange(names)
			if rnd.random() < 0.03:
				q.write("nx%d.%s A\n" % (i, origin))
				continue
			types = ["A"]
			if i % 4 == 0:
				types.append("AAAA")
			if i % 10 == 0:
				types.append("TXT")
			if i % 20 == 0:
				types.append("MX")
			q.write("n%d.%s %s%s\n" % (i, origin, rnd.choice(types),
						 " E" if rnd.random() < 0.5 else ""))


def many(out, zones, records):
	"""ZONES zone files of about RECORDS records each: SOA, NS, then hosts with
	A (every third also AAAA), an MX and a TXT at the apex."""
	os.makedirs(out, exist_ok=True)
	for z in range(zones):
		origin = "zone%06d.test." % z
		lines = [HEAD.format(o=origin),
			 "%s 3600 IN MX 10 mail.%s\n" % (origin, origin),
			 "%s 3600 IN TXT \"v=spf1 mx -all\"\n" % origin]
		n, h = 5, 0
		while n < records:
			lines.append("host%d.%s 3600 IN A %s\n" % (h, origin, v4(z * 16 + h)))
			n += 1
			if h % 3 == 0 and n < records:
				lines.append("host%d.%s 3600 IN AAAA %s\n" % (h, origin, v6(z * 16 + h)))
				n += 1
			h += 1
		with open(os.path.join(out, "%06d.zone" % z), "w") as f:
			f.write("".join(lines))


def main(argv):
	if len(argv) >= 3 and argv[1] == "hot":
		hot(argv[2])
	elif len(argv) >= 3 and argv[1] == "big":
		big(argv[2], int(argv[3]) if len(argv) > 3 else 100000)
	elif len(argv) >= 3 and argv[1] == "many":
		many(argv[2], int(argv[3]) if len(argv) > 3 else 100000,
		     int(argv[4]) if len(argv) > 4 else 20)
	else:
		sys.stderr.write(__doc__ + "\n")
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
