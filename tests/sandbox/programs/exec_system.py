# SPDX-License-Identifier: MIT
# os.system runs a shell: a second execve in the run.
import os
import sys
print("before", flush=True)
os.system("echo PWNED")
print("after", flush=True)
sys.exit(0)
