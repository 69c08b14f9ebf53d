/* SPDX-License-Identifier: MIT
 * sbx_cgroup.c - one fresh cgroup per run, on cgroup v1 or v2.
 *
 * Theory of operation. At start, sbx__cgroup_detect() picks the hierarchy:
 * v2 when /sys/fs/cgroup is cgroup2; v1 when the memory, cpuacct and pids
 * controllers are mounted under /sys/fs/cgroup/<name> (hybrid hosts); v2 at
 * /sys/fs/cgroup/unified when that one holds the memory and pids
 * controllers. Run cgroups live under a "gavel-sbx" directory next to the
 * caller's own cgroup (v1) or under /sys/fs/cgroup/gavel-sbx (v2, whose
 * "no internal processes" rule forbids nesting under a cgroup that holds
 * the caller); GAVEL_SANDBOX_CGROUP names another, delegated, v2 parent.
 *
 * A v1 memory cgroup keeps its peak (max_usage_in_bytes) and failcnt for
 * its whole life, so a cgroup is never reused: each slot creates the next
 * one while idle and destroys the previous one after the run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "sbx_internal.h"
#include "banned.h"

static const char *const v1_ctrl[SBX_CG_MAX_CTRL] = {"memory", "cpuacct", "pids"};
enum { CG_MEM = 0, CG_CPU = 1, CG_PIDS = 2 };

static struct {
    int detected; /* 0 not yet, 1 ok, < 0 the error */
    int v2;
    int memsw;                       /* v1: memory.memsw.* present */
    int peak_file;                   /* v2: memory.peak present */
    char base[SBX_CG_MAX_CTRL][200]; /* parent of the run cgroups */
    char why[640];
} cg_host;

static int write_file(const char *dir, const char *name, const char *val)
{
    char path[320];
    int fd, err = 0;
    size_t len = strlen(val);

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, val, len) != (ssize_t)len)
        err = -errno;
    close(fd);
    return err;
}

static int read_file(char *buf, size_t size, const char *dir, const char *name)
{
    char path[320];
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

static int read_i64(int64_t *out, const char *dir, const char *name)
{
    char buf[64];
    int err = read_file(buf, sizeof(buf), dir, name);

    if (err < 0)
        return err;
    *out = strtoll(buf, NULL, 10);
    return 0;
}

/* Value of "key N" in a flat-keyed file such as cpu.stat or memory.events. */
static int read_key(int64_t *out, const char *dir, const char *name, const char *key)
{
    char buf[2048];
    size_t klen = strlen(key);
    int err = read_file(buf, sizeof(buf), dir, name);

    if (err < 0)
        return err;
    for (char *line = buf; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, key, klen) && line[klen] == ' ') {
            *out = strtoll(line + klen + 1, NULL, 10);
            return 0;
        }
    }
    return GV_ENOTFOUND;
}

/* The caller's own cgroup path in hierarchy `ctrl` ("" for v2). */
static int self_cgroup(char *out, size_t len, const char *ctrl)
{
    char line[512];
    FILE *f = fopen("/proc/self/cgroup", "re");
    int err = GV_ENOTFOUND;

    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        line[strcspn(line, "\n")] = '\0';
        c2[1 + strcspn(c2 + 1, "\n")] = '\0';
        /* The list may name several controllers: "cpu,cpuacct". */
        int match = 0;
        if (*ctrl == '\0') {
            match = c1[1] == '\0';
        } else {
            for (char *t = c1 + 1; t && *t;) {
                size_t n = strcspn(t, ",");
                if (n == strlen(ctrl) && !strncmp(t, ctrl, n))
                    match = 1;
                t = t[n] ? t + n + 1 : NULL;
            }
        }
        if (match) {
            snprintf(out, len, "%s", strcmp(c2 + 1, "/") ? c2 + 1 : "");
            err = 0;
            break;
        }
    }
    fclose(f);
    return err;
}

static int mkdir_p1(const char *path)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int detect_v2(const char *root)
{
    char buf[512], self[200] = "";
    const char *env = getenv("GAVEL_SANDBOX_CGROUP");
    int err;

    err = read_file(buf, sizeof(buf), root, "cgroup.controllers");
    if (err < 0 || !strstr(buf, "memory") || !strstr(buf, "pids")) {
        snprintf(cg_host.why, sizeof(cg_host.why),
                 "cgroup v2 at %s lacks the memory or pids controller", root);
        return GV_EUNAVAIL;
    }
    if (env && *env) {
        snprintf(cg_host.base[0], sizeof(cg_host.base[0]), "%s", env);
    } else {
        err = self_cgroup(self, sizeof(self), "");
        if (err < 0)
            return err;
        /* The root cgroup may hold processes and still delegate controllers;
         * any other cgroup of ours may not, so without a configured parent
         * we use a top-level one (we are root). */
        snprintf(cg_host.base[0], sizeof(cg_host.base[0]), "%s/gavel-sbx", root);
        err = write_file(root, "cgroup.subtree_control", "+memory +pids +cpu");
        if (err < 0)
            err = write_file(root, "cgroup.subtree_control", "+memory +pids");
        if (err < 0) {
            snprintf(cg_host.why, sizeof(cg_host.why),
                     "cannot enable memory and pids controllers in %s: %s", root, gv_strerror(err));
            return err;
        }
    }
    err = mkdir_p1(cg_host.base[0]);
    if (err < 0)
        goto fail;
    err = write_file(cg_host.base[0], "cgroup.subtree_control", "+memory +pids +cpu");
    if (err < 0)
        err = write_file(cg_host.base[0], "cgroup.subtree_control", "+memory +pids");
    if (err < 0)
        goto fail;
    cg_host.peak_file = -1; /* decided on the first run cgroup */
    cg_host.v2 = 1;
    return 0;
fail:
    snprintf(cg_host.why, sizeof(cg_host.why), "cannot prepare cgroup '%s': %s", cg_host.base[0],
             gv_strerror(err));
    return err;
}

static int detect_v1(void)
{
    char self[128], dir[64];
    int err;

    for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
        snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", v1_ctrl[i]);
        err = self_cgroup(self, sizeof(self), v1_ctrl[i]);
        if (err < 0) {
            snprintf(cg_host.why, sizeof(cg_host.why), "cgroup v1 controller '%s' is not mounted",
                     v1_ctrl[i]);
            return GV_EUNAVAIL;
        }
        if (snprintf(cg_host.base[i], sizeof(cg_host.base[i]), "%s%s/gavel-sbx", dir, self) >=
            (int)sizeof(cg_host.base[i]))
            return GV_ETOOBIG;
        err = mkdir_p1(cg_host.base[i]);
        if (err < 0) {
            snprintf(cg_host.why, sizeof(cg_host.why), "cannot create cgroup '%s': %s",
                     cg_host.base[i], gv_strerror(err));
            return err;
        }
    }
    /* Children inherit the hierarchy setting; 1 makes limits nest. */
    write_file(cg_host.base[CG_MEM], "memory.use_hierarchy", "1");
    cg_host.memsw = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
    cg_host.v2 = 0;
    return 0;
}

int sbx__cgroup_detect(char *msg, size_t msg_len)
{
    struct statfs sfs;
    int err;

    if (cg_host.detected) {
        if (cg_host.detected < 0 && msg)
            snprintf(msg, msg_len, "%s", cg_host.why);
        return cg_host.detected < 0 ? cg_host.detected : 0;
    }
    if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
        err = detect_v2("/sys/fs/cgroup");
    else if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0)
        err = detect_v1();
    else if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
        err = detect_v2("/sys/fs/cgroup/unified");
    else {
        snprintf(cg_host.why, sizeof(cg_host.why), "no cgroup hierarchy at /sys/fs/cgroup");
        err = GV_EUNAVAIL;
    }
    cg_host.detected = err < 0 ? err : 1;
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "sandbox", "cannot use cgroups: %s", cg_host.why);
        if (msg)
            snprintf(msg, msg_len, "%s", cg_host.why);
    }
    return err;
}

int sbx__cgroup_create(struct sbx__cgroup *cg, int slot, uint64_t seq)
{
    int err = sbx__cgroup_detect(NULL, 0);

    if (err < 0)
        return err;
    memset(cg, 0, sizeof(*cg));
    cg->v2 = cg_host.v2;
    cg->nctrl = cg_host.v2 ? 1 : SBX_CG_MAX_CTRL;
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++)
        cg->procs_fd[i] = -1;
    for (int i = 0; i < cg->nctrl; i++) {
        char p[320];
        if (snprintf(cg->path[i], sizeof(cg->path[i]), "%s/s%d-%llu-%d", cg_host.base[i], slot,
                     (unsigned long long)seq, (int)getpid()) >= (int)sizeof(cg->path[i])) {
            err = GV_ETOOBIG;
            cg->nctrl = i;
            goto fail;
        }
        if (mkdir(cg->path[i], 0700) < 0) {
            err = -errno;
            gv_log(GV_LOG_ERROR, "sandbox", "cannot create cgroup '%s': %s", cg->path[i],
                   gv_strerror(err));
            cg->nctrl = i;
            goto fail;
        }
        snprintf(p, sizeof(p), "%s/cgroup.procs", cg->path[i]);
        cg->procs_fd[i] = open(p, O_WRONLY | O_CLOEXEC);
        if (cg->procs_fd[i] < 0) {
            err = -errno;
            cg->nctrl = i + 1;
            goto fail;
        }
    }
    if (cg->v2 && cg_host.peak_file < 0) {
        char pk[320];
        snprintf(pk, sizeof(pk), "%s/memory.peak", cg->path[0]);
        cg_host.peak_file = access(pk, F_OK) == 0;
    }
    return 0;
fail:
    sbx__cgroup_destroy(cg);
    return err;
}

int sbx__cgroup_set_limits(struct sbx__cgroup *cg, const struct sbx_limits *l)
{
    char v[32];
    int err;

    snprintf(v, sizeof(v), "%lld", (long long)l->memory_bytes);
    if (cg->v2) {
        err = write_file(cg->path[0], "memory.max", v);
        if (err < 0)
            return err;
        /* Absent when the kernel has no swap support: then nothing to do. */
        err = write_file(cg->path[0], "memory.swap.max", "0");
        if (err < 0 && err != -ENOENT)
            return err;
        snprintf(v, sizeof(v), "%lld", (long long)l->pids);
        return write_file(cg->path[0], "pids.max", v);
    }
    /* memsw (memory + swap) may never be below limit_in_bytes: lowering
     * writes the limit first, raising (EINVAL that way) memsw first. Equal
     * values forbid swap. */
    err = write_file(cg->path[CG_MEM], "memory.limit_in_bytes", v);
    if (err == -EINVAL && cg_host.memsw) {
        err = write_file(cg->path[CG_MEM], "memory.memsw.limit_in_bytes", v);
        if (err == 0)
            err = write_file(cg->path[CG_MEM], "memory.limit_in_bytes", v);
    }
    if (err < 0)
        return err;
    if (cg_host.memsw) {
        err = write_file(cg->path[CG_MEM], "memory.memsw.limit_in_bytes", v);
        if (err < 0)
            return err;
    }
    write_file(cg->path[CG_MEM], "memory.swappiness", "0");
    snprintf(v, sizeof(v), "%lld", (long long)l->pids);
    return write_file(cg->path[CG_PIDS], "pids.max", v);
}

int sbx__cgroup_cpu_ms(struct sbx__cgroup *cg, int64_t *out)
{
    int64_t v;
    int err;

    if (cg->v2) {
        err = read_key(&v, cg->path[0], "cpu.stat", "usage_usec");
        if (err == 0)
            *out = v / 1000;
        return err;
    }
    err = read_i64(&v, cg->path[CG_CPU], "cpuacct.usage");
    if (err == 0)
        *out = v / 1000000;
    return err;
}

int sbx__cgroup_rebase(struct sbx__cgroup *cg, int64_t *out_cpu_ms)
{
    if (!cg->v2) {
        write_file(cg->path[CG_MEM], "memory.max_usage_in_bytes", "0");
        write_file(cg->path[CG_MEM], "memory.failcnt", "0");
    }
    cg->sampled_peak = 0;
    return sbx__cgroup_cpu_ms(cg, out_cpu_ms);
}

void sbx__cgroup_sample(struct sbx__cgroup *cg)
{
    int64_t v;

    if (cg->v2 && cg_host.peak_file != 1 && read_i64(&v, cg->path[0], "memory.current") == 0 &&
        v > cg->sampled_peak)
        cg->sampled_peak = v;
}

int sbx__cgroup_mem_peak_kb(struct sbx__cgroup *cg, int64_t *out)
{
    int64_t v = 0;
    int err;

    if (cg->v2) {
        if (cg_host.peak_file == 1) {
            err = read_i64(&v, cg->path[0], "memory.peak");
        } else {
            sbx__cgroup_sample(cg);
            v = cg->sampled_peak;
            err = 0;
        }
    } else {
        err = read_i64(&v, cg->path[CG_MEM], "memory.max_usage_in_bytes");
    }
    if (err == 0)
        *out = v / 1024;
    return err;
}

int sbx__cgroup_mem_hit(struct sbx__cgroup *cg)
{
    int64_t v = 0;

    if (cg->v2) {
        if (read_key(&v, cg->path[0], "memory.events", "oom_kill") == 0 && v > 0)
            return 1;
        return read_key(&v, cg->path[0], "memory.events", "max") == 0 && v > 0;
    }
    if (read_key(&v, cg->path[CG_MEM], "memory.oom_control", "oom_kill") == 0 && v > 0)
        return 1;
    return read_i64(&v, cg->path[CG_MEM], "memory.failcnt") == 0 && v > 0;
}

/* Reads cgroup.procs and SIGKILLs each pid; returns how many it saw. */
static int kill_listed(const char *dir)
{
    char path[320], buf[4096];
    int fd, n = 0;
    ssize_t r;
    size_t have = 0;

    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    while ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
        char *p = buf, *nl;
        have += (size_t)r;
        buf[have] = '\0';
        while ((nl = strchr(p, '\n'))) {
            long pid = strtol(p, NULL, 10);
            if (pid > 0) {
                kill((pid_t)pid, SIGKILL);
                n++;
            }
            p = nl + 1;
        }
        have = (size_t)(buf + have - p);
        memmove(buf, p, have);
    }
    close(fd);
    return n;
}

int sbx__cgroup_kill(struct sbx__cgroup *cg)
{
    int64_t deadline = gv_time_mono_ms() + 5000;
    int n;

    if (cg->nctrl == 0)
        return 0;
    if (cg->v2)
        write_file(cg->path[0], "cgroup.kill", "1");
    /* A fork bomb races this loop, but pids.max bounds it and every task
     * it finds dies; the pid namespace's init does the same from inside. */
    while ((n = kill_listed(cg->path[cg->v2 ? 0 : CG_PIDS])) > 0) {
        if (gv_time_mono_ms() > deadline) {
            gv_log(GV_LOG_ERROR, "sandbox", "cannot empty cgroup '%s'", cg->path[0]);
            return GV_EINTERNAL;
        }
        gv_time_sleep_ms(1);
    }
    return n < 0 ? n : 0;
}

void sbx__cgroup_destroy(struct sbx__cgroup *cg)
{
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
        cg->procs_fd[i] = -1;
    }
    sbx__cgroup_kill(cg);
    for (int i = 0; i < cg->nctrl; i++) {
        /* rmdir fails with EBUSY for a moment after the last task died. */
        for (int tries = 0; rmdir(cg->path[i]) < 0 && errno == EBUSY && tries < 100; tries++)
            gv_time_sleep_ms(1);
    }
    cg->nctrl = 0;
}
