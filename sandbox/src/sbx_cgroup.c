/* SPDX-License-Identifier: MIT
 * sbx_cgroup.c - one fresh cgroup per run, on cgroup v1 or v2.
 *
 * Theory of operation. At start, sbx__cgroup_detect() reads
 * /proc/self/mountinfo (sbx__cgroup_parse_mounts): when the v1 memory
 * controller is mounted (hybrid hosts) it uses v1, which then needs the
 * memory, cpuacct and pids controllers; otherwise the first cgroup2 mount,
 * which must offer memory and pids. Run cgroups live under a "gavel-sbx"
 * directory next to the caller's own cgroup (v1) or under
 * <cgroup2 mount>/gavel-sbx (v2, whose "no internal processes" rule forbids
 * nesting under a cgroup that holds the caller); GAVEL_SANDBOX_CGROUP names
 * another, delegated, v2 parent. Tests point all of this at a fixture
 * directory (sbx__cgroup_use_fixture).
 *
 * A v1 memory cgroup keeps its peak (max_usage_in_bytes) and failcnt for
 * its whole life, so a cgroup is never reused: each slot creates the next
 * one while idle and destroys the previous one after the run.
 *
 * Run cgroups are named s<slot>-<seq>-<pid>-<pid namespace inode>. Hosts
 * that run containers often share the root of a v1 hierarchy between them,
 * each container with its own pid namespace (and its own /run/gavel, so its
 * own slot locks): the pid alone would not tell whose a cgroup is. A
 * supervisor killed outright leaves its cgroups behind; whoever claims its
 * slot index next in the same namespace removes them (sbx__cgroup_sweep),
 * wherever they are: v1 run cgroups sit under their creator's own cgroup,
 * so the sweep walks each hierarchy for gavel-sbx directories.
 *
 * Pinning: on v1 with a cpuset hierarchy, each slot has a pin cgroup
 * p<slot>-<pid>-<pid namespace inode> there holding all its processes on
 * one core; on v2 with the cpuset controller, each run cgroup gets the
 * slot's core in cpuset.cpus. */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
    char root[SBX_CG_MAX_CTRL][200]; /* where the hierarchy is mounted: the sweep's start */
    unsigned long pidns;             /* inode of our pid namespace: see the top */
    char cpuset_base[200];           /* v1: gavel-sbx in the cpuset hierarchy, or "" */
    char cpuset_root[200];
    int v2_cpuset;                   /* v2: run cgroups get cpuset.cpus */
    int ncpus;                       /* the CPUs we may use, for sbx__cgroup_core */
    int cpus[CPU_SETSIZE];
    char why[640];
} cg_host;

/* Tests only: where mountinfo, the caller's cgroup and the hierarchies are
 * read from instead of the host's. */
static struct sbx__cgroup_fixture cg_fx;
static int cg_fx_on;

void sbx__cgroup_use_fixture(const struct sbx__cgroup_fixture *fx)
{
    memset(&cg_host, 0, sizeof(cg_host));
    cg_fx_on = fx != NULL;
    if (fx)
        cg_fx = *fx;
}

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

/* Value of "key N" in flat-keyed text such as cpu.stat or memory.events. */
static int find_key(int64_t *out, char *buf, const char *key)
{
    size_t klen = strlen(key);

    for (char *line = buf; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, key, klen) && line[klen] == ' ') {
            *out = strtoll(line + klen + 1, NULL, 10);
            return 0;
        }
    }
    return GV_ENOTFOUND;
}

static int read_key(int64_t *out, const char *dir, const char *name, const char *key)
{
    char buf[2048];
    int err = read_file(buf, sizeof(buf), dir, name);

    return err < 0 ? err : find_key(out, buf, key);
}

int sbx__cgroup_parse_self(char *out, size_t len, const char *text, const char *ctrl)
{
    /* Lines are "id:controllers:path"; v1 lists may name several
     * controllers ("cpu,cpuacct"), v2 has an empty list. */
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
        int match = 0;

        if (c2 && *ctrl == '\0') {
            match = c2 == c1 + 1;
        } else if (c2) {
            for (const char *t = c1 + 1; t < c2;) {
                size_t n = strcspn(t, ",:");
                if (n == strlen(ctrl) && !strncmp(t, ctrl, n))
                    match = 1;
                t += n + 1;
            }
        }
        if (match) {
            int n = (int)(end - c2 - 1);
            if (n == 1 && c2[1] == '/')
                n = 0; /* the root: "" so that paths join without "//" */
            if (snprintf(out, len, "%.*s", n, c2 + 1) >= (int)len)
                return GV_ETOOBIG;
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return GV_ENOTFOUND;
}

/* Copies one space-separated mountinfo field, undoing the kernel's octal
 * escapes (\040 for a space). Returns the rest of the line or NULL. */
static const char *mi_field(char *out, size_t len, const char *p)
{
    size_t o = 0;

    while (*p == ' ')
        p++;
    if (!*p || *p == '\n')
        return NULL;
    for (; *p && *p != ' ' && *p != '\n'; p++) {
        char c = *p;
        if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        }
        if (o + 1 < len)
            out[o++] = c;
    }
    out[o] = '\0';
    return p;
}

static int has_option(const char *opts, const char *name)
{
    size_t n = strlen(name);

    for (const char *t = opts; *t;) {
        size_t k = strcspn(t, ",");
        if (k == n && !strncmp(t, name, n))
            return 1;
        t += k + (t[k] ? 1 : 0);
    }
    return 0;
}

int sbx__cgroup_parse_mounts(struct sbx__cg_mounts *out, const char *text)
{
    memset(out, 0, sizeof(*out));
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n'), *p = line, *dash;
        char root[200], point[200], fstype[32], source[64], opts[256], skip[64];

        /* id parent major:minor root mount-point options [optional...] - fstype source super */
        for (int i = 0; i < 3 && p; i++)
            p = mi_field(skip, sizeof(skip), p);
        p = p ? mi_field(root, sizeof(root), p) : NULL;
        p = p ? mi_field(point, sizeof(point), p) : NULL;
        dash = p ? strstr(p, " - ") : NULL;
        if (dash && (!nl || dash < nl)) {
            p = mi_field(fstype, sizeof(fstype), dash + 3);
            p = p ? mi_field(source, sizeof(source), p) : NULL;
            p = p ? mi_field(opts, sizeof(opts), p) : NULL;
            if (p && !strcmp(fstype, "cgroup2") && !out->v2[0]) {
                snprintf(out->v2, sizeof(out->v2), "%s", point);
            } else if (p && !strcmp(fstype, "cgroup")) {
                if (!out->cpuset[0] && has_option(opts, "cpuset")) {
                    snprintf(out->cpuset, sizeof(out->cpuset), "%s", point);
                    snprintf(out->cpuset_root, sizeof(out->cpuset_root), "%s",
                             strcmp(root, "/") ? root : "");
                }
                for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
                    if (out->v1[i][0] || !has_option(opts, v1_ctrl[i]))
                        continue;
                    snprintf(out->v1[i], sizeof(out->v1[i]), "%s", point);
                    snprintf(out->v1_root[i], sizeof(out->v1_root[i]), "%s",
                             strcmp(root, "/") ? root : "");
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return out->v2[0] || out->v1[0][0] ? 0 : GV_ENOTFOUND;
}

/* Reads a small /proc file whole. */
static int slurp(struct gv_buf *b, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), err;

    if (fd < 0)
        return -errno;
    err = sbx__read_all(fd, b);
    close(fd);
    return err;
}

/* The caller's own cgroup path in hierarchy `ctrl` ("" for v2). */
static int self_cgroup(char *out, size_t len, const char *ctrl)
{
    struct gv_buf b;
    int err;

    if (cg_fx_on)
        return sbx__cgroup_parse_self(out, len, cg_fx.self_cgroup, ctrl);
    gv_buf_init(&b, 1 << 20);
    err = slurp(&b, "/proc/self/cgroup");
    if (err == 0)
        err = sbx__cgroup_parse_self(out, len, b.data ? b.data : "", ctrl);
    gv_buf_release(&b);
    return err;
}

static int mkdir_p1(const char *path)
{
    if (mkdir(path, 0700) < 0)
        return errno == EEXIST ? 0 : -errno;
    if (cg_fx_on && cg_fx.on_mkdir)
        cg_fx.on_mkdir(path); /* what cgroupfs creates by itself */
    return 0;
}

static int detect_v2(const char *root)
{
    char buf[512];
    /* A fixture is hermetic: the host's configuration does not apply. */
    const char *env = cg_fx_on ? NULL : getenv("GAVEL_SANDBOX_CGROUP");
    int err;

    err = read_file(buf, sizeof(buf), root, "cgroup.controllers");
    if (err < 0 || !strstr(buf, "memory") || !strstr(buf, "pids")) {
        snprintf(cg_host.why, sizeof(cg_host.why),
                 "cgroup v2 at %s lacks the memory or pids controller", root);
        return GV_EUNAVAIL;
    }
    snprintf(cg_host.root[0], sizeof(cg_host.root[0]), "%s", root);
    if (env && *env) {
        snprintf(cg_host.base[0], sizeof(cg_host.base[0]), "%s", env);
    } else {
        /* The root cgroup may hold processes and still delegate controllers;
         * any other cgroup of ours may not, so without a configured parent
         * we use a top-level one (we are root). */
        if (snprintf(cg_host.base[0], sizeof(cg_host.base[0]), "%s/gavel-sbx", root) >=
            (int)sizeof(cg_host.base[0]))
            return GV_ETOOBIG;
        err = write_file(root, "cgroup.subtree_control", "+memory +pids +cpu +cpuset");
        if (err < 0)
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
    /* cpuset pins each run cgroup to its slot's core where the kernel
     * offers the controller; sched_setaffinity does otherwise. A write
     * naming several controllers enables all or none. */
    err = write_file(cg_host.base[0], "cgroup.subtree_control", "+memory +pids +cpu +cpuset");
    cg_host.v2_cpuset = err == 0;
    if (err < 0)
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

/* Copies cpuset.cpus and cpuset.mems from `dir`'s parent when `dir` has
 * none: a new v1 cpuset cgroup starts empty, and admits no task so. */
static int cpuset_inherit(const char *dir)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    char parent[200], v[256];
    const char *slash = strrchr(dir, '/');
    int err = 0;

    if (!slash || slash - dir >= (long)sizeof(parent))
        return GV_EINVAL;
    snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
    for (int i = 0; i < 2 && err == 0; i++) {
        err = read_file(v, sizeof(v), dir, files[i]);
        if (err == 0 && (v[0] == '\n' || !v[0])) {
            err = read_file(v, sizeof(v), parent, files[i]);
            if (err == 0)
                err = write_file(dir, files[i], v);
        }
    }
    return err;
}

/* v1: gavel-sbx in the cpuset hierarchy, for the slots' pin cgroups.
 * Without it a slot is pinned by sched_setaffinity alone. */
static void detect_cpuset(const struct sbx__cg_mounts *m, const char *prefix)
{
    char self[200];
    size_t rl = strlen(m->cpuset_root);
    int err;

    if (self_cgroup(self, sizeof(self), "cpuset") < 0)
        return;
    if (rl && !strncmp(self, m->cpuset_root, rl) && (self[rl] == '/' || !self[rl]))
        memmove(self, self + rl, strlen(self + rl) + 1);
    snprintf(cg_host.cpuset_root, sizeof(cg_host.cpuset_root), "%s%s", prefix, m->cpuset);
    if (snprintf(cg_host.cpuset_base, sizeof(cg_host.cpuset_base), "%s%s%s/gavel-sbx", prefix,
                 m->cpuset, self) >= (int)sizeof(cg_host.cpuset_base))
        err = GV_ETOOBIG;
    else
        err = mkdir_p1(cg_host.cpuset_base);
    if (err == 0)
        err = cpuset_inherit(cg_host.cpuset_base);
    if (err < 0) {
        gv_log(GV_LOG_WARN, "sandbox",
               "cannot use the cpuset hierarchy (%s: %s): slots are pinned by affinity only",
               cg_host.cpuset_base, gv_strerror(err));
        cg_host.cpuset_base[0] = '\0';
    }
}

static int detect_v1(const struct sbx__cg_mounts *m, const char *prefix)
{
    char self[200], path[320];
    int err;

    for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
        size_t rl = strlen(m->v1_root[i]);
        if (!m->v1[i][0] || self_cgroup(self, sizeof(self), v1_ctrl[i]) < 0) {
            snprintf(cg_host.why, sizeof(cg_host.why), "cgroup v1 controller '%s' is not mounted",
                     v1_ctrl[i]);
            return GV_EUNAVAIL;
        }
        /* A hierarchy mounted from a subtree (containers) shows our path
         * relative to the hierarchy's root, not to the mount. */
        if (rl && !strncmp(self, m->v1_root[i], rl) && (self[rl] == '/' || !self[rl]))
            memmove(self, self + rl, strlen(self + rl) + 1);
        if (snprintf(cg_host.base[i], sizeof(cg_host.base[i]), "%s%s%s/gavel-sbx", prefix,
                     m->v1[i], self) >= (int)sizeof(cg_host.base[i]))
            return GV_ETOOBIG;
        snprintf(cg_host.root[i], sizeof(cg_host.root[i]), "%s%s", prefix, m->v1[i]);
        err = mkdir_p1(cg_host.base[i]);
        if (err < 0) {
            snprintf(cg_host.why, sizeof(cg_host.why), "cannot create cgroup '%s': %s",
                     cg_host.base[i], gv_strerror(err));
            return err;
        }
    }
    if (m->cpuset[0])
        detect_cpuset(m, prefix);
    /* Children inherit the hierarchy setting; 1 makes limits nest. */
    write_file(cg_host.base[CG_MEM], "memory.use_hierarchy", "1");
    snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", cg_host.base[CG_MEM]);
    cg_host.memsw = access(path, F_OK) == 0;
    cg_host.v2 = 0;
    return 0;
}

int sbx__cgroup_detect(char *msg, size_t msg_len)
{
    struct sbx__cg_mounts m;
    struct gv_buf b;
    const char *prefix = cg_fx_on ? cg_fx.prefix : "";
    char root[200];
    int err;

    if (cg_host.detected) {
        if (cg_host.detected < 0 && msg)
            snprintf(msg, msg_len, "%s", cg_host.why);
        return cg_host.detected < 0 ? cg_host.detected : 0;
    }
    gv_buf_init(&b, 1 << 20);
    err = cg_fx_on ? 0 : slurp(&b, "/proc/self/mountinfo");
    if (err == 0)
        err = sbx__cgroup_parse_mounts(&m, cg_fx_on ? cg_fx.mountinfo : b.data ? b.data : "");
    gv_buf_release(&b);
    /* A v1 memory controller means a v1 or hybrid host: there the v2
     * hierarchy, if any, has no memory controller to offer. */
    if (err < 0) {
        snprintf(cg_host.why, sizeof(cg_host.why), "no cgroup hierarchy is mounted");
        err = GV_EUNAVAIL;
    } else if (m.v1[CG_MEM][0]) {
        err = detect_v1(&m, prefix);
    } else if (!m.v2[0]) {
        snprintf(cg_host.why, sizeof(cg_host.why),
                 "neither a cgroup v1 memory controller nor cgroup2 is mounted");
        err = GV_EUNAVAIL;
    } else if (snprintf(root, sizeof(root), "%s%s", prefix, m.v2) >= (int)sizeof(root)) {
        err = GV_ETOOBIG;
    } else {
        err = detect_v2(root);
    }
    if (err == 0) {
        struct stat st;
        cpu_set_t set;
        cg_host.ncpus = 0;
        if (sched_getaffinity(0, sizeof(set), &set) == 0) {
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &set))
                    cg_host.cpus[cg_host.ncpus++] = c;
        }
        if (stat("/proc/self/ns/pid", &st) < 0) {
            err = -errno;
            snprintf(cg_host.why, sizeof(cg_host.why), "cannot read our pid namespace: %s",
                     gv_strerror(err));
        } else {
            cg_host.pidns = (unsigned long)st.st_ino;
        }
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
    cg->cpu_fd = -1;
    cg->v2 = cg_host.v2;
    cg->nctrl = cg_host.v2 ? 1 : SBX_CG_MAX_CTRL;
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++)
        cg->procs_fd[i] = -1;
    for (int i = 0; i < cg->nctrl; i++) {
        char p[320];
        if (snprintf(cg->path[i], sizeof(cg->path[i]), "%s/s%d-%llu-%d-%lu", cg_host.base[i], slot,
                     (unsigned long long)seq, (int)getpid(),
                     cg_host.pidns) >= (int)sizeof(cg->path[i])) {
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
        if (cg_fx_on && cg_fx.on_mkdir)
            cg_fx.on_mkdir(cg->path[i]); /* what cgroupfs creates by itself */
        /* v1: the run's child joins through "tasks", which moves only the
         * writing thread and so skips the global cgroup_threadgroup_rwsem
         * (whose write side waits for an RCU grace period, milliseconds,
         * and stalls every fork and exit on the host meanwhile). The child
         * is single-threaded (a fresh fork of the slot's init), so its one
         * thread is the whole process and everything it starts later is
         * forked inside. v2 has no per-thread file for domain cgroups. A
         * fixture without "tasks" gets cgroup.procs. */
        snprintf(p, sizeof(p), "%s/%s", cg->path[i], cg->v2 ? "cgroup.procs" : "tasks");
        cg->procs_fd[i] = open(p, O_WRONLY | O_CLOEXEC);
        if (cg->procs_fd[i] < 0 && errno == ENOENT && !cg->v2 && cg_fx_on) {
            snprintf(p, sizeof(p), "%s/cgroup.procs", cg->path[i]);
            cg->procs_fd[i] = open(p, O_WRONLY | O_CLOEXEC);
        }
        if (cg->procs_fd[i] < 0) {
            err = -errno;
            cg->nctrl = i + 1;
            goto fail;
        }
    }
    {
        char p[320];
        snprintf(p, sizeof(p), "%s/%s", cg->path[cg->v2 ? 0 : CG_CPU],
                 cg->v2 ? "cpu.stat" : "cpuacct.usage");
        cg->cpu_fd = open(p, O_RDONLY | O_CLOEXEC);
        if (cg->cpu_fd < 0) {
            err = -errno;
            goto fail;
        }
    }
    if (cg->v2 && cg_host.v2_cpuset) {
        char v[16];
        snprintf(v, sizeof(v), "%d", sbx__cgroup_core(slot));
        write_file(cg->path[0], "cpuset.cpus", v); /* best effort: the affinity pins anyway */
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
    char buf[2048];
    int64_t v;
    int err = 0;
    /* pread at 0 makes cgroupfs generate the file anew: the supervisor
     * polls this during the run without an open and close each time. */
    ssize_t n = pread(cg->cpu_fd, buf, sizeof(buf) - 1, 0);

    if (n < 0)
        return -errno;
    buf[n] = '\0';
    if (cg->v2)
        err = find_key(&v, buf, "usage_usec");
    else
        v = strtoll(buf, NULL, 10) / 1000;
    if (err == 0)
        *out = v / 1000;
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
        /* oom_kill: the OOM killer chose a task; oom: an allocation failed
         * at the limit; max: usage reached memory.max (as v1's failcnt). */
        static const char *const keys[] = {"oom_kill", "oom", "max"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            if (read_key(&v, cg->path[0], "memory.events", keys[i]) == 0 && v > 0)
                return 1;
        }
        return 0;
    }
    if (read_key(&v, cg->path[CG_MEM], "memory.oom_control", "oom_kill") == 0 && v > 0)
        return 1;
    return read_i64(&v, cg->path[CG_MEM], "memory.failcnt") == 0 && v > 0;
}

/* SIGKILLs `pid` if it is still a member of the cgroup `dir`. The pid was
 * read from cgroup.procs a moment ago; the process may have died and been
 * reaped by the slot's init since, and its number reused by an unrelated
 * host process that root must not kill. The pidfd pins one process; reading
 * its /proc/<pid>/cgroup and then signalling through the pidfd (which fails
 * if that process is gone) only ever kills a member. Returns 1 if killed. */
static int kill_member(long pid, const char *dir)
{
    const char *name = strrchr(dir, '/'); /* "/s<slot>-<seq>-<pid>": unique */
    char path[64], line[512];
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0), member = 0;
    size_t nlen;
    FILE *f;

    if (pidfd < 0 || !name) {
        if (pidfd >= 0)
            close(pidfd);
        return 0;
    }
    nlen = strlen(name);
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
    f = fopen(path, "re");
    while (f && !member && fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\n");
        member = n >= nlen && !memcmp(line + n - nlen, name, nlen);
    }
    if (f)
        fclose(f);
    if (member && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
        member = 0;
    close(pidfd);
    return member;
}

/* Reads cgroup.procs and kills each member; returns how many it killed. */
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
            if (pid > 0)
                n += kill_member(pid, dir);
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

/* Whether `name` is a run cgroup of slot `slot` made in our pid namespace. */
static int stale_name(const char *name, int slot)
{
    int got_slot, pid, end = -1;
    unsigned long long seq;
    unsigned long ns;

    if (sscanf(name, "s%d-%llu-%d-%lu%n", &got_slot, &seq, &pid, &ns, &end) != 4)
        return 0;
    return end == (int)strlen(name) && got_slot == slot && ns == cg_host.pidns;
}

/* Whether `name` is the pin (cpuset) cgroup of slot `slot` made in our
 * pid namespace: p<slot>-<pid>-<pid namespace inode>. */
static int stale_pin(const char *name, int slot)
{
    int got_slot, pid, end = -1;
    unsigned long ns;

    if (sscanf(name, "p%d-%d-%lu%n", &got_slot, &pid, &ns, &end) != 3)
        return 0;
    return end == (int)strlen(name) && got_slot == slot && ns == cg_host.pidns;
}

/* Kills the members of one leftover directory (in whichever hierarchy it
 * is) and removes it. */
static void remove_leftover(const char *path)
{
    struct sbx__cgroup cg;

    memset(&cg, 0, sizeof(cg));
    cg.cpu_fd = -1;
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++)
        cg.procs_fd[i] = -1;
    cg.v2 = cg_host.v2;
    cg.nctrl = 1;
    snprintf(cg.path[0], sizeof(cg.path[0]), "%s", path);
    /* v1 kills through the pids path: the same directory here, since every
     * v1 hierarchy has its cgroup.procs. */
    snprintf(cg.path[CG_PIDS], sizeof(cg.path[CG_PIDS]), "%s", path);
    sbx__cgroup_destroy(&cg);
}

/* Removes the stale run cgroups of `slot` in one gavel-sbx directory. */
static int sweep_parent(const char *dir, int slot)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int removed = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[sizeof(((struct sbx__cgroup *)0)->path[0])];
        if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
            !(stale_name(e->d_name, slot) || stale_pin(e->d_name, slot)))
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        remove_leftover(path);
        removed++;
    }
    closedir(d);
    return removed;
}

/* Walks a hierarchy from `dir` down to every "gavel-sbx" directory: a
 * supervisor makes its run cgroups under its own cgroup (v1) or a
 * configured parent (v2), and the one that died may have run in any. Run
 * cgroups have no children, so they are not entered. */
static int sweep_tree(const char *dir, int depth, int slot)
{
    DIR *d;
    struct dirent *e;
    int removed = 0;

    if (depth > 16 || !(d = opendir(dir)))
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[400];
        if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) || e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        if (!strcmp(e->d_name, "gavel-sbx"))
            removed += sweep_parent(path, slot);
        else if (!stale_name(e->d_name, slot))
            removed += sweep_tree(path, depth + 1, slot);
    }
    closedir(d);
    return removed;
}

int sbx__cgroup_sweep(int slot)
{
    int err = sbx__cgroup_detect(NULL, 0), nctrl, removed = 0;

    if (err < 0)
        return err;
    nctrl = cg_host.v2 ? 1 : SBX_CG_MAX_CTRL;
    /* Each hierarchy on its own: a holder that died between two rmdirs
     * left a name in some of them only, and on v1 its directories lie in
     * different places in each (our own cgroup differs by hierarchy). A
     * hierarchy mounted twice (cpu,cpuacct) is walked once. A v2 parent
     * outside the mount (a fixture's) is swept directly. */
    for (int c = 0; c < nctrl; c++) {
        int seen = 0;
        for (int k = 0; k < c; k++)
            seen |= !strcmp(cg_host.root[k], cg_host.root[c]);
        if (!seen)
            removed += sweep_tree(cg_host.root[c], 0, slot);
    }
    if (!cg_host.v2 && cg_host.cpuset_root[0])
        removed += sweep_tree(cg_host.cpuset_root, 0, slot);
    if (cg_host.v2) {
        const char *name = strrchr(cg_host.base[0], '/');
        if (strncmp(cg_host.base[0], cg_host.root[0], strlen(cg_host.root[0])) || !name ||
            strcmp(name + 1, "gavel-sbx"))
            removed += sweep_parent(cg_host.base[0], slot);
    }
    if (removed > 0)
        gv_log(GV_LOG_WARN, "sandbox",
               "removed %d cgroups that an earlier holder of slot %d left behind", removed, slot);
    return removed;
}

void sbx__cgroup_destroy(struct sbx__cgroup *cg)
{
    if (cg->cpu_fd >= 0)
        close(cg->cpu_fd);
    cg->cpu_fd = -1;
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
        cg->procs_fd[i] = -1;
    }
    sbx__cgroup_kill(cg);
    for (int i = 0; i < cg->nctrl; i++) {
        /* rmdir fails with EBUSY while the last tasks are still being torn
         * down: a killed JVM's dozens of threads, under ASan, on a loaded
         * 2-core host, took over a second. Removal is the helper thread's
         * work (off the runs' path), so it waits by the clock, generously;
         * a cgroup left behind would be a leak. */
        int64_t deadline = gv_time_mono_ms() + 10000;
        while (rmdir(cg->path[i]) < 0) {
            if (errno == ENOENT)
                break;
            if (errno != EBUSY || gv_time_mono_ms() > deadline) {
                gv_log(GV_LOG_ERROR, "sandbox", "cannot remove cgroup '%s': %s", cg->path[i],
                       strerror(errno));
                break;
            }
            gv_time_sleep_ms(2);
        }
    }
    cg->nctrl = 0;
}

void sbx__cgroup_abandon(struct sbx__cgroup *cg)
{
    if (cg->nctrl > 0) {
        if (cg->v2)
            write_file(cg->path[0], "cgroup.kill", "1");
        /* Once: a process in uninterruptible sleep stays listed until it
         * wakes, and sbx__cgroup_kill would wait for it. */
        kill_listed(cg->path[cg->v2 ? 0 : CG_PIDS]);
    }
    if (cg->cpu_fd >= 0)
        close(cg->cpu_fd);
    cg->cpu_fd = -1;
    for (int i = 0; i < SBX_CG_MAX_CTRL; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
        cg->procs_fd[i] = -1;
    }
    cg->nctrl = 0;
}

int sbx__cgroup_core(int slot)
{
    if (sbx__cgroup_detect(NULL, 0) < 0 || cg_host.ncpus <= 0)
        return 0;
    return cg_host.cpus[(slot / 2) % cg_host.ncpus];
}

int sbx__cgroup_pin(char *path, size_t len, int *join_fd, int slot, int core)
{
    char v[16], p[320];
    int err = sbx__cgroup_detect(NULL, 0);

    *join_fd = -1;
    path[0] = '\0';
    if (err < 0)
        return err;
    if (cg_host.v2 || !cg_host.cpuset_base[0])
        return GV_EUNAVAIL;
    if (snprintf(path, len, "%s/p%d-%d-%lu", cg_host.cpuset_base, slot, (int)getpid(),
                 cg_host.pidns) >= (int)len) {
        path[0] = '\0';
        return GV_ETOOBIG;
    }
    if (mkdir(path, 0700) < 0) {
        err = -errno;
        path[0] = '\0';
        return err;
    }
    snprintf(v, sizeof(v), "%d", core);
    err = cpuset_inherit(path); /* mems from the parent (cpus too, overwritten next) */
    if (err == 0)
        err = write_file(path, "cpuset.cpus", v);
    if (err == 0) {
        /* "tasks": the keeper is one thread (see sbx__cgroup_create). */
        snprintf(p, sizeof(p), "%s/tasks", path);
        *join_fd = open(p, O_WRONLY | O_CLOEXEC);
        if (*join_fd < 0)
            err = -errno;
    }
    if (err < 0) {
        gv_log(GV_LOG_WARN, "sandbox", "cannot pin slot %d to CPU %d with '%s': %s", slot, core,
               path, gv_strerror(err));
        rmdir(path);
        path[0] = '\0';
    }
    return err;
}

void sbx__cgroup_unpin(const char *path)
{
    if (path[0])
        remove_leftover(path);
}
