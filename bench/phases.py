#!/usr/bin/env python3
"""phases.py: the analysis of bench/qps-writes.sh, which runs dnsperf (one
"T: QPS" line a second) while bench/apiload writes in bursts (one "START
END" line of Unix times a burst).

  phases.py ratio DNSPERF BURSTS
      each second of queries wholly inside a burst against the quiet
      seconds next to it: the median of these ratios.
  phases.py profile DNSPERF BURSTS STACKS
      where the server's core goes in the bursts and between them. STACKS is
      `perf script -F tid,time,ip,sym` of a `perf record -k CLOCK_REALTIME
      -g` of the server (qps-writes.sh makes it with PROFILE=1). Each sample
      is put in a bucket by its stack (a query's receive, lookup or send; the
      API's HTTP side; the writer; the garbage collector; ...); the share of
      the core and the microseconds of core per query answered are printed
      for each bucket, in each phase.

A dnsperf line "T: QPS" covers the second before T. A second is "on" if it
lies inside a burst, "off" if it starts at least 1 s after a burst and ends
0.2 s before the next: the zone's file is rewritten from memory once it has
been quiet for 0.5 s (compaction), which under a steady 500 writes/s happens
every 25 s and here after every burst; the rest straddle a change and are
left out. A profile sample is an instant, in a phase by the same margins.
"""
import collections
import re
import statistics
import sys

WRITER = 'plugin.(*state).writer'
BUCKETS = [  # the first that matches a frame of the stack wins
    ('query send', ('WriteMsgUDP', 'WriteToSessionUDP')),
    ('query receive', ('ReadMsgUDP', 'ReadFromSessionUDP')),
    ('query lookup', ('serveUDPPacket', 'serveDNS')),
    ('query loop', ('serveUDP',)),
    # The writer's parts count on the writer's goroutine only (a dry run
    # builds a zone on the request's).
    ('  writer: sync', ('Journal).Sync',), WRITER),
    ('  writer: build', ('plugin.build',), WRITER),
    ('  writer: journal', ('plugin.(*state).journal',), WRITER),
    ('  writer: rest', (WRITER,)),
    ('compaction', ('compactOnline', 'PrepareFile')),
    ('  API: validation', ('ValidateRequestFromContext',)),
    ('  API: handler', ('(*strictHandler).',)),
    ('  API: HTTP and middleware', ('net/http', 'labstack/echo')),
    ('garbage collector', ('gcBgMarkWorker', 'bgsweep', 'bgscavenge')),
    ('scheduler', ('runtime.mcall', 'runtime.schedule', 'findRunnable', 'park_m', 'sysmon')),
]


def read_bursts(path):
    return [tuple(map(float, l.split())) for l in open(path) if l.strip()]


def read_seconds(path):
    return [(float(t), float(q)) for t, q in re.findall(r'^(\d+\.\d+): (\d+\.\d+)$', open(path).read(), re.M)]


def second_phase(bursts, t):
    """The phase of the second of queries that ends at t."""
    return instant_phase(bursts, t - 1, t)


def instant_phase(bursts, start, end=None):
    """The phase of the span from start to end (an instant if end is None)."""
    end = start if end is None else end
    for s, e in bursts:
        if s <= start and end <= e:
            return 'on'
        if start < e + 1 and end > s - 0.2:
            return None
    return 'off'


def ratio(dnsperf, bursts_file):
    samples = read_seconds(dnsperf)
    bursts = read_bursts(bursts_file)
    kind = [second_phase(bursts, t) for t, _ in samples]
    ratios = []
    for i, (t, q) in enumerate(samples):
        if kind[i] != 'on':
            continue
        before = next((samples[j][1] for j in range(i - 1, -1, -1) if kind[j] == 'off'), None)
        after = next((samples[j][1] for j in range(i + 1, len(samples)) if kind[j] == 'off'), None)
        near = [x for x in (before, after) if x is not None]
        if near:
            ratios.append(q / statistics.mean(near))
    on = [q for (t, q), k in zip(samples, kind) if k == 'on']
    off = [q for (t, q), k in zip(samples, kind) if k == 'off']
    if not ratios:
        sys.exit('phases.py: no second of queries fell wholly inside a burst')
    print('seconds: %d idle, %d under writes; median idle %.0f qps, under writes %.0f qps' % (
        len(off), len(on), statistics.median(off), statistics.median(on)))
    print('ratio of each second under writes to the idle seconds next to it: min %.2f, median %.2f, max %.2f   aim >= 0.90' % (
        min(ratios), statistics.median(ratios), max(ratios)))


def bucket(stack):
    for name, marks, *within in BUCKETS:
        if any(m in f for f in stack for m in marks) and all(any(w in f for f in stack) for w in within):
            return name
    return 'other'


def profile(dnsperf, bursts_file, script):
    bursts = read_bursts(bursts_file)
    queries, seconds = collections.Counter(), collections.Counter()
    for t, q in read_seconds(dnsperf):
        k = second_phase(bursts, t)
        if k:
            queries[k] += q
            seconds[k] += 1
    count = {'on': collections.Counter(), 'off': collections.Counter()}
    total = collections.Counter()
    when, stack = None, []

    def flush():
        k = instant_phase(bursts, when) if when is not None else None
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
    for name in [b[0] for b in BUCKETS] + ['other']:
        on = count['on'][name] / total['on']
        off = count['off'][name] / total['off']
        print('%-28s %7.1f%% %7.1f%% %14.2f %14.2f' % (name, 100 * on, 100 * off, on * 1e6 / qps['on'], off * 1e6 / qps['off']))
    print('queries/s: %.0f under writes, %.0f quiet (%d and %d seconds); %d and %d samples' % (
        qps['on'], qps['off'], seconds['on'], seconds['off'], total['on'], total['off']))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'ratio':
        ratio(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == 'profile':
        profile(*sys.argv[2:])
    else:
        sys.exit(__doc__)
