#!/usr/bin/env bash
# dnssec.sh [RECORDS] [SECONDS] [ROUNDS] [QUERIES]
#
# Queries per CPU-second of a zone of RECORDS records signed through the
# API (ECDSAP256SHA256, NSEC) and asked with the DO bit, against the same
# zone unsigned and asked without it (with UNSIGNED_DO=yes, asked with it
# too, so that only what signing adds is compared). Side by side: both
# servers run at the same moment, pinned to CPU 0, each loaded by its own
# dnsperf on CPU 1; each figure is the server's queries per CPU-second
# (from /proc). Prints each pair, the medians and the median of the paired
# ratios, and how long signing the zone took. DENIAL=nsec3 signs with
# NSEC3. With SERVERS="knot nsd", Knot and NSD serve the signed zone's
# file, asked with DO, each side by side with zoneapi's signed zone.
# QUERIES: hit (existing names) or mix (80% existing, 20% NXDOMAIN).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-100000}
seconds=${2:-10}
rounds=${3:-3}
queries=${4:-hit}

command -v dnsperf >/dev/null || { echo "dnssec.sh: dnsperf is not installed (apt-get install dnsperf)" >&2; exit 1; }
setup
python3 bench/genzone.py "$work" "$records" >/dev/null
mkdir -p "$work/unsigned" "$work/signed"
cp "$work/store/example.org.zone" "$work/unsigned/" && cp "$work/store/example.org.zone" "$work/signed/"

# start SERVER PORT [API]: SERVER (a store of zoneapi, knot or nsd) on
# PORT, pinned to CPU 0, in the background.
start() {
	case $1 in
	knot | nsd)
		mkdir -p "$work/$1"
		"start_$1" "$work/$1" "$2" "$work/signed.zone"
		;;
	*)
		printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/%s {\n        listen 127.0.0.1:%s\n    }\n}\n' "$2" "$work" "$1" "${3:-$(freeport)}" >"$work/Corefile.$1"
		taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
		;;
	esac
}

# Sign the one store once, and let it write the signed zone's file.
api=$(freeport)
start signed "$(freeport)" "$api"
pid=$!
wait_http "http://127.0.0.1:$api/v1/health"
begin=$(date +%s.%N)
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"enabled\":true,\"denial\":\"${DENIAL:-nsec}\"}" "http://127.0.0.1:$api/v1/zones/example.org/dnssec"
echo "signed $records records in $(awk -v a="$begin" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
# The signed zone as a file, for Knot and NSD.
curl -sf -o "$work/signed.zone" "http://127.0.0.1:$api/v1/zones/example.org/zonefile"
kill "$pid"; wait "$pid" 2>/dev/null || true

# pair A DO_A B DO_B: A and B at once; prints "QPS_A PER_A QPS_B PER_B".
pair() {
	local pa pb ida idb
	pa=$(freeport) pb=$(freeport)
	start "$1" "$pa"; ida=$!
	start "$3" "$pb"; idb=$!
	wait_dns "$pa" && wait_dns "$pb"
	side_by_side "$seconds" "$work/queries-$queries.txt" "$ida" "$pa" "$2" "$idb" "$pb" "$4"
	kill "$ida" "$idb"
	wait "$ida" "$idb" 2>/dev/null || true
}

read -r -a others <<<"${SERVERS:-}"
udo=${UNSIGNED_DO:-no}
echo "dnssec: $records records, queries $queries, ${seconds}s pairs, $rounds rounds; servers on CPU 0, dnsperf on CPU 1"
for r in $(seq "$rounds"); do
	read -r uq up sq sp < <(pair unsigned "$udo" signed yes)
	echo "round $r  unsigned (DO $udo) qps=$uq per_cpu_s=$up   signed (DO yes) qps=$sq per_cpu_s=$sp   signed/unsigned=$(awk -v a="$sp" -v b="$up" 'BEGIN {printf "%.3f", a/b}')"
	echo "$up" >>"$work/per.unsigned" && echo "$sp" >>"$work/per.signed"
	awk -v a="$sp" -v b="$up" 'BEGIN {printf "%.3f\n", a/b}' >>"$work/ratio.signed"
	for s in "${others[@]}"; do
		read -r zq zp oq op < <(pair signed yes "$s" yes)
		echo "round $r  zoneapi signed qps=$zq per_cpu_s=$zp   $s signed qps=$oq per_cpu_s=$op   $s/zoneapi=$(awk -v a="$op" -v b="$zp" 'BEGIN {printf "%.3f", a/b}')"
		echo "$op" >>"$work/per.$s"
		awk -v a="$op" -v b="$zp" 'BEGIN {printf "%.3f\n", a/b}' >>"$work/ratio.$s"
	done
done
echo "median per CPU-s: unsigned (DO $udo) $(median <"$work/per.unsigned"), signed with DO $(median <"$work/per.signed"); median ratio signed/unsigned $(median <"$work/ratio.signed")"
for s in "${others[@]}"; do
	echo "median per CPU-s: $s serving the signed file with DO $(median <"$work/per.$s"); median ratio $s/zoneapi signed $(median <"$work/ratio.$s")"
done
