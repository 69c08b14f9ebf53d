#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates data/secret/*.in (deterministic) and every .ans, samples
included, with the reference solution submissions/accepted/set_size.py.

Run from anywhere: python3 generators/gen.py
"""
import glob
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "submissions", "accepted", "set_size.py")
SECRET = os.path.join(ROOT, "data", "secret")
V = 10**9


def write(name, a):
    assert 1 <= len(a) <= 200000 and all(0 <= x <= V for x in a)
    with open(os.path.join(SECRET, name + ".in"), "w") as f:
        f.write("%d\n%s\n" % (len(a), " ".join(map(str, a))))


def main():
    rng = random.Random(20240503)
    os.makedirs(SECRET, exist_ok=True)
    write("01-one", [0])
    write("02-all-same", [V] * 1000)
    write("03-edges", [0, V, 1, V - 1, 0, V, 2**29, 7, 7, V, V - 1])
    write("04-small-random", [rng.randint(0, 100) for _ in range(1000)])
    write("05-medium-dups", [rng.randint(0, 30000) for _ in range(50000)])
    # The large test: 200000 distinct values, so the quadratic solutions do
    # all n^2/2 comparisons. Values below 10^8 keep the file under 2 MB.
    a = rng.sample(range(0, 10**8), 200000)
    write("06-large-distinct", a)
    for inp in sorted(glob.glob(os.path.join(ROOT, "data", "*", "*.in"))):
        with open(inp, "rb") as fi, open(inp[:-3] + ".ans", "wb") as fo:
            subprocess.run([sys.executable, REF], stdin=fi, stdout=fo, check=True)


if __name__ == "__main__":
    main()
