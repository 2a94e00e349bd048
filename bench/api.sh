#!/usr/bin/env bash
# api.sh [REQUESTS] [ROUNDS] [RECORDS]
#
# Durable API writes per second: zoneapi's upsertRecord (/v1), zoneapi's
# PowerDNS-compatible PATCH (/api) and PowerDNS 4.7's own API (gsqlite3
# backend) with the same one-RRset PATCH, each adding a new A record to a
# zone of RECORDS records (SERVERS="zoneapi pdns" picks some). The servers run one at a time, interleaved, pinned
# to CPU 0; the client (bench/apiload, sequential) runs on CPU 1. Prints each
# run, the medians and the ratio; with SUMMARY=FILE also writes the medians
# there.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
requests=${1:-1000}
rounds=${2:-3}
records=${3:-1000}

for tool in pdns_server sqlite3; do
	command -v $tool >/dev/null || { echo "api.sh: $tool is missing (apt-get install pdns-server pdns-backend-sqlite3 sqlite3)" >&2; exit 1; }
done
setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records" >/dev/null

# zoneapi_run NAME ROUND APILOAD-ARGS...: zoneapi on a fresh store each
# round, so every server starts from the same zone; PORT in the arguments
# is its API's port.
zoneapi_run() {
	local dir="$work/$1.$2" dport aport pid out
	shift 2
	mkdir -p "$dir/store" && cp "$work/store/example.org.zone" "$dir/store/"
	dport=$(freeport) aport=$(freeport)
	printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$dport" "$dir" "$aport" >"$dir/Corefile"
	taskset -c 0 bin/coredns -conf "$dir/Corefile" >"$dir/log" 2>&1 &
	pid=$!
	wait_http "http://127.0.0.1:$aport/v1/health"
	out=$(taskset -c 1 "$work/apiload" -n "$requests" -H 'Content-Type: application/json' "${@//PORT/$aport}")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out"
}

# run_zoneapi ROUND: /v1's upsertRecord.
run_zoneapi() {
	zoneapi_run zoneapi "$1" -url "http://127.0.0.1:PORT/v1/zones/example.org/records" \
		-body '{"type":"A","name":"bench%d","value":"192.0.2.1","ttl":300}'
}

# run_zoneapipdns ROUND: the PowerDNS-compatible API (/api), with the PATCH
# PowerDNS is sent.
run_zoneapipdns() {
	zoneapi_run zoneapipdns "$1" -method PATCH -url "http://127.0.0.1:PORT/api/v1/servers/localhost/zones/example.org." \
		-body "$pdns_patch"
}

pdns_patch='{"rrsets":[{"name":"bench%d.example.org.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.1","disabled":false}]}]}'

run_pdns() {
	local dir="$work/pdns.$1" dport wport pid out
	mkdir -p "$dir"
	dport=$(freeport) wport=$(freeport)
	sqlite3 "$dir/pdns.sqlite3" </usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql
	cat >"$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
local-address=127.0.0.1
local-port=$dport
socket-dir=$dir
api=yes
api-key=bench
webserver=yes
webserver-address=127.0.0.1
webserver-port=$wport
webserver-allow-from=127.0.0.1
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
CONF
	taskset -c 0 pdns_server --config-dir="$dir" >"$dir/log" 2>&1 &
	pid=$!
	wait_http -H 'X-API-Key: bench' "http://127.0.0.1:$wport/api/v1/servers/localhost"
	# The same zone as zoneapi's, through PowerDNS's own zone import.
	python3 - "$work/store/example.org.zone" "$dir/zone.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
json.dump({"name": "example.org.", "kind": "Native", "zone": text.replace("$TTL 3600\n", "$TTL 3600\n$ORIGIN example.org.\n")}, open(sys.argv[2], "w"))
PY
	curl -sf -o /dev/null -X POST -H 'X-API-Key: bench' -H 'Content-Type: application/json' --data @"$dir/zone.json" \
		"http://127.0.0.1:$wport/api/v1/servers/localhost/zones"
	out=$(taskset -c 1 "$work/apiload" -n "$requests" -method PATCH -url "http://127.0.0.1:$wport/api/v1/servers/localhost/zones/example.org." \
		-H 'Content-Type: application/json' -H 'X-API-Key: bench' -body "$pdns_patch")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out"
}

echo "requests=$requests rounds=$rounds records=$records (server on CPU 0, client on CPU 1)"
servers=${SERVERS:-zoneapi zoneapipdns pdns}
for r in $(seq "$rounds"); do
	for s in $servers; do
		read -r p50 p99 mx rate < <(run_$s "$r")
		echo "round $r  $s  p50=${p50}ms  p99=${p99}ms  max=${mx}ms  changes/s=$rate"
		echo "$rate" >>"$work/rate.$s"; echo "$p50" >>"$work/p50.$s"; echo "$p99" >>"$work/p99.$s"
	done
done
echo
for s in $servers; do
	printf '%-8s median changes/s %6.0f   p50 %6.2f ms   p99 %6.2f ms\n' "$s" "$(median <"$work/rate.$s")" "$(median <"$work/p50.$s")" "$(median <"$work/p99.$s")"
done
awk -v z="$(median <"$work/rate.zoneapi")" -v p="$(median <"$work/rate.pdns")" 'BEGIN { printf "zoneapi /v1 / pdns = %.1f (changes/s)   aim >= 5\n", z/p }'
if [ -f "$work/rate.zoneapipdns" ]; then
	awk -v z="$(median <"$work/rate.zoneapipdns")" -v p="$(median <"$work/rate.pdns")" 'BEGIN { printf "zoneapi /api / pdns = %.1f (changes/s)   aim >= 5\n", z/p }'
fi
# With SUMMARY=FILE: "server p50 p99 changes/s" lines, for run.sh's chart.
if [ -n "${SUMMARY:-}" ]; then
	for s in zoneapi pdns; do
		echo "$s $(median <"$work/p50.$s") $(median <"$work/p99.$s") $(median <"$work/rate.$s")"
	done | sed 's/^pdns /PowerDNS /' >"$SUMMARY"
fi
