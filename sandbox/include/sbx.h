/* SPDX-License-Identifier: MIT
 * sbx.h - run untrusted programs in isolated, pre-warmed slots.
 *
 * A slot is a waiting init process (pid 1 of its own pid namespace) inside
 * fresh mount, network, ipc and uts namespaces, with a read-only root made of
 * bind mounts and a private tmpfs at /box (the working directory) and /tmp.
 * A run forks from that init: the child joins a fresh cgroup, enters a new
 * user and cgroup namespace, drops to an unprivileged uid, applies rlimits
 * and a seccomp allow-list, and execs. See docs/SANDBOX.md for the theory of
 * operation.
 *
 * Typical use (one job = compile, then run, in the same slot):
 *
 *     struct sbx_slot *s;
 *     err = sbx_slot_new(&s, -1);                  // first free index
 *     err = sbx_slot_put_file(s, "main.c", src, len);
 *     err = sbx_slot_run(&res, s, &compile_job);   // res.status, res.out ...
 *     err = sbx_slot_run(&res, s, &run_job);
 *     sbx_result_release(&res);
 *     err = sbx_slot_reset(s);                     // wipe /box and /tmp
 *     sbx_slot_free(s);
 *
 * Every function returns 0 or a negative code (-errno or GV_E*) when the
 * *sandbox* failed; what the program did is in struct sbx_result. A slot is
 * used by one thread at a time; struct sbx_pool hands slots to threads.
 * The caller must be root (real uid 0 with all capabilities). */
#ifndef GV_SBX_H
#define GV_SBX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gv_buf.h"
#include "gv_lang.h"

/* The program's verdict. SBX_SE means the sandbox failed and the result
 * must never be blamed on the contestant (rejudge). */
enum sbx_status { SBX_OK, SBX_TLE, SBX_MLE, SBX_RE, SBX_OLE, SBX_SE };

const char *sbx_status_name(enum sbx_status st); /* "OK", "TLE", ... */

/* The seccomp allow-list to apply. NATIVE is for compiled C and C++
 * programs; COMPILER is for gcc/g++/javac (processes, pipes, files). */
enum sbx_profile {
    SBX_PROFILE_NATIVE,
    SBX_PROFILE_PYTHON,
    SBX_PROFILE_JAVA,
    SBX_PROFILE_COMPILER,
};

/* Limits of one run. 0 in a field means "the default" of sbx_limits_init. */
struct sbx_limits {
    int64_t cpu_ms;       /* user+sys CPU of the whole cgroup */
    int64_t wall_ms;      /* wall clock from exec request to exit */
    int64_t memory_bytes; /* cgroup memory (swap forbidden); also RLIMIT_STACK */
    int64_t output_bytes; /* stdout + stderr bytes the program may write */
    int64_t fsize_bytes;  /* RLIMIT_FSIZE: largest file it may write */
    int64_t pids;         /* cgroup pids.max: processes + threads */
    int64_t nofile;       /* RLIMIT_NOFILE */
};

/* Defaults of the issue: 1 s CPU, 3 s wall, 256 MB, 64 MB output,
 * 64 MB files, 64 tasks, 64 fds. */
void sbx_limits_init(struct sbx_limits *l);

struct sbx_job {
    const char *const *argv; /* argv[0] is an absolute path inside the box */
    enum sbx_profile profile;
    struct sbx_limits limits;
    /* stdin of the program, or -1 for empty. The slot passes this very
     * descriptor to the program, so it must be something the program may
     * not misuse: a pipe or a sealed memfd (see sbx_stdin_from_buf). */
    int stdin_fd;
    size_t capture_max; /* stdout/stderr bytes kept in the result; 0 = 64 KiB */
    /* Whether the program may write /box. The COMPILER profile always may
     * (its output is what later runs execute); any other run sees /box
     * read-only unless this is set, so one test of a submission cannot
     * leave files (or tmpfs pages charged to nobody) for the next. Only
     * for trusted programs that must leave a file behind: a jury
     * validator's feedback. /tmp is fresh for every run either way. */
    int box_writable;
    /* Called once on the caller's thread as soon as the job has been handed
     * to the slot, before the measuring loop: the caller's own work that
     * would otherwise wait for the run (a judge reads this test's answer
     * and the next test's input, and reports the last test) overlaps the
     * program's start. Keep it short: the loop waits for it, so a long one
     * delays the limits' checks (never the measures: CPU and memory come
     * from the cgroup, the wall clock starts when the program's exec is
     * seen). NULL: nothing. */
    void (*meanwhile)(void *ctx);
    void *meanwhile_ctx;
};

struct sbx_result {
    enum sbx_status status;
    int exit_code; /* when it exited; else -1 */
    int signal;    /* when killed by a signal (SIGSYS for seccomp); else 0 */
    int64_t cpu_ms;
    int64_t wall_ms;
    int64_t memory_kb; /* cgroup peak */
    struct gv_buf out; /* first capture_max bytes of stdout */
    struct gv_buf err; /* first capture_max bytes of stderr */
    int64_t out_total; /* bytes written to stdout + stderr */
    char syscall[32];  /* name of the syscall seccomp refused, or "" */
    char message[256]; /* for SBX_SE: what failed */
};

void sbx_result_init(struct sbx_result *r);
void sbx_result_release(struct sbx_result *r);

/* Makes a sealed, read-only memfd holding `len` bytes: a safe stdin. */
int sbx_stdin_from_buf(int *out_fd, const void *data, size_t len);

/* Checks that the sandbox can work here (root, cgroup controllers,
 * seccomp notify). On failure writes what is missing into msg. */
int sbx_check_host(char *msg, size_t msg_len);

struct sbx_slot;

/* Starts a slot and prepares its first cgroup. The slot index selects the
 * slot's two host uids (base + 2 index and base + 2 index + 1: runs
 * alternate, so the next run's process, prepared during a run, never
 * shares its uid) and names its cgroups; it is claimed host-wide (a lock
 * file under /run/gavel), so slots of different processes never share a
 * uid. index < 0 takes the first free index; index >= 0 takes exactly that
 * one, -EBUSY if it is held. The base is the setting
 * GAVEL_SANDBOX_UID_BASE (default 2000000000; GV_ECONFIG when out of
 * range); -EEXIST when a uid or gid of the slot belongs to a user or group
 * of the host. The slot is pinned to one core (docs/SANDBOX.md, "CPU
 * pinning"). *out is owned by the caller: sbx_slot_free. */
int sbx_slot_new(struct sbx_slot **out, int index);
void sbx_slot_free(struct sbx_slot *s);
int sbx_slot_index(const struct sbx_slot *s);

/* Writes a file into /box (a single path component, never following a
 * link), readable by the program, executable when `exec` is set. */
int sbx_slot_put_file(struct sbx_slot *s, const char *name, const void *data, size_t len, int exec);

/* Reads /box/<name> back into `out` (bounded by out->max). Refuses links,
 * FIFOs, devices and directories the program may have planted: GV_EINVAL. */
int sbx_slot_get_file(struct gv_buf *out, struct sbx_slot *s, const char *name);

/* Removes /box/<name> if present (a link or FIFO itself, not its target). */
int sbx_slot_remove_file(struct sbx_slot *s, const char *name);

/* Runs one job. `out` is initialised here; release it with
 * sbx_result_release. After it returns, no process of the run is left and
 * the next run's process is prepared, or being prepared (that began as
 * soon as this run had started, under the slot's other uid); files in /box
 * persist until sbx_slot_reset (only the compile step and box_writable
 * jobs can write there), /tmp is fresh for every run.
 *
 * GV_EGIVEUP: the slot's init did not report the end of the run within
 * the wall limit plus GAVEL_SANDBOX_GIVEUP_MS, or did not prepare the
 * run's process within GAVEL_SANDBOX_GIVEUP_MS (a process stuck in
 * uninterruptible sleep, a stuck init). The run did not happen; the slot
 * was retired (its index and uids stay claimed until the process exits) and
 * `s` is now a fresh slot with another index and an empty /box: start the
 * job over, the submission's compile step included. */
int sbx_slot_run(struct sbx_result *out, struct sbx_slot *s, const struct sbx_job *job);

/* Waits until the slot's next run is prepared (its cgroup created and its
 * process waiting inside), which a helper thread does as soon as each
 * run has started.
 * sbx_slot_run waits for this itself; a caller with idle time may call it
 * to keep the wait off its critical path. Returns < 0 if preparing failed. */
int sbx_slot_wait_ready(struct sbx_slot *s);

/* Wipes /box (and /tmp) by mounting fresh tmpfs instances over them.
 * GV_EGIVEUP as for sbx_slot_run when init does not answer in time (the
 * slot is replaced, and empty too). */
int sbx_slot_reset(struct sbx_slot *s);

/* A pool of slots shared by threads: acquire blocks until one is free. */
struct sbx_pool;

int sbx_pool_new(struct sbx_pool **out, int nslots); /* nslots <= 0: one per core */
void sbx_pool_free(struct sbx_pool *p);
struct sbx_slot *sbx_pool_acquire(struct sbx_pool *p);
/* Resets the slot and makes it available again. */
int sbx_pool_release(struct sbx_pool *p, struct sbx_slot *s);

/* --- Languages (the table is gv_lang.h) ---------------------------------- */

/* The seccomp profile a language's programs run under. */
enum sbx_profile sbx_lang_profile(const struct gv_lang *lang);

/* Limits of the compile step: the compiler is untrusted too, since the
 * source decides what it reads and how long it works. */
void sbx_lang_compile_limits(struct sbx_limits *l, const struct gv_lang *lang);

/* The compile and run command lines of `lang` for the source `src`, with
 * the table's placeholders filled in: out->src_name is the file name to
 * write the source as (a Java source is named after its class), and
 * `run_limits` size the JVM. Strings live in `out` (out->store) or in the
 * table. GV_ETOOBIG when they do not fit, GV_EINVAL for a placeholder the
 * sandbox does not know (a mistake in the table). */
struct sbx_lang_cmds {
    const char *src_name;
    const char *compile[GV_LANG_ARGV_MAX];
    const char *run[GV_LANG_ARGV_MAX];
    char store[1024];
};
int sbx_lang_cmds(struct sbx_lang_cmds *out, const struct gv_lang *lang, const char *src,
                  size_t src_len, const struct sbx_limits *run_limits);

#endif
