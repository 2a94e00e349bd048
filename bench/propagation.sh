#!/usr/bin/env bash
# propagation.sh [CHANGES] [RECORDS]
#
# How long a change made over the API takes to be served by a Knot secondary
# (NOTIFY, then IXFR), on a zone of RECORDS records: CHANGES changes, 300 ms
# apart, each timed from the API's answer to the first answer of Knot that
# has it.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
changes=${1:-20}
records=${2:-10000}
command -v knotd >/dev/null || { echo "propagation.sh: knotd is missing (apt-get install knot)" >&2; exit 1; }
setup
go build -o "$work/proplat" ./bench/proplat
python3 bench/genzone.py "$work" "$records" >/dev/null
dport=$(freeport) aport=$(freeport) kport=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    transfer {\n        to *\n    }\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n        secondaries 127.0.0.1:%s\n    }\n}\n' "$dport" "$work" "$aport" "$kport" >"$work/Corefile"
bin/coredns -conf "$work/Corefile" >"$work/coredns.log" 2>&1 &
mkdir -p "$work/knot"
printf 'server:\n  listen: 127.0.0.1@%s\n  rundir: %s/knot\nlog:\n  - target: stderr\n    any: error\ndatabase:\n  storage: %s/knot\nremote:\n  - id: primary\n    address: 127.0.0.1@%s\nacl:\n  - id: notify\n    address: 127.0.0.1\n    action: notify\ntemplate:\n  - id: default\n    storage: %s/knot\n    zonefile-sync: -1\n    zonefile-load: none\n    journal-content: none\nzone:\n  - domain: example.org\n    master: primary\n    acl: notify\n' \
	"$kport" "$work" "$work" "$dport" "$work" >"$work/knot/knot.conf"
wait_http "http://127.0.0.1:$aport/v1/health"
knotd -c "$work/knot/knot.conf" >"$work/knot.log" 2>&1 &
for _ in $(seq 200); do dig +short +time=1 +tries=1 @127.0.0.1 -p "$kport" example.org SOA 2>/dev/null | grep -q . && break; sleep 0.1; done
read -r p50 p90 mx < <("$work/proplat" -api "http://127.0.0.1:$aport/v1" -secondary "127.0.0.1:$kport" -n "$changes" -gap "${GAP:-300ms}")
echo "records=$records changes=$changes: from the API's answer to Knot serving the change: p50 ${p50} ms, p90 ${p90} ms, max ${mx} ms"
