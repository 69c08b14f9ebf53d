/* SPDX-License-Identifier: MIT
 * srv_feed.c - streamed CLICS event feeds (GET /api/clics/contests/{id}/
 * event-feed): the HTTP connection stays open after the backlog, and new
 * notifications follow as the contest's events happen.
 *
 * The `events` log is the feed's only source; the live stream only says
 * when to read it. A feed remembers the last log row it has read (`pos`);
 * a durable live event of its contest past `pos` (srv__feed_offer) makes it
 * read the rows after `pos` on a job thread, with the same clics.get
 * request as its first read (srv_proto_clics.c, `feed_next`), so the
 * notifications, their tokens and the view's access rules are exactly what
 * a reader resuming from a token would get. A lost live entry delays a
 * notification until the next event of the contest or GAVEL_CLICS_POLL_MS
 * (each makes a read of the log), it never loses one.
 *
 * Feeds share their reads: the feeds of one contest and view at the same
 * position (all readers caught up, the common case) want the same rows,
 * notifications and tokens, so one read serves them all. A feed about to
 * read waits instead when a peer at its position is reading; the peer's
 * result goes to every idle peer still there (srv__feed_done), and a read
 * that fails or whose reader left wakes the waiting peers to read for
 * themselves. A verdict thus costs one read per contest and view, not one
 * per reader (gavel_clics_feed_reads_total counts them).
 *
 * Bounds: at most GAVEL_CLICS_FEED_MAX feeds per process (503 past it);
 * a feed reads again only once its reader has taken all it was given
 * (so it buffers at most one read: the snapshot, or FEED_ROWS_PER_READ
 * rows' notifications); a reader that takes nothing of what waits for
 * FEED_STALL_S seconds is disconnected, as a WebSocket that stops reading
 * is. Each connection writes at most FEED_CHUNK bytes per turn. */
#include "srv_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_codec.h"
#include "srv_jobs.h"
#include "srv_live.h"
#include "srv_metrics.h"
#include "banned.h"

#define FEED_CHUNK (16 * 1024)
#define FEED_STALL_S 30

struct srv__feed {
    struct lws_dll2 node; /* in srv_server.feeds */
    struct lws *wsi;
    struct srv__conn *c; /* the connection's registry entry, for its jobs */
    int64_t contest, pos;
    int64_t want_seq; /* the newest durable event of the contest offered to it */
    bool jury;
    bool headers_sent;
    bool reading;   /* a job reads the log for us */
    bool wanted;    /* the log may hold rows after pos: read when idle */
    bool waiting;   /* wanted, and a peer at pos reads for it */
    bool keepalive; /* a newline is due */
    bool closing;   /* close at the next writeable */
    int64_t read_ms; /* when its last read began (monotonic) */
    char *out;      /* what waits to be written (gv_malloc'd), NULL when none */
    size_t out_len, out_off;
};

/* One chunk at a time, from one buffer: everything runs on the loop thread. */
static unsigned char chunk[LWS_PRE + FEED_CHUNK];

static void feed_close_later(struct srv__feed *f, const char *why)
{
    if (!f->closing)
        gv_log(GV_LOG_DEBUG, "feed", "closing a feed of contest %" PRId64 ": %s", f->contest, why);
    f->closing = true;
    lws_callback_on_writable(f->wsi);
}

static bool same_read(const struct srv__feed *a, const struct srv__feed *b)
{
    return a != b && a->contest == b->contest && a->jury == b->jury && a->pos == b->pos;
}

/* A peer at f's position whose read will serve f too, or NULL. */
static struct srv__feed *reading_peer(struct srv_server *s, const struct srv__feed *f)
{
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&s->feeds)) {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, node);

        if (g->reading && !g->closing && same_read(f, g))
            return g;
    } lws_end_foreach_dll(d);
    return NULL;
}

static void feed_read(struct srv__feed *f);

/* The read `f` made for its peers will not come: those waiting on it read
 * for themselves (the first one reads, the others wait on it again). */
static void wake_waiting(struct srv_server *s, const struct srv__feed *f)
{
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&s->feeds)) {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, node);

        if (g->waiting && same_read(f, g)) {
            g->waiting = false;
            feed_read(g);
        }
    } lws_end_foreach_dll(d);
}

/* Starts a read of the rows after pos, when one is wanted and the reader
 * has taken all it was given, unless a peer's read will do. */
static void feed_read(struct srv__feed *f)
{
    struct srv_server *s = srv__server_of(f->wsi);
    struct srv_req_job *job;
    char text[160];
    int err;

    if (f->reading || !f->wanted || f->out || f->closing)
        return;
    if (reading_peer(s, f)) {
        f->waiting = true;
        return;
    }
    f->waiting = false;
    job = srv_proto_job_new(&s->proto);
    if (!job) {
        feed_close_later(f, "out of memory");
        return;
    }
    snprintf(text, sizeof(text),
             "{\"type\":\"clics.get\",\"path\":\"/contests/%" PRId64 "/event-feed\"}", f->contest);
    err = srv_codec_decode(&job->req, text, strlen(text));
    if (err < 0) {
        job->base.free(&job->base);
        feed_close_later(f, "cannot make its request");
        return;
    }
    job->http = true;
    job->feed = true;
    job->feed_next = true;
    job->feed_jury = f->jury;
    job->feed_pos = f->pos;
    srv__conn_add(&s->reg, f->c, f->wsi, false);
    job->base.conn_id = f->c->id;
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        /* Overloaded: the next event or keep-alive tries again. */
        srv__conn_remove(&s->reg, f->c);
        job->base.free(&job->base);
        return;
    }
    f->wanted = false;
    f->reading = true;
    f->read_ms = gv_time_mono_ms();
    atomic_fetch_add(&srv_metrics.feed_reads, 1);
}

/* Queues `len` bytes of `data` (copied) after what already waits. */
static int feed_queue(struct srv__feed *f, const char *data, size_t len)
{
    char *n;

    if (!len)
        return 0;
    n = gv_malloc(f->out_len - f->out_off + len);
    if (!n)
        return -ENOMEM;
    if (f->out)
        memcpy(n, f->out + f->out_off, f->out_len - f->out_off);
    memcpy(n + f->out_len - f->out_off, data, len);
    f->out_len = f->out_len - f->out_off + len;
    f->out_off = 0;
    gv_free(f->out);
    f->out = n;
    /* Nothing taken for this long: a slow reader is let go. Written
     * chunks restart the count (srv__feed_writable). */
    lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, FEED_STALL_S);
    lws_callback_on_writable(f->wsi);
    return 0;
}

bool srv__feed_full(struct srv_server *s)
{
    return s->feeds.count >= (uint32_t)s->feed_max;
}

int srv__feed_start(struct srv__feed **out, struct lws *wsi, struct srv__conn *c,
                    const struct srv_req_job *job)
{
    struct srv_server *s = srv__server_of(wsi);
    struct srv__feed *f;

    *out = NULL;
    if (srv__feed_full(s))
        return GV_EUNAVAIL;
    f = gv_calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->wsi = wsi;
    f->c = c;
    f->contest = job->feed_contest;
    f->pos = job->feed_pos;
    f->jury = job->feed_jury;
    f->wanted = job->feed_more;
    f->read_ms = gv_time_mono_ms();
    /* lws gave the request a few seconds (its keep-alive idle timeout);
     * a feed is open for as long as its reader reads. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    if (feed_queue(f, job->data ? job->data : "",
                   job->data ? (job->data_len ? job->data_len : strlen(job->data)) : 0) < 0) {
        gv_free(f);
        return -ENOMEM;
    }
    lws_dll2_add_tail(&f->node, &s->feeds);
    lws_set_timer_usecs(wsi, (lws_usec_t)s->feed_keepalive_ms * 1000);
    lws_callback_on_writable(wsi);
    *out = f;
    feed_read(f); /* a resumed feed's first read (srv_proto_clics.c) */
    return 0;
}

/* Gives `g` what a read from its position found: `len` bytes of
 * notifications up to row `pos`, `more` when the read stopped at its
 * limit. */
static void feed_take(struct srv__feed *g, const char *data, size_t len, int64_t pos, bool more)
{
    g->pos = pos;
    /* Still wanted only when an event past the new position was offered
     * meanwhile, or the read was cut short: no read of nothing new. */
    g->wanted = more || g->want_seq > pos;
    if (len && feed_queue(g, data, len) < 0) {
        feed_close_later(g, "out of memory");
        return;
    }
    feed_read(g);
}

void srv__feed_done(struct srv__feed *f, const struct srv_req_job *job)
{
    struct srv_server *s = srv__server_of(f->wsi);
    int64_t from = f->pos;
    size_t len = job->data ? (job->data_len ? job->data_len : strlen(job->data)) : 0;

    f->reading = false;
    if (job->err_code || !job->feed) {
        feed_close_later(f, job->err_code ? job->err_code : "not a feed");
        wake_waiting(s, f);
        return;
    }
    /* Every idle peer still at the read's starting position gets the same
     * notifications; the others read for themselves when they can. */
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&s->feeds)) {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, node);

        if (g != f && g->contest == f->contest && g->jury == f->jury && g->pos == from &&
            !g->reading && !g->out && !g->closing) {
            g->waiting = false;
            feed_take(g, job->data, len, job->feed_pos, job->feed_more);
        }
    } lws_end_foreach_dll(d);
    feed_take(f, job->data, len, job->feed_pos, job->feed_more);
}

int srv__feed_writable(struct srv__feed *f)
{
    unsigned char *start = chunk + LWS_PRE, *p = start, *end = start + 512;
    static const char no_store[] = "no-store";
    size_t n;

    if (f->closing)
        return -1;
    if (!f->headers_sent) {
        /* No length: the body ends when the connection does (lws adds
         * "connection: close"). */
        if (lws_add_http_common_headers(f->wsi, HTTP_STATUS_OK,
                                        "application/x-ndjson", LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
                                        end) ||
            lws_add_http_header_by_token(f->wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)no_store, sizeof(no_store) - 1,
                                         &p, end) ||
            lws_finalize_write_http_header(f->wsi, start, &p, end))
            return -1;
        f->headers_sent = true;
        lws_callback_on_writable(f->wsi);
        return 0;
    }
    if (f->out) {
        n = f->out_len - f->out_off;
        if (n > FEED_CHUNK)
            n = FEED_CHUNK;
        memcpy(start, f->out + f->out_off, n);
        if (lws_write(f->wsi, start, n, LWS_WRITE_HTTP) < 0)
            return -1;
        f->out_off += n;
        if (f->out_off < f->out_len) {
            lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, FEED_STALL_S);
            lws_callback_on_writable(f->wsi);
            return 0;
        }
        gv_free(f->out);
        f->out = NULL;
        f->out_len = f->out_off = 0;
        lws_set_timeout(f->wsi, NO_PENDING_TIMEOUT, 0);
        f->keepalive = false; /* it has just had a sign of life */
        feed_read(f);
        return 0;
    }
    if (f->keepalive) {
        f->keepalive = false;
        start[0] = '\n';
        if (lws_write(f->wsi, start, 1, LWS_WRITE_HTTP) < 0)
            return -1;
    }
    return 0;
}

void srv__feed_timer(struct srv__feed *f)
{
    struct srv_server *s = srv__server_of(f->wsi);

    /* The spec's keep-alive; and, every GAVEL_CLICS_POLL_MS, a look at
     * the log in case a live entry was lost (Redis restarted, say). */
    if (!f->out) {
        f->keepalive = true;
        lws_callback_on_writable(f->wsi);
    }
    if (gv_time_mono_ms() - f->read_ms >= s->feed_poll_ms) {
        f->wanted = true;
        feed_read(f);
    }
    lws_set_timer_usecs(f->wsi, (lws_usec_t)s->feed_keepalive_ms * 1000);
}

void srv__feed_free(struct srv_server *s, struct srv__feed *f)
{
    if (!f)
        return;
    lws_dll2_remove(&f->node);
    if (f->reading)
        wake_waiting(s, f);
    gv_free(f->out);
    gv_free(f);
}

void srv__feed_offer(struct srv_server *s, const struct srv_live_event *events)
{
    if (!s->feeds.count)
        return;
    for (const struct srv_live_event *ev = events; ev; ev = ev->next) {
        /* Only durable events are rows of the log; the others make no
         * notification (a scoreboard row is no CLICS object). */
        if (!ev->contest_id || ev->seq <= 0)
            continue;
        lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&s->feeds)) {
            struct srv__feed *f = lws_container_of(d, struct srv__feed, node);

            if (f->contest == ev->contest_id && f->pos < ev->seq) {
                if (ev->seq > f->want_seq)
                    f->want_seq = ev->seq;
                f->wanted = true;
                feed_read(f);
            }
        } lws_end_foreach_dll(d);
    }
}
