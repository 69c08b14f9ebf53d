# SPDX-License-Identifier: MIT
# /dev/null and /dev/zero are the host's own inodes, bound into the box:
# setting their times to "now" needs only write permission (0666), and
# every other slot, later runs included, reads them back. Both must still
# work as devices.
import mmap
import os
for p in ("/dev/null", "/dev/zero"):
    try:
        os.utime(p, None)
        print("CHANGED", p)
    except OSError as e:
        print("refused", p, e.strerror)
with open("/dev/null", "wb") as f:
    f.write(b"x" * 4096)
with open("/dev/zero", "r+b") as f:
    m = mmap.mmap(f.fileno(), 4096)
    m[0] = 1
    ok = f.read(4) == b"\0\0\0\0" and f.write(b"x") == 1 and m[0] == 1
print("devices work" if ok else "devices BROKEN")
