#!/usr/bin/env bash
# qps.sh [RECORDS] [SECONDS] [ROUNDS] [QUERIES]
#
# Queries per second of bin/coredns serving one zone through zoneapi, through
# CoreDNS's stock file plugin, and answering with the whoami plugin (CoreDNS's
# own ceiling: no lookup at all). The servers run one at a time, interleaved
# (A B C A B C ...), the server pinned to CPU 0 and dnsperf to CPU 1. Prints
# each run, the medians, the ratios, and queries per CPU-second of the server
# (read from /proc), which does not drift with the machine's clock speed.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000}
seconds=${2:-10}
rounds=${3:-3}
queries=${4:-hit}

command -v dnsperf >/dev/null || { echo "qps.sh: dnsperf is not installed (apt-get install dnsperf)" >&2; exit 1; }
[ -x bin/coredns ] || ./build.sh
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 bench/genzone.py "$work" "$records"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

corefile() {
	case $1 in
	zoneapi) printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store\n}\n' "$port" "$work" ;;
	file) printf 'example.org:%s {\n    bind 127.0.0.1\n    file %s/store/example.org.zone\n}\n' "$port" "$work" ;;
	whoami) printf '.:%s {\n    bind 127.0.0.1\n    whoami\n}\n' "$port" ;;
	esac
}

# run SERVER: prints "QPS CPU_SECONDS"
run() {
	corefile "$1" >"$work/Corefile.$1"
	taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
	local pid=$!
	for _ in $(seq 50); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" ns1.example.org A >/dev/null 2>&1 && break
		sleep 0.1
	done
	local hz before after out qps
	hz=$(getconf CLK_TCK)
	before=$(awk '{print $14+$15}' "/proc/$pid/stat")
	out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-$queries.txt" -l "$seconds" -c 4 -q 200 -t 2 2>&1)
	after=$(awk '{print $14+$15}' "/proc/$pid/stat")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	qps=$(awk '/Queries per second/ {print $4}' <<<"$out")
	lost=$(awk '/Queries lost/ {print $3}' <<<"$out")
	echo "$qps $(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN {printf "%.2f", (a-b)/hz}') $lost"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

servers=(zoneapi file whoami)
echo "records=$records queries=$queries seconds=$seconds rounds=$rounds ($(nproc) CPUs, server on CPU 0, dnsperf on CPU 1)"
for r in $(seq "$rounds"); do
	for s in "${servers[@]}"; do
		read -r qps cpu lost < <(run "$s")
		per=$(awk -v q="$qps" -v c="$cpu" -v l="$seconds" 'BEGIN {printf "%.0f", (c > 0) ? q*l/c : 0}')
		echo "round $r  $s  qps=$qps  server_cpu_s=$cpu  qps_per_cpu_s=$per  lost=$lost"
		echo "$qps" >>"$work/qps.$s"
		echo "$per" >>"$work/per.$s"
	done
done
echo
for s in "${servers[@]}"; do
	printf '%-8s median qps %8.0f   median queries per CPU-second %8.0f\n' "$s" "$(median <"$work/qps.$s")" "$(median <"$work/per.$s")"
done
z=$(median <"$work/qps.zoneapi"); f=$(median <"$work/qps.file"); w=$(median <"$work/qps.whoami")
zc=$(median <"$work/per.zoneapi"); fc=$(median <"$work/per.file"); wc=$(median <"$work/per.whoami")
awk -v z="$z" -v f="$f" -v w="$w" -v zc="$zc" -v fc="$fc" -v wc="$wc" 'BEGIN {
	printf "zoneapi / file   = %.2f (qps)  %.2f (per CPU-second)   aim >= 1.30\n", z/f, zc/fc
	printf "zoneapi / whoami = %.2f (qps)  %.2f (per CPU-second)   aim >= 0.85\n", z/w, zc/wc
}'
