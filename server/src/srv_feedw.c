/* SPDX-License-Identifier: MIT
 * srv_feedw.c - the feeds' writer thread: one epoll loop over the streamed
 * feeds' sockets (srv_feedw.h says why and who owns what).
 *
 * The thread sleeps in epoll_wait on the feeds' descriptors (for a hang-up,
 * and for room to write when a write fell short) and an eventfd the loop
 * signals when it queues commands. It writes what a feed is given at once,
 * as much as the socket takes; the rest waits for EPOLLOUT. A feed that
 * took all it was given is reported TAKEN, and the loop may give it more.
 * Both directions queue ports, not messages: a port is queued once however
 * many commands or events it has, so a read given to a thousand feeds costs
 * the loop a lock and a link per feed and one wake-up of the writer (with
 * `defer`, once the loop queued the whole batch: woken at its first
 * command, the writer would take the lock beside the loop queueing the
 * rest), and the writer's answers one wake-up of the loop. The writer
 * takes the lock a few times a turn, never once per port: it takes the
 * whole command queue in one critical section, and publishes the turn's
 * events in one at its end. */
#define _GNU_SOURCE
#include "srv_feedw.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define FEEDW_EVENTS 256
/* How often, at most, ports with bytes waiting are looked at for stalls. */
#define FEEDW_STALL_SCAN_MS 1000

/* Ports linked through one of their `next` fields (cmd_next, ev_next,
 * post_next). */
struct port_queue {
    struct srv__feedw_port *head, *tail;
    size_t link; /* offsetof the `next` field */
};

static struct srv__feedw_port **next_of(const struct port_queue *q, struct srv__feedw_port *p)
{
    return (struct srv__feedw_port **)((char *)p + q->link);
}

static void queue_push(struct port_queue *q, struct srv__feedw_port *p)
{
    *next_of(q, p) = NULL;
    if (q->tail)
        *next_of(q, q->tail) = p;
    else
        q->head = p;
    q->tail = p;
}

static struct srv__feedw_port *queue_take(struct port_queue *q)
{
    struct srv__feedw_port *head = q->head;

    q->head = q->tail = NULL;
    return head;
}

struct srv__feedw {
    pthread_t thread;
    bool started, stopping, stopped;
    int epfd, wakefd;
    void (*wake)(void *), (*defer)(void *);
    void *wake_arg;
    int64_t stall_ms;
    int nice;
    pthread_mutex_t lock;
    struct port_queue cmds, events; /* under lock */
    /* Under lock: each side is woken once per batch, not once per port.
     * The writer is woken only while it sleeps (and once); the loop once
     * until it drains. Every wake-up of the loop is a poll() over all of
     * its connections, feeds included: a wake-up per reader that took its
     * bytes cost the loop more than the writes had. */
    bool writer_asleep, writer_kicked, loop_woken;
    bool kick_due; /* the loop's: `defer` was called, and srv__feedw_kick is to come */
    struct lws_dll2_owner pending; /* the thread's: ports with `out` */
    struct port_queue posts;       /* the thread's: the turn's events, for end_turn */
};

struct srv__bytes *srv__bytes_new(const char *data, size_t len)
{
    struct srv__bytes *b = gv_malloc(sizeof(*b) + len);

    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    memcpy(b->data, data, len);
    return b;
}

struct srv__bytes *srv__bytes_ref(struct srv__bytes *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void srv__bytes_unref(struct srv__bytes *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        gv_free(b);
}

void srv__feedw_port_init(struct srv__feedw_port *p, int fd)
{
    memset(p, 0, sizeof(*p));
    p->fd = fd;
}

void srv__feedw_port_release(struct srv__feedw_port *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    srv__bytes_unref(p->out);
    p->out = NULL;
    srv__bytes_unref(p->cmd_bytes);
    p->cmd_bytes = NULL;
}

/* --- The writer thread ---------------------------------------------------- */

/* Keeps events for the loop; end_turn hands them over. */
static void post(struct srv__feedw *w, struct srv__feedw_port *p, unsigned events)
{
    p->post_events |= events;
    if (!p->post_queued) {
        p->post_queued = true;
        queue_push(&w->posts, p);
    }
}

/* The end of a turn of the writer: hands the loop the turn's events and
 * wakes it for them, and says how long the writer may sleep (0: commands
 * came meanwhile; -1: stop). Asleep from here, as far as srv__feedw_send
 * is concerned. */
static int end_turn(struct srv__feedw *w)
{
    struct srv__feedw_port *p = queue_take(&w->posts), *next;
    bool wake_loop = false;
    int timeout;

    /* A port that reported CLOSED is the loop's from the unlock on. */
    pthread_mutex_lock(&w->lock);
    for (; p; p = next) {
        next = p->post_next;
        p->events |= p->post_events;
        p->post_events = 0;
        p->post_queued = false;
        if (!p->ev_queued) {
            p->ev_queued = true;
            queue_push(&w->events, p);
        }
    }
    if (w->events.head && !w->loop_woken)
        wake_loop = w->loop_woken = true;
    if (w->stopping && !w->cmds.head) {
        timeout = -1;
    } else if (w->cmds.head) {
        timeout = 0;
    } else {
        w->writer_asleep = true;
        timeout = w->pending.count ? FEEDW_STALL_SCAN_MS : -2;
    }
    pthread_mutex_unlock(&w->lock);
    if (wake_loop)
        w->wake(w->wake_arg);
    return timeout;
}

static void watch(struct srv__feedw *w, struct srv__feedw_port *p, bool out)
{
    struct epoll_event ev = {.events = EPOLLRDHUP | (out ? EPOLLOUT : 0u), .data.ptr = p};

    if (p->polling_out != out && epoll_ctl(w->epfd, EPOLL_CTL_MOD, p->fd, &ev) == 0)
        p->polling_out = out;
}

static void drop_out(struct srv__feedw *w, struct srv__feedw_port *p)
{
    (void)w;
    srv__bytes_unref(p->out);
    p->out = NULL;
    p->out_off = 0;
    lws_dll2_remove(&p->pending);
}

/* The reader is gone or useless: nothing more is written to it, and the
 * loop ends its connection. */
static void kill_port(struct srv__feedw *w, struct srv__feedw_port *p, unsigned why)
{
    if (p->dead)
        return;
    p->dead = true;
    drop_out(w, p);
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, p->fd, NULL);
    post(w, p, why);
}

/* Writes what waits, as much as the socket takes. */
static void flush(struct srv__feedw *w, struct srv__feedw_port *p)
{
    while (p->out && !p->dead) {
        ssize_t n = send(p->fd, p->out->data + p->out_off, p->out->len - p->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(w, p, true);
            return;
        }
        if (n < 0) {
            kill_port(w, p,
                      errno == EPIPE || errno == ECONNRESET ? SRV_FEEDW_LEFT : SRV_FEEDW_FAILED);
            return;
        }
        p->out_off += (size_t)n;
        p->progress_ms = gv_time_mono_ms();
        if (p->out_off == p->out->len) {
            drop_out(w, p);
            watch(w, p, false);
            post(w, p, SRV_FEEDW_TAKEN);
        }
    }
}

static void keepalive(struct srv__feedw *w, struct srv__feedw_port *p)
{
    ssize_t n;

    /* Bytes on their way are the sign of life; a newline a full socket
     * does not take now is not worth waiting for. */
    if (p->out || p->dead)
        return;
    do
        n = send(p->fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        kill_port(w, p, errno == EPIPE || errno == ECONNRESET ? SRV_FEEDW_LEFT : SRV_FEEDW_FAILED);
}

static void run_commands(struct srv__feedw *w)
{
    struct srv__feedw_port *p, *q;

    /* Every queued port's commands at once: the loop may queue a port
     * again as soon as the lock is let go (cmd_next then links it anew),
     * so what this turn runs moves to the writer's own fields. */
    pthread_mutex_lock(&w->lock);
    p = queue_take(&w->cmds);
    for (q = p; q; q = q->cmd_next) {
        q->run_next = q->cmd_next;
        q->run_cmds = q->cmds;
        q->run_bytes = q->cmd_bytes;
        q->cmds = 0;
        q->cmd_bytes = NULL;
        q->cmd_queued = false;
    }
    pthread_mutex_unlock(&w->lock);
    while (p) {
        struct srv__feedw_port *next = p->run_next;
        struct srv__bytes *bytes = p->run_bytes;
        unsigned cmds = p->run_cmds;

        p->run_bytes = NULL;
        if (cmds & SRV_FEEDW_OPEN) {
            struct epoll_event ev = {.events = EPOLLRDHUP, .data.ptr = p};

            if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
                gv_log(GV_LOG_WARN, "feed", "cannot watch a feed's socket: %s", strerror(errno));
                p->dead = true;
                post(w, p, SRV_FEEDW_FAILED);
            }
        }
        if (cmds & SRV_FEEDW_CLOSE) {
            srv__bytes_unref(bytes);
            if (!p->dead)
                epoll_ctl(w->epfd, EPOLL_CTL_DEL, p->fd, NULL);
            drop_out(w, p);
            close(p->fd);
            p->fd = -1;
            /* The last touch: the port is the loop's once end_turn hands
             * this over. */
            post(w, p, SRV_FEEDW_CLOSED);
        } else {
            if (bytes && p->dead) {
                srv__bytes_unref(bytes);
            } else if (bytes) {
                srv__bytes_unref(p->out); /* none: WRITE comes after TAKEN */
                p->out = bytes;
                p->out_off = 0;
                p->progress_ms = gv_time_mono_ms();
                if (!lws_dll2_is_detached(&p->pending))
                    lws_dll2_remove(&p->pending);
                lws_dll2_add_tail(&p->pending, &w->pending);
                flush(w, p);
            }
            if (cmds & SRV_FEEDW_KEEPALIVE)
                keepalive(w, p);
        }
        p = next;
    }
}

static void scan_stalls(struct srv__feedw *w, int64_t now)
{
    lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&w->pending))
    {
        struct srv__feedw_port *p = lws_container_of(d, struct srv__feedw_port, pending);

        if (now - p->progress_ms >= w->stall_ms)
            kill_port(w, p, SRV_FEEDW_STALLED);
    }
    lws_end_foreach_dll_safe(d, d1);
}

static void *writer(void *arg)
{
    struct srv__feedw *w = arg;
    struct epoll_event evs[FEEDW_EVENTS];
    int64_t scanned_ms = gv_time_mono_ms();

    /* The feeds yield to the WebSocket clients when the cores are busy:
     * a feed's notifications wait for their batch anyway, a WebSocket
     * push is what a contestant watches. (On Linux a nice value is per
     * thread.) */
    if (w->nice && setpriority(PRIO_PROCESS, (id_t)gettid(), w->nice) < 0)
        gv_log(GV_LOG_WARN, "feed", "cannot lower the feeds' writer's priority: %s",
               strerror(errno));

    for (;;) {
        int timeout = end_turn(w), n;
        int64_t now;

        if (timeout == -1)
            break;
        n = epoll_wait(w->epfd, evs, FEEDW_EVENTS, timeout == -2 ? -1 : timeout);
        pthread_mutex_lock(&w->lock);
        w->writer_asleep = w->writer_kicked = false;
        pthread_mutex_unlock(&w->lock);
        if (n < 0 && errno != EINTR) {
            gv_log(GV_LOG_ERROR, "feed", "the feeds' writer cannot wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct srv__feedw_port *p = evs[i].data.ptr;

            if (!p) {
                uint64_t v;

                if (read(w->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                    gv_log(GV_LOG_WARN, "feed", "the feeds' writer wake-up: %s", strerror(errno));
                continue;
            }
            /* A hang-up first: a reader that left takes nothing more. */
            if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                kill_port(w, p, SRV_FEEDW_LEFT);
            else if (evs[i].events & EPOLLOUT)
                flush(w, p);
        }
        /* Commands after the socket events: a port closed by this batch's
         * CLOSE may have been among them, and must not be touched after. */
        run_commands(w);
        now = gv_time_mono_ms();
        if (now - scanned_ms >= FEEDW_STALL_SCAN_MS) {
            scanned_ms = now;
            scan_stalls(w, now);
        }
    }
    return NULL;
}

/* --- The loop's side ------------------------------------------------------- */

int srv__feedw_start(struct srv__feedw **out, void (*wake)(void *), void (*defer)(void *),
                     void *arg, int64_t stall_ms, int nice)
{
    struct srv__feedw *w;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    int err = 0;

    *out = NULL;
    w = gv_calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->wake = wake;
    w->defer = defer;
    w->cmds.link = offsetof(struct srv__feedw_port, cmd_next);
    w->events.link = offsetof(struct srv__feedw_port, ev_next);
    w->posts.link = offsetof(struct srv__feedw_port, post_next);
    w->wake_arg = arg;
    w->stall_ms = stall_ms;
    w->nice = nice;
    w->epfd = w->wakefd = -1;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->epfd < 0 || w->wakefd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) < 0) {
        err = -errno;
        goto fail;
    }
    pthread_mutex_init(&w->lock, NULL);
    err = -pthread_create(&w->thread, NULL, writer, w);
    if (err < 0) {
        pthread_mutex_destroy(&w->lock);
        goto fail;
    }
    /* Named for top -H and the benchmark's per-thread CPU figures. */
    pthread_setname_np(w->thread, "gavel-feedw");
    w->started = true;
    *out = w;
    return 0;
fail:
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->wakefd >= 0)
        close(w->wakefd);
    gv_free(w);
    return err;
}

static void wake_writer(struct srv__feedw *w)
{
    uint64_t one = 1;

    if (write(w->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        gv_log(GV_LOG_WARN, "feed", "cannot wake the feeds' writer: %s", strerror(errno));
}

/* Under the lock: whether to wake the writer now (it sleeps, and nobody
 * woke it yet). */
static bool writer_wake_due(struct srv__feedw *w)
{
    if (!w->writer_asleep || w->writer_kicked)
        return false;
    w->writer_kicked = true;
    return true;
}

void srv__feedw_send(struct srv__feedw *w, struct srv__feedw_port *p, unsigned cmds,
                     struct srv__bytes *bytes)
{
    bool wake = false;

    pthread_mutex_lock(&w->lock);
    p->cmds |= cmds;
    if (bytes) {
        srv__bytes_unref(p->cmd_bytes); /* none: WRITE comes after TAKEN */
        p->cmd_bytes = bytes;
    }
    if (!p->cmd_queued) {
        p->cmd_queued = true;
        queue_push(&w->cmds, p);
    }
    if (!w->defer)
        wake = writer_wake_due(w);
    pthread_mutex_unlock(&w->lock);
    if (wake)
        wake_writer(w);
    /* No command waits without a kick to come: the writer, awake, runs
     * it before it sleeps; asleep, it is woken by the kick this asks for
     * or by the one already asked for, which comes after this call. A
     * stopped writer runs nothing more (the loop releases its ports). */
    if (w->defer && !w->kick_due && !w->stopped) {
        w->kick_due = true;
        w->defer(w->wake_arg);
    }
}

void srv__feedw_kick(struct srv__feedw *w)
{
    bool wake;

    if (!w)
        return;
    w->kick_due = false;
    if (!w->started || w->stopped)
        return;
    pthread_mutex_lock(&w->lock);
    wake = w->cmds.head && writer_wake_due(w);
    pthread_mutex_unlock(&w->lock);
    if (wake)
        wake_writer(w);
}

struct srv__feedw_port *srv__feedw_drain(struct srv__feedw *w)
{
    struct srv__feedw_port *head = NULL, **tail = &head, *p;

    if (!w)
        return NULL;
    pthread_mutex_lock(&w->lock);
    p = queue_take(&w->events);
    w->loop_woken = false;
    while (p) {
        p->got = p->events;
        p->events = 0;
        p->ev_queued = false;
        p->got_next = NULL;
        *tail = p;
        tail = &p->got_next;
        p = p->ev_next;
    }
    pthread_mutex_unlock(&w->lock);
    return head;
}

bool srv__feedw_running(const struct srv__feedw *w)
{
    return w && w->started && !w->stopped;
}

void srv__feedw_stop(struct srv__feedw *w)
{
    if (!w || !w->started || w->stopped)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_mutex_unlock(&w->lock);
    wake_writer(w);
    pthread_join(w->thread, NULL);
    w->stopped = true;
}

void srv__feedw_free(struct srv__feedw *w)
{
    if (!w)
        return;
    srv__feedw_stop(w);
    if (w->started)
        pthread_mutex_destroy(&w->lock);
    close(w->epfd);
    close(w->wakefd);
    gv_free(w);
}
