/* SPDX-License-Identifier: MIT
 * sandbox_bench.c - per-run cost of the sandbox against a plain spawn.
 *
 *   (a) fork + execve + waitpid of a static binary that returns at once,
 *       timed inside spawn_helper: a small process exec'd for the purpose,
 *       so that the baseline pays no more for its fork than a judge's loop
 *       of its own would;
 *   (a') the same from this process, which holds the slot pool (its fork
 *       copies a larger address space): shown, not used as the baseline;
 *   (b) a warm-pool run of the same binary: sbx_slot_run on a ready slot
 *       (its cgroup and process prepared, as they are while a judge
 *       compares output): limits, seccomp, exec, wait, measure;
 *   (b') the same, back to back: each run also waits for whatever of the
 *       next run's preparation did not fit in the run itself;
 *   (c) a cold sandbox per run: start a slot (namespaces, mounts, init),
 *       copy the binary in, run it, tear the slot down;
 *   (d) bubblewrap as a peer, from spawn_helper: `bwrap --unshare-all
 *       --ro-bind / / --dev /dev --proc /proc BINARY` (skipped without
 *       /usr/bin/bwrap).
 *
 * usage: sandbox_bench [RUNS] [warm]   (default 1000; root only; "warm"
 *        measures rows (a), (a'), (b) and (b') alone, e.g. under perf)
 * Prints p50 and p99 in microseconds and each row's ratio to (a), and the
 * load average before and after (on a shared host the figures mean little
 * without it). */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "sbx.h"
#include "banned.h"

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The first line of /proc/loadavg, or "?". */
static void loadavg(char *out, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "re");

    if (!f || !fgets(out, (int)len, f))
        snprintf(out, len, "?\n");
    if (f)
        fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static int plain_run(void)
{
    char *const argv[] = {(char *)SBX_BENCH_TRUE, NULL};
    char *const envp[] = {NULL};
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execve(SBX_BENCH_TRUE, argv, envp);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

static void job_init(struct sbx_job *job)
{
    static const char *const argv[] = {"/box/true", NULL};

    memset(job, 0, sizeof(*job));
    sbx_limits_init(&job->limits);
    job->argv = argv;
    job->profile = SBX_PROFILE_NATIVE;
    job->stdin_fd = -1;
}

static int sandbox_run(struct sbx_slot *s)
{
    struct sbx_job job;
    struct sbx_result r;
    int err;

    job_init(&job);
    err = sbx_slot_run(&r, s, &job);
    if (err < 0)
        return err;
    err = r.status == SBX_OK ? 0 : -1;
    if (err < 0)
        fprintf(stderr, "run failed: %s %s\n", sbx_status_name(r.status), r.message);
    sbx_result_release(&r);
    return err;
}

static int cold_run(const struct gv_buf *bin)
{
    struct sbx_slot *s = NULL;
    int err = sbx_slot_new(&s, -1);

    if (err < 0)
        return err;
    err = sbx_slot_put_file(s, "true", bin->data, bin->len, 1);
    if (err == 0)
        err = sandbox_run(s);
    sbx_slot_free(s);
    return err;
}

/* The baseline's own process (spawn_helper), fed command bytes. */
struct helper {
    pid_t pid;
    int cmd, res;
};

static int helper_start(struct helper *h)
{
    char *const argv[] = {(char *)SBX_BENCH_SPAWN, (char *)SBX_BENCH_TRUE, NULL};
    char *const envp[] = {NULL};
    posix_spawn_file_actions_t fa;
    int in[2], out[2], err;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    err = posix_spawn(&h->pid, SBX_BENCH_SPAWN, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    h->cmd = in[1];
    h->res = out[0];
    return -err;
}

/* One spawn by the helper ('p' plain, 'b' bubblewrap): its time in us, or < 0. */
static double helper_run(struct helper *h, char what)
{
    double t = -1;

    if (write(h->cmd, &what, 1) != 1 || read(h->res, &t, sizeof(t)) != (ssize_t)sizeof(t))
        return -1;
    return t;
}

static void helper_stop(struct helper *h)
{
    close(h->cmd);
    close(h->res);
    waitpid(h->pid, NULL, 0);
}

enum { ROW_A, ROW_A_OWN, ROW_B, ROW_B2, ROW_C, ROW_D, NROWS };

int main(int argc, char **argv)
{
    static const char *const names[NROWS] = {
        "(a) plain spawn, own small process", "(a') plain spawn from this process",
        "(b) warm-pool run", "(b') warm-pool run, back to back",
        "(c) cold sandbox per run", "(d) bubblewrap (bwrap --unshare-all)"};
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
    double *t[NROWS], p50[NROWS], p99[NROWS];
    struct gv_buf bin;
    struct helper h;
    struct sbx_slot *warm = NULL;
    char why[512], buf[65536], load0[128], load1[128];
    int warm_only = argc > 2 && strcmp(argv[2], "warm") == 0;
    int fd, err, have_bwrap = !warm_only && access("/usr/bin/bwrap", X_OK) == 0;
    ssize_t n;

    if (runs < 10)
        runs = 10;
    loadavg(load0, sizeof(load0));
    if (sbx_check_host(why, sizeof(why)) < 0) {
        fprintf(stderr, "sandbox_bench: %s\n", why);
        return 1;
    }
    gv_buf_init(&bin, 64 << 20);
    fd = open(SBX_BENCH_TRUE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(SBX_BENCH_TRUE);
        return 1;
    }
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        gv_buf_append(&bin, buf, (size_t)n);
    close(fd);
    for (int k = 0; k < NROWS; k++)
        t[k] = gv_calloc((size_t)runs, sizeof(double));
    /* Before the pool: the helper is a child of a still small process
     * (posix_spawn uses vfork semantics anyway). */
    if (helper_start(&h) < 0) {
        fprintf(stderr, "sandbox_bench: cannot start %s\n", SBX_BENCH_SPAWN);
        return 1;
    }

    err = sbx_slot_new(&warm, -1);
    if (err == 0)
        err = sbx_slot_put_file(warm, "true", bin.data, bin.len, 1);
    if (err < 0) {
        fprintf(stderr, "sandbox_bench: cannot start a slot\n");
        return 1;
    }
    /* Warm up caches (page cache, dentries, the first cgroup). */
    for (int i = 0; i < 20; i++) {
        helper_run(&h, 'p');
        plain_run();
        sandbox_run(warm);
    }
    /* Interleave (a), (a') and (b) so that drift in the machine hits all. */
    for (int i = 0; i < runs; i++) {
        if ((err = sbx_slot_wait_ready(warm)) < 0) {
            fprintf(stderr, "sandbox_bench: the slot is not ready: %s\n", gv_strerror(err));
            return 1;
        }
        t[ROW_A][i] = helper_run(&h, 'p');
        double t0 = now_us();
        if (t[ROW_A][i] < 0 || plain_run() < 0) {
            fprintf(stderr, "sandbox_bench: a plain spawn failed\n");
            return 1;
        }
        double t1 = now_us();
        if (sandbox_run(warm) < 0)
            return 1;
        double t2 = now_us();
        t[ROW_A_OWN][i] = t1 - t0;
        t[ROW_B][i] = t2 - t1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_us();
        if (sandbox_run(warm) < 0)
            return 1;
        t[ROW_B2][i] = now_us() - t0;
    }
    sbx_slot_free(warm);
    for (int i = 0; i < runs && !warm_only; i++) {
        double t0 = now_us();
        if (cold_run(&bin) < 0)
            return 1;
        t[ROW_C][i] = now_us() - t0;
    }
    for (int i = 0; i < runs && have_bwrap; i++) {
        t[ROW_D][i] = helper_run(&h, 'b');
        if (t[ROW_D][i] < 0) {
            fprintf(stderr, "sandbox_bench: bwrap failed; its row is left out\n");
            have_bwrap = 0;
        }
    }
    helper_stop(&h);
    loadavg(load1, sizeof(load1));
    for (int k = 0; k < NROWS; k++) {
        qsort(t[k], (size_t)runs, sizeof(double), cmp_double);
        p50[k] = pct(t[k], runs, 0.50);
        p99[k] = pct(t[k], runs, 0.99);
    }
    printf("sandbox_bench: %d runs each, microseconds per run\n", runs);
    printf("load average before: %safter:  %s\n", load0, load1);
    printf("%-38s %10s %10s %8s %8s\n", "", "p50", "p99", "p50/a", "p99/a");
    for (int k = 0; k < NROWS; k++) {
        if ((k == ROW_D && !have_bwrap) || (k == ROW_C && warm_only))
            continue;
        printf("%-38s %10.0f %10.0f %8.2f %8.2f\n", names[k], p50[k], p99[k], p50[k] / p50[ROW_A],
               p99[k] / p99[ROW_A]);
    }
    for (int k = 0; k < NROWS; k++)
        gv_free(t[k]);
    gv_buf_release(&bin);
    return 0;
}
