#!/usr/bin/env python3
"""Writes a zone of NAMES names as a real zone has them, and a query file of
the mix a real authoritative server is asked.

genmix.py DIR NAMES  ->  DIR/store/example.org.zone
                         DIR/queries-real.txt

The zone: of every 10 names, 9 hold an A record, half of them an AAAA
too, one in 5 a TXT and one in 10 an MX; the tenth is a CNAME to one of
the others. A wildcard *.wild holds an A and a TXT.

The queries (100,000, in a fixed random order):
  70%  existing names: A, AAAA, TXT and MX where the name has them,
       and CNAMEs asked as A, so the server follows the chain;
  10%  wildcard hits (names under wild.example.org, asked A);
  20%  names that do not exist (NXDOMAIN, the SOA in authority).
"""
import os
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(out, "store"), exist_ok=True)
rnd = random.Random(1)
asks = []  # (name, type) pairs that have an answer
with open(os.path.join(out, "store", "example.org.zone"), "w") as f:
    f.write("$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n")
    f.write('*.wild IN A 192.0.2.99\n*.wild IN TXT "wildcard"\n')
    for i in range(n):
        name = "host%d" % i
        if i % 10 == 9:
            f.write("%s IN CNAME host%d\n" % (name, rnd.randrange(n // 10) * 10))
            asks.append((name, "A"))
            continue
        f.write("%s IN A 10.%d.%d.%d\n" % (name, (i >> 16) & 255, (i >> 8) & 255, i & 255))
        asks.append((name, "A"))
        if i % 2 == 0:
            f.write("%s IN AAAA 2001:db8::%x:%x\n" % (name, i >> 16, i & 0xFFFF))
            asks.append((name, "AAAA"))
        if i % 5 == 0:
            f.write('%s IN TXT "v=spf1 ip4:10.%d.%d.%d -all"\n' % (name, (i >> 16) & 255, (i >> 8) & 255, i & 255))
            asks.append((name, "TXT"))
        if i % 10 == 0:
            f.write("%s IN MX 10 mail%d.example.net.\n" % (name, i))
            asks.append((name, "MX"))

with open(os.path.join(out, "queries-real.txt"), "w") as f:
    for i in range(100000):
        k = i % 10
        if k < 7:
            name, qtype = asks[rnd.randrange(len(asks))]
            f.write("%s.example.org %s\n" % (name, qtype))
        elif k == 7:
            f.write("w%d.wild.example.org A\n" % rnd.randrange(n))
        else:
            f.write("missing%d.example.org A\n" % rnd.randrange(n))
