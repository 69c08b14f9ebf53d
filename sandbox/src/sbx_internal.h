/* SPDX-License-Identifier: MIT
 * sbx_internal.h - shared inside sandbox/ only. */
#ifndef GV_SBX_INTERNAL_H
#define GV_SBX_INTERNAL_H

#include <linux/filter.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx.h"

/* One cgroup per run. On v1 it is a directory in each of the memory,
 * cpuacct and pids hierarchies; on v2 one directory. The `procs` fds are
 * opened by the (root) supervisor and handed to the run's child, which
 * writes "0" to join: no host pid ever crosses a namespace boundary. */
#define SBX_CG_MAX_CTRL 3

struct sbx__cgroup {
    int v2;
    int nctrl;
    char path[SBX_CG_MAX_CTRL][256]; /* one per controller (v1) or one (v2) */
    int procs_fd[SBX_CG_MAX_CTRL];
    int cpu_fd; /* cpuacct.usage or cpu.stat, kept open: polled during the run */
    int64_t sampled_peak; /* v2 without memory.peak: max of memory.current */
};

int sbx__cgroup_detect(char *msg, size_t msg_len);

/* Where the hierarchies are mounted, from /proc/self/mountinfo text. */
struct sbx__cg_mounts {
    char v2[200];                       /* the first cgroup2 mount point, or "" */
    char v1[SBX_CG_MAX_CTRL][200];      /* memory, cpuacct, pids (v1), or "" */
    char v1_root[SBX_CG_MAX_CTRL][200]; /* the hierarchy path mounted there; "" = its root */
    char cpuset[200], cpuset_root[200];  /* the v1 cpuset hierarchy, likewise */
};
/* 0, or GV_ENOTFOUND when no cgroup file system is mounted at all. */
int sbx__cgroup_parse_mounts(struct sbx__cg_mounts *out, const char *mountinfo);
/* The path of the caller's cgroup in hierarchy `ctrl` ("" = v2) from
 * /proc/self/cgroup text; "" for the root. */
int sbx__cgroup_parse_self(char *out, size_t len, const char *proc_self_cgroup, const char *ctrl);

/* Tests only: detect against fixture text and a directory imitating
 * cgroupfs instead of the host (no root needed); NULL goes back to the host.
 * Either way the next sbx__cgroup_detect starts afresh. */
struct sbx__cgroup_fixture {
    const char *mountinfo;   /* text of /proc/self/mountinfo */
    const char *self_cgroup; /* text of /proc/self/cgroup */
    const char *prefix;      /* prepended to every mount point */
    /* Called after each mkdir: a fixture creates the interface files
     * (cgroup.procs, memory.max, ...) that cgroupfs would. */
    void (*on_mkdir)(const char *path);
};
void sbx__cgroup_use_fixture(const struct sbx__cgroup_fixture *fx);
int sbx__cgroup_create(struct sbx__cgroup *cg, int slot, uint64_t seq);
int sbx__cgroup_set_limits(struct sbx__cgroup *cg, const struct sbx_limits *l);
int sbx__cgroup_cpu_ms(struct sbx__cgroup *cg, int64_t *out);
/* Called once the next run's process waits inside: forgets the memory peak
 * and limit events of its setup (v1; v2 cannot reset memory.peak for all
 * readers, and the setup's few pages stay in it) and returns the CPU it
 * used so far, to be subtracted. */
int sbx__cgroup_rebase(struct sbx__cgroup *cg, int64_t *out_cpu_ms);
int sbx__cgroup_mem_peak_kb(struct sbx__cgroup *cg, int64_t *out);
/* 1 when the memory limit was hit (OOM kill or allocation failure). */
int sbx__cgroup_mem_hit(struct sbx__cgroup *cg);
/* SIGKILLs every task until the cgroup is empty. */
int sbx__cgroup_kill(struct sbx__cgroup *cg);
/* Kills what is left, then removes the directories. */
void sbx__cgroup_destroy(struct sbx__cgroup *cg);
/* For a cgroup whose processes may never die (uninterruptible sleep):
 * signals each member once, closes the descriptors and leaves the
 * directories to sbx__cgroup_sweep. */
void sbx__cgroup_abandon(struct sbx__cgroup *cg);
/* Kills and removes the run cgroups of slot index `slot` made in our pid
 * namespace: called by the new holder of the index, so whatever is there
 * was left by an earlier holder that died. The count removed, or an error. */
int sbx__cgroup_sweep(int slot);
/* CPU pinning. The core slot `slot` runs on: of the CPUs the supervisor
 * may use (its affinity when the cgroups were detected), number
 * (slot / 2) mod their count, so that a gavel-judge's two slots (claimed
 * one after the other) share one core and the next worker's take the next
 * core. */
int sbx__cgroup_core(int slot);
/* v1 with a cpuset hierarchy: makes p<slot>-<pid>-<pid ns> under its
 * gavel-sbx, limited to `core`, writes its path to `path` and opens its
 * "tasks" for the slot's keeper to join (everything the slot starts stays
 * inside: a program cannot widen its affinity past it). GV_EUNAVAIL where
 * there is no v1 cpuset (then only sched_setaffinity pins the slot; on v2
 * each run cgroup gets cpuset.cpus when the controller is there). */
int sbx__cgroup_pin(char *path, size_t len, int *join_fd, int slot, int core);
/* Removes a pin cgroup once its processes are gone. */
void sbx__cgroup_unpin(const char *path);
/* Samples memory.current where no peak file exists (v2 before 5.19). */
void sbx__cgroup_sample(struct sbx__cgroup *cg);

/* Compiles the allow-list of `profile` to classic BPF once (libseccomp is
 * too slow to run per exec): *out owns a gv_malloc'd filter. The filter's
 * default action is SECCOMP_RET_USER_NOTIF, so a refused syscall blocks
 * until the supervisor, holding the listener, reads its number and kills
 * the run. */
struct sock_fprog;
int sbx__seccomp_build(struct sock_fprog *out, enum sbx_profile profile);

/* Raw system calls: the result, or -errno; errno itself is never written.
 * The run's child is prepared in init's own memory (a CLONE_VM clone, see
 * start_prepare in sbx_slot_init.c), where errno, glibc's thread-local
 * state, is init's: a child setting it could change what init reads after
 * its own failed call (an EINTR in a reap loop). The child therefore makes
 * only these calls, and the slot's messages (sbx_io.c) go through them too.
 * Elsewhere than x86-64 and arm64 they are glibc's syscall(), and the
 * child is an ordinary copy of init (SBX_SHARED_VM 0). */
#if defined(__x86_64__)
#define SBX_SHARED_VM 1
static inline long sbx__rsys6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
#define SBX_SHARED_VM 1
static inline long sbx__rsys6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;

    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory", "cc");
    return x0;
}
#else
#include <errno.h>
#include <unistd.h>
#define SBX_SHARED_VM 0
static inline long sbx__rsys6(long nr, long a, long b, long c, long d, long e, long f)
{
    long ret = syscall(nr, a, b, c, d, e, f);

    return ret < 0 ? -errno : ret;
}
#endif
#define SBX__RSYS(nr, a, b, c, d, e, f, ...)                                                       \
    sbx__rsys6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
/* SBX_RSYS(SYS_close, fd): missing arguments are 0. */
#define SBX_RSYS(...) SBX__RSYS(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

/* Appends everything `fd` yields to `b` (bounded by b->max: GV_ETOOBIG). */
int sbx__read_all(int fd, struct gv_buf *b);
/* Writes all `len` bytes, retrying short writes and EINTR. */
int sbx__write_all(int fd, const void *data, size_t len);

/* ---- a slot, shared by the three files its code is split into ------------------------ */

/* A slot's code is split by where it runs (see the top of sbx_slot.c):
 * sbx_slot.c, its life and helper thread; sbx_supervise.c, the caller's
 * side of a run; sbx_slot_init.c, the slot's own processes. */
#define SBX_ARGS_MAX 3072
#define SBX_SPARES 2     /* cgroups made ahead of need: limits written, still empty */
#define SBX_RETIRE_MAX 8 /* finished runs' cgroups waiting to be removed */

enum sbx__msg_type {
    SBX_MSG_READY = 1, /* init -> sup: fd = O_PATH /box */
    SBX_MSG_RUN,       /* sup -> init: fds = stdin, stdout, stderr, cgroup.procs... */
    SBX_MSG_KILL,      /* sup -> init */
    SBX_MSG_RESET,     /* sup -> init; answered with READY */
    SBX_MSG_LISTENER,  /* child -> sup: fd = seccomp listener; the program starts now */
    SBX_MSG_ERROR,     /* init or child -> sup: the sandbox failed */
    SBX_MSG_DONE,      /* init -> sup: wait status of the run's child */
    SBX_MSG_PREPARE,   /* helper -> init (prepare socket): fds = the next cgroup's join files */
    SBX_MSG_PREPARED,  /* init -> helper: status 0 or -errno, text says what failed */
};

struct sbx__msg {
    int type;
    int status;    /* DONE: wait status; ERROR: -errno */
    int profile;   /* RUN */
    int has_stdin; /* RUN */
    int box_rw;    /* RUN: /box stays writable (compile step, box_writable);
                    * PREPARE: the guess for the next run (the last run's) */
    int final;     /* ERROR: no DONE follows (init itself failed) */
    struct sbx_limits limits;
    char text[SBX_ARGS_MAX]; /* RUN: argv, NUL-separated, empty string last; ERROR: what */
};

/* A cgroup made ahead of need and the limits already written into it. */
struct sbx__spare {
    struct sbx__cgroup cg;
    struct sbx_limits limits;
};

/* Host uids per slot: runs alternate between them, so that the next run's
 * process, prepared while a run goes on, never shares the running
 * program's uid (see "Preparing the next run" in docs/SANDBOX.md). */
#define SBX_UIDS_PER_SLOT 2

struct sbx_slot {
    int index;
    int lock_fd; /* flock'd /run/gavel/slot-<index>.lock: the index and uids are ours */
    pid_t keeper;
    int sock;  /* runs, resets: the caller's thread */
    int psock; /* PREPARE/PREPARED: the helper thread's alone */
    int box_fd;
    uid_t uid[SBX_UIDS_PER_SLOT];
    uint64_t seq;
    /* The next run's cgroup, with a prepared child already inside it, and
     * the limits already written to it (the last run's: usually the same). */
    struct sbx__cgroup next;
    int have_next;
    struct sbx_limits next_limits;
    int next_box_rw;  /* the last run's box_rw: the guess the next is prepared with */
    int64_t cpu_base; /* the prepared child's own setup CPU, subtracted */
    /* The helper thread prepares the next run's process as soon as a run
     * has started (helper_busy: the next run waits for that alone), and
     * then, while the caller works, removes finished cgroups and makes
     * spare ones, so that neither mkdir nor rmdir is on the way of a run
     * that follows another at once. `lock` guards the fields below it and
     * next_limits, next_box_rw and seq (the helper reads them). */
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
    /* GAVEL_SANDBOX_GIVEUP_MS: how long past a run's wall limit (or, for
     * any other request, at all) the supervisor waits for init to answer
     * before it retires the slot (sbx__slot_replace). Also both sockets'
     * SO_RCVTIMEO, so no blocking receive waits longer: not the caller's
     * (READY), nor the helper's for the process it prepares during a run
     * (PREPARED). */
    int64_t giveup_ms;
    int core;      /* the CPU the slot's processes run on (sbx__cgroup_core) */
    char pin[256]; /* its v1 cpuset cgroup, or "" */
};

/* Built once per process by sbx_check_host, before any slot starts: a
 * slot's processes inherit them through fork and load them by profile. */
extern struct sock_fprog sbx__profiles[4];

/* The messages on a slot's socket (sbx_io.c). Descriptors travel with a
 * message as SCM_RIGHTS, at most 8. Both leave errno alone (SBX_RSYS): the
 * run's child sends and receives them in init's memory. */
int sbx__msg_send(int sock, const struct sbx__msg *m, size_t len, const int *fds, int nfds);
/* Receives one message; *nfds in = room in fds, out = received. Returns
 * the byte count, 0 on EOF, or -errno. Descriptors arrive close-on-exec. */
ssize_t sbx__msg_recv(int sock, struct sbx__msg *m, int *fds, int *nfds);

/* The keeper, in the child of sbx_slot_new's fork: moves `sock` to fd 3
 * and `psock` to fd 4, closes every other descriptor (0-2 included,
 * reopened on /dev/null), unshares the slot's namespaces and forks the
 * slot's init, which then serves both until EOF; `uid` are the slot's two
 * host uids. Never returns. */
__attribute__((noreturn)) void sbx__keeper_main(int sock, int psock,
                                                const uid_t uid[SBX_UIDS_PER_SLOT]);

/* Waits for READY from init and keeps the O_PATH descriptor of /box it
 * carries; on failure writes why into `why`. */
int sbx__slot_expect_ready(struct sbx_slot *s, char *why, size_t why_len);

/* Takes a spare cgroup (or makes one), brings its limits up to the last
 * run's and has init prepare the next run's process in it, through the
 * prepare socket (psock). Called by the helper thread, or inline when the
 * helper is idle (sbx__slot_wait_helper first): psock is the helper's
 * alone while it works, and the run socket is never used here, so a run
 * may go on meanwhile. */
int sbx__slot_prepare_next(struct sbx_slot *s);
/* Waits for the prepare request the helper is working on, if any (never for
 * its removals and spares). */
void sbx__slot_wait_helper(struct sbx_slot *s);
/* Asks the helper for the next run's process: called as soon as a run has
 * started, so that the preparation overlaps it. */
void sbx__slot_kick_helper(struct sbx_slot *s);
/* Hands a finished run's cgroup to the helper for removal. Only a full
 * queue (a helper that cannot keep up) makes the caller remove one itself. */
void sbx__slot_retire(struct sbx_slot *s, struct sbx__cgroup *done);
/* Whether `err`, from a request to init, says init is lost: it did not
 * answer within giveup_ms (-EAGAIN) or it is gone (EOF, a reset or broken
 * socket). Either way the slot is replaced, never used again. */
bool sbx__init_lost(int err);
/* Init did not answer within giveup_ms (a run's DONE, READY, the helper's
 * PREPARED; `cause` -EAGAIN), died, or could not reset the box (any other
 * `cause`, named in the log): retires the slot (its keeper and init are killed, its index
 * and both uids stay claimed until the process exits so that nothing
 * reuses them while a stuck process may still live, and `stuck`, the
 * cgroup of the run that never ended, and the prepared process's cgroup
 * are killed once and left for the sweep of the index's next holder) and
 * starts a fresh slot in the same struct, with another index. Returns
 * GV_EGIVEUP, the caller's code for "this run did not happen: judge it
 * again"; the box is empty now. */
int sbx__slot_replace(struct sbx_slot *s, struct sbx__cgroup *stuck, const char *what, int cause);

#endif
