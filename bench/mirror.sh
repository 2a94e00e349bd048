#!/usr/bin/env bash
# mirror.sh [ZONES] [RECORDS] [ROUNDS]
#
# The Hetzner mirror against a local upstream: bin/coredns A serves ZONES
# zones of RECORDS records in all through its Hetzner API (CPU 0); B (CPU
# 1) mirrors A into an empty store with a Git history. Prints the time and
# B's CPU time of the first full pull, then of ROUNDS rounds with nothing
# changed (POST /v1/mirror/sync), which must write and commit nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
zones=${1:-1000}
records=${2:-100000}
rounds=${3:-5}

setup
python3 bench/genzones.py "$work/a" "$zones" "$records" >/dev/null
mkdir -p "$work/b/store"
echo bench >"$work/token"
adns=$(freeport) aapi=$(freeport) bdns=$(freeport) bapi=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/a/store {\n        listen 127.0.0.1:%s\n        hetzner_rate_limit 0\n    }\n}\n' "$adns" "$work" "$aapi" >"$work/a/Corefile"
pprof=$(freeport)
printf '.:%s {\n    bind 127.0.0.1\n    pprof 127.0.0.1:'"$pprof"'\n    zoneapi %s/b/store {\n        listen 127.0.0.1:%s\n        git\n        hetzner {\n            endpoint http://127.0.0.1:%s/hetzner/v1\n            token_file %s/token\n            interval 1h\n        }\n    }\n}\n' \
	"$bdns" "$work" "$bapi" "$aapi" "$work" >"$work/b/Corefile"
taskset -c 0 bin/coredns -conf "$work/a/Corefile" >"$work/a/log" 2>&1 &
apid=$!
wait_http "http://127.0.0.1:$aapi/v1/health"

# cpu PID: the process's user+system CPU seconds.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
now() { date +%s.%N; }

start=$(now)
taskset -c 1 bin/coredns -conf "$work/b/Corefile" >"$work/b/log" 2>&1 &
bpid=$!
wait_http "http://127.0.0.1:$bapi/v1/health"
for _ in $(seq 6000); do
	curl -s "http://127.0.0.1:$bapi/v1/mirror" | grep -q '"last_success_at"' && break
	sleep 0.1
done
took=$(awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')
served=$(ls "$work/b/store" | grep -c '\.zone$' || true)
echo "first pull: $served of $zones zones, $records records, in $took s; B $(cpu "$bpid") CPU-s, A $(cpu "$apid") CPU-s"

sleep 2 # the commits of the first pull
commits() { git -C "$work/b/store" rev-list --count HEAD; }
before=$(commits) files=$(ls -l --time-style=+%s.%N "$work/b/store" | md5sum)
prof=
if [ -n "${PROFILE:-}" ]; then
	curl -s -o "$PROFILE" "http://127.0.0.1:$pprof/debug/pprof/profile?seconds=12" &
	prof=$!
fi
for r in $(seq "$rounds"); do
	c0=$(cpu "$bpid") a0=$(cpu "$apid")
	t=$(curl -s -o /dev/null -w '%{time_total}' -X POST "http://127.0.0.1:$bapi/v1/mirror/sync")
	echo "round $r with nothing changed: $t s; B $(awk -v a="$c0" -v b="$(cpu "$bpid")" 'BEGIN {printf "%.2f", b - a}') CPU-s, A $(awk -v a="$a0" -v b="$(cpu "$apid")" 'BEGIN {printf "%.2f", b - a}') CPU-s"
done
sleep 1
[ -z "$prof" ] || wait "$prof"
after=$(commits)
[ "$after" = "$before" ] && [ "$(ls -l --time-style=+%s.%N "$work/b/store" | md5sum)" = "$files" ] \
	&& echo "rounds with nothing changed: no commit ($after), no file written" \
	|| { echo "rounds with nothing changed committed or wrote: $before -> $after commits" >&2; exit 1; }
