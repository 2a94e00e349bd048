#!/usr/bin/env python3
"""genzones.py DIR ZONES RECORDS: RECORDS A records spread over ZONES zones
zNNNNN.example, one file each, in DIR/store."""
import os
import sys

out, zones, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(os.path.join(out, "store"), exist_ok=True)
per = records // zones
for z in range(zones):
    name = "z%05d.example" % z
    with open(os.path.join(out, "store", name + ".zone"), "w") as f:
        f.write("$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n")
        for i in range(per):
            f.write("h%d IN A 10.%d.%d.%d\n" % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))
