#!/usr/bin/env bash
# hetzner.sh [REQUESTS] [ROUNDS] [RECORDS]
#
# What the Hetzner API costs a change against /v1: each round starts
# bin/coredns on a fresh store of a zone of RECORDS records (pinned to CPU
# 0) and sends REQUESTS sequential writes that each add a new A record
# (bench/apiload on CPU 1), through /v1's upsertRecord and through the
# Hetzner API's add_records, in turn. Prints each run, the medians and the
# ratio of changes per second; with SUMMARY=FILE also writes the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
requests=${1:-1000}
rounds=${2:-3}
records=${3:-1000}

setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records" >/dev/null

# run API ROUND: API is v1 or hetzner.
run() {
	local dir="$work/$1.$2" dport aport pid out url body
	mkdir -p "$dir/store" && cp "$work/store/example.org.zone" "$dir/store/"
	dport=$(freeport) aport=$(freeport)
	printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n        hetzner_rate_limit 0\n    }\n}\n' "$dport" "$dir" "$aport" >"$dir/Corefile"
	taskset -c 0 bin/coredns -conf "$dir/Corefile" >"$dir/log" 2>&1 &
	pid=$!
	wait_http "http://127.0.0.1:$aport/v1/health"
	if [ "$1" = v1 ]; then
		url="http://127.0.0.1:$aport/v1/zones/example.org/records"
		body='{"type":"A","name":"bench%d","value":"192.0.2.1","ttl":300}'
	else
		url="http://127.0.0.1:$aport/hetzner/v1/zones/example.org/rrsets/bench%d/A/actions/add_records"
		body='{"records":[{"value":"192.0.2.1"}],"ttl":300}'
	fi
	out=$(taskset -c 1 "$work/apiload" -n "$requests" -url "$url" -H 'Content-Type: application/json' -body "$body")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out"
}

: >"$work/v1" && : >"$work/hetzner"
for r in $(seq "$rounds"); do
	for api in v1 hetzner; do
		line=$(run "$api" "$r")
		echo "$api round $r: p50 $(echo "$line" | cut -d' ' -f1) ms, p99 $(echo "$line" | cut -d' ' -f2) ms, $(echo "$line" | cut -d' ' -f4) changes/s"
		echo "$line" >>"$work/$api"
	done
done
v1=$(cut -d' ' -f4 "$work/v1" | median) hz=$(cut -d' ' -f4 "$work/hetzner" | median)
v1p99=$(cut -d' ' -f2 "$work/v1" | median) hzp99=$(cut -d' ' -f2 "$work/hetzner" | median)
ratio=$(awk -v a="$hz" -v b="$v1" 'BEGIN {printf "%.2f", a / b}')
echo "median: /v1 $v1 changes/s (p99 $v1p99 ms), Hetzner add_records $hz changes/s (p99 $hzp99 ms): ratio $ratio"
[ -n "${SUMMARY:-}" ] && echo "hetzner $v1 $v1p99 $hz $hzp99 $ratio" >>"$SUMMARY"
exit 0
