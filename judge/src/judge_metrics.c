/* SPDX-License-Identifier: MIT
 * judge_metrics.c - a minimal HTTP listener for GET /metrics.
 *
 * An operator's endpoint for one scraper, not a web server: one thread
 * accepts a connection, reads the request head (at most REQ_MAX bytes,
 * within IO_TIMEOUT_S), answers and closes, then takes the next. A client
 * that stalls holds the thread for IO_TIMEOUT_S at most, and never the
 * judging loop, whose counters it reads through atomics (jdg_metrics.h).
 * Stopping writes to a pipe the thread polls beside the listening socket. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "judge_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_log.h"
#include "gv_metrics.h"
#include "jdg_metrics.h"
#include "banned.h"

#define REQ_MAX 4096
#define IO_TIMEOUT_S 2

struct judge_metrics {
    pthread_t thread;
    int lfd;
    int stop_pipe[2]; /* [1] written by judge_metrics_stop */
};

static void send_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the scraper went away or timed out: nothing to tell it */
        p += n;
        len -= (size_t)n;
    }
}

static void respond(int fd, const char *status, const char *ctype, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                     status, ctype, len);

    send_all(fd, head, (size_t)n);
    send_all(fd, body, len);
}

static void serve(int fd)
{
    struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
    char req[REQ_MAX + 1], *text = NULL;
    size_t got = 0, len = 0, plen;
    const char *path;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    /* The head ends with an empty line; the request line is all we use. */
    while (got < REQ_MAX) {
        ssize_t n = recv(fd, req + got, REQ_MAX - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[got] = '\0';
    if (strncmp(req, "GET ", 4)) {
        static const char msg[] = "use GET\n";

        respond(fd, "405 Method Not Allowed", "text/plain", msg, sizeof(msg) - 1);
        return;
    }
    path = req + 4;
    plen = strcspn(path, " ?\r\n");
    if (plen != strlen("/metrics") || strncmp(path, "/metrics", plen)) {
        static const char msg[] = "not found: this listener serves GET /metrics only\n";

        respond(fd, "404 Not Found", "text/plain", msg, sizeof(msg) - 1);
        return;
    }
    if (jdg_metrics_text(&text, &len) < 0) {
        static const char msg[] = "out of memory\n";

        respond(fd, "500 Internal Server Error", "text/plain", msg, sizeof(msg) - 1);
        return;
    }
    respond(fd, "200 OK", GV_METRICS_CONTENT_TYPE, text, len);
    gv_free(text);
}

static void *metrics_main(void *arg)
{
    struct judge_metrics *m = arg;
    struct pollfd fds[2] = {{.fd = m->lfd, .events = POLLIN},
                            {.fd = m->stop_pipe[0], .events = POLLIN}};

    for (;;) {
        int fd;

        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        if (!(fds[0].revents & POLLIN))
            continue;
        fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            /* Out of descriptors, say: the socket stays readable, so pause
             * rather than spin. */
            if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
                poll(NULL, 0, 100);
            continue;
        }
        serve(fd);
        close(fd);
    }
    return NULL;
}

static int listen_on(const char *addr, int port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char portstr[16];
    int fd, on = 1, err;

    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(addr, portstr, &hints, &res) != 0 || !res)
        return -EADDRNOTAVAIL;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        err = -errno;
        freeaddrinfo(res);
        return err;
    }
    /* A restart binds while the last scrape's connection sits in TIME_WAIT. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
        err = -errno;
        close(fd);
        freeaddrinfo(res);
        return err;
    }
    freeaddrinfo(res);
    return fd;
}

int judge_metrics_start(struct judge_metrics **out, const char *addr, int port)
{
    struct judge_metrics *m;
    sigset_t all, old;
    int err;

    *out = NULL;
    m = gv_calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->stop_pipe[0] = m->stop_pipe[1] = -1;
    m->lfd = listen_on(addr, port);
    if (m->lfd < 0) {
        err = m->lfd;
        goto fail;
    }
    if (pipe2(m->stop_pipe, O_CLOEXEC) < 0) {
        err = -errno;
        goto fail;
    }
    /* SIGINT and SIGTERM are the loop's to see (judge_main.c), not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = -pthread_create(&m->thread, NULL, metrics_main, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err < 0)
        goto fail;
    gv_log(GV_LOG_INFO, "metrics", "serving GET /metrics on %s port %d", addr, port);
    *out = m;
    return 0;
fail:
    if (m->lfd >= 0)
        close(m->lfd);
    if (m->stop_pipe[0] >= 0) {
        close(m->stop_pipe[0]);
        close(m->stop_pipe[1]);
    }
    gv_free(m);
    return err;
}

void judge_metrics_stop(struct judge_metrics *m)
{
    if (!m)
        return;
    while (write(m->stop_pipe[1], "x", 1) < 0 && errno == EINTR)
        ;
    pthread_join(m->thread, NULL);
    close(m->stop_pipe[0]);
    close(m->stop_pipe[1]);
    close(m->lfd);
    gv_free(m);
}
