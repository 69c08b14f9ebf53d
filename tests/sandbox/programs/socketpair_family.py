# SPDX-License-Identifier: MIT
# socketpair works for AF_UNIX only: any other family (TIPC here, whose
# module a socketpair call would autoload on many hosts) gets EACCES.
import errno
import socket

for fam, kind in ((socket.AF_UNIX, socket.SOCK_STREAM), (30, socket.SOCK_SEQPACKET)):
    try:
        a, b = socket.socketpair(fam, kind)
        print(fam, "ok")
    except OSError as e:
        print(fam, errno.errorcode.get(e.errno, e.errno))
