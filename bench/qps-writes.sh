#!/usr/bin/env bash
# qps-writes.sh [RECORDS] [SECONDS] [ROUNDS] [WRITES_PER_S]
#
# DNS queries per second of one zoneapi server, idle and while its API
# applies WRITES_PER_S durable changes per second to the zone being queried,
# alternating (idle, loaded, idle, loaded, ...) on the same server. The
# server is pinned to CPU 0; dnsperf and the API client share CPU 1. Each
# run also shows the server's CPU use (1.00: its whole core), which tells a
# saturated server from a load generator that could not keep up.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-100000}
seconds=${2:-10}
rounds=${3:-3}
wps=${4:-500}

command -v dnsperf >/dev/null || { echo "qps-writes.sh: dnsperf is not installed" >&2; exit 1; }
[ -x bin/coredns ] || ./build.sh
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records"
dport=$(freeport) aport=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$dport" "$work" "$aport" >"$work/Corefile"
taskset -c 0 bin/coredns -conf "$work/Corefile" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$aport/v1/health" && break; sleep 0.1; done

# qps prints the queries per second of one dnsperf run and the server's CPU
# use meanwhile (1.00 is all of its core), read from /proc.
cpu1() { awk '/^cpu1 / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; } # busy idle, in ticks
cpu0() { awk '/^cpu0 / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
qps() {
	local before after q b1 i1 b2 i2 c1 j1 c2 j2
	read -r b1 i1 < <(cpu1)
	read -r c1 j1 < <(cpu0)
	before=$(awk '{print $14+$15}' "/proc/$pid/stat")
	q=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$dport" -d "$work/queries-hit.txt" -l "$seconds" -c 4 -q 200 -t 2 2>&1 | awk '/Queries per second/ {print $4}')
	after=$(awk '{print $14+$15}' "/proc/$pid/stat")
	read -r b2 i2 < <(cpu1)
	read -r c2 j2 < <(cpu0)
	echo "$q $(awk -v b="$before" -v a="$after" -v s="$seconds" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (a-b)/hz/s}') $(awk -v b1="$b1" -v i1="$i1" -v b2="$b2" -v i2="$i2" 'BEGIN {printf "%.2f", (b2-b1)/((b2-b1)+(i2-i1))}') $(awk -v b1="$c1" -v i1="$j1" -v b2="$c2" -v i2="$j2" 'BEGIN {printf "%.2f", (b2-b1)/((b2-b1)+(i2-i1))}')"
}

echo "records=$records seconds=$seconds rounds=$rounds writes/s=$wps"
next=0
for r in $(seq "$rounds"); do
	read -r idle idlecpu idlec1 idlec0 < <(qps)
	taskset -c 1 "$work/apiload" -c 4 -rate "$wps" -n $((wps * (seconds + 1))) -start "$next" \
		-url "http://127.0.0.1:$aport/v1/zones/example.org/records" -H 'Content-Type: application/json' \
		-body '{"type":"A","name":"w%d","value":"192.0.2.1","ttl":300}' >"$work/writes.$r" &
	writer=$!
	next=$((next + wps * (seconds + 1)))
	sleep 0.5
	read -r loaded loadcpu loadc1 loadc0 < <(qps)
	wait "$writer"
	read -r p50 p99 mx rate <"$work/writes.$r"
	echo "round $r  idle qps=$idle (server CPU $idlecpu, CPU 0 busy $idlec0, CPU 1 busy $idlec1)  loaded qps=$loaded (server CPU $loadcpu, CPU 0 busy $loadc0, CPU 1 busy $loadc1)  writes: ${rate}/s p50=${p50}ms p99=${p99}ms"
	echo "$idle" >>"$work/idle"; echo "$loaded" >>"$work/loaded"
done
i=$(median <"$work/idle"); l=$(median <"$work/loaded")
awk -v i="$i" -v l="$l" 'BEGIN { printf "median idle %.0f qps, under writes %.0f qps: %.2f of idle   aim >= 0.90\n", i, l, l/i }'
