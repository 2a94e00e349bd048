#!/usr/bin/env python3
"""Writes a benchmark zone and dnsperf query files.

genzone.py DIR RECORDS  ->  DIR/store/example.org.zone
                            DIR/queries-hit.txt      exact hits
                            DIR/queries-mix.txt      80% hits, 20% NXDOMAIN
                            DIR/queries-wild.txt     wildcard hits
"""
import os
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(out, "store"), exist_ok=True)
with open(os.path.join(out, "store", "example.org.zone"), "w") as f:
    f.write("$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n")
    f.write("*.wild IN A 192.0.2.99\n")
    for i in range(n):
        f.write("host%d IN A 10.%d.%d.%d\n" % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))

rnd = random.Random(1)
with open(os.path.join(out, "queries-hit.txt"), "w") as f:
    for _ in range(100000):
        f.write("host%d.example.org A\n" % rnd.randrange(n))
with open(os.path.join(out, "queries-mix.txt"), "w") as f:
    for i in range(100000):
        if i % 5 == 0:
            f.write("missing%d.example.org A\n" % rnd.randrange(n))
        else:
            f.write("host%d.example.org A\n" % rnd.randrange(n))
with open(os.path.join(out, "queries-wild.txt"), "w") as f:
    for _ in range(100000):
        f.write("w%d.wild.example.org A\n" % rnd.randrange(n))
