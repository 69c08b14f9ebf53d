# SPDX-License-Identifier: MIT
# Reference solution (generators/gen.py writes the .ans files with it).
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
print(len(set(map(int, data[1:n + 1]))))
