/* SPDX-License-Identifier: MIT
 * srv_http.c - the "http" protocol: /healthz, /metrics and the JSON API
 * under /api/.
 *
 * Protocol 0 of the vhost. lws itself serves the "/" file mount through
 * lws_callback_http_dummy; we answer the "/healthz", "/metrics" and "/api"
 * callback mounts; and we refuse every WebSocket upgrade that lands here, which is
 * what lws does with an upgrade that names no subprotocol.
 *
 * An API call becomes the same request, and the same job, as the WebSocket
 * message it mirrors (docs/PROTOCOL.md, "HTTP JSON API"): the route and the
 * query or body are turned into a message, decoded by srv_codec and run on a
 * job thread; srv_proto_http() turns the outcome into a status and a body.
 * While its job runs the connection is in the registry, so the finished job
 * finds it again (srv__http_done) or, when it closed meanwhile, is dropped.
 * A reply goes out from HTTP_WRITEABLE, headers first, as lws wants for
 * HTTP/1.1. */
#include "srv_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_session.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_log.h"
#include "srv_codec.h"
#include "srv_health.h"
#include "srv_jobs.h"
#include "srv_metrics.h"
#include "banned.h"

#define HTTP_BODY_MAX (64 * 1024)

/* Per HTTP connection (lws zeroes it). */
struct http_pss {
    struct srv__conn c;     /* registered while an API job runs */
    unsigned char *body;    /* LWS_PRE headroom + body, gv_malloc'd; NULL when none */
    size_t body_len;
    struct gv_buf req_body; /* an API POST's body as it arrives */
    char api[32];           /* the API route being served, "" when none */
    int status;             /* the API reply's status, 0 until the job is done */
    char cookie[DB_TOKEN_HEX_LEN + 96]; /* Set-Cookie value, "" when none */
    const char *content_type; /* the reply's; NULL: application/json */
    bool www_auth;            /* a 401 of the CLICS API: ask for credentials */
    bool bearer;              /* ... and the request sent a bearer token */
    bool secure;              /* the page that asked is https: a Secure cookie */
    bool headers_sent;
    bool feed_stream;         /* the request is a CLICS event feed to stream */
    struct srv__feed *feed;   /* it is being streamed (srv_feed.c) */
};

/* Keeps a copy of `len` bytes of `text` as the body to write, behind the
 * LWS_PRE bytes lws writes its framing into. -ENOMEM: no body. */
static int http_keep_body(struct http_pss *pss, const char *text, size_t len)
{
    pss->body = gv_malloc(LWS_PRE + len);
    if (!pss->body)
        return -ENOMEM;
    memcpy(pss->body + LWS_PRE, text, len);
    pss->body_len = len;
    return 0;
}

bool srv__cookie_token(struct lws *wsi, char token[DB_TOKEN_HEX_LEN + 1])
{
    char cookie[DB_TOKEN_HEX_LEN + 8];
    size_t clen = sizeof(cookie);

    if (lws_http_cookie_get(wsi, SRV__COOKIE_NAME, cookie, &clen) != 0 || clen != DB_TOKEN_HEX_LEN)
        return false;
    snprintf(token, DB_TOKEN_HEX_LEN + 1, "%.64s", cookie);
    return true;
}

/* --- /healthz and /metrics -------------------------------------------------- */

/* Both mounts match their path and anything under it; only the exact path
 * (or with a trailing slash) exists, and only for GET. Returns 1 when the
 * request was answered here with an error status. */
static int not_found_page(struct lws *wsi, struct http_pss *pss);

static int ops_refuse(struct lws *wsi, struct http_pss *pss, const char *rest, int *ret)
{
    if (rest && *rest && strcmp(rest, "/")) {
        *ret = not_found_page(wsi, pss);
        return 1;
    }
    if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
        lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "use GET");
        *ret = lws_http_transaction_completed(wsi) ? -1 : 0;
        return 1;
    }
    return 0;
}

/* Sends the headers of a reply whose body `text` (gv_malloc'd, taken) goes
 * out from HTTP_WRITEABLE; `err` < 0 (no text) is a 500. */
static int ops_reply(struct lws *wsi, struct http_pss *pss, int err, char *text, size_t len,
                     unsigned status, const char *content_type)
{
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char no_store[] = "no-store";

    if (err == 0)
        err = http_keep_body(pss, text, len);
    gv_free(text);
    if (err < 0) {
        lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
        return -1;
    }

    if (lws_add_http_common_headers(wsi, status, content_type, len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)no_store, sizeof(no_store) - 1, &p,
                                     end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* The body goes out from HTTP_WRITEABLE, as lws wants for HTTP/1.1. */
    lws_callback_on_writable(wsi);
    return 0;
}

/* A path with no file, and no route: the web client's own page
 * (web-client/404.html) with a real 404 status, so that crawlers, link
 * checkers and curl -f see the truth while a person sees our page and its
 * links. Read per request: 404s are rare and the page stays editable; a
 * plain text body when the page itself is missing or too large. */
static int not_found_page(struct lws *wsi, struct http_pss *pss)
{
    static const char fallback[] = "not found\n";
    struct srv_server *s = srv__server_of(wsi);
    struct gv_buf page;
    char path[4096], chunk[4096];
    const char *type = "text/html";
    char *text = NULL;
    size_t len = 0, n;
    FILE *f;

    gv_buf_init(&page, 64 * 1024);
    if ((size_t)snprintf(path, sizeof(path), "%s/404.html", s->web_root) < sizeof(path) &&
        (f = fopen(path, "rb")) != NULL) {
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            if (gv_buf_append(&page, chunk, n) < 0)
                break;
        if (ferror(f) || !feof(f))
            gv_buf_reset(&page);
        fclose(f);
    }
    text = gv_buf_detach(&page, &len);
    if (!text || !len) {
        gv_free(text);
        text = gv_strdup(fallback);
        len = sizeof(fallback) - 1;
        type = "text/plain";
    }
    return ops_reply(wsi, pss, text ? 0 : -ENOMEM, text, len, HTTP_STATUS_NOT_FOUND, type);
}

static int healthz_begin(struct lws *wsi, struct http_pss *pss, const char *rest)
{
    struct srv_server *s = srv__server_of(wsi);
    struct srv_health_state st;
    char *json = NULL;
    size_t len = 0;
    bool ok = false;
    int err, ret;

    if (ops_refuse(wsi, pss, rest, &ret))
        return ret;
    srv_health_get(s->health, &st);
    err = srv_health_to_json(&json, &len, &ok, &st, s->version);
    return ops_reply(wsi, pss, err, json, len,
                     ok ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE, "application/json");
}

/* Like /healthz, unauthenticated: it tells how busy the server is, not who
 * uses it, and an operator keeps it from the public at the proxy
 * (docs/ARCHITECTURE.md, "Operations"). */
static int metrics_begin(struct lws *wsi, struct http_pss *pss, const char *rest)
{
    struct srv_server *s = srv__server_of(wsi);
    struct srv_metrics_now now = {0};
    struct srv_health_state st;
    char *text = NULL;
    size_t len = 0;
    int err, ret;

    if (ops_refuse(wsi, pss, rest, &ret))
        return ret;
    srv_health_get(s->health, &st);
    now.pg_up = st.pg.up;
    now.redis_up = st.redis.up;
    now.jobs_queued = s->jobs ? srv_jobs_queued(s->jobs) : 0;
    err = srv_metrics_text(&text, &len, &now);
    return ops_reply(wsi, pss, err, text, len, HTTP_STATUS_OK, GV_METRICS_CONTENT_TYPE);
}

static int ops_write(struct lws *wsi, struct http_pss *pss)
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

/* --- The JSON API ---------------------------------------------------------- */

static int api_submit(struct lws *wsi, struct http_pss *pss, const char *type, cJSON *args);

/* An error answered without a job (no such route, wrong method, a body too
 * large), with the same body as a failed job's: {"code":..,"message":..}. */
static int api_respond_typed(struct lws *wsi, struct http_pss *pss, enum srv_req_type type,
                             int status, const char *code, const char *message)
{
    char *text = NULL;
    size_t len;
    int err;

    srv_metrics_request(type, code);
    err = srv_codec_http_error(&text, &len, code, message, -1);
    if (err == 0)
        err = http_keep_body(pss, text, len);
    gv_free(text);
    if (err < 0)
        return -1;
    pss->status = status;
    lws_callback_on_writable(wsi);
    return 0;
}

/* Not a request of a known type (no such route, wrong method, a body that
 * is not JSON): counted as type "unknown". */
static int api_respond_now(struct lws *wsi, struct http_pss *pss, int status, const char *code,
                           const char *message)
{
    return api_respond_typed(wsi, pss, SRV_REQ_NONE, status, code, message);
}

/* The outcome of `job` (or of its request, when that did not decode) as the
 * reply to write next. Out of memory leaves no body: the write then closes
 * the connection. */
static void api_reply(struct lws *wsi, struct http_pss *pss, const struct srv_req_job *job)
{
    char *body = NULL;
    size_t len = 0;
    int status = 500;

    if (srv_proto_http(job, &status, &body, &len) < 0) {
        status = 500;
        body = gv_strdup("{\"code\":\"internal\",\"message\":\"out of memory\"}");
        len = body ? strlen(body) : 0;
    }
    if (!job->err_code && job->set_user && job->new_token[0] &&
        (job->req.type == SRV_REQ_LOGIN || job->req.type == SRV_REQ_REGISTER))
        snprintf(pss->cookie, sizeof(pss->cookie),
                 SRV__COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
                 job->new_token, DB_SESSION_TTL_S, pss->secure ? "; Secure" : "");
    else if (!job->err_code && job->req.type == SRV_REQ_LOGOUT)
        snprintf(pss->cookie, sizeof(pss->cookie),
                 SRV__COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
                 pss->secure ? "; Secure" : "");
    if (!body || http_keep_body(pss, body, len) < 0)
        pss->body = NULL;
    gv_free(body);
    pss->content_type = status == 200 ? job->content_type : NULL;
    pss->www_auth = status == 401 && job->req.type == SRV_REQ_CLICS_GET;
    pss->status = status;
    lws_callback_on_writable(wsi);
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

/* GET /api/clics/...: the CLICS Contest API (srv_proto_clics.c) as one
 * request, clics.get, whose "path" is the rest of the route. A bearer
 * token or HTTP basic auth's credentials, when sent, go with it to be
 * checked on the job thread; a header that is neither is a 401 now. */
static int api_clics(struct lws *wsi, struct http_pss *pss, const char *rest, bool post)
{
    char auth[512], plain[384], since[64], *colon;
    const char *val;
    cJSON *args;
    int n;

    pss->bearer = false;
    if (post)
        return api_respond_now(wsi, pss, 405, "invalid", "use GET");
    args = cJSON_CreateObject();
    if (!args || !cJSON_AddStringToObject(args, "path", *rest ? rest : "/"))
        goto oom;
    val = lws_get_urlarg_by_name(wsi, "since_token=", since, (int)sizeof(since));
    if (val && !cJSON_AddStringToObject(args, "since_token", val))
        goto oom;
    n = (int)strlen(rest);
    if (n >= 11 && !strcmp(rest + n - 11, "/event-feed")) {
        /* Streamed unless ?stream=false (the spec's parameter). */
        val = lws_get_urlarg_by_name(wsi, "stream=", since, (int)sizeof(since));
        pss->feed_stream = !val || strcmp(val, "false");
        if (pss->feed_stream && srv__feed_full(srv__server_of(wsi))) {
            cJSON_Delete(args);
            return api_respond_now(wsi, pss, 503, "unavailable",
                                   "this server streams as many event feeds as it may");
        }
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        n = lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);
        if (n > 7 && !strncasecmp(auth, "Bearer ", 7) && auth[7] != ' ') {
            /* Checked on the job thread (db_token_check), as a password is. */
            if (!cJSON_AddStringToObject(args, "api_token", auth + 7))
                goto oom;
            pss->bearer = true;
            return api_submit(wsi, pss, "clics.get", args);
        }
        if (n <= 6 || strncasecmp(auth, "Basic ", 6) ||
            (n = lws_b64_decode_string(auth + 6, plain, (int)sizeof(plain))) <= 0 ||
            (size_t)n != strlen(plain) || !(colon = strchr(plain, ':')) || colon == plain) {
            cJSON_Delete(args);
            pss->www_auth = true;
            pss->bearer = n >= 6 && !strncasecmp(auth, "Bearer", 6);
            return api_respond_typed(wsi, pss, SRV_REQ_CLICS_GET, 401, SRV_ERR_UNAUTHENTICATED,
                                     "use \"Authorization: Bearer <API token>\" (gavel token "
                                     "create) or HTTP basic auth with a Gavel username and "
                                     "password");
        }
        *colon = '\0';
        if (!cJSON_AddStringToObject(args, "username", plain) ||
            !cJSON_AddStringToObject(args, "password", colon + 1))
            goto oom;
    }
    return api_submit(wsi, pss, "clics.get", args);
oom:
    cJSON_Delete(args);
    return -1;
}

static int api_begin(struct lws *wsi, struct http_pss *pss, const char *path)
{
    bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;

    if (!post && !lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return api_respond_now(wsi, pss, 405, "invalid", "use GET or POST");
    if (!strcmp(path, "/clics") || !strncmp(path, "/clics/", 7))
        return api_clics(wsi, pss, path + 6, post);
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
         * subscription (snapshots with a countdown are the WebSocket's);
         * /contests/<id>/definition for organizers (their cookie). */
        char *end = NULL;
        long long id = strtoll(path + 10, &end, 10);
        const char *type = !strcmp(end, "/scoreboard")   ? "contest.scoreboard"
                           : !strcmp(end, "/definition") ? "contest.definition"
                                                         : NULL;
        cJSON *args;

        if (path[10] < '1' || path[10] > '9' || id <= 0 || !type)
            return api_respond_now(wsi, pss, 404, "not_found", "no such API route");
        if (post)
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        args = cJSON_CreateObject();
        if (!args || !cJSON_AddNumberToObject(args, "contest", (double)id)) {
            cJSON_Delete(args);
            return -1;
        }
        return api_submit(wsi, pss, type, args);
    }
    if (!strcmp(path, "/ops") || !strcmp(path, "/ops/")) {
        cJSON *args = post ? NULL : cJSON_CreateObject();

        if (post)
            return api_respond_now(wsi, pss, 405, "invalid", "use GET");
        return args ? api_submit(wsi, pss, "ops.status", args) : -1;
    }
    if (!strcmp(path, "/register") || !strcmp(path, "/login") || !strcmp(path, "/logout")) {
        char origin[256];

        if (!post)
            return api_respond_now(wsi, pss, 405, "invalid", "use POST");
        /* Login CSRF: another site's form (text/plain that parses as JSON)
         * would log the visitor in as the attacker, its top-level
         * navigation setting even a SameSite=Strict cookie. Browsers send
         * Origin with every POST; it must be ours, as for the upgrade. */
        if (!srv__origin_ok(wsi))
            return api_respond_now(wsi, pss, 403, SRV_ERR_FORBIDDEN,
                                   "this request must come from the server's own pages");
        /* TLS ends at the proxy, so the page's Origin tells whether the
         * browser is on https: then the cookie is Secure and never goes
         * out over plain http (a typed address without HSTS, say). */
        pss->secure = lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) >= 8 &&
                      !strncmp(origin, "https://", 8);
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
    struct srv_server *s = srv__server_of(wsi);
    struct srv_req_job *job = NULL;
    char *text = NULL;
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
        /* Answered as a job that failed with the codec's error: the same
         * status for the same code (invalid 400, too_large 413, ...). */
        job->err_code = job->req.err_code;
        snprintf(job->err_message, sizeof(job->err_message), "%s", job->req.err_message);
        srv_metrics_request(SRV_REQ_NONE, job->err_code);
        api_reply(wsi, pss, job);
        job->base.free(&job->base);
        return 0;
    }
    if (err < 0)
        goto oom;
    job->http = true;
    job->feed = pss->feed_stream;
    job->token_unchecked = srv__cookie_token(wsi, job->token);
    srv__conn_add(&s->reg, &pss->c, wsi, SRV__CONN_HTTP);
    job->base.conn_id = pss->c.id;
    if (srv_jobs_submit(s->jobs, &job->base) < 0) {
        enum srv_req_type req_type = job->req.type;

        srv__conn_remove(&s->reg, &pss->c);
        job->base.free(&job->base);
        return api_respond_typed(wsi, pss, req_type, 503, SRV_ERR_UNAVAILABLE,
                                 "the server is overloaded");
    }
    return 0;
oom:
    cJSON_Delete(args);
    gv_free(text);
    if (job)
        job->base.free(&job->base);
    return -1;
}

void srv__http_done(struct srv__conn *c, struct srv_req_job *job)
{
    struct http_pss *pss = lws_container_of(c, struct http_pss, c);
    int err;

    srv__conn_remove(&srv__server_of(c->wsi)->reg, c);
    if (pss->feed_stream && job->feed && !job->err_code) {
        err = srv__feed_start(&pss->feed, c->wsi, job);
        if (err == 0)
            return;
        api_respond_now(c->wsi, pss, err == GV_EUNAVAIL ? 503 : 500,
                        err == GV_EUNAVAIL ? "unavailable" : "internal",
                        err == GV_EUNAVAIL ? "this server streams as many event feeds as it may"
                                           : "out of memory");
        return;
    }
    api_reply(c->wsi, pss, job);
}

static int api_write(struct lws *wsi, struct http_pss *pss)
{
    unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char no_store[] = "no-store", basic[] = "Basic realm=\"gavel\", charset=\"UTF-8\"",
                      bearer[] = "Bearer realm=\"gavel\"";
    /* A client that sent a bearer token is told about bearer tokens (RFC
     * 6750), one that sent a password or nothing about basic auth. */
    const char *challenge = pss->bearer ? bearer : basic;

    if (!pss->body)
        return -1;
    if (!pss->headers_sent) {
        if (lws_add_http_common_headers(wsi, (unsigned)pss->status,
                                        pss->content_type ? pss->content_type : "application/json",
                                        pss->body_len, &p, end) ||
            (pss->www_auth &&
             lws_add_http_header_by_name(
                 wsi, (const unsigned char *)"www-authenticate:", (const unsigned char *)challenge,
                 (int)strlen(challenge), &p, end)) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)no_store, sizeof(no_store) - 1, &p,
                                         end) ||
            (pss->cookie[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_SET_COOKIE,
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
    pss->content_type = NULL;
    pss->www_auth = false;
    pss->secure = false;
    pss->feed_stream = false;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct http_pss *pss = user;
    char uri[256] = "";
    int n;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* An upgrade bound to protocol 0: it named no subprotocol we speak. */
        gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade without subprotocol '%s'",
               SRV__WS_PROTOCOL);
        return 1;
    case LWS_CALLBACK_HTTP:
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
            lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_POST_URI);
        if (!strncmp(uri, "/api/", 5) || !strcmp(uri, "/api"))
            return api_begin(wsi, pss, uri + 4);
        if (!strncmp(uri, "/metrics", 8))
            return metrics_begin(wsi, pss, in);
        if (!strncmp(uri, "/healthz", 8))
            return healthz_begin(wsi, pss, in);
        /* lws found no file under the "/" mount and passed it on to us. */
        return not_found_page(wsi, pss);
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
        if (pss && pss->feed) {
            n = srv__feed_writable(pss->feed);
            if (n > 0) /* the feed lives on without lws */
                pss->feed = NULL;
            return n ? -1 : 0;
        }
        if (pss && pss->status)
            return api_write(wsi, pss);
        if (pss && pss->body)
            return ops_write(wsi, pss);
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            srv__feed_free(srv__server_of(wsi), pss->feed);
            pss->feed = NULL;
            srv__conn_remove(&srv__server_of(wsi)->reg, &pss->c);
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

const struct lws_protocols srv__http_protocol = {
    .name = "http",
    .callback = callback_http,
    .per_session_data_size = sizeof(struct http_pss),
};
