# SPDX-License-Identifier: MIT
# Stacks a filter of its own that makes ptrace fail with EPERM, then calls
# ptrace: were that allowed, a refused call would become an error the
# program handles instead of the end of its run. stdin names the way in:
# "prctl" (PR_SET_SECCOMP), "prctl-high" (the option with bit 32 set, which
# the kernel truncates to an int) or "seccomp" (the seccomp syscall). x86_64.
import ctypes
import sys

how = sys.stdin.read().split()[0]


class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Insn))]


insns = (Insn * 4)(Insn(0x20, 0, 0, 0),             # ld [nr]
                   Insn(0x15, 0, 1, 101),           # jeq ptrace
                   Insn(0x06, 0, 0, 0x00050000 | 1),  # ret ERRNO(EPERM)
                   Insn(0x06, 0, 0, 0x7fff0000))    # ret ALLOW
prog = Prog(4, insns)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_prctl, SYS_seccomp, SYS_ptrace = 157, 317, 101
if how == "prctl":
    r = libc.syscall(SYS_prctl, ctypes.c_long(22), ctypes.c_long(2), ctypes.byref(prog), 0, 0)
elif how == "prctl-high":
    r = libc.syscall(SYS_prctl, ctypes.c_long((1 << 32) | 22), ctypes.c_long(2),
                     ctypes.byref(prog), 0, 0)
else:
    r = libc.syscall(SYS_seccomp, ctypes.c_long(1), ctypes.c_long(0), ctypes.byref(prog))
print("installed", r, ctypes.get_errno(), flush=True)
r = libc.syscall(SYS_ptrace, ctypes.c_long(0), 0, 0, 0)
print("ptrace returned", r, ctypes.get_errno(), flush=True)
