#!/usr/bin/env bash
# dnssec-change.sh [REQUESTS] [ROUNDS] [RECORDS] [DENIAL]
#
# Latency of one API change (upsertRecord: a new A record, sequential) on a
# zone of RECORDS records (default 100,000) signed through the API
# (ECDSAP256SHA256, DENIAL nsec or nsec3), against the same zone unsigned:
# two stores, the servers one at a time, interleaved, pinned to CPU 0, the
# client (bench/apiload) on CPU 1. Prints each run's p50, p99 and max in
# milliseconds and changes a second, and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
requests=${1:-1000}
rounds=${2:-3}
records=${3:-100000}
denial=${4:-nsec}
setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records" >/dev/null
port=$(freeport) api=$(freeport)
for s in unsigned signed; do
	mkdir -p "$work/$s"
	printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/%s {\n        listen 127.0.0.1:%s\n    }\n}\n' "$port" "$work" "$s" "$api" >"$work/Corefile.$s"
done
# Sign a copy once; each round starts from the signed or unsigned file.
mkdir -p "$work/signed.orig" "$work/unsigned.orig"
cp "$work/store/example.org.zone" "$work/unsigned.orig/"
cp "$work/store/example.org.zone" "$work/signed/"
taskset -c 0 bin/coredns -conf "$work/Corefile.signed" >"$work/sign.log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$api/v1/health"
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"enabled\":true,\"denial\":\"$denial\"}" "http://127.0.0.1:$api/v1/zones/example.org/dnssec"
kill "$pid"; wait "$pid" 2>/dev/null || true
cp -a "$work/signed/." "$work/signed.orig/"

run() {
	rm -rf "$work/$1" && cp -a "$work/$1.orig" "$work/$1"
	taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
	local pid=$!
	wait_http "http://127.0.0.1:$api/v1/health"
	taskset -c 1 "$work/apiload" -n "$requests" -url "http://127.0.0.1:$api/v1/zones/example.org/records" \
		-H 'Content-Type: application/json' -body '{"type":"A","name":"change%d","value":"192.0.2.1","ttl":300}'
	kill "$pid"; wait "$pid" 2>/dev/null || true
}
for r in $(seq "$rounds"); do
	for s in unsigned signed; do
		read -r p50 p99 mx rate < <(run "$s")
		echo "round $r  $s  p50=${p50}ms p99=${p99}ms max=${mx}ms  ${rate} changes/s"
		echo "$p50" >>"$work/p50.$s" && echo "$p99" >>"$work/p99.$s"
	done
done
for s in unsigned signed; do
	echo "median $s: p50 $(median <"$work/p50.$s") ms, p99 $(median <"$work/p99.$s") ms"
done
