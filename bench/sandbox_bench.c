/* SPDX-License-Identifier: MIT
 * sandbox_bench.c - per-run cost of the sandbox against a plain fork+exec.
 *
 *   (a) fork + execve + waitpid of a static binary that returns at once;
 *   (b) a warm-pool run of the same binary: sbx_slot_run on a ready slot
 *       (its cgroup and process prepared between runs, as a judge's slot
 *       is while the judge compares output): limits, seccomp, exec, wait,
 *       measure;
 *   (b') the same, back to back: each run also waits for the slot's helper
 *       to retire the last cgroup and prepare the next (the worst case);
 *   (c) a cold sandbox per run: start a slot (namespaces, mounts, init),
 *       copy the binary in, run it, tear the slot down.
 *
 * usage: sandbox_bench [RUNS]   (default 1000; root only)
 * Prints p50 and p99 in microseconds and the ratios b/a and c/a. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_buf.h"
#include "sbx.h"
#include "banned.h"

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
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

int main(int argc, char **argv)
{
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
    double *t[4], p50[4], p99[4];
    struct gv_buf bin;
    struct sbx_slot *warm = NULL;
    char why[512], buf[65536];
    int fd, err;
    ssize_t n;

    if (runs < 10)
        runs = 10;
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
    for (int k = 0; k < 4; k++)
        t[k] = gv_calloc((size_t)runs, sizeof(double));

    err = sbx_slot_new(&warm, -1);
    if (err == 0)
        err = sbx_slot_put_file(warm, "true", bin.data, bin.len, 1);
    if (err < 0) {
        fprintf(stderr, "sandbox_bench: cannot start a slot\n");
        return 1;
    }
    /* Warm up caches (page cache, dentries, the first cgroup). */
    for (int i = 0; i < 20; i++) {
        plain_run();
        sandbox_run(warm);
    }
    /* Interleave (a) and (b) so that drift in the machine hits both. */
    for (int i = 0; i < runs; i++) {
        if (sbx_slot_wait_ready(warm) < 0)
            return 1;
        double t0 = now_us();
        if (plain_run() < 0)
            return 1;
        double t1 = now_us();
        if (sandbox_run(warm) < 0)
            return 1;
        double t2 = now_us();
        t[0][i] = t1 - t0;
        t[1][i] = t2 - t1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_us();
        if (sandbox_run(warm) < 0)
            return 1;
        t[3][i] = now_us() - t0;
    }
    sbx_slot_free(warm);
    for (int i = 0; i < runs; i++) {
        double t0 = now_us();
        if (cold_run(&bin) < 0)
            return 1;
        t[2][i] = now_us() - t0;
    }
    for (int k = 0; k < 4; k++) {
        qsort(t[k], (size_t)runs, sizeof(double), cmp_double);
        p50[k] = pct(t[k], runs, 0.50);
        p99[k] = pct(t[k], runs, 0.99);
    }
    printf("sandbox_bench: %d runs each, microseconds per run\n\n", runs);
    printf("%-34s %10s %10s %8s %8s\n", "", "p50", "p99", "p50/a", "p99/a");
    printf("%-34s %10.0f %10.0f %8.2f %8.2f\n", "(a) fork+exec+wait, static binary", p50[0], p99[0],
           1.0, 1.0);
    printf("%-34s %10.0f %10.0f %8.2f %8.2f\n", "(b) warm-pool run", p50[1], p99[1],
           p50[1] / p50[0], p99[1] / p99[0]);
    printf("%-34s %10.0f %10.0f %8.2f %8.2f\n", "(b') warm-pool run, back to back", p50[3], p99[3],
           p50[3] / p50[0], p99[3] / p99[0]);
    printf("%-34s %10.0f %10.0f %8.2f %8.2f\n", "(c) cold sandbox per run", p50[2], p99[2],
           p50[2] / p50[0], p99[2] / p99[0]);
    for (int k = 0; k < 4; k++)
        gv_free(t[k]);
    gv_buf_release(&bin);
    return 0;
}
