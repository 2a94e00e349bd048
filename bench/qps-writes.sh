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
# 10 ms, so 4 cannot keep up 500 a second) share CPU 1. BIN names the
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
setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzone.py "$work" "$records"
dport=$(freeport) aport=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$dport" "$work" "$aport" >"$work/Corefile"
taskset -c 0 ${BIN:-bin/coredns} -conf "$work/Corefile" >"$work/log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$aport/v1/health"

echo "records=$records cycles=$cycles writes/s=$wps phase=${phase}s writers=$writers"
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
	python3 bench/phases.py "$work/dnsperf" "$work/bursts" "$work/stacks"
fi
cpu_after=$(awk '{print $14+$15}' "/proc/$pid/stat")
read -r p50 p99 mx rate <"$work/writes"
echo "writes: ${rate}/s within the bursts, p50=${p50}ms p99=${p99}ms max=${mx}ms; server CPU $(awk -v b="$cpu_before" -v a="$cpu_after" -v s="$seconds" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (a-b)/hz/s}') of its core"

# Each dnsperf line "T: QPS" covers the second before T. A second is "on"
# if it lies inside a burst, "off" if it starts at least 1 s after a burst
# and ends 0.2 s before the next: the zone's file is rewritten from memory
# once it has been quiet for 0.5 s (compaction), which under a steady 500
# writes/s happens every 25 s and here after every burst; the rest straddle
# a change and are left out.
python3 - "$work/dnsperf" "$work/bursts" <<'EOF'
import re, statistics, sys
samples = [(float(t), float(q)) for t, q in re.findall(r'^(\d+\.\d+): (\d+\.\d+)$', open(sys.argv[1]).read(), re.M)]
bursts = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
def phase(t):
    for s, e in bursts:
        if s <= t - 1 and t <= e:
            return 'on'
        if t - 1 < e + 1 and t > s - 0.2:
            return None
    return 'off'
kind = [phase(t) for t, _ in samples]
ratios = []
for i, (t, q) in enumerate(samples):
    if kind[i] != 'on':
        continue
    before = next((samples[j][1] for j in range(i - 1, -1, -1) if kind[j] == 'off'), None)
    after = next((samples[j][1] for j in range(i + 1, len(samples)) if kind[j] == 'off'), None)
    near = [x for x in (before, after) if x is not None]
    if near:
        ratios.append(q / statistics.mean(near))
on = [q for (t, q), k in zip(samples, kind) if k == 'on']
off = [q for (t, q), k in zip(samples, kind) if k == 'off']
if not ratios:
    sys.exit("qps-writes.sh: no second of queries fell wholly inside a burst")
print("seconds: %d idle, %d under writes; median idle %.0f qps, under writes %.0f qps" % (len(off), len(on), statistics.median(off), statistics.median(on)))
print("ratio of each second under writes to the idle seconds next to it: min %.2f, median %.2f, max %.2f   aim >= 0.90" % (min(ratios), statistics.median(ratios), max(ratios)))
EOF
