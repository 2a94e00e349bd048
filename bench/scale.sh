#!/usr/bin/env bash
# scale.sh [RECORDS] [ZONES]
#
# Startup time and memory with RECORDS records, first in one zone (zoneapi
# against the stock file plugin, and the time of an AXFR of it with kdig),
# then spread over ZONES zones (zoneapi against the stock auto plugin, which
# loads a directory of zone files). Ready is when the last name answers; RSS
# is read two seconds later.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-1000000}
zones=${2:-10000}
setup
port=$(freeport)

measure() { # measure NAME COREFILE QNAME [axfr]
	printf '%s' "$2" >"$work/Corefile.$1"
	local start end pid rss axfr=
	start=$(date +%s.%N)
	bin/coredns -conf "$work/Corefile.$1" >"$work/$1.log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" "$3" A 2>/dev/null | grep -q '^10\.' && break
		sleep 0.1
	done
	end=$(date +%s.%N)
	sleep 2
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	if [ "${4:-}" = axfr ]; then
		local t0 t1 n
		t0=$(date +%s.%N)
		n=$(kdig @127.0.0.1 -p "$port" example.org AXFR +noall +answer 2>/dev/null | grep -c . || true)
		t1=$(date +%s.%N)
		axfr=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "   AXFR of %d RRs %.1f s", n, b-a }')
	fi
	kill "$pid"; wait "$pid" 2>/dev/null || true
	awk -v n="$1" -v s="$start" -v e="$end" -v r="$rss" -v c="$records" -v x="$axfr" \
		'BEGIN { printf "%-22s ready %6.1f s   RSS %6.0f MiB   %5.0f bytes per record%s\n", n, e-s, r/1024, r*1024/c, x }'
}

python3 bench/genzone.py "$work/one" "$records" >/dev/null
last=$((records - 1))
echo "$records records in one zone:"
measure zoneapi "$(printf '.:%s {\n    bind 127.0.0.1\n    transfer {\n        to *\n    }\n    zoneapi %s/one/store {\n        listen 127.0.0.1:0\n    }\n}\n' "$port" "$work")" "host$last.example.org" axfr
measure file "$(printf 'example.org:%s {\n    bind 127.0.0.1\n    transfer {\n        to *\n    }\n    file %s/one/store/example.org.zone\n}\n' "$port" "$work")" "host$last.example.org" axfr
rm -rf "$work/one"

python3 bench/genzones.py "$work/many" "$zones" "$records"
lastzone=$(printf 'z%05d.example' $((zones - 1)))
lastname="h$((records / zones - 1)).$lastzone"
echo "$records records in $zones zones:"
measure zoneapi-zones "$(printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/many/store {\n        listen 127.0.0.1:0\n    }\n}\n' "$port" "$work")" "$lastname"
measure auto-zones "$(printf '.:%s {\n    bind 127.0.0.1\n    auto {\n        directory %s/many/store (.*)\\.zone {1}\n        reload 0\n    }\n}\n' "$port" "$work")" "$lastname"
