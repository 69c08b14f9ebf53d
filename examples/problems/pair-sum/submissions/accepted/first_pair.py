# SPDX-License-Identifier: MIT
# Reference solution (generators/gen.py writes the .ans files with it):
# scans left to right and prints the first j that completes a pair, with the
# earliest i that matches it.
import sys

data = sys.stdin.buffer.read().split()
n, t = int(data[0]), int(data[1])
first = {}
for j in range(1, n + 1):
    x = int(data[1 + j])
    i = first.get(t - x)
    if i is not None:
        print(i, j)
        break
    if x not in first:
        first[x] = j
else:
    print(-1)
