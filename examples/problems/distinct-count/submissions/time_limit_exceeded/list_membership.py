# SPDX-License-Identifier: MIT
# `x not in seen` scans a list: quadratic.
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
seen = []
for tok in data[1:n + 1]:
    x = int(tok)
    if x not in seen:
        seen.append(x)
print(len(seen))
