#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates data/secret/*.in (deterministic) and every .ans, samples
included, with the reference solution submissions/accepted/first_pair.py.

Run from anywhere: python3 generators/gen.py
"""
import glob
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "submissions", "accepted", "first_pair.py")
SECRET = os.path.join(ROOT, "data", "secret")
V = 10**9


def write(name, t, a):
    assert 2 <= len(a) <= 100000 and abs(t) <= 2 * V and all(abs(x) <= V for x in a)
    with open(os.path.join(SECRET, name + ".in"), "w") as f:
        f.write("%d %d\n%s\n" % (len(a), t, " ".join(map(str, a))))


def unique_pair(rng, n):
    """Even values and an odd target: the one odd value x and t - x (which
    appears once) form the only pair, near the end."""
    t = 2 * rng.randint(-V // 4, V // 4 - 1) + 1
    x = 2 * rng.randint(-V // 4, V // 4) + 1
    y = t - x
    a = set()
    while len(a) < n - 2:
        e = 2 * rng.randint(-V // 2, V // 2)
        if e != y:
            a.add(e)
    a = list(a)
    rng.shuffle(a)
    a.insert(n - 10, x)
    a.insert(n - 3, y)
    return t, a


def main():
    rng = random.Random(20240502)
    os.makedirs(SECRET, exist_ok=True)
    write("01-min", 0, [-5, 5])
    write("02-min-none", 2, [1, 5])           # 1 + 1 would need the same position twice
    write("03-self-trap", 10, [5, 1, 9, 2])   # a_1 = t/2 once; the pair is 2 3
    write("04-half-none", 8, [4, 1, 2, 9, 0])  # only 4 + 4: no pair
    write("05-extremes", -2 * V, [V, -V, 7, -V, V])
    write("06-extremes-none", 2 * V, [V, -V, 999999999, 0])
    write("07-many-pairs", rng.randint(-100, 100),
          [rng.randint(-1000, 1000) for _ in range(50000)])
    write("08-unique-pair", *unique_pair(rng, 50000))
    write("09-none-large", 2 * rng.randint(-50000, 50000) + 1,
          [2 * rng.randint(-100000, 100000) for _ in range(50000)])
    for inp in sorted(glob.glob(os.path.join(ROOT, "data", "*", "*.in"))):
        with open(inp, "rb") as fi, open(inp[:-3] + ".ans", "wb") as fo:
            subprocess.run([sys.executable, REF], stdin=fi, stdout=fo, check=True)


if __name__ == "__main__":
    main()
