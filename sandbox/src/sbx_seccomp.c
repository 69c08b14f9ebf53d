/* SPDX-License-Identifier: MIT
 * sbx_seccomp.c - the per-language syscall allow-lists.
 *
 * Theory of operation. Each profile is an allow-list compiled once per
 * process by libseccomp into classic BPF; a run's child loads it with the
 * raw seccomp(2) call just before execve. Anything not listed takes the
 * default action SECCOMP_RET_USER_NOTIF: the kernel suspends the calling
 * thread and queues a notification on a listener fd that the child hands
 * to the supervisor before it execs. The supervisor reads the syscall
 * number from the notification, kills the whole run and reports RE with
 * the syscall's name. This is how the name reaches the judge even though
 * a SIGSYS death (SECCOMP_RET_KILL_PROCESS) carries no syscall number to
 * the parent, and unlike SECCOMP_RET_TRAP the program cannot catch it.
 * Should the listener disappear, the kernel fails the syscall with ENOSYS:
 * the refused syscall is never executed in either case.
 *
 * Syscalls that must fail softly get an errno instead: clone3 (ENOSYS, so
 * libc falls back to clone, whose flags the filter can read: clone3 keeps
 * them behind a pointer) and socket/connect (EACCES: the JVM probes AF_UNIX
 * sockets and must see an error, not a kill). AF_VSOCK is refused outright;
 * socketpair works for AF_UNIX only (EACCES otherwise).
 * clone with any namespace flag, ioctl other than a few terminal queries
 * (so TIOCSTI and friends), and everything absent below - io_uring, keyctl,
 * ptrace, unshare, setns, mount, bpf, perf_event_open, userfaultfd - stop
 * the run. An x32 or i386 syscall kills the process (bad architecture). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "sbx_internal.h"
#include "banned.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41 /* Linux 5.17: names anonymous mappings */
#endif

/* Every profile: memory, files in the box, time, threads and processes
 * (bounded by pids.max), signals to its own processes (the pid namespace
 * holds nothing else it may signal). */
// clang-format off
static const char *const sys_base[] = {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
    "fstat", "newfstatat", "stat", "lstat", "statx", "access", "faccessat", "faccessat2",
    "open", "openat", "readlink", "readlinkat", "getcwd", "chdir", "fchdir", "getdents64",
    "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "ftruncate", "fsync", "fdatasync",
    "mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "symlink",
    "symlinkat", "umask", "chmod", "fchmod", "fchmodat",
    "mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "mincore", "msync",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "sigaltstack", "kill", "tgkill", "tkill", "pause",
    "exit", "exit_group", "arch_prctl", "set_tid_address", "set_robust_list",
    "get_robust_list", "rseq", "futex", "sched_yield", "sched_getaffinity",
    "getpid", "gettid", "getppid", "getpgrp", "getuid", "geteuid", "getgid", "getegid",
    "getresuid", "getresgid", "getgroups", "uname", "sysinfo", "getrusage", "times",
    "getrlimit", "setrlimit", "getpriority",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "getrandom", "poll", "ppoll", "select", "pselect6",
    "fork", "vfork", "wait4", "waitid", "setsid", "setpgid", "getsid", "getpgid",
    "statfs", "fstatfs",
    /* The run's child hands the listener to the supervisor with sendmsg
     * after the filter is loaded; no socket survives its execve, so the
     * program has nothing to send on. */
    "sendmsg",
    NULL,
};

/* Each profile adds its own list to sys_base: NATIVE nothing, PYTHON
 * sys_interp, JAVA sys_interp and sys_jvm, COMPILER all three and
 * sys_compiler (javac is a JVM; gcc's driver runs cc1, as and ld).
 *
 * sys_interp: what an interpreter's or a runtime's event loops, timers,
 * threads and file probes use. */
static const char *const sys_interp[] = {
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2",
    "statfs", "fstatfs", "fadvise64", "sched_getparam", "sched_getscheduler",
    "sched_get_priority_min", "sched_get_priority_max", "memfd_create", "fallocate",
    "getsockname", "getsockopt", "setsockopt", "getpeername", "shutdown", "sendmsg", "recvmsg",
    "sendto", "recvfrom", "utimensat", "futimesat", "alarm", "setitimer", "getitimer",
    "timer_create", "timer_settime", "timer_delete", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "copy_file_range", "sendfile", "splice", "tee", "setpgid", "setsid",
    "getsid", "getpgid",
    NULL,
};

/* The JVM's own: its GC's memory barriers and NUMA probes, thread
 * priorities and affinity, file locks (the class-data archive). prctl is
 * added with an argument filter (add_prctl). */
static const char *const sys_jvm[] = {
    "membarrier", "get_mempolicy", "set_mempolicy", "mbind", "sched_setscheduler",
    "sched_setaffinity", "ioprio_get", "flock", "inotify_init1", "inotify_add_watch",
    "inotify_rm_watch",
    NULL,
};

/* What only a toolchain does with files: links, ownership and times,
 * extended attributes it copies, and exec of its own passes (execve is
 * otherwise allowed once per run: see sbx_supervise.c). */
static const char *const sys_compiler[] = {
    "link", "linkat", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr",
    "flistxattr", "chown", "fchown", "lchown", "fchownat", "utime", "utimes", "execve",
    NULL,
};
// clang-format on

static int add_list(scmp_filter_ctx ctx, const char *const *names)
{
    for (; *names; names++) {
        int nr = seccomp_syscall_resolve_name(*names);
        int err;
        if (nr == __NR_SCMP_ERROR)
            continue; /* not on this architecture (e.g. "time" on arm64) */
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (err < 0 && err != -EEXIST)
            return err;
    }
    return 0;
}

/* prctl for what runtimes do with it (the JVM names its threads), never
 * PR_SET_SECCOMP: a program that stacked its own filter could turn a
 * refused call (which ends the run, naming the call) into an error it
 * handles. seccomp(2) itself is in no list. An allow-list of options and
 * an exact 64-bit match: the kernel reads the option as an int, so a
 * 64-bit "!= PR_SET_SECCOMP" would let (1 << 32) | PR_SET_SECCOMP by. */
static const unsigned long prctl_ok[] = {PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_VMA};

static int add_prctl(scmp_filter_ctx ctx)
{
    int err = 0;

    for (size_t i = 0; i < sizeof(prctl_ok) / sizeof(prctl_ok[0]) && err == 0; i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                               SCMP_A0(SCMP_CMP_EQ, prctl_ok[i]));
    return err;
}

/* The terminal and file queries that libc and runtimes make (isatty,
 * FIONREAD); the 32-bit mask because the kernel reads cmd as unsigned int
 * while seccomp sees the full 64-bit register. */
static const unsigned long ioctl_ok[] = {TCGETS,  TIOCGWINSZ, FIONREAD, FIONBIO,
                                         FIOCLEX, FIONCLEX,   TIOCGPGRP};

int sbx__seccomp_build(struct sock_fprog *out, enum sbx_profile profile)
{
    scmp_filter_ctx ctx = NULL;
    const uint64_t ns_flags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                              CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    int memfd = -1, err;
    off_t size;
    void *prog = NULL;

    ctx = seccomp_init(SCMP_ACT_NOTIFY);
    if (!ctx)
        return GV_EINTERNAL;
    err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (err < 0)
        goto out;
    /* A binary tree over syscall numbers instead of a linear list: a
     * program that makes millions of syscalls pays log(n) per call. */
    err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (err < 0)
        goto out;
    /* The child sets no_new_privs itself, before the uid switch. */
    err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (err < 0)
        goto out;
    err = add_list(ctx, sys_base);
    if (err == 0 && profile != SBX_PROFILE_NATIVE)
        err = add_list(ctx, sys_interp);
    if (err == 0 && (profile == SBX_PROFILE_JAVA || profile == SBX_PROFILE_COMPILER))
        err = add_list(ctx, sys_jvm);
    if (err == 0 && profile == SBX_PROFILE_COMPILER)
        err = add_list(ctx, sys_compiler);
    if (err == 0 && (profile == SBX_PROFILE_JAVA || profile == SBX_PROFILE_COMPILER))
        err = add_prctl(ctx);
    if (err < 0)
        goto out;
    err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (err < 0)
        goto out;
    err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags, 0));
    if (err < 0)
        goto out;
    for (size_t i = 0; i < sizeof(ioctl_ok) / sizeof(ioctl_ok[0]); i++) {
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctl_ok[i]));
        if (err < 0)
            goto out;
    }
    /* prlimit64 on itself only: lowering is harmless and raising a hard
     * limit needs a capability it does not have. */
    err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, SCMP_A0(SCMP_CMP_EQ, 0));
    if (err < 0)
        goto out;
    err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                           SCMP_A0(SCMP_CMP_NE, AF_VSOCK));
    if (err < 0)
        goto out;
    /* Runtimes pair AF_UNIX sockets between their own threads. Any other
     * family would reach a protocol's code (and on most hosts autoload its
     * module: TIPC, CVE-2021-43267) that a judge never needs. */
    if (profile != SBX_PROFILE_NATIVE) {
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
                               SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        if (err < 0)
            goto out;
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1,
                               SCMP_A0(SCMP_CMP_NE, AF_UNIX));
        if (err < 0)
            goto out;
    }
    err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(connect), 0);
    if (err < 0)
        goto out;
    err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(bind), 0);
    if (err < 0)
        goto out;

    memfd = memfd_create("sbx-bpf", MFD_CLOEXEC);
    if (memfd < 0) {
        err = -errno;
        goto out;
    }
    err = seccomp_export_bpf(ctx, memfd);
    if (err < 0)
        goto out;
    size = lseek(memfd, 0, SEEK_END);
    if (size <= 0 || size % sizeof(struct sock_filter) != 0) {
        err = GV_EINTERNAL;
        goto out;
    }
    prog = gv_malloc((size_t)size);
    if (!prog) {
        err = -ENOMEM;
        goto out;
    }
    if (pread(memfd, prog, (size_t)size, 0) != size) {
        err = GV_EINTERNAL;
        goto out;
    }
    out->len = (unsigned short)(size / sizeof(struct sock_filter));
    out->filter = prog;
    prog = NULL;
    err = 0;
out:
    if (err < 0)
        gv_log(GV_LOG_ERROR, "sandbox", "cannot build seccomp profile %d: %s", (int)profile,
               gv_strerror(err));
    gv_free(prog);
    if (memfd >= 0)
        close(memfd);
    seccomp_release(ctx);
    return err;
}
