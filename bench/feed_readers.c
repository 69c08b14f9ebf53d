/* SPDX-License-Identifier: MIT
 * feed_readers.c - N streamed CLICS event feeds held open on one
 * gavel-server, for bench/clics_feed.sh (issue 12: "the event feed serves
 * 1,000 concurrent streaming readers without slowing the WebSocket
 * clients").
 *
 * One thread, epoll, edge-triggered sockets, one buffer per reader: the
 * readers share the machine's cores with the server they measure, so they
 * must cost little (their own CPU time is reported). Every reader asks
 * GET /api/clics/contests/ID/event-feed (public view, with its snapshot)
 * and splits what comes into lines; of each line only the token is read
 * (`"token":"…"`, no JSON parser). A reader's snapshot ends at its first
 * token that is not `s…` (the snapshot's last line, `<E>`); the lines
 * after it are the log's notifications, `<E>` or `<E>.<k>` for log row E.
 *
 * Per log row and reader it keeps when the row's first line arrived
 * (CLOCK_REALTIME) and how many lines of it came. "ready" goes to stdout
 * once every reader has its snapshot. On SIGTERM it notes the newest row
 * any reader has and reads on for two seconds (that row and those before
 * it may still be on their way to other readers); rows past it are left
 * out. Then it:
 *   - asks the same feed once more, unstreamed, from the newest snapshot
 *     position of all readers (?since_token=E&stream=false): the lines each
 *     row must give;
 *   - reads the rows' times from PostgreSQL (events.created_at, the start
 *     of the transaction that committed the row: a little before its
 *     commit, so latencies are slightly over-stated);
 * and prints one JSON line: readers, rows, lines expected, lost and extra
 * (over all readers), the latency from a row's time to each reader's
 * first line of it (p50, p99, max, ms), the spread between the first and
 * the last reader of a row, and its own CPU time.
 *
 * With --since ROW the readers ask ?since_token=ROW: no snapshot, the log
 * from that row on, and "ready" once every reader has its headers.
 *
 * Against a server on another machine (--host), the latencies compare this
 * machine's clock with PostgreSQL's: keep both synchronised (NTP).
 *
 * usage: feed_readers [--host IPV4] --port P --contest ID --readers N --pg URL [--since ROW] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define BUF_CAP (256 * 1024) /* the longest line a reader takes */

struct reader {
    int fd;
    bool headers, based, closed;
    int64_t base; /* the log row its snapshot was taken at */
    int64_t last_row;
    size_t len;
    char *buf;
};

/* What every reader got of one log row. */
struct row {
    uint32_t *first_us; /* per reader: its first line's arrival, since t0; 0: none */
    uint16_t *lines;    /* per reader: how many lines */
};

static struct {
    const char *host; /* the server's IPv4 address (127.0.0.1) */
    int port, n;
    long long contest;
    const char *pg;
    long long since; /* -1: with the snapshot */
} opt;

static struct reader *rd;
static struct row *rows;
static int64_t nrows_cap, max_row, cut_row; /* cut_row: the last row reported */
static int64_t t0_us;
static volatile sig_atomic_t stopping;
static int nheaders, nbased, nclosed;
static long long keepalives, out_of_order;

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("feed_readers: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (!p)
        die("out of memory");
    return p;
}

static int64_t real_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct row *row_at(int64_t e)
{
    if (e >= nrows_cap) {
        int64_t cap = nrows_cap ? nrows_cap : 1024;

        while (cap <= e)
            cap *= 2;
        rows = realloc(rows, (size_t)cap * sizeof(*rows));
        if (!rows)
            die("out of memory");
        memset(rows + nrows_cap, 0, (size_t)(cap - nrows_cap) * sizeof(*rows));
        nrows_cap = cap;
    }
    if (!rows[e].first_us) {
        rows[e].first_us = xcalloc((size_t)opt.n, sizeof(uint32_t));
        rows[e].lines = xcalloc((size_t)opt.n, sizeof(uint16_t));
    }
    if (e > max_row)
        max_row = e;
    return &rows[e];
}

/* The token of one NDJSON line: *snap for `s…`, *row its log row E. False
 * for a line without a token. */
static bool line_token(const char *line, size_t len, bool *snap, int64_t *row)
{
    static const char key[] = "\"token\":\"";
    const char *p = memmem(line, len, key, sizeof(key) - 1);

    if (!p)
        return false;
    p += sizeof(key) - 1;
    *snap = *p == 's';
    if (*snap)
        p++;
    *row = strtoll(p, NULL, 10);
    return true;
}

static void on_line(struct reader *r, const char *line, size_t len, int64_t now_us)
{
    struct row *w;
    bool snap;
    int64_t e;
    int i = (int)(r - rd);

    if (!len) {
        keepalives++;
        return;
    }
    if (!line_token(line, len, &snap, &e))
        die("reader %d: a line without a token: %.80s", i, line);
    if (snap)
        return;
    if (!r->based) {
        /* The snapshot's last line: its token is the snapshot's position. */
        r->based = true;
        r->base = e;
        r->last_row = e;
        if (++nbased == opt.n) {
            printf("ready\n");
            fflush(stdout);
        }
        return;
    }
    if (e < r->last_row)
        out_of_order++;
    r->last_row = e;
    w = row_at(e);
    if (!w->lines[i]++)
        w->first_us[i] = (uint32_t)(now_us - t0_us);
}

static void on_data(struct reader *r)
{
    int64_t now = real_us();
    size_t start = 0;

    if (!r->headers) {
        char *end = memmem(r->buf, r->len, "\r\n\r\n", 4);

        if (!end)
            return;
        if (strncmp(r->buf, "HTTP/1.1 200", 12))
            die("reader %d: %.*s", (int)(r - rd), (int)strcspn(r->buf, "\r\n"), r->buf);
        r->headers = true;
        nheaders++;
        if (opt.since >= 0) {
            /* No snapshot: the log from opt.since on. */
            r->based = true;
            r->base = r->last_row = opt.since;
            if (++nbased == opt.n) {
                printf("ready\n");
                fflush(stdout);
            }
        }
        start = (size_t)(end + 4 - r->buf);
    }
    for (;;) {
        char *nl = memchr(r->buf + start, '\n', r->len - start);

        if (!nl)
            break;
        on_line(r, r->buf + start, (size_t)(nl - r->buf - start), now);
        start = (size_t)(nl - r->buf) + 1;
    }
    memmove(r->buf, r->buf + start, r->len - start);
    r->len -= start;
}

/* Reads what waits (edge-triggered: until EAGAIN). */
static void drain(struct reader *r)
{
    for (;;) {
        ssize_t n;

        if (r->len == BUF_CAP)
            die("reader %d: a line over %d bytes", (int)(r - rd), BUF_CAP);
        n = recv(r->fd, r->buf + r->len, BUF_CAP - r->len, 0);
        if (n > 0) {
            r->len += (size_t)n;
            on_data(r);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        r->closed = true;
        nclosed++;
        close(r->fd);
        return;
    }
}

static int connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (fd < 0)
        die("socket: %s", strerror(errno));
    if (inet_pton(AF_INET, opt.host, &a.sin_addr) != 1)
        die("--host %s: not an IPv4 address", opt.host);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        die("connect: %s", strerror(errno));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

        if (k < 0)
            die("send: %s", strerror(errno));
        s += k;
        n -= (size_t)k;
    }
}

/* The lines each row must give: the same feed, unstreamed, from `from`. */
static void expected_lines(uint32_t **out, int64_t from)
{
    char req[256], *body = NULL, *p, *end;
    size_t len = 0, cap = 1 << 20;
    int fd = connect_to(opt.port);
    uint32_t *want = xcalloc((size_t)max_row + 1, sizeof(uint32_t));

    snprintf(req, sizeof(req),
             "GET /api/clics/contests/%lld/event-feed?since_token=%" PRId64 "&stream=false "
             "HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
             opt.contest, from, opt.host);
    send_all(fd, req, strlen(req));
    body = malloc(cap);
    for (;;) {
        ssize_t n;

        if (len == cap && !(body = realloc(body, cap *= 2)))
            die("out of memory");
        n = recv(fd, body + len, cap - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len < 12 || strncmp(body, "HTTP/1.1 200", 12))
        die("the unstreamed feed: %.*s", (int)(len < 80 ? len : 80), body ? body : "");
    p = memmem(body, len, "\r\n\r\n", 4);
    if (!p)
        die("the unstreamed feed has no body");
    p += 4;
    end = body + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        bool snap;
        int64_t e;

        if (l && line_token(p, l, &snap, &e) && !snap && e > from && e <= cut_row)
            want[e]++;
        p += l + 1;
    }
    free(body);
    *out = want;
}

/* Each row's time (events.created_at), Unix microseconds; 0 when unknown. */
static int64_t *row_times(int64_t from)
{
    int64_t *t = xcalloc((size_t)max_row + 1, sizeof(int64_t));
    char a[24], b[24], c[24];
    const char *params[] = {a, b, c};
    PGconn *pg = PQconnectdb(opt.pg);
    PGresult *res;

    if (PQstatus(pg) != CONNECTION_OK)
        die("PostgreSQL: %s", PQerrorMessage(pg));
    snprintf(a, sizeof(a), "%lld", opt.contest);
    snprintf(b, sizeof(b), "%" PRId64, from);
    snprintf(c, sizeof(c), "%" PRId64, cut_row);
    res = PQexecParams(pg,
                       "SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint FROM events "
                       "WHERE contest_id = $1 AND id > $2 AND id <= $3",
                       3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        die("PostgreSQL: %s", PQerrorMessage(pg));
    for (int i = 0; i < PQntuples(res); i++)
        t[strtoll(PQgetvalue(res, i, 0), NULL, 10)] = strtoll(PQgetvalue(res, i, 1), NULL, 10);
    PQclear(res);
    PQfinish(pg);
    return t;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)n);

    if (!n)
        return -1;
    return (double)v[i < n ? i : n - 1] / 1000.0;
}

static void report(void)
{
    int64_t from = 0, *times, *lat, *spread;
    uint32_t *want;
    size_t nlat = 0, nspread = 0, cap = 1 << 16, rows_live = 0;
    long long expected = 0, lost = 0, extra = 0;
    struct rusage ru;

    for (int i = 0; i < opt.n; i++)
        if (rd[i].base > from)
            from = rd[i].base;
    expected_lines(&want, from);
    times = row_times(from);
    lat = malloc(cap * sizeof(*lat));
    spread = xcalloc((size_t)max_row + 1, sizeof(*spread));
    for (int64_t e = from + 1; e <= cut_row; e++) {
        struct row *w = e < nrows_cap ? &rows[e] : NULL;
        uint32_t lo = UINT32_MAX, hi = 0;

        if (!want[e] && (!w || !w->lines))
            continue;
        rows_live++;
        for (int i = 0; i < opt.n; i++) {
            unsigned got = w && w->lines ? w->lines[i] : 0;

            expected += want[e];
            if (got < want[e])
                lost += want[e] - got;
            else
                extra += got - want[e];
            if (!got)
                continue;
            if (w->first_us[i] < lo)
                lo = w->first_us[i];
            if (w->first_us[i] > hi)
                hi = w->first_us[i];
            if (!times[e])
                continue;
            if (nlat == cap && !(lat = realloc(lat, (cap *= 2) * sizeof(*lat))))
                die("out of memory");
            lat[nlat++] = t0_us + w->first_us[i] - times[e];
        }
        if (hi >= lo && lo != UINT32_MAX)
            spread[nspread++] = hi - lo;
    }
    qsort(lat, nlat, sizeof(*lat), cmp_i64);
    qsort(spread, nspread, sizeof(*spread), cmp_i64);
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"readers\":%d,\"headers\":%d,\"closed_early\":%d,\"from_row\":%" PRId64
           ",\"rows\":%zu,\"lines_expected\":%lld,\"lost\":%lld,\"extra\":%lld,"
           "\"out_of_order\":%lld,\"keepalives\":%lld,\"samples\":%zu,"
           "\"latency_p50_ms\":%.1f,\"latency_p99_ms\":%.1f,\"latency_max_ms\":%.1f,"
           "\"spread_p50_ms\":%.1f,\"spread_p99_ms\":%.1f,\"cpu_s\":%.2f}\n",
           opt.n, nheaders, nclosed, from, rows_live, expected, lost, extra, out_of_order,
           keepalives, nlat, pct_ms(lat, nlat, 0.5), pct_ms(lat, nlat, 0.99),
           pct_ms(lat, nlat, 1.0), pct_ms(spread, nspread, 0.5), pct_ms(spread, nspread, 0.99),
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    fflush(stdout);
    free(lat);
    free(spread);
    free(times);
    free(want);
}

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"host", 1, NULL, 'h'},
                                             {"port", 1, NULL, 'p'},    {"contest", 1, NULL, 'c'},
                                             {"readers", 1, NULL, 'n'}, {"pg", 1, NULL, 'g'},
                                             {"since", 1, NULL, 's'},   {NULL, 0, NULL, 0}};
    struct epoll_event evs[256];
    char req[256];
    int64_t stop_ms = 0;
    int ep, ch;

    opt.since = -1;
    opt.host = "127.0.0.1";
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            opt.host = optarg;
            break;
        case 'p':
            opt.port = atoi(optarg);
            break;
        case 'c':
            opt.contest = atoll(optarg);
            break;
        case 'n':
            opt.n = atoi(optarg);
            break;
        case 'g':
            opt.pg = optarg;
            break;
        case 's':
            opt.since = atoll(optarg);
            break;
        default:
            fprintf(
                stderr,
                "usage: feed_readers [--host IPV4] --port P --contest ID --readers N --pg URL "
                "[--since ROW]\n");
            return 2;
        }
    }
    if (opt.port <= 0 || opt.contest <= 0 || opt.n <= 0 || opt.n > 60000 || !opt.pg) {
        fprintf(stderr,
                "usage: feed_readers [--host IPV4] --port P --contest ID --readers N --pg URL "
                "[--since ROW]\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    t0_us = real_us();
    ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1: %s", strerror(errno));
    rd = xcalloc((size_t)opt.n, sizeof(*rd));
    if (opt.since >= 0)
        snprintf(req, sizeof(req),
                 "GET /api/clics/contests/%lld/event-feed?since_token=%lld HTTP/1.1\r\n"
                 "Host: %s:%d\r\n\r\n",
                 opt.contest, opt.since, opt.host, opt.port);
    else
        snprintf(req, sizeof(req),
                 "GET /api/clics/contests/%lld/event-feed HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                 opt.contest, opt.host, opt.port);
    for (int i = 0; i < opt.n; i++) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.u32 = (uint32_t)i};

        rd[i].buf = malloc(BUF_CAP);
        if (!rd[i].buf)
            die("out of memory");
        /* A blocking connect on loopback returns at once; the request fits
         * one segment. Then the socket reads without blocking. */
        rd[i].fd = connect_to(opt.port);
        send_all(rd[i].fd, req, strlen(req));
        fcntl(rd[i].fd, F_SETFL, fcntl(rd[i].fd, F_GETFL) | O_NONBLOCK);
        if (epoll_ctl(ep, EPOLL_CTL_ADD, rd[i].fd, &ev) < 0)
            die("epoll_ctl: %s", strerror(errno));
        drain(&rd[i]);
    }
    /* Until SIGTERM, and two seconds after it. */
    for (;;) {
        int n = epoll_wait(ep, evs, 256, 100);

        if (stopping && !stop_ms) {
            cut_row = max_row;
            stop_ms = real_us() / 1000;
        }
        if (stop_ms && real_us() / 1000 - stop_ms >= 2000)
            break;
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++)
            if (!rd[evs[i].data.u32].closed)
                drain(&rd[evs[i].data.u32]);
        if (nclosed == opt.n)
            break;
    }
    if (!stop_ms)
        cut_row = max_row; /* every feed closed */
    if (nbased < opt.n)
        die("%d of %d readers got their snapshot (%d closed)", nbased, opt.n, nclosed);
    report();
    return 0;
}
