/* SPDX-License-Identifier: MIT
 * db_catalog.c - see db_catalog.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cst.h"
#include "db_catalog.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_utf8.h"
#include "banned.h"

/* A sample larger than this is cut (and flagged): the statement page is no
 * place for megabytes, and a reply must fit the connection's queue. */
#define SAMPLE_MAX (16 * 1024)

/* In every query here $1 is the viewer's id (NULL when anonymous).
 * Who may read a problem is contest/'s rule (cst_problem_readable), asked
 * after problem_facts; only the catalogue's list filters in SQL, to page,
 * with LISTED: the image of cst_problem_listed over the same facts at the
 * caller's clock ($2, ms), checked against it by test_db. */
#define LISTED                                                                                     \
    "p.is_public AND NOT EXISTS (SELECT 1 FROM contest_problems cp JOIN contests c ON c.id = "    \
    "cp.contest_id WHERE cp.problem_id = p.id AND c.starts_at > to_timestamp($2::bigint / "       \
    "1000.0))"
#define LIKED                                                                                      \
    "($1::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM problem_likes l WHERE l.problem_id = p.id " \
    "AND l.user_id = $1::bigint))"
#define STATUS                                                                                     \
    "CASE WHEN $1::bigint IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM submissions s WHERE "      \
    "s.problem_id = p.id AND s.user_id = $1::bigint AND s.verdict = 'AC') THEN 'solved' WHEN "    \
    "EXISTS (SELECT 1 FROM submissions s WHERE s.problem_id = p.id AND s.user_id = $1::bigint) "  \
    "THEN 'attempted' END"
/* The catalogue's counts as everyone may see them, `now` naming the
 * query's clock parameter (ms). gavel-judge recounts a problem's solves
 * and judged submissions after every verdict (db_judging_finish), a
 * frozen contest's included; shown as stored, a rising "solves" during the
 * freeze would tell everyone that a team solved the problem while the
 * board shows the attempt pending. So while a contest holding the problem
 * is frozen and its final standings are not published, the counts leave
 * out what the freeze withholds from the public board: the submissions of
 * such a contest made at or after its freeze (cst_board_shows_solve). The
 * recount runs only then; otherwise the stored counters are the same
 * numbers. */
#define FREEZE_HIDES(now)                                                                          \
    "(wc.freezes_at IS NOT NULL AND (wc.unfrozen_at IS NULL OR wc.unfrozen_at > "                  \
    "to_timestamp(" now "::bigint / 1000.0)))"
#define WITHHELD(now)                                                                              \
    "EXISTS (SELECT 1 FROM contests wc WHERE wc.id = s.contest_id AND " FREEZE_HIDES(now)         \
    " AND s.created_at >= wc.freezes_at)"
#define FROZEN_NOW(now)                                                                            \
    "EXISTS (SELECT 1 FROM contest_problems wcp JOIN contests wc ON wc.id = wcp.contest_id WHERE " \
    "wcp.problem_id = p.id AND " FREEZE_HIDES(now) " AND wc.freezes_at <= to_timestamp(" now      \
    "::bigint / 1000.0))"
#define SHOWN_SOLVES(now)                                                                          \
    "CASE WHEN " FROZEN_NOW(now) " THEN (SELECT count(DISTINCT s.user_id) FROM submissions s "    \
    "WHERE s.problem_id = p.id AND s.verdict = 'AC' AND NOT " WITHHELD(now) ") ELSE "             \
    "p.solve_count END"
#define SHOWN_SUBMISSIONS(now)                                                                     \
    "CASE WHEN " FROZEN_NOW(now) " THEN (SELECT count(*) FROM submissions s WHERE s.problem_id "  \
    "= p.id AND s.status = 'judged' AND NOT " WITHHELD(now) ") ELSE p.submission_count END"
#define SUBMISSION_FIELDS                                                                          \
    "'id', s.id, 'problem', p.slug, 'language', s.language, 'status', s.status, 'verdict', "      \
    "s.verdict, 'score', s.score, 'max_time_ms', s.max_time_ms, 'max_memory_kb', "                 \
    "s.max_memory_kb, 'created_at', " EPOCH_MS("s.created_at") ", 'contest_id', s.contest_id"

/* The viewer as the $1 of a query: its id, or NULL when anonymous. */
struct viewer_param {
    char uid[24];
    const char *p;
};

static void viewer_param(struct viewer_param *vp, const struct db_viewer *v)
{
    snprintf(vp->uid, sizeof(vp->uid), "%" PRId64, v->user_id);
    vp->p = v->user_id > 0 ? vp->uid : NULL;
}

int db_catalog_problems(char **json, struct db_pg *pg, const struct db_viewer *v,
                        const struct db_problem_query *q, int64_t now_ms)
{
    static const char *const sort_col[] = {
        [DB_SORT_NAME] = "p.name",
        [DB_SORT_DIFFICULTY] = "p.difficulty",
        [DB_SORT_LIKES] = "p.like_count",
        [DB_SORT_SOLVES] = "p.shown_solves", /* not the stored counter: see SHOWN_SOLVES */
    };
    char sql[6144], dmin[16], dmax[16], limit[16], offset[24], page[16], now[24];
    struct viewer_param vp;
    const char *dir = q->desc ? "DESC" : "ASC";
    int n;

    *json = NULL;
    if ((unsigned)q->sort >= sizeof(sort_col) / sizeof(sort_col[0]) || q->page < 1 ||
        q->page_size < 1 || q->page_size > 100)
        return GV_EINVAL;
    viewer_param(&vp, v);
    snprintf(dmin, sizeof(dmin), "%d", q->difficulty_min);
    snprintf(dmax, sizeof(dmax), "%d", q->difficulty_max);
    snprintf(limit, sizeof(limit), "%d", q->page_size);
    snprintf(offset, sizeof(offset), "%" PRId64, (int64_t)(q->page - 1) * q->page_size);
    snprintf(page, sizeof(page), "%d", q->page);
    /* The sort column comes from the table above, never from the client;
     * the slug breaks ties so pages never overlap. Unrated problems sort
     * last either way. */
    n = snprintf(
        sql, sizeof(sql),
        "WITH vis AS (SELECT p.*, " SHOWN_SOLVES("$2") " AS shown_solves, " SHOWN_SUBMISSIONS("$2")
        " AS shown_submissions FROM problems p WHERE " LISTED
        " AND ($3::int = 0 OR p.difficulty >= $3::int) AND ($4::int = 0 OR p.difficulty <= "
        "$4::int)), "
        "pg AS (SELECT p.*, row_number() OVER (ORDER BY %s %s NULLS LAST, p.slug) AS ord FROM vis p "
        "ORDER BY ord LIMIT $5::int OFFSET $6::bigint) "
        "SELECT json_build_object('problems', coalesce((SELECT json_agg(json_build_object("
        "'slug', p.slug, 'name', p.name, 'difficulty', p.difficulty, 'likes', p.like_count, "
        "'solves', p.shown_solves, 'submissions', p.shown_submissions, 'liked', " LIKED
        ", 'status', " STATUS ") ORDER BY p.ord) FROM pg p), '[]'::json), "
        "'total', (SELECT count(*) FROM vis), 'page', $7::int, 'page_size', $5::int)::text",
        sort_col[q->sort], dir);
    if (n < 0 || (size_t)n >= sizeof(sql))
        return GV_EINTERNAL;
    snprintf(now, sizeof(now), "%" PRId64, now_ms);
    {
        /* The list is the same for everyone: $2 is the clock here. */
        const char *p[] = {vp.p, now, dmin, dmax, limit, offset, page};
        return db_pg_query_value(json, pg, sql, 7, p);
    }
}

/* The facts contest/ decides a problem's visibility from, and its id
 * (gv_malloc'd text). GV_ENOTFOUND when there is no such problem. */
static int problem_facts(struct cst_problem_facts *f, char **id, struct db_pg *pg, const char *slug)
{
    const char *p[] = {slug};
    PGresult *res = NULL;
    int err;

    *id = NULL;
    err = db__pg_select(&res, pg, "problem facts",
                        "SELECT p.id, p.is_public, count(c.id), coalesce(max("
                        EPOCH_MS("c.starts_at") "), 0) FROM problems p LEFT JOIN "
                        "contest_problems cp ON cp.problem_id = p.id LEFT JOIN contests c ON "
                        "c.id = cp.contest_id WHERE p.slug = $1 GROUP BY p.id",
                        1, p);
    if (err < 0)
        return err;
    if (PQntuples(res) != 1) {
        err = GV_ENOTFOUND;
    } else {
        f->is_public = !strcmp(PQgetvalue(res, 0, 1), "t");
        f->ncontests = (size_t)strtoull(PQgetvalue(res, 0, 2), NULL, 10);
        f->last_start_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        *id = gv_strdup(PQgetvalue(res, 0, 0));
        err = *id ? 0 : -ENOMEM;
    }
    PQclear(res);
    return err;
}

/* The id of a problem `v` may read now (gv_malloc'd text), and `v` as a
 * query's $1, or GV_ENOTFOUND: unknown and unreadable answer alike, so
 * probing reveals nothing. */
static int readable_problem(char **id, struct viewer_param *vp, struct db_pg *pg,
                            const struct db_viewer *v, const char *slug, int64_t now_ms)
{
    struct cst_problem_facts f;
    int err = problem_facts(&f, id, pg, slug);

    viewer_param(vp, v);
    if (err == 0 && !cst_problem_readable(&f, v->privileged, now_ms)) {
        gv_free(*id);
        *id = NULL;
        err = GV_ENOTFOUND;
    }
    return err;
}

/* Adds samples [{name,input,answer}] of version `version_id` to `obj`. */
static int add_samples(struct db_pg *pg, cJSON *obj, const char *version_id)
{
    const char *p[] = {version_id};
    cJSON *arr = cJSON_AddArrayToObject(obj, "samples");
    PGresult *res;
    int err = 0;

    if (!arr)
        return -ENOMEM;
    res = PQexecParams(pg->conn,
                       "SELECT name, encode(input_blob, 'hex'), encode(answer_blob, 'hex') FROM "
                       "test_cases WHERE problem_version_id = $1 AND is_sample ORDER BY ordinal",
                       1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "samples");
        goto out;
    }
    for (int i = 0; i < PQntuples(res) && err == 0; i++) {
        cJSON *s = cJSON_CreateObject();
        static const char *const keys[] = {"input", "answer"};

        if (!s || !cJSON_AddItemToArray(arr, s) ||
            !cJSON_AddStringToObject(s, "name", PQgetvalue(res, i, 0))) {
            cJSON_Delete(s);
            err = -ENOMEM;
            break;
        }
        for (int k = 0; k < 2 && err == 0; k++) {
            void *data = NULL;
            size_t len = 0;
            char *text;

            err = db_blob_get(&data, &len, pg, PQgetvalue(res, i, 1 + k));
            if (err < 0)
                break;
            if (len > SAMPLE_MAX) {
                len = SAMPLE_MAX;
                if (!cJSON_AddTrueToObject(s, "truncated"))
                    err = -ENOMEM;
            }
            text = gv_utf8_sanitize(data, len);
            gv_free(data);
            if (!text || !cJSON_AddStringToObject(s, keys[k], text))
                err = -ENOMEM;
            gv_free(text);
        }
    }
out:
    PQclear(res);
    return err;
}

/* One row's JSON object, built by the query, parsed: GV_ENOTFOUND when the
 * query returns no row. */
static int query_object(cJSON **out, struct db_pg *pg, const char *sql, int nparams,
                        const char *const *params)
{
    char *text = NULL;
    int err = db_pg_query_value(&text, pg, sql, nparams, params);

    *out = NULL;
    if (err == 0 && !text)
        err = GV_ENOTFOUND;
    if (err == 0 && !(*out = cJSON_Parse(text)))
        err = -ENOMEM;
    gv_free(text);
    return err;
}

int db_catalog_problem(char **json, struct db_pg *pg, const struct db_viewer *v, const char *slug,
                       int64_t now_ms)
{
    struct viewer_param vp;
    char *vid_text = NULL, *pid = NULL;
    cJSON *obj = NULL, *vid;
    int err;

    *json = NULL;
    err = readable_problem(&pid, &vp, pg, v, slug, now_ms);
    if (err < 0)
        goto out;
    {
        char now[24];
        const char *p[] = {vp.p, pid, now};

        snprintf(now, sizeof(now), "%" PRId64, now_ms);
        err = query_object(
            &obj, pg,
            "SELECT json_build_object('slug', p.slug, 'name', p.name, 'difficulty', p.difficulty, "
            "'statement_md', pv.statement_md, 'time_limit_ms', pv.time_limit_ms, "
            "'memory_limit_kb', pv.memory_limit_kb, 'likes', p.like_count, 'solves', "
            SHOWN_SOLVES("$3") ", 'submissions', " SHOWN_SUBMISSIONS("$3") ", 'liked', " LIKED
            ", 'status', " STATUS ", 'version_id', pv.id)::text FROM problems p JOIN "
            "problem_versions pv ON pv.problem_id = p.id AND pv.version = p.current_version "
            "WHERE p.id = $2::bigint",
            3, p);
    }
    if (err < 0)
        goto out;
    vid = cJSON_DetachItemFromObjectCaseSensitive(obj, "version_id");
    if (!cJSON_IsNumber(vid)) {
        cJSON_Delete(vid);
        err = GV_EINTERNAL;
        goto out;
    }
    vid_text = cJSON_PrintUnformatted(vid);
    cJSON_Delete(vid);
    if (!vid_text) {
        err = -ENOMEM;
        goto out;
    }
    err = add_samples(pg, obj, vid_text);
    if (err < 0)
        goto out;
    *json = cJSON_PrintUnformatted(obj);
    if (!*json)
        err = -ENOMEM;
out:
    cJSON_free(vid_text);
    cJSON_Delete(obj);
    gv_free(pid);
    return err;
}

int db_catalog_like(int64_t *likes, struct db_pg *pg, const struct db_viewer *v, const char *slug,
                    bool like, int64_t now_ms)
{
    struct viewer_param vp;
    char *val = NULL;
    int err;

    if (v->user_id <= 0)
        return GV_EINVAL;
    err = readable_problem(&val, &vp, pg, v, slug, now_ms);
    if (err < 0)
        return err;
    {
        /* The counter moves only with a row actually added or removed, in
         * the same statement, so a double click or two tabs never skew it. */
        const char *p[] = {vp.p, val};
        err = db_pg_exec(
            NULL, pg,
            like ? "WITH ins AS (INSERT INTO problem_likes (user_id, problem_id) VALUES ($1, $2) "
                   "ON CONFLICT DO NOTHING RETURNING problem_id) UPDATE problems SET like_count = "
                   "like_count + 1 WHERE id IN (SELECT problem_id FROM ins)"
                 : "WITH del AS (DELETE FROM problem_likes WHERE user_id = $1 AND problem_id = $2 "
                   "RETURNING problem_id) UPDATE problems SET like_count = like_count - 1 WHERE "
                   "id IN (SELECT problem_id FROM del)",
            2, p);
        if (err < 0)
            goto out;
    }
    gv_free(val);
    val = NULL;
    {
        const char *p[] = {slug};
        err = db_pg_query_value(&val, pg, "SELECT like_count FROM problems WHERE slug = $1", 1, p);
    }
    if (err == 0)
        *likes = val ? strtoll(val, NULL, 10) : 0;
out:
    gv_free(val);
    return err;
}

int db_catalog_can_submit(struct cst_schedule *out_sched, struct db_pg *pg, const struct db_viewer *v,
                          const char *slug,
                          int64_t contest_id, int64_t now_ms)
{
    struct viewer_param vp;
    struct cst_schedule sched;
    PGresult *res = NULL;
    char cid[24], *pid = NULL;
    int err;

    if (contest_id == 0) {
        err = readable_problem(&pid, &vp, pg, v, slug, now_ms);
        gv_free(pid);
        return err;
    }
    viewer_param(&vp, v);
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    {
        const char *p[] = {vp.p, slug, cid};
        err = db__pg_select(
            &res, pg, "contest submit facts",
            "SELECT " EPOCH_MS("c.starts_at") ", coalesce(" EPOCH_MS("c.freezes_at") ", 0), "
            EPOCH_MS("c.ends_at") ", coalesce(" EPOCH_MS("c.unfrozen_at") ", 0), EXISTS (SELECT 1 "
            "FROM participants pa WHERE pa.contest_id = c.id AND pa.user_id = $1::bigint), "
            "EXISTS (SELECT 1 FROM contest_problems cp JOIN problems p ON p.id = cp.problem_id "
            "WHERE cp.contest_id = c.id AND p.slug = $2) FROM contests c WHERE c.id = $3::bigint",
            3, p);
    }
    if (err < 0)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return GV_ENOTFOUND;
    }
    sched = (struct cst_schedule){strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                  strtoll(PQgetvalue(res, 0, 1), NULL, 10),
                                  strtoll(PQgetvalue(res, 0, 2), NULL, 10),
                                  strtoll(PQgetvalue(res, 0, 3), NULL, 10)};
    if (out_sched)
        *out_sched = sched;
    switch (cst_submit_check(&sched, v->privileged, !strcmp(PQgetvalue(res, 0, 4), "t"),
                             !strcmp(PQgetvalue(res, 0, 5), "t"), now_ms)) {
    case CST_SUBMIT_OK:
        err = 0;
        break;
    case CST_SUBMIT_NOT_RUNNING:
        err = -EACCES;
        break;
    case CST_SUBMIT_NOT_REGISTERED:
        err = -EPERM;
        break;
    case CST_SUBMIT_NOT_IN_CONTEST:
        err = GV_EINVAL;
        break;
    }
    PQclear(res);
    return err;
}

int db_catalog_my_submissions(char **json, struct db_pg *pg, int64_t user_id, int page,
                              int page_size)
{
    char uid[24], limit[16], offset[24];
    const char *p[] = {uid, limit, offset};

    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    snprintf(limit, sizeof(limit), "%d", page_size);
    snprintf(offset, sizeof(offset), "%" PRId64, (int64_t)(page - 1) * page_size);
    return db_pg_query_value(
        json, pg,
        "SELECT json_build_object('submissions', "
        "coalesce(json_agg(json_build_object(" SUBMISSION_FIELDS
        ") ORDER BY s.id DESC), '[]'::json))::text FROM (SELECT * FROM "
        "submissions WHERE user_id = $1 ORDER BY id DESC LIMIT $2::int OFFSET $3::bigint) s JOIN "
        "problems p ON p.id = s.problem_id",
        3, p);
}

int db_catalog_submission(char **json, struct db_pg *pg, const struct db_viewer *v, int64_t id,
                          bool with_source)
{
    char sid[24];
    cJSON *obj = NULL, *owner, *blob;
    void *src = NULL;
    size_t src_len = 0;
    char *text = NULL;
    const char *p[] = {sid};
    int err;

    *json = NULL;
    snprintf(sid, sizeof(sid), "%" PRId64, id);
    err = query_object(
        &obj, pg,
        "SELECT json_build_object(" SUBMISSION_FIELDS ", 'user_id', s.user_id, 'compile_output', "
        "s.compile_output, 'source_blob', encode(s.source_blob, 'hex'), 'tests', coalesce(("
        "SELECT json_agg(json_build_object('test', tc.ordinal, 'name', tc.name, 'sample', "
        "tc.is_sample, 'verdict', jt.verdict, 'cpu_ms', jt.cpu_ms, 'wall_ms', jt.wall_ms, "
        "'memory_kb', jt.memory_kb) "
        "ORDER BY tc.ordinal) FROM judgings j JOIN judging_tests jt ON jt.judging_id = j.id JOIN "
        "test_cases tc ON tc.id = jt.test_case_id WHERE j.submission_id = s.id AND j.is_valid), "
        "'[]'::json))::text FROM submissions s JOIN problems p ON p.id = s.problem_id WHERE "
        "s.id = $1::bigint",
        1, p);
    if (err < 0)
        goto out;
    owner = cJSON_GetObjectItemCaseSensitive(obj, "user_id");
    if (!v->privileged && (!cJSON_IsNumber(owner) || (int64_t)owner->valuedouble != v->user_id)) {
        err = -EACCES;
        goto out;
    }
    blob = cJSON_DetachItemFromObjectCaseSensitive(obj, "source_blob");
    if (with_source && cJSON_IsString(blob)) {
        err = db_blob_get(&src, &src_len, pg, blob->valuestring);
        if (err == 0) {
            text = gv_utf8_sanitize(src, src_len);
            if (!text || !cJSON_AddStringToObject(obj, "source", text))
                err = -ENOMEM;
        }
    }
    cJSON_Delete(blob);
    if (err < 0)
        goto out;
    *json = cJSON_PrintUnformatted(obj);
    if (!*json)
        err = -ENOMEM;
out:
    gv_free(text);
    gv_free(src);
    cJSON_Delete(obj);
    return err;
}

static int64_t ms_or_zero(const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int db_catalog_contest(struct db_contest_info *out, struct db_pg *pg, int64_t id)
{
    char cid[24];
    const char *p[] = {cid};
    PGresult *res;
    int err = 0;

    snprintf(cid, sizeof(cid), "%" PRId64, id);
    res = PQexecParams(pg->conn,
                       "SELECT slug, title, " EPOCH_MS("starts_at") ", " EPOCH_MS(
                           "freezes_at") ", " EPOCH_MS("ends_at") ", " EPOCH_MS("unfrozen_at")
                       " FROM contests WHERE id = $1::bigint",
                       1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "contest");
        goto out;
    }
    if (PQntuples(res) < 1) {
        err = GV_ENOTFOUND;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->id = id;
    snprintf(out->slug, sizeof(out->slug), "%s", PQgetvalue(res, 0, 0));
    snprintf(out->title, sizeof(out->title), "%s", PQgetvalue(res, 0, 1));
    out->starts_at_ms = ms_or_zero(res, 2);
    out->freezes_at_ms = ms_or_zero(res, 3);
    out->ends_at_ms = ms_or_zero(res, 4);
    out->unfrozen_at_ms = ms_or_zero(res, 5);
out:
    PQclear(res);
    return err;
}
