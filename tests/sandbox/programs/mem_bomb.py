# SPDX-License-Identifier: MIT
# Grows a list of 1 MiB blocks forever: MLE.
blocks = []
while True:
    blocks.append(bytearray(1 << 20))
