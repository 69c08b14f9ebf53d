/* SPDX-License-Identifier: MIT
 * test_sbx_cgroup.c - cgroup detection from mountinfo text, and the v1 and
 * v2 run-cgroup code driven against fixture directories: limits written,
 * CPU and peak memory parsed (memory.peak and the memory.current
 * fallback), limit events, a kill that spares a listed pid which is
 * not a member, the v2 cpuset pin of a run cgroup, and the sweep's walk
 * over the whole hierarchy. */
#include "../test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_err.h"
#include "sbx_internal.h"

/* This very host: cgroup v1 controllers plus an empty cgroup2 "unified". */
static const char hybrid_mountinfo[] =
    "23 1 8:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A current systemd distribution: cgroup2 only. */
static const char v2_mountinfo[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

/* Older systemd v1: combined cpu,cpuacct; a container sees its subtree. */
static const char v1_container_mountinfo[] =
    "40 30 0:35 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid shared:9 master:2 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "41 30 0:36 /docker/abc /sys/fs/cgroup/memory ro,nosuid shared:10 - cgroup cgroup rw,memory\n"
    "42 30 0:37 /docker/abc /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n";

static void parse_mounts_hybrid(void **state)
{
    struct sbx__cg_mounts m;

    (void)state;
    assert_int_equal(sbx__cgroup_parse_mounts(&m, hybrid_mountinfo), 0);
    assert_string_equal(m.v1[0], "/sys/fs/cgroup/memory");
    assert_string_equal(m.v1[1], "/sys/fs/cgroup/cpuacct");
    assert_string_equal(m.v1[2], "/sys/fs/cgroup/pids");
    assert_string_equal(m.v1_root[0], "");
    assert_string_equal(m.v2, "/sys/fs/cgroup/unified");
}

static void parse_mounts_v2_and_container(void **state)
{
    struct sbx__cg_mounts m;

    (void)state;
    assert_int_equal(sbx__cgroup_parse_mounts(&m, v2_mountinfo), 0);
    assert_string_equal(m.v2, "/sys/fs/cgroup");
    assert_string_equal(m.v1[0], "");
    assert_int_equal(sbx__cgroup_parse_mounts(&m, v1_container_mountinfo), 0);
    assert_string_equal(m.v1[1], "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(m.v1_root[1], "/docker/abc");
    assert_string_equal(m.v1[2], "/sys/fs/cgroup/my pids");
    assert_string_equal(m.v2, "");
    assert_int_equal(sbx__cgroup_parse_mounts(&m, "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"),
                     GV_ENOTFOUND);
    assert_int_equal(sbx__cgroup_parse_mounts(&m, ""), GV_ENOTFOUND);
}

static void parse_self_cgroup(void **state)
{
    const char *text = "9:name=systemd:/\n4:memory:/process_api/x\n2:cpu,cpuacct:/a b\n0::/\n";
    char out[64];

    (void)state;
    assert_int_equal(sbx__cgroup_parse_self(out, sizeof(out), text, "memory"), 0);
    assert_string_equal(out, "/process_api/x");
    assert_int_equal(sbx__cgroup_parse_self(out, sizeof(out), text, "cpuacct"), 0);
    assert_string_equal(out, "/a b");
    assert_int_equal(sbx__cgroup_parse_self(out, sizeof(out), text, ""), 0);
    assert_string_equal(out, ""); /* the root */
    assert_int_equal(sbx__cgroup_parse_self(out, sizeof(out), text, "pids"), GV_ENOTFOUND);
    assert_int_equal(sbx__cgroup_parse_self(out, sizeof(out), "0::/user.slice\n", ""), 0);
    assert_string_equal(out, "/user.slice");
}

/* ---- fixture directories ---------------------------------------------- */

static char fx_dir[64];
static int fx_no_peak; /* imitate a kernel before 5.19: no memory.peak */

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *get(const char *dir, const char *name)
{
    static char buf[256];
    char path[512];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* What cgroupfs creates in every new directory (v1 and v2 files alike; the
 * code reads only those of its version). Empty: a write then leaves
 * exactly what was written. */
/* Run cgroups are named after our pid namespace too. */
static unsigned long pidns(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void fx_on_mkdir(const char *path)
{
    static const char *const files[] = {
        "cgroup.procs", "cgroup.kill", "cgroup.subtree_control", "memory.max", "memory.swap.max",
        "pids.max", "memory.current", "memory.events", "cpu.stat", "memory.limit_in_bytes",
        "memory.memsw.limit_in_bytes", "memory.use_hierarchy", "memory.swappiness",
        "memory.max_usage_in_bytes", "memory.failcnt", "memory.oom_control", "cpuacct.usage",
        "cpuset.cpus"};

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        put(path, files[i], "");
    if (!fx_no_peak)
        put(path, "memory.peak", "");
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void fx_mkdirs(const char *rel)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", fx_dir, rel);
    for (char *p = path + strlen(fx_dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static int fx_setup(void **state)
{
    (void)state;
    snprintf(fx_dir, sizeof(fx_dir), "/tmp/sbx-cg-fixture.XXXXXX");
    assert_non_null(mkdtemp(fx_dir));
    fx_no_peak = 0;
    return 0;
}

static int fx_teardown(void **state)
{
    (void)state;
    sbx__cgroup_use_fixture(NULL);
    nftw(fx_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void use(const char *mountinfo, const char *self)
{
    struct sbx__cgroup_fixture fx = {
        .mountinfo = mountinfo, .self_cgroup = self, .prefix = fx_dir, .on_mkdir = fx_on_mkdir};

    sbx__cgroup_use_fixture(&fx);
}

static void v2_root(char *out, size_t len)
{
    snprintf(out, len, "%s/sys/fs/cgroup", fx_dir);
    fx_mkdirs("sys/fs/cgroup");
}

static void v2_detect_needs_memory_and_pids(void **state)
{
    char root[128], msg[256] = "";

    (void)state;
    v2_root(root, sizeof(root));
    put(root, "cgroup.controllers", "cpuset cpu io\n");
    use(v2_mountinfo, "0::/\n");
    assert_int_equal(sbx__cgroup_detect(msg, sizeof(msg)), GV_EUNAVAIL);
    assert_non_null(strstr(msg, "lacks the memory or pids controller"));
}

static void v2_limits_cpu_peak_events(void **state)
{
    struct sbx_limits l;
    struct sbx__cgroup cg;
    char root[128], dir[256], msg[256] = "";
    int64_t v = -1;

    (void)state;
    v2_root(root, sizeof(root));
    put(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put(root, "cgroup.subtree_control", "");
    use(v2_mountinfo, "0::/user.slice/session-1.scope\n");
    assert_int_equal(sbx__cgroup_detect(msg, sizeof(msg)), 0);
    /* Controllers delegated from the root and from our parent; cpuset
     * too, since the root offers it (each run cgroup is pinned). */
    assert_string_equal(get(root, "cgroup.subtree_control"), "+memory +pids +cpu +cpuset");
    snprintf(dir, sizeof(dir), "%s/gavel-sbx", root);
    assert_string_equal(get(dir, "cgroup.subtree_control"), "+memory +pids +cpu +cpuset");

    assert_int_equal(sbx__cgroup_create(&cg, 3, 7), 0);
    assert_int_equal(cg.v2, 1);
    assert_int_equal(cg.nctrl, 1);
    snprintf(dir, sizeof(dir), "%s/gavel-sbx/s3-7-%d-%lu", root, (int)getpid(), pidns());
    assert_string_equal(cg.path[0], dir);
    assert_true(cg.procs_fd[0] >= 0);
    /* Pinned: slots 2 and 3 share the second CPU we may use. */
    {
        char core[16];
        snprintf(core, sizeof(core), "%d", sbx__cgroup_core(3));
        assert_string_equal(get(dir, "cpuset.cpus"), core);
        assert_int_equal(sbx__cgroup_core(3), sbx__cgroup_core(2));
    }

    sbx_limits_init(&l);
    l.memory_bytes = 64 << 20;
    l.pids = 10;
    assert_int_equal(sbx__cgroup_set_limits(&cg, &l), 0);
    assert_string_equal(get(dir, "memory.max"), "67108864");
    assert_string_equal(get(dir, "memory.swap.max"), "0");
    assert_string_equal(get(dir, "pids.max"), "10");

    put(dir, "cpu.stat", "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n");
    assert_int_equal(sbx__cgroup_cpu_ms(&cg, &v), 0);
    assert_int_equal(v, 1234);
    assert_int_equal(sbx__cgroup_rebase(&cg, &v), 0);
    assert_int_equal(v, 1234);

    put(dir, "memory.peak", "73400320\n");
    assert_int_equal(sbx__cgroup_mem_peak_kb(&cg, &v), 0);
    assert_int_equal(v, 71680);

    put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 0);
    put(dir, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 1);
    put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 1\noom_kill 0\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 1);
    put(dir, "memory.events", "low 0\nhigh 0\nmax 2\noom 0\noom_kill 0\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 1);
    sbx__cgroup_destroy(&cg);
}

static void v2_peak_falls_back_to_sampled_current(void **state)
{
    struct sbx__cgroup cg;
    char root[128];
    int64_t v = -1;

    (void)state;
    fx_no_peak = 1;
    v2_root(root, sizeof(root));
    put(root, "cgroup.controllers", "memory pids\n");
    put(root, "cgroup.subtree_control", "");
    use(v2_mountinfo, "0::/\n");
    assert_int_equal(sbx__cgroup_create(&cg, 0, 1), 0);
    assert_int_equal(sbx__cgroup_rebase(&cg, &v), GV_ENOTFOUND); /* empty cpu.stat */
    put(cg.path[0], "memory.current", "1048576\n");
    sbx__cgroup_sample(&cg);
    put(cg.path[0], "memory.current", "3145728\n");
    sbx__cgroup_sample(&cg);
    put(cg.path[0], "memory.current", "2097152\n");
    assert_int_equal(sbx__cgroup_mem_peak_kb(&cg, &v), 0);
    assert_int_equal(v, 3072); /* the highest sample, not the last */
    sbx__cgroup_destroy(&cg);
}

/* cgroup.procs lists a pid that is not (or no longer) a member - here a
 * live process of ours in another cgroup, as a recycled pid would be: the
 * kill writes cgroup.kill and must spare it, and must not spin. */
static void v2_kill_spares_non_members(void **state)
{
    struct sbx__cgroup cg;
    char root[128], pid[32];
    pid_t other = fork();
    int status;

    (void)state;
    if (other == 0) {
        pause();
        _exit(0);
    }
    assert_true(other > 0);
    v2_root(root, sizeof(root));
    put(root, "cgroup.controllers", "memory pids\n");
    put(root, "cgroup.subtree_control", "");
    use(v2_mountinfo, "0::/\n");
    assert_int_equal(sbx__cgroup_create(&cg, 1, 2), 0);
    snprintf(pid, sizeof(pid), "%d\n", (int)other);
    put(cg.path[0], "cgroup.procs", pid);
    assert_int_equal(sbx__cgroup_kill(&cg), 0);
    assert_string_equal(get(cg.path[0], "cgroup.kill"), "1");
    usleep(20000);
    assert_int_equal(waitpid(other, &status, WNOHANG), 0); /* still alive */
    kill(other, SIGKILL);
    waitpid(other, &status, 0);
    sbx__cgroup_destroy(&cg);
}

/* The sweep finds a slot's leftovers under any gavel-sbx of the hierarchy
 * (a supervisor that ran in another cgroup made them there, or under a
 * configured parent), and only that slot's, of our pid namespace. The
 * fixture's directories hold plain files, so rmdir fails there: what is
 * checked is which directories the sweep went for (its count). */
static void v2_sweep_walks_the_hierarchy(void **state)
{
    char root[128], rel[256];
    unsigned long ns = pidns();

    (void)state;
    v2_root(root, sizeof(root));
    put(root, "cgroup.controllers", "cpuset memory pids\n");
    put(root, "cgroup.subtree_control", "");
    use(v2_mountinfo, "0::/\n");
    assert_int_equal(sbx__cgroup_detect(NULL, 0), 0);
    snprintf(rel, sizeof(rel), "sys/fs/cgroup/system.slice/judge.service/gavel-sbx/s5-1-4242-%lu",
             ns);
    fx_mkdirs(rel);
    snprintf(rel, sizeof(rel), "sys/fs/cgroup/gavel-sbx/s5-9-4343-%lu", ns);
    fx_mkdirs(rel);
    snprintf(rel, sizeof(rel), "sys/fs/cgroup/gavel-sbx/s6-9-4343-%lu", ns); /* another slot */
    fx_mkdirs(rel);
    snprintf(rel, sizeof(rel), "sys/fs/cgroup/gavel-sbx/s5-9-4343-%lu", ns + 1); /* another ns */
    fx_mkdirs(rel);
    snprintf(rel, sizeof(rel), "sys/fs/cgroup/user.slice/s5-2-4242-%lu", ns); /* not gavel's */
    fx_mkdirs(rel);
    assert_int_equal(sbx__cgroup_sweep(5), 2);
    assert_int_equal(sbx__cgroup_sweep(7), 0);
}

static void v1_hybrid_detect_and_files(void **state)
{
    struct sbx_limits l;
    struct sbx__cgroup cg;
    char base[256], msg[256] = "";
    int64_t v = -1;

    (void)state;
    fx_mkdirs("sys/fs/cgroup/memory/process_api/x");
    fx_mkdirs("sys/fs/cgroup/cpuacct");
    fx_mkdirs("sys/fs/cgroup/pids");
    fx_mkdirs("sys/fs/cgroup/unified");
    put(fx_dir, "sys/fs/cgroup/unified/cgroup.controllers", ""); /* v2 here has nothing */
    use(hybrid_mountinfo, "8:pids:/\n4:memory:/process_api/x\n2:cpuacct:/\n0::/\n");
    assert_int_equal(sbx__cgroup_detect(msg, sizeof(msg)), 0);
    assert_int_equal(sbx__cgroup_create(&cg, 2, 9), 0);
    assert_int_equal(cg.v2, 0);
    assert_int_equal(cg.nctrl, 3);
    snprintf(base, sizeof(base), "%s/sys/fs/cgroup/memory/process_api/x/gavel-sbx/s2-9-%d-%lu",
             fx_dir, (int)getpid(), pidns());
    assert_string_equal(cg.path[0], base);
    snprintf(base, sizeof(base), "%s/sys/fs/cgroup/pids/gavel-sbx/s2-9-%d-%lu", fx_dir,
             (int)getpid(), pidns());
    assert_string_equal(cg.path[2], base);

    sbx_limits_init(&l);
    l.memory_bytes = 32 << 20;
    l.pids = 7;
    assert_int_equal(sbx__cgroup_set_limits(&cg, &l), 0);
    assert_string_equal(get(cg.path[0], "memory.limit_in_bytes"), "33554432");
    assert_string_equal(get(cg.path[0], "memory.memsw.limit_in_bytes"), "33554432");
    assert_string_equal(get(cg.path[2], "pids.max"), "7");

    put(cg.path[1], "cpuacct.usage", "2500000000\n");
    assert_int_equal(sbx__cgroup_cpu_ms(&cg, &v), 0);
    assert_int_equal(v, 2500);
    /* Rebase forgets the setup's peak and limit hits (the fixture file
     * starts empty: a plain file is not truncated by the write). */
    assert_int_equal(sbx__cgroup_rebase(&cg, &v), 0);
    assert_int_equal(v, 2500);
    assert_string_equal(get(cg.path[0], "memory.max_usage_in_bytes"), "0");
    assert_string_equal(get(cg.path[0], "memory.failcnt"), "0");
    put(cg.path[0], "memory.max_usage_in_bytes", "10485760\n");
    assert_int_equal(sbx__cgroup_mem_peak_kb(&cg, &v), 0);
    assert_int_equal(v, 10240);
    put(cg.path[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    put(cg.path[0], "memory.failcnt", "0\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 0);
    put(cg.path[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    assert_int_equal(sbx__cgroup_mem_hit(&cg), 1);
    sbx__cgroup_destroy(&cg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_mounts_hybrid),
        cmocka_unit_test(parse_mounts_v2_and_container),
        cmocka_unit_test(parse_self_cgroup),
        cmocka_unit_test_setup_teardown(v2_detect_needs_memory_and_pids, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(v2_limits_cpu_peak_events, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(v2_peak_falls_back_to_sampled_current, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(v2_kill_spares_non_members, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(v2_sweep_walks_the_hierarchy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(v1_hybrid_detect_and_files, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
