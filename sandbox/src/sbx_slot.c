/* SPDX-License-Identifier: MIT
 * sbx_slot.c - a pre-warmed slot's life and the pool of slots: the host-wide
 * slot index, starting and freeing a slot, and its helper thread, which
 * prepares each next run and keeps spare cgroups.
 *
 * This file also keeps the theory of operation of the whole slot (below),
 * since a slot's life starts here; the code is split by where it runs, and
 * each file says what runs there: sbx_slot_init.c in the slot's own
 * processes (the keeper, init, each run's child), sbx_supervise.c in the
 * caller (the run protocol, the measuring loop, the verdict), this file in
 * the caller and the slot's helper thread. The messages between them are
 * declared in sbx_internal.h.
 *
 * Theory of operation.
 *
 * Processes. The supervisor (the library's caller, root) forks a keeper,
 * which unshares the pid, mount, network, ipc and uts namespaces and forks
 * the slot's init: pid 1 of the new pid namespace, still real root, with two
 * SOCK_SEQPACKET sockets to the supervisor as its only descriptors: the run
 * socket (RUN, KILL, RESET; the caller's thread) and the prepare socket
 * (PREPARE; the slot's helper thread). The keeper only waits for init (it
 * exists so that the supervisor's fork runs glibc's fork handlers; a raw
 * clone from a threaded caller could inherit a held malloc lock). Init
 * builds the file system once (build_root), then serves both sockets, the
 * process being prepared and the running one, whichever is ready. If the
 * supervisor goes away, init reads EOF, kills everything in its namespace
 * and exits.
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
 * Preparing a run (while the run before it goes on). As soon as a run has
 * been handed to init, the slot's helper thread takes a spare cgroup (made
 * ahead, limits written), brings its limits up to that run's and sends
 * PREPARE on the prepare socket with the cgroup's join descriptors (v1:
 * "tasks" of each controller; v2: cgroup.procs) and the last run's /box
 * mode as a guess. Only then, while the caller works, it removes finished
 * cgroups and makes new spares, so mkdir and rmdir stay off the path of
 * back-to-back runs. Each slot has two host uids and runs alternate between
 * them: the process prepared during a run gets the other uid, so the
 * program can never signal (stop, kill) the next run's process, and a run's
 * processes are all killed and reaped before its DONE, so before its uid is
 * given again. Init clones the next run's child in its own memory
 * (CLONE_VM, on the uid's stack, no exit signal: the waitpid(-1) that reaps
 * a run's orphans does not wait for it; until its execve the child makes
 * only raw system calls, since errno is init's), so that no run copies
 * init's address space, a copy of the supervisor's, nor tears it down at
 * exec. The child, in this order: starts a new session; joins the cgroup
 * by writing "0" to its join file in each hierarchy (so every descendant
 * is counted; no host pid crosses the namespace boundary; on v1 "tasks",
 * which avoids the global threadgroup rwsem and its RCU grace period);
 * enters its uid's mount namespace (made by the uid's first run and kept
 * by init), detaches the /tmp of the uid's run before and mounts a fresh
 * one, and sets /box read-only unless the guess says otherwise; drops
 * supplementary groups; unshares a cgroup namespace
 * (rooted at the run's cgroup) and, with its uid of the slot as effective
 * uid (so that namespace's owner, charged with the program's per-user
 * counts such as queued signals, is that uid and not root), a user
 * namespace, whose uid/gid maps init writes ("1000 <uid> 1": inside uid
 * 1000, on the host one of the slot's two uids, nothing else mapped,
 * setgroups denied); switches to uid/gid 1000; clears the capability
 * bounding set, ambient and all capability sets (a user-namespace setuid
 * does not drop them by itself because the namespace's uid 0 is
 * unmapped); then waits. The helper then resets the v1 peak and failcnt
 * and records the CPU used so far, which is subtracted from the run's.
 *
 * A run. The supervisor writes the limits if they differ from the
 * prepared ones and sends RUN with stdin and the write ends of the stdout
 * and stderr pipes; init forwards it to the prepared child, which sets
 * rlimits (FSIZE, NOFILE, CORE=0, STACK=memory limit, CPU as a backstop:
 * the limit rounded up to whole seconds plus one; never AS), installs
 * stdin/stdout/stderr, chdir /box, sets no_new_privs, loads the seccomp
 * filter with a new listener, sends the listener to the supervisor (that
 * moment starts the wall clock) and execs with a fixed environment. In the
 * run profiles execve is refused by the filter: the supervisor lets the
 * run's first execve, the child's own, continue, and ends the run at any
 * later one. /box is read-only in the run's mount namespace unless the
 * profile is COMPILER or the job says box_writable (init fixes a wrong
 * guess from a vfork'd child that enters that namespace); /tmp there is
 * the run's own. So every run starts from the same files, and what it
 * writes in /tmp is charged to it and gone at the uid's next preparation. The user
 * namespace owns no other namespace, so even its "capabilities" inside it
 * could not mount or unshare anything.
 *
 * Measuring and ending. The supervisor polls the init socket, both pipes
 * and the seccomp listener, with a timeout that is the earlier of the wall
 * deadline and the moment the cgroup's CPU could first exceed its limit
 * (remaining CPU / cores). It reads output into bounded buffers and counts
 * all of it (OLE past output_bytes). A seccomp notification names the
 * refused syscall; the run is killed. On a limit, it sends KILL (init
 * kills every process of the run's uid: kill(-1, SIGKILL) sent as that
 * uid) and kills the cgroup's tasks directly. When init sees the child
 * exit (pidfd), it kills every other process of the run's uid (orphans
 * included; never the prepared process), reaps them all and sends DONE
 * with the wait status. The supervisor reads CPU (cgroup usage), peak
 * memory and the memory-limit events and hands the cgroup to the helper
 * for removal.
 *
 * Giving up. A run without DONE by its wall deadline plus giveup_ms
 * (GAVEL_SANDBOX_GIVEUP_MS), or any blocking receive from init past
 * giveup_ms (both sockets' SO_RCVTIMEO: READY, and the helper's PREPARED
 * for the process prepared during a run), means the slot is stuck: a
 * process in uninterruptible sleep (the run's or the prepared one's), or
 * init itself. A prepare that timed out is not retried (its answer may
 * still come): the next run gives up. sbx__slot_replace shuts both sockets
 * down, kills the keeper (init dies by its parent-death signal), leaves the
 * stuck run's cgroup and the index lock in place (neither of the two uids
 * nor the cgroups may be reused while a stuck process may live; the
 * index's next holder sweeps), and moves a freshly started slot into the
 * caller's struct. The call returns GV_EGIVEUP: the run did not happen.
 *
 * Pinning. Each slot runs on one core (sbx__cgroup_core): the keeper joins
 * the slot's v1 cpuset cgroup when there is one and sets its affinity
 * before it starts init, so everything in the slot inherits both: init,
 * every process it prepares (a clone of init) and every program.
 *
 * Reset. RESET makes init lazily unmount /box and /tmp and mount fresh
 * tmpfs instances: nothing the program wrote survives, and no tree it built
 * (symlinks, FIFOs) is ever walked. The prepared process (whose namespace
 * holds the old /box) is killed and the helper prepares another. Files are put into and read from
 * /box by the supervisor through an O_PATH descriptor of /box that init sends, by a single name,
 * with O_NOFOLLOW and O_NONBLOCK, and read only when fstat says it is a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "sbx_internal.h"
#include "banned.h"

/* Host uids of slot i: base + 2i and base + 2i + 1 (SBX_UIDS_PER_SLOT),
 * base from GAVEL_SANDBOX_UID_BASE or this.
 * The default lies above systemd's container range (524288-1879048191)
 * and below 2^31 (some tools read uids as signed): not Debian's
 * 60000-64999, which holds systemd's DynamicUser range (61184-65519),
 * whose services would share a uid with a slot. */
#define SBX_UID_BASE_DEFAULT 2000000000u
#define SBX_UID_BASE_MIN 1000u /* never a system account's */
#define SBX_UID_TOP 2147483647u
#define SBX_SLOTS_MAX 3000
#define SBX_LOCK_DIR "/run/gavel" /* slot-<i>.lock: who holds index i, host-wide */
/* GAVEL_SANDBOX_GIVEUP_MS: a loaded host's slowest honest answer from init
 * (reaping a killed JVM's threads under ASan took over a second) is far
 * below this. */
#define SBX_GIVEUP_MS_DEFAULT 10000

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

int sbx__slot_prepare_next(struct sbx_slot *s)
{
    struct sbx__spare sp;
    struct sbx_limits want;
    struct sbx__msg m;
    uint64_t seq = 0;
    int err, have_sp = 0, box_rw;
    ssize_t n = 1;

    if (s->have_next)
        return 0;
    pthread_mutex_lock(&s->lock);
    /* An init that did not answer a PREPARE may answer it late: the
     * prepare socket is never used again (the next run gives up). */
    if (s->prep_err == -EAGAIN) {
        pthread_mutex_unlock(&s->lock);
        return -EAGAIN;
    }
    want = s->next_limits;
    box_rw = s->next_box_rw;
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
    memset(&m, 0, offsetof(struct sbx__msg, text) + 1);
    m.type = SBX_MSG_PREPARE;
    m.box_rw = box_rw;
    err = sbx__msg_send(s->psock, &m, offsetof(struct sbx__msg, text) + 1, s->next.procs_fd,
                        s->next.nctrl);
    for (int i = 0; i < s->next.nctrl; i++) {
        close(s->next.procs_fd[i]);
        s->next.procs_fd[i] = -1;
    }
    if (err < 0)
        goto fail;
    n = sbx__msg_recv(s->psock, &m, NULL, NULL);
    if (n <= 0 || m.type != SBX_MSG_PREPARED) {
        /* -EAGAIN: no answer within giveup_ms (SO_RCVTIMEO): init, or the
         * process it prepares, is stuck. */
        err = n < 0 ? (int)n : GV_EUNAVAIL;
        snprintf(s->prep_why, sizeof(s->prep_why), "%s",
                 n < 0 ? "the slot's init did not answer" : "the slot's init died");
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
    /* Without an answer from init (it timed out, or the slot is being
     * retired and the socket was shut down) the process may be stuck in
     * it, in uninterruptible sleep, which would hold up a removal: such a
     * cgroup is left to the index's next holder. */
    if (n <= 0)
        sbx__cgroup_abandon(&s->next);
    else
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
            int err = sbx__slot_prepare_next(s);
            /* The next run tries again inline, and says so if it fails too. */
            if (err < 0)
                gv_log(GV_LOG_WARN, "sandbox", "slot %d: cannot prepare the next run: %s",
                       s->index, s->prep_why);
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

void sbx__slot_wait_helper(struct sbx_slot *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->helper_busy)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

/* Stops the helper thread after its current step (a prepare in progress
 * first ends). */
static void helper_halt(struct sbx_slot *s)
{
    if (!s->helper_started)
        return;
    sbx__slot_wait_helper(s);
    pthread_mutex_lock(&s->lock);
    s->helper_stop = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->helper, NULL);
    s->helper_started = 0;
    s->helper_stop = 0;
}

static int helper_start(struct sbx_slot *s)
{
    if (pthread_create(&s->helper, NULL, helper_main, s) != 0)
        return -EAGAIN;
    s->helper_started = 1;
    return 0;
}

void sbx__slot_kick_helper(struct sbx_slot *s)
{
    pthread_mutex_lock(&s->lock);
    s->helper_busy = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void sbx__slot_retire(struct sbx_slot *s, struct sbx__cgroup *done)
{
    int full = 0;

    pthread_mutex_lock(&s->lock);
    if (s->nretire < SBX_RETIRE_MAX) {
        s->retire[s->nretire++] = *done;
        pthread_cond_broadcast(&s->cond);
    } else {
        full = 1;
    }
    pthread_mutex_unlock(&s->lock);
    if (full)
        sbx__cgroup_destroy(done);
}

int sbx_slot_wait_ready(struct sbx_slot *s)
{
    sbx__slot_wait_helper(s);
    return s->have_next ? 0 : s->prep_err < 0 ? s->prep_err : GV_EUNAVAIL;
}

/* Moves a descriptor of ours out of 0-2: a caller started with stdio
 * closed (`gavel run <&-`) would otherwise have its next printf or read
 * land on the slot's lock or socket. The original is closed; on failure
 * too (the descriptor is lost either way), with -errno. */
static int fd_above_stdio(int *fd)
{
    int moved;

    if (*fd > 2)
        return 0;
    moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
    close(*fd);
    *fd = moved;
    return moved < 0 ? -errno : 0;
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
            /* The lock travels with the open file description: a dup
             * holds it as well. */
            err = fd_above_stdio(&fd);
            *out_fd = fd;
            *out_index = i;
        } else {
            err = errno == EWOULDBLOCK ? -EBUSY : -errno;
            close(fd);
        }
    }
    close(dir);
    return err;
}

/* The uid range's base: the setting GAVEL_SANDBOX_UID_BASE (environment or
 * GAVEL_CONFIG file), read at each slot start, or the default. GV_E*,
 * logged, for a value that is not a number or puts the range outside
 * [1000, 2^31). */
static int uid_base(uid_t *out)
{
    long v;
    int err = gv_config_get_long(&v, "GAVEL_SANDBOX_UID_BASE", (long)SBX_UID_BASE_DEFAULT,
                                 (long)SBX_UID_BASE_MIN,
                                 (long)SBX_UID_TOP - SBX_UIDS_PER_SLOT * SBX_SLOTS_MAX + 1);

    if (err < 0)
        return err;
    *out = (uid_t)v;
    return 0;
}

/* The first of slot `index`'s host uids. */
static uid_t slot_uid(uid_t base, int index)
{
    return base + (uid_t)index * SBX_UIDS_PER_SLOT;
}

/* A slot's uids must be nobody's: a user or group of the host with such an
 * id could signal the program, or read what it writes. -EEXIST, logged. */
static int uid_unused(uid_t first, int index)
{
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;
    char buf[4096];

    for (uid_t uid = first; uid < first + SBX_UIDS_PER_SLOT; uid++) {
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp) {
            gv_log(GV_LOG_ERROR, "sandbox",
                   "uid %u of slot %d belongs to user %.64s: set GAVEL_SANDBOX_UID_BASE to a "
                   "range of %d unused ids",
                   (unsigned)uid, index, pw.pw_name, SBX_UIDS_PER_SLOT * SBX_SLOTS_MAX);
            return -EEXIST;
        }
        if (getgrgid_r((gid_t)uid, &gr, buf, sizeof(buf), &grp) == 0 && grp) {
            gv_log(GV_LOG_ERROR, "sandbox",
                   "gid %u of slot %d belongs to group %.64s: set GAVEL_SANDBOX_UID_BASE to a "
                   "range of %d unused ids",
                   (unsigned)uid, index, gr.gr_name, SBX_UIDS_PER_SLOT * SBX_SLOTS_MAX);
            return -EEXIST;
        }
    }
    return 0;
}

/* In the keeper, before anything else: joins the slot's cpuset cgroup and
 * sets its affinity, which init, the prepared processes and every program
 * inherit. Only system calls: the caller may be threaded. */
static void pin_self(int join_fd, int core)
{
    cpu_set_t set;

    if (join_fd >= 0 && write(join_fd, "0", 1) < 0)
        _exit(1);
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

/* Waits up to `wait_ms` for the keeper to exit (it does once init has),
 * then kills it: init, whose parent-death signal is SIGKILL, dies with it
 * however it is stuck (stopped; in uninterruptible sleep, once it wakes),
 * and with init every process of the slot's pid namespace. 1 when it had
 * to be killed after waiting: something in the slot was stuck. */
static int reap_keeper(struct sbx_slot *s, int64_t wait_ms)
{
    int pidfd, stuck = 0;

    if (s->keeper <= 0)
        return 0;
    pidfd = (int)syscall(SYS_pidfd_open, s->keeper, 0);
    if (pidfd >= 0) {
        struct pollfd pf = {.fd = pidfd, .events = POLLIN};
        int r;
        while ((r = poll(&pf, 1, (int)wait_ms)) < 0 && errno == EINTR)
            ;
        close(pidfd);
        if (r == 0) {
            if (wait_ms > 0) {
                gv_log(GV_LOG_WARN, "sandbox",
                       "slot %d: its keeper did not exit within %lld ms; killed", s->index,
                       (long long)wait_ms);
                stuck = 1;
            }
            kill(s->keeper, SIGKILL);
        }
    } else {
        kill(s->keeper, SIGKILL);
    }
    /* The keeper only waits for init: killed, it exits at once. */
    while (waitpid(s->keeper, NULL, 0) < 0 && errno == EINTR)
        ;
    s->keeper = -1;
    return stuck;
}

bool sbx__init_lost(int err)
{
    return err == -EAGAIN || err == GV_EUNAVAIL || err == -EPIPE || err == -ECONNRESET;
}

int sbx__slot_replace(struct sbx_slot *s, struct sbx__cgroup *stuck, const char *what, int cause)
{
    struct sbx_slot *fresh = NULL;
    int old = s->index, err;
    char why[96];

    if (cause == -EAGAIN)
        snprintf(why, sizeof(why), "init did not answer within %lld ms", (long long)s->giveup_ms);
    else
        snprintf(why, sizeof(why), "init failed: %s", gv_strerror(cause));
    gv_log(GV_LOG_ERROR, "sandbox",
           "slot %d: %s (%s); retiring the slot, whose index and uids %u-%u stay taken until "
           "this process exits, and starting a fresh one",
           old, why, what, (unsigned)s->uid[0], (unsigned)s->uid[SBX_UIDS_PER_SLOT - 1]);
    /* Unblocks the helper if it waits for PREPARED (the process prepared
     * during the stuck run); an init that still reads sees EOF and ends
     * the slot itself. */
    if (s->sock >= 0)
        shutdown(s->sock, SHUT_RDWR);
    if (s->psock >= 0)
        shutdown(s->psock, SHUT_RDWR);
    helper_halt(s);
    reap_keeper(s, 0);
    if (stuck)
        sbx__cgroup_abandon(stuck);
    for (int i = 0; i < s->nretire; i++)
        sbx__cgroup_destroy(&s->retire[i]);
    for (int i = 0; i < s->nspare; i++)
        sbx__cgroup_destroy(&s->spare[i].cg);
    /* A prepared process that reported ready waits in an interruptible
     * read, and dies; one that never reported (its prepare timed out, or
     * was cut short by the shutdown above) may be stuck, and its cgroup
     * was abandoned by sbx__slot_prepare_next. */
    if (s->have_next)
        sbx__cgroup_destroy(&s->next);
    if (s->sock >= 0)
        close(s->sock);
    if (s->psock >= 0)
        close(s->psock);
    if (s->box_fd >= 0)
        close(s->box_fd);
    /* The index lock is kept open on purpose, never closed: a process of
     * the old slot may still be alive in uninterruptible sleep, with one of
     * the index's two uids (the run's or the prepared process's), and its
     * cgroup is still there. The kernel releases the lock when this
     * process exits; the index's next holder then sweeps the cgroups. */
    s->lock_fd = -1;
    s->pin[0] = '\0'; /* also left for the sweep: a stuck process may be in it */
    s->sock = s->psock = s->box_fd = -1;
    s->nretire = s->nspare = s->have_next = 0;
    /* If no slot can start now, the next run of `s` tries again. */
    s->prep_err = -EAGAIN;
    err = sbx_slot_new(&fresh, -1);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start a slot to replace slot %d: %s", old,
               gv_strerror(err));
        return GV_EGIVEUP;
    }
    /* The fresh slot takes the place of the old in the caller's struct:
     * its helper is stopped while the fields move, and restarted on `s`.
     * Neither thread uses the locks meanwhile, so they are made anew. */
    helper_halt(fresh);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&fresh->lock);
    pthread_cond_destroy(&fresh->cond);
    memcpy(s, fresh, sizeof(*s));
    gv_free(fresh);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    err = helper_start(s);
    if (err < 0)
        gv_log(GV_LOG_ERROR, "sandbox", "slot %d: cannot start its helper thread", s->index);
    else
        gv_log(GV_LOG_WARN, "sandbox", "slot %d replaced by slot %d", old, s->index);
    return GV_EGIVEUP;
}

int sbx_slot_index(const struct sbx_slot *s)
{
    return s->index;
}

int sbx_slot_new(struct sbx_slot **out, int index)
{
    struct sbx_slot *s;
    int sv[2] = {-1, -1}, pv[2] = {-1, -1}, err;
    char why[256] = "";
    uid_t base = 0;
    long giveup_ms = SBX_GIVEUP_MS_DEFAULT;
    int pin_fd = -1;
    pid_t pid;

    err = sbx_check_host(why, sizeof(why));
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", index, why);
        return err;
    }
    err = uid_base(&base);
    if (err == 0)
        err = gv_config_get_long(&giveup_ms, "GAVEL_SANDBOX_GIVEUP_MS", SBX_GIVEUP_MS_DEFAULT, 100,
                                 3600L * 1000);
    /* An index asked for is checked before it is claimed: its uid is
     * known already, and a held index would hide why. */
    if (err == 0 && index >= 0 && index < SBX_SLOTS_MAX)
        err = uid_unused(slot_uid(base, index), index);
    if (err < 0)
        return err;
    s = gv_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->box_fd = -1;
    s->sock = -1;
    s->psock = -1;
    s->keeper = -1;
    s->giveup_ms = giveup_ms;
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
    for (int u = 0; u < SBX_UIDS_PER_SLOT; u++)
        s->uid[u] = slot_uid(base, s->index) + (uid_t)u;
    if (index < 0) {
        err = uid_unused(s->uid[0], s->index);
        if (err < 0)
            goto fail;
    }
    sbx__cgroup_sweep(s->index);
    /* Pinned to one core, so that concurrent runs do not disturb each
     * other's timing: a cpuset where v1 has one (the program cannot widen
     * it), its affinity in any case. Init and every process it prepares
     * inherit both from the keeper. */
    s->core = sbx__cgroup_core(s->index);
    sbx__cgroup_pin(s->pin, sizeof(s->pin), &pin_fd, s->index, s->core);
    /* Two sockets to init: runs go on one while the helper thread
     * prepares the next run's process on the other. */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pv) < 0) {
        err = -errno;
        goto fail_pairs;
    }
    /* All ends: our own at 0-2 is what a caller's stdio would reach, and
     * the keeper's there would be closed with its stdio. */
    err = fd_above_stdio(&sv[0]);
    if (err == 0)
        err = fd_above_stdio(&sv[1]);
    if (err == 0)
        err = fd_above_stdio(&pv[0]);
    if (err == 0)
        err = fd_above_stdio(&pv[1]);
    if (err == 0) {
        /* No blocking receive from init waits longer: READY on the run
         * socket, PREPARED (the process prepared during a run) on the
         * prepare socket. */
        struct timeval tv = {.tv_sec = giveup_ms / 1000, .tv_usec = giveup_ms % 1000 * 1000};
        if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(pv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
            err = -errno;
    }
    if (err < 0)
        goto fail_pairs;
    pid = fork();
    if (pid < 0) {
        err = -errno;
        goto fail_pairs;
    }
    if (pid == 0) {
        pin_self(pin_fd, s->core);
        sbx__keeper_main(sv[1], pv[1], s->uid);
    }
    if (pin_fd >= 0)
        close(pin_fd);
    pin_fd = -1;
    close(sv[1]);
    close(pv[1]);
    s->sock = sv[0];
    s->psock = pv[0];
    s->keeper = pid;
    err = sbx__slot_expect_ready(s, why, sizeof(why));
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", s->index, why);
        goto fail;
    }
    err = sbx__slot_prepare_next(s);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot start slot %d: %s", s->index, s->prep_why);
        s->prep_err = err; /* -EAGAIN: sbx_slot_free keeps the index */
        goto fail;
    }
    err = helper_start(s);
    if (err < 0)
        goto fail;
    *out = s;
    return 0;
fail_pairs:
    for (int i = 0; i < 2; i++) {
        if (sv[i] >= 0)
            close(sv[i]);
        if (pv[i] >= 0)
            close(pv[i]);
    }
fail:
    if (pin_fd >= 0)
        close(pin_fd);
    sbx_slot_free(s);
    return err;
}

void sbx_slot_free(struct sbx_slot *s)
{
    int stuck;

    if (!s)
        return;
    helper_halt(s);
    for (int i = 0; i < s->nretire; i++)
        sbx__cgroup_destroy(&s->retire[i]);
    for (int i = 0; i < s->nspare; i++)
        sbx__cgroup_destroy(&s->spare[i].cg);
    s->nretire = s->nspare = 0;
    /* EOF on its sockets makes init kill everything and exit. */
    if (s->sock >= 0)
        close(s->sock);
    if (s->psock >= 0)
        close(s->psock);
    if (s->box_fd >= 0)
        close(s->box_fd);
    /* A slot that did not answer in time (a prepare, its keeper's exit)
     * may still hold a process in uninterruptible sleep: as for a retired
     * slot, its index, uids and cgroups stay taken until this process
     * exits, for the index's next holder to sweep. */
    stuck = reap_keeper(s, s->giveup_ms) || s->prep_err == -EAGAIN;
    /* A prepared process that reported ready is killable (see
     * sbx__slot_replace). */
    if (s->have_next)
        sbx__cgroup_destroy(&s->next);
    if (stuck) {
        gv_log(GV_LOG_WARN, "sandbox",
               "slot %d was stuck: its index and uids stay taken until this process exits",
               s->index);
    } else {
        sbx__cgroup_unpin(s->pin);
        /* Last: the index (and its uids) is free only once nothing runs
         * as it. */
        if (s->lock_fd >= 0)
            close(s->lock_fd);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    gv_free(s);
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
