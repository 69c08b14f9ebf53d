/* SPDX-License-Identifier: MIT
 * contest_load.c - a whole contest under load (issue 14): N contestants on
 * WebSockets spread over the gavel-server processes given (one port each,
 * clients alternate), each logging in (a session token made beforehand, or
 * a sign-up over the socket: one argon2id hash on the server), registering
 * for the contest and subscribing to it, then submitting a mix of
 * accepted, wrong, too slow and uncompilable solutions to one problem on a
 * schedule: a burst at the start, a peak at the end (or evenly). The
 * judges and servers are whoever runs (bench/contest_load.sh starts two of
 * each; tests/integration/test_contest_load.sh a small round).
 *
 * What it counts, per the protocol's guarantees (docs/PROTOCOL.md):
 *  - verdict latency: from sending `submit` to the submitter's connection
 *    reading its judging.verdict push (one clock, this process);
 *  - board latency: for every verdict of contestant u and every client c,
 *    from the verdict's stream entry (the ms of its event id, Redis' clock)
 *    to c reading the first contest.scoreboard row of u whose event id is
 *    after the verdict's (this process' CLOCK_REALTIME; same machine). A
 *    row is that contestant's whole state, and the server may replace an
 *    unsent row by a newer one (coalescing), so a newer row delivers the
 *    verdict as well;
 *  - lost: a submission acknowledged without a verdict push at its
 *    connection; a (client, verdict) pair with no such row; a client whose
 *    last row of a contestant is not the newest row anyone received;
 *  - doubled: a verdict pushed more than once; a push whose event id is not
 *    above the previous push's on the same connection (each connection gets
 *    its pushes in stream order, so a repeat always shows as one);
 *  - errors: error replies, resyncs, connections closed, verdicts other than
 *    the source's kind, another user's verdict pushed to a contestant;
 *  - the final board: every client's newest rows against contest.scoreboard
 *    (computed from PostgreSQL by cst_board_compute), field by field but
 *    `rank` (a row event has none); `first` is counted apart, and is a
 *    difference too (the writer republishes a row whose first-to-solve
 *    mark another contestant's solve took or gave back). With --window K
 *    (the default, 100, as the web client's contest page) a client subscribes to a window: it
 *    knows the top K rows and its own rows (`my_rows`) from its snapshot,
 *    and every row pushed since (pushes are not windowed, so the losses
 *    above count alike). Its snapshot rows of contestants nobody pushed a
 *    row for are compared with PostgreSQL's too, per client; a pushed row
 *    supersedes the snapshot's. --window 0 subscribes to the whole board
 *    (not parsed: megabytes per client), whose rows of contestants without
 *    a push must then be untouched.
 * With --verify, any lost, doubled, error or board difference exits 1.
 *
 * usage: contest_load --ports P[,P...] --contest ID --problem SLUG
 *            --sources DIR --tokens FILE [--signups K] [--server-pid PID,...]
 *            [--submissions S] [--duration SECS] [--shape burst-peak|even]
 *            [--mix AC,WA,TLE,CE] [--drain SECS] [--label NAME] [--header]
 *            [--verify] [--seed X] [--window K]
 * FILE: one "username token" line per contestant (N = its lines); the
 * first K contestants sign up instead, under a fresh name. DIR: a problem
 * package's submissions/ folder (accepted/area.c, ...; see ld_source()).
 *
 * One file of one event loop over a few globals (the clients, the
 * submissions, the rows seen), like ws_fanout.c; the framing is ws_client.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "ws_client.h"
#include "banned.h"

#define LD_MAX_PORTS 8
#define LD_MAX_FRAME (64u << 20) /* a board snapshot of many thousand rows */
#define LD_QUIET_US (3 * 1000000LL)
#define LD_ID_AUTH 1
#define LD_ID_REGISTER 2
#define LD_ID_SUBSCRIBE 3
#define LD_ID_BOARD 4
#define LD_ID_SUBMIT0 1000 /* submit i has request id LD_ID_SUBMIT0 + i */

enum ld_kind { K_AC, K_WA, K_TLE, K_CE, K_NKINDS };
static const char *const kind_verdict[K_NKINDS] = {"AC", "WA", "TLE", "CE"};

enum ld_state { ST_CONNECTING, ST_UPGRADE, ST_AUTH, ST_READY, ST_DEAD };

/* One contest.scoreboard push read by a client. */
struct ld_rx {
    int64_t id;  /* stream id, ms << 20 | seq */
    float t_ms;  /* wall time read, ms after the run's start */
    int32_t who; /* the row's contestant (client index) */
};

/* A row of a client's windowed snapshot: whose, and its digest (an index in
 * `digests`: untouched rows, most of a fresh board, share one). */
struct ld_known {
    int64_t uid; /* a user id: the row's contestant may not have logged in yet */
    int digest;
};

struct ld_client {
    int fd;
    enum ld_state state;
    int port;
    int64_t user_id;
    unsigned char *rbuf;
    size_t rlen, rcap;
    long long t_auth_us, auth_us; /* sign-ups: the register's round trip */
    int64_t last_push;            /* event id of the last push read */
    struct ld_rx *rx;
    size_t nrx, caprx;
    struct ld_known *known;
    size_t nknown, capknown;
    size_t snapshot_bytes;
    char close_why[128];
    unsigned resyncs, errors, doubled, closed;
};

struct ld_sub {
    int client;
    enum ld_kind kind;
    long long due_us;  /* after the start of the schedule */
    long long sent_us; /* 0 until sent */
    int64_t submission_id;
    int verdicts;
    long long verdict_us;
    int64_t verdict_id;
    char verdict[8];
    bool failed; /* an error reply */
};

/* A contest.scoreboard event as first read: the row text, kept once. */
struct ld_row {
    int64_t id;
    int who;
    char *data;
};

static struct {
    int ports[LD_MAX_PORTS], nports;
    int pids[LD_MAX_PORTS], npids;
    long long contest;
    const char *problem, *sources, *tokens, *label;
    int signups, nsubs, window;
    double duration, drain;
    bool even, verify, header;
    int mix[K_NKINDS];
    unsigned seed;
} opt;

static struct ld_client *cl;
static int ncl;
static char **usernames, **tokens;
static struct ld_sub *subs;
static char *src[K_NKINDS];
static const char *src_lang[K_NKINDS];
static struct ld_row *rows;
static size_t nrows, caprows;
static int epfd;
static long long t0_wall_us; /* the run's start, for ld_rx.t_ms */
static long long last_rx_us;
static unsigned verdict_foreign, verdict_unknown;
static char **digests; /* distinct row digests (row_digest) */
static size_t ndigests, capdigests;
static char first_error[256];

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("contest_load: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = gv_calloc(n ? n : 1, size);

    if (!p)
        die("out of memory");
    return p;
}

static void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 16;

    if (need <= *cap)
        return p;
    while (c < need)
        c *= 2;
    p = gv_realloc(p, c * size);
    if (!p)
        die("out of memory");
    *cap = c;
    return p;
}

/* "<ms>-<seq>" as one ordered number. */
static int64_t stream_id(const char *s)
{
    char *end;
    long long ms = strtoll(s, &end, 10), seq = 0;

    if (*end == '-')
        seq = strtoll(end + 1, NULL, 10);
    return (int64_t)ms << 20 | (seq & 0xfffff);
}

static long long stream_id_ms(int64_t id)
{
    return (long long)(id >> 20);
}

/* The integer after `key` in text[0..len), -1 when absent. */
static long long find_ll(const char *text, size_t len, const char *key)
{
    const char *p = memmem(text, len, key, strlen(key));

    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* The string value after `key` (which ends with the opening quote). */
static bool find_str(char *out, size_t cap, const char *text, size_t len, const char *key)
{
    const char *p = memmem(text, len, key, strlen(key)), *end;
    size_t n;

    if (!p)
        return false;
    p += strlen(key);
    end = memchr(p, '"', len - (size_t)(p - text));
    if (!end || (n = (size_t)(end - p)) >= cap)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* --- Ids to indexes (open addressing; ids are positive) -------------------- */

struct ld_map {
    int64_t *key;
    int *val;
    size_t cap; /* a power of two, at least twice the entries */
};

static void map_init(struct ld_map *m, size_t entries)
{
    for (m->cap = 64; m->cap < entries * 2; m->cap *= 2)
        ;
    m->key = xcalloc(m->cap, sizeof(*m->key));
    m->val = xcalloc(m->cap, sizeof(*m->val));
}

static size_t map_slot(const struct ld_map *m, int64_t key)
{
    size_t i = (size_t)key * 2654435761u & (m->cap - 1);

    while (m->key[i] && m->key[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void map_put(struct ld_map *m, int64_t key, int val)
{
    size_t i = map_slot(m, key);

    m->key[i] = key;
    m->val[i] = val;
}

static int map_get(const struct ld_map *m, int64_t key)
{
    size_t i = map_slot(m, key);

    return m->key[i] ? m->val[i] : -1;
}

static struct ld_map by_user; /* user id -> client index */
static struct ld_map by_sub; /* submission id -> index in subs */

/* --- Requests and replies ---------------------------------------------------- */

static void send_json(struct ld_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void send_json(struct ld_client *c, const char *fmt, ...)
{
    char stack[1024], *msg = stack;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(stack, sizeof(stack), fmt, ap);
    va_end(ap);
    if (n < 0)
        die("cannot format a request");
    if ((size_t)n >= sizeof(stack)) {
        msg = xcalloc((size_t)n + 1, 1);
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (wsc_send_frame(c->fd, 0x1, msg, (size_t)n) < 0) {
        c->errors++;
        snprintf(first_error, sizeof(first_error), "client %d: cannot send a request",
                 (int)(c - cl));
    }
    if (msg != stack)
        gv_free(msg);
}

/* A JSON string literal's contents for `s` (sources hold quotes, newlines). */
static char *json_escape(const char *s)
{
    cJSON *str = cJSON_CreateString(s);
    char *txt = str ? cJSON_PrintUnformatted(str) : NULL, *out;
    size_t n;

    cJSON_Delete(str);
    if (!txt)
        die("out of memory");
    n = strlen(txt);
    out = xcalloc(n, 1);
    memcpy(out, txt + 1, n - 2); /* without the quotes */
    cJSON_free(txt);
    return out;
}

static void start_auth(struct ld_client *c)
{
    int i = (int)(c - cl);

    c->t_auth_us = wsc_now_us();
    if (i < opt.signups)
        send_json(c,
                  "{\"type\":\"register\",\"id\":%d,\"username\":\"%s\",\"password\":"
                  "\"load-bench-pw\"}",
                  LD_ID_AUTH, usernames[i]);
    else
        send_json(c, "{\"type\":\"hello\",\"id\":%d,\"token\":\"%s\"}", LD_ID_AUTH, tokens[i]);
    /* Served in order: each sees the login before it. */
    send_json(c, "{\"type\":\"contest.register\",\"id\":%d,\"contest\":%lld}", LD_ID_REGISTER,
              opt.contest);
    if (opt.window)
        send_json(c,
                  "{\"type\":\"subscribe\",\"id\":%d,\"topic\":\"contest\",\"contest\":%lld,"
                  "\"window\":%d}",
                  LD_ID_SUBSCRIBE, opt.contest, opt.window);
    else
        send_json(c, "{\"type\":\"subscribe\",\"id\":%d,\"topic\":\"contest\",\"contest\":%lld}",
                  LD_ID_SUBSCRIBE, opt.contest);
}

static void send_submit(int i)
{
    struct ld_sub *s = &subs[i];
    struct ld_client *c = &cl[s->client];

    s->sent_us = wsc_now_us();
    send_json(c,
              "{\"type\":\"submit\",\"id\":%d,\"problem\":\"%s\",\"language\":\"%s\","
              "\"contest\":%lld,\"source\":\"%s\"}",
              LD_ID_SUBMIT0 + i, opt.problem, src_lang[s->kind], opt.contest, src[s->kind]);
}

static cJSON *board_reply; /* contest.scoreboard's answer, for the final check */

static void row_digest(char *out, size_t cap, const cJSON *row, unsigned *firsts);

static int digest_intern(const char *d)
{
    for (size_t i = 0; i < ndigests; i++)
        if (!strcmp(digests[i], d))
            return (int)i;
    digests = xgrow(digests, &capdigests, ndigests + 1, sizeof(*digests));
    digests[ndigests] = xcalloc(strlen(d) + 1, 1);
    memcpy(digests[ndigests], d, strlen(d));
    return (int)ndigests++;
}

/* The rows of a windowed snapshot's board (`scoreboard` or `my_rows`, which
 * may be null) as what client c knows at its subscribe. */
static void keep_window(struct ld_client *c, const cJSON *board)
{
    const cJSON *row;

    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(board, "rows"))
    {
        char d[512];
        unsigned firsts;

        row_digest(d, sizeof(d), row, &firsts);
        c->known = xgrow(c->known, &c->capknown, c->nknown + 1, sizeof(*c->known));
        c->known[c->nknown++] = (struct ld_known){
            (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "user_id")),
            digest_intern(d)};
    }
}

static void on_reply(struct ld_client *c, const char *text, size_t len)
{
    bool ok = len > 12 && !memcmp(text, "{\"type\":\"ok\"", 12);
    cJSON *msg = NULL, *data;
    long long id;

    /* A whole-board snapshot may be megabytes and is not checked (see the
     * top): its id is read where the codec puts it. */
    if (!opt.window && len > 65536) {
        id = find_ll(text, len < 64 ? len : 64, "\"id\":");
        if (ok && id == LD_ID_SUBSCRIBE) {
            c->snapshot_bytes = len;
            c->state = ST_READY;
            return;
        }
    }
    msg = cJSON_ParseWithLength(text, len);
    if (!msg)
        die("client %d: a reply that is not JSON", (int)(c - cl));
    id = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "id"));
    data = cJSON_GetObjectItemCaseSensitive(msg, "data");
    if (!ok) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(msg, "code");

        c->errors++;
        if (!first_error[0])
            snprintf(first_error, sizeof(first_error), "client %d, request %lld: %.180s",
                     (int)(c - cl), id, text);
        if (id >= LD_ID_SUBMIT0 && id < LD_ID_SUBMIT0 + opt.nsubs)
            subs[id - LD_ID_SUBMIT0].failed = true;
        else if (id <= LD_ID_SUBSCRIBE)
            die("client %d could not log in or subscribe (%s): %.200s", (int)(c - cl),
                cJSON_GetStringValue(code) ? cJSON_GetStringValue(code) : "?", text);
    } else if (id == LD_ID_AUTH) {
        const cJSON *user = cJSON_GetObjectItemCaseSensitive(data, "user");
        double uid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(user, "id"));

        if (!(uid > 0))
            die("client %d: no user after the login: %.200s", (int)(c - cl), text);
        c->user_id = (int64_t)uid;
        map_put(&by_user, c->user_id, (int)(c - cl));
        c->auth_us = wsc_now_us() - c->t_auth_us;
    } else if (id == LD_ID_SUBSCRIBE) {
        c->snapshot_bytes = len;
        c->state = ST_READY;
        if (opt.window) {
            keep_window(c, cJSON_GetObjectItemCaseSensitive(data, "scoreboard"));
            keep_window(c, cJSON_GetObjectItemCaseSensitive(data, "my_rows"));
        }
    } else if (id == LD_ID_BOARD) {
        board_reply = msg;
        msg = NULL;
    } else if (id >= LD_ID_SUBMIT0 && id < LD_ID_SUBMIT0 + opt.nsubs) {
        double sid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(data, "submission_id"));

        if (!(sid > 0))
            die("a submit reply without submission_id: %.200s", text);
        subs[id - LD_ID_SUBMIT0].submission_id = (int64_t)sid;
        map_put(&by_sub, (int64_t)sid, (int)(id - LD_ID_SUBMIT0));
    }
    cJSON_Delete(msg);
}

/* --- Pushes ------------------------------------------------------------------- */

static void keep_row(int64_t id, int who, const char *data, size_t len)
{
    rows = xgrow(rows, &caprows, nrows + 1, sizeof(*rows));
    rows[nrows].id = id;
    rows[nrows].who = who;
    rows[nrows].data = xcalloc(len + 1, 1);
    memcpy(rows[nrows].data, data, len);
    nrows++;
}

static bool row_known(int64_t id)
{
    /* Newest first: a row is mostly read by all clients soon after it is made. */
    for (size_t i = nrows; i-- > 0;)
        if (rows[i].id == id)
            return true;
    return false;
}

static void on_event(struct ld_client *c, const char *text, size_t len, long long t_wall)
{
    char name[64], eid[48], verdict[8];
    const char *data;
    int64_t id;

    if (!find_str(name, sizeof(name), text, len, "\"event\":\"") ||
        !find_str(eid, sizeof(eid), text, len, "\"event_id\":\""))
        return;
    id = stream_id(eid);
    if (id <= c->last_push)
        c->doubled++;
    else
        c->last_push = id;
    data = memmem(text, len, "\"data\":", 7);
    if (!data)
        return;
    if (!strcmp(name, "contest.scoreboard")) {
        long long uid = find_ll(data, len - (size_t)(data - text), "\"user_id\":");
        int who = map_get(&by_user, uid);

        if (who < 0)
            return; /* not one of ours */
        c->rx = xgrow(c->rx, &c->caprx, c->nrx + 1, sizeof(*c->rx));
        c->rx[c->nrx++] = (struct ld_rx){id, (float)(t_wall - t0_wall_us) / 1000.0f, who};
        if (!row_known(id))
            keep_row(id, who, data + 7, len - (size_t)(data + 7 - text) - 1);
        last_rx_us = wsc_now_us();
    } else if (!strcmp(name, "judging.verdict")) {
        long long sid = find_ll(data, len - (size_t)(data - text), "\"submission_id\":");
        int i = map_get(&by_sub, sid);
        struct ld_sub *s;

        if (i < 0) {
            verdict_unknown++;
            return;
        }
        s = &subs[i];
        if (s->client != (int)(c - cl)) {
            verdict_foreign++;
            return;
        }
        if (++s->verdicts > 1)
            return;
        s->verdict_us = wsc_now_us();
        s->verdict_id = id;
        if (find_str(verdict, sizeof(verdict), data, len - (size_t)(data - text), "\"verdict\":\""))
            memcpy(s->verdict, verdict, sizeof(verdict));
        last_rx_us = s->verdict_us;
    }
}

static void on_text(struct ld_client *c, const char *text, size_t len, long long t_wall)
{
    if (len > 16 && !memcmp(text, "{\"type\":\"event\"", 15))
        on_event(c, text, len, t_wall);
    else if (len > 16 && !memcmp(text, "{\"type\":\"resync\"", 16))
        c->resyncs++;
    else if (len > 16 && !memcmp(text, "{\"type\":\"pong\"", 14))
        ;
    else
        on_reply(c, text, len);
}

static int parse_frames(struct ld_client *c, long long t_wall)
{
    size_t off = 0;
    struct wsc_frame f;
    int got;

    while ((got = wsc_frame_next(&f, c->rbuf + off, c->rlen - off, LD_MAX_FRAME)) > 0) {
        if (f.opcode == 0x1) {
            on_text(c, (const char *)f.payload, f.len, t_wall);
        } else if (f.opcode == 0x9) {
            if (wsc_send_frame(c->fd, 0xA, f.payload, f.len) < 0)
                return -EIO;
        } else if (f.opcode == 0x8) {
            /* Kept for the report: the status and the server's reason. */
            snprintf(c->close_why, sizeof(c->close_why), "closed by the server: %u %.*s",
                     f.len >= 2 ? (unsigned)(f.payload[0] << 8 | f.payload[1]) : 1005,
                     f.len > 2 ? (int)(f.len - 2 > 100 ? 100 : f.len - 2) : 0,
                     f.len > 2 ? (const char *)f.payload + 2 : "");
            return -ECONNRESET;
        }
        off += f.size;
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return got;
}

/* --- Connections --------------------------------------------------------------- */

static void set_interest(struct ld_client *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - cl)};

    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
}

static void client_start(struct ld_client *c)
{
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(c - cl)};

    c->port = opt.ports[(c - cl) % opt.nports];
    c->fd = wsc_connect("127.0.0.1", c->port, 0);
    if (c->fd < 0)
        die("connection %d: %s", (int)(c - cl), strerror(-c->fd));
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
    c->state = ST_CONNECTING;
}

static int client_readable(struct ld_client *c)
{
    long long t = wsc_wall_us();

    for (;;) {
        ssize_t r;
        int err;

        if (c->rcap - c->rlen < 16384) {
            c->rcap = c->rcap ? c->rcap * 2 : 32768;
            c->rbuf = gv_realloc(c->rbuf, c->rcap);
            if (!c->rbuf)
                die("out of memory");
        }
        r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (r == 0)
            return -ESHUTDOWN; /* closed without a close frame */
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno == EAGAIN ? 0 : -errno;
        c->rlen += (size_t)r;
        if (c->state == ST_UPGRADE) {
            long h = wsc_upgrade_check(c->rbuf, c->rlen);

            if (h < 0)
                die("upgrade refused: %.*s", (int)(c->rlen > 200 ? 200 : c->rlen), c->rbuf);
            if (h == 0)
                continue;
            memmove(c->rbuf, c->rbuf + h, c->rlen - (size_t)h);
            c->rlen -= (size_t)h;
            c->state = ST_AUTH;
            start_auth(c);
        }
        err = parse_frames(c, t);
        if (err < 0)
            return err;
    }
}

static void poll_once(int timeout_ms)
{
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, 512, timeout_ms);

    if (n < 0 && errno != EINTR)
        die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        struct ld_client *c = &cl[evs[i].data.u32];
        int err;

        if (c->state == ST_DEAD)
            continue;
        if (c->state == ST_CONNECTING) {
            err = wsc_send_upgrade(c->fd, "127.0.0.1", c->port);
            if (!err) {
                c->state = ST_UPGRADE;
                set_interest(c, EPOLLIN);
            }
        } else {
            err = client_readable(c);
        }
        if (err < 0) {
            if (c->state != ST_READY)
                die("connection %d failed while setting up (%s, %.1f s after its login was "
                    "sent): %s",
                    (int)(c - cl), c->state == ST_UPGRADE ? "upgrading" : "logging in",
                    c->t_auth_us ? (double)(wsc_now_us() - c->t_auth_us) / 1e6 : 0.0,
                    c->close_why[0] ? c->close_why : strerror(-err));
            if (!first_error[0])
                snprintf(first_error, sizeof(first_error), "connection %d: %s", (int)(c - cl),
                         c->close_why[0] ? c->close_why : strerror(-err));
            c->closed++;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->fd = -1;
            c->state = ST_DEAD;
        }
    }
}

/* Connects everyone: the sign-ups one at a time (each is an argon2id hash
 * on a server: alone, the time it takes is its cost), then the others, at
 * most `batch` setting up at a time (each subscribe is a board snapshot). */
static double connect_all(void)
{
    long long t0 = wsc_now_us();
    int started = 0, ready = 0, batch = 128;

    while (ready < ncl) {
        while (started < ncl && started - ready < (started < opt.signups ? 1 : batch))
            client_start(&cl[started++]);
        poll_once(50);
        ready = 0;
        for (int i = 0; i < started; i++)
            ready += cl[i].state == ST_READY;
        if (wsc_now_us() - t0 > 900LL * 1000000)
            die("only %d of %d connections ready after 15 min", ready, ncl);
    }
    return (double)(wsc_now_us() - t0) / 1e6;
}

/* --- The schedule ------------------------------------------------------------- */

/* When submission i of n is due, in [0, 1) of the round: evenly, or a
 * quarter in the first tenth (everyone opens the easy problem), a third in
 * the last fifth (the final push), the rest between. */
static double due_fraction(int i, int n)
{
    double q = ((double)i + 0.5) / n;

    if (opt.even)
        return q;
    if (q < 0.25)
        return q / 0.25 * 0.10;
    if (q < 1.0 - 1.0 / 3)
        return 0.10 + (q - 0.25) / (1.0 - 1.0 / 3 - 0.25) * 0.70;
    return 0.80 + (q - (1.0 - 1.0 / 3)) / (1.0 / 3) * 0.20;
}

static void plan(void)
{
    int *order = xcalloc((size_t)ncl, sizeof(int)), total = 0;

    for (int k = 0; k < K_NKINDS; k++)
        total += opt.mix[k];
    /* Contestants in a shuffled order, round robin: a contestant's next
     * submission comes a whole round later, within the rate limit. */
    for (int i = 0; i < ncl; i++)
        order[i] = i;
    for (int i = ncl - 1; i > 0; i--) {
        int j = (int)(rand_r(&opt.seed) % (unsigned)(i + 1)), t = order[i];

        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < opt.nsubs; i++) {
        int r = (int)(rand_r(&opt.seed) % (unsigned)total), k = 0;

        while (r >= opt.mix[k])
            r -= opt.mix[k++];
        subs[i].client = order[i % ncl];
        subs[i].kind = (enum ld_kind)k;
        subs[i].due_us = (long long)(due_fraction(i, opt.nsubs) * opt.duration * 1e6);
    }
    gv_free(order);
}

static void run_schedule(void)
{
    long long t0 = wsc_now_us();

    for (int i = 0; i < opt.nsubs; i++) {
        long long left;

        while ((left = t0 + subs[i].due_us - wsc_now_us()) > 0)
            poll_once((int)((left + 999) / 1000));
        if (cl[subs[i].client].state == ST_READY)
            send_submit(i);
    }
}

/* Until every acknowledged submission has its verdict and the rows stopped
 * coming for a while, or --drain seconds. */
static void drain(void)
{
    long long t0 = wsc_now_us();

    last_rx_us = t0;
    while (wsc_now_us() - t0 < (long long)(opt.drain * 1e6)) {
        int waiting = 0;

        for (int i = 0; i < opt.nsubs; i++)
            waiting += subs[i].sent_us && !subs[i].failed && !subs[i].verdicts;
        if (!waiting && wsc_now_us() - last_rx_us > LD_QUIET_US)
            break;
        poll_once(50);
    }
}

/* --- The report ---------------------------------------------------------------- */

struct ld_result {
    float *verdict_ms, *board_ms;
    long long first_sent_us, last_verdict_us;
    size_t nverdict, nboard;
    long long acked, lost_verdicts, doubled_verdicts, wrong_verdicts, lost_board, stale_final;
    long long doubled_pushes, resyncs, closed, errors, rows_read;
    long long board_diff, first_diff, board_rows, window_rows;
};

static int cmp_sub_by_verdict(const void *a, const void *b)
{
    const struct ld_sub *x = *(const struct ld_sub *const *)a, *y = *(const struct ld_sub *const *)b;

    return x->client != y->client ? (x->client > y->client) - (x->client < y->client)
                                  : (x->verdict_id > y->verdict_id) - (x->verdict_id < y->verdict_id);
}

/* Board latencies and losses: each client's rows in the order read against
 * every contestant's verdicts in id order. */
static void count_board(struct ld_result *r)
{
    struct ld_sub **judged = xcalloc((size_t)opt.nsubs, sizeof(*judged));
    size_t nj = 0, *first = xcalloc((size_t)ncl + 1, sizeof(size_t));
    size_t *next = xcalloc((size_t)ncl, sizeof(size_t));
    int64_t *newest = xcalloc((size_t)ncl, sizeof(int64_t)), *last = xcalloc((size_t)ncl, sizeof(int64_t));

    for (int i = 0; i < opt.nsubs; i++)
        if (subs[i].verdicts)
            judged[nj++] = &subs[i];
    qsort(judged, nj, sizeof(*judged), cmp_sub_by_verdict);
    /* first[u] .. first[u + 1]: contestant u's verdicts, in id order. */
    for (size_t j = 0, u = 0; u <= (size_t)ncl; u++) {
        while (j < nj && (size_t)judged[j]->client < u)
            j++;
        first[u] = j;
    }
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].id > newest[rows[i].who])
            newest[rows[i].who] = rows[i].id;
    r->board_ms = xcalloc(nj * (size_t)ncl + 1, sizeof(float));
    for (int c = 0; c < ncl; c++) {
        for (int u = 0; u < ncl; u++) {
            next[u] = first[u];
            last[u] = 0;
        }
        for (size_t k = 0; k < cl[c].nrx; k++) {
            const struct ld_rx *x = &cl[c].rx[k];
            int u = x->who;

            r->rows_read++;
            if (x->id > last[u])
                last[u] = x->id;
            while (next[u] < first[u + 1] && judged[next[u]]->verdict_id < x->id) {
                long long v_ms = stream_id_ms(judged[next[u]]->verdict_id);

                r->board_ms[r->nboard++] = (float)((double)x->t_ms - (double)(v_ms * 1000 - t0_wall_us) / 1000.0);
                next[u]++;
            }
        }
        for (int u = 0; u < ncl; u++) {
            r->lost_board += (long long)(first[u + 1] - next[u]);
            r->stale_final += last[u] != newest[u];
        }
    }
    gv_free(judged);
    gv_free(first);
    gv_free(next);
    gv_free(newest);
    gv_free(last);
}

/* A row's standing as text, without rank and first (see the top). */
static void row_digest(char *out, size_t cap, const cJSON *row, unsigned *firsts)
{
    const cJSON *cell;
    size_t n;

    n = (size_t)snprintf(out, cap, "%g/%g/%g:",
                         cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "solved")),
                         cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "penalty")),
                         cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "score")));
    *firsts = 0;
    cJSON_ArrayForEach(cell, cJSON_GetObjectItemCaseSensitive(row, "cells"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(cell, "time_min");

        if (n >= cap)
            break;
        n += (size_t)snprintf(out + n, cap - n, "%s,%d,%g,%g,%g,%g;",
                              cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cell, "label")),
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "solved")),
                              cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cell, "tries")),
                              cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cell, "pending")),
                              cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cell, "score")),
                              cJSON_IsNumber(t) ? t->valuedouble : -1.0);
        *firsts = *firsts << 1 | (unsigned)cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "first"));
    }
}

static bool untouched(const cJSON *row)
{
    const cJSON *cell;

    cJSON_ArrayForEach(cell, cJSON_GetObjectItemCaseSensitive(row, "cells"))
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "solved")) ||
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cell, "tries")) > 0 ||
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cell, "pending")) > 0)
            return false;
    }
    return true;
}

/* Every contestant's newest row against contest.scoreboard's, and every
 * client's windowed snapshot rows of contestants never pushed. */
static void check_board(struct ld_result *r)
{
    size_t *newest;
    struct ld_map pg_digest; /* user id -> PostgreSQL's row's digest */
    const cJSON *row, *rows_json;
    long long t0 = wsc_now_us();
    int c = 0;

    while (c < ncl && cl[c].state != ST_READY)
        c++;
    if (c == ncl) {
        r->board_diff = -1;
        return;
    }
    send_json(&cl[c], "{\"type\":\"contest.scoreboard\",\"id\":%d,\"contest\":%lld}", LD_ID_BOARD,
              opt.contest);
    while (!board_reply && wsc_now_us() - t0 < 120LL * 1000000)
        poll_once(50);
    if (!board_reply) {
        r->board_diff = -1;
        return;
    }
    rows_json = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(board_reply, "data"),
                                         "scoreboard"),
        "rows");
    newest = xcalloc((size_t)ncl, sizeof(size_t));
    map_init(&pg_digest, (size_t)cJSON_GetArraySize(rows_json) + 1);
    for (size_t i = 0; i < nrows; i++)
        if (!newest[rows[i].who] || rows[i].id > rows[newest[rows[i].who] - 1].id)
            newest[rows[i].who] = i + 1;
    cJSON_ArrayForEach(row, rows_json)
    {
        int64_t uid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "user_id"));
        int u = map_get(&by_user, uid);
        char want[512], got[512];
        unsigned fw, fg = 0;

        row_digest(want, sizeof(want), row, &fw);
        /* Everyone's, ours or not (a sign-up leaves its prepared user idle):
         * a window shows them all. */
        if (opt.window && uid > 0)
            map_put(&pg_digest, uid, digest_intern(want));
        if (u < 0)
            continue;
        r->board_rows++;
        if (newest[u]) {
            cJSON *data = cJSON_Parse(rows[newest[u] - 1].data);

            row_digest(got, sizeof(got), cJSON_GetObjectItemCaseSensitive(data, "row"), &fg);
            cJSON_Delete(data);
        } else {
            /* Never pushed: a contestant without a submission. */
            snprintf(got, sizeof(got), "%s", untouched(row) ? want : "(no row pushed)");
        }
        if (strcmp(want, got)) {
            if (r->board_diff++ < 3)
                fprintf(stderr, "board: user %d: pushed %s, PostgreSQL %s\n", u, got, want);
        }
        r->first_diff += fw != fg;
    }
    for (int k = 0; k < ncl; k++) {
        for (size_t i = 0; i < cl[k].nknown; i++) {
            int u = map_get(&by_user, cl[k].known[i].uid);
            int want = cl[k].known[i].uid > 0 ? map_get(&pg_digest, cl[k].known[i].uid) : -1;

            if (u >= 0 && newest[u])
                continue; /* superseded by a push: checked above and as stale */
            r->window_rows++;
            if (cl[k].known[i].digest != want) {
                if (r->board_diff++ < 3)
                    fprintf(stderr, "board: client %d's snapshot: user %lld: %s, PostgreSQL %s\n", k,
                            (long long)cl[k].known[i].uid, digests[cl[k].known[i].digest],
                            want >= 0 ? digests[want] : "(not on the board)");
            }
        }
    }
    gv_free(pg_digest.key);
    gv_free(pg_digest.val);
    gv_free(newest);
}

static void count(struct ld_result *r)
{
    r->verdict_ms = xcalloc((size_t)opt.nsubs, sizeof(float));
    for (int i = 0; i < opt.nsubs; i++) {
        struct ld_sub *s = &subs[i];

        if (!s->sent_us || s->failed)
            continue;
        r->acked += s->submission_id > 0;
        if (!s->verdicts) {
            r->lost_verdicts++;
            continue;
        }
        r->doubled_verdicts += s->verdicts - 1;
        if (!r->first_sent_us || s->sent_us < r->first_sent_us)
            r->first_sent_us = s->sent_us;
        if (s->verdict_us > r->last_verdict_us)
            r->last_verdict_us = s->verdict_us;
        r->wrong_verdicts += strcmp(s->verdict, kind_verdict[s->kind]) != 0;
        r->verdict_ms[r->nverdict++] = (float)(s->verdict_us - s->sent_us) / 1000.0f;
    }
    count_board(r);
    for (int c = 0; c < ncl; c++) {
        r->doubled_pushes += cl[c].doubled;
        r->resyncs += cl[c].resyncs;
        r->closed += cl[c].closed;
        r->errors += cl[c].errors;
    }
    r->errors += verdict_foreign + verdict_unknown;
    wsc_sort_floats(r->verdict_ms, r->nverdict);
    wsc_sort_floats(r->board_ms, r->nboard);
}

static long servers_rss_kb(void)
{
    long kb = wsc_rss_sum_kb(opt.pids, opt.npids);

    if (kb < 0)
        die("cannot read a server's /proc/<pid>/status");
    return kb;
}

/* --- Setup --------------------------------------------------------------------- */

static char *read_file(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;
    long n;
    char *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        die("cannot read %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = xcalloc((size_t)n + 1, 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        die("cannot read %s", path);
    fclose(f);
    return buf;
}

/* The four sources: the package's own, and a loop for the time limit (the
 * examples have none that is only slow). */
static void load_sources(void)
{
    static const char tle[] = "int main(void)\n{\n    volatile unsigned long x = 0;\n"
                              "    for (;;)\n        x++;\n}\n";
    char *raw[K_NKINDS];

    raw[K_AC] = read_file(opt.sources, "accepted/area.c");
    raw[K_WA] = read_file(opt.sources, "wrong_answer/two_decimals.c");
    raw[K_CE] = read_file(opt.sources, "compile_error/late_declaration.cpp");
    raw[K_TLE] = xcalloc(sizeof(tle), 1);
    memcpy(raw[K_TLE], tle, sizeof(tle));
    src_lang[K_AC] = src_lang[K_WA] = src_lang[K_TLE] = "c";
    src_lang[K_CE] = "cpp";
    for (int k = 0; k < K_NKINDS; k++) {
        src[k] = json_escape(raw[k]);
        gv_free(raw[k]);
    }
}

static void load_tokens(void)
{
    FILE *f = fopen(opt.tokens, "r");
    char line[256], user[64], tok[80];
    size_t cap = 0;

    if (!f)
        die("cannot read %s: %s", opt.tokens, strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%63s %79s", user, tok) != 2)
            continue;
        usernames = xgrow(usernames, &cap, (size_t)ncl + 1, sizeof(char *));
        tokens = gv_realloc(tokens, cap * sizeof(char *));
        if (!tokens)
            die("out of memory");
        usernames[ncl] = xcalloc(strlen(user) + 16, 1);
        tokens[ncl] = xcalloc(strlen(tok) + 1, 1);
        memcpy(tokens[ncl], tok, strlen(tok));
        if (ncl < opt.signups) /* a fresh name: sign-ups can run twice */
            snprintf(usernames[ncl], strlen(user) + 16, "su%x-%d", (unsigned)getpid() & 0xffff, ncl);
        else
            memcpy(usernames[ncl], user, strlen(user));
        ncl++;
    }
    fclose(f);
    if (ncl == 0)
        die("%s holds no \"username token\" line", opt.tokens);
}

static int parse_list(int *out, int max, const char *s)
{
    int n = 0;
    char *end;

    while (*s && n < max) {
        out[n++] = (int)strtol(s, &end, 10);
        if (end == s)
            return -1;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void usage(void)
{
    fprintf(stderr, "usage: contest_load --ports P[,P...] --contest ID --problem SLUG --sources DIR "
                    "--tokens FILE [--signups K] [--server-pid PID,...] [--submissions S] "
                    "[--duration SECS] [--shape burst-peak|even] [--mix AC,WA,TLE,CE] "
                    "[--drain SECS] [--label NAME] [--header] [--verify] [--seed X] "
                    "[--window K]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"ports", required_argument, NULL, 'p'},      {"contest", required_argument, NULL, 'c'},
        {"problem", required_argument, NULL, 'P'},    {"sources", required_argument, NULL, 'S'},
        {"tokens", required_argument, NULL, 't'},     {"signups", required_argument, NULL, 'u'},
        {"server-pid", required_argument, NULL, 's'}, {"submissions", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},   {"shape", required_argument, NULL, 'h'},
        {"mix", required_argument, NULL, 'm'},        {"drain", required_argument, NULL, 'D'},
        {"label", required_argument, NULL, 'l'},      {"header", no_argument, NULL, 'H'},
        {"verify", no_argument, NULL, 'v'},           {"seed", required_argument, NULL, 'x'},
        {"window", required_argument, NULL, 'w'},     {0},
    };
    int ch, nmix = K_NKINDS;

    opt.nsubs = 100;
    opt.duration = 60;
    opt.drain = 120;
    opt.seed = 14;
    opt.window = 100;
    opt.mix[K_AC] = 55, opt.mix[K_WA] = 25, opt.mix[K_TLE] = 8, opt.mix[K_CE] = 12;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p': opt.nports = parse_list(opt.ports, LD_MAX_PORTS, optarg); break;
        case 's': opt.npids = parse_list(opt.pids, LD_MAX_PORTS, optarg); break;
        case 'c': opt.contest = strtoll(optarg, NULL, 10); break;
        case 'P': opt.problem = optarg; break;
        case 'S': opt.sources = optarg; break;
        case 't': opt.tokens = optarg; break;
        case 'u': opt.signups = (int)strtol(optarg, NULL, 10); break;
        case 'n': opt.nsubs = (int)strtol(optarg, NULL, 10); break;
        case 'd': opt.duration = strtod(optarg, NULL); break;
        case 'D': opt.drain = strtod(optarg, NULL); break;
        case 'h':
            if (strcmp(optarg, "even") && strcmp(optarg, "burst-peak"))
                usage();
            opt.even = !strcmp(optarg, "even");
            break;
        case 'm': nmix = parse_list(opt.mix, K_NKINDS, optarg); break;
        case 'l': opt.label = optarg; break;
        case 'H': opt.header = true; break;
        case 'v': opt.verify = true; break;
        case 'x': opt.seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'w': opt.window = (int)strtol(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (opt.nports <= 0 || opt.contest <= 0 || !opt.problem || !opt.sources || !opt.tokens ||
        opt.nsubs <= 0 || opt.duration <= 0 || opt.signups < 0 || opt.npids < 0 ||
        nmix != K_NKINDS || opt.window < 0 || opt.window > 500 || opt.mix[0] + opt.mix[1] + opt.mix[2] + opt.mix[3] <= 0)
        usage();
}

/* Everything the globals own (the sanitized build checks for leaks). */
static void release_all(void)
{
    for (int i = 0; i < ncl; i++) {
        if (cl[i].fd >= 0)
            close(cl[i].fd);
        gv_free(cl[i].rbuf);
        gv_free(cl[i].rx);
        gv_free(cl[i].known);
        gv_free(usernames[i]);
        gv_free(tokens[i]);
    }
    for (size_t i = 0; i < nrows; i++)
        gv_free(rows[i].data);
    for (int k = 0; k < K_NKINDS; k++)
        gv_free(src[k]);
    for (size_t i = 0; i < ndigests; i++)
        gv_free(digests[i]);
    gv_free(digests);
    gv_free(rows);
    gv_free(cl);
    gv_free(usernames);
    gv_free(tokens);
    gv_free(subs);
    gv_free(by_user.key);
    gv_free(by_user.val);
    gv_free(by_sub.key);
    gv_free(by_sub.val);
    cJSON_Delete(board_reply);
    close(epfd);
}

int main(int argc, char **argv)
{
    struct ld_result r;
    double connect_s, load0, load1, signup_ms = 0;
    long rss0 = 0, rss1 = 0;
    long long ccpu0, sched_us;
    size_t snap = 0;
    char window[32] = "the whole board";
    int bad;

    parse_args(argc, argv);
    if (opt.window)
        snprintf(window, sizeof(window), "window %d", opt.window);
    load_tokens();
    if (opt.signups > ncl)
        opt.signups = ncl;
    load_sources();
    if ((bad = wsc_raise_nofile(ncl + 256)) < 0)
        die("cannot raise the descriptor limit to %d: %s", ncl + 256, strerror(-bad));
    cl = xcalloc((size_t)ncl, sizeof(*cl));
    subs = xcalloc((size_t)opt.nsubs, sizeof(*subs));
    map_init(&by_user, (size_t)ncl);
    map_init(&by_sub, (size_t)opt.nsubs);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        die("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < ncl; i++)
        cl[i].fd = -1;
    plan();

    load0 = wsc_loadavg1();
    t0_wall_us = wsc_wall_us();
    if (opt.npids)
        rss0 = servers_rss_kb();
    connect_s = connect_all();
    for (int i = 0; i < 10; i++)
        poll_once(50); /* the last replies; lws' own allocations settle */
    if (opt.npids)
        rss1 = servers_rss_kb();
    for (int i = 0; i < ncl; i++) {
        snap = cl[i].snapshot_bytes > snap ? cl[i].snapshot_bytes : snap;
        if (i < opt.signups)
            signup_ms += (double)cl[i].auth_us / 1000.0;
    }
    ccpu0 = wsc_self_cpu_us();
    sched_us = wsc_now_us();
    run_schedule();
    drain();
    sched_us = wsc_now_us() - sched_us;
    memset(&r, 0, sizeof(r));
    check_board(&r);
    count(&r);
    load1 = wsc_loadavg1();

    if (opt.header) {
        printf("| N | case | subs | verdict p50 | p95 | p99 | max (ms) | board p50 | p99 | max (ms) "
               "| lost | doubled | errors | RSS/conn KiB | load |\n");
        printf("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
               "| ---: | ---: | --- |\n");
    }
    printf("| %d | %s | %lld | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %lld | %lld | %lld "
           "| %s%.1f | %.1f-%.1f |\n",
           ncl, opt.label ? opt.label : "-", r.acked, wsc_pct(r.verdict_ms, r.nverdict, 0.5),
           wsc_pct(r.verdict_ms, r.nverdict, 0.95), wsc_pct(r.verdict_ms, r.nverdict, 0.99),
           r.nverdict ? r.verdict_ms[r.nverdict - 1] : -1.0f, wsc_pct(r.board_ms, r.nboard, 0.5),
           wsc_pct(r.board_ms, r.nboard, 0.99), r.nboard ? r.board_ms[r.nboard - 1] : -1.0f,
           r.lost_verdicts + r.lost_board + r.stale_final, r.doubled_verdicts + r.doubled_pushes,
           r.errors + r.resyncs + r.closed + r.wrong_verdicts, opt.npids ? "" : "-",
           opt.npids ? (double)(rss1 - rss0) / ncl : 0.0, load0, load1);
    printf("#   N=%d %s: connect+login+register+subscribe %.1f s (largest snapshot %zu KiB, %s); "
           "%d "
           "sign-ups, %.0f ms each (argon2id on the server, one at a time); server RSS %ld -> %ld "
           "KiB over %d process(es)\n",
           ncl, opt.label ? opt.label : "", connect_s, snap / 1024, window, opt.signups,
           opt.signups ? signup_ms / opt.signups : 0.0, rss0,
           rss1, opt.npids);
    printf("#   N=%d %s: %d submissions planned over %.0f s (%s), %lld acknowledged, %lld verdicts "
           "(%lld not the source's kind; %.2f a second from the first submit to the last verdict), "
           "schedule+drain %.1f s; %lld rows read, %zu board "
           "events, %zu (verdict, client) deliveries; client CPU %.1f s\n",
           ncl, opt.label ? opt.label : "", opt.nsubs, opt.duration,
           opt.even ? "evenly" : "burst at the start, peak at the end", r.acked, (long long)r.nverdict,
           r.wrong_verdicts,
           r.nverdict ? (double)r.nverdict * 1e6 / (double)(r.last_verdict_us - r.first_sent_us) : 0.0,
           (double)sched_us / 1e6, r.rows_read, nrows, r.nboard,
           (double)(wsc_self_cpu_us() - ccpu0) / 1e6);
    printf("#   N=%d %s: lost: %lld verdicts, %lld (verdict, client) board deliveries, %lld stale "
           "final rows; doubled: %lld verdicts, %lld pushes out of order; errors: %lld replies, "
           "%lld resyncs, %lld closed, %u foreign and %u unknown verdicts; final board: %lld of "
           "%lld rows differ from PostgreSQL's (%lld first-to-solve marks differ; %lld snapshot "
           "rows of contestants never pushed compared too: %s)\n",
           ncl, opt.label ? opt.label : "", r.lost_verdicts, r.lost_board, r.stale_final,
           r.doubled_verdicts, r.doubled_pushes, r.errors - verdict_foreign - verdict_unknown,
           r.resyncs, r.closed, verdict_foreign, verdict_unknown, r.board_diff, r.board_rows,
           r.first_diff, r.window_rows, opt.window ? "window" : "whole board, not checked");
    if (first_error[0])
        printf("#   first error: %s\n", first_error);
    fflush(stdout);
    gv_free(r.verdict_ms);
    gv_free(r.board_ms);
    bad = r.lost_verdicts || r.lost_board || r.stale_final || r.doubled_verdicts ||
          r.doubled_pushes || r.errors || r.resyncs || r.closed || r.wrong_verdicts ||
          r.board_diff != 0 || r.first_diff != 0 || r.acked != opt.nsubs;
    release_all();
    return opt.verify && bad ? 1 : 0;
}
