/* SPDX-License-Identifier: MIT
 * srv_session.c - the "gavel.v1" protocol: WebSocket sessions on /ws.
 *
 * Theory of operation. A session reassembles fragments into one message of
 * at most SRV_MSG_MAX bytes, decodes it (srv_codec.c), answers a ping at
 * once and turns every other request into a job (srv_proto.c). Requests of
 * one session run one at a time, in order; the reply is queued in its
 * bounded outgoing queue (srv_outq.c), which SERVER_WRITEABLE drains one
 * frame at a time. Backpressure policy, per connection:
 *   - While SESS_RX_PAUSE_AT or more replies wait, we stop reading the
 *     client's requests (lws_rx_flow_control), resuming at SESS_RX_RESUME_AT:
 *     a client that pipelines faster than it reads is slowed down by TCP,
 *     not by our memory.
 *   - If the queue is full all the same (a burst already parsed when the
 *     pause began), the connection is closed with 1008 and the reason
 *     "outgoing queue full". Server pushes do not go through this queue:
 *     they wait in srv_subs (its own bounds) and are written, shared and
 *     coalesced, while no reply waits (sess_write_pushes).
 *   - A message over SRV_MSG_MAX is discarded as it arrives and answered
 *     with a "too_large" error; the connection stays open.
 * Live events reach a session through the topic index (srv_registry.c):
 * srv__deliver_events offers each event to the members of the topics it
 * names. permessage-deflate is not offered (no extensions are registered):
 * it costs about 89 KiB per connection and slows broadcast threefold. */
#include "srv_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db_session.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_cache.h"
#include "srv_codec.h"
#include "srv_feed_yield.h"
#include "srv_jobs.h"
#include "srv_live.h"
#include "srv_metrics.h"
#include "srv_outq.h"
#include "srv_subs.h"
#include "banned.h"

#define SRV_WS_PATH "/ws"

#define SESS_OUTQ_SLOTS 32
#define SESS_OUTQ_BYTES (256 * 1024)
#define SESS_RX_PAUSE_AT 8
#define SESS_RX_RESUME_AT 2
/* Requests of one connection run one at a time, in order (a login is done
 * before the submit sent after it). Up to SESS_WAIT_MAX wait behind the
 * running one; from SESS_WAIT_PAUSE on we stop reading the client. */
#define SESS_WAIT_PAUSE 4
#define SESS_WAIT_MAX 16
/* A backlog of pushes goes out coalesced into one write: all of it (the
 * pending list's own bounds), so a connection that is served late catches
 * up in one round instead of falling further behind during a burst. */
#define SESS_PUSH_BATCH SRV_SUBS_PENDING_MAX
#define SESS_SNAPSHOT_TRIES 3
#define SESS_PUSH_BATCH_BYTES SRV_SUBS_PENDING_BYTES

/* Pushes are written from a shared srv_frame, whose headroom must hold
 * what lws puts in front of a payload. */
_Static_assert(LWS_PRE <= SRV_FRAME_HEADROOM, "srv_frame headroom is smaller than LWS_PRE");

/* Per WebSocket connection (lws zeroes it; ESTABLISHED initializes it). */
struct srv__session {
    struct srv__conn c;
    struct gv_buf rx;  /* the message being reassembled */
    bool rx_oversized; /* the current message passed SRV_MSG_MAX: discard it */
    bool rx_binary;
    bool rx_paused; /* we turned rx flow control off */
    struct srv_outq outq;
    struct db_user_info user;         /* logged-in user; id 0: nobody */
    char token[DB_TOKEN_HEX_LEN + 1]; /* its session token (logout) */
    bool token_unchecked;             /* token came with the upgrade's cookie */
    bool recheck_queued;              /* a quiet hello runs or waits (sessions_recheck) */
    bool busy;                        /* a job of ours is running */
    struct srv_req_job *wait_head, *wait_tail; /* requests behind it */
    unsigned nwaiting;
    struct srv_subs subs;
    struct srv__member *members; /* its topics (srv_registry.c) */
    uint64_t offered;            /* stamp of the last event offered to it */
    uint64_t woken;              /* stamp of the last batch that asked for writeable */
    bool closing; /* close (1008) at the next writeable */
    char close_why[64];
};

/* Reading pauses while replies pile up or requests wait for their turn. */
static void sess_update_rx(struct lws *wsi, struct srv__session *ss)
{
    if (!ss->rx_paused &&
        (ss->outq.count >= SESS_RX_PAUSE_AT || ss->nwaiting >= SESS_WAIT_PAUSE)) {
        ss->rx_paused = true;
        lws_rx_flow_control(wsi, 0);
    } else if (ss->rx_paused && ss->outq.count <= SESS_RX_RESUME_AT && ss->nwaiting <= 1) {
        ss->rx_paused = false;
        lws_rx_flow_control(wsi, 1);
    }
}

/* Queues one reply; < 0 means the connection must close (the reason is set). */
static int sess_send(struct lws *wsi, struct srv__session *ss, char *text, size_t len)
{
    int err = srv_outq_push(&ss->outq, text, len);

    gv_free(text);
    if (err == GV_ETOOBIG) {
        static const char why[] = "outgoing queue full: the client is not reading its replies";

        gv_log(GV_LOG_WARN, "ws", "closing a connection: %s", why);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)why,
                         sizeof(why) - 1);
        return -1;
    }
    if (err < 0)
        return -1;
    sess_update_rx(wsi, ss);
    lws_callback_on_writable(wsi);
    return 0;
}

/* An error answered without a job; `type` is SRV_REQ_NONE when the message
 * did not decode. */
static int sess_send_error(struct lws *wsi, struct srv__session *ss, enum srv_req_type type,
                           const cJSON *id, const char *code, const char *message)
{
    char *text;
    size_t len;

    srv_metrics_request(type, code);
    if (srv_codec_error(&text, &len, id, code, message) < 0)
        return -1;
    return sess_send(wsi, ss, text, len);
}

static void sess_done(struct srv__session *ss, struct srv_req_job *job);

/* Starts `job` with a snapshot of the session taken now, after every
 * earlier request of this connection has finished. */
static int sess_start(struct lws *wsi, struct srv__session *ss, struct srv_req_job *job)
{
    struct srv_server *s = srv__server_of(wsi);

    job->base.conn_id = ss->c.id;
    job->user = ss->user;
    snprintf(job->token, sizeof(job->token), "%s", ss->token);
    job->token_unchecked = ss->token_unchecked;
    if (job->req.type == SRV_REQ_RESUME && srv_subs_copy_filter(&job->filter, &ss->subs) < 0) {
        job->base.free(&job->base);
        return sess_send_error(wsi, ss, SRV_REQ_RESUME, NULL, SRV_ERR_INTERNAL, "out of memory");
    }
    if (srv_proto_hello_cached(job) || srv_proto_subscribe_cached(job)) {
        /* Done here, in order all the same: nothing of ours was running. */
        ss->busy = true;
        sess_done(ss, job);
        srv_metrics_request(job->req.type, job->err_code);
        job->base.free(&job->base);
        return 0;
    }
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        char *text;
        size_t len;
        int err;

        if (job->quiet) {
            /* The client's next request rechecks instead. */
            ss->recheck_queued = false;
            job->base.free(&job->base);
            return 0;
        }
        err = srv_codec_error(&text, &len, job->req.id, SRV_ERR_UNAVAILABLE,
                              "the server is overloaded; retry shortly");

        srv_metrics_request(job->req.type, SRV_ERR_UNAVAILABLE);
        job->base.free(&job->base);
        return err < 0 ? -1 : sess_send(wsi, ss, text, len);
    }
    ss->busy = true;
    return 0;
}

/* Runs `job` now, or after the one running. */
static int sess_enqueue_job(struct lws *wsi, struct srv__session *ss, struct srv_req_job *job)
{
    if (!ss->busy)
        return sess_start(wsi, ss, job);
    if (ss->wait_tail)
        ss->wait_tail->base.next = &job->base;
    else
        ss->wait_head = job;
    ss->wait_tail = job;
    job->base.next = NULL;
    ss->nwaiting++;
    sess_update_rx(wsi, ss);
    return 0;
}

/* A request that needs a store: run it now, or after the one running. */
static int sess_enqueue(struct lws *wsi, struct srv__session *ss, struct srv_request *req)
{
    struct srv_server *s = srv__server_of(wsi);
    struct srv_req_job *job;

    if (ss->nwaiting >= SESS_WAIT_MAX)
        return sess_send_error(wsi, ss, req->type, req->id, SRV_ERR_RATE_LIMITED,
                               "too many requests in flight; wait for replies");
    job = srv_proto_job_new(&s->proto);
    if (!job)
        return -1;
    job->req = *req; /* the job owns the parsed message now */
    memset(req, 0, sizeof(*req));
    return sess_enqueue_job(wsi, ss, job);
}

static int sess_handle(struct lws *wsi, struct srv__session *ss)
{
    struct srv_request req;
    char *text = NULL;
    size_t len;
    int err;

    if (ss->rx_oversized) {
        char why[80];

        snprintf(why, sizeof(why), "message exceeds %d bytes and was discarded", SRV_MSG_MAX);
        return sess_send_error(wsi, ss, SRV_REQ_NONE, NULL, SRV_ERR_TOO_LARGE, why);
    }
    if (ss->rx_binary)
        return sess_send_error(wsi, ss, SRV_REQ_NONE, NULL, SRV_ERR_BAD_REQUEST,
                               "binary frames are not part of gavel.v1; send JSON text");

    err = srv_codec_decode(&req, ss->rx.data ? ss->rx.data : "", ss->rx.len);
    if (err == GV_EPARSE) {
        err = sess_send_error(wsi, ss, SRV_REQ_NONE, req.id, req.err_code, req.err_message);
        goto out;
    }
    if (err < 0)
        goto out;
    switch (req.type) {
    case SRV_REQ_PING:
        srv_metrics_request(SRV_REQ_PING, NULL);
        err = srv_codec_pong(&text, &len, req.id);
        if (err == 0)
            err = sess_send(wsi, ss, text, len);
        break;
    case SRV_REQ_HELLO:
    case SRV_REQ_REGISTER:
    case SRV_REQ_LOGIN:
    case SRV_REQ_LOGOUT:
    case SRV_REQ_PROBLEMS_LIST:
    case SRV_REQ_PROBLEM_GET:
    case SRV_REQ_PROBLEM_LIKE:
    case SRV_REQ_SUBMIT:
    case SRV_REQ_SUBMISSIONS_MINE:
    case SRV_REQ_SUBMISSION_GET:
    case SRV_REQ_SUBSCRIBE:
    case SRV_REQ_UNSUBSCRIBE:
    case SRV_REQ_RESUME:
    case SRV_REQ_CONTESTS_LIST:
    case SRV_REQ_CONTEST_REGISTER:
    case SRV_REQ_CONTEST_SCOREBOARD:
    case SRV_REQ_CONTEST_BOARD_WINDOW:
    case SRV_REQ_CONTEST_ANNOUNCE:
    case SRV_REQ_CLAR_ASK:
    case SRV_REQ_CLAR_ANSWER:
    case SRV_REQ_CLAR_BROADCAST:
    case SRV_REQ_CLAR_LIST:
    case SRV_REQ_CONTEST_CREATE: case SRV_REQ_CONTEST_UPDATE: case SRV_REQ_CONTEST_DEFINITION:
    case SRV_REQ_CONTEST_UNFREEZE: case SRV_REQ_USER_SET: case SRV_REQ_USERS_LIST:
    case SRV_REQ_OPS_STATUS: case SRV_REQ_PLAG_REPORT: case SRV_REQ_PLAG_REVIEW:
    case SRV_REQ_REJUDGE:
    case SRV_REQ_REJUDGE_REPORT:
    case SRV_REQ_REJUDGES_LIST:
    case SRV_REQ_CONTEST_REVEAL:
        /* Refused here when nobody can be logged in by the time it runs
         * (no pending login ahead, no cookie to check): no store needed. */
        if (srv_request_needs_user(&req) && !ss->user.id && !ss->token_unchecked && !ss->busy) {
            err = sess_send_error(wsi, ss, req.type, req.id, SRV_ERR_UNAUTHENTICATED,
                                  "log in first (hello with a token, or login)");
            break;
        }
        err = sess_enqueue(wsi, ss, &req);
        break;
    case SRV_REQ_CLICS_GET:
        /* Its callers are HTTP clients (ICPC tools), its replies HTTP
         * bodies (a zip, NDJSON), its credentials HTTP basic auth. */
        err = sess_send_error(wsi, ss, req.type, req.id, SRV_ERR_BAD_REQUEST,
                              "clics.get is served over HTTP only: GET /api/clics/...");
        break;
    case SRV_REQ_NONE:
        assert(0 && "decode succeeded without a type");
        err = -1;
        break;
    }
out:
    srv_request_release(&req);
    return err < 0 ? -1 : 0;
}

static int sess_receive(struct lws *wsi, struct srv__session *ss, const void *in, size_t len)
{
    int err;

    if (lws_is_first_fragment(wsi)) {
        gv_buf_reset(&ss->rx);
        ss->rx_oversized = false;
        ss->rx_binary = lws_frame_is_binary(wsi);
    }
    if (!ss->rx_oversized) {
        err = gv_buf_append(&ss->rx, in, len);
        if (err == GV_ETOOBIG) {
            /* Keep reading (and dropping) the rest of the message so the
             * stream stays in sync; the reply goes out when it ends. */
            ss->rx_oversized = true;
            gv_buf_release(&ss->rx);
        } else if (err < 0) {
            return -1;
        }
    }
    /* lws hands a large frame over in pieces; the message ends with the last
     * piece of the final fragment. */
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    gv_counter_add(&srv_metrics.ws_in, 1);
    err = sess_handle(wsi, ss);
    gv_buf_reset(&ss->rx);
    return err;
}

/* A server frame's header (FIN, text, unmasked) for `len` payload bytes
 * into `p`; returns its size. */
static size_t ws_text_header(unsigned char *p, size_t len)
{
    size_t h = 0;

    p[h++] = 0x81;
    if (len < 126) {
        p[h++] = (unsigned char)len;
    } else if (len < 65536) {
        p[h++] = 126;
        p[h++] = (unsigned char)(len >> 8);
        p[h++] = (unsigned char)len;
    } else {
        p[h++] = 127;
        for (int i = 7; i >= 0; i--)
            p[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    return h;
}

/* Writes the pending pushes: one frame straight from the frame every
 * connection shares (no copy); a backlog of several coalesced into one
 * write of consecutive WebSocket frames, so a burst costs one send() per
 * connection instead of one per event. lws sends the coalesced bytes as
 * they are (LWS_WRITE_RAW on a ws connection skips its framing) and keeps
 * whatever the kernel does not take, like any write. */
static int sess_write_pushes(struct lws *wsi, struct srv__session *ss)
{
    struct srv_frame *fs[SESS_PUSH_BATCH];
    unsigned char *buf = NULL, *p;
    size_t total = 0, len;
    unsigned n = 0;
    int err = 0;

    while (n < SESS_PUSH_BATCH && total < SESS_PUSH_BATCH_BYTES &&
           (fs[n] = srv_subs_next(&ss->subs)) != NULL)
        total += fs[n++]->len + 10;
    if (n == 1) {
        len = fs[0]->len;
        if (lws_write(wsi, srv_frame_payload(fs[0]), len, LWS_WRITE_TEXT) < (int)len)
            err = -1;
    } else if (n > 1) {
        buf = gv_malloc(LWS_PRE + total);
        if (!buf) {
            err = -ENOMEM;
            goto out;
        }
        p = buf + LWS_PRE;
        for (unsigned i = 0; i < n; i++) {
            p += ws_text_header(p, fs[i]->len);
            memcpy(p, srv_frame_payload(fs[i]), fs[i]->len);
            p += fs[i]->len;
        }
        len = (size_t)(p - (buf + LWS_PRE));
        if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_RAW) < (int)len)
            err = -1;
    }
out:
    if (err == 0 && n) {
        gv_counter_add(&srv_metrics.pushes, n);
        gv_counter_add(&srv_metrics.ws_out, n);
        for (unsigned i = 0; i < n; i++)
            if (fs[i]->event_ms > 0)
                srv_metrics_push_lag(fs[i]->event_ms);
    }
    for (unsigned i = 0; i < n; i++)
        srv_frame_unref(fs[i]);
    gv_free(buf);
    return err;
}

static int sess_writeable(struct lws *wsi, struct srv__session *ss)
{
    unsigned char *frame;
    size_t len;

    if (ss->closing) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)ss->close_why,
                         strlen(ss->close_why));
        return -1;
    }
    /* Replies first: pushes go out only while no reply waits, so a burst
     * of events never holds up the answer to a request. */
    frame = srv_outq_peek(&ss->outq, &len);
    if (frame) {
        /* lws buffers whatever the kernel does not take, so a short count
         * is an error, not a partial write. */
        if (lws_write(wsi, frame, len, LWS_WRITE_TEXT) < (int)len)
            return -1;
        gv_counter_add(&srv_metrics.ws_out, 1);
        srv_outq_pop(&ss->outq);
        sess_update_rx(wsi, ss);
    } else if (sess_write_pushes(wsi, ss) < 0) {
        return -1;
    }
    if (ss->outq.count || srv_subs_pending(&ss->subs))
        lws_callback_on_writable(wsi);
    return 0;
}

static void sess_close_later(struct lws *wsi, struct srv__session *ss, const char *why)
{
    if (ss->closing)
        return;
    ss->closing = true;
    snprintf(ss->close_why, sizeof(ss->close_why), "%s", why);
    gv_log(GV_LOG_WARN, "ws", "closing connection %llu: %s", (unsigned long long)ss->c.id, why);
    lws_callback_on_writable(wsi);
}

/* Drops one subscription from both the session's filter and the topic
 * index, so no later event is offered to it. */
static void sess_unsubscribe(struct srv_server *s, struct srv__session *ss,
                             const struct srv_params *p)
{
    switch (p->topic) {
    case SRV_TOPIC_SUBMISSION:
        srv_subs_remove_submission(&ss->subs, p->submission_id);
        srv__topic_leave_one(&s->reg, &ss->members, SRV__TOPIC_SUBMISSION, p->submission_id);
        break;
    case SRV_TOPIC_CONTEST:
        srv_subs_remove_contest(&ss->subs, p->contest_id);
        srv__topic_leave_one(&s->reg, &ss->members, SRV__TOPIC_CONTEST, p->contest_id);
        break;
    case SRV_TOPIC_CONTESTS:
        srv_subs_unwatch_contests(&ss->subs);
        srv__topic_leave(&s->reg, &ss->members, SRV__TOPIC_CONTESTS);
        break;
    }
}

/* A resume's replay read the stream on a job thread while the loop went on
 * delivering: what a subscription of this connection was offered live (or
 * will be: the loop holds it in a list not yet delivered) is dropped here,
 * so each event reaches the client once and "replayed" counts exactly the
 * pushes that follow. -ENOMEM. */
static int drop_live_covered(struct srv__session *ss, struct srv_req_job *job)
{
    struct srv_live_event **link = &job->replay;
    unsigned kept = 0, dropped = 0;
    char buf[64];
    char *data;

    while (*link) {
        struct srv_live_event *e = *link;

        if (srv_subs_live_covers(&ss->subs, e)) {
            *link = e->next;
            srv_live_event_free(e);
            dropped++;
            continue;
        }
        kept++;
        link = &e->next;
    }
    if (!dropped)
        return 0;
    snprintf(buf, sizeof(buf), "{\"replayed\":%u}", kept);
    data = gv_strdup(buf);
    if (!data)
        return -ENOMEM;
    gv_free(job->data);
    job->data = data;
    return 0;
}

/* Drops every subscription of the connection to a submission. Reading
 * another user's submission is the jury's right (submission.get's rule,
 * checked when subscribing), and a subscription must not outlive it: after
 * a logout, a login as someone else on the same connection, or a demotion,
 * it would go on pushing that submission's judging, verdicts of the freeze
 * included. The user's own submissions lose nothing: their events reach
 * the user's login without a subscription. */
static void sess_drop_submissions(struct srv_server *s, struct srv__session *ss)
{
    while (ss->subs.nsubmissions) {
        int64_t id = ss->subs.submissions[ss->subs.nsubmissions - 1].id;

        srv_subs_remove_submission(&ss->subs, id);
        srv__topic_leave_one(&s->reg, &ss->members, SRV__TOPIC_SUBMISSION, id);
    }
}

/* A request of this session finished: apply what it changed, queue its
 * reply, and start the next waiting request. */
static void sess_done(struct srv__session *ss, struct srv_req_job *job)
{
    struct lws *wsi = ss->c.wsi;
    struct srv_server *s = srv__server_of(wsi);
    char *text = NULL;
    size_t len;
    int err;

    if (job->set_user) {
        if (ss->user.id != job->new_user.id ||
            (srv__privileged(&ss->user) && !srv__privileged(&job->new_user)))
            sess_drop_submissions(s, ss);
        if (ss->user.id != job->new_user.id) {
            srv__topic_leave(&s->reg, &ss->members, SRV__TOPIC_USER);
            if (job->new_user.id > 0 &&
                srv__topic_join(&s->reg, &ss->members, ss, SRV__TOPIC_USER, job->new_user.id) < 0) {
                sess_close_later(wsi, ss, "out of memory");
                return;
            }
        }
        ss->user = job->new_user;
        snprintf(ss->token, sizeof(ss->token), "%s", job->new_token);
        ss->token_unchecked = false;
        srv_subs_set_user(&ss->subs, ss->user.id, srv__privileged(&ss->user), s->live_pos);
    } else if (job->clear_user) {
        sess_drop_submissions(s, ss);
        srv__topic_leave(&s->reg, &ss->members, SRV__TOPIC_USER);
        memset(&ss->user, 0, sizeof(ss->user));
        ss->token[0] = '\0';
        ss->token_unchecked = false;
        srv_subs_set_user(&ss->subs, 0, false, s->live_pos);
    }
    if (!job->err_code && job->subscribe_contests_list && !ss->subs.watch_contests) {
        srv_subs_watch_contests(&ss->subs, s->live_pos);
        if (srv__topic_join(&s->reg, &ss->members, ss, SRV__TOPIC_CONTESTS,
                            SRV__CONTESTS_TOPIC_ID) < 0) {
            sess_close_later(wsi, ss, "out of memory");
            return;
        }
    }
    if (!job->err_code && job->req.type == SRV_REQ_UNSUBSCRIBE)
        sess_unsubscribe(s, ss, &job->req.p);
    if (!job->err_code && (job->subscribe_submission || job->subscribe_contest)) {
        bool submission = job->subscribe_submission != 0;

        err = submission
                  ? srv_subs_add_submission(&ss->subs, job->subscribe_submission, s->live_pos)
                  : srv_subs_add_contest(&ss->subs, job->subscribe_contest, s->live_pos);
        /* Into the index as well, or no live event would find it. */
        if (err == 0)
            err = srv__topic_join(&s->reg, &ss->members, ss,
                                  submission ? SRV__TOPIC_SUBMISSION : SRV__TOPIC_CONTEST,
                                  submission ? job->subscribe_submission : job->subscribe_contest);
        if (err == GV_ETOOBIG) {
            job->err_code = SRV_ERR_INVALID;
            snprintf(job->err_message, sizeof(job->err_message),
                     "too many subscriptions on this connection (at most %d submissions, %d "
                     "contests)",
                     SRV_SUBS_MAX_SUBMISSIONS, SRV_SUBS_MAX_CONTESTS);
        } else if (err < 0) {
            job->err_code = SRV_ERR_INTERNAL;
            snprintf(job->err_message, sizeof(job->err_message), "cannot subscribe: %s",
                     gv_strerror(err));
        }
    }
    if (job->replay && drop_live_covered(ss, job) < 0) {
        sess_close_later(wsi, ss, "out of memory");
        return;
    }
    if (job->quiet)
        ss->recheck_queued = false;
    else if (srv_proto_reply(job, &text, &len) < 0 || sess_send(wsi, ss, text, len) < 0) {
        sess_close_later(wsi, ss, "cannot queue a reply");
        return;
    }
    /* The replayed events go through the same bounds as live ones, after
     * the reply that announces them, but are never coalesced: the client
     * gets exactly what it missed. */
    for (struct srv_live_event *e = job->replay; e; e = e->next) {
        e->exact = true;
        /* Missed a while ago by definition: not a live push's lag. The
         * frame is this replay's own (srv_live_replay built it). */
        if (e->shared)
            e->shared->event_ms = 0;
        if (srv_subs_offer(&ss->subs, e, gv_time_mono_ms()) == SRV_SUBS_DROP) {
            sess_close_later(wsi, ss, "too far behind its events");
            return;
        }
    }
    if (srv_subs_pending(&ss->subs))
        lws_callback_on_writable(wsi);
    ss->busy = false;
    while (!ss->busy && ss->wait_head) {
        struct srv_req_job *next = ss->wait_head;

        ss->wait_head = (struct srv_req_job *)next->base.next;
        if (!ss->wait_head)
            ss->wait_tail = NULL;
        ss->nwaiting--;
        next->base.next = NULL;
        if (sess_start(wsi, ss, next) < 0) {
            sess_close_later(wsi, ss, "cannot queue a reply");
            return;
        }
    }
    sess_update_rx(wsi, ss);
}

/* A contest's snapshot read before an event of the contest that the loop
 * has delivered since (to the subscribers it had then) misses that event,
 * and the subscription made now would not get it either: the subscribe
 * runs again, with a fresh read. After SESS_SNAPSHOT_TRIES the last one
 * stands (a contest publishing faster than a snapshot is read), and a row
 * missed then comes with its contestant's next change. */
static bool sess_snapshot_stale(struct srv_server *s, struct srv_req_job *job)
{
    int64_t contest = job->subscribe_contest;
    char *data = job->data;

    if (job->err_code || !contest || job->set_user || job->clear_user ||
        job->snapshot_tries >= SESS_SNAPSHOT_TRIES ||
        srv_cache_contest_gen(s->proto.cache, contest) == job->snapshot_gen)
        return false;
    job->data = NULL;
    job->subscribe_contest = 0;
    job->snapshot_tries++;
    job->base.next = NULL;
    if (srv_jobs_submit(s->jobs, &job->base) == 0) {
        gv_free(data);
        return true;
    }
    /* Overloaded: the snapshot in hand is better than none. */
    job->data = data;
    job->subscribe_contest = contest;
    return false;
}

bool srv__session_done(struct srv__conn *c, struct srv_req_job *job)
{
    struct srv__session *ss = lws_container_of(c, struct srv__session, c);

    if (sess_snapshot_stale(srv__server_of(c->wsi), job))
        return true;
    sess_done(ss, job);
    return false;
}

/* The session's user and role, asked of PostgreSQL again by a hello of
 * the server's own (no reply): sess_done then applies them to the
 * subscriptions, without waiting for the client's next request. */
static void sess_recheck(struct lws *wsi, struct srv__session *ss)
{
    static const char hello[] = "{\"type\":\"hello\"}";
    struct srv_server *s = srv__server_of(wsi);
    struct srv_req_job *job;

    if (ss->recheck_queued || ss->closing || ss->nwaiting >= SESS_WAIT_MAX)
        return; /* then the client's next request rechecks */
    job = srv_proto_job_new(&s->proto);
    if (!job)
        return;
    if (srv_codec_decode(&job->req, hello, sizeof(hello) - 1) < 0) {
        job->base.free(&job->base);
        return;
    }
    job->quiet = true;
    ss->recheck_queued = true;
    if (sess_enqueue_job(wsi, ss, job) < 0)
        sess_close_later(wsi, ss, "cannot recheck its session");
}

/* A logout or a role change of `user_id`, here or on another server: each
 * of the user's open connections asks PostgreSQL for its token again, so a
 * token logged out elsewhere acts no more there, and a changed role
 * reaches the connection's subscriptions. Until the answer, a connection
 * with the jury's view has the public one: a live event that follows the
 * change in the stream never reaches a demoted organizer's connection as
 * the jury's (one still an organizer misses the jury's pushes for that
 * one round trip). */
static void sessions_recheck(struct srv_server *s, int64_t user_id)
{
    struct lws_dll2_owner *m = srv__topic_members(&s->reg, SRV__TOPIC_USER, user_id);

    if (!m)
        return;
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(m))
    {
        struct srv__session *ss = lws_container_of(d, struct srv__member, node)->ss;

        if (ss->token[0]) {
            ss->token_unchecked = true;
            if (ss->subs.jury) {
                srv_subs_set_user(&ss->subs, ss->user.id, false, s->live_pos);
                sess_recheck(ss->c.wsi, ss);
            }
        }
    }
    lws_end_foreach_dll(d);
}

/* Offers a batch of live events to the sessions that may want them: the
 * members of the topics each event names (its user, its submission and,
 * for contest-level events, its contest), found through the index instead
 * of a pass over every connection. A session in two of those topics is
 * offered the event once (the `offered` stamp), and asks for one writeable
 * callback per batch (the `woken` stamp). The events' frames are shared, so
 * an offer costs a reference, not a copy. */
void srv__deliver_events(struct srv_server *s, struct srv_live_event *events)
{
    int64_t now = gv_time_mono_ms();
    uint64_t batch = ++s->stamp;
    unsigned pushing = 0;

    for (struct srv_live_event *ev = events; ev; ev = ev->next) {
        uint64_t stamp = ++s->stamp;
        struct lws_dll2_owner *ts[4];

        if (ev->audience == CST_AUDIENCE_SERVERS) {
            /* No client's: srv_server.c applied it to the caches. */
            if (ev->type == CST_EVENT_SESSION_ENDED)
                sessions_recheck(s, ev->user_id);
            continue;
        }
        ts[0] = srv__topic_members(&s->reg, SRV__TOPIC_USER, ev->user_id);
        ts[1] = srv__topic_members(&s->reg, SRV__TOPIC_SUBMISSION, ev->submission_id);
        /* Events for the submission's readers only never reach a contest's
         * subscribers as such (srv_subs_wants): no need to walk them. */
        ts[2] = srv_live_event_for_contest(ev)
                    ? srv__topic_members(&s->reg, SRV__TOPIC_CONTEST, ev->contest_id)
                    : NULL;
        ts[3] = srv_live_event_for_list(ev) ? srv__topic_members(&s->reg, SRV__TOPIC_CONTESTS,
                                                                 SRV__CONTESTS_TOPIC_ID)
                                            : NULL;
        for (int k = 0; k < 4; k++) {
            if (!ts[k])
                continue;
            lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(ts[k])) {
                struct srv__session *ss = lws_container_of(d, struct srv__member, node)->ss;

                if (ss->offered != stamp && !ss->closing) {
                    ss->offered = stamp;
                    if (srv_subs_offer(&ss->subs, ev, now) == SRV_SUBS_DROP) {
                        sess_close_later(ss->c.wsi, ss, "too far behind its events");
                    } else if (ss->woken != batch && srv_subs_pending(&ss->subs)) {
                        ss->woken = batch;
                        lws_callback_on_writable(ss->c.wsi);
                        pushing++;
                    }
                }
            } lws_end_foreach_dll(d);
        }
    }
    /* The streamed feeds give way to the fan-out this starts
     * (srv_feed_yield.h); a few sessions' pushes are not worth it. */
    if (pushing >= SRV_FEED_YIELD_MIN_PUSHES)
        s->ws_push_ms = now;
    srv_live_event_free_list(events);
}

/* The upgrade's Origin must be this server (the Host it was asked for) or
 * one of GAVEL_ALLOWED_ORIGINS: another site's page must not talk to us
 * with the visitor's cookie. Clients that send no Origin are not browsers
 * and have no ambient cookie to abuse. srv_http.c asks the same of the
 * POST routes (login CSRF). */
bool srv__origin_ok(struct lws *wsi)
{
    const char *allowed = srv__server_of(wsi)->allowed_origins;
    char origin[256], host[256];
    const char *o, *a;
    size_t n;

    if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
        return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) == 0;
    for (a = allowed; a && *a; a += n + (a[n] == ',')) {
        n = strcspn(a, ",");
        while (n && *a == ' ') {
            a++;
            n--;
        }
        if (n && strlen(origin) == n && !strncmp(origin, a, n))
            return true;
    }
    if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
        return false;
    o = !strncmp(origin, "http://", 7) ? origin + 7 : !strncmp(origin, "https://", 8) ? origin + 8
                                                                                        : NULL;
    return o && !strcasecmp(o, host);
}

/* lws picks the protocol by subprotocol name on any path; the path is ours
 * to check, and the origin. */
static bool upgrade_ok(struct lws *wsi)
{
    char uri[64] = "";

    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 || strcmp(uri, SRV_WS_PATH)) {
        gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade on '%.60s'", uri);
        return false;
    }
    if (!srv__origin_ok(wsi)) {
        gv_log(GV_LOG_INFO, "ws", "refusing an upgrade from a foreign origin");
        return false;
    }
    return true;
}

static int callback_gavel(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    struct srv__session *ss = user;
    struct srv__registry *reg;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return upgrade_ok(wsi) ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
        gv_buf_init(&ss->rx, SRV_MSG_MAX);
        srv_outq_init(&ss->outq, SESS_OUTQ_SLOTS, SESS_OUTQ_BYTES, LWS_PRE);
        srv_subs_init(&ss->subs);
        srv__conn_add(&srv__server_of(wsi)->reg, &ss->c, wsi, SRV__CONN_WS);
        ss->token_unchecked = srv__cookie_token(wsi, ss->token);
        gv_gauge_add(&srv_metrics.ws_open, 1);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Sent to every protocol: one of them does the work. */
        srv__server_wakeup(srv__server_of(wsi));
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return sess_receive(wsi, ss, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return sess_writeable(wsi, ss);
    case LWS_CALLBACK_CLOSED:
        /* Last use of the session: lws frees it after this returns. A job
         * still running finds no connection and is dropped. */
        reg = &srv__server_of(wsi)->reg;
        /* lws also closes here an upgrade that FILTER_PROTOCOL_CONNECTION
         * refused, which was never ESTABLISHED (nor registered). */
        if (ss->c.id)
            gv_gauge_add(&srv_metrics.ws_open, -1);
        srv__conn_remove(reg, &ss->c);
        srv__topic_leave(reg, &ss->members, -1);
        while (ss->wait_head) {
            struct srv_req_job *next = (struct srv_req_job *)ss->wait_head->base.next;

            ss->wait_head->base.free(&ss->wait_head->base);
            ss->wait_head = next;
        }
        ss->wait_tail = NULL;
        ss->nwaiting = 0;
        srv_subs_release(&ss->subs);
        gv_buf_release(&ss->rx);
        srv_outq_release(&ss->outq);
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols srv__session_protocol = {
    .name = SRV__WS_PROTOCOL,
    .callback = callback_gavel,
    .per_session_data_size = sizeof(struct srv__session),
    /* lws allocates this much for every connection; requests are small,
     * and a larger one arrives in pieces that sess_receive joins. */
    .rx_buffer_size = 1024,
    /* Left 0, a send() would be cut to rx_buffer_size and the rest buffered
     * by lws and sent in more rounds: a burst's coalesced pushes (up to
     * SESS_PUSH_BATCH_BYTES) and a large reply go out in one. */
    .tx_packet_size = SESS_OUTQ_BYTES + LWS_PRE,
};
