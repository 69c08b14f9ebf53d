/* SPDX-License-Identifier: MIT
 * ws_fanout_raw.c - the fan-out benchmark's baseline server.
 *
 * Does gavel-server's job for bench/ws_fanout with nothing but the
 * unavoidable work, so that the benchmark can report gavel-server as a ratio
 * to it from the same run (docs/PROTOCOL.md, "Fan-out benchmark"): what is
 * left in the ratio is what gavel-server (lws, sessions, the topic index,
 * its live thread) costs on top of the kernel's sends.
 *
 * One thread, one epoll, level-triggered. Redis is read in the same loop:
 * one XREAD BLOCK 0 is always outstanding on a plain hiredis connection
 * whose descriptor sits in the epoll set, so an event costs no thread
 * hand-off (gavel-server's live thread wakes its loop through a pipe). The
 * first XREAD reads from "$"; each next one from the last id seen, so
 * nothing added between two XREADs is missed.
 *
 * Per XREAD reply: the batch's entries become frames, built once into one
 * buffer (several entries are coalesced, as gavel-server coalesces a
 * backlog), and that buffer goes to every subscribed connection with one
 * send() each. There is no output queue: a send that would block, or that
 * takes only part of the buffer, drops the connection (counted as
 * "dropped"), so a slow reader costs nothing and is lost.
 *
 * Clients: the HTTP upgrade is answered with 101 (Sec-WebSocket-Accept,
 * Sec-WebSocket-Protocol: gavel.v1), anything else with 400. Every text
 * frame is answered {"type":"ok","id":<its id>,"data":{}} without looking
 * at it further (no token check); a "subscribe" also adds the connection to
 * the fan-out set. Pings get pongs, a close is echoed.
 *
 * Push frames carry the same bytes as gavel-server's for this benchmark's
 * events: {"type":"event","event":"<type>","event_id":"<id>","data":<data>}
 * with `data` copied as the stream holds it (gavel-server parses and
 * reprints it, which gives the same text for the compact JSON the
 * benchmark writes). Entries whose type gavel-server would refuse, or whose
 * data is not an object, are skipped the same way.
 *
 * SIGTERM or SIGINT: closes everything and exits 0 after one summary line
 * on stderr. A Redis error ends the process with status 1 (a baseline has
 * no reconnect logic).
 *
 * usage: ws_fanout_raw [--port P] [--addr A] [--redis URL] [--stream KEY] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db.h"
#include "gv_alloc.h"
#include "banned.h"

#define RAW_RBUF 1024   /* an upgrade request or one client frame, whole */
#define RAW_BATCH 256   /* entries per XREAD, as gavel-server's live thread */
#define RAW_BACKLOG 4096
#define RAW_ID_MAX 64
#define RAW_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum raw_state { RAW_HTTP, RAW_WS };

struct raw_conn {
    int fd;
    enum raw_state state;
    int live_idx; /* in g.live, -1 until subscribed */
    size_t rlen;
    unsigned char rbuf[RAW_RBUF];
};

static struct {
    int port;
    const char *addr;
    const char *redis_url;
    const char *stream;
    int epfd, lfd, sigfd;
    redisContext *redis;
    char last_id[RAW_ID_MAX];
    struct raw_conn **by_fd; /* indexed by descriptor */
    size_t nfd;
    int *live; /* descriptors of the subscribed connections, dense */
    size_t nlive;
    unsigned char *out; /* the frames of one batch */
    size_t outcap;
    unsigned long long accepted, events, batches, sends, dropped, closed;
} g = {.epfd = -1, .lfd = -1, .sigfd = -1};

static __attribute__((format(printf, 1, 2))) void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    /* One write per line: K processes share the bench's log. */
    n = snprintf(line, sizeof(line), "ws_fanout_raw: ");
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return; /* nowhere left to say it */
}

/* --- Connections ------------------------------------------------------------ */

static void live_remove(struct raw_conn *c)
{
    int moved;

    if (c->live_idx < 0)
        return;
    moved = g.live[--g.nlive];
    g.live[c->live_idx] = moved;
    g.by_fd[moved]->live_idx = c->live_idx;
    c->live_idx = -1;
}

static void conn_close(struct raw_conn *c)
{
    live_remove(c);
    /* close() takes the descriptor out of the epoll set too (it is ours
     * alone, never dup'ed). */
    close(c->fd);
    g.by_fd[c->fd] = NULL;
    gv_free(c);
}

/* All or nothing: there is no output queue, so a send the socket cannot take
 * whole ends the connection. */
static bool conn_send(struct raw_conn *c, const void *buf, size_t len)
{
    ssize_t w = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    g.sends++;
    if (w == (ssize_t)len)
        return true;
    if (w >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
        g.dropped++;
    else
        g.closed++;
    conn_close(c);
    return false;
}

static size_t ws_header(unsigned char *h, int opcode, size_t len)
{
    h[0] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len < 65536) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

static bool ws_send(struct raw_conn *c, int opcode, const void *data, size_t len)
{
    unsigned char buf[256];
    size_t h;

    if (len > sizeof(buf) - 4)
        return false;
    h = ws_header(buf, opcode, len);
    memcpy(buf + h, data, len);
    return conn_send(c, buf, h + len);
}

/* The header `name` (with its colon) of the request in `req`, or NULL; the
 * value's length in *len. */
static const char *http_header(const char *req, const char *name, size_t *len)
{
    size_t nlen = strlen(name);

    for (const char *p = strstr(req, "\r\n"); p; p = strstr(p, "\r\n")) {
        p += 2;
        if (!strncasecmp(p, name, nlen)) {
            p += nlen;
            p += strspn(p, " \t");
            *len = strcspn(p, "\r\n");
            while (*len && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
                (*len)--;
            return p;
        }
    }
    return NULL;
}

/* Returns false when the connection was closed. */
static bool http_upgrade(struct raw_conn *c)
{
    static const char bad[] =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char *end, key[128], resp[256];
    unsigned char md[EVP_MAX_MD_SIZE], accept[64];
    const char *k;
    unsigned mdlen = 0;
    size_t klen, hlen;
    int n;

    c->rbuf[c->rlen] = '\0';
    end = strstr((char *)c->rbuf, "\r\n\r\n");
    if (!end && c->rlen < RAW_RBUF - 1)
        return true;
    if (!end) {
        /* No room left for the rest of the request. */
        if (conn_send(c, bad, sizeof(bad) - 1))
            conn_close(c);
        return false;
    }
    hlen = (size_t)(end - (char *)c->rbuf) + 4;
    end[2] = '\0';
    k = http_header((char *)c->rbuf, "Sec-WebSocket-Key:", &klen);
    if (!k || klen == 0 || klen + sizeof(RAW_WS_GUID) > sizeof(key)) {
        if (conn_send(c, bad, sizeof(bad) - 1))
            conn_close(c);
        return false;
    }
    memcpy(key, k, klen);
    memcpy(key + klen, RAW_WS_GUID, sizeof(RAW_WS_GUID));
    if (!EVP_Digest(key, klen + sizeof(RAW_WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL)) {
        say("SHA-1 failed");
        conn_close(c);
        return false;
    }
    EVP_EncodeBlock(accept, md, (int)mdlen);
    n = snprintf(resp, sizeof(resp),
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                 "Sec-WebSocket-Protocol: gavel.v1\r\n\r\n",
                 (const char *)accept);
    if (!conn_send(c, resp, (size_t)n))
        return false;
    memmove(c->rbuf, c->rbuf + hlen, c->rlen - hlen);
    c->rlen -= hlen;
    c->state = RAW_WS;
    return true;
}

/* Just what ws_fanout waits for: an "ok" that names the request's id. */
static bool on_text(struct raw_conn *c, const char *text, size_t len)
{
    const char *id = memmem(text, len, "\"id\":", 5);
    char reply[128];
    long long v = 0;
    int n;

    if (id) {
        char num[24];
        size_t i = 0;

        id += 5;
        while (id < text + len && i < sizeof(num) - 1 && (*id == '-' || (*id >= '0' && *id <= '9')))
            num[i++] = *id++;
        num[i] = '\0';
        v = strtoll(num, NULL, 10);
    }
    if (id)
        n = snprintf(reply, sizeof(reply), "{\"type\":\"ok\",\"id\":%lld,\"data\":{}}", v);
    else
        n = snprintf(reply, sizeof(reply), "{\"type\":\"ok\",\"id\":null,\"data\":{}}");
    if (!ws_send(c, 0x1, reply, (size_t)n))
        return false;
    if (c->live_idx < 0 && memmem(text, len, "\"type\":\"subscribe\"", 18)) {
        c->live_idx = (int)g.nlive;
        g.live[g.nlive++] = c->fd;
    }
    return true;
}

/* The complete frames in c->rbuf; false when the connection was closed. */
static bool ws_frames(struct raw_conn *c)
{
    size_t off = 0;

    for (;;) {
        unsigned char *f = c->rbuf + off, *mask, *payload;
        size_t avail = c->rlen - off, h = 2, plen;
        int op;

        if (avail < 2)
            break;
        plen = f[1] & 0x7f;
        if (!(f[1] & 0x80) || !(f[0] & 0x80) || plen == 127) {
            /* Unmasked, fragmented or huge: not from ws_fanout. */
            conn_close(c);
            return false;
        }
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (size_t)f[2] << 8 | f[3];
            h = 4;
        }
        if (h + 4 + plen > RAW_RBUF - 1) {
            conn_close(c);
            return false;
        }
        if (avail < h + 4 + plen)
            break;
        mask = f + h;
        payload = mask + 4;
        for (size_t i = 0; i < plen; i++)
            payload[i] ^= mask[i % 4];
        op = f[0] & 0x0f;
        if (op == 0x1) {
            if (!on_text(c, (const char *)payload, plen))
                return false;
        } else if (op == 0x9) {
            if (!ws_send(c, 0xA, payload, plen))
                return false;
        } else if (op == 0x8) {
            if (ws_send(c, 0x8, payload, plen < 2 ? plen : 2))
                conn_close(c);
            return false;
        } else if (op != 0xA) {
            conn_close(c);
            return false;
        }
        off += h + 4 + plen;
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return true;
}

static void conn_readable(struct raw_conn *c)
{
    /* One byte kept for the NUL that http_upgrade puts after the request;
     * a frame never fills the rest (ws_frames), so there is always room. */
    ssize_t r = read(c->fd, c->rbuf + c->rlen, RAW_RBUF - 1 - c->rlen);

    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        if (r < 0)
            g.closed++;
        conn_close(c);
        return;
    }
    c->rlen += (size_t)r;
    if (c->state == RAW_HTTP) {
        if (!http_upgrade(c) || c->state == RAW_HTTP)
            return;
    }
    ws_frames(c);
}

static void accept_all(void)
{
    for (;;) {
        int fd = accept4(g.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
        struct epoll_event ev = {.events = EPOLLIN};
        struct raw_conn *c;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                say("accept: %s", strerror(errno));
            return;
        }
        if ((size_t)fd >= g.nfd || !(c = gv_calloc(1, sizeof(*c)))) {
            say("no room for descriptor %d", fd);
            close(fd);
            continue;
        }
        /* As lws does: a push is one write that should leave at once. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
        c->live_idx = -1;
        ev.data.fd = fd;
        if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            say("epoll_ctl: %s", strerror(errno));
            close(fd);
            gv_free(c);
            continue;
        }
        g.by_fd[fd] = c;
        g.accepted++;
    }
}

/* --- The stream ------------------------------------------------------------- */

static int xread_send(void)
{
    int done = 0;

    if (redisAppendCommand(g.redis, "XREAD BLOCK 0 COUNT %d STREAMS %s %s", RAW_BATCH, g.stream,
                           g.last_id) != REDIS_OK)
        return -1;
    /* A few dozen bytes to an idle socket: this does not wait. */
    while (!done)
        if (redisBufferWrite(g.redis, &done) != REDIS_OK)
            return -1;
    return 0;
}

static const redisReply *entry_field(const redisReply *fv, const char *name)
{
    for (size_t i = 0; i + 1 < fv->elements; i += 2)
        if (fv->element[i]->type == REDIS_REPLY_STRING && !strcmp(fv->element[i]->str, name))
            return fv->element[i + 1];
    return NULL;
}

/* gavel-server's rule (srv_live.c), so both skip the same entries. */
static bool type_ok(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '.' ||
              t[i] == '_'))
            return false;
    return n > 0 && n < 64;
}

static int out_reserve(size_t need)
{
    unsigned char *p;
    size_t cap = g.outcap ? g.outcap : 4096;

    if (need <= g.outcap)
        return 0;
    while (cap < need)
        cap *= 2;
    p = gv_realloc(g.out, cap);
    if (!p)
        return -1;
    g.out = p;
    g.outcap = cap;
    return 0;
}

#define PUT(s, n) (memcpy(g.out + len, (s), (n)), len += (n))

/* One XREAD reply: frames into g.out, then one send per subscriber. */
static int on_batch(const redisReply *r)
{
    const redisReply *entries;
    size_t len = 0;

    if (r->type == REDIS_REPLY_NIL)
        return 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != 2 ||
        r->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
        say("XREAD: %s", r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        return -1;
    }
    entries = r->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i], *type, *data;
        static const char p1[] = "{\"type\":\"event\",\"event\":\"", p2[] = "\",\"event_id\":\"",
                          p3[] = "\",\"data\":";
        size_t plen;

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= RAW_ID_MAX ||
            e->element[1]->type != REDIS_REPLY_ARRAY) {
            say("XREAD: malformed entry");
            return -1;
        }
        memcpy(g.last_id, e->element[0]->str, e->element[0]->len + 1);
        type = entry_field(e->element[1], "type");
        data = entry_field(e->element[1], "data");
        if (!type || !data || type->type != REDIS_REPLY_STRING ||
            data->type != REDIS_REPLY_STRING || !type_ok(type->str, type->len) || data->len < 2 ||
            data->str[0] != '{')
            continue;
        plen = sizeof(p1) - 1 + type->len + sizeof(p2) - 1 + e->element[0]->len + sizeof(p3) - 1 +
               data->len + 1;
        if (out_reserve(len + 10 + plen) < 0) {
            say("out of memory");
            return -1;
        }
        len += ws_header(g.out + len, 0x1, plen);
        PUT(p1, sizeof(p1) - 1);
        PUT(type->str, type->len);
        PUT(p2, sizeof(p2) - 1);
        PUT(e->element[0]->str, e->element[0]->len);
        PUT(p3, sizeof(p3) - 1);
        PUT(data->str, data->len);
        PUT("}", 1);
        g.events++;
    }
    /* The next XREAD goes out before the sends: Redis can hold what comes
     * meanwhile ready for the next epoll_wait. */
    if (xread_send() < 0) {
        say("redis: %s", g.redis->errstr);
        return -1;
    }
    if (!len)
        return 0;
    g.batches++;
    /* Backwards: conn_close moves the last subscriber into the hole, which
     * has been served already. */
    for (size_t i = g.nlive; i-- > 0;)
        conn_send(g.by_fd[g.live[i]], g.out, len);
    return 0;
}

static int redis_readable(void)
{
    void *reply = NULL;

    if (redisBufferRead(g.redis) != REDIS_OK) {
        say("redis: %s", g.redis->errstr);
        return -1;
    }
    for (;;) {
        int err;

        if (redisGetReplyFromReader(g.redis, &reply) != REDIS_OK) {
            say("redis: %s", g.redis->errstr);
            return -1;
        }
        if (!reply)
            return 0;
        err = on_batch(reply);
        freeReplyObject(reply);
        if (err < 0)
            return -1;
    }
}

static int redis_open(void)
{
    struct timeval tv = {.tv_sec = 2};
    redisReply *r = NULL;
    char host[256];
    int port, dbnum;

    if (db_redis_parse_url(host, sizeof(host), &port, &dbnum, g.redis_url) < 0) {
        say("malformed redis url '%s' (want redis://host:port/db)", g.redis_url);
        return -1;
    }
    g.redis = redisConnectWithTimeout(host, port, tv);
    if (!g.redis || g.redis->err) {
        say("cannot connect to redis at %s:%d: %s", host, port,
            g.redis ? g.redis->errstr : "out of memory");
        return -1;
    }
    if (dbnum) {
        r = redisCommand(g.redis, "SELECT %d", dbnum);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            say("cannot select redis db %d: %s", dbnum, r ? r->str : g.redis->errstr);
            if (r)
                freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
    }
    /* The socket stays blocking for hiredis' sake; it is read only after
     * epoll reports it readable, so the read never waits. */
    snprintf(g.last_id, sizeof(g.last_id), "$");
    if (xread_send() < 0) {
        say("redis: %s", g.redis->errstr);
        return -1;
    }
    return 0;
}

/* --- Setup ------------------------------------------------------------------ */

static int listen_open(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g.port)};
    int one = 1;

    if (inet_pton(AF_INET, g.addr, &a.sin_addr) != 1) {
        say("bad address '%s'", g.addr);
        return -1;
    }
    g.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (g.lfd < 0 || setsockopt(g.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        /* K copies on one port, like gavel-server: the kernel spreads the
         * connections. */
        setsockopt(g.lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        bind(g.lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(g.lfd, RAW_BACKLOG) < 0) {
        say("listen on %s:%d: %s", g.addr, g.port, strerror(errno));
        return -1;
    }
    return 0;
}

static int epoll_add(int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        say("epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: ws_fanout_raw [--port P] [--addr A] [--redis URL] [--stream KEY]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},  {"addr", required_argument, NULL, 'a'},
        {"redis", required_argument, NULL, 'r'}, {"stream", required_argument, NULL, 'k'},
        {0},
    };
    const char *env;
    int ch;

    g.port = 8080;
    if ((env = getenv("GAVEL_HTTP_PORT")))
        g.port = (int)strtol(env, NULL, 10);
    g.addr = "127.0.0.1";
    g.redis_url = getenv("GAVEL_REDIS_URL");
    if (!g.redis_url)
        g.redis_url = DB_REDIS_URL_DEFAULT;
    g.stream = getenv("GAVEL_LIVE_STREAM");
    if (!g.stream || !*g.stream)
        g.stream = "gavel:live";
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p': g.port = (int)strtol(optarg, NULL, 10); break;
        case 'a': g.addr = optarg; break;
        case 'r': g.redis_url = optarg; break;
        case 'k': g.stream = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || g.port <= 0 || g.port > 65535 || !*g.stream)
        usage();
}

int main(int argc, char **argv)
{
    struct epoll_event evs[256];
    struct rlimit rl;
    sigset_t sigs;
    bool stop = false;
    int rc = 1;

    parse_args(argc, argv);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        say("setup: %s", strerror(errno));
        return 1;
    }
    /* Descriptors index the table: as many slots as the process may open. */
    g.nfd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? 1u << 20 : rl.rlim_cur;
    g.by_fd = gv_calloc(g.nfd, sizeof(*g.by_fd));
    g.live = gv_calloc(g.nfd, sizeof(*g.live));
    if (!g.by_fd || !g.live) {
        say("out of memory");
        goto out;
    }
    g.sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    g.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g.sigfd < 0 || g.epfd < 0) {
        say("setup: %s", strerror(errno));
        goto out;
    }
    /* OpenSSL sets itself up on the first digest (megabytes, with 3.x'
     * providers): done here, it stays out of the per-connection memory the
     * client measures. */
    {
        unsigned char md[EVP_MAX_MD_SIZE];

        if (!EVP_Digest("", 0, md, NULL, EVP_sha1(), NULL)) {
            say("SHA-1 is not available");
            goto out;
        }
    }
    /* Redis first: once the port listens, the XREAD is out, so a client
     * that connected misses no event published after. */
    if (redis_open() < 0 || listen_open() < 0 || epoll_add(g.sigfd) < 0 ||
        epoll_add(g.redis->fd) < 0 || epoll_add(g.lfd) < 0)
        goto out;

    while (!stop) {
        int n = epoll_wait(g.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);

        if (n < 0 && errno != EINTR) {
            say("epoll_wait: %s", strerror(errno));
            goto out;
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;

            if (fd == g.sigfd) {
                stop = true;
            } else if (fd == g.lfd) {
                accept_all();
            } else if (fd == g.redis->fd) {
                if (redis_readable() < 0)
                    goto out;
            } else if ((size_t)fd < g.nfd && g.by_fd[fd]) {
                /* A connection closed during this round may have left an
                 * event behind for its descriptor's next owner: harmless,
                 * the read finds nothing (EAGAIN). */
                conn_readable(g.by_fd[fd]);
            }
        }
    }
    rc = 0;
out:
    say("pid %d: %llu connections, %llu events in %llu batches, %llu sends, %llu dropped "
        "(would block), %llu send/read errors",
        (int)getpid(), g.accepted, g.events, g.batches, g.sends, g.dropped, g.closed);
    for (size_t fd = 0; g.by_fd && fd < g.nfd; fd++)
        if (g.by_fd[fd]) {
            close((int)fd);
            gv_free(g.by_fd[fd]);
        }
    if (g.redis)
        redisFree(g.redis);
    if (g.lfd >= 0)
        close(g.lfd);
    if (g.epfd >= 0)
        close(g.epfd);
    if (g.sigfd >= 0)
        close(g.sigfd);
    gv_free(g.by_fd);
    gv_free(g.live);
    gv_free(g.out);
    return rc;
}
