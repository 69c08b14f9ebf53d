# SPDX-License-Identifier: MIT
# A shell copied into a memfd (no file system, no noexec) and run with
# fexecve: the run's second exec, an execveat, ends the run.
import os
import sys
fd = os.memfd_create("x", 0)
with open("/bin/sh", "rb") as f:
    os.write(fd, f.read())
print("before", flush=True)
os.execve(fd, ["sh", "-c", "echo PWNED"], {})
print("after", flush=True)
sys.exit(0)
