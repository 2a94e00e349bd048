#!/usr/bin/env bash
# dnssec.sh [RECORDS] [SECONDS] [ROUNDS] [QUERIES]
#
# Queries per second of a zone of RECORDS records signed through the API
# (ECDSAP256SHA256, NSEC) and asked with the DO bit, against the same zone
# unsigned, asked without it (with UNSIGNED_DO=yes, asked with it too, so
# that only what signing adds is compared): two stores, the servers run one at a time,
# interleaved, pinned to CPU 0, dnsperf on CPU 1. Prints each run, the
# medians, queries per CPU-second of the server (from /proc), the ratio, and
# how long signing the zone took. DENIAL=nsec3 signs with NSEC3. With
# SERVERS="knot nsd", Knot and NSD serve the signed zone's file too, asked
# with DO, in the same rounds.
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
port=$(freeport) api=$(freeport)
corefile() { printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/%s {\n        listen 127.0.0.1:%s\n    }\n}\n' "$port" "$work" "$1" "$api" >"$work/Corefile.$1"; }
corefile unsigned && corefile signed

# Sign the one store once, and let it write the signed zone's file.
taskset -c 0 bin/coredns -conf "$work/Corefile.signed" >"$work/sign.log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$api/v1/health"
start=$(date +%s.%N)
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"enabled\":true,\"denial\":\"${DENIAL:-nsec}\"}" "http://127.0.0.1:$api/v1/zones/example.org/dnssec"
echo "signed $records records in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
# The signed zone as a file, for Knot and NSD.
curl -sf -o "$work/signed.zone" "http://127.0.0.1:$api/v1/zones/example.org/zonefile"
kill "$pid"; wait "$pid" 2>/dev/null || true

# run STORE|knot|nsd DO: prints "QPS CPU_SECONDS"
run() {
	case $1 in
	knot | nsd)
		mkdir -p "$work/$1"
		"start_$1" "$work/$1" "$port" "$work/signed.zone"
		;;
	*) taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 & ;;
	esac
	local pid=$! flags=()
	[ "$2" = yes ] && flags=(-D)
	for _ in $(seq 100); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" ns1.example.org A >/dev/null 2>&1 && break
		sleep 0.1
	done
	local hz before after out
	hz=$(getconf CLK_TCK)
	before=$(cputime "$pid")
	out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-$queries.txt" -l "$seconds" -c 4 -q 200 -t 2 "${flags[@]}" 2>&1)
	after=$(cputime "$pid")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$(awk '/Queries per second/ {print $4}' <<<"$out") $(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN {printf "%.2f", (a-b)/hz}')"
}

read -r -a others <<<"${SERVERS:-}"
for r in $(seq "$rounds"); do
	for s in unsigned signed "${others[@]}"; do
		do=${UNSIGNED_DO:-no}
		[ "$s" != unsigned ] && do=yes
		read -r qps cpu < <(run "$s" "$do")
		per=$(awk -v q="$qps" -v c="$cpu" -v l="$seconds" 'BEGIN {printf "%.0f", (c > 0) ? q*l/c : 0}')
		echo "round $r  $s (DO $do)  qps=$qps  queries_per_cpu_s=$per"
		echo "$qps" >>"$work/qps.$s" && echo "$per" >>"$work/per.$s"
	done
done
u=$(median <"$work/qps.unsigned") s=$(median <"$work/qps.signed")
pu=$(median <"$work/per.unsigned") ps=$(median <"$work/per.signed")
echo "median: unsigned $u qps ($pu per CPU-s), signed with DO $s qps ($ps per CPU-s): ratio $(awk -v a="$s" -v b="$u" 'BEGIN {printf "%.2f", a/b}'), per CPU-s $(awk -v a="$ps" -v b="$pu" 'BEGIN {printf "%.2f", a/b}')"
for s in "${others[@]}"; do
	echo "median: $s serving the signed file with DO $(median <"$work/qps.$s") qps ($(median <"$work/per.$s") per CPU-s): ratio to zoneapi signed $(awk -v a="$(median <"$work/per.$s")" -v b="$ps" 'BEGIN {printf "%.2f", a/b}') per CPU-s"
done
