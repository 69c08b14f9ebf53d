/* SPDX-License-Identifier: MIT
 * srv_proto.c - the requests' work, on job threads (see srv_proto.h). */
#include "srv_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cst.h"
#include "db.h"
#include "db_catalog.h"
#include "db_contest.h"
#include "db_event.h"
#include "db_stream.h"
#include "db_queue.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_live.h"
#include "banned.h"

#define MINE_PAGE_SIZE 50
#define ANNOUNCEMENTS_IN_SNAPSHOT 20
#define RATE_WINDOW_MS 60000

__attribute__((format(printf, 3, 4))) static void fail(struct srv_req_job *job, const char *code,
                                                       const char *fmt, ...)
{
    va_list ap;

    job->err_code = code;
    va_start(ap, fmt);
    vsnprintf(job->err_message, sizeof(job->err_message), fmt, ap);
    va_end(ap);
}

/* A store call failed with `err`: `unavailable` when the store is gone
 * (and the connection is dropped for a fresh one), else `internal`. */
static void fail_store(struct srv_req_job *job, struct srv_job_env *env, int err, int redis,
                       const char *what)
{
    srv_jobs_lost(env, err, redis);
    if (err == GV_EUNAVAIL)
        fail(job, SRV_ERR_UNAVAILABLE, "%s is unavailable; retry shortly",
             redis ? "redis" : "the database");
    else
        fail(job, SRV_ERR_INTERNAL, "%s failed: %s", what, gv_strerror(err));
    if (err != GV_EUNAVAIL)
        gv_log(GV_LOG_WARN, "proto", "%s failed: %s", what, gv_strerror(err));
}

static bool privileged(const struct db_user_info *u)
{
    return u->id > 0 && (!strcmp(u->role, "organizer") || !strcmp(u->role, "admin"));
}

static struct db_viewer viewer_of(const struct db_user_info *u)
{
    struct db_viewer v = {.user_id = u->id, .privileged = privileged(u)};

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

/* Takes `obj` (deleted here) as the job's data. */
static void set_data(struct srv_req_job *job, cJSON *obj)
{
    if (obj)
        job->data = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!job->data)
        fail(job, SRV_ERR_INTERNAL, "out of memory");
}

/* {user, token, expires_at} after a login or registration, which also
 * logs this connection in. */
static void logged_in(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                      const struct db_user_info *u)
{
    cJSON *o;
    int err = db_session_create(job->new_token, &job->new_expires_at_ms, pg, u->id);

    if (err < 0) {
        fail_store(job, env, err, 0, "creating a session");
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
    set_data(job, o);
}

static void do_hello(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_user_info u = job->user;
    cJSON *o, *server;
    int err;

    if (p->token) {
        err = db_session_lookup(&u, pg, p->token);
        if (err == GV_ENOTFOUND) {
            memset(&u, 0, sizeof(u));
            job->clear_user = true;
        } else if (err < 0) {
            fail_store(job, env, err, 0, "session lookup");
            return;
        } else {
            job->set_user = true;
            job->new_user = u;
            snprintf(job->new_token, sizeof(job->new_token), "%s", p->token);
        }
    }
    o = cJSON_CreateObject();
    server = cJSON_CreateObject();
    /* The pid tells apart the processes that share a port (tests, and
     * people reading a client's logs). */
    if (!o || !server || !cJSON_AddStringToObject(server, "version", job->cfg->version) ||
        !cJSON_AddNumberToObject(server, "pid", (double)getpid()) ||
        !cJSON_AddItemToObject(o, "server", server) ||
        !cJSON_AddItemToObject(o, "user", u.id ? srv_proto_user_json(&u) : cJSON_CreateNull())) {
        if (!cJSON_GetObjectItemCaseSensitive(o, "server"))
            cJSON_Delete(server);
        cJSON_Delete(o);
        o = NULL;
    }
    set_data(job, o);
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
        fail(job, SRV_ERR_CONFLICT, "the username '%s' is taken", p->username);
        return;
    }
    if (err == GV_EDB && !strcmp(db_pg_last_sqlstate(pg), "23514")) {
        fail(job, SRV_ERR_INVALID, "\"display_name\" is not acceptable");
        return;
    }
    if (err == 0)
        err = db_user_get(&u, pg, id);
    if (err < 0) {
        fail_store(job, env, err, 0, "registration");
        return;
    }
    logged_in(job, env, pg, &u);
}

static void do_login(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_user_info u;
    int err = db_login(&u, pg, job->req.p.username, job->req.p.password);

    if (err == GV_EINVAL) {
        /* One message for both cases: no hint which names exist. */
        fail(job, SRV_ERR_UNAUTHENTICATED, "wrong username or password");
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "login");
        return;
    }
    logged_in(job, env, pg, &u);
}

static void do_logout(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int err = job->token[0] ? db_session_delete(pg, job->token) : 0;

    if (err < 0) {
        fail_store(job, env, err, 0, "logout");
        return;
    }
    job->clear_user = true;
    job->data = gv_strdup("{}");
    if (!job->data)
        fail(job, SRV_ERR_INTERNAL, "out of memory");
}

static void do_problems_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_viewer v = viewer_of(&job->user);
    struct db_problem_query q = {
        .difficulty_min = p->difficulty_min,
        .difficulty_max = p->difficulty_max,
        .sort = (enum db_problem_sort)p->sort,
        .desc = p->desc,
        .page = p->page,
        .page_size = p->page_size,
    };
    int err = db_catalog_problems(&job->data, pg, &v, &q, gv_time_real_ms());

    if (err < 0)
        fail_store(job, env, err, 0, "problem list");
}

static void do_problem_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_viewer v = viewer_of(&job->user);
    int err = db_catalog_problem(&job->data, pg, &v, job->req.p.slug, gv_time_real_ms());

    if (err == GV_ENOTFOUND)
        fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", job->req.p.slug);
    else if (err < 0)
        fail_store(job, env, err, 0, "problem");
}

static void do_problem_like(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_viewer v = viewer_of(&job->user);
    int64_t likes = 0;
    cJSON *o;
    int err = db_catalog_like(&likes, pg, &v, job->req.p.slug, job->req.p.like, gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", job->req.p.slug);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "like");
        return;
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "likes", (double)likes) ||
              !cJSON_AddBoolToObject(o, "liked", job->req.p.like))) {
        cJSON_Delete(o);
        o = NULL;
    }
    set_data(job, o);
}

/* The per-user submit counter: true when the submission may go ahead. */
static bool rate_ok(struct srv_req_job *job, struct srv_job_env *env)
{
    struct db_redis *r = srv_jobs_redis(env);
    int64_t limit = !strcmp(job->user.tier, "paid") ? job->cfg->rate_paid : job->cfg->rate_free;
    int64_t count = 0, ttl = 0;
    char key[160];
    int err;

    if (!r) {
        fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return false;
    }
    snprintf(key, sizeof(key), "%s:submit:%" PRId64, job->cfg->rate_prefix, job->user.id);
    err = db_rate_hit(&count, &ttl, r, key, RATE_WINDOW_MS);
    if (err < 0) {
        fail_store(job, env, err, 1, "rate limit");
        return false;
    }
    if (count > limit) {
        job->retry_after_ms = ttl > 0 ? ttl : RATE_WINDOW_MS;
        fail(job, SRV_ERR_RATE_LIMITED,
             "at most %" PRId64 " submissions a minute on the %s tier; retry in %" PRId64 " s",
             limit, job->user.tier, (job->retry_after_ms + 999) / 1000);
        return false;
    }
    return true;
}

/* A contest submission shows on the public board at once, as one more
 * pending attempt in its author's row; the verdict's row follows from the
 * judge. Best effort: the next snapshot has it anyway. */
static void publish_pending_row(struct srv_job_env *env, struct db_pg *pg, int64_t contest_id,
                                int64_t user_id)
{
    struct db_redis *r = srv_jobs_redis(env);
    int err = r ? db_contest_row_publish(pg, r, contest_id, user_id, gv_time_real_ms())
                : GV_EUNAVAIL;

    if (err < 0 && err != GV_ENOTFOUND) /* not on the board: an organizer, or hidden */
        gv_log(GV_LOG_WARN, "proto", "scoreboard row of user %" PRId64 " not pushed: %s", user_id,
               gv_strerror(err));
}

static void do_submit(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_viewer v = viewer_of(&job->user);
    struct db_new_submission in = {
        .user_id = job->user.id,
        .problem_slug = p->slug,
        .contest_id = p->contest_id,
        .language = p->language,
        .source = p->source,
        .source_len = p->source_len,
    };
    struct db_queue *q;
    int64_t id = 0;
    int prio = 0, err;
    cJSON *o;

    err = db_catalog_can_submit(pg, &v, p->slug, p->contest_id, gv_time_real_ms());
    if (err == GV_ENOTFOUND) {
        if (p->contest_id)
            fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
        else
            fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", p->slug);
        return;
    }
    if (err == GV_EINVAL) {
        fail(job, SRV_ERR_INVALID, "\"problem\" '%s' is not in contest %" PRId64, p->slug,
             p->contest_id);
        return;
    }
    if (err == -EACCES) {
        fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " is not running", p->contest_id);
        return;
    }
    if (err == -EPERM) {
        fail(job, SRV_ERR_FORBIDDEN,
             "register for contest %" PRId64 " first (contest.register)", p->contest_id);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "submit");
        return;
    }
    if (!rate_ok(job, env))
        return;
    err = db_submission_create(&id, &prio, pg, &in);
    if (err == GV_EINVAL) {
        fail(job, SRV_ERR_INVALID, "\"problem\" is not in that contest");
        return;
    }
    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", p->slug);
        return;
    }
    if (err == GV_ETOOBIG) {
        fail(job, SRV_ERR_TOO_LARGE, "\"source\" is empty or too large");
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "submit");
        return;
    }
    /* The row is durable: a lost push is re-queued by the judges' recovery
     * sweep, so the client gets its id either way. */
    q = srv_jobs_queue(env);
    err = q ? db_queue_push(NULL, q, id, prio, job->user.id) : GV_EUNAVAIL;
    if (err < 0) {
        gv_log(GV_LOG_WARN, "proto", "submission %" PRId64 " not queued (%s); recovery will",
               id, gv_strerror(err));
        srv_jobs_lost(env, err, 1);
    }
    if (p->contest_id)
        publish_pending_row(env, pg, p->contest_id, job->user.id);
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "submission_id", (double)id) ||
              !cJSON_AddStringToObject(o, "status", "queued"))) {
        cJSON_Delete(o);
        o = NULL;
    }
    set_data(job, o);
}

static void do_mine(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int err =
        db_catalog_my_submissions(&job->data, pg, job->user.id, job->req.p.page, MINE_PAGE_SIZE);

    if (err < 0)
        fail_store(job, env, err, 0, "submissions");
}

static void do_submission_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                              bool snapshot)
{
    struct db_viewer v = viewer_of(&job->user);
    int64_t id = job->req.p.submission_id;
    char *json = NULL;
    int err = db_catalog_submission(&json, pg, &v, id, !snapshot);

    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no submission %" PRId64, id);
        return;
    }
    if (err == -EACCES) {
        fail(job, SRV_ERR_FORBIDDEN, "submission %" PRId64 " is not yours", id);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "submission");
        return;
    }
    if (!snapshot) {
        job->data = json;
        return;
    }
    {
        cJSON *o = cJSON_CreateObject(), *raw = cJSON_CreateRaw(json);

        gv_free(json);
        if (!o || !raw || !cJSON_AddItemToObject(o, "snapshot", raw)) {
            cJSON_Delete(raw);
            cJSON_Delete(o);
            o = NULL;
        }
        job->subscribe_submission = id;
        set_data(job, o);
    }
}

/* Adds "raw" JSON text (taken: freed here) to `o` as `key`. */
static bool add_raw(cJSON *o, const char *key, char *raw)
{
    cJSON *item = raw ? cJSON_CreateRaw(raw) : NULL;

    gv_free(raw);
    if (!item || !cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* What a contest's subscriber needs besides its state: whether the caller
 * is registered, the board (the jury's for organizers) and the latest
 * announcements. On failure the job has failed, `o` is deleted and false
 * returned. */
static bool contest_extras(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                           cJSON *o, int64_t contest_id, int64_t now)
{
    char *board = NULL, *ann = NULL;
    int registered = 0, err = 0;

    if (job->user.id)
        err = registered = db_contest_is_participant(pg, contest_id, job->user.id);
    if (err >= 0)
        err = db_contest_board(&board, pg, contest_id, privileged(&job->user), now);
    if (err >= 0)
        err = db_contest_announcements(&ann, pg, contest_id, ANNOUNCEMENTS_IN_SNAPSHOT);
    if (err < 0) {
        gv_free(board);
        gv_free(ann);
        cJSON_Delete(o);
        fail_store(job, env, err, 0, "contest");
        return false;
    }
    if (!cJSON_AddBoolToObject(o, "registered", registered > 0) ||
        !add_raw(o, "scoreboard", board) || !add_raw(o, "announcements", ann)) {
        cJSON_Delete(o);
        fail(job, SRV_ERR_INTERNAL, "out of memory");
        return false;
    }
    return true;
}

static void do_subscribe_contest(struct srv_req_job *job, struct srv_job_env *env,
                                 struct db_pg *pg)
{
    struct db_contest_info c;
    struct cst_schedule sch;
    struct cst_state st;
    int64_t now = gv_time_real_ms();
    cJSON *o, *ct;
    int err = db_catalog_contest(&c, pg, job->req.p.contest_id);

    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, job->req.p.contest_id);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "contest");
        return;
    }
    sch = (struct cst_schedule){c.starts_at_ms, c.freezes_at_ms, c.ends_at_ms, c.unfrozen_at_ms};
    if (!cst_schedule_valid(&sch)) {
        fail(job, SRV_ERR_INTERNAL, "contest %" PRId64 " has an inconsistent schedule", c.id);
        return;
    }
    cst_state_at(&st, &sch, now);
    o = cJSON_CreateObject();
    ct = cJSON_CreateObject();
    if (!o || !ct || !cJSON_AddItemToObject(o, "contest", ct)) {
        cJSON_Delete(ct);
        cJSON_Delete(o);
        set_data(job, NULL);
        return;
    }
    if (!cJSON_AddNumberToObject(ct, "id", (double)c.id) ||
        !cJSON_AddStringToObject(ct, "slug", c.slug) ||
        !cJSON_AddStringToObject(ct, "title", c.title) ||
        !cJSON_AddStringToObject(ct, "phase", cst_phase_name(st.phase)) ||
        !cJSON_AddNumberToObject(ct, "starts_at_ms", (double)c.starts_at_ms) ||
        !cJSON_AddNumberToObject(ct, "ends_at_ms", (double)c.ends_at_ms) ||
        !cJSON_AddNumberToObject(ct, "now_ms", (double)now) ||
        !cJSON_AddNumberToObject(ct, "next_change_in_ms", (double)st.next_change_in_ms)) {
        cJSON_Delete(o);
        o = NULL;
    }
    if (o && !contest_extras(job, env, pg, o, c.id, now))
        return;
    job->subscribe_contest = c.id;
    set_data(job, o);
}

/* Adds "phase" and "next_change_in_ms" to every contest of the list: the
 * state is derived from the timestamps by contest/, never stored. */
static void do_contests_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    char *json = NULL;
    int64_t now = gv_time_real_ms();
    cJSON *list, *o, *c;
    int err = db_contest_list(&json, pg, job->user.id);

    if (err < 0) {
        fail_store(job, env, err, 0, "contests");
        return;
    }
    list = cJSON_Parse(json);
    gv_free(json);
    cJSON_ArrayForEach(c, list)
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "freezes_at_ms"),
                    *u = cJSON_GetObjectItemCaseSensitive(c, "unfrozen_at_ms");
        struct cst_schedule sch = {
            .starts_at = (int64_t)cJSON_GetNumberValue(
                cJSON_GetObjectItemCaseSensitive(c, "starts_at_ms")),
            .freezes_at = cJSON_IsNumber(f) ? (int64_t)f->valuedouble : 0,
            .ends_at =
                (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "ends_at_ms")),
            .unfrozen_at = cJSON_IsNumber(u) ? (int64_t)u->valuedouble : 0,
        };
        struct cst_state st;

        if (!cst_schedule_valid(&sch))
            continue; /* the table's CHECKs make this impossible */
        cst_state_at(&st, &sch, now);
        cJSON_AddStringToObject(c, "phase", cst_phase_name(st.phase));
        cJSON_AddNumberToObject(c, "next_change_in_ms", (double)st.next_change_in_ms);
    }
    o = cJSON_CreateObject();
    if (!list || !o || !cJSON_AddItemToObject(o, "contests", list) ||
        !cJSON_AddNumberToObject(o, "now_ms", (double)now)) {
        if (o && !cJSON_GetObjectItemCaseSensitive(o, "contests"))
            cJSON_Delete(list);
        cJSON_Delete(o);
        o = NULL;
    }
    set_data(job, o);
}

static void do_contest_register(struct srv_req_job *job, struct srv_job_env *env,
                                struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    int err = db_contest_register(pg, cid, job->user.id, gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err == -EACCES) {
        fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " has ended", cid);
        return;
    }
    if (err < 0 && err != GV_EEXIST) {
        fail_store(job, env, err, 0, "registration");
        return;
    }
    job->data = gv_strdup(err == GV_EEXIST ? "{\"registered\":true,\"already\":true}"
                                           : "{\"registered\":true,\"already\":false}");
    if (!job->data)
        fail(job, SRV_ERR_INTERNAL, "out of memory");
}

static void do_contest_scoreboard(struct srv_req_job *job, struct srv_job_env *env,
                                  struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    char *board = NULL;
    cJSON *o;
    int err = db_contest_board(&board, pg, cid, privileged(&job->user), gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "scoreboard");
        return;
    }
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "contest_id", (double)cid) ||
        !add_raw(o, "scoreboard", board)) {
        cJSON_Delete(o);
        o = NULL;
    }
    set_data(job, o);
}

/* Logged first (PostgreSQL is the record, and a later subscriber's snapshot
 * lists it), then published on the live stream for the subscribers now. */
static void do_contest_announce(struct srv_req_job *job, struct srv_job_env *env,
                                struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    char stream_id[DB_STREAM_ID_MAX] = "";
    struct cst_event ev;
    struct db_redis *r;
    cJSON *o;
    int err;

    if (!privileged(&job->user)) {
        fail(job, SRV_ERR_FORBIDDEN, "only organizers may announce");
        return;
    }
    err = db_contest_announce(&ev, pg, cid, job->user.id, job->req.p.text);
    if (err == GV_ENOTFOUND) {
        fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 0, "announcement");
        return;
    }
    r = srv_jobs_redis(env);
    err = r ? db_event_publish(stream_id, r, &ev) : GV_EUNAVAIL;
    if (err < 0) {
        /* Logged all the same: subscribers see it in their next snapshot. */
        gv_log(GV_LOG_WARN, "proto", "announcement %" PRId64 " not pushed: %s", ev.seq,
               gv_strerror(err));
        if (err == GV_EUNAVAIL)
            srv_jobs_lost(env, err, 1);
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "announcement_id", (double)ev.seq) ||
              !(stream_id[0] ? cJSON_AddStringToObject(o, "event_id", stream_id)
                             : cJSON_AddNullToObject(o, "event_id")))) {
        cJSON_Delete(o);
        o = NULL;
    }
    cst_event_release(&ev);
    set_data(job, o);
}

static void do_resume(struct srv_req_job *job, struct srv_job_env *env)
{
    struct db_redis *r = srv_jobs_redis(env);
    struct srv_live_event *list = NULL;
    unsigned n = 0;
    char buf[64];
    int err;

    if (!r) {
        fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return;
    }
    err = srv_live_replay(r, job->req.p.last_event_id, &job->filter, &list);
    if (err == GV_ENOTFOUND) {
        job->data = gv_strdup("{\"resync\":true}");
        if (!job->data)
            fail(job, SRV_ERR_INTERNAL, "out of memory");
        return;
    }
    if (err == GV_EINVAL) {
        fail(job, SRV_ERR_INVALID, "\"last_event_id\" must be an event id like \"1764100000000-3\"");
        return;
    }
    if (err < 0) {
        fail_store(job, env, err, 1, "resume");
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
            fail(job, SRV_ERR_INTERNAL, "out of memory");
        return;
    }
    job->replay = list;
    snprintf(buf, sizeof(buf), "{\"replayed\":%u}", n);
    job->data = gv_strdup(buf);
    if (!job->data)
        fail(job, SRV_ERR_INTERNAL, "out of memory");
}

static void run(struct srv_job *base, struct srv_job_env *env)
{
    struct srv_req_job *job = (struct srv_req_job *)base;
    enum srv_req_type t = job->req.type;
    struct db_pg *pg;
    int err;

    job->retry_after_ms = -1;
    if (t == SRV_REQ_RESUME) {
        do_resume(job, env);
        return;
    }
    pg = srv_jobs_pg(env);
    if (!pg) {
        fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return;
    }
    /* A cookie's token is checked here, on the first request that needs a
     * store, rather than at the upgrade: the loop never waits for it, and
     * requests stay in order. */
    if (job->token_unchecked && job->token[0]) {
        struct db_user_info u;

        err = db_session_lookup(&u, pg, job->token);
        if (err == 0) {
            job->user = u;
            job->new_user = u;
            snprintf(job->new_token, sizeof(job->new_token), "%s", job->token);
            job->set_user = true;
        } else if (err == GV_ENOTFOUND) {
            job->token[0] = '\0';
            job->clear_user = true;
        } else {
            fail_store(job, env, err, 0, "session lookup");
            return;
        }
    }
    if (srv_request_needs_user(&job->req) && !job->user.id) {
        fail(job, SRV_ERR_UNAUTHENTICATED, "log in first (hello with a token, or login)");
        return;
    }
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
        do_problems_list(job, env, pg);
        break;
    case SRV_REQ_PROBLEM_GET:
        do_problem_get(job, env, pg);
        break;
    case SRV_REQ_PROBLEM_LIKE:
        do_problem_like(job, env, pg);
        break;
    case SRV_REQ_SUBMIT:
        do_submit(job, env, pg);
        break;
    case SRV_REQ_SUBMISSIONS_MINE:
        do_mine(job, env, pg);
        break;
    case SRV_REQ_SUBMISSION_GET:
        do_submission_get(job, env, pg, false);
        break;
    case SRV_REQ_SUBSCRIBE:
        if (job->req.p.topic == SRV_TOPIC_SUBMISSION)
            do_submission_get(job, env, pg, true);
        else
            do_subscribe_contest(job, env, pg);
        break;
    case SRV_REQ_CONTESTS_LIST:
        do_contests_list(job, env, pg);
        break;
    case SRV_REQ_CONTEST_REGISTER:
        do_contest_register(job, env, pg);
        break;
    case SRV_REQ_CONTEST_SCOREBOARD:
        do_contest_scoreboard(job, env, pg);
        break;
    case SRV_REQ_CONTEST_ANNOUNCE:
        do_contest_announce(job, env, pg);
        break;
    case SRV_REQ_RESUME:
    case SRV_REQ_PING:
    case SRV_REQ_NONE:
        fail(job, SRV_ERR_INTERNAL, "request type %d is not a job", (int)t);
        break;
    }
}

static void job_free(struct srv_job *base)
{
    struct srv_req_job *job = (struct srv_req_job *)base;

    srv_request_release(&job->req);
    srv_subs_release(&job->filter);
    srv_live_event_free_list(job->replay);
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
        *body = gv_strdup(job->data ? job->data : "{}");
        if (!*body)
            return -ENOMEM;
        *len = strlen(*body);
        return 0;
    }
    *status = http_status_of(job->err_code);
    return srv_codec_http_error(body, len, job->err_code, job->err_message, job->retry_after_ms);
}
