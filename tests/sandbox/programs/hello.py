# SPDX-License-Identifier: MIT
a, b = map(int, input().split())
print(a + b)
