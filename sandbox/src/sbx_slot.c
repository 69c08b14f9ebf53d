/* SPDX-License-Identifier: MIT
 * sbx_slot.c - a pre-warmed slot: its waiting init, the run protocol, the
 * supervisor's measuring loop.
 *
 * Theory of operation.
 *
 * Processes. The supervisor (the library's caller, root) forks a keeper,
 * which unshares the pid, mount, network, ipc and uts namespaces and forks
 * the slot's init: pid 1 of the new pid namespace, still real root, with a
 * SOCK_SEQPACKET socket to the supervisor as its only descriptor. The keeper
 * only waits for init (it exists so that the supervisor's fork runs glibc's
 * fork handlers; a raw clone from a threaded caller could inherit a held
 * malloc lock). Init builds the file system once (build_root), then serves
 * requests: RUN, KILL, RESET. If the supervisor goes away, init reads EOF,
 * kills everything in its namespace and exits.
 *
 * File system (build_root). Propagation is made private; a 1 MiB tmpfs
 * becomes the new root; /usr and the directories of a non-merged /bin,
 * /lib, /lib64, /sbin are bind-mounted read-only, nosuid, nodev (on usrmerge
 * they are the same symlinks as on the host); /etc holds only ld.so.cache,
 * alternatives, the JDK's configuration and a two-line passwd/group we
 * write. /box (the working directory, exec allowed) and /tmp (noexec) are
 * private size-limited tmpfs; /proc is a fresh proc of the slot's pid
 * namespace; /dev is a tmpfs with null, zero, urandom bind-mounted from the
 * host and fd/stdin/stdout/stderr links. pivot_root then detaches the old
 * root entirely and the new root is remounted read-only. Nothing of the
 * host's /tmp, /root, /home, /var, /proc or /sys is mounted.
 *
 * Preparing a run (between runs, off the caller's path). The slot's helper
 * thread takes a spare cgroup (made ahead, limits written), brings its
 * limits up to the last run's and sends PREPARE with the cgroup's join
 * descriptors (v1: "tasks" of each controller; v2: cgroup.procs). Only
 * then, while the caller works, it removes finished cgroups and makes new
 * spares, so mkdir and rmdir stay off the path of back-to-back runs. The
 * process itself is never prepared during a run: it would share the
 * program's host uid, and the program could signal it. Init forks the next
 * run's child, which, in this order: starts a new session; joins the cgroup
 * by writing "0" to its join file in each hierarchy (so every descendant
 * is counted; no host pid crosses the namespace boundary; on v1 "tasks",
 * which avoids the global threadgroup rwsem and its RCU grace period);
 * drops supplementary groups; unshares a cgroup namespace (rooted at the run's cgroup) and a
 * user namespace, whose uid/gid maps init writes ("1000 <slot uid> 1":
 * inside uid 1000, on the host an unprivileged uid per slot, nothing else
 * mapped, setgroups denied); switches to uid/gid 1000; clears the
 * capability bounding set, ambient and all capability sets (a
 * user-namespace setuid does not drop them by itself because the
 * namespace's uid 0 is unmapped); then waits. The supervisor then resets
 * the v1 peak and failcnt and records the CPU used so far, which is
 * subtracted from the run's.
 *
 * A run. The supervisor writes the limits if they differ from the
 * prepared ones and sends RUN with stdin and the write ends of the stdout
 * and stderr pipes; init forwards it to the prepared child, which sets
 * rlimits (FSIZE, NOFILE, CORE=0, STACK=memory limit, CPU as a backstop
 * one second past the limit; never AS), installs stdin/stdout/stderr,
 * chdir /box, sets no_new_privs, loads the seccomp filter with a new
 * listener, sends the listener to the supervisor (that moment starts the
 * wall clock) and execs with a fixed environment. The user namespace owns
 * no other namespace, so even its "capabilities" inside it could not mount
 * or unshare anything.
 *
 * Measuring and ending. The supervisor polls the init socket, both pipes
 * and the seccomp listener, with a timeout that is the earlier of the wall
 * deadline and the moment the cgroup's CPU could first exceed its limit
 * (remaining CPU / cores). It reads output into bounded buffers and counts
 * all of it (OLE past output_bytes). A seccomp notification names the
 * refused syscall; the run is killed. On a limit, it sends KILL (init does
 * kill(-1, SIGKILL): every process of the namespace but itself) and kills
 * the cgroup's tasks directly. When init sees the child exit (pidfd), it
 * kills every other process of the namespace (orphans included), reaps
 * them all and sends DONE with the wait status. The supervisor reads CPU
 * (cgroup usage), peak memory and the memory-limit events, removes the
 * cgroup and creates the next one.
 *
 * Reset. RESET makes init lazily unmount /box and /tmp and mount fresh
 * tmpfs instances: nothing the program wrote survives, and no tree it built
 * (symlinks, FIFOs) is ever walked. Files are put into and read from /box
 * by the supervisor through an O_PATH descriptor of /box that init sends,
 * by a single name, with O_NOFOLLOW and O_NONBLOCK, and read only when
 * fstat says it is a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "sbx_internal.h"
#include "banned.h"

#define SBX_INNER_ID 1000   /* uid and gid of the program inside its user ns */
#define SBX_UID_BASE 62000  /* host uid of slot i: base + i (Debian's 60000-64999) */
#define SBX_SLOTS_MAX 3000  /* so that base + i stays in that range */
#define SBX_LOCK_DIR "/run/gavel" /* slot-<i>.lock: who holds index i, host-wide */
#define SBX_BOX_SIZE "512m" /* /box tmpfs; its pages also count in the memory cgroup */
#define SBX_TMP_SIZE "256m"
#define SBX_CAPTURE_DEFAULT (64 * 1024)
#define SBX_ARGS_MAX 3072
#define SBX_SPARES 2       /* cgroups made ahead of need: limits written, still empty */
#define SBX_RETIRE_MAX 8   /* finished runs' cgroups waiting to be removed */

enum msg_type {
    MSG_READY = 1, /* init -> sup: fd = O_PATH /box */
    MSG_RUN,       /* sup -> init: fds = stdin, stdout, stderr, cgroup.procs... */
    MSG_KILL,      /* sup -> init */
    MSG_RESET,     /* sup -> init; answered with READY */
    MSG_LISTENER,  /* child -> sup: fd = seccomp listener; the program starts now */
    MSG_ERROR,     /* init or child -> sup: the sandbox failed */
    MSG_DONE,      /* init -> sup: wait status of the run's child */
    MSG_PREPARE,   /* sup -> init: fds = cgroup.procs of the next run's cgroup */
    MSG_PREPARED,  /* init -> sup: status 0 or -errno, text says what failed */
};

struct msg {
    int type;
    int status;    /* DONE: wait status; ERROR: -errno */
    int profile;   /* RUN */
    int has_stdin; /* RUN */
    int final;     /* ERROR: no DONE follows (init itself failed) */
    struct sbx_limits limits;
    char text[SBX_ARGS_MAX]; /* RUN: argv, NUL-separated, empty string last; ERROR: what */
};

/* A cgroup made ahead of need and the limits already written into it. */
struct sbx__spare {
    struct sbx__cgroup cg;
    struct sbx_limits limits;
};

struct sbx_slot {
    int index;
    int lock_fd; /* flock'd /run/gavel/slot-<index>.lock: the index and uid are ours */
    pid_t keeper;
    int sock;
    int box_fd;
    uid_t uid;
    uint64_t seq;
    /* The next run's cgroup, with a prepared child already inside it, and
     * the limits already written to it (the last run's: usually the same). */
    struct sbx__cgroup next;
    int have_next;
    struct sbx_limits next_limits;
    int64_t cpu_base; /* the prepared child's own setup CPU, subtracted */
    /* The helper thread prepares the next run's process as soon as a run
     * ends (helper_busy: the caller waits for that alone), and only then,
     * while the caller works, removes finished cgroups and makes spare
     * ones, so that neither mkdir nor rmdir is on the way of a run that
     * follows another at once. `lock` guards the fields below it and
     * next_limits and seq (the helper reads them for spares). */
    pthread_t helper;
    int helper_started, helper_busy, helper_stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct sbx__spare spare[SBX_SPARES];
    int nspare;
    int spare_err; /* making a spare failed: none until the next prepare */
    struct sbx__cgroup retire[SBX_RETIRE_MAX];
    int nretire;
    int prep_err;
    char prep_why[200];
};

static struct sock_fprog profiles[4];
static pthread_once_t profiles_once = PTHREAD_ONCE_INIT;
static int profiles_err;
/* Online cores, for the CPU poll timeout: glibc reads /sys for it on every
 * call, so it is read once with the profiles. */
static long online_cpus = 1;

static void build_profiles(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    online_cpus = n > 0 ? n : 1;
    for (int i = 0; i < 4 && profiles_err == 0; i++)
        profiles_err = sbx__seccomp_build(&profiles[i], (enum sbx_profile)i);
}

const char *sbx_status_name(enum sbx_status st)
{
    static const char *const names[] = {"OK", "TLE", "MLE", "RE", "OLE", "SE"};
    return (unsigned)st < 6 ? names[st] : "SE";
}

void sbx_limits_init(struct sbx_limits *l)
{
    l->cpu_ms = 1000;
    l->wall_ms = 3000;
    l->memory_bytes = 256ll << 20;
    l->output_bytes = 64ll << 20;
    l->fsize_bytes = 64ll << 20;
    l->pids = 64;
    l->nofile = 64;
}

void sbx_result_init(struct sbx_result *r)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    gv_buf_init(&r->out, SBX_CAPTURE_DEFAULT);
    gv_buf_init(&r->err, SBX_CAPTURE_DEFAULT);
}

void sbx_result_release(struct sbx_result *r)
{
    gv_buf_release(&r->out);
    gv_buf_release(&r->err);
}

int sbx_stdin_from_buf(int *out_fd, const void *data, size_t len)
{
    int fd = memfd_create("sbx-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING), err;

    if (fd < 0)
        return -errno;
    err = sbx__write_all(fd, data, len);
    if (err < 0)
        goto fail;
    /* Sealed: a reopen through /proc/self/fd cannot change the input. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        err = -errno;
        goto fail;
    }
    *out_fd = fd;
    return 0;
fail:
    close(fd);
    return err;
}

/* ---- messages ------------------------------------------------------------------------ */

static int send_msg(int sock, const struct msg *m, size_t len, const int *fds, int nfds)
{
    struct iovec iov = {.iov_base = (void *)m, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (nfds > 0) {
        struct cmsghdr *c;
        memset(&u, 0, sizeof(u));
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* Receives one message; *nfds in = room in fds, out = received. Returns
 * the byte count, 0 on EOF, or -errno. Descriptors arrive close-on-exec. */
static ssize_t recv_msg(int sock, struct msg *m, int *fds, int *nfds)
{
    struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n;
    int room = nfds ? *nfds : 0;

    memset(m, 0, offsetof(struct msg, text) + 1);
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (nfds)
        *nfds = 0;
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *in = (int *)CMSG_DATA(c);
        for (int i = 0; i < cnt; i++) {
            if (nfds && *nfds < room)
                fds[(*nfds)++] = in[i];
            else
                close(in[i]);
        }
    }
    return n;
}

/* ---- inside the slot: init and the run's child --------------------------------------- */

static void child_fail(int sock, const char *what, int err)
{
    struct msg m = {.type = MSG_ERROR, .status = err};

    snprintf(m.text, sizeof(m.text), "%s: %s", what, strerror(-err));
    send_msg(sock, &m, offsetof(struct msg, text) + strlen(m.text) + 1, NULL, 0);
    _exit(127);
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

static int drop_caps(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];

    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return -errno;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return -errno;
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) < 0)
        return -errno;
    return 0;
}

static int set_rlimit(int res, rlim_t v)
{
    struct rlimit rl = {.rlim_cur = v, .rlim_max = v};

    return setrlimit(res, &rl) < 0 ? -errno : 0;
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

/* Phase 1 of the run's child, done while the slot is idle (PREPARE): leave
 * init's session, join the next cgroup, enter fresh cgroup and user
 * namespaces, become uid 1000 without capabilities. Then it waits on `ctl`
 * for the job. Joining through cgroup.procs (v2) can cost a
 * synchronize_rcu() (milliseconds) on the kernel's cgroup_threadgroup_rwsem;
 * doing it here keeps it off the run's path (v1 joins through "tasks",
 * which does not take that lock for a single thread). */
/* Reports a failure of phase 1 to init (never to the supervisor, whose
 * helper is waiting for init's PREPARED) and exits. */
static void prep_fail(int ctl, const char *what, int err)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "E%s: %s", what, strerror(-err));

    if (write(ctl, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
        _exit(126);
    _exit(127);
}

static void prepare_child(int ctl, const int *cg_fds, int ncg)
{
    char c;
    int err;

    if (setsid() < 0)
        prep_fail(ctl, "setsid", -errno);
    /* First in line for any OOM killer, whatever the supervisor chose for
     * itself: a judge at -1000 would make the program unkillable in its
     * memory cgroup, a TLE instead of an MLE. (Raising needs no privilege.) */
    err = write_str("/proc/self/oom_score_adj", "1000");
    if (err < 0)
        prep_fail(ctl, "oom_score_adj", err);
    for (int i = 0; i < ncg; i++) {
        if (write(cg_fds[i], "0", 1) != 1)
            prep_fail(ctl, "cannot join the cgroup", -errno);
        close(cg_fds[i]);
    }
    if (setgroups(0, NULL) < 0)
        prep_fail(ctl, "setgroups", -errno);
    if (unshare(CLONE_NEWCGROUP) < 0)
        prep_fail(ctl, "unshare cgroup namespace", -errno);
    if (unshare(CLONE_NEWUSER) < 0)
        prep_fail(ctl, "unshare user namespace", -errno);
    /* Init writes our uid/gid maps from outside the new namespace. */
    if (write(ctl, "u", 1) != 1 || read(ctl, &c, 1) != 1 || c != 'm')
        _exit(127);
    if (setresgid(SBX_INNER_ID, SBX_INNER_ID, SBX_INNER_ID) < 0 ||
        setresuid(SBX_INNER_ID, SBX_INNER_ID, SBX_INNER_ID) < 0)
        prep_fail(ctl, "setresuid", -errno);
    err = drop_caps();
    if (err < 0)
        prep_fail(ctl, "cannot drop capabilities", err);
    if (write(ctl, "r", 1) != 1)
        _exit(127);
}

/* Phase 2, on RUN: limits, descriptors, seccomp, execve. */
static void run_child(int sock, const struct msg *m, const int *fds, int nfds, char **argv)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8", "TMPDIR=/tmp",
                                 NULL};
    const struct sbx_limits *l = &m->limits;
    int in_fd = m->has_stdin ? fds[0] : -1, base = m->has_stdin ? 1 : 0;
    int out_fd = fds[base], err_fd = fds[base + 1], listener, err;

    if ((err = set_rlimit(RLIMIT_CORE, 0)) < 0 ||
        (err = set_rlimit(RLIMIT_FSIZE, (rlim_t)l->fsize_bytes)) < 0 ||
        (err = set_rlimit(RLIMIT_NOFILE, (rlim_t)l->nofile)) < 0 ||
        (err = set_rlimit(RLIMIT_STACK, (rlim_t)l->memory_bytes)) < 0 ||
        (err = set_rlimit(RLIMIT_CPU, (rlim_t)((l->cpu_ms + 999) / 1000 + 1))) < 0)
        child_fail(sock, "setrlimit", err);
    if (in_fd < 0) {
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_fd < 0)
            child_fail(sock, "open /dev/null", -errno);
    }
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        child_fail(sock, "dup2", -errno);
    if (chdir("/box") < 0)
        child_fail(sock, "chdir /box", -errno);
    umask(022);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail(sock, "no_new_privs", -errno);
    listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                            &profiles[m->profile]);
    if (listener < 0)
        child_fail(sock, "seccomp", -errno);
    {
        struct msg ok = {.type = MSG_LISTENER};
        if (send_msg(sock, &ok, offsetof(struct msg, text), &listener, 1) < 0)
            _exit(127);
    }
    close(listener);
    execve(argv[0], argv, envp);
    child_fail(sock, argv[0], -errno);
}

/* Init's record of the prepared child (at most one). */
static pid_t pre_pid = -1;
static int pre_ctl = -1;
static char pre_err[160];

/* Reads the prepared child's next step; its failure text lands in pre_err. */
static int read_step(int ctl, char want)
{
    char buf[160];
    ssize_t n = read(ctl, buf, sizeof(buf) - 1);

    if (n == 1 && buf[0] == want)
        return 0;
    if (n > 1 && buf[0] == 'E') {
        buf[n] = '\0';
        snprintf(pre_err, sizeof(pre_err), "%s", buf + 1);
    }
    return -EPROTO;
}

static void init_prepare(int sock, int *fds, int nfds, uid_t uid)
{
    int ctl[2] = {-1, -1}, err = 0;
    char path[64], map[64];
    pid_t child;

    pre_err[0] = '\0';
    /* A prepared process whose run never came (its cgroup was retired). */
    if (pre_pid > 0) {
        kill(pre_pid, SIGKILL);
        waitpid(pre_pid, NULL, 0);
        pre_pid = -1;
    }
    if (pre_ctl >= 0) {
        close(pre_ctl);
        pre_ctl = -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
        err = -errno;
        goto fail;
    }
    child = fork();
    if (child < 0) {
        err = -errno;
        goto fail;
    }
    if (child == 0) {
        struct msg m;
        int rfds[8], nr = 8;
        char *argv[64];
        int argc = 0;

        close(ctl[0]);
        prepare_child(ctl[1], fds, nfds);
        if (recv_msg(ctl[1], &m, rfds, &nr) <= 0 || m.type != MSG_RUN)
            _exit(0); /* the slot is closing */
        close(ctl[1]);
        for (size_t off = 0; off < sizeof(m.text) && m.text[off] && argc < 63;
             off += strlen(m.text + off) + 1)
            argv[argc++] = m.text + off;
        argv[argc] = NULL;
        run_child(sock, &m, rfds, nr, argv);
    }
    close(ctl[1]);
    ctl[1] = -1;
    pre_pid = child;
    if (read_step(ctl[0], 'u') < 0) {
        err = -EPROTO;
        goto fail;
    }
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)child);
    err = write_str(path, "deny");
    snprintf(map, sizeof(map), "%d %u 1\n", SBX_INNER_ID, (unsigned)uid);
    snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
    if (err == 0)
        err = write_str(path, map);
    snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
    if (err == 0)
        err = write_str(path, map);
    if (err == 0 && write(ctl[0], "m", 1) != 1)
        err = -errno;
    if (err == 0 && read_step(ctl[0], 'r') < 0)
        err = -EPROTO;
    if (err < 0)
        goto fail;
    pre_ctl = ctl[0];
    goto out;
fail:
    if (!pre_err[0])
        snprintf(pre_err, sizeof(pre_err), "cannot prepare the run's process: %s", strerror(-err));
    if (pre_pid > 0) {
        kill(pre_pid, SIGKILL);
        waitpid(pre_pid, NULL, 0);
    }
    pre_pid = -1;
    if (ctl[0] >= 0)
        close(ctl[0]);
    if (ctl[1] >= 0)
        close(ctl[1]);
out:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    {
        struct msg done = {.type = MSG_PREPARED, .status = err};
        snprintf(done.text, sizeof(done.text), "%s", pre_err);
        send_msg(sock, &done, offsetof(struct msg, text) + strlen(done.text) + 1, NULL, 0);
    }
}

static void init_run(int sock, struct msg *m, int *fds, int nfds)
{
    int pidfd = -1, status = 0, err = 0;
    pid_t child = pre_pid;
    struct msg done = {.type = MSG_DONE};

    if (child < 0 || pre_ctl < 0) {
        err = -ECHILD;
        goto fail_msg;
    }
    if (nfds != (m->has_stdin ? 1 : 0) + 2 || (unsigned)m->profile >= 4) {
        err = -EINVAL;
        goto fail_msg;
    }
    err = send_msg(pre_ctl, m, sizeof(*m), fds, nfds);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    nfds = 0;
    close(pre_ctl);
    pre_ctl = -1;
    pre_pid = -1;
    if (err < 0)
        kill(child, SIGKILL);
    pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    for (;;) {
        struct pollfd pf[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        struct msg req;
        if (poll(pf, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 10) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = recv_msg(sock, &req, NULL, NULL);
            if (n <= 0) {
                kill(-1, SIGKILL);
                _exit(0);
            }
            if (req.type == MSG_KILL)
                kill(-1, SIGKILL);
        }
        if (pidfd < 0 || (pf[1].revents & POLLIN)) {
            if (waitpid(child, &status, pidfd < 0 ? WNOHANG : 0) == child)
                break;
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    /* The run is over: orphans, daemons, stopped processes all go now. */
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    done.status = status;
    send_msg(sock, &done, offsetof(struct msg, text) + 1, NULL, 0);
    return;
fail_msg:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    done.type = MSG_ERROR;
    done.status = err;
    done.final = 1;
    snprintf(done.text, sizeof(done.text), "cannot start the run: %s",
             pre_err[0] ? pre_err : strerror(-err));
    send_msg(sock, &done, offsetof(struct msg, text) + strlen(done.text) + 1, NULL, 0);
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

static int mount_box(uid_t uid)
{
    char opts[64];

    snprintf(opts, sizeof(opts), "size=%s,mode=0755,uid=%u,gid=%u", SBX_BOX_SIZE, (unsigned)uid,
             (unsigned)uid);
    if (mount("box", "/box", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return -errno;
    snprintf(opts, sizeof(opts), "size=%s,mode=1777", SBX_TMP_SIZE);
    if (mount("tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        return -errno;
    return 0;
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

static int build_root(uid_t uid, const char **out_step)
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
        /* urandom read-only; null and zero must stay writable. */
        TRY(src, SYS(mount(NULL, dst, NULL,
                           MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC |
                               (strcmp(devs[i], "urandom") ? 0 : MS_RDONLY),
                           NULL)));
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
    /* hidepid: the program cannot even see init's /proc entry (its command
     * line is the supervisor's). */
    TRY("mount /proc",
        SYS(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")));
    TRY("mount /box and /tmp", mount_box(uid));
    TRY("remount root read-only",
        SYS(mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL)));
    return 0;
fail:
    *out_step = step;
    return err;
}

static int send_ready(int sock)
{
    struct msg m = {.type = MSG_READY};
    int fd = open("/box", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

    if (fd < 0)
        return -errno;
    err = send_msg(sock, &m, offsetof(struct msg, text), &fd, 1);
    close(fd);
    return err;
}

static void init_main(int sock, uid_t uid)
{
    const char *step = "";
    struct msg m;
    int fds[8], nfds, err, nul;

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_NAME, "gavel-sbx-init", 0, 0, 0);
    clearenv();
    sethostname("gavel", 5);
    err = reset_inherited();
    step = "reset inherited process state";
    if (err == 0)
        err = build_root(uid, &step);
    if (err < 0) {
        m.type = MSG_ERROR;
        m.status = err;
        snprintf(m.text, sizeof(m.text), "cannot build the sandbox root (%s): %s", step,
                 strerror(-err));
        send_msg(sock, &m, offsetof(struct msg, text) + strlen(m.text) + 1, NULL, 0);
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
    for (;;) {
        nfds = 8;
        ssize_t n = recv_msg(sock, &m, fds, &nfds);
        if (n <= 0)
            break;
        if (m.type == MSG_RUN) {
            init_run(sock, &m, fds, nfds);
            continue;
        }
        if (m.type == MSG_PREPARE) {
            init_prepare(sock, fds, nfds, uid);
            continue;
        }
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        if (m.type == MSG_RESET) {
            umount2("/box", MNT_DETACH);
            umount2("/tmp", MNT_DETACH);
            err = mount_box(uid);
            if (err == 0)
                err = send_ready(sock);
            if (err < 0) {
                m.type = MSG_ERROR;
                m.status = err;
                snprintf(m.text, sizeof(m.text), "cannot reset the box: %s", strerror(-err));
                send_msg(sock, &m, offsetof(struct msg, text) + strlen(m.text) + 1, NULL, 0);
            }
        }
    }
    kill(-1, SIGKILL);
    _exit(0);
}

/* ---- the supervisor side -------------------------------------------------------------- */

static int expect_ready(struct sbx_slot *s, char *why, size_t why_len)
{
    struct msg m;
    int fd = -1, nfds = 1;
    ssize_t n = recv_msg(s->sock, &m, &fd, &nfds);

    if (n <= 0) {
        snprintf(why, why_len, "the slot's init died");
        return n < 0 ? (int)n : GV_EUNAVAIL;
    }
    if (m.type != MSG_READY || nfds != 1) {
        if (nfds == 1)
            close(fd);
        snprintf(why, why_len, "%.200s", m.type == MSG_ERROR ? m.text : "protocol error");
        return m.status < 0 ? m.status : GV_EINTERNAL;
    }
    if (s->box_fd >= 0)
        close(s->box_fd);
    s->box_fd = fd;
    return 0;
}

int sbx_check_host(char *msg, size_t msg_len)
{
    int err;
    long v = 0;
    FILE *f;

    if (geteuid() != 0) {
        snprintf(msg, msg_len, "the sandbox needs root (running as uid %u)", (unsigned)geteuid());
        return -EPERM;
    }
    err = sbx__cgroup_detect(msg, msg_len);
    if (err < 0)
        return err;
    f = fopen("/proc/sys/user/max_user_namespaces", "re");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
        if (v <= 0) {
            snprintf(msg, msg_len,
                     "user namespaces are disabled "
                     "(/proc/sys/user/max_user_namespaces is 0)");
            return GV_EUNAVAIL;
        }
    }
    pthread_once(&profiles_once, build_profiles);
    if (profiles_err < 0) {
        snprintf(msg, msg_len,
                 "cannot build seccomp filters (libseccomp or kernel lacks "
                 "SECCOMP_RET_USER_NOTIF): %s",
                 gv_strerror(profiles_err));
        return profiles_err;
    }
    return 0;
}

/* A cgroup for a later run, with `l` written into it. */
static int make_cgroup(struct sbx__spare *out, const struct sbx_slot *s, uint64_t seq,
                       const struct sbx_limits *l)
{
    int err = sbx__cgroup_create(&out->cg, s->index, seq);

    if (err < 0)
        return err;
    err = sbx__cgroup_set_limits(&out->cg, l);
    if (err < 0) {
        sbx__cgroup_destroy(&out->cg);
        return err;
    }
    out->limits = *l;
    return 0;
}

/* Takes a spare cgroup (or makes one), brings its limits up to the last
 * run's and has init fork the next run's process into it. Called by the
 * helper thread, or inline when the helper has not run. The socket is ours
 * alone meanwhile: every other user of it waits for the helper first
 * (wait_helper), and the helper's other work never touches it. */
static int prepare_next(struct sbx_slot *s)
{
    struct sbx__spare sp;
    struct sbx_limits want;
    struct msg m;
    uint64_t seq = 0;
    int err, have_sp = 0;

    if (s->have_next)
        return 0;
    pthread_mutex_lock(&s->lock);
    want = s->next_limits;
    if (s->nspare > 0) {
        sp = s->spare[--s->nspare];
        have_sp = 1;
    } else {
        seq = s->seq++;
    }
    s->spare_err = 0;
    pthread_mutex_unlock(&s->lock);
    if (have_sp) {
        s->next = sp.cg;
        err = memcmp(&sp.limits, &want, sizeof(want)) ? sbx__cgroup_set_limits(&s->next, &want)
                                                       : 0;
        if (err < 0) {
            snprintf(s->prep_why, sizeof(s->prep_why), "cannot set cgroup limits: %s",
                     gv_strerror(err));
            goto fail;
        }
    } else {
        err = make_cgroup(&sp, s, seq, &want);
        if (err < 0) {
            snprintf(s->prep_why, sizeof(s->prep_why), "cannot create a cgroup: %s",
                     gv_strerror(err));
            return err;
        }
        s->next = sp.cg;
    }
    memset(&m, 0, offsetof(struct msg, text) + 1);
    m.type = MSG_PREPARE;
    err = send_msg(s->sock, &m, offsetof(struct msg, text) + 1, s->next.procs_fd, s->next.nctrl);
    for (int i = 0; i < s->next.nctrl; i++) {
        close(s->next.procs_fd[i]);
        s->next.procs_fd[i] = -1;
    }
    if (err < 0)
        goto fail;
    if (recv_msg(s->sock, &m, NULL, NULL) <= 0 || m.type != MSG_PREPARED) {
        err = GV_EUNAVAIL;
        snprintf(s->prep_why, sizeof(s->prep_why), "the slot's init died");
        goto fail;
    }
    if (m.status < 0) {
        err = m.status;
        snprintf(s->prep_why, sizeof(s->prep_why), "%.190s", m.text);
        goto fail;
    }
    err = sbx__cgroup_rebase(&s->next, &s->cpu_base);
    if (err < 0)
        goto fail;
    s->have_next = 1;
    return 0;
fail:
    sbx__cgroup_destroy(&s->next);
    return err;
}

/* In order of urgency: the next run's process (the caller may be waiting
 * for it), then removing finished cgroups, then making spares. Each step
 * runs unlocked and rechecks for a prepare request afterwards. */
static void *helper_main(void *arg)
{
    struct sbx_slot *s = arg;

    pthread_mutex_lock(&s->lock);
    while (!s->helper_stop) {
        if (s->helper_busy) {
            pthread_mutex_unlock(&s->lock);
            int err = prepare_next(s);
            pthread_mutex_lock(&s->lock);
            s->prep_err = err;
            s->helper_busy = 0;
            pthread_cond_broadcast(&s->cond);
        } else if (s->nretire > 0) {
            struct sbx__cgroup cg = s->retire[--s->nretire];
            pthread_mutex_unlock(&s->lock);
            sbx__cgroup_destroy(&cg);
            pthread_mutex_lock(&s->lock);
        } else if (s->nspare < SBX_SPARES && !s->spare_err) {
            struct sbx_limits l = s->next_limits;
            struct sbx__spare sp;
            uint64_t seq = s->seq++;
            pthread_mutex_unlock(&s->lock);
            int err = make_cgroup(&sp, s, seq, &l);
            pthread_mutex_lock(&s->lock);
            if (err < 0)
                s->spare_err = err; /* prepare_next says why, if it fails too */
            else
                s->spare[s->nspare++] = sp;
        } else {
            pthread_cond_wait(&s->cond, &s->lock);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void wait_helper(struct sbx_slot *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->helper_busy)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

/* Hands a finished run's cgroup to the helper and asks for the next run's
 * process. Removal waits in the queue; only a full queue (a helper that
 * cannot keep up) makes the caller remove one itself. */
static void kick_helper(struct sbx_slot *s, struct sbx__cgroup *done)
{
    struct sbx__cgroup inline_cg;
    int full = 0;

    pthread_mutex_lock(&s->lock);
    if (done && s->nretire < SBX_RETIRE_MAX) {
        s->retire[s->nretire++] = *done;
    } else if (done) {
        inline_cg = *done;
        full = 1;
    }
    s->helper_busy = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (full)
        sbx__cgroup_destroy(&inline_cg);
}

int sbx_slot_wait_ready(struct sbx_slot *s)
{
    wait_helper(s);
    return s->have_next ? 0 : s->prep_err < 0 ? s->prep_err : GV_EUNAVAIL;
}

/* The slot index selects the host uid and names the cgroups, so it must be
 * unique host-wide, not only within this process: two gavel-judge workers
 * (or a judge and a `gavel run`) each making a pool would otherwise share
 * uids. An index is held by an flock on /run/gavel/slot-<i>.lock, which the
 * kernel releases when its holder exits however it exits. Takes `want`, or
 * the first free index when want < 0; -EBUSY when none is free. */
static int claim_index(int *out_fd, int *out_index, int want)
{
    int lo = want < 0 ? 0 : want, hi = want < 0 ? SBX_SLOTS_MAX : want + 1, dir, err = -EBUSY;
    struct stat st;

    if (want >= SBX_SLOTS_MAX)
        return GV_EINVAL;
    if (mkdir(SBX_LOCK_DIR, 0700) < 0 && errno != EEXIST)
        return -errno;
    dir = open(SBX_LOCK_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0)
        return -errno;
    /* Only root may have made it, or someone could hold every index. */
    if (fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
        close(dir);
        return -EPERM;
    }
    for (int i = lo; i < hi && err == -EBUSY; i++) {
        char name[32];
        int fd;
        snprintf(name, sizeof(name), "slot-%d.lock", i);
        fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            err = -errno;
        } else if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *out_fd = fd;
            *out_index = i;
            err = 0;
        } else {
            err = errno == EWOULDBLOCK ? -EBUSY : -errno;
            close(fd);
        }
    }
    close(dir);
    return err;
}

int sbx_slot_index(const struct sbx_slot *s)
{
    return s->index;
}

int sbx_slot_new(struct sbx_slot **out, int index)
{
    struct sbx_slot *s;
    int sv[2] = {-1, -1}, err;
    char why[256] = "";
    pid_t pid;

    err = sbx_check_host(why, sizeof(why));
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", index, why);
        return err;
    }
    s = gv_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->box_fd = -1;
    s->sock = -1;
    s->keeper = -1;
    sbx_limits_init(&s->next_limits);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    err = claim_index(&s->lock_fd, &s->index, index);
    if (err < 0) {
        s->lock_fd = -1;
        gv_log(GV_LOG_ERROR, "sandbox", "cannot claim a slot index (%d): %s", index,
               gv_strerror(err));
        goto fail;
    }
    s->uid = SBX_UID_BASE + (uid_t)s->index;
    sbx__cgroup_sweep(s->index);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        err = -errno;
        goto fail;
    }
    pid = fork();
    if (pid < 0) {
        err = -errno;
        close(sv[1]);
        s->sock = sv[0];
        goto fail;
    }
    if (pid == 0) {
        /* The keeper. Only sv[1] may reach init: the caller's other fds
         * (sockets, database connections) must not enter the slot. */
        pid_t init;
        if (sv[1] != 3) {
            if (dup3(sv[1], 3, O_CLOEXEC) < 0)
                _exit(1);
        }
        syscall(SYS_close_range, 4, ~0U, 0);
        if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
            _exit(1);
        init = fork();
        if (init == 0)
            init_main(3, s->uid);
        close(3);
        while (init > 0 && waitpid(init, NULL, 0) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(sv[1]);
    s->sock = sv[0];
    s->keeper = pid;
    err = expect_ready(s, why, sizeof(why));
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", s->index, why);
        goto fail;
    }
    err = prepare_next(s);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", s->index, s->prep_why);
        goto fail;
    }
    if (pthread_create(&s->helper, NULL, helper_main, s) != 0) {
        err = -EAGAIN;
        goto fail;
    }
    s->helper_started = 1;
    *out = s;
    return 0;
fail:
    sbx_slot_free(s);
    return err;
}

void sbx_slot_free(struct sbx_slot *s)
{
    if (!s)
        return;
    if (s->helper_started) {
        wait_helper(s);
        pthread_mutex_lock(&s->lock);
        s->helper_stop = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->helper, NULL);
    }
    for (int i = 0; i < s->nretire; i++)
        sbx__cgroup_destroy(&s->retire[i]);
    for (int i = 0; i < s->nspare; i++)
        sbx__cgroup_destroy(&s->spare[i].cg);
    s->nretire = s->nspare = 0;
    /* EOF on its socket makes init kill everything and exit. */
    if (s->sock >= 0)
        close(s->sock);
    if (s->box_fd >= 0)
        close(s->box_fd);
    while (s->keeper > 0 && waitpid(s->keeper, NULL, 0) < 0 && errno == EINTR)
        ;
    if (s->have_next)
        sbx__cgroup_destroy(&s->next);
    /* Last: the index (and its uid) is free only once nothing runs as it. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    gv_free(s);
}

static int valid_name(const char *name)
{
    return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
           strlen(name) < 128;
}

int sbx_slot_remove_file(struct sbx_slot *s, const char *name)
{
    if (!valid_name(name))
        return GV_EINVAL;
    /* unlinkat removes a link or FIFO itself, never what it points to. */
    if (unlinkat(s->box_fd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int sbx_slot_put_file(struct sbx_slot *s, const char *name, const void *data, size_t len, int exec)
{
    int fd, err;

    if (!valid_name(name))
        return GV_EINVAL;
    unlinkat(s->box_fd, name, 0);
    fd = openat(s->box_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                exec ? 0755 : 0644);
    if (fd < 0)
        return -errno;
    err = sbx__write_all(fd, data, len);
    close(fd);
    return err;
}

int sbx_slot_get_file(struct gv_buf *out, struct sbx_slot *s, const char *name)
{
    struct stat st;
    int fd, err;

    if (!valid_name(name))
        return GV_EINVAL;
    /* O_NONBLOCK: opening a FIFO the program planted must not hang. */
    fd = openat(s->box_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? GV_EINVAL : -errno;
    err = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ? GV_EINVAL : sbx__read_all(fd, out);
    close(fd);
    return err;
}

int sbx_slot_reset(struct sbx_slot *s)
{
    struct msg m = {.type = MSG_RESET};
    char why[256];
    int err;

    wait_helper(s);
    err = send_msg(s->sock, &m, offsetof(struct msg, text), NULL, 0);

    if (err < 0)
        return err;
    err = expect_ready(s, why, sizeof(why));
    if (err < 0)
        gv_log(GV_LOG_ERROR, "sandbox", "cannot reset slot %d: %s", s->index, why);
    return err;
}

/* Appends what fits into the bounded capture and counts everything. */
static int drain(int fd, struct gv_buf *b, int64_t *total)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -errno;
    if (n == 0)
        return 0;
    *total += n;
    if (b->len < b->max) {
        size_t room = b->max - b->len, take = (size_t)n < room ? (size_t)n : room;
        gv_buf_append(b, buf, take);
    }
    return 1;
}

struct run_state {
    int done, killed, tle_wall, tle_cpu, ole, se, seccomp_nr;
    int status;
    int listener;
    int64_t start_ms;
};

static void kill_run(struct sbx_slot *s, struct sbx__cgroup *cg, struct run_state *st)
{
    struct msg m = {.type = MSG_KILL};

    if (st->killed)
        return;
    st->killed = 1;
    send_msg(s->sock, &m, offsetof(struct msg, text), NULL, 0);
    sbx__cgroup_kill(cg);
}

static void on_notification(struct sbx_slot *s, struct sbx__cgroup *cg, struct run_state *st,
                            struct sbx_result *r)
{
    struct seccomp_notif req;

    memset(&req, 0, sizeof(req));
    if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return;
    if (st->seccomp_nr < 0) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)req.data.nr);
        st->seccomp_nr = (int)req.data.nr;
        if (name)
            snprintf(r->syscall, sizeof(r->syscall), "%s", name);
        else
            snprintf(r->syscall, sizeof(r->syscall), "#%d", (int)req.data.nr);
        free(name); /* libseccomp allocates it with malloc */
    }
    /* The caller stays blocked in the kernel until it dies: never answered,
     * the syscall never runs. */
    kill_run(s, cg, st);
}

static int64_t clamp_timeout(int64_t v)
{
    return v < 1 ? 1 : v;
}

int sbx_slot_run(struct sbx_result *out, struct sbx_slot *s, const struct sbx_job *job)
{
    struct sbx_limits l = job->limits, def;
    struct sbx__cgroup cg;
    struct run_state st = {.seccomp_nr = -1, .listener = -1};
    struct msg m;
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, fds[8], nfds = 0, err = 0, open_pipes;
    size_t off = 0, cap = job->capture_max ? job->capture_max : SBX_CAPTURE_DEFAULT;
    int64_t deadline, now, v;
    long ncpu = online_cpus;


    sbx_result_init(out);
    out->out.max = out->err.max = cap;
    sbx_limits_init(&def);
    if (l.cpu_ms <= 0)
        l.cpu_ms = def.cpu_ms;
    if (l.wall_ms <= 0)
        l.wall_ms = def.wall_ms;
    if (l.memory_bytes <= 0)
        l.memory_bytes = def.memory_bytes;
    if (l.output_bytes <= 0)
        l.output_bytes = def.output_bytes;
    if (l.fsize_bytes <= 0)
        l.fsize_bytes = def.fsize_bytes;
    if (l.pids <= 0)
        l.pids = def.pids;
    if (l.nofile <= 0)
        l.nofile = def.nofile;
    wait_helper(s);
    if (!s->have_next) {
        err = prepare_next(s);
        if (err < 0) {
            gv_log(GV_LOG_ERROR, "sandbox", "slot %d is not ready: %s", s->index, s->prep_why);
            sbx_result_release(out);
            return err;
        }
    }
    cg = s->next;
    s->have_next = 0;
    if (memcmp(&l, &s->next_limits, sizeof(l)) != 0) {
        err = sbx__cgroup_set_limits(&cg, &l);
        if (err < 0) {
            gv_log(GV_LOG_ERROR, "sandbox", "cannot set cgroup limits: %s", gv_strerror(err));
            goto out;
        }
        pthread_mutex_lock(&s->lock);
        s->next_limits = l;
        pthread_mutex_unlock(&s->lock);
    }
    /* Only our read ends are non-blocking: the program's writes block
     * on a full pipe as they would on a terminal. */
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        fcntl(outp[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
        err = -errno;
        goto out;
    }
    memset(&m, 0, offsetof(struct msg, text));
    m.type = MSG_RUN;
    m.profile = job->profile;
    m.limits = l;
    m.has_stdin = job->stdin_fd >= 0;
    for (const char *const *a = job->argv; *a; a++) {
        size_t n = strlen(*a) + 1;
        if (off + n + 1 > sizeof(m.text)) {
            err = GV_ETOOBIG;
            goto out;
        }
        memcpy(m.text + off, *a, n);
        off += n;
    }
    m.text[off++] = '\0';
    if (m.has_stdin)
        fds[nfds++] = job->stdin_fd;
    fds[nfds++] = outp[1];
    fds[nfds++] = errp[1];
    err = send_msg(s->sock, &m, offsetof(struct msg, text) + off, fds, nfds);
    if (err < 0)
        goto out;
    /* Only the child may hold the write ends, or EOF would never come. */
    close(outp[1]);
    close(errp[1]);
    outp[1] = errp[1] = -1;

    st.start_ms = gv_time_mono_ms();
    deadline = st.start_ms + l.wall_ms;
    open_pipes = 2;
    while (!st.done || open_pipes > 0) {
        struct pollfd pf[4] = {
            {.fd = st.done ? -1 : s->sock, .events = POLLIN},
            {.fd = outp[0], .events = POLLIN},
            {.fd = errp[0], .events = POLLIN},
            {.fd = st.listener, .events = POLLIN},
        };
        int64_t timeout;
        int64_t cpu = 0;

        now = gv_time_mono_ms();
        if (st.done) {
            /* Init has reaped every process: the pipes are at EOF or
             * about to be. A bounded grace period guards against a bug. */
            timeout = clamp_timeout(st.start_ms + l.wall_ms + 2000 - now);
            if (now > deadline + 2000)
                break;
        } else {
            if (sbx__cgroup_cpu_ms(&cg, &cpu) == 0 && (cpu -= s->cpu_base) > l.cpu_ms &&
                !st.killed) {
                st.tle_cpu = 1;
                kill_run(s, &cg, &st);
            }
            if (now >= deadline && !st.killed) {
                st.tle_wall = 1;
                kill_run(s, &cg, &st);
            }
            sbx__cgroup_sample(&cg);
            /* The CPU limit cannot be crossed sooner than this. */
            timeout = (l.cpu_ms - cpu) / ncpu + 1;
            if (timeout > 100)
                timeout = 100;
            if (deadline - now < timeout)
                timeout = deadline - now;
            timeout = clamp_timeout(timeout);
            if (st.killed)
                timeout = 50;
        }
        if (poll(pf, 4, (int)timeout) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        if (pf[3].revents & POLLIN)
            on_notification(s, &cg, &st, out);
        if (pf[3].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            close(st.listener);
            st.listener = -1;
        }
        for (int i = 1; i <= 2; i++) {
            int *pfd = i == 1 ? &outp[0] : &errp[0];
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int r = drain(*pfd, i == 1 ? &out->out : &out->err, &out->out_total);
            if (r <= 0) {
                close(*pfd);
                *pfd = -1;
                open_pipes--;
            }
            if (out->out_total > l.output_bytes && !st.ole) {
                st.ole = 1;
                kill_run(s, &cg, &st);
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            int got[1], ngot = 1;
            ssize_t n = recv_msg(s->sock, &m, got, &ngot);
            if (n <= 0) {
                snprintf(out->message, sizeof(out->message), "the slot's init died");
                st.se = 1;
                st.done = 1;
                err = GV_EUNAVAIL;
                break;
            }
            if (m.type == MSG_LISTENER && ngot == 1) {
                st.listener = got[0];
                /* The program's wall clock starts at its execve. */
                st.start_ms = gv_time_mono_ms();
                deadline = st.start_ms + l.wall_ms;
            } else {
                for (int i = 0; i < ngot; i++)
                    close(got[i]);
                if (m.type == MSG_ERROR) {
                    st.se = 1;
                    snprintf(out->message, sizeof(out->message), "%.200s", m.text);
                    kill_run(s, &cg, &st);
                    /* The child's error precedes init's DONE; an
                     * error of init itself is the last message. */
                    if (m.final)
                        st.done = 1;
                } else if (m.type == MSG_DONE) {
                    st.done = 1;
                    st.status = m.status;
                }
            }
        }
    }
    now = gv_time_mono_ms();
    out->wall_ms = now - st.start_ms;
    if (st.listener >= 0 && st.seccomp_nr < 0) {
        /* A notification that raced with the end of the run. */
        struct pollfd pf = {.fd = st.listener, .events = POLLIN};
        if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN))
            on_notification(s, &cg, &st, out);
    }
    sbx__cgroup_kill(&cg);
    if (sbx__cgroup_cpu_ms(&cg, &v) == 0)
        out->cpu_ms = v - s->cpu_base > 0 ? v - s->cpu_base : 0;
    if (sbx__cgroup_mem_peak_kb(&cg, &v) == 0)
        out->memory_kb = v;
    if (WIFEXITED(st.status)) {
        out->exit_code = WEXITSTATUS(st.status);
    } else if (WIFSIGNALED(st.status)) {
        out->signal = WTERMSIG(st.status);
    }
    if (err < 0 || st.se) {
        out->status = SBX_SE;
        if (!out->message[0])
            snprintf(out->message, sizeof(out->message), "%s", gv_strerror(err));
    } else if (st.seccomp_nr >= 0) {
        out->status = SBX_RE;
        out->signal = SIGSYS;
        out->exit_code = -1;
    } else if (st.ole || out->signal == SIGXFSZ) {
        out->status = SBX_OLE;
    } else if (st.tle_cpu || out->cpu_ms > l.cpu_ms || out->signal == SIGXCPU) {
        out->status = SBX_TLE;
    } else if (st.tle_wall) {
        out->status = SBX_TLE;
    } else if ((out->signal || out->exit_code != 0) && sbx__cgroup_mem_hit(&cg)) {
        out->status = SBX_MLE;
    } else if (out->signal || out->exit_code != 0) {
        out->status = SBX_RE;
    } else {
        out->status = SBX_OK;
    }
    if (out->status == SBX_TLE || out->status == SBX_OLE || out->status == SBX_MLE) {
        /* Our own SIGKILL is not the program's signal. */
        if (st.killed && out->signal == SIGKILL)
            out->signal = 0;
    }
    err = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0)
            close(outp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    if (st.listener >= 0)
        close(st.listener);
    /* Retire this cgroup and prepare the next run off its critical path. */
    kick_helper(s, &cg);
    if (err < 0)
        sbx_result_release(out);
    return err;
}

/* ---- the pool ------------------------------------------------------------------------- */

struct sbx_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int n;
    struct sbx_slot **slots;
    int *busy;
};

int sbx_pool_new(struct sbx_pool **out, int nslots)
{
    struct sbx_pool *p;
    int err = 0;

    if (nslots <= 0)
        nslots = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nslots <= 0)
        nslots = 1;
    p = gv_calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->slots = gv_calloc((size_t)nslots, sizeof(*p->slots));
    p->busy = gv_calloc((size_t)nslots, sizeof(*p->busy));
    if (!p->slots || !p->busy) {
        err = -ENOMEM;
        goto fail;
    }
    for (; p->n < nslots; p->n++) {
        err = sbx_slot_new(&p->slots[p->n], -1);
        if (err < 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    sbx_pool_free(p);
    return err;
}

void sbx_pool_free(struct sbx_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        sbx_slot_free(p->slots[i]);
    gv_free(p->slots);
    gv_free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    gv_free(p);
}

struct sbx_slot *sbx_pool_acquire(struct sbx_pool *p)
{
    struct sbx_slot *s = NULL;

    pthread_mutex_lock(&p->lock);
    while (!s) {
        for (int i = 0; i < p->n && !s; i++) {
            if (!p->busy[i]) {
                p->busy[i] = 1;
                s = p->slots[i];
            }
        }
        if (!s)
            pthread_cond_wait(&p->cond, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return s;
}

int sbx_pool_release(struct sbx_pool *p, struct sbx_slot *s)
{
    int err = sbx_slot_reset(s);

    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n; i++) {
        if (p->slots[i] == s)
            p->busy[i] = 0;
    }
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return err;
}
