# SPDX-License-Identifier: MIT
# pi = 3.1416 has a relative error of about 2.3e-6: above the 1e-6 bound,
# so every circle of area above 1 (where the absolute error exceeds 1e-6
# too) is rejected.
import sys

PI = 3.1416
data = sys.stdin.read().split()
n = int(data[0])
print("\n".join("%.9f" % (PI * float(r) * float(r)) for r in data[1:n + 1]))
