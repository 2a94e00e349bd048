#!/usr/bin/env bash
# updates.sh [UPDATES] [ROUNDS] [RECORDS]
#
# Sequential RFC 2136 updates per second (TSIG-signed, over one TCP
# connection, each adding one A record), zoneapi against CoreDNS's stock
# dynupdate plugin with its bbolt database, on the same zone of RECORDS
# records, in the same binary. Interleaved; server on CPU 0, client on CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
updates=${1:-1000}
rounds=${2:-3}
records=${3:-10000}
key=bench-key.
secret=HlbbyyxAfk7DqrFhKYfdpfPQtT2rrtG1gwDQW3kDkBk=

setup
go build -o "$work/updload" ./bench/updload
python3 bench/genzone.py "$work" "$records" >/dev/null
tsig="    tsig {\n        secret $key $secret\n        require_opcode UPDATE\n    }\n"

run() {
	local s=$1 dir="$work/$1.$2" port pid out
	mkdir -p "$dir/store" && cp "$work/store/example.org.zone" "$dir/store/"
	port=$(freeport)
	if [ "$s" = zoneapi ]; then
		printf ".:%s {\n    bind 127.0.0.1\n$tsig    zoneapi %s/store {\n        listen 127.0.0.1:%s\n        update %s\n    }\n}\n" "$port" "$dir" "$(freeport)" "$key" >"$dir/Corefile"
	else
		printf "example.org:%s {\n    bind 127.0.0.1\n$tsig    dynupdate {\n        file %s/store/example.org.zone\n        database %s/db\n        max_records 100000000\n        max_bytes 1000000000\n        allow %s * *\n    }\n}\n" "$port" "$dir" "$dir" "$key" >"$dir/Corefile"
	fi
	taskset -c 0 bin/coredns -conf "$dir/Corefile" >"$dir/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" example.org SOA 2>/dev/null | grep -q . && break; sleep 0.1; done
	out=$(taskset -c 1 "$work/updload" -server "127.0.0.1:$port" -key "$key" -secret "$secret" -n "$updates") || { cat "$dir/log" >&2; exit 1; }
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out"
}

echo "updates=$updates rounds=$rounds records=$records (server on CPU 0, client on CPU 1)"
for r in $(seq "$rounds"); do
	for s in zoneapi dynupdate; do
		read -r p50 p99 mx rate < <(run "$s" "$r")
		echo "round $r  $s  p50=${p50}ms  p99=${p99}ms  max=${mx}ms  updates/s=$rate"
		echo "$rate" >>"$work/rate.$s"
	done
done
z=$(median <"$work/rate.zoneapi"); d=$(median <"$work/rate.dynupdate")
echo
awk -v z="$z" -v d="$d" 'BEGIN { printf "median updates/s: zoneapi %.0f, dynupdate %.0f: %.1fx   aim >= 10\n", z, d, z/d }'
