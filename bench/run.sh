#!/usr/bin/env bash
# run.sh quick|full: the benchmark suite. Every scenario runs its servers
# interleaved and pinned (see each script); every output goes to
# bench/out/<date>/, with PNG charts (gnuplot) of QPS by server and of API
# write latency against PowerDNS.
#
#   quick: the realistic mix at 10,000 names side by side with file and
#          whoami, QPS at 1,000 records (zoneapi, file, whoami), API writes
#          against PowerDNS; a few minutes.
#   full:  the realistic mix at 1,000, 10,000 and 100,000 names side by side
#          with file, whoami, Knot and NSD; one core against two; QPS at
#          1,000 and 100,000 records, exact hits, 20% NXDOMAIN and
#          wildcards, against file, whoami, Knot, NSD and PowerDNS; API writes;
#          QPS under 500 writes/s; RFC 2136 against dynupdate; startup and
#          memory at 1,000,000 records; propagation to Knot; what the Git
#          history adds to a change; about 45 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
mode=${1:-quick}
out=bench/out/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
./build.sh >/dev/null
echo "results in $out"

qps() { # qps RECORDS SECONDS QUERIES SERVERS
	local f="$out/qps-$1-$3"
	SERVERS="$4" SUMMARY="$f.summary" bench/qps.sh "$1" "$2" 3 "$3" | tee "$f.txt" | tail -8
}

case $mode in
quick)
	bench/mix.sh 5 3 10000 | tee "$out/mix.txt" | tail -3
	qps 1000 5 hit "zoneapi file whoami"
	SUMMARY="$out/api.summary" bench/api.sh 300 3 1000 | tee "$out/api.txt" | tail -4
	;;
full)
	all="zoneapi file whoami knot nsd pdns"
	PAIRS="file whoami knot nsd" bench/mix.sh 10 3 1000 10000 100000 | tee "$out/mix.txt" | tail -5
	bench/cores.sh 10000 10 3 | tee "$out/cores.txt" | tail -8
	for size in 1000 100000; do
		for q in hit mix wild; do
			qps "$size" 10 "$q" "$all"
		done
	done
	SUMMARY="$out/api.summary" bench/api.sh 1000 3 1000 | tee "$out/api.txt" | tail -4
	# One run's median moves by up to ±7 points from run to run on this
	# machine: five runs, and the median of their medians.
	for _ in 1 2 3 4 5; do
		bench/qps-writes.sh 100000 10 500 5 | tee -a "$out/qps-writes.txt" | tail -1
	done
	# Each run's result is the median on phases.py's "min X, median Y, max Z" line.
	grep -o 'median [0-9][0-9.]*, max' "$out/qps-writes.txt" | awk '{print $2}' | tr -d , | median | sed 's/^/QPS under 500 writes\/s \/ idle, median of 5 runs: /'
	bench/updates.sh 500 3 10000 | tee "$out/updates.txt" | tail -2
	bench/scale.sh 1000000 10000 | tee "$out/scale.txt"
	bench/propagation.sh 40 10000 | tee "$out/propagation.txt"
	bench/git.sh 2000 3 1000 200 | tee "$out/git.txt" | tail -3
	;;
*)
	echo "usage: $0 quick|full" >&2
	exit 2
	;;
esac

if command -v gnuplot >/dev/null; then
	for s in "$out"/qps-*-hit.summary; do
		[ -f "$s" ] || continue
		png="${s%.summary}.png"
		gnuplot <<GP
set terminal pngcairo size 800,450
set output "$png"
set title "Queries per second, $(basename "${s%.summary}"), server pinned to one core"
set style data histograms
set style fill solid 0.8
set boxwidth 0.7
set yrange [0:*]
set grid ytics
unset key
plot "$s" using 2:xtic(1) linecolor rgb "#3b75af"
GP
		echo "chart: $png"
	done
	if [ -f "$out/api.summary" ]; then
		gnuplot <<GP
set terminal pngcairo size 800,450
set output "$out/api-latency.png"
set title "Durable API write latency (sequential, 1,000-record zone), server pinned to one core"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set ylabel "ms"
set yrange [0:*]
set grid ytics
set key top left
plot "$out/api.summary" using 2:xtic(1) title "p50" linecolor rgb "#3b75af", "" using 3 title "p99" linecolor rgb "#ef8636"
GP
		echo "chart: $out/api-latency.png"
	fi
else
	echo "gnuplot is not installed (apt-get install gnuplot-nox): no charts"
fi
