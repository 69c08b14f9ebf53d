/* SPDX-License-Identifier: MIT
 * sbx_internal.h - shared inside sandbox/ only. */
#ifndef GV_SBX_INTERNAL_H
#define GV_SBX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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
/* Kills and removes the run cgroups of slot index `slot` made in our pid
 * namespace: called by the new holder of the index, so whatever is there
 * was left by an earlier holder that died. The count removed, or an error. */
int sbx__cgroup_sweep(int slot);
/* Samples memory.current where no peak file exists (v2 before 5.19). */
void sbx__cgroup_sample(struct sbx__cgroup *cg);

/* Compiles the allow-list of `profile` to classic BPF once (libseccomp is
 * too slow to run per exec): *out owns a gv_malloc'd filter. The filter's
 * default action is SECCOMP_RET_USER_NOTIF, so a refused syscall blocks
 * until the supervisor, holding the listener, reads its number and kills
 * the run. */
struct sock_fprog;
int sbx__seccomp_build(struct sock_fprog *out, enum sbx_profile profile);

/* Appends everything `fd` yields to `b` (bounded by b->max: GV_ETOOBIG). */
int sbx__read_all(int fd, struct gv_buf *b);
/* Writes all `len` bytes, retrying short writes and EINTR. */
int sbx__write_all(int fd, const void *data, size_t len);

#endif
