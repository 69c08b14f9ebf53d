# SPDX-License-Identifier: MIT
# Builds the whole value -> position map first, then looks up t - a_i:
# when a_i = t / 2 it can pair position i with itself.
import sys

data = sys.stdin.buffer.read().split()
n, t = int(data[0]), int(data[1])
a = [int(x) for x in data[2:2 + n]]
where = {x: i for i, x in enumerate(a)}
for i, x in enumerate(a):
    j = where.get(t - x)
    if j is not None:
        print(i + 1, j + 1)
        break
else:
    print(-1)
