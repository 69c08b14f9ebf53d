/* SPDX-License-Identifier: MIT
 * ws_fanout.c - fan-out benchmark of gavel-server's contest pushes (issue 5).
 * (Its framing, clocks and /proc figures live in ws_client.c, shared with
 * contest_load.c.)
 *
 * Holds N WebSocket connections to gavel-server (one process, or several
 * sharing the port: the kernel spreads the connections), each logged in with the
 * same session token (hello) and subscribed to one contest, then publishes
 * contest-level events to the live stream exactly as production does (XADD
 * gavel:live MAXLEN ~ 100000 * type <t> data <json>, the judge's call) and
 * measures, per scenario:
 *   single  events one at a time (the next once every client has the last);
 *   burst   100 events in one second;
 *   slow    the same burst while 1% of the clients stop reading (small
 *           receive buffer, no reads): the others must be neither delayed
 *           nor lose anything.
 * Each event carries its publish time (CLOCK_MONOTONIC, this process) and a
 * sequence number, so every receipt gives a latency and each client's count
 * shows losses and duplicates.
 *
 * Server figures come from /proc/<pid> of every server process, summed:
 * VmRSS before and after connecting (per connection), utime+stime over a
 * scenario (per delivered message). The client's own utime+stime per
 * delivered message is reported too (ccpu): it shares the machine's cores.
 * Against a server on another machine (--host, no --server-pid) the
 * server's figures are -1: read them there.
 *
 * A minimal RFC 6455 client over epoll, on one thread (the framing is
 * ws_client.h's); pings are answered. It is kept cheap: sockets
 * are edge-triggered and read with one recv() per wakeup into a per-client
 * buffer (no allocation per message).
 *
 * usage: ws_fanout [--host IPV4] --port P --token T --contest ID [--server-pid PID[,PID...]]
 *                  [--connections N] [--redis URL] [--stream KEY]
 *                  [--events E] [--burst B] [--slow-pct P] [--pad BYTES]
 *                  [--header] [--label NAME] [--dump FILE]
 * Prints one table row per scenario (--header: the header first; --label: a
 * "server" column holding NAME, for runs against several servers). --dump
 * appends each scenario's receipts to FILE as a histogram, for pooling many
 * runs' phases (bench/feed_pool.py): a line "# LABEL|CASE|EVENTS", then
 * "TENTHS COUNT" lines, latency in tenths of a millisecond.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_stream.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "ws_client.h"
#include "banned.h"

#define FC_RBUF 8192
#define FC_MAX_SERVERS 16
#define FC_EVENT_TYPE "contest.announcement"
#define FC_QUIET_MS 5000  /* a scenario ends this long after the last receipt */
#define FC_SINGLE_GAP_MS 20

enum fc_state { ST_IDLE, ST_CONNECTING, ST_UPGRADE, ST_AUTH, ST_READY, ST_DEAD };

struct fc_client {
    int fd;
    enum fc_state state;
    bool slow;   /* stops reading in the slow scenario */
    bool paused; /* not read right now */
    unsigned oks;
    unsigned resyncs;
    unsigned close_code;
    unsigned got; /* events of the current scenario */
    unsigned dups;
    size_t rlen;
    unsigned char rbuf[FC_RBUF];
};

struct fc_opts {
    const char *host; /* --host: the server's IPv4 address (127.0.0.1) */
    int port;
    int n;
    const char *token;
    long long contest;
    int server_pids[FC_MAX_SERVERS]; /* --server-pid P[,P...]: every server process (none: a
                                        server elsewhere, its CPU and RSS not reported) */
    int nservers;
    const char *redis_url;
    const char *stream;
    int events;
    int burst;
    double slow_pct;
    int pad;
    bool header;
    const char *label; /* the "server" column, none when NULL */
    const char *dump;  /* --dump FILE: each scenario's latencies appended */
};

/* One scenario's receipts: lat[(seq - base) * n + client], -1 when missing. */
struct fc_phase {
    long long base;
    int nevents;
    float *lat_ms;
    long long *pub_us;
    bool skip_slow;
    long long expected, received;
};

static struct fc_opts opt;
static struct fc_client *cl;
static int epfd;
static struct fc_phase *cur; /* the scenario being measured, NULL between */
static long long next_seq;
static long long last_receipt_us;

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("ws_fanout: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* --- The server process ----------------------------------------------------- */

/* Over every server process; dies rather than report a figure of a
 * process that is gone. */
static long long servers_cpu_us(void)
{
    long long us = wsc_cpu_sum_us(opt.server_pids, opt.nservers);

    if (!opt.nservers)
        return -1;
    if (us < 0)
        die("cannot read a server's /proc/<pid>/stat");
    return us;
}

static long servers_rss_kb(void)
{
    long kb = wsc_rss_sum_kb(opt.server_pids, opt.nservers);

    if (!opt.nservers)
        return -1;
    if (kb < 0)
        die("cannot read a server's /proc/<pid>/status");
    return kb;
}

/* --- WebSocket framing ------------------------------------------------------ */

static int send_frame(struct fc_client *c, int opcode, const void *data, size_t len)
{
    return wsc_send_frame(c->fd, opcode, data, len);
}

static long long json_ll(const char *text, size_t len, const char *key)
{
    const char *p = memmem(text, len, key, strlen(key));

    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static void on_event(struct fc_client *c, const char *text, size_t len, long long t_recv)
{
    /* The markers ride in the announcement's text: the server decodes each
     * event into its one definition and encodes it again, so fields of our
     * own would not survive (docs/PROTOCOL.md, "Events"). */
    long long seq = json_ll(text, len, "bench_seq="), t_pub = json_ll(text, len, "bench_t_us=");
    long long idx;
    float *slot;

    if (!cur || seq < cur->base || seq >= cur->base + cur->nevents || t_pub < 0)
        return;
    if (cur->skip_slow && c->slow)
        return;
    idx = (seq - cur->base) * opt.n + (c - cl);
    slot = &cur->lat_ms[idx];
    if (*slot >= 0) {
        c->dups++;
        return;
    }
    *slot = (float)(t_recv - t_pub) / 1000.0f;
    c->got++;
    cur->received++;
    last_receipt_us = t_recv;
}

static void on_text(struct fc_client *c, const char *text, size_t len, long long t_recv)
{
    if (len > 16 && !memcmp(text, "{\"type\":\"event\"", 15)) {
        on_event(c, text, len, t_recv);
    } else if (memmem(text, len, "\"type\":\"resync\"", 15)) {
        c->resyncs++;
    } else if (memmem(text, len, "\"type\":\"ok\"", 11)) {
        c->oks++;
        if (c->state == ST_AUTH && c->oks == 2)
            c->state = ST_READY;
    } else if (memmem(text, len, "\"type\":\"error\"", 14)) {
        die("client %d got an error: %.*s", (int)(c - cl), (int)(len > 300 ? 300 : len), text);
    }
}

/* Parses the complete frames in c->rbuf. */
static int parse_frames(struct fc_client *c, long long t_recv)
{
    size_t off = 0;

    for (;;) {
        struct wsc_frame fr;
        int got = wsc_frame_next(&fr, c->rbuf + off, c->rlen - off, FC_RBUF - 16);
        const unsigned char *f;
        size_t h, plen;
        int op;

        if (got < 0)
            return got;
        if (!got)
            break;
        f = c->rbuf + off;
        h = fr.size - fr.len;
        plen = fr.len;
        op = fr.opcode;
        if (op == 0x1)
            on_text(c, (const char *)f + h, (size_t)plen, t_recv);
        else if (op == 0x9 && send_frame(c, 0xA, f + h, (size_t)plen) < 0)
            return -EIO;
        else if (op == 0x8) {
            c->close_code = plen >= 2 ? (unsigned)(f[h] << 8 | f[h + 1]) : 1005;
            return -ECONNRESET;
        }
        off += h + (size_t)plen;
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return 0;
}

/* --- Connections ------------------------------------------------------------ */

static void client_dead(struct fc_client *c)
{
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = ST_DEAD;
}

static void set_interest(struct fc_client *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - cl)};

    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
}

static int client_start(struct fc_client *c)
{
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(c - cl)};

    /* A slow reader must push back on the server soon, not after megabytes
     * of loopback autotuning. */
    c->fd = wsc_connect(opt.host, opt.port, c->slow ? 4096 : 0);
    if (c->fd < 0)
        return c->fd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        return -errno;
    c->state = ST_CONNECTING;
    return 0;
}

static int client_writable(struct fc_client *c)
{
    int err = wsc_send_upgrade(c->fd, opt.host, opt.port);

    if (err < 0)
        return err;
    c->state = ST_UPGRADE;
    set_interest(c, EPOLLIN | EPOLLET);
    return 0;
}

static int upgrade_done(struct fc_client *c)
{
    long got = wsc_upgrade_check(c->rbuf, c->rlen);
    size_t hlen;
    char msg[256];
    int n;

    if (!got)
        return c->rlen < FC_RBUF ? 0 : -EPROTO;
    if (got < 0)
        die("upgrade refused: %.*s", (int)(c->rlen > 200 ? 200 : c->rlen), (char *)c->rbuf);
    hlen = (size_t)got;
    memmove(c->rbuf, c->rbuf + hlen, c->rlen - hlen);
    c->rlen -= hlen;
    c->state = ST_AUTH;
    /* Requests of one connection run in order: the subscribe sees the
     * login the hello makes. */
    n = snprintf(msg, sizeof(msg), "{\"type\":\"hello\",\"id\":1,\"token\":\"%s\"}", opt.token);
    if (send_frame(c, 0x1, msg, (size_t)n) < 0)
        return -EIO;
    n = snprintf(msg, sizeof(msg), "{\"type\":\"subscribe\",\"id\":2,\"topic\":\"contest\",\"contest\":%lld}",
                 opt.contest);
    if (send_frame(c, 0x1, msg, (size_t)n) < 0)
        return -EIO;
    return parse_frames(c, wsc_now_us());
}

/* Edge-triggered: reads until the socket is drained. A read shorter than
 * the room offered means the receive queue was empty then (data that comes
 * later raises a new edge), which saves the EAGAIN round trip: one recv()
 * per wakeup in the common case. */
static int client_readable(struct fc_client *c)
{
    long long t = wsc_now_us();

    for (;;) {
        size_t room = FC_RBUF - c->rlen;
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, room, 0);
        int err;

        if (r == 0)
            return -ECONNRESET;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno == EAGAIN ? 0 : -errno;
        c->rlen += (size_t)r;
        err = c->state == ST_UPGRADE ? upgrade_done(c) : parse_frames(c, t);
        if (err < 0 || (size_t)r < room || c->paused)
            return err;
    }
}

/* One round of the event loop, waiting at most `timeout_ms`. */
static void poll_once(int timeout_ms)
{
    struct epoll_event evs[1024];
    int n = epoll_wait(epfd, evs, 1024, timeout_ms);

    if (n < 0 && errno != EINTR)
        die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        struct fc_client *c = &cl[evs[i].data.u32];
        int err;

        if (c->state == ST_DEAD)
            continue;
        if (c->state == ST_CONNECTING)
            err = client_writable(c);
        else
            err = client_readable(c);
        if (err < 0) {
            if (c->state != ST_READY)
                die("connection %d failed while setting up: %s", (int)(c - cl), strerror(-err));
            client_dead(c);
        }
    }
}

static void connect_all(double *secs)
{
    long long t0 = wsc_now_us();
    int started = 0, ready = 0, batch = 256;

    while (ready < opt.n) {
        int inflight = started - ready;

        while (started < opt.n && inflight < batch) {
            int err = client_start(&cl[started]);

            if (err < 0)
                die("connection %d: %s", started, strerror(-err));
            started++;
            inflight++;
        }
        poll_once(100);
        ready = 0;
        for (int i = 0; i < started; i++)
            ready += cl[i].state == ST_READY;
        if (wsc_now_us() - t0 > 600LL * 1000000)
            die("only %d of %d connections ready after 10 min", ready, opt.n);
    }
    *secs = (double)(wsc_now_us() - t0) / 1e6;
}

/* --- Publishing ------------------------------------------------------------- */

static struct db_redis *redis;
static char *padding;

static void publish(struct fc_phase *ph)
{
    char data[8192];
    const char *fv[4];
    long long seq = next_seq++, t = wsc_now_us();
    int err;

    snprintf(data, sizeof(data),
             "{\"contest_id\":%lld,\"text\":\"bench_seq=%lld bench_t_us=%lld %s\"}", opt.contest,
             seq, t, padding);
    fv[0] = "type";
    fv[1] = FC_EVENT_TYPE;
    fv[2] = "data";
    fv[3] = data;
    ph->pub_us[seq - ph->base] = t;
    err = db_stream_add(NULL, redis, opt.stream, 100000, 2, fv);
    if (err < 0)
        die("XADD %s: %s", opt.stream, db_redis_last_error(redis));
}

/* --- Scenarios -------------------------------------------------------------- */

static void phase_begin(struct fc_phase *ph, int nevents, bool skip_slow, int normal)
{
    memset(ph, 0, sizeof(*ph));
    ph->base = next_seq;
    ph->nevents = nevents;
    ph->skip_slow = skip_slow;
    ph->lat_ms = gv_malloc((size_t)nevents * (size_t)opt.n * sizeof(float));
    ph->pub_us = gv_calloc((size_t)nevents, sizeof(long long));
    if (!ph->lat_ms || !ph->pub_us)
        die("out of memory");
    for (size_t i = 0; i < (size_t)nevents * (size_t)opt.n; i++)
        ph->lat_ms[i] = -1;
    ph->expected = (long long)nevents * (skip_slow ? normal : opt.n);
    for (int i = 0; i < opt.n; i++)
        cl[i].got = 0;
    cur = ph;
}

/* Waits until every expected receipt came, or FC_QUIET_MS without one. */
static void phase_drain(struct fc_phase *ph)
{
    last_receipt_us = wsc_now_us();
    while (ph->received < ph->expected && wsc_now_us() - last_receipt_us < FC_QUIET_MS * 1000LL)
        poll_once(50);
}

/* `sorted` as (tenths of a ms, count) runs, appended to opt.dump. */
static void dump_histogram(const float *sorted, size_t n, const char *name, int nevents)
{
    FILE *f = fopen(opt.dump, "a");

    if (!f)
        die("%s: %s", opt.dump, strerror(errno));
    fprintf(f, "# %s|%s|%d\n", opt.label ? opt.label : "", name, nevents);
    for (size_t i = 0; i < n;) {
        long tenths = (long)(sorted[i] * 10.0f + 0.5f);
        size_t j = i;

        while (j < n && (long)(sorted[j] * 10.0f + 0.5f) == tenths)
            j++;
        fprintf(f, "%ld %zu\n", tenths, j - i);
        i = j;
    }
    if (fclose(f) != 0)
        die("%s: %s", opt.dump, strerror(errno));
}

static void phase_report(struct fc_phase *ph, const char *name, long long cpu_us,
                         long long client_cpu_us)
{
    size_t n = 0, nlast = 0;
    float *all = gv_malloc((size_t)ph->nevents * (size_t)opt.n * sizeof(float));
    float *last = gv_malloc((size_t)ph->nevents * sizeof(float));
    long long lost = 0, dups = 0, resyncs = 0, closed = 0;
    int clients = 0;

    if (!all || !last)
        die("out of memory");
    for (int i = 0; i < opt.n; i++) {
        if (ph->skip_slow && cl[i].slow)
            continue;
        clients++;
        lost += ph->nevents - (long long)cl[i].got;
        dups += cl[i].dups;
        resyncs += cl[i].resyncs;
        closed += cl[i].state == ST_DEAD;
    }
    for (int e = 0; e < ph->nevents; e++) {
        float worst = -1;

        for (int i = 0; i < opt.n; i++) {
            float v = ph->lat_ms[(size_t)e * (size_t)opt.n + (size_t)i];

            if (v < 0 || (ph->skip_slow && cl[i].slow))
                continue;
            all[n++] = v;
            if (v > worst)
                worst = v;
        }
        if (worst >= 0)
            last[nlast++] = worst;
    }
    wsc_sort_floats(all, n);
    wsc_sort_floats(last, nlast);
    if (opt.dump)
        dump_histogram(all, n, name, ph->nevents);
    printf("| %6d |", opt.n);
    if (opt.label)
        printf(" %-6s |", opt.label);
    printf(" %-6s | %6d | %7.1f | %7.1f | %7.1f | %7.1f | %7.1f | %6.2f | %6.2f | %5lld | "
           "%4lld | %6lld |\n",
           name, ph->nevents, wsc_pct(all, n, 0.5), wsc_pct(all, n, 0.99), n ? all[n - 1] : -1.0f,
           wsc_pct(last, nlast, 0.5), nlast ? last[nlast - 1] : -1.0f,
           n && cpu_us >= 0 ? (double)cpu_us / (double)n : -1.0, n ? (double)client_cpu_us / (double)n : -1.0,
           lost, dups, resyncs + closed);
    fflush(stdout);
    gv_free(all);
    gv_free(last);
    gv_free(ph->lat_ms);
    gv_free(ph->pub_us);
    cur = NULL;
    for (int i = 0; i < opt.n; i++) {
        cl[i].dups = 0;
        cl[i].resyncs = 0;
    }
}

static void run_single(int normal)
{
    struct fc_phase ph;
    long long cpu0, ccpu0;

    phase_begin(&ph, opt.events, false, normal);
    cpu0 = servers_cpu_us();
    ccpu0 = wsc_self_cpu_us();
    for (int e = 0; e < opt.events; e++) {
        long long want = (long long)(e + 1) * opt.n, t0;

        publish(&ph);
        t0 = wsc_now_us();
        while (ph.received < want && wsc_now_us() - t0 < FC_QUIET_MS * 1000LL)
            poll_once(10);
        t0 = wsc_now_us();
        while (wsc_now_us() - t0 < FC_SINGLE_GAP_MS * 1000LL)
            poll_once(FC_SINGLE_GAP_MS);
    }
    phase_drain(&ph);
    phase_report(&ph, "single", opt.nservers ? servers_cpu_us() - cpu0 : -1,
                 wsc_self_cpu_us() - ccpu0);
}

/* opt.burst events spread evenly over one second. */
static void run_burst(const char *name, bool slow, int normal)
{
    struct fc_phase ph;
    long long cpu0, ccpu0, t0, step = 1000000 / (opt.burst ? opt.burst : 1);

    if (slow)
        for (int i = 0; i < opt.n; i++)
            if (cl[i].slow && cl[i].state == ST_READY) {
                cl[i].paused = true;
                set_interest(&cl[i], 0);
            }
    phase_begin(&ph, opt.burst, slow, normal);
    cpu0 = servers_cpu_us();
    ccpu0 = wsc_self_cpu_us();
    t0 = wsc_now_us();
    for (int e = 0; e < opt.burst; e++) {
        long long due = t0 + e * step, left;

        while ((left = due - wsc_now_us()) > 0)
            poll_once((int)((left + 999) / 1000));
        publish(&ph);
    }
    phase_drain(&ph);
    phase_report(&ph, name, opt.nservers ? servers_cpu_us() - cpu0 : -1,
                 wsc_self_cpu_us() - ccpu0);
}

/* After the slow scenario: what the slow readers were left with. */
static void slow_epilogue(void)
{
    int nslow = 0, resynced = 0, closed = 0, alive = 0;
    long long t0;

    for (int i = 0; i < opt.n; i++)
        if (cl[i].slow && cl[i].paused && cl[i].state == ST_READY) {
            cl[i].paused = false;
            set_interest(&cl[i], EPOLLIN | EPOLLET);
        }
    t0 = wsc_now_us();
    while (wsc_now_us() - t0 < 2000000)
        poll_once(50);
    for (int i = 0; i < opt.n; i++) {
        if (!cl[i].slow)
            continue;
        nslow++;
        resynced += cl[i].resyncs > 0;
        closed += cl[i].state == ST_DEAD;
        alive += cl[i].state == ST_READY;
    }
    printf("#   N=%d%s%s slow readers: %d, told to resync: %d, closed by the server: %d, still "
           "open: %d\n",
           opt.n, opt.label ? " " : "", opt.label ? opt.label : "", nslow, resynced, closed, alive);
}

static void usage(void)
{
    fprintf(stderr, "usage: ws_fanout [--host IPV4] --port P --token T --contest ID [--server-pid PID[,PID...]] "
                    "[--connections N] [--redis URL] [--stream KEY] [--events E] [--burst B] "
                    "[--slow-pct P] [--pad BYTES] [--header] [--label NAME] [--dump FILE]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},      {"connections", required_argument, NULL, 'n'},
        {"token", required_argument, NULL, 't'},     {"contest", required_argument, NULL, 'c'},
        {"server-pid", required_argument, NULL, 's'}, {"redis", required_argument, NULL, 'r'},
        {"stream", required_argument, NULL, 'k'},    {"events", required_argument, NULL, 'e'},
        {"burst", required_argument, NULL, 'b'},     {"slow-pct", required_argument, NULL, 'w'},
        {"pad", required_argument, NULL, 'd'},       {"header", no_argument, NULL, 'H'},
        {"label", required_argument, NULL, 'l'},     {"dump", required_argument, NULL, 'D'},
        {0},
    };
    struct in_addr probe;
    int ch;

    opt.host = "127.0.0.1";
    opt.n = 1000;
    opt.redis_url = getenv("GAVEL_REDIS_URL");
    opt.stream = "gavel:live";
    opt.events = 30;
    opt.burst = 100;
    opt.slow_pct = 1.0;
    opt.pad = 200;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = (int)strtol(optarg, NULL, 10); break;
        case 'n': opt.n = (int)strtol(optarg, NULL, 10); break;
        case 't': opt.token = optarg; break;
        case 'c': opt.contest = strtoll(optarg, NULL, 10); break;
        case 's': {
            char *p = optarg;

            while (*p && opt.nservers < FC_MAX_SERVERS) {
                opt.server_pids[opt.nservers++] = (int)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
                else if (*p)
                    usage();
            }
            break;
        }
        case 'r': opt.redis_url = optarg; break;
        case 'k': opt.stream = optarg; break;
        case 'e': opt.events = (int)strtol(optarg, NULL, 10); break;
        case 'b': opt.burst = (int)strtol(optarg, NULL, 10); break;
        case 'w': opt.slow_pct = strtod(optarg, NULL); break;
        case 'd': opt.pad = (int)strtol(optarg, NULL, 10); break;
        case 'H': opt.header = true; break;
        case 'l': opt.label = optarg; break;
        case 'D': opt.dump = optarg; break;
        default: usage();
        }
    }
    if (inet_pton(AF_INET, opt.host, &probe) != 1)
        die("--host %s: not an IPv4 address", opt.host);
    if (opt.port <= 0 || !opt.token || opt.contest <= 0 || opt.n <= 0 ||
        !opt.redis_url || opt.events <= 0 || opt.burst <= 0 || opt.pad < 0 || opt.pad > 4096)
        usage();
}

int main(int argc, char **argv)
{
    char why[256];
    long rss0, rss1;
    double connect_s;
    int normal = 0, every, err;

    parse_args(argc, argv);
    if ((err = wsc_raise_nofile(opt.n + 256)) < 0)
        die("cannot raise the descriptor limit to %d: %s", opt.n + 256, strerror(-err));
    if (db_redis_open(&redis, opt.redis_url, 2000, why, sizeof(why)) < 0)
        die("redis: %s", why);
    padding = gv_malloc((size_t)opt.pad + 1);
    cl = gv_calloc((size_t)opt.n, sizeof(*cl));
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!padding || !cl || epfd < 0)
        die("out of memory");
    memset(padding, 'x', (size_t)opt.pad);
    padding[opt.pad] = '\0';
    /* Every k-th client is a slow reader, spread over the connect order. */
    every = opt.slow_pct > 0 ? (int)(100.0 / opt.slow_pct) : 0;
    for (int i = 0; i < opt.n; i++) {
        cl[i].fd = -1;
        cl[i].slow = every > 0 && i % every == every - 1;
        normal += !cl[i].slow;
    }

    if (opt.header) {
        printf("| N      |%s case   | events | p50 ms  | p99 ms  | max ms  | last50  | lastmax | "
               "cpu us | ccpu us | lost  | dups | resync |\n",
               opt.label ? " server |" : "");
        printf("| ------ |%s ------ | ------ | ------- | ------- | ------- | ------- | ------- | "
               "------ | ------- | ----- | ---- | ------ |\n",
               opt.label ? " ------ |" : "");
    }
    for (int i = 0; i < opt.nservers; i++)
        if (opt.server_pids[i] <= 0)
            usage();
    rss0 = servers_rss_kb();
    connect_all(&connect_s);
    /* Let the server settle (the last replies, lws' own allocations). */
    for (int i = 0; i < 10; i++)
        poll_once(50);
    rss1 = servers_rss_kb();
    printf("#   N=%d%s%s connect+hello+subscribe: %.2f s; server RSS %ld -> %ld KiB: %.2f KiB "
           "per connection\n",
           opt.n, opt.label ? " " : "", opt.label ? opt.label : "", connect_s, rss0, rss1, (double)(rss1 - rss0) / opt.n);
    fflush(stdout);
    run_single(normal);
    run_burst("burst", false, normal);
    run_burst("slow1%", true, normal);
    slow_epilogue();
    for (int i = 0; i < opt.n; i++)
        if (cl[i].fd >= 0)
            close(cl[i].fd);
    db_redis_close(redis);
    gv_free(cl);
    gv_free(padding);
    close(epfd);
    return 0;
}
