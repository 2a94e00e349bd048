#!/usr/bin/env bash
# cores.sh [NAMES] [SECONDS] [ROUNDS]
#
# How zoneapi, CoreDNS's file plugin, Knot and NSD scale from one core to
# two, on the realistic mix of bench/genmix.py over a zone of NAMES names.
# With one core the server runs on CPU 0 and dnsperf on CPU 1. With two,
# the server has CPUs 0 and 1 and as many workers: Knot two UDP workers,
# NSD two server processes (reuseport), CoreDNS GOMAXPROCS 2 with one
# socket, or, as zoneapi+ms and file+ms, with `multisocket 2` (two UDP
# sockets on one port, SO_REUSEPORT) - and dnsperf, with
# two threads, shares those cores, as there are no others. So the
# two-core figures are bounded by the load generator's share: each line
# gives dnsperf's own CPU-seconds, and queries per CPU-second of the
# server tells whether the server's cost per query held as it spread.
# The servers run one at a time, interleaved; medians of ROUNDS rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
names=${1:-10000}
seconds=${2:-10}
rounds=${3:-3}
read -r -a servers <<<"${SERVERS:-zoneapi zoneapi+ms file file+ms knot nsd}"

command -v dnsperf >/dev/null || { echo "cores.sh: dnsperf is not installed (apt-get install dnsperf)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "cores.sh: needs two CPUs" >&2; exit 1; }
setup
python3 bench/genmix.py "$work" "$names"
hz=$(getconf CLK_TCK)

# start SERVER CORES PORT: the server on CORES cores, in the background.
start() {
	local d="$work/$1.$2" cpus=0
	[ "$2" = 2 ] && cpus=0,1
	mkdir -p "$d/store" && cp "$work/store/example.org.zone" "$d/store/"
	case $1 in
	knot) CPUS=$cpus WORKERS=$2 start_knot "$d" "$3" "$d/store/example.org.zone" ;;
	nsd) CPUS=$cpus WORKERS=$2 start_nsd "$d" "$3" "$d/store/example.org.zone" ;;
	*)
		local ms=""
		[ "$2" = 2 ] && [ "${1%+ms}" != "$1" ] && ms="    multisocket 2\n"
		case ${1%+ms} in
		zoneapi) printf ".:%s {\n    bind 127.0.0.1\n$ms    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n" "$3" "$d" "$(freeport)" ;;
		file) printf "example.org:%s {\n    bind 127.0.0.1\n$ms    file %s/store/example.org.zone\n}\n" "$3" "$d" ;;
		esac >"$d/Corefile"
		taskset -c "$cpus" bin/coredns -conf "$d/Corefile" >"$d/log" 2>&1 &
		;;
	esac
}

# run SERVER CORES: prints "QPS SERVER_CPU_S DNSPERF_CPU_S"
run() {
	local port pid
	port=$(freeport)
	start "$1" "$2" "$port"
	pid=$!
	wait_dns "$port"
	local lcpus=1 threads=1 before lt TIMEFORMAT='%U %S'
	[ "$2" = 2 ] && lcpus=0,1 threads=2
	before=$(cputime "$pid")
	{ time taskset -c "$lcpus" dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-real.txt" -l "$seconds" -c 8 -T "$threads" -q 400 -t 2 >"$work/out" 2>&1; } 2>"$work/time"
	lt=$(awk '{print $1 + $2}' "$work/time")
	local after
	after=$(cputime "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v q="$(awk '/Queries per second/ {print $4}' "$work/out")" -v a="$after" -v b="$before" -v l="$lt" -v hz="$hz" \
		'BEGIN { printf "%.0f %.2f %.2f\n", q, (a-b)/hz, l }'
}

echo "cores: names=$names, mix of bench/genmix.py, ${seconds}s runs, $rounds rounds ($(nproc) CPUs)"
for r in $(seq "$rounds"); do
	for c in 1 2; do
		for s in "${servers[@]}"; do
			[ "$c" = 1 ] && [ "${s%+ms}" != "$s" ] && continue # the same server as without +ms
			read -r qps cpu lcpu < <(run "$s" "$c")
			per=$(awk -v q="$qps" -v c="$cpu" -v l="$seconds" 'BEGIN {printf "%.0f", (c > 0) ? q*l/c : 0}')
			echo "round $r  $s  cores=$c  qps=$qps  server_cpu_s=$cpu  per_cpu_s=$per  dnsperf_cpu_s=$lcpu"
			echo "$qps" >>"$work/qps.$s.$c" && echo "$per" >>"$work/per.$s.$c" && echo "$lcpu" >>"$work/gen.$s.$c"
		done
	done
done
echo
printf '%-10s %10s %10s %8s %12s %12s %14s\n' server "qps 1" "qps 2" "2 / 1" "per CPU-s 1" "per CPU-s 2" "dnsperf CPU 2"
for s in "${servers[@]}"; do
	one=${s%+ms}
	q1=$(median <"$work/qps.$one.1") q2=$(median <"$work/qps.$s.2")
	printf '%-10s %10.0f %10.0f %8.2f %12.0f %12.0f %13.1fs\n' "$s" "$q1" "$q2" "$(awk -v a="$q2" -v b="$q1" 'BEGIN {print a/b}')" \
		"$(median <"$work/per.$one.1")" "$(median <"$work/per.$s.2")" "$(median <"$work/gen.$s.2")"
done
