#!/usr/bin/env bash
# qps-writes.sh [RECORDS] [CYCLES] [WRITES_PER_S] [PHASE_SECONDS]
#
# DNS queries per second of one zoneapi server while its API applies
# WRITES_PER_S durable changes per second to the zone being queried,
# against the same server idle. The CPU speed of this machine drifts from
# second to second, so the two are compared at nearly the same moment: one
# dnsperf run reports its rate every second, while bench/apiload writes in
# bursts of PHASE_SECONDS with as long quiet between them, CYCLES times.
# Each second of queries wholly inside a burst is compared with the quiet
# seconds next to that burst; the result is the median of these ratios.
# The server is pinned to CPU 0; dnsperf and the API client (WRITERS
# connections, 16 unless set: under a saturated core a write takes about
# 15 ms, so 4 cannot keep up 500 a second) share CPU 1. BIN names the
# server binary (bin/coredns unless set), to compare two builds. PROFILE=1
# also samples the server's stacks with perf and prints where its core goes
# in the bursts and between them (bench/phases.py).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-100000}
cycles=${2:-10}
wps=${3:-500}
phase=${4:-5}
writers=${WRITERS:-16}

command -v dnsperf >/dev/null || { echo "qps-writes.sh: dnsperf is not installed" >&2; exit 1; }
[ -z "${PROFILE:-}" ] || command -v perf >/dev/null || { echo "qps-writes.sh: PROFILE=1 needs perf" >&2; exit 1; }
setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records"
dport=$(freeport) aport=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$dport" "$work" "$aport" >"$work/Corefile"
taskset -c 0 ${BIN:-bin/coredns} -conf "$work/Corefile" >"$work/log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$aport/v1/health"

echo "records=$records cycles=$cycles writes/s=$wps phase=${phase}s writers=$writers"
# The first seconds of queries after the load are slower than the rest; a
# first burst compared with them would come out high (with nothing in the
# bursts, 4 bursts gave 1.03-1.09). Queries for one phase first, not counted.
taskset -c 1 dnsperf -s 127.0.0.1 -p "$dport" -d "$work/queries-hit.txt" -l "$phase" -c 4 -q 200 -t 2 >/dev/null 2>&1
seconds=$(((2 * cycles + 1) * phase))
if [ -n "${PROFILE:-}" ]; then
	perf record -q -k CLOCK_REALTIME -e cpu-clock -F 1999 -g -p "$pid" -o "$work/perf.data" 2>/dev/null &
	profiler=$!
fi
cpu_before=$(awk '{print $14+$15}' "/proc/$pid/stat")
taskset -c 1 dnsperf -s 127.0.0.1 -p "$dport" -d "$work/queries-hit.txt" -l "$seconds" -c 4 -q 200 -t 2 -S 1 >"$work/dnsperf" 2>&1 &
perf=$!
sleep "$phase"
taskset -c 1 "$work/apiload" -c "$writers" -rate "$wps" -n $((wps * phase * cycles)) -on "${phase}s" -off "${phase}s" \
	-phases "$work/bursts" -url "http://127.0.0.1:$aport/v1/zones/example.org/records" -H 'Content-Type: application/json' \
	-body '{"type":"A","name":"w%d","value":"192.0.2.1","ttl":300}' >"$work/writes"
wait "$perf"
if [ -n "${PROFILE:-}" ]; then
	kill -INT "$profiler"
	wait "$profiler" || true
	perf script -i "$work/perf.data" -F tid,time,ip,sym 2>/dev/null >"$work/stacks"
	python3 bench/phases.py profile "$work/dnsperf" "$work/bursts" "$work/stacks"
fi
cpu_after=$(awk '{print $14+$15}' "/proc/$pid/stat")
read -r p50 p99 mx rate <"$work/writes"
echo "writes: ${rate}/s within the bursts, p50=${p50}ms p99=${p99}ms max=${mx}ms; server CPU $(awk -v b="$cpu_before" -v a="$cpu_after" -v s="$seconds" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (a-b)/hz/s}') of its core"

python3 bench/phases.py ratio "$work/dnsperf" "$work/bursts"
