#!/usr/bin/env bash
# signing.sh [RECORDS] [DENIAL]
#
# Time to sign a zone of RECORDS A records (default 1,000,000) from scratch
# with one CSK of ECDSAP256SHA256 and DENIAL (nsec or nsec3; default nsec),
# by zoneapi (setZoneDnssec through the API), BIND's dnssec-signzone (-S,
# two threads) and Knot (dnssec-signing on load), one after the other on
# the same zone; and the memory each zoneapi server holds for the zone,
# signed and unsigned, after a restart (VmRSS), per record.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
records=${1:-1000000}
denial=${2:-nsec}
for t in dnssec-keygen dnssec-signzone knotd; do
	command -v "$t" >/dev/null || { echo "signing.sh: $t is missing (apt-get install bind9-dnsutils bind9 knot)" >&2; exit 1; }
done
setup
python3 bench/genzone.py "$work" "$records" >/dev/null
zonefile="$work/store/example.org.zone"
port=$(freeport) api=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n    }\n}\n' "$port" "$work" "$api" >"$work/Corefile"
cp "$zonefile" "$work/unsigned.zone"
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; } # KiB

# serve: starts zoneapi on the store (its pid in $pid, a job of this shell
# that the trap kills) and waits for the zone to be loaded.
serve() {
	bin/coredns -conf "$work/Corefile" >"$work/coredns.log" 2>&1 &
	pid=$!
	wait_http "http://127.0.0.1:$api/v1/health"
	for _ in $(seq 600); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" ns1.example.org A >/dev/null 2>&1 && break
		sleep 0.1
	done
}

serve
sleep 2
unsigned_rss=$(rss "$pid")
body=$(printf '{"enabled":true,"denial":"%s"}' "$denial")
start=$(date +%s.%N)
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$api/v1/zones/example.org/dnssec"
ours=$(elapsed "$start")
kill "$pid"; wait "$pid" 2>/dev/null || true
serve
sleep 2
signed_rss=$(rss "$pid")
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "zoneapi: signed $records records ($denial) in $ours s; RSS unsigned $((unsigned_rss / 1024)) MiB, signed $((signed_rss / 1024)) MiB: $(awk -v u="$unsigned_rss" -v s="$signed_rss" -v n="$records" 'BEGIN {printf "%.0f", (s-u)*1024/n}') bytes a record more"

# BIND: one CSK (a KSK that signs everything, -z), two threads.
mkdir -p "$work/bind"
(cd "$work/bind" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK example.org >/dev/null)
nsec3=()
[ "$denial" = nsec3 ] && nsec3=(-3 - -H 0)
start=$(date +%s.%N)
dnssec-signzone -q -S -z -n 2 "${nsec3[@]}" -d "$work/bind" -K "$work/bind" -o example.org -f "$work/bind/signed.zone" "$work/unsigned.zone" >/dev/null
echo "dnssec-signzone: $(elapsed "$start") s"

# Knot: signs the zone as it loads it; the time from start to its log line.
mkdir -p "$work/knot"
cp "$work/unsigned.zone" "$work/knot/example.org.zone"
n3=off
[ "$denial" = nsec3 ] && n3=on
printf 'server:\n  listen: 127.0.0.1@%s\n  rundir: %s/knot\n  background-workers: 2\nlog:\n  - target: stderr\n    any: info\ndatabase:\n  storage: %s/knot\npolicy:\n  - id: csk\n    algorithm: ecdsap256sha256\n    single-type-signing: on\n    nsec3: %s\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\ntemplate:\n  - id: default\n    storage: %s/knot\n    zonefile-sync: -1\n    journal-content: none\n    dnssec-signing: on\n    dnssec-policy: csk\nzone:\n  - domain: example.org\n    file: example.org.zone\n' \
	"$(freeport)" "$work" "$work" "$n3" "$work" >"$work/knot/knot.conf"
start=$(date +%s.%N)
knotd -c "$work/knot/knot.conf" >"$work/knot.log" 2>&1 &
kpid=$!
for _ in $(seq 6000); do
	grep -q "DNSSEC, successfully signed\|DNSSEC, failed" "$work/knot.log" && break
	sleep 0.1
done
knot=$(elapsed "$start")
grep -q "successfully signed" "$work/knot.log" || { echo "signing.sh: Knot did not sign:" >&2; cat "$work/knot.log" >&2; exit 1; }
kill "$kpid"; wait "$kpid" 2>/dev/null || true
echo "knot: loaded and signed in $knot s"
