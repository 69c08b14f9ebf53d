/* SPDX-License-Identifier: MIT
 * srv_proto_problems.c - the requests about problems and submissions:
 * problems.list, problem.get, problem.like, submit (and its per-user rate
 * limit), submissions.mine, submission.get and the snapshot of a
 * submission's subscription. A submission to a contest is handled here
 * too: it is the same request, and contest/ decides whether it may go
 * ahead (db_catalog_can_submit). */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cst_def.h"
#include "db_catalog.h"
#include "db_contest.h"
#include "db_queue.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define MINE_PAGE_SIZE 50
#define RATE_WINDOW_MS 60000

void srv__req_problems_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_viewer v = srv__viewer_of(&job->user);
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
        srv__fail_store(job, env, err, 0, "problem list");
}

void srv__req_problem_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_viewer v = srv__viewer_of(&job->user);
    int err = db_catalog_problem(&job->data, pg, &v, job->req.p.slug, gv_time_real_ms());

    if (err == GV_ENOTFOUND)
        srv__fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", job->req.p.slug);
    else if (err < 0)
        srv__fail_store(job, env, err, 0, "problem");
}

void srv__req_problem_like(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_viewer v = srv__viewer_of(&job->user);
    int64_t likes = 0;
    cJSON *o;
    int err = db_catalog_like(&likes, pg, &v, job->req.p.slug, job->req.p.like, gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", job->req.p.slug);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "like");
        return;
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "likes", (double)likes) ||
              !cJSON_AddBoolToObject(o, "liked", job->req.p.like))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
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
        srv__fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return false;
    }
    snprintf(key, sizeof(key), "%s:submit:%" PRId64, job->cfg->rate_prefix, job->user.id);
    err = db_rate_hit(&count, &ttl, r, key, RATE_WINDOW_MS);
    if (err < 0) {
        srv__fail_store(job, env, err, 1, "rate limit");
        return false;
    }
    if (count > limit) {
        job->retry_after_ms = ttl > 0 ? ttl : RATE_WINDOW_MS;
        srv__fail(job, SRV_ERR_RATE_LIMITED,
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
    int err =
        r ? db_contest_row_publish(pg, r, contest_id, user_id, gv_time_real_ms()) : GV_EUNAVAIL;

    if (err < 0 && err != GV_ENOTFOUND) /* not on the board: an organizer, or hidden */
        gv_log(GV_LOG_WARN, "proto", "scoreboard row of user %" PRId64 " not pushed: %s", user_id,
               gv_strerror(err));
}

void srv__req_submit(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_viewer v = srv__viewer_of(&job->user);
    struct db_new_submission in = {
        .user_id = job->user.id,
        .problem_slug = p->slug,
        .contest_id = p->contest_id,
        .language = p->language,
        .source = p->source,
        .source_len = p->source_len,
    };
    struct cst_schedule sched = {0};
    struct db_queue *q;
    int64_t id = 0;
    int prio = 0, err;
    cJSON *o;

    err = db_catalog_can_submit(&sched, pg, &v, p->slug, p->contest_id, gv_time_real_ms());
    if (err == GV_ENOTFOUND) {
        if (p->contest_id)
            srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
        else
            srv__fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", p->slug);
        return;
    }
    if (err == GV_EINVAL) {
        srv__fail(job, SRV_ERR_INVALID, "\"problem\" '%s' is not in contest %" PRId64, p->slug,
                  p->contest_id);
        return;
    }
    if (err == -EACCES) {
        char when[CST_DEF_TIME_TEXT];
        bool over = gv_time_real_ms() >= sched.ends_at;

        cst_def_format_time(when, over ? sched.ends_at : sched.starts_at);
        srv__fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " %s at %s", p->contest_id,
                  over ? "ended" : "starts", when);
        return;
    }
    if (err == -EPERM) {
        srv__fail(job, SRV_ERR_FORBIDDEN,
                  "register for contest %" PRId64 " first (contest.register)", p->contest_id);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "submit");
        return;
    }
    if (!rate_ok(job, env))
        return;
    err = db_submission_create(&id, &prio, pg, &in);
    if (err == GV_EINVAL) {
        srv__fail(job, SRV_ERR_INVALID, "\"problem\" is not in that contest");
        return;
    }
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no problem '%s'", p->slug);
        return;
    }
    if (err == GV_ETOOBIG) {
        srv__fail(job, SRV_ERR_TOO_LARGE, "\"source\" is empty or too large");
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "submit");
        return;
    }
    /* The row is durable: a lost push is re-queued by the judges' recovery
     * sweep, so the client gets its id either way. */
    q = srv_jobs_queue(env);
    err = q ? db_queue_push(NULL, q, id, prio, job->user.id) : GV_EUNAVAIL;
    if (err < 0) {
        gv_log(GV_LOG_WARN, "proto", "submission %" PRId64 " not queued (%s); recovery will", id,
               gv_strerror(err));
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
    srv__set_data(job, o);
}

void srv__req_submissions_mine(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int err =
        db_catalog_my_submissions(&job->data, pg, job->user.id, job->req.p.page, MINE_PAGE_SIZE);

    if (err < 0)
        srv__fail_store(job, env, err, 0, "submissions");
}

void srv__req_submission_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                             bool snapshot)
{
    struct db_viewer v = srv__viewer_of(&job->user);
    int64_t id = job->req.p.submission_id;
    char *json = NULL;
    int err = db_catalog_submission(&json, pg, &v, id, !snapshot);

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no submission %" PRId64, id);
        return;
    }
    if (err == -EACCES) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "submission %" PRId64 " is not yours", id);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "submission");
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
        srv__set_data(job, o);
    }
}
