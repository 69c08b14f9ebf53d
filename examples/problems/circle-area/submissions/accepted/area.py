# SPDX-License-Identifier: MIT
# Reference solution (generators/gen.py writes the .ans files with it).
import math
import sys

data = sys.stdin.read().split()
n = int(data[0])
out = []
for tok in data[1:n + 1]:
    r = float(tok)
    out.append("%.9f" % (math.pi * r * r))
print("\n".join(out))
