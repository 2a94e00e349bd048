#!/usr/bin/env bash
# git.sh [REQUESTS] [ROUNDS] [ZONES] [RATE]
#
# What the Git history costs a change. A store of ZONES zones (20 records
# each) is served by zoneapi without history and with `git`, one after the
# other, interleaved, ROUNDS times; bench/apiload sends REQUESTS upsertRecord
# requests to one zone, sequentially (RATE per second; 0 is as fast as they
# are answered). Per run: the client's p50/p99 write latency (a commit is
# made after the change is acknowledged, so this is what the history adds to
# a change), then, with git, how long the committer took to catch up after
# the last acknowledgement and how many commits it made (one per change
# unless it fell more than 10,000 behind and folded). The committer's own time
# per commit is BenchmarkGitCommit1000Zones in plugin/git_test.go.
#
# SERVER_CPUS (default 0-1) is where the server runs; the client runs on
# CPU 1. The committer works on the core the request does not use; with
# SERVER_CPUS=0 it shares one core with the writes and the kernel's journal
# thread, which fsync waits for (see docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
requests=${1:-2000}
rounds=${2:-3}
zones=${3:-1000}
rate=${4:-0}
cpus=${SERVER_CPUS:-0-1}

setup
go build -o "$work/apiload" ./bench/apiload
python3 bench/genzones.py "$work" "$zones" $((zones * 17)) >/dev/null

# run MODE ROUND: MODE is plain or git.
run() {
	local dir="$work/$1.$2" dport aport pid out git="" start pending=1 caught commits
	mkdir -p "$dir" && cp -r "$work/store" "$dir/store"
	dport=$(freeport) aport=$(freeport)
	[ "$1" = git ] && git=$'        git\n'
	printf '.:%s {\n    bind 127.0.0.1\n    zoneapi %s/store {\n        listen 127.0.0.1:%s\n%s    }\n}\n' "$dport" "$dir" "$aport" "$git" >"$dir/Corefile"
	taskset -c "$cpus" bin/coredns -conf "$dir/Corefile" >"$dir/log" 2>&1 &
	pid=$!
	wait_http "http://127.0.0.1:$aport/v1/health"
	out=$(taskset -c 1 "$work/apiload" -n "$requests" -rate "$rate" -url "http://127.0.0.1:$aport/v1/zones/z00000.example/records" \
		-H 'Content-Type: application/json' -body '{"type":"A","name":"bench%d","value":"192.0.2.1","ttl":300}')
	start=$(date +%s%N)
	caught=0 commits=0
	if [ "$1" = git ]; then
		while [ "$pending" != 0 ]; do
			pending=$(curl -sf "http://127.0.0.1:$aport/v1/git" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_commits"])')
			[ "$pending" = 0 ] || sleep 0.01
		done
		caught=$(( ($(date +%s%N) - start) / 1000000 ))
		commits=$(git -C "$dir/store" rev-list --count HEAD -- z00000.example.zone)
		commits=$((commits - 1)) # the startup commit
	fi
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out $caught $commits"
}

echo "requests=$requests rounds=$rounds zones=$zones rate=$rate (server on CPUs $cpus, client on CPU 1)"
for r in $(seq "$rounds"); do
	for m in plain git; do
		read -r p50 p99 mx rps caught commits < <(run "$m" "$r")
		extra=""
		[ "$m" = git ] && extra="  committed ${caught}ms after the last ack, $commits commits for $requests changes"
		echo "round $r  $m  p50=${p50}ms  p99=${p99}ms  max=${mx}ms  changes/s=$rps$extra"
		echo "$p50" >>"$work/p50.$m"; echo "$p99" >>"$work/p99.$m"; echo "$rps" >>"$work/rate.$m"
	done
done
echo
for m in plain git; do
	printf '%-6s median p50 %6.2f ms   p99 %6.2f ms   changes/s %6.0f\n' "$m" "$(median <"$work/p50.$m")" "$(median <"$work/p99.$m")" "$(median <"$work/rate.$m")"
done
awk -v a="$(median <"$work/p50.git")" -v b="$(median <"$work/p50.plain")" -v c="$(median <"$work/p99.git")" -v d="$(median <"$work/p99.plain")" \
	'BEGIN { printf "added by git: p50 %+.2f ms, p99 %+.2f ms   aim <= 5 ms\n", a-b, c-d }'
