/* SPDX-License-Identifier: MIT
 * srv_proto_rejudge.c - the organizers' rejudges: rejudge (a recorded
 * batch, queued at the rejudge level), rejudge.report (what it changed)
 * and rejudges.list. Contestants get `forbidden` before anything is
 * looked up, so they learn nothing about what exists. */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db_rejudge.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define LIST_LIMIT 50

static bool jury_only(struct srv_req_job *job)
{
    if (srv__privileged(&job->user))
        return true;
    srv__fail(job, SRV_ERR_FORBIDDEN, "only organizers may rejudge or see rejudges");
    return false;
}

/* The batch is recorded (and its submissions marked) before the pushes: a
 * lost push is re-queued by the judges' recovery sweep, like a submission. */
void srv__req_rejudge(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_rejudge_target t = {
        .scope = p->submission_id ? DB_REJUDGE_SUBMISSION
                 : p->slug        ? DB_REJUDGE_CONTEST_PROBLEM
                                  : DB_REJUDGE_CONTEST,
        .submission_id = p->submission_id,
        .problem = p->slug,
        .requested_by = job->user.id,
        .origin = "server",
    };
    struct db_rejudge_item *items = NULL;
    struct db_queue *q;
    char contest[24], what[120];
    size_t n = 0;
    int64_t id = 0;
    cJSON *o;
    int err;

    if (!jury_only(job))
        return;
    snprintf(contest, sizeof(contest), "%" PRId64, p->contest_id);
    t.contest = contest;
    if (p->submission_id)
        snprintf(what, sizeof(what), "submission %" PRId64, p->submission_id);
    else if (p->slug)
        snprintf(what, sizeof(what), "problem '%s' of contest %" PRId64, p->slug, p->contest_id);
    else
        snprintf(what, sizeof(what), "contest %" PRId64, p->contest_id);
    err = db_rejudge_create(&id, &items, &n, pg, &t);
    if (err == GV_ENOTFOUND || err == -ENODATA) {
        srv__fail(job, SRV_ERR_NOT_FOUND, err == GV_ENOTFOUND ? "no %s" : "%s has no submissions",
                  what);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "rejudge");
        return;
    }
    q = srv_jobs_queue(env);
    err = q ? db_rejudge_queue(NULL, q, items, n) : GV_EUNAVAIL;
    gv_free(items);
    if (err < 0) {
        gv_log(GV_LOG_WARN, "proto", "rejudge %" PRId64 " not all queued (%s); recovery will", id,
               gv_strerror(err));
        srv_jobs_lost(env, err, 1);
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "rejudge_id", (double)id) ||
              !cJSON_AddNumberToObject(o, "submissions", (double)n))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

void srv__req_rejudge_report(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t id = job->req.p.rejudge_id;
    int err;

    if (!jury_only(job))
        return;
    err = db_rejudge_report(&job->data, pg, id, gv_time_real_ms());
    if (err == GV_ENOTFOUND)
        srv__fail(job, SRV_ERR_NOT_FOUND, "no rejudge %" PRId64, id);
    else if (err < 0)
        srv__fail_store(job, env, err, 0, "rejudge report");
}

void srv__req_rejudges_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    char *list = NULL;
    cJSON *o, *raw;
    int err;

    if (!jury_only(job))
        return;
    err = db_rejudge_list(&list, pg, job->req.p.contest_id, LIST_LIMIT);
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "rejudges");
        return;
    }
    o = cJSON_CreateObject();
    raw = cJSON_CreateRaw(list ? list : "[]");
    gv_free(list);
    if (!o || !raw || !cJSON_AddItemToObject(o, "rejudges", raw)) {
        cJSON_Delete(raw);
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}
