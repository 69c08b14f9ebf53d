/* SPDX-License-Identifier: MIT
 * sbx_slot_init.c - what runs in a slot's own processes: the keeper that
 * unshares the namespaces, the slot's init (build_root, the request loop)
 * and each run's child (cgroup join, user namespace, rlimits, seccomp,
 * exec).
 *
 * None of this runs in the caller. It is entered only through the fork in
 * sbx_slot_new (sbx__keeper_main); from there on each process is a
 * single-threaded copy of the caller whose only way back to it is the slot's
 * socket, so a failure is reported as an ERROR (or PREPARED) message rather
 * than returned, and a process that cannot go on exits. Init is still real
 * root (it must mount); the run's child stops being root in prepare_child,
 * before the program is known. The run's child is a CLONE_VM clone of
 * init: until its execve it runs in init's memory and makes only raw
 * system calls (SBX_RSYS). The seccomp filters are not built here but
 * inherited from the caller through fork (sbx__profiles). The theory of
 * operation of the whole slot is at the top of sbx_slot.c. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx_internal.h"
#include "banned.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#ifndef ASAN_UNPOISON_MEMORY_REGION
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define SBX_INNER_ID 1000   /* uid and gid of the program inside its user ns */
#define SBX_BOX_SIZE "512m" /* /box tmpfs; its pages also count in the memory cgroup */
#define SBX_TMP_SIZE "256m"

/* The run's child ends itself (exit_group: in a CLONE_VM clone, its own
 * thread group only; glibc's _exit would do, but everything the child
 * calls is raw, see SBX_RSYS). */
__attribute__((noreturn)) static void child_exit(int code)
{
    for (;;)
        SBX_RSYS(SYS_exit_group, code);
}

/* Copies at most len - 1 bytes of `src` and a NUL: the child's snprintf
 * ("%s"), which could otherwise touch glibc's per-thread state. */
static size_t copy_str(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

/* A failure after RUN, to the supervisor: `what` and the error number,
 * which the supervisor names (strerror) in the run's message. */
__attribute__((noreturn)) static void child_fail(int sock, const char *what, long err)
{
    struct sbx__msg m = {.type = SBX_MSG_ERROR, .status = (int)err};
    size_t n = copy_str(m.text, sizeof(m.text), what);

    sbx__msg_send(sock, &m, offsetof(struct sbx__msg, text) + n + 1, NULL, 0);
    child_exit(127);
}

static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
    size_t len = strlen(s);

    if (fd < 0)
        return -errno;
    if (write(fd, s, len) != (ssize_t)len)
        err = -errno;
    close(fd);
    return err;
}

static long drop_caps(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    long err;

    /* Capabilities are numbered without gaps: the first EINVAL is past
     * the kernel's last one. */
    for (int cap = 0; cap <= 63; cap++) {
        err = SBX_RSYS(SYS_prctl, PR_CAPBSET_DROP, cap);
        if (err == -EINVAL && cap > 0)
            break;
        if (err < 0)
            return err;
    }
    err = SBX_RSYS(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
    if (err < 0)
        return err;
    memset(data, 0, sizeof(data));
    return SBX_RSYS(SYS_capset, &hdr, data);
}

static int set_rlimit(int res, rlim_t v)
{
    struct rlimit rl = {.rlim_cur = v, .rlim_max = v};

    /* prlimit64 on itself: the one rlimit call of every architecture. */
    return (int)SBX_RSYS(SYS_prlimit64, 0, res, &rl, NULL);
}

/* Everything a process inherits besides its environment variables comes
 * from the supervisor unless reset: ignored and blocked signals (a judge
 * that ignores SIGPIPE), the personality (setarch -R turns ASLR off), the
 * nice value and scheduling policy, and rlimits (a judge's RLIMIT_AS would
 * make the JVM's reservations fail; a hard limit below a job's limit would
 * make it unsettable). Init does this once, as root, before building the
 * root; its children inherit the result, and each run's child then only
 * lowers its own limits. Raising a hard limit needs CAP_SYS_RESOURCE (which
 * the program never has); a supervisor without it keeps its hard limits,
 * and only soft limits are lifted to them. */
static int raise_rlimit(int res, rlim_t want)
{
    struct rlimit rl = {.rlim_cur = want, .rlim_max = want};

    if (setrlimit(res, &rl) == 0)
        return 0;
    if (errno != EPERM || getrlimit(res, &rl) < 0)
        return -errno;
    rl.rlim_cur = rl.rlim_max;
    return setrlimit(res, &rl) < 0 ? -errno : 0;
}

static int reset_inherited(void)
{
    static const int unlimited[] = {RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_FSIZE, RLIMIT_CPU};
    static const int zero[] = {RLIMIT_CORE, RLIMIT_RTPRIO, RLIMIT_NICE};
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    struct sched_param sp = {.sched_priority = 0};
    sigset_t none;
    int err = 0;

    /* SIGKILL, SIGSTOP and glibc's own two refuse with EINVAL: harmless. */
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || personality(PER_LINUX) < 0 ||
        setpriority(PRIO_PROCESS, 0, 0) < 0 || sched_setscheduler(0, SCHED_OTHER, &sp) < 0)
        return -errno;
    for (size_t i = 0; i < sizeof(unlimited) / sizeof(unlimited[0]) && err == 0; i++)
        err = raise_rlimit(unlimited[i], RLIM_INFINITY);
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]) && err == 0; i++)
        err = set_rlimit(zero[i], 0);
    if (err == 0)
        err = set_rlimit(RLIMIT_MEMLOCK, 64 << 10);
    if (err == 0)
        err = raise_rlimit(RLIMIT_NOFILE, 1 << 16);
    return err;
}

/* A fresh /tmp, mounted over the one there: each run's process mounts its
 * own in its uid's mount namespace (prepare_child), so nothing one run
 * writes there is seen by the next, and its pages, charged to the memory
 * cgroup of the run that wrote them, are freed when the uid's next run is
 * prepared and detaches it. Init mounts one for itself too (mount_box). */
static int mount_tmp(void)
{
    return (int)SBX_RSYS(SYS_mount, "tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                         "size=" SBX_TMP_SIZE ",mode=1777");
}

/* /box is writable by both of the slot's uids (mode 0777: the compile step
 * and the run after it may have either), and only in the runs that may
 * write it at all (box_readonly). */
static int mount_box(void)
{
    if (mount("box", "/box", "tmpfs", MS_NOSUID | MS_NODEV, "size=" SBX_BOX_SIZE ",mode=0777") < 0)
        return -errno;
    return mount_tmp();
}

/* Run profiles see /box read-only: only the compile step's output (and
 * what the supervisor puts there between runs) may carry over from one
 * run to the next. A per-mount flag, set in the run's own mount namespace:
 * init's /box stays writable for the supervisor's files. */
static int box_readonly(int ro)
{
    unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);

    return (int)SBX_RSYS(SYS_mount, NULL, "/box", NULL, fl, NULL);
}

/* What the prepared process needs from init, copied before the clone: it
 * runs in init's memory (CLONE_VM, see start_prepare), where init's stack
 * and the PREPARE message change under it. One per uid, like its stack: a
 * uid's process is reaped before that uid is prepared again. */
struct prep_arg {
    int ctl;  /* its private socket to init */
    int peer; /* init's end of it, closed by the child (or EOF never comes) */
    int sock; /* the run socket: errors after RUN go to the supervisor */
    int cg[SBX_CG_MAX_CTRL], ncg;
    int box_rw;
    int mnt_ns; /* the uid's mount namespace, to enter, or -1: make one */
    uid_t uid;  /* its host uid: the owner of its user namespace */
};

#define SBX_PREP_STACK (256 << 10)

/* Per uid: the stack of the process prepared on it, and its mount
 * namespace, kept by init from one run on that uid to the next (see
 * prepare_child). */
static struct {
    char *stack_top;
    int mnt_ns;
    struct prep_arg arg;
} prep[SBX_UIDS_PER_SLOT] = {{.mnt_ns = -1}, {.mnt_ns = -1}};
_Static_assert(SBX_UIDS_PER_SLOT == 2, "prep[] initializes two uids");

/* Reports a failure of phase 1 to init (never to the supervisor, whose
 * helper is waiting for init's PREPARED) and exits: 'E', the error number,
 * what failed; init names the error (read_step). */
__attribute__((noreturn)) static void prep_fail(int ctl, const char *what, long err)
{
    char buf[1 + sizeof(int) + 120];
    int e = (int)err;

    buf[0] = 'E';
    memcpy(buf + 1, &e, sizeof(e));
    size_t n = copy_str(buf + 1 + sizeof(e), sizeof(buf) - 1 - sizeof(e), what);
    SBX_RSYS(SYS_write, ctl, buf, 1 + sizeof(e) + n);
    child_exit(127);
}

/* Phase 1 of the run's child, done while the previous run goes on
 * (PREPARE): leave init's session, join the next cgroup, take a mount
 * namespace of its own with a fresh /tmp and /box as the run will see it,
 * enter fresh cgroup and user namespaces, become uid 1000 without
 * capabilities. Then it waits on `ctl` for the job. Joining through
 * cgroup.procs (v2) can cost a synchronize_rcu() (milliseconds) on the
 * kernel's cgroup_threadgroup_rwsem; doing it here keeps it off the run's
 * path (v1 joins through "tasks", which does not take that lock for a
 * single thread). Every call is raw (SBX_RSYS): this runs in init's
 * memory. */
static void prepare_child(const struct prep_arg *a)
{
    char c;
    long err;

    if ((err = SBX_RSYS(SYS_setsid)) < 0)
        prep_fail(a->ctl, "setsid", err);
    for (int i = 0; i < a->ncg; i++) {
        if ((err = SBX_RSYS(SYS_write, a->cg[i], "0", 1)) != 1)
            prep_fail(a->ctl, "cannot join the cgroup", err < 0 ? err : -EIO);
        SBX_RSYS(SYS_close, a->cg[i]);
    }
    /* The run's own mounts: a /tmp no other run sees (the running one
     * keeps its own meanwhile) and /box read-only unless the run may
     * write it. The slot's propagation is private, so nothing leaks back.
     * Each uid keeps its mount namespace from one of its runs to the next
     * (init holds it open): the run two before this one, whose processes
     * are all dead, left its /tmp there, which is detached (and its
     * files freed) here, off the run's path, instead of a namespace of
     * ~20 mounts copied for each run and torn down when its last process
     * exits (an RCU grace period on the way from the program's exit to
     * init's wait). The namespace holds nothing else a run could change:
     * a run cannot mount (no capability in its owner, the initial user
     * namespace; and seccomp). */
    if (a->mnt_ns >= 0) {
        if ((err = SBX_RSYS(SYS_setns, a->mnt_ns, CLONE_NEWNS)) < 0)
            prep_fail(a->ctl, "enter the uid's mount namespace", err);
        SBX_RSYS(SYS_close, a->mnt_ns);
        /* EINVAL: nothing mounted there (a process killed while it was
         * being prepared had detached it): mount one all the same. */
        if ((err = SBX_RSYS(SYS_umount2, "/tmp", MNT_DETACH)) < 0 && err != -EINVAL)
            prep_fail(a->ctl, "detach the last run's /tmp", err);
    } else if ((err = SBX_RSYS(SYS_unshare, CLONE_NEWNS)) < 0) {
        prep_fail(a->ctl, "unshare mount namespace", err);
    }
    if ((err = mount_tmp()) < 0)
        prep_fail(a->ctl, "mount a fresh /tmp", err);
    if ((err = box_readonly(!a->box_rw)) < 0)
        prep_fail(a->ctl, "set /box read-only or writable", err);
    if ((err = SBX_RSYS(SYS_setgroups, 0, NULL)) < 0)
        prep_fail(a->ctl, "setgroups", err);
    if ((err = SBX_RSYS(SYS_unshare, CLONE_NEWCGROUP)) < 0)
        prep_fail(a->ctl, "unshare cgroup namespace", err);
    /* The user namespace is owned by the effective uid that makes it, and
     * every per-user count of the program (queued signals against
     * RLIMIT_SIGPENDING, inotify instances and watches) is charged to its
     * uid in the namespace and to the owner of each namespace above it.
     * Made as root, it charged them to the host's root: a run holding
     * RLIMIT_SIGPENDING worth of queued signals made root's own
     * timer_create and sigqueue fail with EAGAIN host-wide, and every other
     * slot's too. So the namespace is made with the run's host uid as the
     * effective uid, which names the owner (the real and saved uids stay 0
     * until the switch to 1000 below, as before). NO_SETUID_FIXUP keeps
     * the capabilities through that switch, so a host that lets only
     * privileged callers make user namespaces still lets us; the new
     * namespace resets the securebits. */
    if ((err = SBX_RSYS(SYS_prctl, PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP)) < 0 ||
        (err = SBX_RSYS(SYS_setresuid, -1, a->uid, -1)) < 0)
        prep_fail(a->ctl, "take the slot's uid to own the user namespace", err);
    if ((err = SBX_RSYS(SYS_unshare, CLONE_NEWUSER)) < 0)
        prep_fail(a->ctl, "unshare user namespace", err);
    /* Init writes our uid/gid maps from outside the new namespace. */
    if (SBX_RSYS(SYS_write, a->ctl, "u", 1) != 1 || SBX_RSYS(SYS_read, a->ctl, &c, 1) != 1 ||
        c != 'm')
        child_exit(127);
    if ((err = SBX_RSYS(SYS_setresgid, SBX_INNER_ID, SBX_INNER_ID, SBX_INNER_ID)) < 0 ||
        (err = SBX_RSYS(SYS_setresuid, SBX_INNER_ID, SBX_INNER_ID, SBX_INNER_ID)) < 0)
        prep_fail(a->ctl, "setresuid", err);
    if ((err = drop_caps()) < 0)
        prep_fail(a->ctl, "cannot drop capabilities", err);
    if (SBX_RSYS(SYS_write, a->ctl, "r", 1) != 1)
        child_exit(127);
}

/* fd becomes `to`, without close-on-exec (received descriptors have it). */
static long move_fd(int fd, int to)
{
    if (fd == to)
        return SBX_RSYS(SYS_fcntl, fd, F_SETFD, 0);
    return SBX_RSYS(SYS_dup3, fd, to, 0);
}

/* Phase 2, on RUN: limits, descriptors, seccomp, execve. */
static void run_child(int sock, const struct sbx__msg *m, const int *fds, char **argv)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8", "TMPDIR=/tmp",
                                 NULL};
    const struct sbx_limits *l = &m->limits;
    int in_fd = m->has_stdin ? fds[0] : -1, base = m->has_stdin ? 1 : 0;
    int out_fd = fds[base], err_fd = fds[base + 1];
    long listener, err;

    if ((err = set_rlimit(RLIMIT_CORE, 0)) < 0 ||
        (err = set_rlimit(RLIMIT_FSIZE, (rlim_t)l->fsize_bytes)) < 0 ||
        (err = set_rlimit(RLIMIT_NOFILE, (rlim_t)l->nofile)) < 0 ||
        (err = set_rlimit(RLIMIT_STACK, (rlim_t)l->memory_bytes)) < 0 ||
        (err = set_rlimit(RLIMIT_CPU, (rlim_t)((l->cpu_ms + 999) / 1000 + 1))) < 0)
        child_fail(sock, "setrlimit", err);
    if (in_fd < 0) {
        in_fd = (int)SBX_RSYS(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_fd < 0)
            child_fail(sock, "open /dev/null", in_fd);
    }
    if ((err = move_fd(in_fd, 0)) < 0 || (err = move_fd(out_fd, 1)) < 0 ||
        (err = move_fd(err_fd, 2)) < 0)
        child_fail(sock, "dup2", err);
    if ((err = SBX_RSYS(SYS_chdir, "/box")) < 0)
        child_fail(sock, "chdir /box", err);
    SBX_RSYS(SYS_umask, 022);
    if ((err = SBX_RSYS(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1)) < 0)
        child_fail(sock, "no_new_privs", err);
    listener = SBX_RSYS(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                        &sbx__profiles[m->profile]);
    if (listener < 0)
        child_fail(sock, "seccomp", listener);
    {
        struct sbx__msg ok = {.type = SBX_MSG_LISTENER};
        int lfd = (int)listener;
        if (sbx__msg_send(sock, &ok, offsetof(struct sbx__msg, text), &lfd, 1) < 0)
            child_exit(127);
    }
    SBX_RSYS(SYS_close, listener);
    err = SBX_RSYS(SYS_execve, argv[0], argv, envp);
    child_fail(sock, argv[0], err);
}

/* The next run's process, from its clone to its execve. */
static int prepared_main(void *p)
{
    const struct prep_arg *a = p;
    struct sbx__msg rm;
    int rfds[8], nr = 8, argc = 0;
    char *argv[64];

    SBX_RSYS(SYS_close, a->peer);
    prepare_child(a);
    if (sbx__msg_recv(a->ctl, &rm, rfds, &nr) <= 0 || rm.type != SBX_MSG_RUN ||
        nr != (rm.has_stdin ? 1 : 0) + 2)
        child_exit(0); /* the slot is closing */
    SBX_RSYS(SYS_close, a->ctl);
    for (size_t off = 0; off < sizeof(rm.text) && rm.text[off] && argc < 63;
         off += strlen(rm.text + off) + 1)
        argv[argc++] = rm.text + off;
    argv[argc] = NULL;
    run_child(a->sock, &rm, rfds, argv);
    return 0;
}

/* Init's state. At most one process is prepared (or being prepared) and at
 * most one run goes on, and the two never share a host uid: a prepared
 * process gets uid[next], and a run that takes it flips `next`, so the
 * process prepared during that run gets the other uid. A run's processes
 * are all killed and reaped before its DONE, hence before the run after it
 * starts, hence before its uid is given to a process again. */
static struct {
    int sock, psock; /* the run socket, the helper's prepare socket */
    uid_t uid[SBX_UIDS_PER_SLOT];
    int next;
    pid_t pre_pid;  /* prepared (pre_step 0) or being prepared, or -1 */
    int pre_ctl;    /* its private socket */
    char pre_step;  /* the step it is expected to report: 'u', 'r'; 0 = ready */
    int pre_box_rw; /* the /box it was prepared with */
    int pre_idx;    /* its uid's index: in uid[] and prep[] */
    uid_t pre_uid;
    pid_t run_pid; /* the running program's first process, or -1 */
    int run_pidfd;
    uid_t run_uid;
    char pre_err[160];
} in = {.sock = -1, .psock = -1, .pre_pid = -1, .pre_ctl = -1, .run_pid = -1, .run_pidfd = -1};

/* SIGKILLs every process of `uid` in the slot's pid namespace: those of one
 * run, and nothing else (the prepared process has the other uid, or is
 * still root). kill(-1) sent with the real and effective uids set to `uid`
 * reaches exactly the processes whose real or saved uid is `uid`,
 * atomically with respect to their forks. The real uid must change too: a
 * sender's real uid 0 would match a root target's saved uid, and kill the
 * next run's process while it is still being prepared. The saved uid stays
 * 0, to come back. Meanwhile a process of `uid` passes the permission check
 * for signalling init, but init is the namespace's init with no handlers:
 * the kernel drops every signal from inside the namespace. The effective
 * capabilities, cleared by the switch, come back with uid 0. */
static void kill_uid(uid_t uid)
{
    if (syscall(SYS_setresuid, uid, uid, -1) < 0) {
        kill(-1, SIGKILL); /* cannot happen to root; the slot is lost either way */
        return;
    }
    kill(-1, SIGKILL);
    if (syscall(SYS_setresuid, 0, 0, -1) < 0)
        _exit(1); /* init without its rights can no longer keep the slot */
}

/* Reads the prepared child's next step; its failure text lands in pre_err. */
static int read_step(int ctl, char want)
{
    char buf[160];
    ssize_t n = read(ctl, buf, sizeof(buf) - 1);

    if (n == 1 && buf[0] == want)
        return 0;
    if (n > (ssize_t)(1 + sizeof(int)) && buf[0] == 'E') {
        int err;

        memcpy(&err, buf + 1, sizeof(err));
        buf[n] = '\0';
        snprintf(in.pre_err, sizeof(in.pre_err), "%s: %s", buf + 1 + sizeof(err), strerror(-err));
    }
    return -EPROTO;
}

/* A prepared process whose run never came (its cgroup was retired, or the
 * box was reset under it). */
static void discard_prepared(void)
{
    if (in.pre_pid > 0) {
        kill(in.pre_pid, SIGKILL);
        while (waitpid(in.pre_pid, NULL, __WALL) < 0 && errno == EINTR)
            ;
    }
    in.pre_pid = -1;
    if (in.pre_ctl >= 0)
        close(in.pre_ctl);
    in.pre_ctl = -1;
    in.pre_step = 0;
}

static void send_prepared(int err)
{
    struct sbx__msg done = {.type = SBX_MSG_PREPARED, .status = err};

    if (err < 0 && !in.pre_err[0])
        snprintf(in.pre_err, sizeof(in.pre_err), "cannot prepare the run's process: %s",
                 strerror(-err));
    snprintf(done.text, sizeof(done.text), "%s", err < 0 ? in.pre_err : "");
    sbx__msg_send(in.psock, &done, offsetof(struct sbx__msg, text) + strlen(done.text) + 1, NULL,
                  0);
}

static void prepare_failed(int err)
{
    discard_prepared();
    send_prepared(err);
}

/* PREPARE: starts the next run's process and returns; its steps arrive on
 * pre_ctl (prepare_step) while init goes on serving the running one. */
static void start_prepare(const struct sbx__msg *m, int *fds, int nfds)
{
    struct prep_arg *a = &prep[in.next].arg;
    int ctl[2] = {-1, -1}, err = 0;
    pid_t child;

    in.pre_err[0] = '\0';
    discard_prepared();
    if (nfds > SBX_CG_MAX_CTRL) {
        err = -EINVAL;
        goto fail;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
        err = -errno;
        goto fail;
    }
    /* The child runs in init's memory, on a stack of its own, until its
     * execve gives it the program's (CLONE_VM, as posix_spawn does, but
     * without CLONE_VFORK: init goes on serving meanwhile). So neither
     * this clone nor that execve copies or tears down an address space:
     * init's is a copy of the supervisor's, as large as the supervisor
     * (its libraries, threads, heap), and copying it for every run, and
     * throwing the copy away at its exec, was most of what a run cost
     * beyond a plain spawn (docs/JUDGING.md, "Where the CPU goes"). No
     * exit signal: init's waitpid(-1) after a run (which reaps the run's
     * orphans) does not wait for it; it is waited for by pid with
     * __WALL. Init is single-threaded, so glibc's fork handlers have
     * nothing to do here. */
    a->ctl = ctl[1];
    a->peer = ctl[0];
    a->sock = in.sock;
    a->ncg = nfds;
    for (int i = 0; i < nfds; i++)
        a->cg[i] = fds[i];
    a->box_rw = m->box_rw;
    a->mnt_ns = prep[in.next].mnt_ns;
    a->uid = in.uid[in.next];
    /* Under ASan the stack's shadow is init's too, and the uid's last
     * process left its frames poisoned where its execve (or its kill)
     * caught it: a false stack-buffer-overflow in this one otherwise. */
    ASAN_UNPOISON_MEMORY_REGION(prep[in.next].stack_top - SBX_PREP_STACK, SBX_PREP_STACK);
    child = clone(prepared_main, prep[in.next].stack_top, SBX_SHARED_VM ? CLONE_VM : 0, a);
    if (child < 0) {
        err = -errno;
        goto fail;
    }
    close(ctl[1]);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    in.pre_pid = child;
    in.pre_ctl = ctl[0];
    in.pre_step = 'u';
    in.pre_box_rw = m->box_rw;
    in.pre_uid = in.uid[in.next];
    in.pre_idx = in.next;
    return;
fail:
    for (int i = 0; i < 2; i++) {
        if (ctl[i] >= 0)
            close(ctl[i]);
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    prepare_failed(err);
}

/* The prepared process reported a step: write its id maps, or tell the
 * helper it is ready. */
static void prepare_step(void)
{
    char path[64], map[64];
    int err;

    if (read_step(in.pre_ctl, in.pre_step) < 0) {
        prepare_failed(-EPROTO);
        return;
    }
    if (in.pre_step == 'r') {
        in.pre_step = 0;
        send_prepared(0);
        return;
    }
    /* The child has its mount namespace now: kept for the uid's next run
     * (without it, that run makes one of its own again). */
    if (prep[in.pre_idx].mnt_ns < 0) {
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)in.pre_pid);
        prep[in.pre_idx].mnt_ns = open(path, O_RDONLY | O_CLOEXEC);
    }
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)in.pre_pid);
    err = write_str(path, "deny");
    snprintf(map, sizeof(map), "%d %u 1\n", SBX_INNER_ID, (unsigned)in.pre_uid);
    snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)in.pre_pid);
    if (err == 0)
        err = write_str(path, map);
    snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)in.pre_pid);
    if (err == 0)
        err = write_str(path, map);
    if (err == 0 && write(in.pre_ctl, "m", 1) != 1)
        err = -errno;
    if (err < 0) {
        prepare_failed(err);
        return;
    }
    in.pre_step = 'r';
}

/* The prepared process guessed /box wrong (the last run's mode): set it in
 * the process's mount namespace, from a vfork'd child (its own fs_struct,
 * so init never leaves its namespace). Once per submission at most: the
 * compile step writes /box, its tests do not. */
static int fix_box(pid_t pid, int ro)
{
    char path[64];
    int ns, status;
    pid_t k;

    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0)
        return -errno;
    k = vfork();
    if (k == 0)
        _exit(setns(ns, CLONE_NEWNS) == 0 && box_readonly(ro) == 0 ? 0 : 1);
    close(ns);
    if (k < 0)
        return -errno;
    while (waitpid(k, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void run_error(int err, int *fds, int nfds)
{
    struct sbx__msg done = {.type = SBX_MSG_ERROR, .status = err, .final = 1};

    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    snprintf(done.text, sizeof(done.text), "cannot start the run: %s",
             in.pre_err[0] ? in.pre_err : strerror(-err));
    sbx__msg_send(in.sock, &done, offsetof(struct sbx__msg, text) + strlen(done.text) + 1, NULL, 0);
}

/* RUN: hands the job to the prepared process and returns; the run's end
 * arrives on run_pidfd (finish_run). */
static void start_run(struct sbx__msg *m, int *fds, int nfds)
{
    int err;

    in.pre_err[0] = '\0';
    if (in.run_pid > 0 || in.pre_pid < 0 || in.pre_step != 0) {
        run_error(-ECHILD, fds, nfds);
        return;
    }
    if (nfds != (m->has_stdin ? 1 : 0) + 2 || (unsigned)m->profile >= 4) {
        run_error(-EINVAL, fds, nfds);
        return;
    }
    if (!m->box_rw != !in.pre_box_rw) {
        err = fix_box(in.pre_pid, !m->box_rw);
        if (err < 0) {
            snprintf(in.pre_err, sizeof(in.pre_err), "cannot set /box for the run: %s",
                     strerror(-err));
            discard_prepared();
            run_error(err, fds, nfds);
            return;
        }
    }
    err = sbx__msg_send(in.pre_ctl, m, sizeof(*m), fds, nfds);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    close(in.pre_ctl);
    in.run_pid = in.pre_pid;
    in.run_uid = in.pre_uid;
    in.next = (in.next + 1) % SBX_UIDS_PER_SLOT;
    in.pre_pid = -1;
    in.pre_ctl = -1;
    if (err < 0)
        kill(in.run_pid, SIGKILL);
    in.run_pidfd = (int)syscall(SYS_pidfd_open, in.run_pid, 0);
}

/* The run's first process has exited: every other process of the run goes
 * now (orphans, daemons, stopped ones), all are reaped, and DONE follows. */
static void finish_run(void)
{
    struct sbx__msg done = {.type = SBX_MSG_DONE};
    int status = 0;

    while (waitpid(in.run_pid, &status, __WALL) < 0 && errno == EINTR)
        ;
    if (in.run_pidfd >= 0)
        close(in.run_pidfd);
    in.run_pidfd = -1;
    in.run_pid = -1;
    kill_uid(in.run_uid);
    /* Without __WALL: the orphans, which came to init with SIGCHLD as their
     * exit signal, and not the prepared process (cloned without one). Each
     * orphan's own children were handed to init before it became
     * waitable, so ECHILD means none is left. */
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    done.status = status;
    sbx__msg_send(in.sock, &done, offsetof(struct sbx__msg, text) + 1, NULL, 0);
}

/* The run's first process is gone (or, without a pidfd, polled for). */
static int run_ended(const struct pollfd *pf)
{
    siginfo_t si;

    if (in.run_pid < 0)
        return 0;
    if (in.run_pidfd >= 0)
        return (pf->revents & POLLIN) != 0;
    memset(&si, 0, sizeof(si));
    return waitid(P_PID, (id_t)in.run_pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 &&
           si.si_pid == in.run_pid;
}

static int bind_ro(const char *src, const char *dst, int is_dir, unsigned long extra)
{
    char parent[64];

    /* Parents inside the new root (/etc/ssl for /etc/ssl/certs). */
    for (const char *sl = strchr(dst + 5, '/'); sl; sl = strchr(sl + 1, '/')) {
        snprintf(parent, sizeof(parent), "%.*s", (int)(sl - dst), dst);
        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
            return -errno;
    }
    if (is_dir) {
        if (mkdir(dst, 0755) < 0 && errno != EEXIST)
            return -errno;
    } else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        close(fd);
    }
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
        return -errno;
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | extra, NULL) < 0)
        return -errno;
    return 0;
}

/* Mirrors a top-level entry of the host: a usrmerge symlink stays a
 * symlink, a real directory is bind-mounted read-only. */
static int mirror_top(const char *name)
{
    char host[64], dst[64], target[256];
    struct stat st;
    ssize_t n;

    snprintf(host, sizeof(host), "/%s", name);
    snprintf(dst, sizeof(dst), "/tmp/%s", name);
    if (lstat(host, &st) < 0)
        return 0; /* no /lib64 on some architectures */
    if (S_ISLNK(st.st_mode)) {
        n = readlink(host, target, sizeof(target) - 1);
        if (n < 0)
            return -errno;
        target[n] = '\0';
        return symlink(target, dst) < 0 ? -errno : 0;
    }
    return S_ISDIR(st.st_mode) ? bind_ro(host, dst, 1, MS_NODEV) : 0;
}

#define TRY(what, expr)                                                                            \
    do {                                                                                           \
        err = (expr);                                                                              \
        if (err < 0) {                                                                             \
            step = (what);                                                                         \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)
#define SYS(e) ((e) < 0 ? -errno : 0)

/* hidepid: the program cannot even see init's /proc entry (its command
 * line is the supervisor's). subset=pid (Linux 5.8) also hides everything
 * that is not a process: the kernel command line, the host's load, mounts,
 * uptime, boot_id under sys/. A kernel without it refuses the option as a
 * whole (EINVAL): then the process entries alone are hidden. */
static int mount_proc(void)
{
    const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;

    if (mount("proc", "/proc", "proc", fl, "hidepid=invisible,subset=pid") == 0)
        return 0;
    if (errno != EINVAL)
        return -errno;
    return mount("proc", "/proc", "proc", fl, "hidepid=invisible") < 0 ? -errno : 0;
}

static int build_root(const char **out_step)
{
    static const char *const tops[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
    /* Only certs of /etc/ssl: its private/ holds the host's TLS keys. */
    static const char *const etc_dirs[] = {"/etc/alternatives", "/etc/java-17-openjdk",
                                           "/etc/ssl/certs"};
    static const char *const devs[] = {"null", "zero", "urandom"};
    const char *step = "";
    char src[64], dst[64];
    int err, fd;

    TRY("make mounts private", SYS(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)));
    /* The new root is built on a tmpfs over /tmp of this mount namespace;
     * the host's /tmp is untouched and never visible to the program. */
    TRY("mount root tmpfs",
        SYS(mount("sbxroot", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")));
    TRY("bind /usr", bind_ro("/usr", "/tmp/usr", 1, MS_NODEV));
    for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
        TRY(tops[i], mirror_top(tops[i]));
    TRY("mkdir /etc", SYS(mkdir("/tmp/etc", 0755)));
    if (access("/etc/ld.so.cache", F_OK) == 0)
        TRY("bind ld.so.cache", bind_ro("/etc/ld.so.cache", "/tmp/etc/ld.so.cache", 0, MS_NODEV));
    for (size_t i = 0; i < sizeof(etc_dirs) / sizeof(etc_dirs[0]); i++) {
        if (access(etc_dirs[i], F_OK) != 0)
            continue;
        snprintf(dst, sizeof(dst), "/tmp%s", etc_dirs[i]);
        TRY(etc_dirs[i], bind_ro(etc_dirs[i], dst, 1, MS_NODEV));
    }
    fd = open("/tmp/etc/passwd", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    TRY("write passwd", fd < 0 ? -errno : 0);
    dprintf(fd, "root:x:0:0:root:/:/usr/sbin/nologin\nrunner:x:%d:%d:runner:/box:/bin/sh\n",
            SBX_INNER_ID, SBX_INNER_ID);
    close(fd);
    fd = open("/tmp/etc/group", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    TRY("write group", fd < 0 ? -errno : 0);
    dprintf(fd, "root:x:0:\nrunner:x:%d:\n", SBX_INNER_ID);
    close(fd);
    TRY("mkdir /box", SYS(mkdir("/tmp/box", 0755)));
    TRY("mkdir /tmp", SYS(mkdir("/tmp/tmp", 01777)));
    TRY("mkdir /proc", SYS(mkdir("/tmp/proc", 0555)));
    TRY("mkdir /dev", SYS(mkdir("/tmp/dev", 0755)));
    TRY("mount /dev",
        SYS(mount("sbxdev", "/tmp/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")));
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        snprintf(src, sizeof(src), "/dev/%s", devs[i]);
        snprintf(dst, sizeof(dst), "/tmp/dev/%s", devs[i]);
        fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        TRY("create device mount point", fd < 0 ? -errno : 0);
        close(fd);
        TRY(src, SYS(mount(src, dst, NULL, MS_BIND, NULL)));
        /* All three read-only. A read-only mount does not stop a device
         * from being opened and written (the kernel checks the mount only
         * for regular files, directories and links), so null and zero work
         * as before; it stops utimensat, with which a run set the times of
         * the host's own /dev/null and /dev/zero (write permission is
         * enough for "now"), which every other slot and later run reads:
         * a channel between submissions (attack suite case dev-times). */
        TRY(src, SYS(mount(NULL, dst, NULL,
                           MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | MS_RDONLY, NULL)));
    }
    TRY("dev links", SYS(symlink("/proc/self/fd", "/tmp/dev/fd")));
    TRY("dev links", SYS(symlink("/proc/self/fd/0", "/tmp/dev/stdin")));
    TRY("dev links", SYS(symlink("/proc/self/fd/1", "/tmp/dev/stdout")));
    TRY("dev links", SYS(symlink("/proc/self/fd/2", "/tmp/dev/stderr")));
    TRY("remount /dev", SYS(mount(NULL, "/tmp/dev", NULL,
                                  MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "size=64k")));
    TRY("chdir new root", SYS(chdir("/tmp")));
    TRY("pivot_root", SYS(syscall(SYS_pivot_root, ".", ".")));
    /* The old root is stacked under the new one: detach it whole. */
    TRY("detach old root", SYS(umount2(".", MNT_DETACH)));
    TRY("chdir /", SYS(chdir("/")));
    TRY("mount /proc", mount_proc());
    TRY("mount /box and /tmp", mount_box());
    TRY("remount root read-only",
        SYS(mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL)));
    return 0;
fail:
    *out_step = step;
    return err;
}

static int send_ready(int sock)
{
    struct sbx__msg m = {.type = SBX_MSG_READY};
    int fd = open("/box", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

    if (fd < 0)
        return -errno;
    err = sbx__msg_send(sock, &m, offsetof(struct sbx__msg, text), &fd, 1);
    close(fd);
    return err;
}

/* RESET: a fresh /box (and /tmp) in init's namespace. The prepared
 * process, whose namespace holds the old /box, goes: the helper prepares
 * another. */
static void reset_box(void)
{
    struct sbx__msg m;
    int err;

    discard_prepared();
    /* The uids' namespaces hold the old /box: each next run makes one
     * anew from init's. */
    for (int i = 0; i < SBX_UIDS_PER_SLOT; i++) {
        if (prep[i].mnt_ns >= 0)
            close(prep[i].mnt_ns);
        prep[i].mnt_ns = -1;
    }
    umount2("/box", MNT_DETACH);
    umount2("/tmp", MNT_DETACH);
    err = mount_box();
    if (err == 0)
        err = send_ready(in.sock);
    if (err < 0) {
        memset(&m, 0, offsetof(struct sbx__msg, text));
        m.type = SBX_MSG_ERROR;
        m.status = err;
        snprintf(m.text, sizeof(m.text), "cannot reset the box: %s", strerror(-err));
        sbx__msg_send(in.sock, &m, offsetof(struct sbx__msg, text) + strlen(m.text) + 1, NULL, 0);
    }
}

/* Serves the run socket (RUN, KILL, RESET), the prepare socket (PREPARE),
 * the process being prepared and the running one's pidfd, whichever is
 * ready: a preparation never holds up the end of a run, nor a run the
 * preparation. EOF on either socket ends the slot. */
static void serve(void)
{
    struct sbx__msg m;
    int fds[8], nfds;
    ssize_t n;

    for (;;) {
        struct pollfd pf[4] = {
            {.fd = in.run_pid > 0 ? in.run_pidfd : -1, .events = POLLIN},
            {.fd = in.pre_step ? in.pre_ctl : -1, .events = POLLIN},
            {.fd = in.sock, .events = POLLIN},
            {.fd = in.psock, .events = POLLIN},
        };
        int timeout = in.run_pid > 0 && in.run_pidfd < 0 ? 10 : -1;

        if (poll(pf, 4, timeout) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (run_ended(&pf[0]))
            finish_run();
        if (pf[1].revents)
            prepare_step();
        if (pf[2].revents) {
            nfds = 8;
            n = sbx__msg_recv(in.sock, &m, fds, &nfds);
            if (n <= 0)
                return;
            if (m.type == SBX_MSG_RUN) {
                start_run(&m, fds, nfds);
                continue;
            }
            for (int i = 0; i < nfds; i++)
                close(fds[i]);
            if (m.type == SBX_MSG_KILL && in.run_pid > 0)
                kill_uid(in.run_uid);
            else if (m.type == SBX_MSG_RESET)
                reset_box();
        }
        if (pf[3].revents) {
            nfds = 8;
            n = sbx__msg_recv(in.psock, &m, fds, &nfds);
            if (n <= 0)
                return;
            if (m.type == SBX_MSG_PREPARE) {
                start_prepare(&m, fds, nfds);
            } else {
                for (int i = 0; i < nfds; i++)
                    close(fds[i]);
            }
        }
    }
}

/* One stack per uid for the process prepared on it (start_prepare), with
 * a guard page below each. */
static int alloc_stacks(void)
{
    const size_t page = 4096, one = SBX_PREP_STACK + page;
    char *mem = mmap(NULL, one * SBX_UIDS_PER_SLOT, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

    if (mem == MAP_FAILED)
        return -errno;
    for (int i = 0; i < SBX_UIDS_PER_SLOT; i++) {
        if (mprotect(mem + one * (size_t)i, page, PROT_NONE) < 0)
            return -errno;
        prep[i].stack_top = mem + one * (size_t)(i + 1);
    }
    return 0;
}

static void init_main(int sock, int psock, const uid_t *uid)
{
    const char *step = "";
    struct sbx__msg m;
    int err, nul;

    in.sock = sock;
    in.psock = psock;
    for (int i = 0; i < SBX_UIDS_PER_SLOT; i++)
        in.uid[i] = uid[i];
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_NAME, "gavel-sbx-init", 0, 0, 0);
    clearenv();
    sethostname("gavel", 5);
    err = reset_inherited();
    step = "reset inherited process state";
    /* First in line for any OOM killer, whatever the supervisor chose for
     * itself: a judge at -1000 would make the program unkillable in its
     * memory cgroup, a TLE instead of an MLE. Set here, once, for init and
     * so for every process it starts: a process prepared in init's memory
     * (CLONE_VM) cannot set its own, the kernel applies a write to
     * oom_score_adj to every process sharing the memory. Init itself is
     * small, so a program (same score, more memory) is chosen first. */
    if (err == 0) {
        err = write_str("/proc/self/oom_score_adj", "1000");
        step = "oom_score_adj";
    }
    if (err == 0) {
        err = alloc_stacks();
        step = "stacks for the prepared processes";
    }
    if (err == 0)
        err = build_root(&step);
    if (err < 0) {
        m.type = SBX_MSG_ERROR;
        m.status = err;
        snprintf(m.text, sizeof(m.text), "cannot build the sandbox root (%s): %s", step,
                 strerror(-err));
        sbx__msg_send(sock, &m, offsetof(struct sbx__msg, text) + strlen(m.text) + 1, NULL, 0);
        _exit(1);
    }
    /* Nothing of the supervisor's terminal reaches the box. */
    nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 2)
            close(nul);
    }
    if (send_ready(sock) < 0)
        _exit(1);
    serve();
    kill(-1, SIGKILL);
    _exit(0);
}

void sbx__keeper_main(int sock, int psock, const uid_t uid[SBX_UIDS_PER_SLOT])
{
    pid_t init;
    int fd, hi_sock, hi_psock;

    /* Only the two sockets may reach init: the caller's other fds
     * (sockets, database connections, the slot's lock) must not enter the
     * slot, whatever their numbers. A caller started with stdio closed
     * gets its own ends of the socket pairs, or the lock, at 0-2: kept
     * here, its end would keep init from ever seeing EOF. So 0-2 are
     * closed too and reopened on /dev/null, leaving the sockets at 3 and 4
     * as the only others (moved up first: either may be at 3 or 4 now). */
    hi_sock = fcntl(sock, F_DUPFD_CLOEXEC, 5);
    hi_psock = fcntl(psock, F_DUPFD_CLOEXEC, 5);
    if (hi_sock < 0 || hi_psock < 0 || dup3(hi_sock, 3, O_CLOEXEC) < 0 ||
        dup3(hi_psock, 4, O_CLOEXEC) < 0)
        _exit(1);
    if (syscall(SYS_close_range, 0, 2, 0) < 0 || syscall(SYS_close_range, 5, ~0U, 0) < 0)
        _exit(1);
    for (int i = 0; i < 3; i++) {
        fd = open("/dev/null", O_RDWR);
        if (fd != i)
            _exit(1);
    }
    if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
        _exit(1);
    init = fork();
    if (init == 0)
        init_main(3, 4, uid);
    close(3);
    close(4);
    while (init > 0 && waitpid(init, NULL, 0) < 0 && errno == EINTR)
        ;
    _exit(0);
}
