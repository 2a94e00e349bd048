#!/usr/bin/env bash
# views.sh [RECORDS] [SECONDS] [ROUNDS]
#
# What split horizon costs a query: the same zone served by one server
# block, and by the second of two blocks on one port whose first has a
# view that the client does not match, so that every query is judged by
# it first: CoreDNS's view plugin (an expression), or zoneapi's own view
# property (a prefix match). One at a time,
# interleaved, the server on CPU 0, dnsperf on CPU 1; medians and queries
# per CPU-second. The inside view holds a zone of 100 records, so that the
# comparison is the query path's and not that of a heap twice the size.
# SERVERS="plain zoneapiview" leaves the view plugin out.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-100000}
seconds=${2:-10}
rounds=${3:-3}
command -v dnsperf >/dev/null || { echo "views.sh: dnsperf is not installed" >&2; exit 1; }
setup
python3 bench/genzone.py "$work" "$records" >/dev/null
mkdir -p "$work/inside"
head -n 105 "$work/store/example.org.zone" >"$work/inside/example.org.zone"
port=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$port" "$work" "$(freeport)" >"$work/Corefile.plain"
printf '.:%s {\n    bind 127.0.0.1\n    view inside {\n        expr incidr(client_ip(), '"'"'10.0.0.0/8'"'"')\n    }\n    zoneapi %s/inside {\n        listen 127.0.0.1:%s\n    }\n}\n.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' \
	"$port" "$work" "$(freeport)" "$port" "$work" "$(freeport)" >"$work/Corefile.views"
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/inside {\n        listen 127.0.0.1:%s\n        view inside 10.0.0.0/8\n    }\n}\n.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' \
	"$port" "$work" "$(freeport)" "$port" "$work" "$(freeport)" >"$work/Corefile.zoneapiview"
run() {
	taskset -c 0 bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
	local pid=$! hz before after out
	wait_dns "$port"
	hz=$(getconf CLK_TCK)
	before=$(cputime "$pid")
	out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-hit.txt" -l "$seconds" -c 4 -q 200 -t 2 2>&1)
	after=$(cputime "$pid")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$(awk '/Queries per second/ {print $4}' <<<"$out") $(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN {printf "%.2f", (a-b)/hz}')"
}
for r in $(seq "$rounds"); do
	for s in ${SERVERS:-plain views zoneapiview}; do
		read -r qps cpu < <(run "$s")
		per=$(awk -v q="$qps" -v c="$cpu" -v l="$seconds" 'BEGIN {printf "%.0f", (c > 0) ? q*l/c : 0}')
		echo "round $r  $s  qps=$qps  queries_per_cpu_s=$per"
		echo "$qps" >>"$work/qps.$s" && echo "$per" >>"$work/per.$s"
	done
done
# The machine's speed drifts between rounds: the ratio of each round (the
# servers loaded one after the other) and their median are what compares.
for s in ${SERVERS:-plain views zoneapiview}; do
	[ "$s" = plain ] && continue
	paste -d' ' "$work/per.plain" "$work/per.$s" | awk '{printf "%.3f\n", $2/$1}' >"$work/ratio.$s"
	echo "median: one block $(median <"$work/qps.plain") qps ($(median <"$work/per.plain") per CPU-s), behind $s $(median <"$work/qps.$s") qps ($(median <"$work/per.$s") per CPU-s); per CPU-s, the rounds' ratios $(sort -n "$work/ratio.$s" | paste -sd' '), median $(median <"$work/ratio.$s")"
done
