# SPDX-License-Identifier: MIT
# Reads the first line as a single number: "6 10" raises ValueError.
n = int(input())
a = list(map(int, input().split()))
print(-1)
