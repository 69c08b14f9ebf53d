/* SPDX-License-Identifier: MIT
 * itest_ws.c - see itest_ws.h. */
#define _GNU_SOURCE
#include "itest_ws.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "gv_alloc.h"
#include "banned.h"

#define MAX_CHILDREN 64
#define HEAD_TIMEOUT_MS 20000

const char *itest_step = "setup";
static pid_t children[MAX_CHILDREN];
static int n_children;

/* --- Failing ---------------------------------------------------------------- */

void itest_kill_all(void)
{
    for (int i = 0; i < n_children; i++) {
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
    }
}

void itest_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "FAIL [%s]: ", itest_step);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    itest_kill_all();
    exit(1);
}

void itest_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    itest_fail("%s:%d: %s: %s", file, line, cond, msg);
}

static void on_alarm(int sig)
{
    static const char msg[] = "FAIL: the test ran out of time in step [";
    const char *step = itest_step ? itest_step : "?";

    (void)sig;
    /* Only async-signal-safe calls here; the step names where it hung. */
    for (int i = 0; i < n_children; i++)
        if (children[i] > 0)
            kill(children[i], SIGKILL);
    if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, step, strlen(step)) < 0 ||
        write(2, "]\n", 2) < 0)
        _exit(1);
    _exit(1);
}

void itest_deadline(unsigned seconds)
{
    struct sigaction sa = {.sa_handler = on_alarm};

    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    alarm(seconds);
}

/* --- Processes -------------------------------------------------------------- */

int64_t itest_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void itest_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static pid_t fork_child(void)
{
    pid_t pid;

    ICHECK(n_children < MAX_CHILDREN, "too many children");
    fflush(NULL);
    pid = fork();
    ICHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        n_children = 0; /* a child's failure must not kill its siblings */
    } else {
        children[n_children++] = pid;
    }
    return pid;
}

char *itest_submit_json(const char *problem, const char *language, const char *source)
{
    cJSON *req = cJSON_CreateObject();
    char *text = NULL;

    if (req && cJSON_AddStringToObject(req, "type", "submit") &&
        cJSON_AddStringToObject(req, "problem", problem) &&
        cJSON_AddStringToObject(req, "language", language) &&
        cJSON_AddStringToObject(req, "source", source))
        text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    ICHECK(text, "out of memory");
    return text;
}

static pid_t janitor_pid = -1;
static int janitor_fd = -1;

static void janitor_main(int rfd, const char *work, const char *stop_cmd, const char *logs_cmd)
{
    char c, rm[512];
    bool passed = false;
    ssize_t n;

    setsid(); /* a signal to the test's process group must not stop the cleanup */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    while ((n = read(rfd, &c, 1)) != 0) {
        if (n > 0 && c == 'p')
            passed = true;
        else if (n < 0 && errno != EINTR)
            break;
    }
    if (!passed && logs_cmd)
        (void)!system(logs_cmd); /* missing logs are fine: setup may not have got there */
    if (system(stop_cmd) != 0) {
        fprintf(stderr, "itest: cannot stop the test's daemons; %s is kept\n", work);
        _exit(1);
    }
    snprintf(rm, sizeof(rm), "rm -rf '%s'", work);
    _exit(system(rm) == 0 ? 0 : 1);
}

void itest_janitor_start(const char *work, const char *stop_cmd, const char *logs_cmd)
{
    int p[2];

    ICHECK(janitor_pid < 0, "one janitor per test");
    ICHECK(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    fflush(NULL);
    janitor_pid = fork();
    ICHECK(janitor_pid >= 0, "fork: %s", strerror(errno));
    if (janitor_pid == 0) {
        close(p[1]);
        janitor_main(p[0], work, stop_cmd, logs_cmd);
    }
    close(p[0]);
    janitor_fd = p[1];
}

void itest_janitor_finish(int ms)
{
    int status;

    ICHECK(janitor_fd >= 0, "no janitor was started");
    ICHECK(write(janitor_fd, "p", 1) == 1, "write: %s", strerror(errno));
    close(janitor_fd);
    janitor_fd = -1;
    for (int64_t deadline = itest_now_ms() + ms;;) {
        pid_t r = waitpid(janitor_pid, &status, WNOHANG);

        if (r == janitor_pid)
            break;
        ICHECK(r == 0 && itest_now_ms() < deadline, "the cleanup did not finish");
        itest_sleep_ms(20);
    }
    janitor_pid = -1;
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the cleanup failed (status %#x)",
           status);
}

pid_t itest_spawn(char *const argv[], const char *const env[], const char *log)
{
    pid_t pid = fork_child();

    if (pid == 0) {
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (log) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        execv(argv[0], argv);
        fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

pid_t itest_fork(void (*fn)(void *arg), void *arg)
{
    pid_t pid = fork_child();

    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    return pid;
}

int itest_wait_exit(pid_t pid, int ms)
{
    int64_t deadline = itest_now_ms() + ms;
    int status;

    while (itest_now_ms() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            for (int i = 0; i < n_children; i++)
                if (children[i] == pid)
                    children[i] = 0;
            return status;
        }
        itest_sleep_ms(10);
    }
    return -1;
}

void itest_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    if (itest_wait_exit(pid, 5000) < 0)
        itest_kill(pid);
}

void itest_kill(pid_t pid)
{
    kill(pid, SIGKILL);
    itest_wait_exit(pid, 5000);
}

const char *itest_find_redis_server(void)
{
    static const char *const paths[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server"};

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

/* --- Sockets and HTTP ------------------------------------------------------- */

/* The kernel may hand the same free port to two binds in a row once the
 * first socket is closed: test_server's "redis late" once got its own
 * HTTP port as Redis' and read "HTTP/1.1" as a Redis reply. So a port is
 * never given twice by one process. */
int itest_free_port(void)
{
    static int given[256];
    static size_t ngiven, next; /* the newest 256, a ring */

    for (;;) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t alen = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool seen = false;
        int port;

        ICHECK(fd >= 0, "socket");
        ICHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
        ICHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0, "getsockname");
        close(fd);
        port = ntohs(a.sin_port);
        for (size_t i = 0; i < ngiven && !seen; i++)
            seen = given[i] == port;
        if (seen)
            continue;
        given[next] = port;
        next = (next + 1) % (sizeof(given) / sizeof(given[0]));
        if (ngiven < sizeof(given) / sizeof(given[0]))
            ngiven++;
        return port;
    }
}

int itest_tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ICHECK(fd >= 0, "socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        ICHECK(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

/* Exactly `len` bytes, each wait at most `ms`; false on EOF or timeout. */
static bool recv_all(int fd, void *data, size_t len, int ms)
{
    char *p = data;

    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, ms) <= 0)
            return false;
        n = recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static int read_head(int fd, char *head, size_t cap)
{
    size_t n = 0;
    int status = -1;

    while (n + 1 < cap) {
        if (!recv_all(fd, head + n, 1, HEAD_TIMEOUT_MS))
            return -1;
        head[++n] = '\0';
        if (n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4))
            break;
    }
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

bool itest_header(const char *head, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);

    for (const char *line = strstr(head, "\r\n"); line && line[2];
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;

        if (!strncasecmp(h, name, nlen) && h[nlen] == ':') {
            const char *v = h + nlen + 1, *e;

            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
            return true;
        }
    }
    return false;
}

/* A GET, or a POST of `json` when given. */
static void http_request(struct itest_http *r, int port, const char *path, const char *json,
                         const char *extra)
{
    char *req, content[96] = "", clen[32];
    size_t cap = strlen(path) + (json ? strlen(json) : 0) + (extra ? strlen(extra) : 0) + 256;
    long len = 0;
    int fd, n;

    memset(r, 0, sizeof(*r));
    r->status = -1;
    r->body = calloc(1, 1);
    ICHECK(r->body, "calloc");
    fd = itest_tcp_connect(port);
    if (fd < 0)
        return;
    if (json)
        snprintf(content, sizeof(content),
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(json));
    /* One write, head and body, as a browser's small request arrives. */
    req = malloc(cap);
    ICHECK(req, "malloc");
    n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s\r\n%s",
                 json ? "POST" : "GET", path, port, content, extra ? extra : "", json ? json : "");
    ICHECK(n > 0 && (size_t)n < cap, "request to %s too long", path);
    send_all(fd, req, (size_t)n);
    free(req);
    r->status = read_head(fd, r->head, sizeof(r->head));
    if (r->status > 0 && itest_header(r->head, "content-length", clen, sizeof(clen)))
        len = strtol(clen, NULL, 10);
    ICHECK(len >= 0 && len < 10 * 1024 * 1024, "content-length %ld", len);
    free(r->body);
    r->body = calloc(1, (size_t)len + 1);
    ICHECK(r->body, "calloc");
    if (r->status > 0 && len && !recv_all(fd, r->body, (size_t)len, HEAD_TIMEOUT_MS))
        r->status = -1;
    close(fd);
}

void itest_http_get(struct itest_http *r, int port, const char *path)
{
    http_request(r, port, path, NULL, NULL);
}

void itest_http_get_with(struct itest_http *r, int port, const char *path, const char *extra)
{
    http_request(r, port, path, NULL, extra);
}

void itest_http_post(struct itest_http *r, int port, const char *path, const char *json)
{
    http_request(r, port, path, json, NULL);
}

void itest_http_post_with(struct itest_http *r, int port, const char *path, const char *json,
                          const char *extra)
{
    http_request(r, port, path, json, extra);
}

void itest_http_release(struct itest_http *r)
{
    free(r->body);
    r->body = NULL;
}

void itest_wait_health(int port, int status, const char *text, int ms)
{
    int64_t deadline = itest_now_ms() + ms;
    struct itest_http r;

    for (;;) {
        itest_http_get(&r, port, "/healthz");
        if (r.status == status && (!text || strstr(r.body, text))) {
            itest_http_release(&r);
            return;
        }
        if (itest_now_ms() > deadline)
            itest_fail("/healthz on port %d: want %d%s%s, last got %d %s", port, status,
                       text ? " with " : "", text ? text : "", r.status, r.body);
        itest_http_release(&r);
        itest_sleep_ms(100);
    }
}

/* --- WebSocket -------------------------------------------------------------- */

/* Sends the upgrade request and reads the response head into `head`; the
 * connected fd, whatever the status. */
static int ws_handshake(int port, const char *path, const char *protocol, const char *extra,
                        char *head, size_t cap, int *status)
{
    char req[2048];
    int fd = itest_tcp_connect(port), n;

    ICHECK(fd >= 0, "cannot connect to port %d", port);
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s%s%s%s\r\n",
                 path, port, protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "",
                 protocol ? "\r\n" : "", extra ? extra : "");
    ICHECK(n > 0 && (size_t)n < sizeof(req), "upgrade request for %s too long", path);
    send_all(fd, req, (size_t)n);
    *status = read_head(fd, head, cap);
    return fd;
}

static void check_accept(const char *head)
{
    char val[64];

    /* The accept key for the RFC's sample nonce is fixed (RFC 6455 1.3). */
    ICHECK(itest_header(head, "sec-websocket-accept", val, sizeof(val)) &&
               !strcmp(val, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
           "bad Sec-WebSocket-Accept");
}

int itest_ws_open(int port)
{
    char head[4096];
    int status, fd = ws_handshake(port, "/ws", "gavel.v1", NULL, head, sizeof(head), &status);

    ICHECK(status == 101, "upgrade refused with %d", status);
    check_accept(head);
    return fd;
}

int itest_ws_connect(int port, const char *path, const char *protocol, const char *extra,
                     int *status)
{
    char head[4096], proto[64];
    int fd = ws_handshake(port, path, protocol, extra, head, sizeof(head), status);

    if (*status != 101) {
        close(fd);
        return -1;
    }
    check_accept(head);
    ICHECK(itest_header(head, "sec-websocket-protocol", proto, sizeof(proto)) &&
               !strcmp(proto, "gavel.v1"),
           "server did not confirm gavel.v1 (offered %s)", protocol ? protocol : "none");
    return fd;
}

void itest_ws_send(int fd, const char *text)
{
    itest_ws_send_frame(fd, 0x1, true, text, strlen(text));
}

void itest_ws_send_frame(int fd, int opcode, bool fin, const void *data, size_t len)
{
    size_t h = 0;
    unsigned char *buf = malloc(len + 14), mask[4];

    ICHECK(buf, "malloc");
    ICHECK(opcode >= 0 && opcode <= 0xf, "opcode %d", opcode);
    buf[h++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        buf[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        buf[h++] = 0x80 | 126;
        buf[h++] = (unsigned char)(len >> 8);
        buf[h++] = (unsigned char)len;
    } else {
        buf[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            buf[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        buf[h++] = mask[i] = (unsigned char)(rand() & 0xff);
    for (size_t i = 0; i < len; i++)
        buf[h + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
    send_all(fd, buf, h + len);
    free(buf);
}

cJSON *itest_ws_recv(int fd, int ms)
{
    unsigned char h[2], ext[8];
    uint64_t len;
    char *text;
    cJSON *j;

next_frame:
    if (!recv_all(fd, h, 2, ms))
        return NULL;
    /* A masked frame would be misread below as payload after the length. */
    ICHECK(!(h[1] & 0x80), "server frames must not be masked (RFC 6455 5.1)");
    len = h[1] & 0x7f;
    if (len == 126) {
        if (!recv_all(fd, ext, 2, ms))
            return NULL;
        len = (uint64_t)ext[0] << 8 | ext[1];
    } else if (len == 127) {
        if (!recv_all(fd, ext, 8, ms))
            return NULL;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | ext[i];
    }
    ICHECK(len < 1024 * 1024, "frame of %llu bytes", (unsigned long long)len);
    text = calloc(1, (size_t)len + 1);
    ICHECK(text, "calloc");
    if (len && !recv_all(fd, text, (size_t)len, ms)) {
        free(text);
        return NULL;
    }
    if ((h[0] & 0x0f) == 0x8) { /* close */
        free(text);
        return NULL;
    }
    /* The server pings a connection that has been quiet for a while (a
     * test waiting out an outage): answer as a browser does and read on. */
    if ((h[0] & 0x0f) == 0x9 || (h[0] & 0x0f) == 0xa) {
        if ((h[0] & 0x0f) == 0x9)
            itest_ws_send_frame(fd, 0xa, true, text, (size_t)len);
        free(text);
        goto next_frame;
    }
    ICHECK((h[0] & 0x0f) == 0x1, "opcode %d", h[0] & 0x0f);
    j = cJSON_Parse(text);
    ICHECK(j, "not JSON: %s", text);
    free(text);
    return j;
}

const char *itest_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double itest_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    ICHECK(cJSON_IsNumber(v), "no number '%s'", key);
    return v->valuedouble;
}

const cJSON *itest_data(const cJSON *reply)
{
    return cJSON_GetObjectItemCaseSensitive(reply, "data");
}

cJSON *itest_rpc(int fd, const char *req, const char *want_type, cJSON *pushes)
{
    cJSON *r;
    char *got;

    itest_ws_send(fd, req);
    for (;;) {
        const char *type;

        r = itest_ws_recv(fd, 10000);
        ICHECK(r, "no reply to %s", req);
        type = itest_str(r, "type");
        if (!type || (strcmp(type, "event") && strcmp(type, "resync")))
            break;
        if (pushes)
            cJSON_AddItemToArray(pushes, r);
        else
            cJSON_Delete(r);
    }
    got = cJSON_PrintUnformatted(r);
    ICHECK(itest_str(r, "type") && !strcmp(itest_str(r, "type"), want_type), "%s -> %s", req, got);
    free(got);
    return r;
}

/* Checks error reply `r` (deleted) for `code` and a message; the message
 * (static buffer). */
static const char *check_error(cJSON *r, const char *code, const char *what)
{
    static char message[256];
    char *got = cJSON_PrintUnformatted(r);

    ICHECK(itest_str(r, "code") && !strcmp(itest_str(r, "code"), code), "%s: want %s, got %s", what,
           code, got);
    ICHECK(itest_str(r, "message") && *itest_str(r, "message"), "no message: %s", got);
    snprintf(message, sizeof(message), "%s", itest_str(r, "message"));
    free(got);
    cJSON_Delete(r);
    return message;
}

const char *itest_rpc_error(int fd, const char *req, const char *code)
{
    return check_error(itest_rpc(fd, req, "error", NULL), code, req);
}

cJSON *itest_ws_expect(int fd, const char *want_type, const char *id_json, int ms, const char *what)
{
    cJSON *r = itest_ws_recv(fd, ms);
    char *got;

    ICHECK(r, "%s: no %s within %d ms (timed out or the server closed)", what, want_type, ms);
    got = cJSON_PrintUnformatted(r);
    ICHECK(itest_str(r, "type") && !strcmp(itest_str(r, "type"), want_type), "%s: want %s, got %s",
           what, want_type, got);
    if (id_json) {
        cJSON *want = cJSON_Parse(id_json);

        ICHECK(want, "bad test id %s", id_json);
        /* A missing id is not null: the server must echo the id field. */
        ICHECK(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(r, "id"), want, 1),
               "%s: want id %s, got %s", what, id_json, got);
        cJSON_Delete(want);
    }
    free(got);
    return r;
}

const char *itest_ws_expect_error(int fd, const char *code, const char *id_json, int ms,
                                  const char *what)
{
    return check_error(itest_ws_expect(fd, "error", id_json, ms, what), code, what);
}

int64_t itest_register(int port, const char *name, const char *password, char *token, size_t cap)
{
    char req[256];
    int fd = itest_ws_open(port);
    cJSON *r;
    int64_t id;

    snprintf(req, sizeof(req), "{\"type\":\"register\",\"username\":\"%s\",\"password\":\"%s\"}",
             name, password);
    r = itest_rpc(fd, req, "ok", NULL);
    snprintf(token, cap, "%s", itest_str(itest_data(r), "token"));
    id = (int64_t)itest_num(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user"), "id");
    cJSON_Delete(r);
    close(fd);
    return id;
}

void itest_sqlf(struct db_pg *pg, const char *fmt, ...)
{
    char q[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    ICHECK(db_pg_exec_script(pg, q) == 0, "%s: %s", q, db_pg_last_error(pg));
}

int64_t itest_sql_int(struct db_pg *pg, const char *fmt, ...)
{
    char q[4096], *v = NULL;
    int64_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    ICHECK(db_pg_query_value(&v, pg, q, 0, NULL) == 0 && v, "%s: %s", q, db_pg_last_error(pg));
    n = strtoll(v, NULL, 10);
    gv_free(v);
    return n;
}
