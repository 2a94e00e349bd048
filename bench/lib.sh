# lib.sh: what the benchmark scripts share. Source it after `cd` to the
# repository's root.

# freeport prints a TCP port free on 127.0.0.1.
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# median prints the median of the numbers on standard input, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# setup builds bin/coredns if it is missing and makes $work, a scratch
# directory removed, with every background job killed, when the script ends.
setup() {
	[ -x bin/coredns ] || ./build.sh
	work=$(mktemp -d)
	trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
}

# wait_http [CURL_ARGS...] URL waits up to 30 s for URL to answer 2xx.
wait_http() {
	for _ in $(seq 300); do curl -sf -o /dev/null "$@" && return 0; sleep 0.1; done
	echo "$(basename "$0"): ${*: -1} did not answer" >&2
	return 1
}

# wait_dns PORT waits up to 30 s for a server on 127.0.0.1:PORT to answer
# ns1.example.org A.
wait_dns() {
	for _ in $(seq 300); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" ns1.example.org A >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$(basename "$0"): nothing answers on port $1" >&2
	return 1
}

# start_knot DIR PORT ZONEFILE: Knot serving ZONEFILE as example.org (as it
# is: a signed file is served signed), pinned to $CPUS (CPU 0 unless set)
# with $WORKERS UDP workers (1 unless set), in the background.
start_knot() {
	printf 'server:\n  listen: 127.0.0.1@%s\n  rundir: %s\n  udp-workers: %s\n  tcp-workers: 1\n  background-workers: 1\nlog:\n  - target: stderr\n    any: error\ndatabase:\n  storage: %s\ntemplate:\n  - id: default\n    storage: %s\n    zonefile-sync: -1\n    journal-content: none\nzone:\n  - domain: example.org\n    file: %s\n' \
		"$2" "$1" "${WORKERS:-1}" "$1" "$1" "$3" >"$1/knot.conf"
	taskset -c "${CPUS:-0}" knotd -c "$1/knot.conf" >"$1/log" 2>&1 &
}

# start_nsd DIR PORT ZONEFILE: NSD alike, with $WORKERS server processes
# on one port (SO_REUSEPORT). Response rate limiting, on by default (200
# answers a second for each kind of answer), would cap NXDOMAIN and
# wildcard answers: it is off.
start_nsd() {
	printf 'server:\n  ip-address: 127.0.0.1@%s\n  zonesdir: "%s"\n  username: ""\n  chroot: ""\n  pidfile: "%s/nsd.pid"\n  database: ""\n  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n  server-count: %s\n  reuseport: yes\n  minimal-responses: yes\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\nremote-control:\n  control-enable: no\nzone:\n  name: "example.org"\n  zonefile: "%s"\n' \
		"$2" "$1" "$1" "$1" "$1" "$1" "${WORKERS:-1}" "$3" >"$1/nsd.conf"
	taskset -c "${CPUS:-0}" nsd -d -c "$1/nsd.conf" >"$1/log" 2>&1 &
}

# cputime PID: the clock ticks of CPU that PID and its descendants have
# used (NSD answers from a forked child, and names its processes with
# spaces: the fields are counted after the name's closing parenthesis).
cputime() {
	local t c
	t=$(sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}')
	for c in $(pgrep -P "$1"); do
		t=$((t + $(cputime "$c")))
	done
	echo "$t"
}

# side_by_side SECONDS QUERIES PID1 PORT1 DO1 PID2 PORT2 DO2 loads two
# servers at the same moment, each with its own dnsperf on CPU 1 sending
# the queries of the file QUERIES (with the DO bit where DOn is yes), and
# prints "QPS1 PER1 QPS2 PER2": each server's queries per second and per
# CPU-second of its own (from /proc), so that both share whatever the
# machine's clock does meanwhile. Both are first loaded, unmeasured, for
# $WARMUP seconds (10 unless set): a server that has just loaded its zones
# has given the garbage of loading back to the system (FreeOSMemory), and
# its heap grows back through page faults in the first collection cycles,
# which last longer the larger the heap (a zone of 100,000 names beside
# 300,000 more answered 0.88-0.92 of the same zone alone in the first 10 s
# after loading, 0.95-0.97 in the next 10 s); the figures are of servers
# in their steady state.
side_by_side() {
	local seconds=$1 queries=$2 p1=$3 port1=$4 do1=$5 p2=$6 port2=$7 do2=$8
	local hz b1 b2 a1 a2 l1 l2 f1=() f2=() out1 out2 warm=${WARMUP:-10}
	hz=$(getconf CLK_TCK)
	[ "$do1" = yes ] && f1=(-D)
	[ "$do2" = yes ] && f2=(-D)
	out1=$(mktemp) out2=$(mktemp)
	if [ "$warm" -gt 0 ]; then
		taskset -c 1 dnsperf -s 127.0.0.1 -p "$port1" -d "$queries" -l "$warm" -c 4 -q 200 -t 2 "${f1[@]}" >/dev/null 2>&1 &
		l1=$!
		taskset -c 1 dnsperf -s 127.0.0.1 -p "$port2" -d "$queries" -l "$warm" -c 4 -q 200 -t 2 "${f2[@]}" >/dev/null 2>&1 &
		l2=$!
		wait "$l1" "$l2"
	fi
	b1=$(cputime "$p1") b2=$(cputime "$p2")
	taskset -c 1 dnsperf -s 127.0.0.1 -p "$port1" -d "$queries" -l "$seconds" -c 4 -q 200 -t 2 "${f1[@]}" >"$out1" 2>&1 &
	l1=$!
	taskset -c 1 dnsperf -s 127.0.0.1 -p "$port2" -d "$queries" -l "$seconds" -c 4 -q 200 -t 2 "${f2[@]}" >"$out2" 2>&1 &
	l2=$!
	wait "$l1" "$l2"
	a1=$(cputime "$p1") a2=$(cputime "$p2")
	awk -v q1="$(awk '/Queries per second/ {print $4}' "$out1")" -v q2="$(awk '/Queries per second/ {print $4}' "$out2")" \
		-v c1="$((a1 - b1))" -v c2="$((a2 - b2))" -v hz="$hz" -v l="$seconds" \
		'BEGIN { printf "%.0f %.0f %.0f %.0f\n", q1, (c1 > 0) ? q1*l*hz/c1 : 0, q2, (c2 > 0) ? q2*l*hz/c2 : 0 }'
	rm -f "$out1" "$out2"
}
