# SPDX-License-Identifier: MIT
# Touches 100 MiB once: memory_kb within 10% of 102400 plus the interpreter.
b = bytearray(100 << 20)
print(len(b))
