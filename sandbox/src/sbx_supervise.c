/* SPDX-License-Identifier: MIT
 * sbx_supervise.c - the caller's side of a slot: the run protocol (RUN, KILL,
 * RESET), the measuring loop with its wall clock and CPU deadline, the
 * verdict, and files in /box.
 *
 * Everything here runs in the caller's process, on the thread that called,
 * as root outside the slot's namespaces. It talks to the slot's init only
 * through the slot's socket, reaches /box only through the O_PATH
 * descriptor init sent (never by a host path: the program may have planted
 * links there), and measures and kills a run through its cgroup. The next
 * run's process is prepared by the slot's helper thread (sbx_slot.c), off
 * the caller's path: a run waits for the helper, prepares inline only if
 * that failed, and hands its cgroup back to the helper when it ends. The
 * seccomp filters are built here, in sbx_check_host, before any slot
 * starts, so that a slot's processes inherit them through fork. The theory
 * of operation of the whole slot is at the top of sbx_slot.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "sbx_internal.h"
#include "banned.h"

#define SBX_CAPTURE_DEFAULT (64 * 1024)

struct sock_fprog sbx__profiles[4];
static pthread_once_t profiles_once = PTHREAD_ONCE_INIT;
static int profiles_err;
/* Online cores, for the CPU poll timeout: glibc reads /sys for it on every
 * call, so it is read once with the profiles. */
static long online_cpus = 1;

static void build_profiles(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    online_cpus = n > 0 ? n : 1;
    for (int i = 0; i < 4 && profiles_err == 0; i++)
        profiles_err = sbx__seccomp_build(&sbx__profiles[i], (enum sbx_profile)i);
}

const char *sbx_status_name(enum sbx_status st)
{
    static const char *const names[] = {"OK", "TLE", "MLE", "RE", "OLE", "SE"};
    return (unsigned)st < 6 ? names[st] : "SE";
}

void sbx_limits_init(struct sbx_limits *l)
{
    l->cpu_ms = 1000;
    l->wall_ms = 3000;
    l->memory_bytes = 256ll << 20;
    l->output_bytes = 64ll << 20;
    l->fsize_bytes = 64ll << 20;
    l->pids = 64;
    l->nofile = 64;
}

void sbx_result_init(struct sbx_result *r)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    gv_buf_init(&r->out, SBX_CAPTURE_DEFAULT);
    gv_buf_init(&r->err, SBX_CAPTURE_DEFAULT);
}

void sbx_result_release(struct sbx_result *r)
{
    gv_buf_release(&r->out);
    gv_buf_release(&r->err);
}

int sbx_stdin_from_buf(int *out_fd, const void *data, size_t len)
{
    int fd = memfd_create("sbx-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING), err;

    if (fd < 0)
        return -errno;
    err = sbx__write_all(fd, data, len);
    if (err < 0)
        goto fail;
    /* Sealed: a reopen through /proc/self/fd cannot change the input. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        err = -errno;
        goto fail;
    }
    *out_fd = fd;
    return 0;
fail:
    close(fd);
    return err;
}

int sbx__slot_expect_ready(struct sbx_slot *s, char *why, size_t why_len)
{
    struct sbx__msg m;
    int fd = -1, nfds = 1;
    ssize_t n = sbx__msg_recv(s->sock, &m, &fd, &nfds);

    if (n <= 0) {
        /* -EAGAIN: nothing within giveup_ms (the socket's SO_RCVTIMEO). */
        snprintf(why, why_len, "%s",
                 n == -EAGAIN ? "the slot's init did not answer in time" : "the slot's init died");
        return n < 0 ? (int)n : GV_EUNAVAIL;
    }
    if (m.type != SBX_MSG_READY || nfds != 1) {
        if (nfds == 1)
            close(fd);
        snprintf(why, why_len, "%.200s", m.type == SBX_MSG_ERROR ? m.text : "protocol error");
        return m.status < 0 ? m.status : GV_EINTERNAL;
    }
    if (s->box_fd >= 0)
        close(s->box_fd);
    s->box_fd = fd;
    return 0;
}

int sbx_check_host(char *msg, size_t msg_len)
{
    int err;
    long v = 0;
    FILE *f;

    if (geteuid() != 0) {
        snprintf(msg, msg_len, "the sandbox needs root (running as uid %u)", (unsigned)geteuid());
        return -EPERM;
    }
    err = sbx__cgroup_detect(msg, msg_len);
    if (err < 0)
        return err;
    f = fopen("/proc/sys/user/max_user_namespaces", "re");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
        if (v <= 0) {
            snprintf(msg, msg_len,
                     "user namespaces are disabled "
                     "(/proc/sys/user/max_user_namespaces is 0)");
            return GV_EUNAVAIL;
        }
    }
    pthread_once(&profiles_once, build_profiles);
    if (profiles_err < 0) {
        snprintf(msg, msg_len,
                 "cannot build seccomp filters (libseccomp or kernel lacks "
                 "SECCOMP_RET_USER_NOTIF): %s",
                 gv_strerror(profiles_err));
        return profiles_err;
    }
    return 0;
}

static int valid_name(const char *name)
{
    return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
           strlen(name) < 128;
}

int sbx_slot_remove_file(struct sbx_slot *s, const char *name)
{
    if (!valid_name(name))
        return GV_EINVAL;
    /* unlinkat removes a link or FIFO itself, never what it points to. */
    if (unlinkat(s->box_fd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int sbx_slot_put_file(struct sbx_slot *s, const char *name, const void *data, size_t len, int exec)
{
    int fd, err;

    if (!valid_name(name))
        return GV_EINVAL;
    unlinkat(s->box_fd, name, 0);
    fd = openat(s->box_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                exec ? 0755 : 0644);
    if (fd < 0)
        return -errno;
    err = sbx__write_all(fd, data, len);
    close(fd);
    return err;
}

int sbx_slot_get_file(struct gv_buf *out, struct sbx_slot *s, const char *name)
{
    struct stat st;
    int fd, err;

    if (!valid_name(name))
        return GV_EINVAL;
    /* O_NONBLOCK: opening a FIFO the program planted must not hang. */
    fd = openat(s->box_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? GV_EINVAL : -errno;
    err = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ? GV_EINVAL : sbx__read_all(fd, out);
    close(fd);
    return err;
}

int sbx_slot_reset(struct sbx_slot *s)
{
    struct sbx__msg m = {.type = SBX_MSG_RESET};
    char why[256];
    int err;

    sbx__slot_wait_helper(s);
    err = sbx__msg_send(s->sock, &m, offsetof(struct sbx__msg, text), NULL, 0);
    if (err == 0)
        err = sbx__slot_expect_ready(s, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "cannot send RESET");
    if (err < 0) {
        /* Whatever failed, the box may still hold the last submission's
         * files (our descriptor of it certainly does) or be no box at all:
         * the slot is never used again, and the caller judges again on a
         * fresh, empty one. */
        gv_log(GV_LOG_ERROR, "sandbox", "cannot reset slot %d: %s", s->index, why);
        return sbx__slot_replace(s, NULL, "reset", err);
    }
    /* Init dropped the prepared process (its mount namespace holds the old
     * /box): its cgroup goes, and the helper prepares another meanwhile. */
    if (s->have_next) {
        s->have_next = 0;
        sbx__slot_retire(s, &s->next);
    }
    sbx__slot_kick_helper(s);
    return err;
}

/* Appends what fits into the bounded capture and counts everything. */
static int drain(int fd, struct gv_buf *b, int64_t *total)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -errno;
    if (n == 0)
        return 0;
    *total += n;
    if (b->len < b->max) {
        size_t room = b->max - b->len, take = (size_t)n < room ? (size_t)n : room;
        gv_buf_append(b, buf, take);
    }
    return 1;
}

struct run_state {
    int done, killed, tle_wall, tle_cpu, ole, se, seccomp_nr;
    int giveup; /* init never reported the end (-EAGAIN) or died: the slot is replaced */
    /* Run profiles: the one execve still allowed (the program's own). */
    int exec_left;
    int status;
    int listener;
    int64_t start_ms;
};

static void kill_run(struct sbx_slot *s, struct sbx__cgroup *cg, struct run_state *st)
{
    struct sbx__msg m = {.type = SBX_MSG_KILL};

    if (st->killed)
        return;
    st->killed = 1;
    sbx__msg_send(s->sock, &m, offsetof(struct sbx__msg, text), NULL, 0);
    sbx__cgroup_kill(cg);
}

/* Lets the run's own execve go on. Run profiles refuse execve in the
 * filter, so the child's exec of the program (or of its interpreter) stops
 * here like any refused call, and the first one is answered with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE. That flag is unsafe for decisions
 * made on a call's arguments (they live in the caller's memory, which may
 * change before the kernel reads them); this one is made on no argument,
 * only on it being the first execve of the run, and the first is always
 * the child's: nothing of the program runs before it, and the child is a
 * single thread blocked in that call. Every later execve and every
 * execveat is refused like any other call: the run ends, naming it. */
static int allow_first_exec(struct run_state *st, const struct seccomp_notif *req)
{
    struct seccomp_notif_resp resp;

    if (!st->exec_left || req->data.nr != __NR_execve)
        return 0;
    st->exec_left = 0;
    memset(&resp, 0, sizeof(resp));
    resp.id = req->id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    /* ENOENT: the child died meanwhile (killed at the wall limit). */
    ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    return 1;
}

static void on_notification(struct sbx_slot *s, struct sbx__cgroup *cg, struct run_state *st,
                            struct sbx_result *r)
{
    struct seccomp_notif req;

    memset(&req, 0, sizeof(req));
    if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return;
    if (allow_first_exec(st, &req))
        return;
    if (st->seccomp_nr < 0) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)req.data.nr);
        st->seccomp_nr = (int)req.data.nr;
        if (name)
            snprintf(r->syscall, sizeof(r->syscall), "%s", name);
        else
            snprintf(r->syscall, sizeof(r->syscall), "#%d", (int)req.data.nr);
        free(name); /* libseccomp allocates it with malloc */
    }
    /* The caller stays blocked in the kernel until it dies: never answered,
     * the syscall never runs. */
    kill_run(s, cg, st);
}

static int64_t clamp_timeout(int64_t v)
{
    return v < 1 ? 1 : v;
}

int sbx_slot_run(struct sbx_result *out, struct sbx_slot *s, const struct sbx_job *job)
{
    struct sbx_limits l = job->limits, def;
    struct sbx__cgroup cg;
    struct run_state st = {
        .seccomp_nr = -1, .listener = -1, .exec_left = job->profile != SBX_PROFILE_COMPILER};
    struct sbx__msg m;
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, fds[8], nfds = 0, err = 0, open_pipes;
    size_t off = 0, cap = job->capture_max ? job->capture_max : SBX_CAPTURE_DEFAULT;
    int64_t deadline, now, v, cpu_base;
    long ncpu = online_cpus;
    int box_rw = job->profile == SBX_PROFILE_COMPILER || job->box_writable, kicked = 0;


    sbx_result_init(out);
    out->out.max = out->err.max = cap;
    sbx_limits_init(&def);
    if (l.cpu_ms <= 0)
        l.cpu_ms = def.cpu_ms;
    if (l.wall_ms <= 0)
        l.wall_ms = def.wall_ms;
    if (l.memory_bytes <= 0)
        l.memory_bytes = def.memory_bytes;
    if (l.output_bytes <= 0)
        l.output_bytes = def.output_bytes;
    if (l.fsize_bytes <= 0)
        l.fsize_bytes = def.fsize_bytes;
    if (l.pids <= 0)
        l.pids = def.pids;
    if (l.nofile <= 0)
        l.nofile = def.nofile;
    sbx__slot_wait_helper(s);
    if (!s->have_next) {
        /* A prepare that init never answered is not tried again on the
         * same init. */
        err = s->prep_err == -EAGAIN ? -EAGAIN : sbx__slot_prepare_next(s);
        if (sbx__init_lost(err)) {
            sbx_result_release(out);
            return sbx__slot_replace(s, NULL, "preparing a run", err);
        }
        if (err < 0) {
            gv_log(GV_LOG_ERROR, "sandbox", "slot %d is not ready: %s", s->index, s->prep_why);
            sbx_result_release(out);
            return err;
        }
    }
    /* From here on s->next and s->cpu_base are the helper's again: it
     * prepares the run after this one as soon as this one has started. */
    cg = s->next;
    cpu_base = s->cpu_base;
    s->have_next = 0;
    if (memcmp(&l, &s->next_limits, sizeof(l)) != 0) {
        err = sbx__cgroup_set_limits(&cg, &l);
        if (err < 0) {
            gv_log(GV_LOG_ERROR, "sandbox", "cannot set cgroup limits: %s", gv_strerror(err));
            goto out;
        }
        pthread_mutex_lock(&s->lock);
        s->next_limits = l;
        pthread_mutex_unlock(&s->lock);
    }
    if (box_rw != s->next_box_rw) {
        pthread_mutex_lock(&s->lock);
        s->next_box_rw = box_rw;
        pthread_mutex_unlock(&s->lock);
    }
    /* Only our read ends are non-blocking: the program's writes block
     * on a full pipe as they would on a terminal. */
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        fcntl(outp[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
        err = -errno;
        goto out;
    }
    memset(&m, 0, offsetof(struct sbx__msg, text));
    m.type = SBX_MSG_RUN;
    m.profile = job->profile;
    m.limits = l;
    m.has_stdin = job->stdin_fd >= 0;
    m.box_rw = box_rw;
    for (const char *const *a = job->argv; *a; a++) {
        size_t n = strlen(*a) + 1;
        if (off + n + 1 > sizeof(m.text)) {
            err = GV_ETOOBIG;
            goto out;
        }
        memcpy(m.text + off, *a, n);
        off += n;
    }
    m.text[off++] = '\0';
    if (m.has_stdin)
        fds[nfds++] = job->stdin_fd;
    fds[nfds++] = outp[1];
    fds[nfds++] = errp[1];
    err = sbx__msg_send(s->sock, &m, offsetof(struct sbx__msg, text) + off, fds, nfds);
    if (err < 0) {
        st.giveup = sbx__init_lost(err) ? err : 0;
        goto out;
    }
    /* The next run's process is prepared while this one runs: init gives
     * it the slot's other uid (see sbx_slot_init.c). */
    sbx__slot_kick_helper(s);
    kicked = 1;
    if (job->meanwhile)
        job->meanwhile(job->meanwhile_ctx);
    /* Only the child may hold the write ends, or EOF would never come. */
    close(outp[1]);
    close(errp[1]);
    outp[1] = errp[1] = -1;

    st.start_ms = gv_time_mono_ms();
    deadline = st.start_ms + l.wall_ms;
    open_pipes = 2;
    while (!st.done || open_pipes > 0) {
        struct pollfd pf[4] = {
            {.fd = st.done ? -1 : s->sock, .events = POLLIN},
            {.fd = outp[0], .events = POLLIN},
            {.fd = errp[0], .events = POLLIN},
            {.fd = st.listener, .events = POLLIN},
        };
        int64_t timeout;
        int64_t cpu = 0;

        now = gv_time_mono_ms();
        if (!st.done && now >= deadline + s->giveup_ms) {
            /* Killed at the wall limit, and still no DONE: init itself is
             * stuck (or a process it waits for is, in uninterruptible
             * sleep). Waiting longer could be for ever. */
            st.giveup = -EAGAIN;
            break;
        }
        if (st.done) {
            /* Init has reaped every process: the pipes are at EOF or
             * about to be. A bounded grace period guards against a bug. */
            timeout = clamp_timeout(st.start_ms + l.wall_ms + 2000 - now);
            if (now > deadline + 2000)
                break;
        } else {
            if (sbx__cgroup_cpu_ms(&cg, &cpu) == 0 && (cpu -= cpu_base) > l.cpu_ms &&
                !st.killed) {
                st.tle_cpu = 1;
                kill_run(s, &cg, &st);
            }
            if (now >= deadline && !st.killed) {
                st.tle_wall = 1;
                kill_run(s, &cg, &st);
            }
            sbx__cgroup_sample(&cg);
            /* The CPU limit cannot be crossed sooner than this. */
            timeout = (l.cpu_ms - cpu) / ncpu + 1;
            if (timeout > 100)
                timeout = 100;
            if (deadline - now < timeout)
                timeout = deadline - now;
            timeout = clamp_timeout(timeout);
            if (st.killed)
                timeout = 50;
            if (deadline + s->giveup_ms - now < timeout)
                timeout = clamp_timeout(deadline + s->giveup_ms - now);
        }
        if (poll(pf, 4, (int)timeout) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        if (pf[3].revents & POLLIN)
            on_notification(s, &cg, &st, out);
        if (pf[3].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            close(st.listener);
            st.listener = -1;
        }
        for (int i = 1; i <= 2; i++) {
            int *pfd = i == 1 ? &outp[0] : &errp[0];
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int r = drain(*pfd, i == 1 ? &out->out : &out->err, &out->out_total);
            if (r <= 0) {
                close(*pfd);
                *pfd = -1;
                open_pipes--;
            }
            if (out->out_total > l.output_bytes && !st.ole) {
                st.ole = 1;
                kill_run(s, &cg, &st);
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            int got[1], ngot = 1;
            ssize_t n = sbx__msg_recv(s->sock, &m, got, &ngot);
            if (n <= 0) {
                /* Init died (or its socket broke): the run's end is
                 * unknown and the slot is dead, so the run did not happen
                 * and the slot is replaced, as when init never answers. */
                st.giveup = n < 0 ? (int)n : GV_EUNAVAIL;
                break;
            }
            if (m.type == SBX_MSG_LISTENER && ngot == 1) {
                st.listener = got[0];
                /* The program's wall clock starts at its execve. */
                st.start_ms = gv_time_mono_ms();
                deadline = st.start_ms + l.wall_ms;
            } else {
                for (int i = 0; i < ngot; i++)
                    close(got[i]);
                if (m.type == SBX_MSG_ERROR) {
                    st.se = 1;
                    /* The child's errors name the failed step and
                     * give its error number (it cannot format text:
                     * it runs in init's memory). */
                    if (!m.final && m.status < 0)
                        snprintf(out->message, sizeof(out->message), "%.200s: %s", m.text,
                                 strerror(-m.status));
                    else
                        snprintf(out->message, sizeof(out->message), "%.200s", m.text);
                    kill_run(s, &cg, &st);
                    /* The child's error precedes init's DONE; an
                     * error of init itself is the last message. */
                    if (m.final)
                        st.done = 1;
                } else if (m.type == SBX_MSG_DONE) {
                    st.done = 1;
                    st.status = m.status;
                }
            }
        }
    }
    if (st.giveup) {
        err = GV_EGIVEUP;
        goto out;
    }
    now = gv_time_mono_ms();
    out->wall_ms = now - st.start_ms;
    if (st.listener >= 0 && st.seccomp_nr < 0) {
        /* A notification that raced with the end of the run. */
        struct pollfd pf = {.fd = st.listener, .events = POLLIN};
        if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN))
            on_notification(s, &cg, &st, out);
    }
    sbx__cgroup_kill(&cg);
    if (sbx__cgroup_cpu_ms(&cg, &v) == 0)
        out->cpu_ms = v - cpu_base > 0 ? v - cpu_base : 0;
    if (sbx__cgroup_mem_peak_kb(&cg, &v) == 0)
        out->memory_kb = v;
    if (WIFEXITED(st.status)) {
        out->exit_code = WEXITSTATUS(st.status);
    } else if (WIFSIGNALED(st.status)) {
        out->signal = WTERMSIG(st.status);
    }
    if (err < 0 || st.se) {
        out->status = SBX_SE;
        if (!out->message[0])
            snprintf(out->message, sizeof(out->message), "%s", gv_strerror(err));
    } else if (st.seccomp_nr >= 0) {
        out->status = SBX_RE;
        out->signal = SIGSYS;
        out->exit_code = -1;
    } else if (st.ole || out->signal == SIGXFSZ) {
        out->status = SBX_OLE;
    } else if (st.tle_cpu || out->cpu_ms > l.cpu_ms || out->signal == SIGXCPU) {
        out->status = SBX_TLE;
    } else if (st.tle_wall) {
        out->status = SBX_TLE;
    } else if ((out->signal || out->exit_code != 0) && sbx__cgroup_mem_hit(&cg)) {
        out->status = SBX_MLE;
    } else if (out->signal || out->exit_code != 0) {
        out->status = SBX_RE;
    } else {
        out->status = SBX_OK;
    }
    if (out->status == SBX_TLE || out->status == SBX_OLE || out->status == SBX_MLE) {
        /* Our own SIGKILL is not the program's signal. */
        if (st.killed && out->signal == SIGKILL)
            out->signal = 0;
    }
    err = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0)
            close(outp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    if (st.listener >= 0)
        close(st.listener);
    if (st.giveup) {
        /* Init never reported: the whole slot goes, with the process the
         * helper prepared meanwhile. */
        err = sbx__slot_replace(s, &cg, "a run", st.giveup);
    } else {
        /* The helper removes this cgroup later. A run that never started
         * leaves its prepared process in it (killed with the cgroup): the
         * helper prepares another. */
        sbx__slot_retire(s, &cg);
        if (!kicked)
            sbx__slot_kick_helper(s);
    }
    if (err < 0)
        sbx_result_release(out);
    return err;
}
