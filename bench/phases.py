#!/usr/bin/env python3
"""phases.py DNSPERF BURSTS PERF_SCRIPT: where the server's core goes during
the write bursts of bench/qps-writes.sh and between them.

PERF_SCRIPT is `perf script -F tid,time,ip,sym` of a `perf record -k
CLOCK_REALTIME -g` of the server (qps-writes.sh does this with PROFILE=1).
Each sample is put in a bucket by its stack (a query's receive, lookup or
send; the API's HTTP side; the writer; the garbage collector; ...) and in a
phase by its time (within a burst, or a quiet stretch at least 1 s after
one, as qps-writes.sh counts them). For each bucket it prints the share of
the core in each phase and the microseconds of core per query answered.
"""
import collections
import re
import sys

BUCKETS = [  # the first that matches a frame of the stack wins
    ('query send', ('WriteMsgUDP', 'WriteToSessionUDP')),
    ('query receive', ('ReadMsgUDP', 'ReadFromSessionUDP')),
    ('query lookup', ('serveUDPPacket', 'serveDNS')),
    ('query loop', ('serveUDP',)),
    ('  writer: sync', ('Journal).Sync',)),
    ('  writer: build', ('plugin.build',)),
    ('  writer: journal', ('plugin.(*state).journal',)),
    ('  writer: rest', ('plugin.(*state).writer',)),
    ('compaction', ('compactOnline', 'PrepareFile')),
    ('  API: validation', ('ValidateRequestFromContext',)),
    ('  API: handler', ('(*strictHandler).',)),
    ('  API: HTTP and middleware', ('net/http', 'labstack/echo')),
    ('garbage collector', ('gcBgMarkWorker', 'bgsweep', 'bgscavenge')),
    ('scheduler', ('runtime.mcall', 'runtime.schedule', 'findRunnable', 'park_m', 'sysmon')),
]


def bucket(stack):
    for name, marks in BUCKETS:
        if any(m in f for f in stack for m in marks):
            return name
    return 'other'


def main(dnsperf, bursts_file, script):
    bursts = [tuple(map(float, l.split())) for l in open(bursts_file) if l.strip()]

    def at(t):  # the phase of an instant
        for s, e in bursts:
            if s <= t <= e:
                return 'on'
            if s - 0.2 < t < e + 1:
                return None
        return 'off'

    def second(t):  # the phase of the second of queries ending at t
        for s, e in bursts:
            if s <= t - 1 and t <= e:
                return 'on'
            if t - 1 < e + 1 and t > s - 0.2:
                return None
        return 'off'

    queries, seconds = collections.Counter(), collections.Counter()
    for t, q in re.findall(r'^(\d+\.\d+): (\d+\.\d+)$', open(dnsperf).read(), re.M):
        k = second(float(t))
        if k:
            queries[k] += float(q)
            seconds[k] += 1
    count = {'on': collections.Counter(), 'off': collections.Counter()}
    total = collections.Counter()
    when, stack = None, []

    def flush():
        k = at(when) if when is not None else None
        if k:
            count[k][bucket(stack)] += 1
            total[k] += 1

    for line in open(script):
        m = re.match(r'\s*\d+\s+(\d+\.\d+):', line)  # "TID TIME:" starts a sample
        if m:
            flush()
            when, stack = float(m.group(1)), []
        elif line.strip():
            parts = line.split(None, 1)
            stack.append(parts[1].strip() if len(parts) > 1 else '?')
    flush()
    if not total['on'] or not total['off'] or not seconds['on'] or not seconds['off']:
        sys.exit('phases.py: no samples or no seconds in one of the phases')
    qps = {k: queries[k] / seconds[k] for k in ('on', 'off')}
    print('%-28s %8s %8s %14s %14s' % ('share of the core', 'writes', 'quiet', 'us/query wr.', 'us/query qu.'))
    for name in [b for b, _ in BUCKETS] + ['other']:
        on = count['on'][name] / total['on']
        off = count['off'][name] / total['off']
        print('%-28s %7.1f%% %7.1f%% %14.2f %14.2f' % (name, 100 * on, 100 * off, on * 1e6 / qps['on'], off * 1e6 / qps['off']))
    print('queries/s: %.0f under writes, %.0f quiet (%d and %d seconds); %d and %d samples' % (
        qps['on'], qps['off'], seconds['on'], seconds['off'], total['on'], total['off']))


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
