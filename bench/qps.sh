#!/usr/bin/env bash
# qps.sh [RECORDS] [SECONDS] [ROUNDS] [QUERIES]
#
# Queries per second of bin/coredns serving one zone through zoneapi, through
# CoreDNS's stock file plugin, and answering with the whoami plugin (CoreDNS's
# own ceiling: no lookup at all); with SERVERS="zoneapi file whoami knot nsd
# pdns", also of Knot, NSD and PowerDNS (bind backend) on the same zone file.
# The servers run one at a time, interleaved (A B C A B C ...), the server
# pinned to CPU 0 and dnsperf to CPU 1. Prints each run, the medians, the
# ratios, and queries per CPU-second of the server (read from /proc), which
# does not drift with the machine's clock speed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-1000}
seconds=${2:-10}
rounds=${3:-3}
queries=${4:-hit}

command -v dnsperf >/dev/null || { echo "qps.sh: dnsperf is not installed (apt-get install dnsperf)" >&2; exit 1; }
setup
python3 bench/genzone.py "$work" "$records"
port=$(freeport)

corefile() {
	case $1 in
	zoneapi) printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store\n}\n' "$port" "$work" ;;
	file) printf 'example.org:%s {\n    bind 127.0.0.1\n    file %s/store/example.org.zone\n}\n' "$port" "$work" ;;
	whoami) printf '.:%s {\n    bind 127.0.0.1\n    whoami\n}\n' "$port" ;;
	esac
}

# start SERVER: starts it pinned to CPU 0 in the background.
start() {
	local d="$work/$1"
	mkdir -p "$d"
	case $1 in
	knot) start_knot "$d" "$port" "$work/store/example.org.zone" ;;
	nsd) start_nsd "$d" "$port" "$work/store/example.org.zone" ;;
	pdns)
		printf 'zone "example.org" { type master; file "%s/store/example.org.zone"; };\n' "$work" >"$d/named.conf"
		printf 'launch=bind\nbind-config=%s/named.conf\nlocal-address=127.0.0.1\nlocal-port=%s\nsocket-dir=%s\nguardian=no\ndaemon=no\ndisable-syslog=yes\nreceiver-threads=1\ndistributor-threads=1\nloglevel=3\n' \
			"$d" "$port" "$d" >"$d/pdns.conf"
		taskset -c 0 pdns_server --config-dir="$d" >"$d/log" 2>&1 &
		;;
	*)
		corefile "$1" >"$work/Corefile.$1"
		taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
		;;
	esac
}

# run SERVER: prints "QPS CPU_SECONDS LOST"
run() {
	start "$1"
	local pid=$!
	wait_dns "$port"
	local hz before after out qps
	hz=$(getconf CLK_TCK)
	before=$(cputime "$pid")
	out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-$queries.txt" -l "$seconds" -c 4 -q 200 -t 2 2>&1)
	after=$(cputime "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	qps=$(awk '/Queries per second/ {print $4}' <<<"$out")
	lost=$(awk '/Queries lost/ {print $3}' <<<"$out")
	echo "$qps $(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN {printf "%.2f", (a-b)/hz}') $lost"
}


read -r -a servers <<<"${SERVERS:-zoneapi file whoami}"
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
	echo "$s $(median <"$work/qps.$s") $(median <"$work/per.$s")" >>"$work/summary"
done
[ -n "${SUMMARY:-}" ] && cp "$work/summary" "$SUMMARY"
ratio() { # ratio A B: the medians of A over B, when both ran
	[ -f "$work/qps.$1" ] && [ -f "$work/qps.$2" ] || return 0
	awk -v a="$(median <"$work/qps.$1")" -v b="$(median <"$work/qps.$2")" -v ac="$(median <"$work/per.$1")" -v bc="$(median <"$work/per.$2")" -v n="$1 / $2" -v aim="$3" \
		'BEGIN { printf "%-18s = %.2f (qps)  %.2f (per CPU-second)   %s\n", n, a/b, (bc > 0) ? ac/bc : 0, aim }'
}
ratio zoneapi file "aim >= 1.30"
ratio zoneapi whoami "aim >= 0.85"
ratio zoneapi knot ""
ratio zoneapi nsd ""
ratio zoneapi pdns ""
