/* SPDX-License-Identifier: MIT
 * srv_proto_clar.c - clarifications over the protocol: a contestant asks,
 * the jury answers (privately or to all) or broadcasts, anyone reads what
 * they may. Who sees an event follows from the event itself (cst_event.h:
 * the asker and the jury, or the contest once public), so these handlers
 * only decide who may write. */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cst_event.h"
#include "db_clar.h"
#include "db_session.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

/* A question a minute is plenty during a contest; more is a script. */
#define CLAR_RATE_PER_MINUTE 5
#define RATE_WINDOW_MS 60000

static bool rate_ok(struct srv_req_job *job, struct srv_job_env *env)
{
    struct db_redis *r = srv_jobs_redis(env);
    char key[160];
    int64_t count = 0, ttl = 0;
    int err;

    if (!r) {
        srv__fail(job, SRV_ERR_UNAVAILABLE, "%s", srv_jobs_why(env));
        return false;
    }
    snprintf(key, sizeof(key), "%s:clar:%" PRId64, job->cfg->rate_prefix, job->user.id);
    err = db_rate_hit(&count, &ttl, r, key, RATE_WINDOW_MS);
    if (err < 0) {
        srv__fail_store(job, env, err, 1, "rate limit");
        return false;
    }
    if (count > CLAR_RATE_PER_MINUTE) {
        job->retry_after_ms = ttl > 0 ? ttl : RATE_WINDOW_MS;
        srv__fail(job, SRV_ERR_RATE_LIMITED,
                  "at most %d questions a minute; retry in %" PRId64 " s", CLAR_RATE_PER_MINUTE,
                  (job->retry_after_ms + 999) / 1000);
        return false;
    }
    return true;
}

/* The outcome of a write: the event published and its id replied, or the
 * refusal named. */
static void done(struct srv_req_job *job, struct srv_job_env *env, int err, struct cst_event *ev,
                 const char *what)
{
    const struct srv_params *p = &job->req.p;

    if (err == GV_ENOTFOUND && p->clar_id)
        srv__fail(job, SRV_ERR_NOT_FOUND, "no clarification %" PRId64, p->clar_id);
    else if (err == GV_ENOTFOUND)
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
    else if (err == GV_EINVAL)
        srv__fail(job, SRV_ERR_INVALID, "contest %" PRId64 " has no problem '%s'", p->contest_id,
                  p->label ? p->label : "");
    else if (err < 0)
        srv__fail_store(job, env, err, 0, what);
    else
        srv__publish_logged(job, env, ev, "clarification_id", ev->u.clar.clar_id);
}

void srv__req_clar_ask(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct cst_event ev;
    int err;

    if (srv__privileged(&job->user)) {
        srv__fail(job, SRV_ERR_INVALID, "the jury answers or broadcasts (clar.broadcast)");
        return;
    }
    if (!rate_ok(job, env))
        return;
    err = db_clar_ask(&ev, pg, p->contest_id, job->user.id, p->label, p->text,
                      gv_time_real_ms());
    if (err == -EACCES)
        srv__fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " is not running", p->contest_id);
    else if (err == -EPERM)
        srv__fail(job, SRV_ERR_FORBIDDEN, "register for contest %" PRId64 " first",
                  p->contest_id);
    else
        done(job, env, err, &ev, "clarification");
}

void srv__req_clar_answer(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct cst_event ev;

    if (!srv__privileged(&job->user)) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "only the jury answers clarifications");
        return;
    }
    done(job, env, db_clar_answer(&ev, pg, p->clar_id, job->user.id, p->text, p->is_public), &ev,
         "answer");
}

void srv__req_clar_broadcast(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct cst_event ev;

    if (!srv__privileged(&job->user)) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "only the jury broadcasts");
        return;
    }
    done(job, env, db_clar_broadcast(&ev, pg, p->contest_id, job->user.id, p->label, p->text),
         &ev, "broadcast");
}

void srv__req_clar_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    char *list = NULL;
    cJSON *o, *arr;
    int err = db_clar_list(&list, pg, job->req.p.contest_id, job->user.id,
                           srv__privileged(&job->user));

    if (err < 0) {
        srv__fail_store(job, env, err, 0, "clarifications");
        return;
    }
    arr = cJSON_Parse(list ? list : "[]");
    gv_free(list);
    o = cJSON_CreateObject();
    if (!arr || !o || !cJSON_AddNumberToObject(o, "contest_id", (double)job->req.p.contest_id) ||
        !cJSON_AddItemToObject(o, "clarifications", arr)) {
        cJSON_Delete(o);
        if (o && !cJSON_GetObjectItemCaseSensitive(o, "clarifications"))
            cJSON_Delete(arr);
        o = NULL;
    }
    srv__set_data(job, o);
}
