/* SPDX-License-Identifier: MIT
 * srv_proto_contest.c - the contest requests: contests.list,
 * contest.register, contest.scoreboard, contest.announce, contest.reveal
 * and the snapshot of a contest's subscription. Requests about a contest belong here, the
 * organizers' included, so that one file shows what each role may do to
 * a contest over the protocol. */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cst.h"
#include "db_catalog.h"
#include "db_clar.h"
#include "db_contest.h"
#include "db_event.h"
#include "db_ranking.h"
#include "db_reveal.h"
#include "db_stream.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define ANNOUNCEMENTS_IN_SNAPSHOT 20
#define SUBSCRIBE_ON_LOOP_MAX (64 * 1024)

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

/* A contest's snapshot as the caller sees it: from the cache (srv_cache.h),
 * or read now and kept. The generation is read before PostgreSQL is, so
 * that the session can tell whether an event came in between. */
static int snapshot_view(struct srv_cache_view *out, struct srv_req_job *job,
                         struct srv_job_env *env, struct db_pg *pg, int64_t contest_id, bool jury,
                         int64_t now)
{
    int window = job->req.p.window_count;
    struct db_ranking_query top = {0, (size_t)window, 0, 0};
    struct srv_cache *cache = job->cfg->cache;
    uint64_t gen = srv_cache_contest_gen(cache, contest_id);
    int64_t mono = gv_time_mono_ms();
    struct srv_cache_snapshot snap = {0};
    struct cst_schedule sch;
    struct cst_state st;
    int err;

    job->snapshot_gen = gen;
    if (srv_cache_snapshot_get(cache, contest_id, jury, window, gen, mono, job->user.id, out))
        return 0;
    err = db_catalog_contest(&snap.info, pg, contest_id);
    /* A window comes from the incremental board (db_ranking.h): a
     * 100,000-row board is never computed whole for a subscriber. */
    if (err == 0 && window)
        err = db_ranking_window_json(&snap.board, pg, srv_jobs_redis(env), contest_id, jury, &top,
                                     now);
    /* A contest the keys cannot hold (cst_rank_layout_for) is served whole. */
    if ((err == 0 && !window) || err == -ERANGE)
        err = db_contest_board(&snap.board, pg, contest_id, jury, now);
    if (err == 0)
        err = db_contest_announcements(&snap.announcements, pg, contest_id,
                                       ANNOUNCEMENTS_IN_SNAPSHOT);
    if (err == 0)
        err = db_clar_list(&snap.public_clars, pg, contest_id, 0, false);
    if (err == 0)
        err = db_contest_people_load(&snap.people, pg, contest_id);
    sch = (struct cst_schedule){snap.info.starts_at_ms, snap.info.freezes_at_ms,
                                snap.info.ends_at_ms, snap.info.unfrozen_at_ms};
    if (err == 0 && !cst_schedule_valid(&sch))
        err = GV_EINVAL;
    if (err == 0 && !srv_cache_view_of(out, &snap, job->user.id))
        err = -ENOMEM;
    if (err < 0) {
        srv_cache_snapshot_release(&snap);
        return err;
    }
    /* The board a phase shows (the freeze) lasts until the next change. */
    cst_state_at(&st, &sch, now);
    srv_cache_snapshot_put(cache, contest_id, jury, window, gen, mono,
                           st.next_change_in_ms > 0 ? mono + st.next_change_in_ms : INT64_MAX,
                           &snap);
    return 0;
}

/* The reply to a contest's subscribe: the contest's state at `now`, the
 * view's shared parts and the caller's own: `clars` when it read them
 * (NULL: the public ones), `mine` its rows (with a window). Takes `clars`
 * and `mine`, releases `v`; the job fails when out of memory. */
static void subscribe_reply(struct srv_req_job *job, struct srv_cache_view *v, char *clars,
                            char *mine, int64_t now)
{
    const struct db_contest_info *c = &v->info;
    struct cst_schedule sch = {c->starts_at_ms, c->freezes_at_ms, c->ends_at_ms,
                               c->unfrozen_at_ms};
    struct cst_state st;
    cJSON *o = cJSON_CreateObject(), *ct = cJSON_CreateObject();
    bool ok = o && ct && cJSON_AddItemToObject(o, "contest", ct);

    if (!ok)
        cJSON_Delete(ct);
    cst_state_at(&st, &sch, now);
    ok = ok && cJSON_AddNumberToObject(ct, "id", (double)c->id) &&
         cJSON_AddStringToObject(ct, "slug", c->slug) &&
         cJSON_AddStringToObject(ct, "title", c->title) &&
         cJSON_AddStringToObject(ct, "phase", cst_phase_name(st.phase)) &&
         cJSON_AddNumberToObject(ct, "starts_at_ms", (double)c->starts_at_ms) &&
         cJSON_AddNumberToObject(ct, "ends_at_ms", (double)c->ends_at_ms) &&
         cJSON_AddNumberToObject(ct, "now_ms", (double)now) &&
         cJSON_AddNumberToObject(ct, "next_change_in_ms", (double)st.next_change_in_ms);
    if (!clars) {
        clars = v->public_clars;
        v->public_clars = NULL;
    }
    /* Each add_raw takes its text, so every one is called. */
    ok = add_raw(o, "scoreboard", v->board) && ok;
    ok = add_raw(o, "announcements", v->announcements) && ok;
    ok = add_raw(o, "clarifications", clars) && ok;
    v->board = v->announcements = NULL;
    if (job->req.p.window_count) {
        if (mine)
            ok = add_raw(o, "my_rows", mine) && ok;
        else
            ok = ok && cJSON_AddNullToObject(o, "my_rows");
    }
    ok = ok && cJSON_AddBoolToObject(o, "registered", v->registered);
    job->subscribe_contest = c->id;
    srv_cache_view_release(v);
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

bool srv_proto_subscribe_cached(struct srv_req_job *job)
{
    const struct srv_params *p = &job->req.p;
    struct srv_cache_view v;
    uint64_t gen;

    /* The jury and an unchecked cookie need a read first; so do a caller's
     * own questions and, with a window, its own rows. */
    if (job->req.type != SRV_REQ_SUBSCRIBE || p->topic != SRV_TOPIC_CONTEST ||
        job->token_unchecked || srv__privileged(&job->user))
        return false;
    gen = srv_cache_contest_gen(job->cfg->cache, p->contest_id);
    if (!srv_cache_snapshot_get(job->cfg->cache, p->contest_id, false, p->window_count, gen,
                                gv_time_mono_ms(), job->user.id, &v))
        return false;
    /* A large whole board is copied and printed on a job thread: the loop
     * must not stall on it. */
    if (v.asked || (p->window_count && v.registered) || strlen(v.board) > SUBSCRIBE_ON_LOOP_MAX) {
        srv_cache_view_release(&v);
        return false;
    }
    job->snapshot_gen = gen;
    subscribe_reply(job, &v, NULL, NULL, gv_time_real_ms());
    return true;
}

void srv__req_subscribe_contest(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_ranking_query around = {0, 0, job->user.id, (size_t)p->radius};
    bool jury = srv__privileged(&job->user);
    struct srv_cache_view v;
    char *clars = NULL, *mine = NULL;
    int64_t now = gv_time_real_ms();
    int err = snapshot_view(&v, job, env, pg, p->contest_id, jury, now);

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
        return;
    }
    if (err == GV_EINVAL) {
        srv__fail(job, SRV_ERR_INTERNAL, "contest %" PRId64 " has an inconsistent schedule",
                  p->contest_id);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "contest");
        return;
    }
    /* The caller's own parts: its questions (and the jury's view of all),
     * and with a window its rows, when it is on the board. */
    if (jury || v.asked)
        err = db_clar_list(&clars, pg, p->contest_id, job->user.id, jury);
    if (err >= 0 && p->window_count && v.registered) {
        err = db_ranking_window_json(&mine, pg, srv_jobs_redis(env), p->contest_id, jury, &around,
                                     now);
        if (err == GV_ENOTFOUND || err == -ERANGE) /* hidden, or served whole */
            err = 0;
    }
    if (err < 0) {
        gv_free(clars);
        gv_free(mine);
        srv_cache_view_release(&v);
        srv__fail_store(job, env, err, 0, "contest");
        return;
    }
    subscribe_reply(job, &v, clars, mine, now);
}

/* Adds "phase" and "next_change_in_ms" to every contest of the list: the
 * state is derived from the timestamps by contest/, never stored. */
void srv__req_contests_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    char *json = NULL;
    int64_t now = gv_time_real_ms();
    cJSON *list, *o, *c;
    int err = db_contest_list(&json, pg, job->user.id);

    if (err < 0) {
        srv__fail_store(job, env, err, 0, "contests");
        return;
    }
    list = cJSON_Parse(json);
    gv_free(json);
    cJSON_ArrayForEach(c, list)
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "freezes_at_ms"),
                    *u = cJSON_GetObjectItemCaseSensitive(c, "unfrozen_at_ms");
        struct cst_schedule sch = {
            .starts_at =
                (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "starts_at_ms")),
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
    srv__set_data(job, o);
}

void srv__req_contest_register(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    int err = db_contest_register(pg, cid, job->user.id, gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err == -EACCES) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "contest %" PRId64 " has ended", cid);
        return;
    }
    if (err == -EPERM) {
        srv__fail(job, SRV_ERR_FORBIDDEN,
                  "contest %" PRId64 " is by invitation: its organizers list the participants",
                  cid);
        return;
    }
    if (err < 0 && err != GV_EEXIST) {
        srv__fail_store(job, env, err, 0, "registration");
        return;
    }
    /* Every server's snapshots learn it now (srv_cache.h). */
    if (err == 0)
        srv__tell_servers(job, env, CST_EVENT_CONTEST_CHANGED, cid);
    job->data = gv_strdup(err == GV_EEXIST ? "{\"registered\":true,\"already\":true}"
                                           : "{\"registered\":true,\"already\":false}");
    if (!job->data)
        srv__fail(job, SRV_ERR_INTERNAL, "out of memory");
}

void srv__req_contest_scoreboard(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    char *board = NULL;
    cJSON *o;
    int err = db_contest_board(&board, pg, cid, srv__privileged(&job->user), gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "scoreboard");
        return;
    }
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "contest_id", (double)cid) ||
        !add_raw(o, "scoreboard", board)) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

/* A window of the board from the incremental board in Redis (db_ranking.h),
 * which falls back to the full computation when Redis is down: the jury's
 * view for organizers, as contest.scoreboard. */
void srv__req_contest_board_window(struct srv_req_job *job, struct srv_job_env *env,
                                   struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_ranking_query q = {(size_t)p->window_from, (size_t)p->window_count, p->around,
                                 (size_t)p->radius};
    char *json = NULL;
    int err = db_ranking_window_json(&json, pg, srv_jobs_redis(env), p->contest_id,
                                     srv__privileged(&job->user), &q, gv_time_real_ms());

    if (err == GV_ENOTFOUND) {
        if (p->around)
            srv__fail(job, SRV_ERR_NOT_FOUND,
                      "user %" PRId64 " is not on the board of contest %" PRId64, p->around,
                      p->contest_id);
        else
            srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "scoreboard window");
        return;
    }
    job->data = json; /* {"contest_id", "total", "from", header..., "rows"} */
}

/* Logged first (PostgreSQL is the record, and a later subscriber's snapshot
 * lists it), then published on the live stream for the subscribers now. */
void srv__req_contest_announce(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    struct cst_event ev;
    int err;

    if (!srv__privileged(&job->user)) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "only organizers may announce");
        return;
    }
    err = db_contest_announce(&ev, pg, cid, job->user.id, job->req.p.text);
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "announcement");
        return;
    }
    srv__publish_logged(job, env, &ev, "announcement_id", ev.seq);
}

/* The whole reveal in one reply: the projector steps through it offline,
 * so a key press never waits for the server. */
void srv__req_contest_reveal(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    int64_t cid = job->req.p.contest_id;
    int err;

    if (!srv__privileged(&job->user)) {
        srv__fail(job, SRV_ERR_FORBIDDEN, "only organizers may run the reveal");
        return;
    }
    err = db_contest_reveal(&job->data, pg, cid, gv_time_real_ms());
    if (err == GV_ENOTFOUND)
        srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, cid);
    else if (err < 0)
        srv__fail_store(job, env, err, 0, "reveal");
}
