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
    int64_t sampled_peak; /* v2 without memory.peak: max of memory.current */
};

int sbx__cgroup_detect(char *msg, size_t msg_len);
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
/* Samples memory.current where no peak file exists (v2 before 5.19). */
void sbx__cgroup_sample(struct sbx__cgroup *cg);

/* Compiles the allow-list of `profile` to classic BPF once (libseccomp is
 * too slow to run per exec): *out owns a gv_malloc'd filter. The filter's
 * default action is SECCOMP_RET_USER_NOTIF, so a refused syscall blocks
 * until the supervisor, holding the listener, reads its number and kills
 * the run. */
struct sock_fprog;
int sbx__seccomp_build(struct sock_fprog *out, enum sbx_profile profile);

#endif
