/* SPDX-License-Identifier: MIT
 * test_sbx_slot.c - the library API: reading files back from the box never
 * follows what the program planted, a slot is reused with a fresh cgroup
 * (no stale peak), each run starts from the same state (read-only /box,
 * fresh /tmp charged to it), reset wipes the box, the pool hands out slots,
 * a slot's runs alternate between its two host uids and no two live
 * processes of different runs ever share one. Needs root: exits 77 (skip)
 * without it. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_buf.h"
#include "gv_err.h"
#include "sbx.h"
#include "sbx_internal.h"
#include "banned.h"

static int failures;

#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                    a_, b_);                                                                       \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
#define ASSERT_TRUE(c) ASSERT_EQ(!!(c), 1)

/* Slots take the first index no process on the host holds: other test
 * suites and judges may run pools at the same time. */
#define SLOT (-1)
/* The default base of the slots' host uids (sbx_slot.c): outside systemd's
 * DynamicUser range. Slot k runs as UID_BASE + 2k and UID_BASE + 2k + 1. */
#define UID_BASE 2000000000L
#define UIDS_PER_SLOT 2
/* Whether `uid` is one of slot k's under `base`. */
#define SLOT_OWNS(base, k, uid) ((uid) / UIDS_PER_SLOT * UIDS_PER_SLOT == (base) + UIDS_PER_SLOT * (k))

/* The base the slots of this process use: the setting, when given. */
static long env_base(void)
{
    const char *env = getenv("GAVEL_SANDBOX_UID_BASE");
    return env ? strtol(env, NULL, 10) : UID_BASE;
}

static int run_py_box(struct sbx_result *r, struct sbx_slot *s, const char *code, int64_t mem,
                      int box_writable)
{
    const char *argv[] = {"/usr/bin/python3", "-c", code, NULL};
    struct sbx_job job;

    memset(&job, 0, sizeof(job));
    sbx_limits_init(&job.limits);
    job.limits.cpu_ms = 3000;
    job.limits.wall_ms = 6000;
    if (mem)
        job.limits.memory_bytes = mem;
    job.argv = argv;
    job.profile = SBX_PROFILE_PYTHON;
    job.stdin_fd = -1;
    job.box_writable = box_writable;
    return sbx_slot_run(r, s, &job);
}

static int run_py(struct sbx_result *r, struct sbx_slot *s, const char *code, int64_t mem)
{
    return run_py_box(r, s, code, mem, 0);
}

/* A program that plants files in /box: only a box_writable job may. */
static int run_py_rw(struct sbx_result *r, struct sbx_slot *s, const char *code)
{
    return run_py_box(r, s, code, 0, 1);
}

static void test_planted_files(void)
{
    struct sbx_slot *s = NULL;
    struct sbx_result r;
    struct gv_buf b;
    const char *plant = "import os\n"
                        "os.symlink('/etc/passwd', 'link')\n"
                        "os.symlink('/proc/1/environ', 'env')\n"
                        "os.mkdir('dir')\n"
                        "open('ok.txt', 'w').write('fine')\n"
                        "print(sorted(os.listdir('.')))\n";

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    ASSERT_EQ(sbx_slot_put_file(s, "given.txt", "abc", 3, 0), 0);
    ASSERT_EQ(run_py_rw(&r, s, plant), 0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.out.data && strstr(r.out.data, "'given.txt'") != NULL);
    sbx_result_release(&r);

    gv_buf_init(&b, 1 << 20);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "ok.txt"), 0);
    ASSERT_TRUE(b.len == 4 && !memcmp(b.data, "fine", 4));
    gv_buf_reset(&b);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "link"), GV_EINVAL);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "env"), GV_EINVAL);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "dir"), GV_EINVAL);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "../etc/passwd"), GV_EINVAL);
    ASSERT_EQ(sbx_slot_get_file(&b, s, ".."), GV_EINVAL);
    ASSERT_EQ(b.len, 0);
    /* Writing over a planted link replaces the link, never its target. */
    ASSERT_EQ(sbx_slot_put_file(s, "link", "x", 1, 0), 0);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "link"), 0);
    ASSERT_TRUE(b.len == 1 && b.data[0] == 'x');

    /* mkfifo needs mknod, which no profile allows. */
    ASSERT_EQ(run_py_rw(&r, s, "import os\nos.mkfifo('fifo')\n"), 0);
    ASSERT_EQ(r.status, SBX_RE);
    ASSERT_TRUE(!strcmp(r.syscall, "mknodat") || !strcmp(r.syscall, "mknod"));
    sbx_result_release(&r);

    /* Reset: nothing written survives. */
    ASSERT_EQ(sbx_slot_reset(s), 0);
    gv_buf_reset(&b);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "ok.txt"), -ENOENT);
    ASSERT_EQ(
        run_py(&r, s, "import os\nprint(len(os.listdir('/box')), len(os.listdir('/tmp')))\n", 0),
        0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "0 0\n"));
    sbx_result_release(&r);
    gv_buf_release(&b);
    sbx_slot_free(s);
}

static void test_fresh_cgroup(void)
{
    struct sbx_slot *s = NULL;
    struct sbx_result r;

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    ASSERT_EQ(run_py(&r, s, "b = bytearray(150 << 20)\n", 0), 0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.memory_kb > 150 * 1024);
    sbx_result_release(&r);
    /* A reused cgroup would report the previous run's peak. */
    ASSERT_EQ(run_py(&r, s, "print(1)\n", 0), 0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.memory_kb < 30 * 1024);
    sbx_result_release(&r);
    /* Raising then lowering the memory limit of a prepared cgroup (v1
     * wants memsw >= limit at every step). */
    ASSERT_EQ(run_py(&r, s, "b = bytearray(300 << 20)\n", 512ll << 20), 0);
    ASSERT_EQ(r.status, SBX_OK);
    sbx_result_release(&r);
    ASSERT_EQ(run_py(&r, s, "b = bytearray(100 << 20)\n", 64ll << 20), 0);
    ASSERT_EQ(r.status, SBX_MLE);
    sbx_result_release(&r);
    ASSERT_EQ(run_py(&r, s, "b = bytearray(300 << 20)\n", 512ll << 20), 0);
    ASSERT_EQ(r.status, SBX_OK);
    sbx_result_release(&r);
    /* Many runs in one slot: no descriptor or cgroup leaks on the way. */
    for (int i = 0; i < 30; i++) {
        ASSERT_EQ(run_py(&r, s, "print(2)\n", 0), 0);
        ASSERT_EQ(r.status, SBX_OK);
        sbx_result_release(&r);
    }
    sbx_slot_free(s);
}

/* Every run of a run profile starts from the same state: /box read-only
 * (what the compile step and the supervisor put there, nothing a run
 * writes), /tmp fresh, and its pages charged to the run that wrote them. */
static void test_fresh_state(void)
{
    struct sbx_slot *s = NULL;
    struct sbx_result r;
    struct gv_buf b;

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    gv_buf_init(&b, 1 << 20);
    ASSERT_EQ(sbx_slot_put_file(s, "given.txt", "abc", 3, 0), 0);
    ASSERT_EQ(run_py(&r, s,
                     "import errno\n"
                     "try:\n"
                     "    open('/box/x', 'w')\n"
                     "    print('wrote')\n"
                     "except OSError as e:\n"
                     "    print(errno.errorcode[e.errno])\n"
                     "print(open('/box/given.txt').read())\n"
                     "open('/tmp/mark', 'w').write('1')\n",
                     0),
              0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "EROFS\nabc\n"));
    sbx_result_release(&r);
    /* The supervisor may still write between runs. */
    ASSERT_EQ(sbx_slot_put_file(s, "later.txt", "d", 1, 0), 0);
    ASSERT_EQ(
        run_py(&r, s, "import os\nprint(sorted(os.listdir('/box')), os.listdir('/tmp'))\n", 0), 0);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "['given.txt', 'later.txt'] []\n"));
    sbx_result_release(&r);
    /* 100 MB written to /tmp under a 64 MB limit is the run's own memory. */
    ASSERT_EQ(run_py(&r, s,
                     "f = open('/tmp/big', 'wb')\n"
                     "for i in range(100):\n"
                     "    f.write(b'x' * (1 << 20))\n"
                     "f.flush()\n",
                     64ll << 20),
              0);
    ASSERT_TRUE(r.status == SBX_MLE || r.status == SBX_RE);
    sbx_result_release(&r);
    /* 48 MB fits, is counted, and is gone for the next run. */
    ASSERT_EQ(run_py(&r, s,
                     "f = open('/tmp/big', 'wb')\n"
                     "for i in range(48):\n"
                     "    f.write(b'x' * (1 << 20))\n",
                     64ll << 20),
              0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.memory_kb > 48 * 1024);
    sbx_result_release(&r);
    ASSERT_EQ(run_py(&r, s, "import os\nprint(os.path.exists('/tmp/big'))\n", 64ll << 20), 0);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "False\n"));
    sbx_result_release(&r);
    /* box_writable (a jury validator's feedback) writes, and it stays. */
    ASSERT_EQ(run_py_rw(&r, s, "open('/box/fb.txt', 'w').write('fb')\n"), 0);
    ASSERT_EQ(r.status, SBX_OK);
    sbx_result_release(&r);
    ASSERT_EQ(sbx_slot_get_file(&b, s, "fb.txt"), 0);
    ASSERT_TRUE(b.len == 2 && !memcmp(b.data, "fb", 2));
    gv_buf_release(&b);
    /* Each uid keeps its mount namespace from one of its runs to the next
     * (runs alternate uids): the run two later, on the same uid and in the
     * same namespace, still finds /tmp empty, and /box read-only again
     * after that uid's writable run above. */
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(run_py(&r, s,
                         "import os, errno\n"
                         "print(os.listdir('/tmp'))\n"
                         "open('/tmp/mark', 'w').write('1')\n"
                         "try:\n"
                         "    open('/box/x', 'w')\n"
                         "    print('wrote')\n"
                         "except OSError as e:\n"
                         "    print(errno.errorcode[e.errno])\n",
                         0),
                  0);
        ASSERT_EQ(r.status, SBX_OK);
        ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "[]\nEROFS\n"));
        sbx_result_release(&r);
    }
    sbx_slot_free(s);
}

/* The JAVA and COMPILER profiles allow prctl for what runtimes do with it
 * (PR_SET_NAME), never PR_SET_SECCOMP, whatever the option's upper bits
 * (the kernel reads an int); PYTHON allows no prctl at all. Python stands
 * in for the JVM here: the profiles are only filters. x86_64 numbers. */
static void test_no_own_filter(void)
{
    static const char *const code[] = {
        "import ctypes\nl = ctypes.CDLL(None)\nl.syscall.restype = ctypes.c_long\n"
        "print(l.syscall(157, ctypes.c_long(15), b'x', 0, 0, 0))\n",
        "import ctypes\nl = ctypes.CDLL(None)\n"
        "print(l.syscall(157, ctypes.c_long(22), ctypes.c_long(2), 0, 0, 0))\n",
        "import ctypes\nl = ctypes.CDLL(None)\n"
        "print(l.syscall(157, ctypes.c_long((1 << 32) | 22), ctypes.c_long(2), 0, 0, 0))\n",
        "import ctypes\nl = ctypes.CDLL(None)\n"
        "print(l.syscall(317, ctypes.c_long(1), ctypes.c_long(0), 0))\n",
    };
    static const enum sbx_profile profiles[] = {SBX_PROFILE_JAVA, SBX_PROFILE_COMPILER,
                                                SBX_PROFILE_PYTHON};
    struct sbx_slot *s = NULL;
    struct sbx_result r;

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    for (size_t p = 0; p < 3; p++) {
        for (size_t i = 0; i < 4; i++) {
            const char *argv[] = {"/usr/bin/python3", "-c", code[i], NULL};
            struct sbx_job job;
            int ok = i == 0 && profiles[p] != SBX_PROFILE_PYTHON;

            memset(&job, 0, sizeof(job));
            sbx_limits_init(&job.limits);
            job.limits.cpu_ms = 3000;
            job.limits.wall_ms = 6000;
            job.argv = argv;
            job.profile = profiles[p];
            job.stdin_fd = -1;
            ASSERT_EQ(sbx_slot_run(&r, s, &job), 0);
            ASSERT_EQ(r.status, ok ? SBX_OK : SBX_RE);
            if (ok)
                ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "0\n"));
            else
                ASSERT_TRUE(!strcmp(r.syscall, i == 3 ? "seccomp" : "prctl"));
            sbx_result_release(&r);
        }
    }
    sbx_slot_free(s);
}

/* The host uid the program of slot `s` runs as, from its uid_map; -1. */
static long slot_uid(struct sbx_slot *s)
{
    struct sbx_result r;
    long uid = -1;

    if (run_py(&r, s, "print(open('/proc/self/uid_map').read().split()[1])\n", 0) == 0) {
        if (r.status == SBX_OK && r.out.data)
            uid = strtol(r.out.data, NULL, 10);
        sbx_result_release(&r);
    }
    return uid;
}

/* The uid range is a setting (GAVEL_SANDBOX_UID_BASE) and a slot refuses
 * to start on a uid that belongs to a user of the host. */
static void test_uid_range(void)
{
    struct sbx_slot *a = NULL, *b = NULL;
    struct passwd *nobody = getpwnam("nobody");
    char v[32];
    int k;

    long u1, u2;
    const char *env = getenv("GAVEL_SANDBOX_UID_BASE");
    char saved[32] = "";

    /* The caller's base comes back at the end: the other tests run on it. */
    if (env)
        snprintf(saved, sizeof(saved), "%s", env);
    unsetenv("GAVEL_SANDBOX_UID_BASE");
    ASSERT_EQ(sbx_slot_new(&a, SLOT), 0);
    if (!a)
        return;
    k = sbx_slot_index(a);
    /* Two runs in a row: the slot's two uids, one each. */
    u1 = slot_uid(a);
    u2 = slot_uid(a);
    ASSERT_TRUE(SLOT_OWNS(UID_BASE, k, u1));
    ASSERT_TRUE(SLOT_OWNS(UID_BASE, k, u2));
    ASSERT_TRUE(u1 != u2);
    sbx_slot_free(a);
    a = NULL;

    setenv("GAVEL_SANDBOX_UID_BASE", "3000000", 1);
    ASSERT_EQ(sbx_slot_new(&a, SLOT), 0);
    if (a) {
        k = sbx_slot_index(a);
        ASSERT_TRUE(SLOT_OWNS(3000000L, k, slot_uid(a)));
        /* Either uid of index k is nobody's: refused, before the index is
         * even claimed (we hold it: -EBUSY would hide why). */
        for (unsigned u = 0; u < UIDS_PER_SLOT; u++) {
            unsigned first = UIDS_PER_SLOT * (unsigned)k + u;
            if (!nobody || nobody->pw_uid < 1000u + first)
                continue;
            snprintf(v, sizeof(v), "%u", nobody->pw_uid - first);
            setenv("GAVEL_SANDBOX_UID_BASE", v, 1);
            ASSERT_EQ(sbx_slot_new(&b, k), -EEXIST);
            ASSERT_TRUE(b == NULL);
        }
        sbx_slot_free(a);
    }
    setenv("GAVEL_SANDBOX_UID_BASE", "abc", 1);
    ASSERT_EQ(sbx_slot_new(&b, SLOT), GV_ECONFIG);
    setenv("GAVEL_SANDBOX_UID_BASE", "10", 1);
    ASSERT_EQ(sbx_slot_new(&b, SLOT), GV_ECONFIG);
    setenv("GAVEL_SANDBOX_UID_BASE", "2147483000", 1);
    ASSERT_EQ(sbx_slot_new(&b, SLOT), GV_ECONFIG);
    /* 3000 slots of two uids: the last base is 2^31 - 1 - 5999, and it
     * works (slot 2999's second uid is 2^31 - 1). */
    setenv("GAVEL_SANDBOX_UID_BASE", "2147477649", 1);
    ASSERT_EQ(sbx_slot_new(&b, SLOT), GV_ECONFIG);
    ASSERT_TRUE(b == NULL);
    setenv("GAVEL_SANDBOX_UID_BASE", "2147477648", 1);
    ASSERT_EQ(sbx_slot_new(&b, SLOT), 0);
    if (b) {
        k = sbx_slot_index(b);
        ASSERT_TRUE(SLOT_OWNS(2147477648L, k, slot_uid(b)));
        sbx_slot_free(b);
        b = NULL;
    }
    if (saved[0])
        setenv("GAVEL_SANDBOX_UID_BASE", saved, 1);
    else
        unsetenv("GAVEL_SANDBOX_UID_BASE");
}

static void test_pool(void)
{
    struct sbx_pool *p = NULL;
    struct sbx_slot *a, *b;
    struct sbx_result r;

    ASSERT_EQ(sbx_pool_new(&p, 2), 0);
    if (!p)
        return;
    a = sbx_pool_acquire(p);
    b = sbx_pool_acquire(p);
    ASSERT_TRUE(a && b && a != b);
    ASSERT_EQ(run_py_rw(&r, a, "open('/box/x','w').write('1')\n"), 0);
    ASSERT_EQ(r.status, SBX_OK);
    sbx_result_release(&r);
    /* Slots do not share a box. */
    ASSERT_EQ(run_py(&r, b, "import os\nprint(os.path.exists('/box/x'))\n", 0), 0);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "False\n"));
    sbx_result_release(&r);
    ASSERT_EQ(sbx_pool_release(p, a), 0);
    ASSERT_EQ(sbx_pool_release(p, b), 0);
    a = sbx_pool_acquire(p);
    ASSERT_EQ(run_py(&r, a, "import os\nprint(os.listdir('/box'))\n", 0), 0);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, "[]\n"));
    sbx_result_release(&r);
    ASSERT_EQ(sbx_pool_release(p, a), 0);
    sbx_pool_free(p);
}

static unsigned long pidns(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* The run cgroups (one path per controller) whose names carry `pid` and
 * namespace `ns`, newline-separated in `out`; their count. */
static int cgroups_of(struct gv_buf *out, pid_t pid, unsigned long ns)
{
    char cmd[200], line[512];
    int n = 0;
    FILE *ls;

    gv_buf_reset(out);
    snprintf(cmd, sizeof(cmd),
             "find /sys/fs/cgroup -maxdepth 7 -type d -name 's*-*-%d-%lu' 2>/dev/null", (int)pid,
             ns);
    ls = popen(cmd, "r");
    while (ls && fgets(line, sizeof(line), ls)) {
        gv_buf_append(out, line, strlen(line));
        n++;
    }
    if (ls)
        pclose(ls);
    return n;
}

/* In a child process: makes a two-slot pool, reports "index host-uid"
 * of each slot (the uid as the program itself sees it mapped, in
 * /proc/self/uid_map), then holds the pool until `hold` reaches EOF. */
static int pool_child(int report, int hold)
{
    struct sbx_pool *p = NULL;
    struct sbx_slot *s[2];
    struct sbx_result r;
    char line[64], c;

    if (sbx_pool_new(&p, 2) < 0)
        return 1;
    s[0] = sbx_pool_acquire(p);
    s[1] = sbx_pool_acquire(p);
    for (int i = 0; i < 2; i++) {
        if (run_py(&r, s[i], "print(open('/proc/self/uid_map').read().split()[1])\n", 0) < 0 ||
            r.status != SBX_OK)
            return 1;
        snprintf(line, sizeof(line), "%d %d %ld\n", (int)getpid(), sbx_slot_index(s[i]),
                 strtol(r.out.data, NULL, 10));
        sbx_result_release(&r);
        if (write(report, line, strlen(line)) < 0)
            return 1;
    }
    close(report);
    while (read(hold, &c, 1) > 0)
        ;
    sbx_pool_free(p);
    return 0;
}

/* Two processes (two gavel-judge workers) build pools at the same time:
 * slot indexes are claimed host-wide, so their uids and cgroups are
 * disjoint. Also: an index held by a slot cannot be taken again. */
static void test_index_across_processes(void)
{
    int rep[2], hold[2], idx[4], owner[4], n = 0, status;
    long uid[4];
    pid_t pid[2];
    struct sbx_slot *a = NULL, *b = NULL;
    FILE *f;

    ASSERT_EQ(sbx_slot_new(&a, SLOT), 0);
    if (a)
        ASSERT_EQ(sbx_slot_new(&b, sbx_slot_index(a)), -EBUSY);
    sbx_slot_free(a);
    sbx_slot_free(b);

    if (pipe(rep) < 0 || pipe(hold) < 0)
        abort();
    for (int k = 0; k < 2; k++) {
        pid[k] = fork();
        if (pid[k] == 0) {
            close(rep[0]);
            close(hold[1]);
            _exit(pool_child(rep[1], hold[0]));
        }
    }
    close(rep[1]);
    close(hold[0]);
    f = fdopen(rep[0], "r");
    while (n < 4 && fscanf(f, "%d %d %ld", &owner[n], &idx[n], &uid[n]) == 3)
        n++;
    ASSERT_EQ(n, 4);
    for (int i = 0; i < n; i++) {
        ASSERT_TRUE(SLOT_OWNS(env_base(), idx[i], uid[i]));
        for (int j = 0; j < i; j++)
            ASSERT_TRUE(idx[i] != idx[j] && uid[i] != uid[j]);
    }
    /* While both pools live, each one's prepared cgroups carry its own
     * indexes only: s<index>-<seq>-<pid>-<pid namespace>. */
    for (int k = 0; k < 2 && n == 4; k++) {
        char cmd[160], name[256];
        FILE *ls;
        snprintf(cmd, sizeof(cmd),
                 "find /sys/fs/cgroup -maxdepth 7 -type d -name 's*-*-%d-%lu' 2>/dev/null",
                 (int)pid[k], pidns());
        ls = popen(cmd, "r");
        int seen = 0;
        while (ls && fgets(name, sizeof(name), ls)) {
            const char *base = strrchr(name, '/');
            int i = base ? (int)strtol(base + 2, NULL, 10) : -1, mine = 0;
            for (int j = 0; j < 4; j++)
                mine |= i == idx[j] && owner[j] == (int)pid[k];
            ASSERT_TRUE(mine);
            seen++;
        }
        if (ls)
            pclose(ls);
        ASSERT_TRUE(seen >= 2);
    }
    fclose(f);
    close(hold[1]);
    for (int k = 0; k < 2; k++) {
        ASSERT_EQ(waitpid(pid[k], &status, 0), pid[k]);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

/* A supervisor killed outright (SIGKILL, the OOM killer) cannot remove its
 * cgroups; the next holder of each of its slot indexes does, and leaves
 * alone a cgroup of the same name made in another pid namespace (another
 * container sharing the hierarchy). */
static void test_killed_holder_swept(void)
{
    int rep[2], hold[2], idx[2], owner, n = 0, status;
    long uid;
    unsigned long ns = pidns();
    pid_t pid;
    struct gv_buf left;
    char foreign[512] = "";
    FILE *f;

    gv_buf_init(&left, 1 << 20);
    if (pipe(rep) < 0 || pipe(hold) < 0)
        abort();
    pid = fork();
    if (pid == 0) {
        close(rep[0]);
        close(hold[1]);
        _exit(pool_child(rep[1], hold[0]));
    }
    close(rep[1]);
    close(hold[0]);
    f = fdopen(rep[0], "r");
    while (n < 2 && fscanf(f, "%d %d %ld", &owner, &idx[n], &uid) == 3)
        n++;
    fclose(f);
    ASSERT_EQ(n, 2);
    kill(pid, SIGKILL);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    close(hold[1]);
    ASSERT_TRUE(cgroups_of(&left, pid, ns) >= 2);
    if (left.data) {
        /* The same name from another pid namespace, beside the first. */
        char first[400];
        char *slash;
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(left.data, "\n"), left.data);
        slash = strrchr(first, '/');
        if (slash)
            *slash = '\0';
        snprintf(foreign, sizeof(foreign), "%s/s%d-1-%d-%lu", first, idx[0], (int)pid, ns + 1);
        ASSERT_EQ(mkdir(foreign, 0700), 0);
    }
    for (int i = 0; i < n; i++) {
        struct sbx_slot *s = NULL;
        ASSERT_EQ(sbx_slot_new(&s, idx[i]), 0);
        sbx_slot_free(s);
    }
    ASSERT_EQ(cgroups_of(&left, pid, ns), 0);
    if (left.data && left.len)
        fprintf(stderr, "left behind:\n%s", left.data);
    ASSERT_EQ(access(foreign, F_OK), 0);
    rmdir(foreign);
    gv_buf_release(&left);
}

/* The parent pid of `pid` from /proc, or -1. */
static pid_t ppid_of(pid_t pid)
{
    char path[64], line[256];
    pid_t pp = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "PPid:", 5))
            pp = (pid_t)strtol(line + 5, NULL, 10);
    }
    if (f)
        fclose(f);
    return pp;
}

/* The host pid of the init of this process's only slot: the child of our
 * child, the keeper. -1 when there is not exactly one. */
static pid_t only_slot_init(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = -1;
    int n = 0;

    while (d && (e = readdir(d)) != NULL) {
        pid_t p = (pid_t)strtol(e->d_name, NULL, 10), k;
        if (p <= 0 || (k = ppid_of(p)) <= 0 || ppid_of(k) != getpid())
            continue;
        found = p;
        n++;
    }
    if (d)
        closedir(d);
    return n == 1 ? found : -1;
}

static int run_print(struct sbx_slot *s, const char *want)
{
    struct sbx_result r;
    int err = run_py(&r, s, "print('alive')\n", 0);

    if (err < 0)
        return err;
    err = r.status == SBX_OK && r.out.data && !strcmp(r.out.data, want) ? 0 : GV_EINTERNAL;
    sbx_result_release(&r);
    return err;
}

/* A slot at a high index, which other processes on the host (judges, other
 * suites, taking the first free index) are unlikely to claim the moment a
 * test's child dies: the test claims it next, to watch its sweep. */
static int high_slot(struct sbx_slot **out)
{
    int err = -EBUSY;

    for (int i = 2999; i > 2950 && err == -EBUSY; i--)
        err = sbx_slot_new(out, i);
    return err;
}

/* In a child: a slot whose init never reports (stopped with SIGSTOP, as a
 * process stuck in uninterruptible sleep would be) makes a run give up
 * after its wall limit plus GAVEL_SANDBOX_GIVEUP_MS; the slot is replaced
 * (another index, the old one still held), the next run works; a reset
 * that init never answers does the same. Writes the first slot's index to
 * `report`; exits with the count of failed checks. */
static int giveup_child(int report)
{
    struct sbx_slot *s = NULL, *x = NULL;
    struct sbx_result r;
    pid_t init;
    int old, second;

    failures = 0; /* the parent's, inherited: this process counts its own */
    setenv("GAVEL_SANDBOX_GIVEUP_MS", "2000", 1); /* also bounds a slot start, slow under load */
    ASSERT_EQ(high_slot(&s), 0);
    if (!s)
        return 1;
    old = sbx_slot_index(s);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    /* Stopped while it waits with the next run prepared: the run's RUN is
     * what it never answers (stopped while preparing, the run would give
     * up on the prepare instead, leaving no run cgroup behind). */
    ASSERT_EQ(sbx_slot_wait_ready(s), 0);
    init = only_slot_init();
    ASSERT_TRUE(init > 0);
    if (init > 0)
        kill(init, SIGSTOP);
    ASSERT_EQ(run_py(&r, s, "print('never')\n", 0), GV_EGIVEUP);
    ASSERT_TRUE(sbx_slot_index(s) != old);
    /* Retired, never reused while we live: a stuck process may hold its uid. */
    ASSERT_EQ(sbx_slot_new(&x, old), -EBUSY);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    ASSERT_EQ(sbx_slot_put_file(s, "f", "1", 1, 0), 0);
    /* A reset that init never answers. */
    second = sbx_slot_index(s);
    init = only_slot_init();
    ASSERT_TRUE(init > 0);
    if (init > 0)
        kill(init, SIGSTOP);
    ASSERT_EQ(sbx_slot_reset(s), GV_EGIVEUP);
    ASSERT_TRUE(sbx_slot_index(s) != second && sbx_slot_index(s) != old);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    ASSERT_EQ(sbx_slot_reset(s), 0);
    if (write(report, &old, sizeof(old)) != sizeof(old))
        failures++;
    sbx_slot_free(s);
    return failures;
}

/* The give-up, and the cgroup of the run that never ended left for the
 * sweep of the index's next holder. */
static void test_giveup(void)
{
    int rep[2], old = -1, status = 0;
    unsigned long ns = pidns();
    struct sbx_slot *s = NULL;
    struct gv_buf left;
    pid_t pid;

    gv_buf_init(&left, 1 << 20);
    if (pipe(rep) < 0)
        abort();
    pid = fork();
    if (pid == 0) {
        close(rep[0]);
        _exit(giveup_child(rep[1]) ? 1 : 0);
    }
    close(rep[1]);
    ASSERT_EQ(read(rep[0], &old, sizeof(old)), sizeof(old));
    close(rep[0]);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The stuck run's cgroup outlived its process (nothing else did). */
    ASSERT_TRUE(cgroups_of(&left, pid, ns) >= 1);
    if (old >= 0) {
        ASSERT_EQ(sbx_slot_new(&s, old), 0);
        sbx_slot_free(s);
    }
    ASSERT_EQ(cgroups_of(&left, pid, ns), 0);
    if (left.len)
        fprintf(stderr, "left behind:\n%s", left.data);
    gv_buf_release(&left);
}

/* In a child: a slot whose init died (killed, as the OOM killer or a bug
 * would) is replaced by the next reset or run, like one that never
 * answers: a reset that finds init gone gives up with a fresh, empty slot
 * (never one whose /box may still hold the last submission's files), and
 * so does a run. Exits with the count of failed checks. */
static int init_lost_child(void)
{
    struct sbx_slot *s = NULL;
    struct sbx_result r;
    struct gv_buf got;
    pid_t init;
    int first;

    failures = 0;
    setenv("GAVEL_SANDBOX_GIVEUP_MS", "2000", 1);
    ASSERT_EQ(high_slot(&s), 0);
    if (!s)
        return 1;
    gv_buf_init(&got, 64);
    first = sbx_slot_index(s);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    ASSERT_EQ(sbx_slot_put_file(s, "last", "theirs", 6, 0), 0);
    ASSERT_EQ(sbx_slot_wait_ready(s), 0);
    init = only_slot_init();
    ASSERT_TRUE(init > 0);
    if (init > 0)
        kill(init, SIGKILL);
    ASSERT_EQ(sbx_slot_reset(s), GV_EGIVEUP);
    ASSERT_TRUE(sbx_slot_index(s) != first);
    ASSERT_EQ(sbx_slot_get_file(&got, s, "last"), -ENOENT);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    /* Killed while the next run is prepared: the run gives up. */
    ASSERT_EQ(sbx_slot_wait_ready(s), 0);
    first = sbx_slot_index(s);
    init = only_slot_init();
    ASSERT_TRUE(init > 0);
    if (init > 0)
        kill(init, SIGKILL);
    ASSERT_EQ(run_py(&r, s, "print('never')\n", 0), GV_EGIVEUP);
    ASSERT_TRUE(sbx_slot_index(s) != first);
    ASSERT_EQ(run_print(s, "alive\n"), 0);
    gv_buf_release(&got);
    sbx_slot_free(s);
    return failures;
}

static void test_init_lost(void)
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0)
        _exit(init_lost_child() ? 1 : 0);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A slot runs on one core, sbx__cgroup_core of its index, and a program
 * allowed sched_setaffinity (the JAVA profile; Python stands in for the
 * JVM) cannot widen it where a cpuset holds the slot (v1 here). */
static void test_pinned(void)
{
    const char *code = "import os\n"
                       "try:\n"
                       "    os.sched_setaffinity(0, range(os.cpu_count()))\n"
                       "except OSError as e:\n"
                       "    pass\n"
                       "print(sorted(os.sched_getaffinity(0)))\n";
    const char *argv[] = {"/usr/bin/python3", "-c", code, NULL};
    struct sbx_slot *s = NULL;
    struct sbx_result r;
    struct sbx_job job;
    char want[32];

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    snprintf(want, sizeof(want), "[%d]\n", sbx__cgroup_core(sbx_slot_index(s)));
    memset(&job, 0, sizeof(job));
    sbx_limits_init(&job.limits);
    job.limits.cpu_ms = 3000;
    job.limits.wall_ms = 6000;
    job.argv = argv;
    job.profile = SBX_PROFILE_JAVA;
    job.stdin_fd = -1;
    ASSERT_EQ(sbx_slot_run(&r, s, &job), 0);
    ASSERT_EQ(r.status, SBX_OK);
    ASSERT_TRUE(r.out.data && !strcmp(r.out.data, want));
    if (r.out.data && strcmp(r.out.data, want))
        fprintf(stderr, "affinity %s, want %s", r.out.data, want);
    sbx_result_release(&r);
    sbx_slot_free(s);
}

/* The directory of a cgroup of ours in the v1 hierarchy `ctrl`, made
 * under our own cgroup there: "" when v1 `ctrl` is not mounted. */
static void sibling_cgroup(char *out, size_t len, const char *ctrl, const char *name)
{
    static const char *const ctrls[] = {"memory", "cpuacct", "pids"};
    struct sbx__cg_mounts m;
    char self[200] = "";
    struct gv_buf b;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    int i;

    out[0] = '\0';
    gv_buf_init(&b, 1 << 20);
    while (f && fgets(line, sizeof(line), f))
        gv_buf_append(&b, line, strlen(line));
    if (f)
        fclose(f);
    for (i = 0; i < 3 && strcmp(ctrls[i], ctrl); i++)
        ;
    f = fopen("/proc/self/cgroup", "re");
    if (f) {
        char text[4096];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        if (sbx__cgroup_parse_self(self, sizeof(self), text, ctrl) < 0)
            self[0] = '\0';
    }
    if (i < 3 && b.data && sbx__cgroup_parse_mounts(&m, b.data) == 0 && m.v1[i][0] &&
        !m.v1_root[i][0])
        snprintf(out, len, "%s%s/%s", m.v1[i], self, name);
    gv_buf_release(&b);
}

/* In a child: moves itself into a cgroup of its own in each hierarchy,
 * starts a slot there and reports its index; the parent kills it. */
static int other_cgroup_child(int report, const char *name)
{
    static const char *const ctrls[] = {"memory", "cpuacct", "pids"};
    struct sbx_slot *s = NULL;
    int idx;

    for (int i = 0; i < 3; i++) {
        char dir[400], procs[440];
        FILE *f;
        sibling_cgroup(dir, sizeof(dir), ctrls[i], name);
        if (!dir[0] || (mkdir(dir, 0700) < 0 && errno != EEXIST))
            return 1;
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
        f = fopen(procs, "we");
        if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
            return 1;
    }
    sbx__cgroup_use_fixture(NULL); /* detect again, from the new cgroups */
    if (high_slot(&s) < 0)
        return 1;
    idx = sbx_slot_index(s);
    if (write(report, &idx, sizeof(idx)) != sizeof(idx))
        return 1;
    pause();
    return 0;
}

/* A supervisor killed while in another cgroup than the next holder of its
 * index: its run cgroups lie under that other cgroup's gavel-sbx, and the
 * sweep must find them there. */
static void test_sweep_other_cgroup(void)
{
    static const char *const ctrls[] = {"memory", "cpuacct", "pids"};
    char name[64], dir[400];
    int rep[2], idx = -1, status;
    unsigned long ns = pidns();
    struct sbx_slot *s = NULL;
    struct gv_buf left;
    pid_t pid;

    sibling_cgroup(dir, sizeof(dir), "memory", "x");
    if (!dir[0]) {
        fprintf(stderr, "test_sweep_other_cgroup: no v1 memory hierarchy mounted whole; skipped\n");
        return;
    }
    gv_buf_init(&left, 1 << 20);
    snprintf(name, sizeof(name), "sbx-sweep-test-%d", (int)getpid());
    if (pipe(rep) < 0)
        abort();
    pid = fork();
    if (pid == 0) {
        close(rep[0]);
        _exit(other_cgroup_child(rep[1], name));
    }
    close(rep[1]);
    ASSERT_EQ(read(rep[0], &idx, sizeof(idx)), sizeof(idx));
    close(rep[0]);
    kill(pid, SIGKILL);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    /* Its cgroups are under the other cgroup, in every hierarchy. */
    ASSERT_TRUE(cgroups_of(&left, pid, ns) >= 3);
    ASSERT_TRUE(left.data && strstr(left.data, name) != NULL);
    if (idx >= 0) {
        ASSERT_EQ(sbx_slot_new(&s, idx), 0);
        sbx_slot_free(s);
    }
    ASSERT_EQ(cgroups_of(&left, pid, ns), 0);
    if (left.len)
        fprintf(stderr, "left behind:\n%s", left.data);
    for (int i = 0; i < 3; i++) {
        char sub[460];
        sibling_cgroup(dir, sizeof(dir), ctrls[i], name);
        snprintf(sub, sizeof(sub), "%s/gavel-sbx", dir);
        rmdir(sub);
        ASSERT_EQ(rmdir(dir), 0);
    }
    gv_buf_release(&left);
}

/* ---- no two live processes of different runs share a uid ------------------------------ */

/* A process of the host as one pass of the sampler saw it. */
struct seen {
    pid_t pid;
    long uid;
    unsigned long long start;
    char cg[512];  /* its /proc/<pid>/cgroup */
    char run[64];  /* "/s<index>-<seq>-" in it: which run it belongs to */
    char cpus[32]; /* its Cpus_allowed_list */
};

struct sampler {
    long uid0; /* the slot's first uid; the second is uid0 + 1 */
    char mark[64]; /* in the name of every cgroup of this slot of ours */
    char core[16]; /* the slot's core, as Cpus_allowed_list shows it */
    volatile int stop;
    long passes, overlaps, violations, seen_any, unpinned;
};

static int read_text(char *buf, size_t len, const char *path)
{
    FILE *f = fopen(path, "re");
    size_t n;

    if (!f)
        return -1;
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

/* Live (not a zombie) and started at `*start` (set when 0): 1; else 0. */
static int alive(pid_t pid, unsigned long long *start)
{
    char path[64], buf[1024], state;
    unsigned long long st = 0;
    const char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_text(buf, sizeof(buf), path) < 0 || !(p = strrchr(buf, ')')))
        return 0;
    /* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice threads itrealvalue starttime" */
    if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
                      "%*d %llu",
               &state, &st) != 2 || state == 'Z' || state == 'X')
        return 0;
    if (*start == 0)
        *start = st;
    return *start == st;
}

/* One pass: every process whose real uid is one of the slot's, then each
 * checked again. A process seen at t1 and still alive at r1, and another
 * seen at t2 and alive at r2, with every t before every r, were alive
 * together at least from the last t to the first r: the pass is a true
 * snapshot of what it keeps. */
static void sample_once(struct sampler *sm)
{
    struct seen got[64];
    int n = 0, keep[64];
    struct dirent *de;
    DIR *d = opendir("/proc");

    if (!d)
        return;
    while ((de = readdir(d)) && n < 64) {
        char path[64], buf[4096];
        const char *u, *c;
        long uid;
        pid_t pid;
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid = (pid_t)strtol(de->d_name, NULL, 10);
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (read_text(buf, sizeof(buf), path) < 0 || !(u = strstr(buf, "\nUid:")))
            continue;
        uid = strtol(u + 5, NULL, 10);
        if (uid != sm->uid0 && uid != sm->uid0 + 1)
            continue;
        got[n].pid = pid;
        got[n].uid = uid;
        got[n].start = 0;
        c = strstr(buf, "\nCpus_allowed_list:");
        if (!c || sscanf(c + 19, " %31s", got[n].cpus) != 1)
            got[n].cpus[0] = '\0';
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        /* Only our slot's: a judge or test of another checkout on this
         * host may use the same base. */
        if (!alive(got[n].pid, &got[n].start) ||
            read_text(got[n].cg, sizeof(got[n].cg), path) < 0 || !(c = strstr(got[n].cg, sm->mark)))
            continue;
        /* The run by its cgroups' name, not the whole text: an exiting
         * process may show the root in some v1 hierarchies and the run's
         * in others (CI saw a run's parent, exiting, beside its forked
         * child taken for two runs), and one joining shows the pool's in
         * those it has not joined yet. */
        {
            const char *seq = c + strlen(sm->mark), *end = strchr(seq, '-');
            int len = end ? (int)(end + 1 - c) : 0;

            if (len <= 0 || len >= (int)sizeof(got[n].run))
                continue;
            snprintf(got[n].run, sizeof(got[n].run), "%.*s", len, c);
        }
        n++;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        keep[i] = alive(got[i].pid, &got[i].start);
    sm->passes++;
    for (int i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        sm->seen_any++;
        /* The prepared process as well as the running one: both are
         * init's, which has the keeper's affinity. */
        if (strcmp(got[i].cpus, sm->core) != 0) {
            sm->unpinned++;
            fprintf(stderr, "pid %d of the slot may run on CPUs %s, not only on %s\n",
                    (int)got[i].pid, got[i].cpus, sm->core);
        }
        for (int j = 0; j < i; j++) {
            if (!keep[j] || !strcmp(got[i].run, got[j].run))
                continue;
            /* Two runs at once (the running one and the next one's
             * prepared process): never on the same uid. */
            if (got[i].uid == got[j].uid) {
                sm->violations++;
                fprintf(stderr, "pids %d and %d of different runs share uid %ld:\n%s---\n%s",
                        (int)got[i].pid, (int)got[j].pid, got[i].uid, got[i].cg, got[j].cg);
            } else {
                sm->overlaps++;
            }
        }
    }
}

static void *sampler_main(void *arg)
{
    struct sampler *sm = arg;

    while (!sm->stop)
        sample_once(sm);
    return NULL;
}

/* The next run's process is prepared while a run goes on, as the slot's
 * other uid. Under load (runs that burn CPU, sleep, or leave orphans that
 * init must kill; a thread scanning /proc all the while), every snapshot
 * of the host's processes with the slot's uids has each uid in one run
 * only, the running program and the prepared process are seen together
 * on different uids, every one of them is pinned to the slot's core, and
 * consecutive runs alternate. */
static void test_uid_never_shared(void)
{
    static const char *const progs[] = {
        /* busy for 30 ms */
        "import time\nt = time.time()\nwhile time.time() - t < 0.03: pass\n",
        /* asleep for 30 ms */
        "import time\ntime.sleep(0.03)\n",
        /* an orphan that would outlive the run by seconds */
        "import os, time\nif os.fork() == 0:\n    time.sleep(5)\n    os._exit(0)\ntime.sleep(0.02)\n",
    };
    long base = env_base(), last = -1;
    struct sampler sm = {0};
    struct sbx_slot *s = NULL;
    pthread_t th;
    int started = 0;

    ASSERT_EQ(sbx_slot_new(&s, SLOT), 0);
    if (!s)
        return;
    sm.uid0 = base + UIDS_PER_SLOT * sbx_slot_index(s);
    /* Its cgroups are s<index>-<seq>-<supervisor pid>-<pid namespace>; the
     * index is ours alone host-wide while we hold it. */
    snprintf(sm.mark, sizeof(sm.mark), "/s%d-", sbx_slot_index(s));
    snprintf(sm.core, sizeof(sm.core), "%d", sbx__cgroup_core(sbx_slot_index(s)));
    started = pthread_create(&th, NULL, sampler_main, &sm) == 0;
    ASSERT_TRUE(started);
    for (int i = 0; i < 45; i++) {
        char code[512];
        struct sbx_result r;
        long uid = -1;
        snprintf(code, sizeof(code), "%sprint(open('/proc/self/uid_map').read().split()[1])\n",
                 progs[i % 3]);
        ASSERT_EQ(run_py(&r, s, code, 0), 0);
        ASSERT_EQ(r.status, SBX_OK);
        if (r.out.data)
            uid = strtol(r.out.data, NULL, 10);
        sbx_result_release(&r);
        ASSERT_TRUE(uid == sm.uid0 || uid == sm.uid0 + 1);
        ASSERT_TRUE(uid != last);
        last = uid;
    }
    /* Runs shorter than a preparation: the run ends (and init kills its
     * uid) while the next process is still root, before its own uid; it
     * must survive that, so every preparation succeeds. */
    {
        static const char *const argv[] = {"/box/true", NULL};
        struct gv_buf bin;
        struct sbx_job job;
        FILE *f = fopen("/usr/bin/true", "re");
        char chunk[4096];
        size_t n;

        gv_buf_init(&bin, 16 << 20);
        while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            gv_buf_append(&bin, chunk, n);
        if (f)
            fclose(f);
        ASSERT_EQ(sbx_slot_put_file(s, "true", bin.data, bin.len, 1), 0);
        gv_buf_release(&bin);
        memset(&job, 0, sizeof(job));
        sbx_limits_init(&job.limits);
        job.argv = argv;
        job.profile = SBX_PROFILE_NATIVE;
        job.stdin_fd = -1;
        for (int i = 0; i < 60; i++) {
            struct sbx_result r;
            ASSERT_EQ(sbx_slot_run(&r, s, &job), 0);
            ASSERT_EQ(r.status, SBX_OK);
            sbx_result_release(&r);
            ASSERT_EQ(sbx_slot_wait_ready(s), 0);
        }
    }
    sm.stop = 1;
    if (started)
        pthread_join(th, NULL);
    sbx_slot_free(s);
    fprintf(stderr, "uid sampler: %ld passes, %ld processes seen, %ld overlapping pairs\n",
            sm.passes, sm.seen_any, sm.overlaps);
    ASSERT_EQ(sm.violations, 0);
    ASSERT_EQ(sm.unpinned, 0);
    ASSERT_TRUE(sm.passes > 0);
    ASSERT_TRUE(sm.overlaps > 0);
}

int main(void)
{
    char why[512];

    if (geteuid() != 0) {
        printf("SKIP: needs root\n");
        return 77;
    }
    if (sbx_check_host(why, sizeof(why)) < 0) {
        fprintf(stderr, "sandbox unavailable on a root host: %s\n", why);
        return 1;
    }
    test_planted_files();
    test_fresh_cgroup();
    test_fresh_state();
    test_no_own_filter();
    test_uid_range();
    test_uid_never_shared();
    test_pool();
    test_index_across_processes();
    test_killed_holder_swept();
    test_giveup();
    test_init_lost();
    test_sweep_other_cgroup();
    test_pinned();
    printf("test_sbx_slot: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
