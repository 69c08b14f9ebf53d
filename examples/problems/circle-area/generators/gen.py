#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates data/secret/*.in (deterministic) and every .ans, samples
included, with the reference solution submissions/accepted/area.py.

Run from anywhere: python3 generators/gen.py
"""
import glob
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "submissions", "accepted", "area.py")
SECRET = os.path.join(ROOT, "data", "secret")


def radius(rng, lo, hi):
    """A radius in [lo, hi] thousandths, printed with up to 3 decimals."""
    v = rng.randint(lo, hi)
    s = "%d.%03d" % (v // 1000, v % 1000)
    return s.rstrip("0").rstrip(".")


def write(name, radii):
    with open(os.path.join(SECRET, name + ".in"), "w") as f:
        f.write("%d\n" % len(radii))
        f.write("".join(r + "\n" for r in radii))


def main():
    rng = random.Random(20240501)
    os.makedirs(SECRET, exist_ok=True)
    write("01-single", ["7"])
    write("02-small", ["0.001", "0.01", "0.1", "0.123", "0.5", "0.999"])
    write("03-large", ["1000", "999.999", "987.654", "500", "123.456"])
    write("04-tiny-random", [radius(rng, 1, 1000) for _ in range(1000)])
    write("05-random", [radius(rng, 1, 1000000) for _ in range(1000)])
    write("06-integers", [str(rng.randint(1, 1000)) for _ in range(1000)])
    for inp in sorted(glob.glob(os.path.join(ROOT, "data", "*", "*.in"))):
        with open(inp, "rb") as fi, open(inp[:-3] + ".ans", "wb") as fo:
            subprocess.run([sys.executable, REF], stdin=fi, stdout=fo, check=True)


if __name__ == "__main__":
    main()
