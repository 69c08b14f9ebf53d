/* SPDX-License-Identifier: MIT
 * db_judging.c - see db_judging.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db_event.h"
#include "db_judging.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

#define I64(buf, v) snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)(v))

static int load_submission(struct db_submission *out, struct db_pg *pg, int64_t id)
{
    char sid[24];
    const char *p[] = {sid};
    PGresult *res;
    int err = 0;

    I64(sid, id);
    /* FOR UPDATE: two workers starting the same submission serialize here,
     * so the second sees the first's judging and supersedes it cleanly. */
    err = db__pg_select(&res, pg, "load submission",
                        "SELECT id, user_id, problem_id, problem_version_id, "
                        "coalesce(contest_id, 0), language, encode(source_blob, 'hex'), status, "
                        "priority, rejudge_requested_at IS NOT NULL FROM submissions "
                        "WHERE id = $1 FOR UPDATE",
                        1, p);
    if (err < 0) {
        return err;
    } else if (PQntuples(res) != 1) {
        err = GV_ENOTFOUND;
    } else {
        out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        out->user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        out->problem_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        out->version_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        out->contest_id = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
        snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 5));
        snprintf(out->source_sha256, sizeof(out->source_sha256), "%s", PQgetvalue(res, 0, 6));
        snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(res, 0, 7));
        out->priority = (int)strtol(PQgetvalue(res, 0, 8), NULL, 10);
        out->rejudge_requested = PQgetvalue(res, 0, 9)[0] == 't';
    }
    PQclear(res);
    return err;
}

int db_judging_start(struct db_submission *out, int64_t *judging_id, struct db_pg *pg,
                     int64_t submission_id, const char *judge_host, bool rejudge)
{
    char sid[24], *val = NULL;
    int err;

    memset(out, 0, sizeof(out[0]));
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    err = load_submission(out, pg, submission_id);
    if (err < 0)
        goto out;
    /* Judged, and no rejudge outstanding: a duplicate delivery (a crash
     * between commit and acknowledgement, or a rejudge already done). */
    if (!strcmp(out->status, "judged") && (!rejudge || !out->rejudge_requested)) {
        err = GV_EEXIST;
        goto out;
    }
    I64(sid, submission_id);
    {
        /* An unfinished judging belongs to a worker that died or was too
         * slow; a rejudge also retires the finished one. Either way, from
         * now on only the new judging may write a result. */
        const char *p[] = {sid, rejudge ? "true" : "false"};
        err = db_pg_exec(NULL, pg,
                         "UPDATE judgings SET is_valid = false WHERE submission_id = $1 AND "
                         "is_valid AND (finished_at IS NULL OR $2::boolean)",
                         2, p);
        if (err < 0)
            goto out;
    }
    {
        /* The clock, not the transaction's start: a judging that waited
         * above for a rejudge batch to commit must count as started after
         * it (db_judging_finish links the two by these times). */
        const char *p[] = {sid, judge_host};
        err = db_pg_query_value(&val, pg,
                                "INSERT INTO judgings (submission_id, judge_host, started_at) "
                                "VALUES ($1, $2, clock_timestamp()) RETURNING id",
                                2, p);
        if (err < 0)
            goto out;
        *judging_id = val ? strtoll(val, NULL, 10) : 0;
    }
    if (strcmp(out->status, "judged") != 0) {
        const char *p[] = {sid};
        err =
            db_pg_exec(NULL, pg, "UPDATE submissions SET status = 'compiling' WHERE id = $1", 1, p);
    }
out:
    gv_free(val);
    return db__pg_tx_end(pg, err);
}

int db_judging_running(struct db_pg *pg, int64_t submission_id)
{
    char sid[24];
    const char *p[] = {sid};

    I64(sid, submission_id);
    return db_pg_exec(NULL, pg,
                      "UPDATE submissions SET status = 'running' WHERE id = $1 AND "
                      "status <> 'judged'",
                      1, p);
}

/* The verdict as the event every reader decodes (cst_event.h). */
static int verdict_event(struct cst_event *ev, const struct db_submission *sub,
                         const struct db_judging_result *r, int64_t judging_id)
{
    cst_event_init(ev, CST_EVENT_JUDGING_VERDICT);
    ev->submission_id = sub->id;
    ev->user_id = sub->user_id;
    ev->contest_id = sub->contest_id;
    ev->u.verdict.problem_id = sub->problem_id;
    ev->u.verdict.judging_id = judging_id;
    if ((size_t)snprintf(ev->u.verdict.verdict, sizeof(ev->u.verdict.verdict), "%s",
                         r->verdict) >= sizeof(ev->u.verdict.verdict))
        return GV_EINVAL;
    ev->u.verdict.score = r->score;
    ev->u.verdict.max_time_ms = r->max_time_ms;
    ev->u.verdict.max_memory_kb = r->max_memory_kb;
    return cst_event_valid(ev) ? 0 : GV_EINVAL;
}

int db_judging_finish(struct cst_event *out, struct db_pg *pg, int64_t judging_id,
                      const struct db_submission *sub, const struct db_judging_result *r)
{
    char jid[24], sid[24], pid[24], score[48], tmax[24], mmax[24];
    struct cst_event ev;
    int64_t affected = 0;
    int err;

    I64(jid, judging_id);
    I64(sid, sub->id);
    I64(pid, sub->problem_id);
    I64(tmax, r->max_time_ms);
    I64(mmax, r->max_memory_kb);
    snprintf(score, sizeof(score), "%.3f", r->score);
    err = verdict_event(&ev, sub, r, judging_id);
    if (err < 0)
        return err;
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    {
        const char *p[] = {jid, r->verdict, score, tmax, mmax};
        err = db_pg_exec(&affected, pg,
                         "UPDATE judgings SET verdict = $2, score = $3, max_time_ms = $4, "
                         "max_memory_kb = $5, finished_at = now() WHERE id = $1 AND is_valid "
                         "AND finished_at IS NULL",
                         5, p);
        if (err == 0 && affected != 1)
            err = GV_EEXIST;
        if (err < 0)
            goto out;
    }
    for (size_t i = 0; i < r->ntests; i++) {
        const struct db_test_result *t = &r->tests[i];
        char tc[24], cpu[24], wall[24], mem[24];
        I64(tc, t->test_case_id);
        I64(cpu, t->cpu_ms);
        I64(wall, t->wall_ms);
        I64(mem, t->memory_kb);
        const char *p[] = {jid, tc, t->verdict, cpu, wall, mem};
        err = db_pg_exec(NULL, pg,
                         "INSERT INTO judging_tests (judging_id, test_case_id, verdict, cpu_ms, "
                         "wall_ms, memory_kb) VALUES ($1, $2, $3, $4, $5, $6)",
                         6, p);
        if (err < 0)
            goto out;
    }
    {
        /* A rejudge requested after this judging started is still to do:
         * its mark stays, and the queue's recovery sweep queues it again. */
        const char *p[] = {sid, r->verdict, score, tmax, mmax, r->compile_output, jid};
        err = db_pg_exec(NULL, pg,
                         "UPDATE submissions SET status = 'judged', verdict = $2, score = $3, "
                         "max_time_ms = $4, max_memory_kb = $5, compile_output = $6, "
                         "judged_at = now(), rejudge_requested_at = CASE WHEN "
                         "rejudge_requested_at > (SELECT started_at FROM judgings WHERE id = $7) "
                         "THEN rejudge_requested_at END WHERE id = $1",
                         7, p);
        if (err < 0)
            goto out;
    }
    {
        /* This verdict answers the rejudge batches made before the judging
         * started that were still waiting for one (db_rejudge.h). */
        const char *p[] = {jid, sid};
        err = db_pg_exec(NULL, pg,
                         "UPDATE rejudge_items ri SET judging_id = j.id FROM rejudges r, judgings "
                         "j WHERE ri.submission_id = $2 AND ri.judging_id IS NULL AND r.id = "
                         "ri.rejudge_id AND j.id = $1 AND j.started_at >= r.created_at",
                         2, p);
        if (err < 0)
            goto out;
    }
    {
        /* Recounted rather than incremented: a rejudge that flips a
         * verdict keeps the counters right without special cases. */
        const char *p[] = {pid};
        err = db_pg_exec(NULL, pg,
                         "UPDATE problems SET submission_count = (SELECT count(*) FROM "
                         "submissions WHERE problem_id = $1 AND status = 'judged'), "
                         "solve_count = (SELECT count(DISTINCT user_id) FROM submissions WHERE "
                         "problem_id = $1 AND verdict = 'AC') WHERE id = $1",
                         1, p);
        if (err < 0)
            goto out;
    }
    err = db_event_insert(pg, &ev);
out:
    err = db__pg_tx_end(pg, err);
    if (err == 0)
        *out = ev;
    return err;
}
