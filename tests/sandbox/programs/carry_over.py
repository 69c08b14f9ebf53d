# SPDX-License-Identifier: MIT
# carry_over.c's "files" mode in Python: test 1 leaves a mark in DIR, a
# later test reports whether it sees it.
import os
n, mode, d = input().split()
if n == "1":
    try:
        open(os.path.join(d, "mark"), "w").close()
    except OSError:
        pass
    print("ok")
else:
    print("seen" if os.path.exists(os.path.join(d, "mark")) else "ok")
