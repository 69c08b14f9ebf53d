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
 * Feeds share their reads and their bytes. The feeds of one contest and
 * view form a channel (struct chan); feeds of a channel at the same
 * position want the same rows, notifications and tokens, so one read
 * serves them all: a feed about to read joins the read in flight from its
 * position (it waits on its reader), and the read's notifications are
 * encoded once, into one reference-counted buffer (struct srv__bytes) that
 * every feed given them writes from. The channel also keeps the last
 * read's result, so a feed that was still writing when it came takes it
 * without a read of its own. A verdict thus costs one read and one
 * encoding per contest and view, and each reader a reference and its
 * writes (gavel_clics_feed_reads_total counts the reads); nothing here
 * scans the other feeds of the process.
 *
 * A jury feed holds the jury's view only while its user does: every jury
 * read also checks the credentials of the channel's feeds (the user's role
 * now, and the API token it came with still live), and a feed whose user
 * lost the role is ended (its response ends; reconnecting gives the public
 * view).
 *
 * The loop writes a feed's headers (through lws); its body is written by
 * the feeds' writer thread (srv_feedw.h), so that a read given to a
 * thousand readers is not a thousand send() calls on the loop the
 * WebSocket clients share. The loop hands the writer a feed's bytes
 * (feed_push) and hears back when the reader took them (TAKEN: the feed
 * may read on), left, or stalled (srv__feed_wakeup: the connection ends).
 *
 * Bounds: at most GAVEL_CLICS_FEED_MAX feeds per process (503 past it);
 * a feed reads again only once its reader has taken all it was given
 * (so it holds at most one read: the snapshot, or FEED_ROWS_PER_READ
 * rows' notifications); a reader that takes nothing of what waits for
 * GAVEL_CLICS_STALL_MS is disconnected, as a WebSocket that stops reading
 * is, and one that hangs up is let go at once (both seen by the writer). */
#define _GNU_SOURCE /* dup3() */
#include "srv_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_codec.h"
#include "srv_feed_yield.h"
#include "srv_feedw.h"
#include "srv_jobs.h"
#include "srv_live.h"
#include "srv_metrics.h"
#include "banned.h"

/* The feeds of one contest in one view. A live event of the contest
 * nudges the channel, not each feed: its feeds read together at the
 * channel's next tick, at most every GAVEL_CLICS_BATCH_MS, so that a busy
 * contest costs each reader a write per batch of events rather than per
 * event; and a due tick waits while the loop fans events out to WebSocket
 * clients (srv_feed_yield.h). */
struct chan {
    struct lws_dll2 node;        /* in srv_server.feed_chans */
    struct lws_dll2_owner feeds; /* struct srv__feed, by chan_node */
    struct lws_dll2_owner reads; /* the feeds with a read in flight, by read_node */
    struct srv_server *s;
    int64_t contest;
    bool jury;
    lws_sorted_usec_list_t tick; /* armed when nudged */
    bool tick_armed;
    int64_t nudge_seq; /* the newest durable event offered */
    int64_t tick_ms;   /* when the last tick ran (monotonic) */
    int64_t held_ms;   /* when the tick was armed: its first event (srv_feed_yield.h) */
    bool holding;      /* the armed tick already waited for the WebSocket pushes */
    /* The last read that moved on: rows after last_from up to last_to. */
    struct srv__bytes *last;
    int64_t last_from, last_to;
    int64_t last_read_us; /* when that read returned (srv_req_job.feed_read_us) */
    bool last_more;
};

struct srv__feed {
    struct lws_dll2 node;          /* in srv_server.feeds */
    struct lws_dll2 chan_node;     /* in chan->feeds */
    struct lws_dll2 read_node;     /* in chan->reads (reading) or a reader's waiters */
    struct lws_dll2_owner waiters; /* feeds at our position waiting on our read */
    struct chan *chan;
    uint64_t id; /* names the feed to its jobs (a credential check) */
    struct srv_server *s;
    struct lws *wsi;              /* lws's connection, until the writer has it (then NULL) */
    struct srv__conn conn;        /* the registry entry its reads' jobs come back to */
    lws_sorted_usec_list_t timer; /* feed_timer; at once for a closing feed without wsi */
    int64_t contest, pos;
    int64_t want_seq; /* the newest durable event of the contest offered to it */
    int64_t user_id;  /* jury feeds: whose view it is */
    char *token;      /* ... and the token that showed it (feed_token), NULL for none */
    int64_t checked_us; /* jury feeds: when its newest passing check began */
    bool jury;
    bool headers_sent;
    bool reading;           /* a job reads the log for us */
    bool wanted;            /* the log may hold rows after pos: read when idle */
    bool waiting;           /* wanted, and a peer at pos reads for it */
    bool closing;           /* close at the next writeable (at the timer, without wsi) */
    bool attached;          /* the writer thread writes its body (port) */
    bool detached;          /* its connection closed; the writer has yet to let go */
    int64_t read_ms;        /* when its last read began (monotonic) */
    int64_t sent_ms;        /* when it was last given bytes (monotonic): keep-alives */
    int64_t taken_ms;       /* when `out` came, before the writer has it: stalls */
    struct srv__bytes *out; /* given and not yet taken, NULL when none */
    struct srv__feedw_port port;
};

/* A feed's timer ticks at its keep-alive period, or every FEED_TICK_MS
 * (to see soon a reader that stalled or left), whichever is shorter. */
#define FEED_TICK_MS 5000

static int64_t timer_ms(const struct srv_server *s)
{
    return s->feed_keepalive_ms < FEED_TICK_MS ? s->feed_keepalive_ms : FEED_TICK_MS;
}

/* The response's headers: written by lws, on the loop thread. */
static unsigned char head_buf[LWS_PRE + 512];
static uint64_t feed_ids;

static struct chan *chan_get(struct srv_server *s, int64_t contest, bool jury)
{
    struct chan *ch;

    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&s->feed_chans))
    {
        ch = lws_container_of(d, struct chan, node);
        if (ch->contest == contest && ch->jury == jury)
            return ch;
    }
    lws_end_foreach_dll(d);
    ch = gv_calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    ch->s = s;
    ch->contest = contest;
    ch->jury = jury;
    lws_dll2_add_tail(&ch->node, &s->feed_chans);
    return ch;
}

static void chan_put(struct chan *ch)
{
    if (ch->feeds.count)
        return;
    if (ch->tick_armed)
        lws_sul_schedule(ch->s->ctx, 0, &ch->tick, NULL, LWS_SET_TIMER_USEC_CANCEL);
    lws_dll2_remove(&ch->node);
    srv__bytes_unref(ch->last);
    gv_free(ch);
}

static void feed_timer(lws_sorted_usec_list_t *sul);

static void timer_arm(struct srv__feed *f, int64_t us)
{
    lws_sul_schedule(f->s->ctx, 0, &f->timer, feed_timer, (lws_usec_t)us);
}

/* Ends the feed from the loop, outside whatever walk of its channel made
 * the call: through lws while lws has the connection, else at its timer. */
static void feed_close_later(struct srv__feed *f, const char *why)
{
    if (!f->closing)
        gv_log(GV_LOG_DEBUG, "feed", "closing a feed of contest %" PRId64 ": %s", f->contest, why);
    f->closing = true;
    if (f->wsi)
        lws_callback_on_writable(f->wsi);
    else
        timer_arm(f, 1);
}

/* The feed of the channel reading from `pos`, or NULL. The reads in flight
 * of a channel are few: its caught-up feeds share one. */
static struct srv__feed *reading_at(struct chan *ch, int64_t pos)
{
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&ch->reads))
    {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, read_node);

        if (g->pos == pos && !g->closing)
            return g;
    }
    lws_end_foreach_dll(d);
    return NULL;
}

static void feed_read(struct srv__feed *f);

/* Hands what `g` was just given to the writer thread. Before the feed
 * is attached (its headers on their way), attaching hands it over. */
static void feed_push(struct srv__feed *g)
{
    if (g->attached && !g->closing)
        srv__feedw_send(g->s->feedw, &g->port, SRV_FEEDW_WRITE, srv__bytes_ref(g->out));
}

/* The read `f` made for its waiters will not come: they read for
 * themselves (the first one reads, the others wait on it again). */
static void wake_waiting(struct srv__feed *f)
{
    struct lws_dll2_owner woken = {0};

    while (f->waiters.head) {
        struct lws_dll2 *d = f->waiters.head;

        lws_dll2_remove(d);
        lws_dll2_add_tail(d, &woken);
    }
    while (woken.head) {
        struct srv__feed *g = lws_container_of(woken.head, struct srv__feed, read_node);

        lws_dll2_remove(&g->read_node);
        g->waiting = false;
        feed_read(g);
    }
}

/* Gives `g` `b` (NULL: nothing), what a read from its position found: the
 * notifications up to row `pos`, `more` when the read stopped at its
 * limit. */
static void feed_take(struct srv__feed *g, struct srv__bytes *b, int64_t pos, bool more)
{
    g->pos = pos;
    /* Still wanted only when an event past the new position was offered
     * meanwhile, or the read was cut short: no read of nothing new. */
    g->wanted = more || g->want_seq > pos;
    if (b && b->len) {
        g->out = srv__bytes_ref(b);
        g->sent_ms = g->taken_ms = gv_time_mono_ms();
        feed_push(g);
    }
    feed_read(g);
}

/* Gives `g` what a read that returned at `read_us` found, when `g` may see
 * it: on a jury channel, only a feed whose credentials were checked after
 * the read returned (srv_req_job.feed_read_us). One that opened while the
 * read was in flight reads again, for itself and any peers like it. */
static void feed_offer(struct srv__feed *g, struct srv__bytes *b, int64_t pos, bool more,
                       int64_t read_us)
{
    if (!g->chan->jury || !b || !b->len || g->checked_us >= read_us) {
        feed_take(g, b, pos, more);
        return;
    }
    g->wanted = true;
    feed_read(g);
}

/* The credentials of the channel's jury feeds, for the read's job to check
 * (srv_proto_clics.c). */
static int creds_attach(struct srv_req_job *job, struct chan *ch)
{
    size_t n = 0;

    job->feed_creds = gv_calloc(ch->feeds.count ? ch->feeds.count : 1, sizeof(*job->feed_creds));
    if (!job->feed_creds)
        return -ENOMEM;
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&ch->feeds))
    {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, chan_node);
        struct srv_feed_cred *cr = &job->feed_creds[n];

        /* No `continue` in lws's foreach: it would skip the step. */
        if (!g->closing) {
            cr->feed_id = g->id;
            cr->user_id = g->user_id;
            if (g->token)
                snprintf(cr->token, sizeof(cr->token), "%s", g->token);
            n++;
        }
    }
    lws_end_foreach_dll(d);
    job->feed_ncreds = n;
    return 0;
}

/* Starts a read of the rows after pos, when one is wanted and the reader
 * has taken all it was given, unless the channel's last read or a peer's
 * read in flight will do. */
static void feed_read(struct srv__feed *f)
{
    struct srv_server *s = f->s;
    struct chan *ch = f->chan;
    struct srv__feed *peer;
    struct srv_req_job *job;
    char text[160];
    int err;

    if (f->reading || f->waiting || !f->wanted || f->out || f->closing)
        return;
    if (ch->last && ch->last_from == f->pos && (!ch->jury || f->checked_us >= ch->last_read_us)) {
        feed_take(f, ch->last, ch->last_to, ch->last_more);
        return;
    }
    peer = reading_at(ch, f->pos);
    if (peer) {
        f->waiting = true;
        lws_dll2_add_tail(&f->read_node, &peer->waiters);
        return;
    }
    job = srv_proto_job_new(&s->proto);
    if (!job) {
        feed_close_later(f, "out of memory");
        return;
    }
    snprintf(text, sizeof(text),
             "{\"type\":\"clics.get\",\"path\":\"/contests/%" PRId64 "/event-feed\"}", f->contest);
    err = srv_codec_decode(&job->req, text, strlen(text));
    if (err == 0 && f->jury)
        err = creds_attach(job, ch);
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
    srv__conn_add(&s->reg, &f->conn, NULL, SRV__CONN_FEED);
    job->base.conn_id = f->conn.id;
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        /* Overloaded: the next event or keep-alive tries again. */
        srv__conn_remove(&s->reg, &f->conn);
        job->base.free(&job->base);
        return;
    }
    f->wanted = false;
    f->reading = true;
    lws_dll2_add_tail(&f->read_node, &ch->reads);
    f->read_ms = gv_time_mono_ms();
    atomic_fetch_add(&srv_metrics.feed_reads, 1);
}

static void wake_loop(void *arg)
{
    struct srv_server *s = arg;

    lws_cancel_service(s->ctx);
}

static void kick_writer(lws_sorted_usec_list_t *sul)
{
    struct srv_server *s = lws_container_of(sul, struct srv_server, feed_kick);

    srv__feedw_kick(s->feedw);
}

/* The writer is woken once the callback that gives it commands (a read
 * for a thousand feeds, say) gave them all: a timer of no delay runs at
 * the loop's next turn, after that callback. Woken at the first command,
 * the writer ran beside the loop and took the lock the loop was queueing
 * the others under. */
static void defer_kick(void *arg)
{
    struct srv_server *s = arg;

    lws_sul_schedule(s->ctx, 0, &s->feed_kick, kick_writer, 1);
}

int srv__feed_writer_start(struct srv_server *s)
{
    /* What lws's descriptor of a feed becomes when the feed leaves lws
     * (feed_leave_lws). Without it, feeds stay in lws. */
    s->feed_spare_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->feed_spare_fd < 0)
        gv_log(GV_LOG_WARN, "feed", "feeds stay in the event loop: no socket to swap in: %s",
               strerror(errno));
    return srv__feedw_start(&s->feedw, wake_loop, defer_kick, s, s->feed_stall_ms,
                            (int)s->feed_nice);
}

void srv__feed_writer_stop(struct srv_server *s)
{
    srv__feedw_stop(s->feedw);
    srv__feed_wakeup(s);
    /* The writer ran every command queued before it stopped, and those
     * after are the feeds' to release: no kick is due. */
    if (s->ctx)
        lws_sul_schedule(s->ctx, 0, &s->feed_kick, NULL, LWS_SET_TIMER_USEC_CANCEL);
    if (s->feed_spare_fd >= 0)
        close(s->feed_spare_fd);
    s->feed_spare_fd = -1;
}

bool srv__feed_full(struct srv_server *s)
{
    return s->feeds.count >= (uint32_t)s->feed_max;
}

int srv__feed_start(struct srv__feed **out, struct lws *wsi, const struct srv_req_job *job)
{
    struct srv_server *s = srv__server_of(wsi);
    size_t len = job->data ? (job->data_len ? job->data_len : strlen(job->data)) : 0;
    struct srv__feed *f;

    *out = NULL;
    if (srv__feed_full(s))
        return GV_EUNAVAIL;
    f = gv_calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->chan = chan_get(s, job->feed_contest, job->feed_jury);
    if (job->feed_jury && job->feed_token[0])
        f->token = gv_strdup(job->feed_token);
    if (len)
        f->out = srv__bytes_new(job->data, len);
    if (!f->chan || (len && !f->out) || (job->feed_jury && job->feed_token[0] && !f->token)) {
        if (f->chan)
            chan_put(f->chan);
        srv__bytes_unref(f->out);
        gv_free(f->token);
        gv_free(f);
        return -ENOMEM;
    }
    f->id = ++feed_ids;
    f->s = s;
    f->wsi = wsi;
    f->contest = job->feed_contest;
    f->pos = job->feed_pos;
    f->jury = job->feed_jury;
    f->user_id = job->feed_user_id;
    f->wanted = job->feed_more;
    f->checked_us = job->feed_checked_us;
    f->read_ms = f->sent_ms = f->taken_ms = gv_time_mono_ms();
    /* lws gave the request a few seconds (its keep-alive idle timeout);
     * a feed is open for as long as its reader reads (feed_timer). */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    lws_dll2_add_tail(&f->node, &s->feeds);
    lws_dll2_add_tail(&f->chan_node, &f->chan->feeds);
    gv_gauge_add(&srv_metrics.feeds_open, 1);
    timer_arm(f, timer_ms(s) * LWS_US_PER_MS);
    lws_callback_on_writable(wsi);
    *out = f;
    feed_read(f); /* a resumed feed's first read (srv_proto_clics.c) */
    return 0;
}

/* A jury read's credential check: the channel's feeds whose user lost the
 * jury's view (or whose API token was revoked or expired) end, the others
 * were checked after the read. Both lists are in the order of the feeds'
 * ids (feeds join their channel's tail as they open): one walk. */
static void creds_apply(struct chan *ch, const struct srv_req_job *job)
{
    size_t i = 0, n = job->feed_ncreds;

    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&ch->feeds))
    {
        struct srv__feed *g = lws_container_of(d, struct srv__feed, chan_node);

        while (i < n && job->feed_creds[i].feed_id < g->id)
            i++;
        if (i < n && job->feed_creds[i].feed_id == g->id) {
            if (job->feed_creds[i].ok) {
                if (g->checked_us < job->feed_checked_us)
                    g->checked_us = job->feed_checked_us;
            } else {
                gv_log(GV_LOG_INFO, "feed",
                       "ending a jury feed of contest %" PRId64 ": user %" PRId64
                       " no longer has the jury's view",
                       g->contest, g->user_id);
                feed_close_later(g, "its user lost the jury's view");
            }
        }
    }
    lws_end_foreach_dll(d);
}

void srv__feed_done(struct srv__conn *c, const struct srv_req_job *job)
{
    struct srv__feed *f = lws_container_of(c, struct srv__feed, conn);
    struct chan *ch = f->chan;
    int64_t from = f->pos;
    size_t len = job->data ? (job->data_len ? job->data_len : strlen(job->data)) : 0;
    struct srv__bytes *b = NULL;

    srv__conn_remove(&f->s->reg, c);
    f->reading = false;
    lws_dll2_remove(&f->read_node);
    if (job->err_code || !job->feed) {
        feed_close_later(f, job->err_code ? job->err_code : "not a feed");
        wake_waiting(f);
        return;
    }
    if (ch->jury)
        creds_apply(ch, job);
    if (len && !(b = srv__bytes_new(job->data, len))) {
        feed_close_later(f, "out of memory");
        wake_waiting(f);
        return;
    }
    if (job->feed_pos > from) {
        srv__bytes_unref(ch->last);
        ch->last = srv__bytes_ref(b);
        ch->last_from = from;
        ch->last_to = job->feed_pos;
        ch->last_read_us = job->feed_read_us;
        ch->last_more = job->feed_more;
    }
    /* The waiters are idle at `from` (feed_read queued them so); each
     * gets a reference to the same bytes. */
    while (f->waiters.head) {
        struct srv__feed *g = lws_container_of(f->waiters.head, struct srv__feed, read_node);

        lws_dll2_remove(&g->read_node);
        g->waiting = false;
        if (!g->closing)
            feed_offer(g, b, job->feed_pos, job->feed_more, job->feed_read_us);
    }
    if (!f->closing)
        feed_offer(f, b, job->feed_pos, job->feed_more, job->feed_read_us);
    srv__bytes_unref(b);
}

/* lws polls every descriptor it holds at each turn of the loop (4.1: one
 * poll() over them all), and a feed's connection would sit there for hours
 * with nothing to read: once the writer has it, it leaves lws. lws's
 * close shuts its socket down for writing, and the writer's duplicate is
 * the same socket; so lws's descriptor is first made a socket of no
 * connection (dup3 swaps it in one step) and lws shuts and closes that.
 * False: lws keeps the connection, which still works, at that cost. */
static bool feed_leave_lws(struct srv__feed *f)
{
    if (f->s->feed_spare_fd < 0 ||
        dup3(f->s->feed_spare_fd, lws_get_socket_fd(f->wsi), O_CLOEXEC) < 0)
        return false;
    f->wsi = NULL;
    return true;
}

/* The headers are out (lws flushed them before this writeable): from now
 * on the writer thread writes the body, to a duplicate of the socket
 * (srv_feedw.h). 1 when the connection left lws, else 0 or -1 as
 * srv__feed_writable. */
static int feed_attach(struct srv__feed *f)
{
    struct srv_server *s = f->s;
    int fd;

    if (!srv__feedw_running(s->feedw))
        return -1;
    /* lws sends what it buffered before calling us, but should a header
     * byte still wait there, the body must not overtake it. */
    if (lws_partial_buffered(f->wsi)) {
        lws_callback_on_writable(f->wsi);
        return 0;
    }
    fd = fcntl(lws_get_socket_fd(f->wsi), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        gv_log(GV_LOG_WARN, "feed", "cannot hand a feed to its writer: %s", strerror(errno));
        return -1;
    }
    srv__feedw_port_init(&f->port, fd);
    f->attached = true;
    srv__feedw_send(s->feedw, &f->port, SRV_FEEDW_OPEN | (f->out ? SRV_FEEDW_WRITE : 0u),
                    srv__bytes_ref(f->out));
    return feed_leave_lws(f) ? 1 : 0;
}

int srv__feed_writable(struct srv__feed *f)
{
    unsigned char *start = head_buf + LWS_PRE, *p = start, *end = head_buf + sizeof(head_buf);
    static const char no_store[] = "no-store";

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
    if (!f->attached)
        return feed_attach(f);
    return 0;
}

/* Whether the reader closed its end, before the writer thread watches it.
 * lws reads nothing from a connection while it sends a response, so a
 * reader that left is otherwise seen only when a write to it fails. */
static bool reader_left(struct srv__feed *f)
{
    char c;
    ssize_t n = recv(lws_get_socket_fd(f->wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT);

    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* The keep-alive, the poll of the log, and (before the writer has the
 * connection) the checks the writer makes after. */
static void feed_timer(lws_sorted_usec_list_t *sul)
{
    struct srv__feed *f = lws_container_of(sul, struct srv__feed, timer);
    struct srv_server *s = f->s;
    int64_t now = gv_time_mono_ms(), period = timer_ms(s);

    if (f->closing) {
        /* With a wsi, lws's close frees it (srv__feed_free). */
        if (!f->wsi)
            srv__feed_free(s, f);
        return;
    }
    /* Until attached, lws has the connection (f->wsi). */
    if (!f->attached && reader_left(f)) {
        feed_close_later(f, "its reader left");
        lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    /* A reader that took nothing of what waits for GAVEL_CLICS_STALL_MS is let
     * go, as a WebSocket that stops reading is (once attached, the writer
     * thread, which sees each write, tells). */
    if (!f->attached && f->out && now - f->taken_ms >= s->feed_stall_ms) {
        feed_close_later(f, "its reader stopped reading");
        /* Its socket may never be writeable again: closed from here. */
        lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    /* The spec's keep-alive: a newline when nothing was written for
     * GAVEL_CLICS_KEEPALIVE_MS (a tick early rather than late). */
    if (f->attached && !f->out && now - f->sent_ms >= s->feed_keepalive_ms - period) {
        f->sent_ms = now;
        srv__feedw_send(s->feedw, &f->port, SRV_FEEDW_KEEPALIVE, NULL);
    }
    /* Every GAVEL_CLICS_POLL_MS, a look at the log in case a live entry
     * was lost (Redis restarted, say). */
    if (now - f->read_ms >= s->feed_poll_ms) {
        f->wanted = true;
        feed_read(f);
    }
    /* feed_read may have ended it (out of memory): then its close is due. */
    if (!f->closing)
        timer_arm(f, period * LWS_US_PER_MS);
}

void srv__feed_free(struct srv_server *s, struct srv__feed *f)
{
    if (!f)
        return;
    lws_sul_schedule(s->ctx, 0, &f->timer, NULL, LWS_SET_TIMER_USEC_CANCEL);
    srv__conn_remove(&s->reg, &f->conn); /* a read in flight finds no one */
    lws_dll2_remove(&f->node);
    lws_dll2_remove(&f->chan_node);
    gv_gauge_add(&srv_metrics.feeds_open, -1);
    lws_dll2_remove(&f->read_node); /* from the reads in flight, or a reader's waiters */
    f->closing = true;
    if (f->reading)
        wake_waiting(f);
    chan_put(f->chan);
    srv__bytes_unref(f->out);
    f->out = NULL;
    gv_free(f->token);
    f->token = NULL;
    if (f->attached && srv__feedw_running(s->feedw)) {
        /* Freed when the writer says it let go (srv__feed_wakeup). */
        f->detached = true;
        srv__feedw_send(s->feedw, &f->port, SRV_FEEDW_CLOSE, NULL);
        return;
    }
    if (f->attached)
        srv__feedw_port_release(&f->port);
    gv_free(f);
}

void srv__feed_close_all(struct srv_server *s)
{
    /* The others close with lws's connections (srv_http.c). */
    lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&s->feeds))
    {
        struct srv__feed *f = lws_container_of(d, struct srv__feed, node);

        if (!f->wsi)
            srv__feed_free(s, f);
    }
    lws_end_foreach_dll_safe(d, d1);
}

void srv__feed_wakeup(struct srv_server *s)
{
    struct srv__feedw_port *p = srv__feedw_drain(s->feedw);

    while (p) {
        struct srv__feedw_port *next = p->got_next;
        struct srv__feed *f = lws_container_of(p, struct srv__feed, port);

        if (p->got & SRV_FEEDW_CLOSED) {
            gv_free(f);
        } else if (f->detached) {
            /* Its CLOSED follows. */
        } else if (p->got & (SRV_FEEDW_LEFT | SRV_FEEDW_FAILED | SRV_FEEDW_STALLED)) {
            feed_close_later(f, p->got & SRV_FEEDW_LEFT      ? "its reader left"
                                : p->got & SRV_FEEDW_STALLED ? "its reader stopped reading"
                                                             : "cannot write to its reader");
            /* Its socket may never be writeable again: closed from here. */
            if (f->wsi)
                lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        } else if (p->got & SRV_FEEDW_TAKEN) {
            srv__bytes_unref(f->out);
            f->out = NULL;
            feed_read(f);
        }
        p = next;
    }
}

/* Row `seq` of the channel's contest was logged: the feeds behind it read. */
static void chan_tick(lws_sorted_usec_list_t *sul)
{
    struct chan *ch = lws_container_of(sul, struct chan, tick);
    int64_t now = gv_time_mono_ms();
    int64_t wait_ms = srv__feed_yield_wait(now, ch->s->ws_push_ms, ch->held_ms,
                                           SRV_FEED_PUSH_QUIET_MS, ch->s->feed_yield_ms);

    /* Still armed: the events coming meanwhile join this batch. */
    if (wait_ms > 0) {
        if (!ch->holding)
            atomic_fetch_add(&srv_metrics.feed_holds, 1);
        ch->holding = true;
        lws_sul_schedule(ch->s->ctx, 0, &ch->tick, chan_tick, (lws_usec_t)wait_ms * LWS_US_PER_MS);
        return;
    }
    ch->tick_armed = ch->holding = false;
    ch->tick_ms = now;
    /* The first feed behind starts the read, the others at its position
     * wait on it (feed_read): one read for the caught-up ones. */
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&ch->feeds))
    {
        struct srv__feed *f = lws_container_of(d, struct srv__feed, chan_node);

        if (f->pos < ch->nudge_seq) {
            if (ch->nudge_seq > f->want_seq)
                f->want_seq = ch->nudge_seq;
            f->wanted = true;
            feed_read(f);
        }
    }
    lws_end_foreach_dll(d);
}

static void chan_offer(struct chan *ch, int64_t seq)
{
    int64_t wait_ms;

    if (seq <= ch->nudge_seq)
        return;
    ch->nudge_seq = seq;
    if (ch->tick_armed)
        return;
    /* Right away when the channel was quiet for a batch: a lone event
     * waits for nothing. */
    ch->held_ms = gv_time_mono_ms();
    wait_ms = ch->tick_ms + ch->s->feed_batch_ms - ch->held_ms;
    ch->tick_armed = true;
    lws_sul_schedule(ch->s->ctx, 0, &ch->tick, chan_tick,
                     wait_ms > 0 ? (lws_usec_t)wait_ms * LWS_US_PER_MS : 1);
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
        lws_start_foreach_dll(struct lws_dll2 *, dc, lws_dll2_get_head(&s->feed_chans))
        {
            struct chan *ch = lws_container_of(dc, struct chan, node);

            /* No `continue` in lws's foreach: it would skip the step. */
            if (ch->contest == ev->contest_id)
                chan_offer(ch, ev->seq);
        }
        lws_end_foreach_dll(dc);
    }
}
