/* SPDX-License-Identifier: MIT
 * srv_proto.c - the requests' work, on job threads (see srv_proto.h): the
 * dispatcher (run), what every request file uses (failing a job, setting
 * its data, who the caller is), accounts and the session's own requests
 * (hello, register, login, logout, resume), and the outcome's encoding.
 * The other requests live by family in srv_proto_problems.c,
 * srv_proto_contest.c and srv_proto_rejudge.c (srv_proto_internal.h). */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cst_event.h"
#include "db.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_cache.h"
#include "srv_live.h"
#include "banned.h"

void srv__fail(struct srv_req_job *job, const char *code, const char *fmt, ...)
{
    va_list ap;

    job->err_code = code;
    va_start(ap, fmt);
    vsnprintf(job->err_message, sizeof(job->err_message), fmt, ap);
    va_end(ap);
}

void srv__tell_servers(struct srv_req_job *job, struct srv_job_env *env, enum cst_event_type type,
                       int64_t id)
{
    struct db_redis *r = srv_jobs_redis(env);
    int err;

    if (type == CST_EVENT_SESSION_ENDED)
        srv_cache_session_drop_user(job->cfg->cache, id);
    else
        srv_cache_contest_touch(job->cfg->cache, id);
    err = r ? db_event_tell_servers(r, type, id) : GV_EUNAVAIL;
    if (err < 0)
        gv_log(GV_LOG_WARN, "srv", "%s %" PRId64 " not told to the other servers: %s",
               cst_event_info(type)->name, id, gv_strerror(err));
}

void srv__fail_store(struct srv_req_job *job, struct srv_job_env *env, int err, int redis,
                     const char *what)
{
    srv_jobs_lost(env, err, redis);
    if (err == GV_EUNAVAIL)
        srv__fail(job, SRV_ERR_UNAVAILABLE, "%s is unavailable; retry shortly",
                  redis ? "redis" : "the database");
    else
        srv__fail(job, SRV_ERR_INTERNAL, "%s failed: %s", what, gv_strerror(err));
    if (err != GV_EUNAVAIL)
        gv_log(GV_LOG_WARN, "proto", "%s failed: %s", what, gv_strerror(err));
}

/* argon2id makes a guess cost a job thread about 0.1 s (more on a loaded
 * host), which still lets many connections try 10^5 passwords an hour on
 * one name. A fixed-window counter per name (any case) in Redis, shared by
 * the servers, of *failed* attempts: cfg->login_rate in 10 minutes
 * (GAVEL_LOGIN_RATE), checked before the password is, and a success
 * clears it. Only failures count, so the right password never trips it,
 * however many requests carry it at once (CLICS clients send basic auth
 * with every request, feed readers by the thousand). The price is that a
 * guesser can keep one name locked out for as long as it keeps guessing.
 * Without Redis the attempt goes through: logging in needs only
 * PostgreSQL (docs/PROTOCOL.md). */
#define LOGIN_RATE_WINDOW_MS (10 * 60 * 1000)

static bool login_key(char *key, size_t cap, const struct srv_req_job *job, const char *username)
{
    int n = snprintf(key, cap, "%s:login:", job->cfg->rate_prefix);
    size_t i = n > 0 ? (size_t)n : 0, j;

    if (n < 0 || (size_t)n >= cap)
        return false;
    for (j = 0; username[j] && j < 64 && i + 1 < cap; j++, i++)
        key[i] = username[j] >= 'A' && username[j] <= 'Z' ? (char)(username[j] - 'A' + 'a')
                                                            : username[j];
    key[i] = '\0';
    return true;
}

bool srv__login_throttle(struct srv_req_job *job, struct srv_job_env *env, const char *username)
{
    struct db_redis *r = srv_jobs_redis(env);
    char key[256];
    int64_t count = 0, ttl = 0;
    int err;

    if (!r || !login_key(key, sizeof(key), job, username))
        return true;
    err = db_rate_peek(&count, &ttl, r, key);
    if (err < 0) {
        srv_jobs_lost(env, err, 1);
        return true;
    }
    job->login_failures = count;
    if (count >= job->cfg->login_rate) {
        job->retry_after_ms = ttl > 0 ? ttl : LOGIN_RATE_WINDOW_MS;
        srv__fail(job, SRV_ERR_RATE_LIMITED,
                  "too many failed logins for this name; retry in %" PRId64 " s",
                  (job->retry_after_ms + 999) / 1000);
        return false;
    }
    return true;
}

void srv__login_done(struct srv_req_job *job, struct srv_job_env *env, const char *username,
                     int err)
{
    struct db_redis *r;
    char key[256];
    int64_t count, ttl;
    int e = 0;

    /* A success with nothing counted, or an error that is no wrong
     * password (the database is down), changes nothing. */
    if ((err == 0 && job->login_failures <= 0) || (err < 0 && err != GV_EINVAL) ||
        !(r = srv_jobs_redis(env)) || !login_key(key, sizeof(key), job, username))
        return;
    if (err == 0)
        e = db_redis_command(r, 2, (const char *[]){"DEL", key});
    else
        e = db_rate_hit(&count, &ttl, r, key, LOGIN_RATE_WINDOW_MS);
    if (e < 0)
        srv_jobs_lost(env, e, 1);
}

bool srv__privileged(const struct db_user_info *u)
{
    return u->id > 0 && (!strcmp(u->role, "organizer") || !strcmp(u->role, "admin"));
}

void srv__publish_logged(struct srv_req_job *job, struct srv_job_env *env, struct cst_event *ev,
                         const char *id_key, int64_t id)
{
    char stream_id[DB_STREAM_ID_MAX] = "";
    struct db_redis *r = srv_jobs_redis(env);
    int err = r ? db_event_publish(stream_id, r, ev) : GV_EUNAVAIL;
    cJSON *o;

    if (err < 0) {
        gv_log(GV_LOG_WARN, "proto", "%s %" PRId64 " not pushed: %s",
               cst_event_info(ev->type)->name, ev->seq, gv_strerror(err));
        if (err == GV_EUNAVAIL)
            srv_jobs_lost(env, err, 1);
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, id_key, (double)id) ||
              !(stream_id[0] ? cJSON_AddStringToObject(o, "event_id", stream_id)
                             : cJSON_AddNullToObject(o, "event_id")))) {
        cJSON_Delete(o);
        o = NULL;
    }
    cst_event_release(ev);
    srv__set_data(job, o);
}

struct db_viewer srv__viewer_of(const struct db_user_info *u)
{
    struct db_viewer v = {.user_id = u->id, .privileged = srv__privileged(u)};

    return v;
}

cJSON *srv_proto_user_json(const struct db_user_info *u)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddNumberToObject(o, "id", (double)u->id) ||
        !cJSON_AddStringToObject(o, "username", u->username) ||
        !cJSON_AddStringToObject(o, "display_name", u->display_name) ||
        !cJSON_AddStringToObject(o, "role", u->role) ||
        !cJSON_AddStringToObject(o, "tier", u->tier)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

void srv__set_data(struct srv_req_job *job, cJSON *obj)
{
    if (obj)
        job->data = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!job->data)
        srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
}

/* {user, token, expires_at} after a login or registration, which also
 * logs this connection in. */
static void logged_in(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                      const struct db_user_info *u)
{
    cJSON *o;
    int err = db_session_create(job->new_token, &job->new_expires_at_ms, pg, u->id);

    if (err < 0) {
        srv__fail_store(job, env, err, 0, "creating a session");
        return;
    }
    job->new_user = *u;
    job->set_user = true;
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddItemToObject(o, "user", srv_proto_user_json(u)) ||
              !cJSON_AddStringToObject(o, "token", job->new_token) ||
              !cJSON_AddNumberToObject(o, "expires_at", (double)job->new_expires_at_ms))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

/* The user of `token`: from the session cache, or PostgreSQL (then kept). */
static int session_lookup(struct db_user_info *u, const struct srv_req_job *job, struct db_pg *pg,
                          const char *token)
{
    int64_t now = gv_time_mono_ms();
    int err;

    if (srv_cache_session_get(job->cfg->cache, token, now, u))
        return 0;
    err = db_session_lookup(u, pg, token);
    if (err == 0)
        srv_cache_session_put(job->cfg->cache, token, u, now);
    return err;
}

/* hello's reply: the server and `u` (id 0: nobody). */
static void hello_reply(struct srv_req_job *job, const struct db_user_info *u)
{
    cJSON *o = cJSON_CreateObject(), *server = cJSON_CreateObject();

    /* The pid tells apart the processes that share a port (tests, and
     * people reading a client's logs). */
    if (!o || !server || !cJSON_AddStringToObject(server, "version", job->cfg->version) ||
        !cJSON_AddNumberToObject(server, "pid", (double)getpid()) ||
        !cJSON_AddItemToObject(o, "server", server) ||
        !cJSON_AddItemToObject(o, "user", u->id ? srv_proto_user_json(u) : cJSON_CreateNull())) {
        if (!cJSON_GetObjectItemCaseSensitive(o, "server"))
            cJSON_Delete(server);
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

static void hello_as(struct srv_req_job *job, const struct db_user_info *u)
{
    job->set_user = true;
    job->new_user = *u;
    snprintf(job->new_token, sizeof(job->new_token), "%s", job->req.p.token);
    hello_reply(job, u);
}

bool srv_proto_hello_cached(struct srv_req_job *job)
{
    struct db_user_info u;

    if (job->req.type != SRV_REQ_HELLO || !job->req.p.token ||
        !srv_cache_session_get(job->cfg->cache, job->req.p.token, gv_time_mono_ms(), &u))
        return false;
    hello_as(job, &u);
    return true;
}

static void do_hello(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_user_info u = job->user;
    int err;

    if (!job->req.p.token) {
        hello_reply(job, &u);
        return;
    }
    err = session_lookup(&u, job, pg, job->req.p.token);
    if (err == GV_ENOTFOUND) {
        memset(&u, 0, sizeof(u));
        job->clear_user = true;
        hello_reply(job, &u);
    } else if (err < 0) {
        srv__fail_store(job, env, err, 0, "session lookup");
    } else {
        hello_as(job, &u);
    }
}

static void do_register(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_user_info u;
    int64_t id;
    int err;

    err = db_user_create(&id, pg, p->username, p->display_name ? p->display_name : p->username,
                         p->password, "contestant", "free");
    if (err == GV_EEXIST) {
        srv__fail(job, SRV_ERR_CONFLICT, "the username '%s' is taken", p->username);
        return;
    }
    if (err == GV_EDB && !strcmp(db_pg_last_sqlstate(pg), "23514")) {
        srv__fail(job, SRV_ERR_INVALID, "\"display_name\" is not acceptable");
        return;
    }
    if (err == 0)
        err = db_user_get(&u, pg, id);
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "registration");
        return;
    }
    logged_in(job, env, pg, &u);
}

static void do_login(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_user_info u;
    int err;

    if (!srv__login_throttle(job, env, job->req.p.username))
        return;
    err = db_login(&u, pg, job->req.p.username, job->req.p.password);
    srv__login_done(job, env, job->req.p.username, err);
    if (err == GV_EINVAL) {
        /* One message for both cases: no hint which names exist. */
        srv__fail(job, SRV_ERR_UNAUTHENTICATED, "wrong username or password");
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "login");
        return;
    }
    logged_in(job, env, pg, &u);
}

static void do_logout(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int err;

    err = job->token[0] ? db_session_delete(pg, job->token) : 0;
    /* Every server drops the user's cached tokens (the event carries no
     * token; the user's other sessions are read again). A hello that read
     * the row just before the DELETE may cache it again: the TTL bounds
     * that, as it bounds a lost event. */
    if (job->token[0]) {
        srv_cache_session_drop_token(job->cfg->cache, job->token);
        if (err == 0 && job->user.id > 0)
            srv__tell_servers(job, env, CST_EVENT_SESSION_ENDED, job->user.id);
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "logout");
        return;
    }
    job->clear_user = true;
    job->data = gv_strdup("{}");
    if (!job->data)
        srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
}

static void do_resume(struct srv_req_job *job, struct srv_job_env *env)
{
    struct db_redis *r = srv_jobs_redis(env);
    struct srv_live_event *list = NULL;
    unsigned n = 0;
    char buf[64];
    int err;

    if (!r) {
        srv__fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return;
    }
    err = srv_live_replay(r, job->req.p.last_event_id, &job->filter, &list);
    if (err == GV_ENOTFOUND) {
        job->data = gv_strdup("{\"resync\":true}");
        if (!job->data)
            srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
        return;
    }
    if (err == GV_EINVAL) {
        srv__fail(job, SRV_ERR_INVALID,
                  "\"last_event_id\" must be an event id like \"1764100000000-3\"");
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 1, "resume");
        return;
    }
    for (const struct srv_live_event *e = list; e; e = e->next)
        n++;
    if (n > SRV_SUBS_PENDING_MAX) {
        /* More than a connection may have pending: it would get a resync
         * after the reply anyway. */
        srv_live_event_free_list(list);
        job->data = gv_strdup("{\"resync\":true}");
        if (!job->data)
            srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
        return;
    }
    job->replay = list;
    snprintf(buf, sizeof(buf), "{\"replayed\":%u}", n);
    job->data = gv_strdup(buf);
    if (!job->data)
        srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
}

static void run(struct srv_job *base, struct srv_job_env *env)
{
    struct srv_req_job *job = (struct srv_req_job *)base;
    enum srv_req_type t = job->req.type;
    struct db_pg *pg;
    int err;

    job->retry_after_ms = -1;
    job->login_failures = 0;
    if (t == SRV_REQ_RESUME) {
        do_resume(job, env);
        return;
    }
    if (t == SRV_REQ_UNSUBSCRIBE) {
        /* Nothing to read: the session drops the subscription when this
         * reply comes back, in order with the requests before it (a
         * subscribe still running is undone, not raced). */
        job->data = gv_strdup("{}");
        if (!job->data)
            srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
        return;
    }
    pg = srv_jobs_pg(env);
    if (!pg) {
        srv__fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return;
    }
    /* A cookie's token is checked here, on the first request that needs a
     * store, rather than at the upgrade: the loop never waits for it, and
     * requests stay in order. So is a token whose user logged out or
     * changed role anywhere since (session.ended). */
    if (job->token_unchecked && job->token[0]) {
        struct db_user_info u;

        err = session_lookup(&u, job, pg, job->token);
        if (err == 0) {
            job->user = u;
            job->role_fresh = true;
            job->new_user = u;
            snprintf(job->new_token, sizeof(job->new_token), "%s", job->token);
            job->set_user = true;
        } else if (err == GV_ENOTFOUND) {
            /* Logged out (here or on another server: sessions_recheck). */
            memset(&job->user, 0, sizeof(job->user));
            job->token[0] = '\0';
            job->clear_user = true;
        } else {
            srv__fail_store(job, env, err, 0, "session lookup");
            return;
        }
    }
    if (srv_request_needs_user(&job->req) && !job->user.id) {
        srv__fail(job, SRV_ERR_UNAUTHENTICATED, "log in first (hello with a token, or login)");
        return;
    }
    /* The jury's rights follow PostgreSQL, not the login: an organizer whom
     * an admin demoted loses the jury's views and requests at once, on
     * connections already open too. Only the privileged pay this read; a
     * contestant promoted meanwhile keeps less until the next login (the
     * organizer gate re-reads for its own requests). */
    if (job->user.id && srv__privileged(&job->user) && t != SRV_REQ_HELLO &&
        t != SRV_REQ_LOGIN && t != SRV_REQ_REGISTER && t != SRV_REQ_LOGOUT &&
        srv__user_refresh(job, env, pg) < 0)
        return;
    /* No default: -Wswitch names a request type that srv_codec.h gained
     * and this switch did not. */
    switch (t) {
    case SRV_REQ_HELLO:
        do_hello(job, env, pg);
        break;
    case SRV_REQ_REGISTER:
        do_register(job, env, pg);
        break;
    case SRV_REQ_LOGIN:
        do_login(job, env, pg);
        break;
    case SRV_REQ_LOGOUT:
        do_logout(job, env, pg);
        break;
    case SRV_REQ_PROBLEMS_LIST:
        srv__req_problems_list(job, env, pg);
        break;
    case SRV_REQ_PROBLEM_GET:
        srv__req_problem_get(job, env, pg);
        break;
    case SRV_REQ_PROBLEM_LIKE:
        srv__req_problem_like(job, env, pg);
        break;
    case SRV_REQ_SUBMIT:
        srv__req_submit(job, env, pg);
        break;
    case SRV_REQ_SUBMISSIONS_MINE:
        srv__req_submissions_mine(job, env, pg);
        break;
    case SRV_REQ_SUBMISSION_GET:
        srv__req_submission_get(job, env, pg, false);
        break;
    case SRV_REQ_SUBSCRIBE:
        if (job->req.p.topic == SRV_TOPIC_SUBMISSION) {
            srv__req_submission_get(job, env, pg, true);
        } else if (job->req.p.topic == SRV_TOPIC_CONTEST) {
            srv__req_subscribe_contest(job, env, pg);
        } else {
            /* The list's snapshot, then its phase changes as they come. */
            srv__req_contests_list(job, env, pg);
            job->subscribe_contests_list = true;
        }
        break;
    case SRV_REQ_CONTESTS_LIST:
        srv__req_contests_list(job, env, pg);
        break;
    case SRV_REQ_CONTEST_REGISTER:
        srv__req_contest_register(job, env, pg);
        break;
    case SRV_REQ_CONTEST_SCOREBOARD:
        srv__req_contest_scoreboard(job, env, pg);
        break;
    case SRV_REQ_CONTEST_BOARD_WINDOW:
        srv__req_contest_board_window(job, env, pg);
        break;
    case SRV_REQ_CLAR_ASK:
        srv__req_clar_ask(job, env, pg);
        break;
    case SRV_REQ_CLAR_ANSWER:
        srv__req_clar_answer(job, env, pg);
        break;
    case SRV_REQ_CLAR_BROADCAST:
        srv__req_clar_broadcast(job, env, pg);
        break;
    case SRV_REQ_CLAR_LIST:
        srv__req_clar_list(job, env, pg);
        break;
    case SRV_REQ_CONTEST_ANNOUNCE:
        srv__req_contest_announce(job, env, pg);
        break;
    case SRV_REQ_CONTEST_CREATE: case SRV_REQ_CONTEST_UPDATE: case SRV_REQ_CONTEST_DEFINITION:
    case SRV_REQ_CONTEST_UNFREEZE: case SRV_REQ_USER_SET: case SRV_REQ_USERS_LIST:
    case SRV_REQ_OPS_STATUS: case SRV_REQ_PLAG_REPORT: case SRV_REQ_PLAG_REVIEW:
        srv__req_org(job, env, pg);
        break;
    case SRV_REQ_REJUDGE:
        srv__req_rejudge(job, env, pg);
        break;
    case SRV_REQ_REJUDGE_REPORT:
        srv__req_rejudge_report(job, env, pg);
        break;
    case SRV_REQ_REJUDGES_LIST:
        srv__req_rejudges_list(job, env, pg);
        break;
    case SRV_REQ_CONTEST_REVEAL:
        srv__req_contest_reveal(job, env, pg);
        break;
    case SRV_REQ_CLICS_GET:
        srv__req_clics(job, env, pg);
        break;
    case SRV_REQ_RESUME:
    case SRV_REQ_UNSUBSCRIBE:
    case SRV_REQ_PING:
    case SRV_REQ_NONE:
        srv__fail(job, SRV_ERR_INTERNAL, "request type %d is not a job", (int)t);
        break;
    }
}

static void job_free(struct srv_job *base)
{
    struct srv_req_job *job = (struct srv_req_job *)base;

    srv_request_release(&job->req);
    srv_subs_release(&job->filter);
    srv_live_event_free_list(job->replay);
    gv_free(job->feed_creds);
    gv_free(job->data);
    gv_free(job);
}

struct srv_req_job *srv_proto_job_new(const struct srv_proto_cfg *cfg)
{
    struct srv_req_job *job = gv_calloc(1, sizeof(*job));

    if (!job)
        return NULL;
    job->base.run = run;
    job->base.free = job_free;
    job->cfg = cfg;
    job->retry_after_ms = -1;
    srv_subs_init(&job->filter);
    return job;
}

int srv_proto_reply(const struct srv_req_job *job, char **out, size_t *len)
{
    if (job->err_code)
        return srv_codec_error_retry(out, len, job->req.id, job->err_code, job->err_message,
                                     job->retry_after_ms);
    return srv_codec_ok(out, len, job->req.id, job->data);
}

static int http_status_of(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {SRV_ERR_INVALID, 400},         {SRV_ERR_BAD_REQUEST, 400}, {SRV_ERR_UNAUTHENTICATED, 401},
        {SRV_ERR_FORBIDDEN, 403},       {SRV_ERR_NOT_FOUND, 404},   {SRV_ERR_CONFLICT, 409},
        {SRV_ERR_TOO_LARGE, 413},       {SRV_ERR_RATE_LIMITED, 429}, {SRV_ERR_UNAVAILABLE, 503},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].code, code))
            return map[i].status;
    return 500;
}

int srv_proto_http(const struct srv_req_job *job, int *status, char **body, size_t *len)
{
    if (!job->err_code) {
        *status = 200;
        *len = job->data && job->data_len ? job->data_len : strlen(job->data ? job->data : "{}");
        *body = gv_malloc(*len + 1);
        if (!*body)
            return -ENOMEM;
        memcpy(*body, job->data ? job->data : "{}", *len);
        (*body)[*len] = '\0';
        return 0;
    }
    *status = http_status_of(job->err_code);
    return srv_codec_http_error(body, len, job->err_code, job->err_message, job->retry_after_ms);
}
