/* SPDX-License-Identifier: MIT
 * srv_proto_org.c - what only the jury may do over the protocol: contests
 * from their definitions (contest.create, contest.update,
 * contest.definition, contest.unfreeze), users (user.set, users.list:
 * admins only) and the operators' view (ops.status); the gate also covers
 * plagiarism's requests (plag.report, plag.review: srv_proto_plag.c).
 *
 * Every request here passes one gate (srv__req_org) before anything else
 * runs: its table says who may send it, and the caller's role is read from
 * PostgreSQL afresh rather than taken from the login, so an organizer whom
 * an admin demoted loses these requests at once, on connections already
 * open too (they adopt the new role). Past the gate a contestant learns
 * nothing: not whether a contest exists, not whether a definition parses.
 * The definitions are parsed and stored by contest/ and db/, exactly as
 * `gavel contest` does (cli/cmd_contest.c). */
#include "srv_proto_internal.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "cst_def.h"
#include "db_catalog.h"
#include "db_contest_admin.h"
#include "db_ops.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

/* The name a definition's messages give it ("contest.yaml:5: freeze: ..."). */
#define DEF_FILE "contest.yaml"
#define USERS_PAGE_SIZE 50
#define OPS_JUDGES_MAX 256
#define OPS_JUDGE_ERRORS 20

typedef void org_fn(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);

/* {"contest_id": id} plus, when `key` is given, a boolean; NULL when out
 * of memory. */
static cJSON *contest_reply(int64_t id, const char *key, bool value)
{
    cJSON *o = cJSON_CreateObject();

    if (o && (!cJSON_AddNumberToObject(o, "contest_id", (double)id) ||
              (key && !cJSON_AddBoolToObject(o, key, value)))) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

static void fail_no_contest(struct srv_req_job *job)
{
    srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, job->req.p.contest_id);
}

/* Fails the job with a refusal of db/ or contest/ about the definition,
 * written as the parser writes its own: db/'s "line 9: problems: ..."
 * becomes "contest.yaml:9: problems: ...", so that a console can point at
 * the line whoever refused it. */
static void fail_definition(struct srv_req_job *job, const char *code, const char *why)
{
    char *end = NULL;
    long line = strncmp(why, "line ", 5) ? 0 : strtol(why + 5, &end, 10);

    if (line > 0 && *end == ':')
        srv__fail(job, code, DEF_FILE ":%ld%s", line, end);
    else
        srv__fail(job, code, DEF_FILE ": %s", why);
}

/* The request's definition, parsed; false (the job failed) when it does
 * not parse. */
static bool parse_definition(struct cst_def *out, struct srv_req_job *job)
{
    char why[512];
    int err = cst_def_parse(out, DEF_FILE, job->req.p.definition, job->req.p.definition_len, why,
                            sizeof(why));

    if (err == GV_EPARSE)
        srv__fail(job, SRV_ERR_INVALID, "%s", why);
    else if (err < 0)
        srv__fail(job, SRV_ERR_INTERNAL, "cannot parse the definition: %s", gv_strerror(err));
    return err == 0;
}

static void req_contest_create(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct cst_def d;
    char why[512];
    int64_t id = 0;
    cJSON *o;
    int err;

    if (!parse_definition(&d, job))
        return;
    err = db_contest_create(&id, why, sizeof(why), pg, &d, job->user.id);
    if (err == GV_EINVAL) {
        fail_definition(job, SRV_ERR_INVALID, why);
    } else if (err == GV_EEXIST) {
        srv__fail(job, SRV_ERR_CONFLICT,
                  DEF_FILE ": slug: a contest '%s' exists already (contest.update it, or choose "
                           "another slug)",
                  d.slug);
    } else if (err < 0) {
        srv__fail_store(job, env, err, 0, "contest.create");
    } else {
        o = contest_reply(id, NULL, false);
        if (o && !cJSON_AddStringToObject(o, "slug", d.slug)) {
            cJSON_Delete(o);
            o = NULL;
        }
        srv__set_data(job, o);
    }
    cst_def_release(&d);
}

static void req_contest_update(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    struct cst_def d;
    char why[512];
    int err;

    if (!parse_definition(&d, job))
        return;
    err = db_contest_update(why, sizeof(why), pg, cid, &d, job->req.p.force, gv_time_real_ms());
    cst_def_release(&d);
    if (err == GV_ENOTFOUND)
        fail_no_contest(job);
    else if (err == GV_EINVAL)
        fail_definition(job, SRV_ERR_INVALID, why);
    else if (err < 0)
        srv__fail_store(job, env, err, 0, "contest.update");
    else
        srv__set_data(job, contest_reply(cid, NULL, false));
    /* Every server's snapshots of the contest go now (srv_cache.h). */
    if (err == 0)
        srv__tell_servers(job, env, CST_EVENT_CONTEST_CHANGED, cid);
}

/* The definition as `gavel contest show` prints it, and the phase from the
 * stored times (an unfreeze an organizer published is not part of the
 * definition, but it is of the phase). */
static void req_contest_definition(struct srv_req_job *job, struct srv_job_env *env,
                                   struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    struct db_contest_info c;
    struct cst_schedule sch;
    struct cst_state st;
    struct cst_def d = {0};
    char *yaml = NULL;
    cJSON *o = NULL;
    int err = db_catalog_contest(&c, pg, cid);

    if (err == 0)
        err = db_contest_def_load(&d, pg, cid);
    if (err == GV_ENOTFOUND) {
        fail_no_contest(job);
        goto out;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "contest.definition");
        goto out;
    }
    err = cst_def_format(&yaml, &d);
    if (err == 0 && strlen(yaml) > SRV_DEFINITION_MAX) {
        /* contest.update could not send it back either. */
        srv__fail(job, SRV_ERR_TOO_LARGE,
                  "contest %" PRId64 "'s definition exceeds %d bytes (gavel contest show %" PRId64
                  " prints it)",
                  cid, SRV_DEFINITION_MAX, cid);
        goto out;
    }
    sch = (struct cst_schedule){c.starts_at_ms, c.freezes_at_ms, c.ends_at_ms, c.unfrozen_at_ms};
    if (err == 0 && cst_schedule_valid(&sch)) {
        cst_state_at(&st, &sch, gv_time_real_ms());
        o = contest_reply(cid, NULL, false);
        if (o && (!cJSON_AddStringToObject(o, "definition", yaml) ||
                  !cJSON_AddStringToObject(o, "phase", cst_phase_name(st.phase)))) {
            cJSON_Delete(o);
            o = NULL;
        }
    }
    srv__set_data(job, o); /* NULL: out of memory, or the table's CHECKs were broken */
out:
    gv_free(yaml);
    cst_def_release(&d);
}

/* The final standings go public now; the servers' timers announce the
 * phase change (contest.phase, finalized) within a second. */
static void req_contest_unfreeze(struct srv_req_job *job, struct srv_job_env *env,
                                 struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    int err = db_contest_unfreeze(pg, cid, gv_time_real_ms());

    if (err == GV_ENOTFOUND)
        fail_no_contest(job);
    else if (err == -EACCES)
        srv__fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " has not ended yet", cid);
    else if (err < 0 && err != GV_EEXIST)
        srv__fail_store(job, env, err, 0, "contest.unfreeze");
    else
        srv__set_data(job, contest_reply(cid, "already", err == GV_EEXIST));
    if (err == 0)
        srv__tell_servers(job, env, CST_EVENT_CONTEST_CHANGED, cid);
}

static void req_user_set(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_user_info u;
    cJSON *o;
    int err = db_user_set(pg, p->username, p->role, p->tier);

    /* What is stored now: "jury" is stored as organizer. */
    if (err == 0)
        err = db_user_find(&u, pg, p->username);
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no user '%s'", p->username);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "user.set");
        return;
    }
    srv__tell_servers(job, env, CST_EVENT_SESSION_ENDED, u.id);
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "id", (double)u.id) ||
              !cJSON_AddStringToObject(o, "username", u.username) ||
              !cJSON_AddStringToObject(o, "role", u.role) ||
              !cJSON_AddStringToObject(o, "tier", u.tier))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

static void req_users_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int err = db_user_list(&job->data, pg, job->req.p.page, USERS_PAGE_SIZE);

    if (err < 0)
        srv__fail_store(job, env, err, 0, "users.list");
}

/* ops.status' Redis half: the queue's levels and the judges' heartbeats.
 * Redis may be the very thing that is wrong, so its failure is reported in
 * the reply ("redis_error") rather than failing the PostgreSQL half too. */
static bool ops_redis(cJSON *o, struct srv_job_env *env)
{
    struct db_queue_stats qs;
    struct db_judge_beat *beats = NULL;
    struct db_queue *q = srv_jobs_queue(env);
    struct db_redis *r = srv_jobs_redis(env);
    cJSON *levels = NULL, *judges = NULL, *e;
    size_t n = 0;
    int err = q && r ? db_queue_stats(&qs, q) : GV_EUNAVAIL;

    if (err == 0)
        err = db_judge_beats(&beats, &n, r, OPS_JUDGES_MAX);
    if (err < 0) {
        if (err == GV_EUNAVAIL)
            srv_jobs_lost(env, err, 1);
        gv_free(beats);
        return cJSON_AddNullToObject(o, "queue") && cJSON_AddNullToObject(o, "judges") &&
               cJSON_AddStringToObject(o, "redis_error",
                                       q && r ? gv_strerror(err) : srv_jobs_why(env));
    }
    levels = cJSON_AddArrayToObject(o, "queue");
    judges = cJSON_AddArrayToObject(o, "judges");
    for (int l = 0; levels && l < DB_QUEUE_LEVELS; l++) {
        e = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(levels, e) || !cJSON_AddNumberToObject(e, "level", l) ||
            !cJSON_AddNumberToObject(e, "waiting", (double)qs.waiting[l]) ||
            !cJSON_AddNumberToObject(e, "taken", (double)qs.pending[l]) ||
            !cJSON_AddNumberToObject(e, "users", (double)qs.users[l]))
            levels = NULL;
    }
    for (size_t i = 0; judges && i < n; i++) {
        char text[DB_JUDGE_BEAT_TEXT_MAX];

        /* The heartbeat's own shape (db_ops.h), and its id. */
        e = db_judge_beat_format(text, sizeof(text), &beats[i]) == 0 ? cJSON_Parse(text) : NULL;
        if (!cJSON_AddItemToArray(judges, e) || !cJSON_AddStringToObject(e, "id", beats[i].id))
            judges = NULL;
    }
    gv_free(beats);
    return levels && judges && cJSON_AddNullToObject(o, "redis_error");
}

static void req_ops_status(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t now = gv_time_real_ms();
    char *unjudged = NULL, *errors = NULL;
    cJSON *o;
    int err = db_ops_unjudged(&unjudged, pg, now);

    if (err == 0)
        err = db_ops_judge_errors(&errors, pg, OPS_JUDGE_ERRORS);
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "ops.status");
        goto out;
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "now_ms", (double)now) ||
              !cJSON_AddRawToObject(o, "unjudged", unjudged) ||
              !cJSON_AddRawToObject(o, "judge_errors", errors) || !ops_redis(o, env))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
out:
    gv_free(unjudged);
    gv_free(errors);
}

/* Who may send what. Checklist: a new organizer request needs its row
 * here and its SRV_REQ_ value among the org cases of run() (srv_proto.c)
 * and sess_handle() (srv_session.c). */
static const struct {
    enum srv_req_type type;
    bool admin_only;
    org_fn *fn;
} org_reqs[] = {
    {SRV_REQ_CONTEST_CREATE, false, req_contest_create},
    {SRV_REQ_CONTEST_UPDATE, false, req_contest_update},
    {SRV_REQ_CONTEST_DEFINITION, false, req_contest_definition},
    {SRV_REQ_CONTEST_UNFREEZE, false, req_contest_unfreeze},
    {SRV_REQ_USER_SET, true, req_user_set},
    {SRV_REQ_USERS_LIST, true, req_users_list},
    {SRV_REQ_OPS_STATUS, false, req_ops_status},
    {SRV_REQ_PLAG_REPORT, false, srv__req_plag_report},
    {SRV_REQ_PLAG_REVIEW, false, srv__req_plag_review},
};

int srv__user_refresh(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_user_info u;
    int err;

    if (job->role_fresh)
        return 0;
    err = db_user_get(&u, pg, job->user.id);
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_UNAUTHENTICATED, "this account no longer exists");
        return err;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "role check");
        return err;
    }
    if (strcmp(u.role, job->user.role) || strcmp(u.tier, job->user.tier)) {
        /* The connection follows what an admin changed meanwhile. */
        srv_cache_session_drop_user(job->cfg->cache, u.id);
        job->set_user = true;
        job->new_user = u;
        snprintf(job->new_token, sizeof(job->new_token), "%s", job->token);
    }
    job->user = u;
    job->role_fresh = true;
    return 0;
}

void srv__req_org(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const char *name = srv_req_name(job->req.type);
    struct db_user_info u;
    size_t i = 0;

    while (i < sizeof(org_reqs) / sizeof(org_reqs[0]) && org_reqs[i].type != job->req.type)
        i++;
    assert(i < sizeof(org_reqs) / sizeof(org_reqs[0]) && "an org request without its row");
    if (srv__user_refresh(job, env, pg) < 0)
        return;
    u = job->user;
    if (org_reqs[i].admin_only && strcmp(u.role, "admin")) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "%s is for admins only", name);
        return;
    }
    if (!srv__privileged(&u)) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "%s is for organizers only", name);
        return;
    }
    org_reqs[i].fn(job, env, pg);
}
