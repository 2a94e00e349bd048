#!/usr/bin/env bash
# mix.sh [SECONDS] [ROUNDS] [NAMES...]
#
# Side by side, on a realistic mix (bench/genmix.py: 70% existing names of
# A/AAAA/TXT/MX and CNAMEs asked as A, 10% wildcard hits, 20% NXDOMAIN):
# zoneapi and a second server (CoreDNS's stock file plugin, then CoreDNS's
# whoami, its ceiling with no lookup at all) run at the same moment, both
# pinned to CPU 0, each loaded by its own dnsperf on CPU 1. Each figure is
# the server's queries per CPU-second, read from /proc, so the two share
# whatever the machine's clock does during the pair. Prints each pair, then
# for each zone size the medians of the paired ratios zoneapi/file and
# zoneapi/whoami. PAIRS="file whoami knot nsd" chooses the second servers;
# "baseline" is zoneapi run from the binary BASELINE names (another build,
# to compare a change side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
seconds=${1:-10}
rounds=${2:-3}
shift 2 || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
read -r -a pairs <<<"${PAIRS:-file whoami}"

command -v dnsperf >/dev/null || { echo "mix.sh: dnsperf is not installed (apt-get install dnsperf)" >&2; exit 1; }
setup
res=$work/results
mkdir -p "$res"

# start SERVER PORT: starts SERVER pinned to CPU 0 on PORT in the
# background, serving $work/$SERVER/store/example.org.zone.
start() {
	local d="$work/$1"
	case $1 in
	knot) start_knot "$d" "$2" "$d/store/example.org.zone" ;;
	nsd) start_nsd "$d" "$2" "$d/store/example.org.zone" ;;
	*)
		case $1 in
		zoneapi | baseline) printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$2" "$d" "$(freeport)" ;;
		file) printf 'example.org:%s {\n    bind 127.0.0.1\n    file %s/store/example.org.zone\n}\n' "$2" "$d" ;;
		whoami) printf '.:%s {\n    bind 127.0.0.1\n    whoami\n}\n' "$2" ;;
		esac >"$d/Corefile"
		local bin=bin/coredns
		[ "$1" = baseline ] && bin=${BASELINE:?BASELINE names the baseline binary}
		taskset -c 0 "$bin" -conf "$d/Corefile" >"$d/log" 2>&1 &
		;;
	esac
}

# pair OTHER: runs zoneapi and OTHER at once; prints "ZQPS ZPER OQPS OPER".
pair() {
	local pz po zpid opid
	pz=$(freeport) po=$(freeport)
	start zoneapi "$pz"; zpid=$!
	start "$1" "$po"; opid=$!
	wait_dns "$pz" && wait_dns "$po"
	side_by_side "$seconds" "$work/queries-real.txt" "$zpid" "$pz" no "$opid" "$po" no
	kill "$zpid" "$opid"
	wait "$zpid" "$opid" 2>/dev/null || true
}

echo "mix: 70% existing (A/AAAA/TXT/MX, CNAME asked A), 10% wildcard, 20% NXDOMAIN; ${seconds}s pairs, $rounds rounds; servers on CPU 0, dnsperf on CPU 1 ($(nproc) CPUs)"
for n in "${sizes[@]}"; do
	rm -rf "$work/store" "$work/zoneapi" "${pairs[@]/#/$work/}"
	python3 bench/genmix.py "$work" "$n"
	for s in zoneapi "${pairs[@]}"; do mkdir -p "$work/$s/store" && cp "$work/store/example.org.zone" "$work/$s/store/"; done
	for r in $(seq "$rounds"); do
		for o in "${pairs[@]}"; do
			read -r zq zp oq op < <(pair "$o")
			ratio=$(awk -v a="$zp" -v b="$op" 'BEGIN {printf "%.3f", (b > 0) ? a/b : 0}')
			echo "names=$n round $r  zoneapi qps=$zq per_cpu_s=$zp   $o qps=$oq per_cpu_s=$op   zoneapi/$o=$ratio"
			echo "$ratio" >>"$res/$n.$o"
			echo "$zp" >>"$res/$n.zoneapi.$o"
			echo "$op" >>"$res/$n.$o.per"
		done
	done
done
echo
printf '%-8s' names; for o in "${pairs[@]}"; do printf '  %-28s' "zoneapi/$o (zoneapi, $o per CPU-s)"; done; echo
for n in "${sizes[@]}"; do
	printf '%-8s' "$n"
	for o in "${pairs[@]}"; do
		f="$res/$n"
		printf '  %-28s' "$(median <"$f.$o") ($(median <"$f.zoneapi.$o"), $(median <"$f.$o.per"))"
	done
	echo
done
