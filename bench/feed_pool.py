#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feed_pool.py DUMP... - the WebSocket clients' latency with streamed feeds
open against without, pooled over every round of one or more runs of
bench/clics_feed.sh (each run's `ws_fanout --dump` file is one DUMP).

A run's table compares each round's p99 with its neighbours'; a p99 of
100 fan-outs is the second-worst of them, so one round moves it by tens of
percent. Here every receipt of every phase with feeds is pooled against
every receipt of every phase without, and the ratio's 95% confidence
interval comes from resampling whole rounds (a round: its no-feed phase,
its feeds phase, and for a run's last round the closing no-feed phase),
so the machine's drift between rounds is in the interval, not hidden by
it. An interval that holds 1.00 is no slowdown this many rounds can tell
from none; its upper end bounds what there may be.

Standard library only: the benchmark runs on a bare Debian machine.
"""
import bisect
import random
import sys

QUANTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))
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
    """phases[(case, kind)] -> {(run, round): Phase}; kind 'none' or 'feeds'."""
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
                kind = "none" if what == "0 feeds" else "feeds" if what.endswith(" feeds") else None
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


def stats(parts):
    return [quantile(parts, q) for _, q in QUANTILES] + [mean(parts)]


def ratios(rounds):
    none = [p for n, _ in rounds for p in n]
    feeds = [p for _, f in rounds for p in f]
    a, b = stats(feeds), stats(none)
    return a, b, [x / y if y else float("nan") for x, y in zip(a, b)]


def main(paths):
    phases = {}
    for i, path in enumerate(paths):
        read_dump(path, i, phases)
    rng = random.Random(12)
    names = [n for n, _ in QUANTILES] + ["mean"]
    print("| case   | rounds | stat | 0 feeds ms | with feeds ms | ratio | 95% interval |")
    print("| ------ | ------ | ---- | ---------- | ------------- | ----- | ------------ |")
    for case in CASES:
        rounds = rounds_of(phases, case)
        if not rounds:
            continue
        feeds, none, ratio = ratios(rounds)
        boot = [ratios([rng.choice(rounds) for _ in rounds])[2] for _ in range(RESAMPLES)]
        for i, name in enumerate(names):
            xs = sorted(b[i] for b in boot)
            lo, hi = xs[int(0.025 * len(xs))], xs[int(0.975 * len(xs)) - 1]
            print("| %-6s | %6d | %-4s | %10.1f | %13.1f | %5.2f | %5.2f-%5.2f  |" %
                  (case, len(rounds), name, none[i], feeds[i], ratio[i], lo, hi))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: feed_pool.py DUMP...")
    main(sys.argv[1:])
