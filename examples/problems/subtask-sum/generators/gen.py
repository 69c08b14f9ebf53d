#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates data/secret/group*/*.in (deterministic) and every .ans,
samples included, with the reference solution submissions/accepted/prefix.py.

Run from anywhere: python3 generators/gen.py
"""
import glob
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "submissions", "accepted", "prefix.py")
SECRET = os.path.join(ROOT, "data", "secret")
V = 10**9
INT_MAX = 2**31 - 1


def write(group, name, a, queries, maxn, maxv, overflow):
    n, q = len(a), len(queries)
    assert 1 <= n <= maxn and 1 <= q <= maxn and all(abs(x) <= maxv for x in a)
    assert all(1 <= l <= r <= n for l, r in queries)
    prefix = [0]
    for x in a:
        prefix.append(prefix[-1] + x)
    sums = [prefix[r] - prefix[l - 1] for l, r in queries]
    # Group 1 fits in an int everywhere; groups 2 and 3 must not.
    assert any(abs(s) > INT_MAX for s in sums) == overflow, name
    with open(os.path.join(SECRET, group, name + ".in"), "w") as f:
        f.write("%d %d\n%s\n" % (n, q, " ".join(map(str, a))))
        f.write("".join("%d %d\n" % lr for lr in queries))


def random_queries(rng, n, q, min_len=1):
    out = []
    for _ in range(q):
        length = rng.randint(min(min_len, n), n)
        l = rng.randint(1, n - length + 1)
        out.append((l, l + length - 1))
    return out


def main():
    rng = random.Random(20240504)
    for g in ("group1", "group2", "group3"):
        os.makedirs(os.path.join(SECRET, g), exist_ok=True)

    # Group 1: n, q <= 1000, |a_i| <= 1000.
    write("group1", "1-single", [-1000], [(1, 1)], 1000, 1000, False)
    write("group1", "2-random", [rng.randint(-1000, 1000) for _ in range(1000)],
          random_queries(rng, 1000, 1000), 1000, 1000, False)
    write("group1", "3-all-max", [1000] * 1000,
          [(1, 1000)] + random_queries(rng, 1000, 999), 1000, 1000, False)

    # Group 2: n, q <= 1000, |a_i| <= 10^9.
    write("group2", "1-random", [rng.randint(-V, V) for _ in range(1000)],
          random_queries(rng, 1000, 1000), 1000, V, True)
    write("group2", "2-all-max", [V] * 1000, random_queries(rng, 1000, 1000), 1000, V, True)
    write("group2", "3-all-min", [-V] * 3, [(1, 3), (2, 3), (1, 1)], 1000, V, True)

    # Group 3: n, q <= 100000.
    n = 100000
    write("group3", "1-large-random", [rng.randint(-V, V) for _ in range(n)],
          random_queries(rng, n, 30000), n, V, True)
    write("group3", "2-long-positive", [rng.randint(V // 2, V) for _ in range(20000)],
          random_queries(rng, 20000, 5000, min_len=10000), n, V, True)
    write("group3", "3-small-n-many-q", [V, V, V, -V, V, V, -V, V, V, -V],
          [(1, 10), (1, 3)] + random_queries(rng, 10, 5000), n, V, True)

    for inp in sorted(glob.glob(os.path.join(ROOT, "data", "**", "*.in"), recursive=True)):
        with open(inp, "rb") as fi, open(inp[:-3] + ".ans", "wb") as fo:
            subprocess.run([sys.executable, REF], stdin=fi, stdout=fo, check=True)


if __name__ == "__main__":
    main()
