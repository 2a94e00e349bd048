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
