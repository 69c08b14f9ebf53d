/* srv_server.c - the lws context: static files, /healthz and the /ws endpoint.
 *
 * Theory of operation. Everything here runs on the single lws service thread
 * (Debian's lws is built with LWS_MAX_SMP=1), so the per-connection state
 * needs no locks; the only shared data is the health state, which the
 * monitor thread publishes (srv_health.c).
 *
 * Two protocols share the vhost:
 *   "http"      protocol 0. lws itself serves the "/" file mount through
 *               lws_callback_http_dummy; we answer the "/healthz" callback
 *               mount; and we refuse every WebSocket upgrade that lands here,
 *               which is what lws does with an upgrade that names no
 *               subprotocol.
 *   "gavel.v1"  the WebSocket protocol, accepted on the path /ws only.
 *
 * A WebSocket session reassembles fragments into one message of at most
 * SRV_MSG_MAX bytes, decodes it (srv_codec.c), and queues the reply in its
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
 * permessage-deflate is not offered (no extensions are registered): it
 * costs about 89 KiB per connection and slows broadcast threefold. */
#define _GNU_SOURCE /* accept4() */
#include "srv.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "db.h"
#include "db_queue.h"
#include "db_session.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_codec.h"
#include "srv_health.h"
#include "srv_jobs.h"
#include "srv_live.h"
#include "srv_outq.h"
#include "srv_proto.h"
#include "srv_subs.h"
#include "banned.h"

#define SRV_WS_PATH "/ws"
#define SRV_WS_PROTOCOL "gavel.v1"

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
#define SESS_PUSH_BATCH_BYTES SRV_SUBS_PENDING_BYTES

/* Pushes are written from a shared srv_frame, whose headroom must hold
 * what lws puts in front of a payload. */
_Static_assert(LWS_PRE <= SRV_FRAME_HEADROOM, "srv_frame headroom is smaller than LWS_PRE");
#define HTTP_BODY_MAX (64 * 1024)
#define COOKIE_NAME "gavel_session"

/* What the WebSocket sessions and the HTTP API connections share: the
 * registry entry that lets a finished job find its connection again (it
 * may have closed meanwhile: then the id is simply not found). */
struct conn {
    struct lws_dll2 node; /* in srv_server.conns */
    struct conn *hnext;   /* in its srv_server.buckets chain */
    struct lws *wsi;
    uint64_t id;
    bool is_ws;
};

/* The registry is hashed by id: every reply and every subscription looks a
 * connection up, and a scan of 10k connections per lookup made connecting
 * 10k clients quadratic. Buckets double at two entries per bucket. */
#define CONN_BUCKETS_MIN 1024

/* Who may want an event: the sessions are indexed by topic - the logged-in
 * user, each subscribed submission, each subscribed contest - so a live
 * event is offered only to the members of the (at most three) topics it
 * names, not to every connection. The index may name more sessions than
 * want an event (srv_subs_offer decides, with srv_subs_wants), never fewer.
 * A topic exists while it has members; each membership is a small
 * allocation made when the session logs in or subscribes. */
enum topic_kind { TOPIC_USER, TOPIC_SUBMISSION, TOPIC_CONTEST };

struct topic {
    struct topic *hnext;           /* in its srv_server.topics chain */
    int64_t id;
    enum topic_kind kind;
    struct lws_dll2_owner members; /* struct member.node */
};

struct ws_session;

struct member {
    struct lws_dll2 node; /* in topic->members */
    struct member *next;  /* in its session's list */
    struct topic *topic;
    struct ws_session *ss;
};

#define TOPIC_BUCKETS_MIN 1024

struct srv_server {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws *listener;                /* our listening socket, adopted as a raw fd */
    lws_sorted_usec_list_t accept_retry; /* resumes accepting after EMFILE */
    struct srv_health *health;
    struct lws_http_mount mount_root, mount_healthz;
    struct lws_http_mount mount_api;
    char *web_root;
    char *version;
    char *allowed_origins; /* comma-separated, "" for none */
    volatile sig_atomic_t stop;
    struct srv_jobs *jobs;
    struct srv_live *live;
    struct srv_proto_cfg proto;
    char *rate_prefix;
    struct lws_dll2_owner conns;
    struct conn **buckets; /* nbuckets (a power of two) chains; NULL until used */
    size_t nbuckets;
    uint64_t next_conn_id;
    struct topic **topics; /* ntopic_buckets (a power of two) chains */
    size_t ntopic_buckets, ntopics;
    uint64_t stamp; /* deliver_events: one per batch and one per event */
};

/* Per HTTP connection (lws zeroes it). */
struct http_pss {
    struct conn c;          /* registered while an API job runs */
    unsigned char *body;    /* LWS_PRE headroom + body, gv_malloc'd; NULL when none */
    size_t body_len;
    struct gv_buf req_body; /* an API POST's body as it arrives */
    char api[32];           /* the API route being served, "" when none */
    int status;             /* the API reply's status, 0 until the job is done */
    char cookie[DB_TOKEN_HEX_LEN + 96]; /* Set-Cookie value, "" when none */
    bool headers_sent;
};

/* Per WebSocket connection (lws zeroes it; ESTABLISHED initializes it). */
struct ws_session {
    struct conn c;
    struct gv_buf rx;  /* the message being reassembled */
    bool rx_oversized; /* the current message passed SRV_MSG_MAX: discard it */
    bool rx_binary;
    bool rx_paused; /* we turned rx flow control off */
    struct srv_outq outq;
    struct db_user_info user;         /* logged-in user; id 0: nobody */
    char token[DB_TOKEN_HEX_LEN + 1]; /* its session token (logout) */
    bool token_unchecked;             /* token came with the upgrade's cookie */
    bool busy;                        /* a job of ours is running */
    struct srv_req_job *wait_head, *wait_tail; /* requests behind it */
    unsigned nwaiting;
    struct srv_subs subs;
    struct member *members; /* its topics (the index above) */
    uint64_t offered;       /* stamp of the last event offered to it */
    uint64_t woken;         /* stamp of the last batch that asked for writeable */
    bool closing; /* close (1008) at the next writeable */
    char close_why[64];
};

static size_t conn_bucket(uint64_t id, size_t nbuckets)
{
    /* Ids are sequential: a multiplicative hash spreads them anyway. */
    return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> 32) & (nbuckets - 1);
}

static struct conn *conn_find(struct srv_server *s, uint64_t id)
{
    if (!s->buckets)
        return NULL;
    for (struct conn *c = s->buckets[conn_bucket(id, s->nbuckets)]; c; c = c->hnext)
        if (c->id == id)
            return c;
    return NULL;
}

/* Rehashes into twice the buckets; on failure the chains just get longer. */
static void conn_grow(struct srv_server *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : CONN_BUCKETS_MIN;
    struct conn **b = gv_calloc(n, sizeof(*b));

    if (!b)
        return;
    for (size_t i = 0; i < s->nbuckets; i++)
        while (s->buckets[i]) {
            struct conn *c = s->buckets[i];
            size_t h = conn_bucket(c->id, n);

            s->buckets[i] = c->hnext;
            c->hnext = b[h];
            b[h] = c;
        }
    gv_free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

static void conn_add(struct srv_server *s, struct conn *c, struct lws *wsi, bool is_ws)
{
    c->wsi = wsi;
    c->id = ++s->next_conn_id;
    c->is_ws = is_ws;
    lws_dll2_add_tail(&c->node, &s->conns);
    if ((size_t)s->conns.count > s->nbuckets * 2)
        conn_grow(s);
    if (s->buckets) {
        size_t h = conn_bucket(c->id, s->nbuckets);

        c->hnext = s->buckets[h];
        s->buckets[h] = c;
    }
}

static struct srv_server *server_of(struct lws *wsi);

static void conn_remove(struct conn *c)
{
    struct srv_server *s;

    if (!c->id)
        return;
    s = server_of(c->wsi);
    lws_dll2_remove(&c->node);
    if (s->buckets) {
        struct conn **pp = &s->buckets[conn_bucket(c->id, s->nbuckets)];

        while (*pp && *pp != c)
            pp = &(*pp)->hnext;
        if (*pp)
            *pp = c->hnext;
    }
    c->hnext = NULL;
    c->id = 0;
}

static struct srv_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- The topic index --------------------------------------------------------- */

static size_t topic_bucket(enum topic_kind kind, int64_t id, size_t n)
{
    uint64_t h = ((uint64_t)id * 4 + (uint64_t)kind) * 0x9E3779B97F4A7C15ULL;

    return (size_t)(h >> 32) & (n - 1);
}

static struct topic *topic_find(struct srv_server *s, enum topic_kind kind, int64_t id)
{
    if (id <= 0)
        return NULL;
    for (struct topic *t = s->topics[topic_bucket(kind, id, s->ntopic_buckets)]; t; t = t->hnext)
        if (t->id == id && t->kind == kind)
            return t;
    return NULL;
}

/* Rehashes into twice the buckets; on failure the chains just get longer. */
static void topic_grow(struct srv_server *s)
{
    size_t n = s->ntopic_buckets ? s->ntopic_buckets * 2 : TOPIC_BUCKETS_MIN;
    struct topic **b = gv_calloc(n, sizeof(*b));

    if (!b)
        return;
    for (size_t i = 0; i < s->ntopic_buckets; i++)
        while (s->topics[i]) {
            struct topic *t = s->topics[i];
            size_t h = topic_bucket(t->kind, t->id, n);

            s->topics[i] = t->hnext;
            t->hnext = b[h];
            b[h] = t;
        }
    gv_free(s->topics);
    s->topics = b;
    s->ntopic_buckets = n;
}

/* Adds `ss` to the topic (kind, id), creating it; idempotent. -ENOMEM. */
static int topic_join(struct srv_server *s, struct ws_session *ss, enum topic_kind kind,
                      int64_t id)
{
    struct topic *t;
    struct member *m;
    size_t h;

    for (m = ss->members; m; m = m->next)
        if (m->topic->kind == kind && m->topic->id == id)
            return 0;
    t = topic_find(s, kind, id);
    if (!t) {
        if (s->ntopics + 1 > s->ntopic_buckets * 2)
            topic_grow(s);
        t = gv_calloc(1, sizeof(*t));
        if (!t)
            return -ENOMEM;
        t->kind = kind;
        t->id = id;
        h = topic_bucket(kind, id, s->ntopic_buckets);
        t->hnext = s->topics[h];
        s->topics[h] = t;
        s->ntopics++;
    }
    m = gv_calloc(1, sizeof(*m));
    if (!m) {
        if (!t->members.count) {
            struct topic **pp = &s->topics[topic_bucket(kind, id, s->ntopic_buckets)];

            while (*pp != t)
                pp = &(*pp)->hnext;
            *pp = t->hnext;
            s->ntopics--;
            gv_free(t);
        }
        return -ENOMEM;
    }
    m->topic = t;
    m->ss = ss;
    lws_dll2_add_tail(&m->node, &t->members);
    m->next = ss->members;
    ss->members = m;
    return 0;
}

static void member_free(struct srv_server *s, struct member *m)
{
    struct topic *t = m->topic;

    lws_dll2_remove(&m->node);
    gv_free(m);
    if (!t->members.count) {
        struct topic **pp = &s->topics[topic_bucket(t->kind, t->id, s->ntopic_buckets)];

        while (*pp && *pp != t)
            pp = &(*pp)->hnext;
        if (*pp)
            *pp = t->hnext;
        s->ntopics--;
        gv_free(t);
    }
}

/* Removes `ss` from every topic of `kind` (every topic when kind < 0). */
static void topic_leave(struct srv_server *s, struct ws_session *ss, int kind)
{
    struct member **pp = &ss->members;

    while (*pp) {
        struct member *m = *pp;

        if (kind < 0 || m->topic->kind == (enum topic_kind)kind) {
            *pp = m->next;
            member_free(s, m);
        } else {
            pp = &m->next;
        }
    }
}

/* --- HTTP ----------------------------------------------------------------- */

static int healthz_begin(struct lws *wsi, struct http_pss *pss, const char *rest)
{
    struct srv_server *s = server_of(wsi);
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char no_store[] = "no-store";
    struct srv_health_state st;
    char *json = NULL;
    size_t len;
    bool ok;
    int err;

    /* The mount matches "/healthz" and anything under it; only the exact
     * path exists. */
    if (rest && *rest && strcmp(rest, "/")) {
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
        lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "use GET");
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }

    srv_health_get(s->health, &st);
    err = srv_health_to_json(&json, &len, &ok, &st, s->version);
    if (err < 0) {
        lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
        return -1;
    }
    pss->body = gv_malloc(LWS_PRE + len);
    if (!pss->body) {
        gv_free(json);
        lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
        return -1;
    }
    memcpy(pss->body + LWS_PRE, json, len);
    pss->body_len = len;
    gv_free(json);

    if (lws_add_http_common_headers(wsi, ok ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE,
                                    "application/json", len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)no_store, sizeof(no_store) - 1, &p,
                                     end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* The body goes out from HTTP_WRITEABLE, as lws wants for HTTP/1.1. */
    lws_callback_on_writable(wsi);
    return 0;
}

static int healthz_write(struct lws *wsi, struct http_pss *pss)
{
    int n;

    if (!pss->body)
        return 0;
    n = lws_write(wsi, pss->body + LWS_PRE, pss->body_len, LWS_WRITE_HTTP_FINAL);
    gv_free(pss->body);
    pss->body = NULL;
    if (n < 0)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* --- HTTP JSON API --------------------------------------------------------- */

static int api_submit(struct lws *wsi, struct http_pss *pss, const char *type, cJSON *args);

static int api_respond_now(struct lws *wsi, struct http_pss *pss, int status, const char *code,
                           const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"code\":\"%s\",\"message\":\"%s\"}", code, message);

    pss->body = gv_malloc(LWS_PRE + (size_t)n);
    if (!pss->body)
        return -1;
    memcpy(pss->body + LWS_PRE, body, (size_t)n);
    pss->body_len = (size_t)n;
    pss->status = status;
    lws_callback_on_writable(wsi);
    return 0;
}

/* GET /api/problems?...: the query's arguments become problems.list fields
 * (numbers when they look like integers, so the codec's checks apply). */
static int api_problems(struct lws *wsi, struct http_pss *pss)
{
    static const char *const keys[] = {"difficulty_min", "difficulty_max", "sort", "order", "page",
                                       "page_size"};
    cJSON *args = cJSON_CreateObject();

    if (!args)
        return -1;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char name[32], buf[96];
        const char *digits, *val;
        bool num = true;

        snprintf(name, sizeof(name), "%s=", keys[i]);
        /* lws copies "name=value" into buf and points at the value. */
        val = lws_get_urlarg_by_name(wsi, name, buf, (int)sizeof(buf));
        if (!val)
            continue;
        for (digits = val; *digits; digits++)
            num = num && *digits >= '0' && *digits <= '9' && digits - val < 9;
        if (num && *val)
            cJSON_AddNumberToObject(args, keys[i], (double)strtol(val, NULL, 10));
        else
            cJSON_AddStringToObject(args, keys[i], val);
    }
    return api_submit(wsi, pss, "problems.list", args);
}

static int api_begin(struct lws *wsi, struct http_pss *pss, const char *path)
{
    bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;

    if (!post && !lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return api_respond_now(wsi, pss, 405, "invalid", "use GET or POST");
    if (!strcmp(path, "/problems") || !strcmp(path, "/problems/")) {
        if (post)
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        return api_problems(wsi, pss);
    }
    if (!strncmp(path, "/problems/", 10)) {
        cJSON *args = cJSON_CreateObject();

        if (post) {
            cJSON_Delete(args);
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        }
        if (!args || !cJSON_AddStringToObject(args, "slug", path + 10)) {
            cJSON_Delete(args);
            return -1;
        }
        return api_submit(wsi, pss, "problem.get", args);
    }
    if (!strcmp(path, "/contests") || !strcmp(path, "/contests/")) {
        cJSON *args = cJSON_CreateObject();

        if (post) {
            cJSON_Delete(args);
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        }
        return args ? api_submit(wsi, pss, "contests.list", args) : -1;
    }
    if (!strncmp(path, "/contests/", 10)) {
        /* /contests/<id>/scoreboard: the one contest read that needs no
         * subscription (snapshots with a countdown are the WebSocket's). */
        char *end = NULL;
        long long id = strtoll(path + 10, &end, 10);
        cJSON *args;

        if (path[10] < '1' || path[10] > '9' || id <= 0 || strcmp(end, "/scoreboard") != 0)
            return api_respond_now(wsi, pss, 404, "not_found", "no such API route");
        if (post)
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        args = cJSON_CreateObject();
        if (!args || !cJSON_AddNumberToObject(args, "contest", (double)id)) {
            cJSON_Delete(args);
            return -1;
        }
        return api_submit(wsi, pss, "contest.scoreboard", args);
    }
    if (!strcmp(path, "/register") || !strcmp(path, "/login") || !strcmp(path, "/logout")) {
        if (!post)
            return api_respond_now(wsi, pss, 405, "invalid", "use POST");
        /* The body arrives in HTTP_BODY callbacks; the job starts at
         * HTTP_BODY_COMPLETION. */
        snprintf(pss->api, sizeof(pss->api), "%.16s", path + 1);
        gv_buf_init(&pss->req_body, HTTP_BODY_MAX);
        return 0;
    }
    return api_respond_now(wsi, pss, 404, "not_found", "no such API route");
}

static int api_body_done(struct lws *wsi, struct http_pss *pss)
{
    cJSON *args;

    if (!pss->api[0])
        return 0;
    if (pss->req_body.len == 0 && !strcmp(pss->api, "logout"))
        args = cJSON_CreateObject();
    else
        args = cJSON_ParseWithLength(pss->req_body.data ? pss->req_body.data : "",
                                     pss->req_body.len);
    gv_buf_release(&pss->req_body);
    if (!cJSON_IsObject(args)) {
        cJSON_Delete(args);
        return api_respond_now(wsi, pss, 400, "bad_request", "the body must be a JSON object");
    }
    return api_submit(wsi, pss, pss->api, args);
}

/* Runs `type` with `args` (taken) as a request from this HTTP client. */
static int api_submit(struct lws *wsi, struct http_pss *pss, const char *type, cJSON *args)
{
    struct srv_server *s = server_of(wsi);
    struct srv_req_job *job = NULL;
    char *text = NULL, cookie[DB_TOKEN_HEX_LEN + 8];
    size_t clen = sizeof(cookie);
    int err;

    cJSON_DeleteItemFromObjectCaseSensitive(args, "type");
    cJSON_DeleteItemFromObjectCaseSensitive(args, "id");
    if (!cJSON_AddStringToObject(args, "type", type))
        goto oom;
    text = cJSON_PrintUnformatted(args);
    cJSON_Delete(args);
    args = NULL;
    job = srv_proto_job_new(&s->proto);
    if (!text || !job)
        goto oom;
    snprintf(pss->api, sizeof(pss->api), "%s", type);
    err = srv_codec_decode(&job->req, text, strlen(text));
    gv_free(text);
    text = NULL;
    if (err == GV_EPARSE) {
        char msg[200];
        int status = !strcmp(job->req.err_code, SRV_ERR_INVALID) ? 400 : 400;

        snprintf(msg, sizeof(msg), "%s", job->req.err_message);
        for (char *q = msg; *q; q++)
            if (*q == '"' || *q == '\\')
                *q = '\'';
        err = api_respond_now(wsi, pss, status, job->req.err_code, msg);
        job->base.free(&job->base);
        return err;
    }
    if (err < 0)
        goto oom;
    job->http = true;
    if (lws_http_cookie_get(wsi, COOKIE_NAME, cookie, &clen) == 0 &&
        clen == DB_TOKEN_HEX_LEN) {
        snprintf(job->token, sizeof(job->token), "%.64s", cookie);
        job->token_unchecked = true;
    }
    conn_add(s, &pss->c, wsi, false);
    job->base.conn_id = pss->c.id;
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        conn_remove(&pss->c);
        job->base.free(&job->base);
        return api_respond_now(wsi, pss, 503, "unavailable", "the server is overloaded");
    }
    return 0;
oom:
    cJSON_Delete(args);
    gv_free(text);
    if (job)
        job->base.free(&job->base);
    return -1;
}

/* A finished API job: keep the reply and ask to write it. */
static void api_done(struct http_pss *pss, struct srv_req_job *job)
{
    char *body = NULL;
    size_t len = 0;
    int status = 500;

    conn_remove(&pss->c);
    if (srv_proto_http(job, &status, &body, &len) < 0) {
        status = 500;
        body = gv_strdup("{\"code\":\"internal\",\"message\":\"out of memory\"}");
        len = body ? strlen(body) : 0;
    }
    if (!job->err_code && job->set_user && job->new_token[0] &&
        (job->req.type == SRV_REQ_LOGIN || job->req.type == SRV_REQ_REGISTER))
        snprintf(pss->cookie, sizeof(pss->cookie),
                 COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d", job->new_token,
                 DB_SESSION_TTL_S);
    else if (!job->err_code && job->req.type == SRV_REQ_LOGOUT)
        snprintf(pss->cookie, sizeof(pss->cookie),
                 COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    pss->body = body ? gv_malloc(LWS_PRE + len) : NULL;
    if (pss->body) {
        memcpy(pss->body + LWS_PRE, body, len);
        pss->body_len = len;
    }
    gv_free(body);
    pss->status = status;
    lws_callback_on_writable(pss->c.wsi);
}

static int api_write(struct lws *wsi, struct http_pss *pss)
{
    unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char no_store[] = "no-store";

    if (!pss->body)
        return -1;
    if (!pss->headers_sent) {
        if (lws_add_http_common_headers(wsi, (unsigned)pss->status, "application/json",
                                        pss->body_len, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)no_store, sizeof(no_store) - 1,
                                         &p, end) ||
            (pss->cookie[0] &&
             lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_SET_COOKIE,
                                          (const unsigned char *)pss->cookie,
                                          (int)strlen(pss->cookie), &p, end)) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        pss->headers_sent = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (lws_write(wsi, pss->body + LWS_PRE, pss->body_len, LWS_WRITE_HTTP_FINAL) < 0)
        return -1;
    gv_free(pss->body);
    pss->body = NULL;
    pss->api[0] = '\0';
    pss->status = 0;
    pss->headers_sent = false;
    pss->cookie[0] = '\0';
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct http_pss *pss = user;
    char uri[256] = "";

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* An upgrade bound to protocol 0: it named no subprotocol we speak. */
        gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade without subprotocol '%s'", SRV_WS_PROTOCOL);
        return 1;
    case LWS_CALLBACK_HTTP:
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
            lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_POST_URI);
        if (!strncmp(uri, "/api/", 5) || !strcmp(uri, "/api"))
            return api_begin(wsi, pss, uri + 4);
        return healthz_begin(wsi, pss, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (pss && pss->api[0] && gv_buf_append(&pss->req_body, in, len) < 0) {
            gv_buf_release(&pss->req_body);
            pss->api[0] = '\0';
            return api_respond_now(wsi, pss, 413, "too_large", "the body exceeds 64 KiB");
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss && pss->api[0] && !pss->status)
            return api_body_done(wsi, pss);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss && pss->status)
            return api_write(wsi, pss);
        if (pss && pss->body)
            return healthz_write(wsi, pss);
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            conn_remove(&pss->c);
            gv_buf_release(&pss->req_body);
            gv_free(pss->body);
            pss->body = NULL;
        }
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* --- WebSocket ------------------------------------------------------------ */

/* Reading pauses while replies pile up or requests wait for their turn. */
static void sess_update_rx(struct lws *wsi, struct ws_session *ss)
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
static int sess_send(struct lws *wsi, struct ws_session *ss, char *text, size_t len)
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

static int sess_send_error(struct lws *wsi, struct ws_session *ss, const cJSON *id,
                           const char *code, const char *message)
{
    char *text;
    size_t len;

    if (srv_codec_error(&text, &len, id, code, message) < 0)
        return -1;
    return sess_send(wsi, ss, text, len);
}

/* Starts `job` with a snapshot of the session taken now, after every
 * earlier request of this connection has finished. */
static int sess_start(struct lws *wsi, struct ws_session *ss, struct srv_req_job *job)
{
    struct srv_server *s = server_of(wsi);

    job->base.conn_id = ss->c.id;
    job->user = ss->user;
    snprintf(job->token, sizeof(job->token), "%s", ss->token);
    job->token_unchecked = ss->token_unchecked;
    if (job->req.type == SRV_REQ_RESUME && srv_subs_copy_filter(&job->filter, &ss->subs) < 0) {
        job->base.free(&job->base);
        return sess_send_error(wsi, ss, NULL, SRV_ERR_INTERNAL, "out of memory");
    }
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        char *text;
        size_t len;
        int err = srv_codec_error(&text, &len, job->req.id, SRV_ERR_UNAVAILABLE,
                                  "the server is overloaded; retry shortly");

        job->base.free(&job->base);
        return err < 0 ? -1 : sess_send(wsi, ss, text, len);
    }
    ss->busy = true;
    return 0;
}

/* A request that needs a store: run it now, or after the one running. */
static int sess_enqueue(struct lws *wsi, struct ws_session *ss, struct srv_request *req)
{
    struct srv_server *s = server_of(wsi);
    struct srv_req_job *job;

    if (ss->nwaiting >= SESS_WAIT_MAX)
        return sess_send_error(wsi, ss, req->id, SRV_ERR_RATE_LIMITED,
                               "too many requests in flight; wait for replies");
    job = srv_proto_job_new(&s->proto);
    if (!job)
        return -1;
    job->req = *req; /* the job owns the parsed message now */
    memset(req, 0, sizeof(*req));
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

static int sess_handle(struct lws *wsi, struct ws_session *ss)
{
    struct srv_request req;
    char *text = NULL;
    size_t len;
    int err;

    if (ss->rx_oversized) {
        char why[80];

        snprintf(why, sizeof(why), "message exceeds %d bytes and was discarded", SRV_MSG_MAX);
        return sess_send_error(wsi, ss, NULL, SRV_ERR_TOO_LARGE, why);
    }
    if (ss->rx_binary)
        return sess_send_error(wsi, ss, NULL, SRV_ERR_BAD_REQUEST,
                               "binary frames are not part of gavel.v1; send JSON text");

    err = srv_codec_decode(&req, ss->rx.data ? ss->rx.data : "", ss->rx.len);
    if (err == GV_EPARSE) {
        err = sess_send_error(wsi, ss, req.id, req.err_code, req.err_message);
        goto out;
    }
    if (err < 0)
        goto out;
    switch (req.type) {
    case SRV_REQ_PING:
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
    case SRV_REQ_RESUME:
    case SRV_REQ_CONTESTS_LIST:
    case SRV_REQ_CONTEST_REGISTER:
    case SRV_REQ_CONTEST_SCOREBOARD:
    case SRV_REQ_CONTEST_ANNOUNCE:
        /* Refused here when nobody can be logged in by the time it runs
         * (no pending login ahead, no cookie to check): no store needed. */
        if (srv_request_needs_user(&req) && !ss->user.id && !ss->token_unchecked && !ss->busy) {
            err = sess_send_error(wsi, ss, req.id, SRV_ERR_UNAUTHENTICATED,
                                  "log in first (hello with a token, or login)");
            break;
        }
        err = sess_enqueue(wsi, ss, &req);
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

static int sess_receive(struct lws *wsi, struct ws_session *ss, const void *in, size_t len)
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
static int sess_write_pushes(struct lws *wsi, struct ws_session *ss)
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
    for (unsigned i = 0; i < n; i++)
        srv_frame_unref(fs[i]);
    gv_free(buf);
    return err;
}

static int sess_writeable(struct lws *wsi, struct ws_session *ss)
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
        srv_outq_pop(&ss->outq);
        sess_update_rx(wsi, ss);
    } else if (sess_write_pushes(wsi, ss) < 0) {
        return -1;
    }
    if (ss->outq.count || srv_subs_pending(&ss->subs))
        lws_callback_on_writable(wsi);
    return 0;
}

static void sess_close_later(struct lws *wsi, struct ws_session *ss, const char *why)
{
    if (ss->closing)
        return;
    ss->closing = true;
    snprintf(ss->close_why, sizeof(ss->close_why), "%s", why);
    gv_log(GV_LOG_WARN, "ws", "closing connection %llu: %s", (unsigned long long)ss->c.id, why);
    lws_callback_on_writable(wsi);
}

/* A request of this session finished: apply what it changed, queue its
 * reply, and start the next waiting request. */
static void sess_done(struct ws_session *ss, struct srv_req_job *job)
{
    struct lws *wsi = ss->c.wsi;
    struct srv_server *s = server_of(wsi);
    char *text = NULL;
    size_t len;
    int err;

    if (job->set_user) {
        if (ss->user.id != job->new_user.id) {
            topic_leave(s, ss, TOPIC_USER);
            if (job->new_user.id > 0 && topic_join(s, ss, TOPIC_USER, job->new_user.id) < 0) {
                sess_close_later(wsi, ss, "out of memory");
                return;
            }
        }
        ss->user = job->new_user;
        snprintf(ss->token, sizeof(ss->token), "%s", job->new_token);
        ss->token_unchecked = false;
        srv_subs_set_user(&ss->subs, ss->user.id);
    } else if (job->clear_user) {
        topic_leave(s, ss, TOPIC_USER);
        memset(&ss->user, 0, sizeof(ss->user));
        ss->token[0] = '\0';
        ss->token_unchecked = false;
        srv_subs_set_user(&ss->subs, 0);
    }
    if (!job->err_code && (job->subscribe_submission || job->subscribe_contest)) {
        err = job->subscribe_submission ? srv_subs_add_submission(&ss->subs, job->subscribe_submission)
                                        : srv_subs_add_contest(&ss->subs, job->subscribe_contest);
        /* Into the index as well, or no live event would find it. */
        if (err == 0)
            err = job->subscribe_submission
                      ? topic_join(s, ss, TOPIC_SUBMISSION, job->subscribe_submission)
                      : topic_join(s, ss, TOPIC_CONTEST, job->subscribe_contest);
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
    if (srv_proto_reply(job, &text, &len) < 0 || sess_send(wsi, ss, text, len) < 0) {
        sess_close_later(wsi, ss, "cannot queue a reply");
        return;
    }
    /* The replayed events go through the same bounds as live ones, after
     * the reply that announces them, but are never coalesced: the client
     * gets exactly what it missed. */
    for (struct srv_live_event *e = job->replay; e; e = e->next) {
        e->exact = true;
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

/* Offers a batch of live events to the sessions that may want them: the
 * members of the topics each event names (its user, its submission and,
 * for contest-level events, its contest), found through the index instead
 * of a pass over every connection. A session in two of those topics is
 * offered the event once (the `offered` stamp), and asks for one writeable
 * callback per batch (the `woken` stamp). The events' frames are shared, so
 * an offer costs a reference, not a copy. */
static void deliver_events(struct srv_server *s, struct srv_live_event *events)
{
    int64_t now = gv_time_mono_ms();
    uint64_t batch = ++s->stamp;

    for (struct srv_live_event *ev = events; ev; ev = ev->next) {
        uint64_t stamp = ++s->stamp;
        struct topic *ts[3];

        ts[0] = topic_find(s, TOPIC_USER, ev->user_id);
        ts[1] = topic_find(s, TOPIC_SUBMISSION, ev->submission_id);
        /* Events for the submission's readers only never reach a contest's
         * subscribers as such (srv_subs_wants): no need to walk them. */
        ts[2] = srv_live_event_for_contest(ev) ? topic_find(s, TOPIC_CONTEST, ev->contest_id)
                                               : NULL;
        for (int k = 0; k < 3; k++) {
            if (!ts[k])
                continue;
            lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&ts[k]->members)) {
                struct ws_session *ss = lws_container_of(d, struct member, node)->ss;

                if (ss->offered != stamp && !ss->closing) {
                    ss->offered = stamp;
                    if (srv_subs_offer(&ss->subs, ev, now) == SRV_SUBS_DROP) {
                        sess_close_later(ss->c.wsi, ss, "too far behind its events");
                    } else if (ss->woken != batch && srv_subs_pending(&ss->subs)) {
                        ss->woken = batch;
                        lws_callback_on_writable(ss->c.wsi);
                    }
                }
            } lws_end_foreach_dll(d);
        }
    }
    srv_live_event_free_list(events);
}

/* The loop was woken: finished jobs and live events. */
static void loop_wakeup(struct srv_server *s)
{
    struct srv_job *job = s->jobs ? srv_jobs_drain(s->jobs) : NULL;
    struct srv_live_event *ev = s->live ? srv_live_drain(s->live) : NULL;

    while (job) {
        struct srv_job *next = job->next;
        struct conn *c = conn_find(s, job->conn_id);

        job->next = NULL;
        if (c && c->is_ws)
            sess_done(lws_container_of(c, struct ws_session, c), (struct srv_req_job *)job);
        else if (c)
            api_done(lws_container_of(c, struct http_pss, c), (struct srv_req_job *)job);
        job->free(job);
        job = next;
    }
    if (ev)
        deliver_events(s, ev);
}

/* The upgrade's Origin must be this server (the Host it was asked for) or
 * one of GAVEL_ALLOWED_ORIGINS: another site's page must not talk to us
 * with the visitor's cookie. Clients that send no Origin are not browsers
 * and have no ambient cookie to abuse. */
static bool origin_ok(struct lws *wsi, const char *allowed)
{
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

static int callback_gavel(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    struct ws_session *ss = user;
    char uri[64] = "";

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* lws picks the protocol by subprotocol name on any path; the path
         * is ours to check. */
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
            strcmp(uri, SRV_WS_PATH)) {
            gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade on '%.60s'", uri);
            return 1;
        }
        if (!origin_ok(wsi, server_of(wsi)->allowed_origins)) {
            gv_log(GV_LOG_INFO, "ws", "refusing an upgrade from a foreign origin");
            return 1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED: {
        char cookie[DB_TOKEN_HEX_LEN + 8];
        size_t clen = sizeof(cookie);

        gv_buf_init(&ss->rx, SRV_MSG_MAX);
        srv_outq_init(&ss->outq, SESS_OUTQ_SLOTS, SESS_OUTQ_BYTES, LWS_PRE);
        srv_subs_init(&ss->subs);
        conn_add(server_of(wsi), &ss->c, wsi, true);
        if (lws_http_cookie_get(wsi, COOKIE_NAME, cookie, &clen) == 0 &&
            clen == DB_TOKEN_HEX_LEN) {
            snprintf(ss->token, sizeof(ss->token), "%.64s", cookie);
            ss->token_unchecked = true;
        }
        return 0;
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Sent to every protocol: one of them does the work. */
        loop_wakeup(server_of(wsi));
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return sess_receive(wsi, ss, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return sess_writeable(wsi, ss);
    case LWS_CALLBACK_CLOSED:
        /* Last use of the session: lws frees it after this returns. A job
         * still running finds no connection and is dropped. */
        conn_remove(&ss->c);
        topic_leave(server_of(wsi), ss, -1);
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

/* --- Listening socket ------------------------------------------------------ */

/* lws 4.1.6 sets SO_REUSEPORT only when it runs more than one service thread,
 * and ours has one (LWS_MAX_SMP=1), so ALLOW_LISTEN_SHARE alone does not let
 * two processes share a port. We therefore open the listening socket
 * ourselves (listen_open), give it to lws as a raw descriptor, and hand each
 * accepted connection to the vhost, which then treats it exactly like one
 * its own listener accepted. */

#define ACCEPT_BATCH 64
#define ACCEPT_PAUSE_US (100 * LWS_US_PER_MS)

static void accept_resume(lws_sorted_usec_list_t *sul)
{
    struct srv_server *s = lws_container_of(sul, struct srv_server, accept_retry);

    if (s->listener)
        lws_rx_flow_control(s->listener, 1);
}

static int listener_accept(struct lws *wsi)
{
    struct srv_server *s = server_of(wsi);
    int lfd = lws_get_socket_fd(wsi);

    /* A bounded batch: a connection flood must not starve the clients that
     * are already connected. */
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            /* Out of descriptors or memory: the socket stays readable, so
             * polling it again at once would spin. Pause it briefly. */
            gv_log(GV_LOG_WARN, "server", "cannot accept a connection: %s; pausing 100 ms",
                   strerror(errno));
            lws_rx_flow_control(wsi, 0);
            lws_sul_schedule(s->ctx, 0, &s->accept_retry, accept_resume, ACCEPT_PAUSE_US);
            return 0;
        }
        if (!lws_adopt_socket_vhost(s->vhost, fd)) /* lws closed fd */
            gv_log(GV_LOG_WARN, "server", "cannot adopt an accepted connection");
    }
    return 0;
}

static int callback_listener(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* a client naming this internal protocol as a subprotocol */
    case LWS_CALLBACK_RAW_RX_FILE:
        return listener_accept(wsi);
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        server_of(wsi)->listener = NULL; /* lws closes the fd */
        return 0;
    default:
        return 0;
    }
}

/* The protocol table is per vhost and lws keeps a pointer to it. */
static const struct lws_protocols srv_protocols[] = {
    {.name = "http", .callback = callback_http, .per_session_data_size = sizeof(struct http_pss)},
    {.name = SRV_WS_PROTOCOL,
     .callback = callback_gavel,
     .per_session_data_size = sizeof(struct ws_session),
     .rx_buffer_size = 4096},
    {.name = "gavel-listen", .callback = callback_listener},
    {0},
};

/* lws knows .html .js .css .json .svg .png and friends; these complete what
 * a modern static client uses. */
static const struct lws_protocol_vhost_options mime_map = {NULL, NULL, ".map", "application/json"};
static const struct lws_protocol_vhost_options mime_wasm = {&mime_map, NULL, ".wasm",
                                                            "application/wasm"};
static const struct lws_protocol_vhost_options mime_mjs = {&mime_wasm, NULL, ".mjs",
                                                           "text/javascript"};

/* Idle WebSockets get a PING after 30 s and are dropped when nothing valid
 * has come back for 60 s, so half-open TCP connections do not pile up. */
static const lws_retry_bo_t srv_retry = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 60,
};

/* --- Lifecycle ------------------------------------------------------------- */

int srv_options_load(struct srv_options *out, const char *default_web_root, const char *version)
{
    const char *addr;
    long port;
    int err;

    memset(out, 0, sizeof(*out));
    err = gv_config_get_long(&port, "GAVEL_HTTP_PORT", 8080, 1, 65535);
    if (err < 0)
        return err;
    out->http_port = (int)port;
    addr = gv_config_get("GAVEL_HTTP_ADDR", NULL);
    out->http_addr = addr && *addr ? addr : NULL;
    out->web_root = gv_config_get("GAVEL_WEB_ROOT", default_web_root);
    out->pg_url = db_pg_url();
    out->redis_url = db_redis_url();
    out->version = version;
    err = gv_config_get_long(&port, "GAVEL_SERVER_DB_THREADS", 2, 1, 16);
    if (err < 0)
        return err;
    out->db_threads = (int)port;
    out->queue_prefix = gv_config_get("GAVEL_QUEUE_PREFIX", DB_QUEUE_PREFIX_DEFAULT);
    out->rate_prefix = gv_config_get("GAVEL_RATE_PREFIX", "gavel:ratelimit");
    err = gv_config_get_long(&port, "GAVEL_SUBMIT_RATE_FREE", 6, 1, 100000);
    if (err < 0)
        return err;
    out->rate_free = (int)port;
    err = gv_config_get_long(&port, "GAVEL_SUBMIT_RATE_PAID", 20, 1, 100000);
    if (err < 0)
        return err;
    out->rate_paid = (int)port;
    out->allowed_origins = gv_config_get("GAVEL_ALLOWED_ORIGINS", "");
    return 0;
}

/* Opens the shared listening socket. Returns the fd, or -errno of the step
 * that failed. With no address we listen on IPv6 "::" with V6ONLY off, which
 * takes IPv4 too, and fall back to IPv4 where the host has no IPv6. */
static int listen_open(const char *addr, int port)
{
    struct addrinfo hints = {0}, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen;
    char portstr[16];
    int fd, on = 1, off = 0, err;

    memset(&ss, 0, sizeof(ss));
    if (addr) {
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        snprintf(portstr, sizeof(portstr), "%d", port);
        if (getaddrinfo(addr, portstr, &hints, &res) != 0 || !res)
            return -EADDRNOTAVAIL;
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        sslen = res->ai_addrlen;
        freeaddrinfo(res);
    } else {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        a6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*a6);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && !addr && errno == EAFNOSUPPORT) {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

        memset(&ss, 0, sizeof(ss));
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        a4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*a4);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
    if (fd < 0)
        return -errno;
    /* SO_REUSEPORT is what lets several gavel-servers share the port;
     * SO_REUSEADDR lets a restart bind while old connections sit in
     * TIME_WAIT. A listener of another program shares the port only if it
     * set SO_REUSEPORT too (and runs as the same user); otherwise our bind
     * fails with EADDRINUSE. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
        (ss.ss_family == AF_INET6 && !addr &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
        bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, SOMAXCONN) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static void report_listen_failure(const struct srv_options *opt, int err)
{
    const char *addr = opt->http_addr ? opt->http_addr : "*";

    if (err == -EADDRINUSE)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on port %d (address %s): it is already in use by a program that "
               "does not share it (SO_REUSEPORT); stop that program or choose another port "
               "with GAVEL_HTTP_PORT",
               opt->http_port, addr);
    else if (err == -EACCES)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on port %d: permission denied; ports below 1024 need "
               "privileges, choose another one with GAVEL_HTTP_PORT",
               opt->http_port);
    else if (err == -EADDRNOTAVAIL)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on address '%s': not an address of this host; fix GAVEL_HTTP_ADDR "
               "or unset it to listen on all addresses",
               addr);
    else
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on %s port %d: %s (see GAVEL_HTTP_ADDR, GAVEL_HTTP_PORT)", addr,
               opt->http_port, gv_strerror(err));
}

/* lws' own log lines go through gv_log, so one process writes one format. */
static void lws_log_emit(int level, const char *line)
{
    char msg[512];
    size_t n;

    snprintf(msg, sizeof(msg), "%s", line);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (level & LLL_ERR)
        gv_log(GV_LOG_ERROR, "lws", "%s", msg);
    else if (level & LLL_WARN)
        gv_log(GV_LOG_WARN, "lws", "%s", msg);
    else
        gv_log(GV_LOG_DEBUG, "lws", "%s", msg);
}

int srv_server_new(struct srv_server **out, const struct srv_options *opt)
{
    struct lws_context_creation_info info;
    lws_sock_file_fd_type desc;
    struct srv_server *s;
    struct stat st;
    int err, fd;

    *out = NULL;
    /* Before the health thread exists: the hooks are process-wide. */
    srv_codec_init();
    if (stat(opt->web_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
        gv_log(GV_LOG_ERROR, "server",
               "cannot serve the web client from '%s': not a directory; set GAVEL_WEB_ROOT to "
               "the web-client/ folder of the source tree",
               opt->web_root);
        return -ENOENT;
    }
    s = gv_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    /* Allocated up front so that registering a connection cannot fail. */
    conn_grow(s);
    topic_grow(s);
    if (!s->buckets || !s->topics) {
        gv_free(s->buckets);
        gv_free(s->topics);
        gv_free(s);
        return -ENOMEM;
    }
    s->web_root = gv_strdup(opt->web_root);
    s->version = gv_strdup(opt->version ? opt->version : "unknown");
    s->allowed_origins = gv_strdup(opt->allowed_origins ? opt->allowed_origins : "");
    s->rate_prefix = gv_strdup(opt->rate_prefix ? opt->rate_prefix : "gavel:ratelimit");
    s->proto.version = s->version;
    s->proto.rate_prefix = s->rate_prefix;
    s->proto.rate_free = opt->rate_free > 0 ? opt->rate_free : 6;
    s->proto.rate_paid = opt->rate_paid > 0 ? opt->rate_paid : 20;
    if (!s->web_root || !s->version || !s->allowed_origins || !s->rate_prefix) {
        err = -ENOMEM;
        goto fail;
    }

    /* "/healthz" is answered by callback_http; everything else is a file. */
    s->mount_healthz.mountpoint = "/healthz";
    s->mount_healthz.mountpoint_len = (unsigned char)strlen("/healthz");
    s->mount_healthz.protocol = "http";
    s->mount_healthz.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_api.mountpoint = "/api";
    s->mount_api.mountpoint_len = (unsigned char)strlen("/api");
    s->mount_api.protocol = "http";
    s->mount_api.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_healthz.mount_next = &s->mount_api;
    s->mount_root.mount_next = &s->mount_healthz;
    s->mount_root.mountpoint = "/";
    s->mount_root.mountpoint_len = 1;
    s->mount_root.origin = s->web_root;
    s->mount_root.def = "index.html";
    s->mount_root.extra_mimetypes = &mime_mjs;
    s->mount_root.origin_protocol = LWSMPRO_FILE;

    lws_set_log_level(LLL_ERR | LLL_WARN | (gv_log_min_level <= GV_LOG_DEBUG ? LLL_NOTICE : 0),
                      lws_log_emit);

    memset(&info, 0, sizeof(info));
    /* EXPLICIT_VHOSTS: the vhost is created below, without a listener of its
     * own (see listen_open). VALIDATE_UTF8: text frames must be UTF-8
     * (RFC 6455), checked before they reach us. The security headers option
     * adds a strict CSP, nosniff and friends to every response. */
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    info.user = s;
    info.gid = -1;
    info.uid = -1;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        gv_log(GV_LOG_ERROR, "server", "cannot create the libwebsockets context");
        err = GV_EINTERNAL;
        goto fail;
    }

    info.vhost_name = "gavel";
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = srv_protocols;
    info.mounts = &s->mount_root;
    info.retry_and_idle_policy = &srv_retry;
    s->vhost = lws_create_vhost(s->ctx, &info);
    if (!s->vhost) {
        gv_log(GV_LOG_ERROR, "server", "cannot create the libwebsockets vhost");
        err = GV_EINTERNAL;
        goto fail;
    }

    fd = listen_open(opt->http_addr, opt->http_port);
    if (fd < 0) {
        err = fd;
        report_listen_failure(opt, err);
        goto fail;
    }
    desc.filefd = fd;
    s->listener =
        lws_adopt_descriptor_vhost(s->vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "gavel-listen", NULL);
    if (!s->listener) { /* lws closed fd */
        gv_log(GV_LOG_ERROR, "server", "cannot add the listening socket to the event loop");
        err = GV_EINTERNAL;
        goto fail;
    }

    err = srv_health_start(&s->health, opt->pg_url, opt->redis_url);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the health monitor: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_jobs_start(&s->jobs, opt->db_threads > 0 ? (unsigned)opt->db_threads : 2,
                         opt->pg_url, opt->redis_url, opt->queue_prefix, s->ctx);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the job threads: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_live_start(&s->live, opt->redis_url, s->ctx);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the live thread: %s", gv_strerror(err));
        goto fail;
    }
    gv_log(GV_LOG_INFO, "server", "listening on http://%s:%d/ (web root '%s')",
           opt->http_addr ? opt->http_addr : "localhost", opt->http_port, s->web_root);
    *out = s;
    return 0;
fail:
    srv_server_free(s);
    return err;
}

int srv_server_run(struct srv_server *s)
{
    int n = 0;

    while (!s->stop && n >= 0)
        n = lws_service(s->ctx, 0);
    if (n < 0) {
        gv_log(GV_LOG_ERROR, "server", "event loop failed");
        return GV_EINTERNAL;
    }
    gv_log(GV_LOG_INFO, "server", "stopping");
    return 0;
}

void srv_server_stop(struct srv_server *s)
{
    s->stop = 1;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

void srv_server_free(struct srv_server *s)
{
    if (!s)
        return;
    /* The threads first: they wake the context, which must still exist.
     * Then the connections, whose CLOSED callbacks still run on this thread
     * and free what they own (jobs waiting for their turn). */
    srv_jobs_stop(s->jobs);
    s->jobs = NULL;
    srv_live_stop(s->live);
    s->live = NULL;
    if (s->ctx)
        lws_context_destroy(s->ctx);
    srv_health_stop(s->health);
    gv_free(s->web_root);
    gv_free(s->version);
    gv_free(s->allowed_origins);
    gv_free(s->rate_prefix);
    gv_free(s->buckets);
    gv_free(s->topics);
    gv_free(s);
}
