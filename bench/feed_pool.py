#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feed_pool.py DUMP... - the WebSocket clients' latency with streamed feeds
open against without, over every round of one or more runs of
bench/clics_feed.sh (each run's `ws_fanout --dump` file is one DUMP).

A run's own table gives each round's p99 against its neighbours' and the
median of those; a phase's p99 is about the second-worst of its 100
fan-outs, so single rounds swing by tens of percent. Two summaries here,
each with a 95% interval from resampling whole rounds (the drift between
rounds is then in the interval, not hidden by it):

  per round  the geometric mean over rounds of a feeds phase's statistic
             over the geometric mean of the no-feed phases just before and
             after it; its control is the same for each no-feed phase
             between two others (no feed in it: what drift and noise alone
             give, about 1.00). It sees every round's tail, so it is the
             sensitive one.
  pooled     every receipt of every feeds phase against every receipt of
             every no-feed phase: the whole experiment's tail, which its
             worst rounds make, with or without feeds.

An interval that holds 1.00 is no slowdown these rounds can tell from
none; its upper end bounds what there may be.

When the runs have phase 3b (the same feeds served by a second
gavel-server, `N feeds elsewhere`), a second table sets, per round, the
feeds served elsewhere against the no-feed phases around them (what the
feeds' traffic alone costs on the shared cores) and the feeds served by
the WebSocket clients' own server against those served elsewhere, in the
same round (what serving them from one process adds).

Standard library only: the benchmark runs on a bare Debian machine.
"""
import bisect
import math
import random
import sys

QUANTILES = {"p50": 0.50, "p99": 0.99}
RESAMPLES = 1000
CASES = ("single", "burst", "slow1%")


class Phase:
    """One scenario of one phase: its histogram as sorted values (tenths
    of a ms) and cumulative counts."""

    def __init__(self, pairs):
        pairs.sort()
        self.values = [v for v, _ in pairs]
        self.cum = []
        total = 0
        weighted = 0
        for v, c in pairs:
            total += c
            weighted += v * c
            self.cum.append(total)
        self.n = total
        self.sum = weighted

    def at_most(self, v):
        i = bisect.bisect_right(self.values, v)
        return self.cum[i - 1] if i else 0


def read_dump(path, run, phases):
    """phases[(case, kind)] -> {(run, round): Phase}; kind 'none', 'feeds'
    or 'elsewhere'."""
    cur = None
    pairs = []

    def flush():
        if cur and pairs:
            phases.setdefault(cur[0], {})[cur[1]] = Phase(pairs[:])

    with open(path) as f:
        for line in f:
            if line.startswith("# "):
                flush()
                pairs = []
                cur = None
                label, case, _events = line[2:].rstrip("\n").split("|")
                if "#" not in label or case not in CASES:
                    continue
                what, rnd = label.rsplit("#", 1)
                what = what.strip()
                kind = ("none" if what == "0 feeds" else "feeds" if what.endswith(" feeds")
                        else "elsewhere" if what.endswith(" feeds elsewhere") else None)
                if kind:
                    cur = ((case, kind), (run, int(rnd)))
            elif cur:
                v, c = line.split()
                pairs.append((int(v), int(c)))
    flush()


def rounds_of(phases, case):
    """[(no-feed phases, feeds phases)] per round: a run's closing no-feed
    phase joins its last round."""
    none = phases.get((case, "none"), {})
    feeds = phases.get((case, "feeds"), {})
    out = []
    for key in sorted(feeds):
        run, r = key
        if (run, r) not in none:
            continue
        n = [none[(run, r)]]
        if (run, r + 1) in none and (run, r + 1) not in feeds:
            n.append(none[(run, r + 1)])  # the closing phase
        out.append((n, [feeds[key]]))
    return out


def quantile(parts, q):
    total = sum(p.n for p in parts)
    want = q * total
    lo, hi = 0, max(p.values[-1] for p in parts if p.n)
    while lo < hi:
        mid = (lo + hi) // 2
        if sum(p.at_most(mid) for p in parts) >= want:
            hi = mid
        else:
            lo = mid + 1
    return lo / 10.0


def mean(parts):
    return sum(p.sum for p in parts) / sum(p.n for p in parts) / 10.0


STATS = ("p50", "p99", "mean")


def stat(parts, name):
    return mean(parts) if name == "mean" else quantile(parts, QUANTILES[name])


def triples_of(phases, case, kind="feeds"):
    """For the per-round summary: (feeds phase, the no-feed phases before
    and after it) per round, and (no-feed phase, the no-feed phases two
    steps around it) for the control."""
    none = phases.get((case, "none"), {})
    feeds = phases.get((case, kind), {})
    tests = [(feeds[k], none[k], none[(k[0], k[1] + 1)])
             for k in sorted(feeds) if k in none and (k[0], k[1] + 1) in none]
    controls = [(none[k], none[(k[0], k[1] - 1)], none[(k[0], k[1] + 1)])
                for k in sorted(none) if (k[0], k[1] - 1) in none and (k[0], k[1] + 1) in none]
    return tests, controls


def log_ratios(triples, name):
    """Each phase's statistic over the geometric mean of the others with it
    (one or two), as logarithms."""
    out = []
    for x, *base in triples:
        vx, vb = stat([x], name), [stat([b], name) for b in base]
        if vx > 0 and all(v > 0 for v in vb):
            out.append(math.log(vx) - sum(math.log(v) for v in vb) / len(vb))
    return out


def geo_interval(rng, logs):
    """The geometric mean of the ratios and its 95% interval."""
    means = sorted(sum(rng.choice(logs) for _ in logs) / len(logs) for _ in range(RESAMPLES))
    return (math.exp(sum(logs) / len(logs)), math.exp(means[int(0.025 * RESAMPLES)]),
            math.exp(means[int(0.975 * RESAMPLES) - 1]))


def pooled(rounds, name):
    none = [p for n, _ in rounds for p in n]
    feeds = [p for _, f in rounds for p in f]
    a, b = stat(feeds, name), stat(none, name)
    return a, b, a / b if b else float("nan")


def main_elsewhere(phases):
    rng = random.Random(13)
    shown = False
    for case in CASES:
        here = phases.get((case, "feeds"), {})
        there = phases.get((case, "elsewhere"), {})
        pairs = [(here[k], there[k]) for k in sorted(here) if k in there]
        tests, _ = triples_of(phases, case, "elsewhere")
        if not pairs or not tests:
            continue
        if not shown:
            print()
            print("| case   | rounds | stat | elsewhere ms | elsewhere / 0 feeds [95%] "
                  "| here / elsewhere [95%] |")
            print("| ------ | ------ | ---- | ------------ | ------------------------- "
                  "| ---------------------- |")
            shown = True
        for name in STATS:
            ms = stat(list(there.values()), name)
            over_none = "%.2f [%.2f-%.2f]" % geo_interval(rng, log_ratios(tests, name))
            over_there = "%.2f [%.2f-%.2f]" % geo_interval(rng, log_ratios(pairs, name))
            print("| %-6s | %6d | %-4s | %12.1f | %-25s | %-22s |" %
                  (case, len(pairs), name, ms, over_none, over_there))


def main(paths):
    phases = {}
    for i, path in enumerate(paths):
        read_dump(path, i, phases)
    rng = random.Random(12)
    print("| case   | rounds | stat | 0 feeds ms | feeds ms | per round [95%]   | control [95%]     "
          "| pooled [95%]      |")
    print("| ------ | ------ | ---- | ---------- | -------- | ----------------- | ----------------- "
          "| ----------------- |")
    for case in CASES:
        rounds = rounds_of(phases, case)
        tests, controls = triples_of(phases, case)
        if not rounds or not tests:
            continue
        for name in STATS:
            feeds, none, ratio = pooled(rounds, name)
            boot = sorted(pooled([rng.choice(rounds) for _ in rounds], name)[2]
                          for _ in range(RESAMPLES))
            lo, hi = boot[int(0.025 * RESAMPLES)], boot[int(0.975 * RESAMPLES) - 1]
            per = "%.2f [%.2f-%.2f]" % geo_interval(rng, log_ratios(tests, name))
            ctl = log_ratios(controls, name)
            ctl = "%.2f [%.2f-%.2f]" % geo_interval(rng, ctl) if len(ctl) > 1 else "-"
            print("| %-6s | %6d | %-4s | %10.1f | %8.1f | %-17s | %-17s | %-17s |" %
                  (case, len(rounds), name, none, feeds, per, ctl,
                   "%.2f [%.2f-%.2f]" % (ratio, lo, hi)))
    main_elsewhere(phases)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: feed_pool.py DUMP...")
    main(sys.argv[1:])
