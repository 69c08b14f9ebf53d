/* SPDX-License-Identifier: MIT
 * db_catalog.c - see db_catalog.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db_catalog.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_utf8.h"
#include "banned.h"

/* A sample larger than this is cut (and flagged): the statement page is no
 * place for megabytes, and a reply must fit the connection's queue. */
#define SAMPLE_MAX (16 * 1024)

/* $1 is the viewer's id (NULL when anonymous), $2 'true' when privileged. */
#define NOT_IN_FUTURE_CONTEST                                                                      \
    "NOT EXISTS (SELECT 1 FROM contest_problems cp JOIN contests c ON c.id = cp.contest_id "       \
    "WHERE cp.problem_id = p.id AND c.starts_at > now())"
#define VISIBLE                                                                                    \
    "($2::boolean OR ((p.is_public OR EXISTS (SELECT 1 FROM contest_problems cp JOIN contests c " \
    "ON c.id = cp.contest_id WHERE cp.problem_id = p.id AND c.starts_at <= now())) AND " \
    NOT_IN_FUTURE_CONTEST "))"
#define LIKED                                                                                      \
    "($1::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM problem_likes l WHERE l.problem_id = p.id " \
    "AND l.user_id = $1::bigint))"
#define STATUS                                                                                     \
    "CASE WHEN $1::bigint IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM submissions s WHERE "      \
    "s.problem_id = p.id AND s.user_id = $1::bigint AND s.verdict = 'AC') THEN 'solved' WHEN "    \
    "EXISTS (SELECT 1 FROM submissions s WHERE s.problem_id = p.id AND s.user_id = $1::bigint) "  \
    "THEN 'attempted' END"
#define EPOCH_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define SUBMISSION_FIELDS                                                                          \
    "'id', s.id, 'problem', p.slug, 'language', s.language, 'status', s.status, 'verdict', "      \
    "s.verdict, 'score', s.score, 'max_time_ms', s.max_time_ms, 'max_memory_kb', "                 \
    "s.max_memory_kb, 'created_at', " EPOCH_MS("s.created_at") ", 'contest_id', s.contest_id"

struct viewer_params {
    char uid[24];
    const char *p[2];
};

static void viewer_params(struct viewer_params *vp, const struct db_viewer *v)
{
    snprintf(vp->uid, sizeof(vp->uid), "%" PRId64, v->user_id);
    vp->p[0] = v->user_id > 0 ? vp->uid : NULL;
    vp->p[1] = v->privileged ? "true" : "false";
}

int db_catalog_problems(struct db_pg *pg, const struct db_viewer *v, const struct db_problem_query *q,
                        char **json)
{
    static const char *const sort_col[] = {
        [DB_SORT_NAME] = "p.name",
        [DB_SORT_DIFFICULTY] = "p.difficulty",
        [DB_SORT_LIKES] = "p.like_count",
        [DB_SORT_SOLVES] = "p.solve_count",
    };
    char sql[3072], dmin[16], dmax[16], limit[16], offset[24], page[16];
    struct viewer_params vp;
    const char *dir = q->desc ? "DESC" : "ASC";
    int n;

    *json = NULL;
    if ((unsigned)q->sort >= sizeof(sort_col) / sizeof(sort_col[0]) || q->page < 1 ||
        q->page_size < 1 || q->page_size > 100)
        return GV_EINVAL;
    viewer_params(&vp, v);
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
        "WITH vis AS (SELECT p.* FROM problems p WHERE p.is_public AND " NOT_IN_FUTURE_CONTEST
        " AND ($3::int = 0 OR p.difficulty >= $3::int) AND ($4::int = 0 OR p.difficulty <= "
        "$4::int) AND ($2::boolean OR true)), "
        "pg AS (SELECT p.*, row_number() OVER (ORDER BY %s %s NULLS LAST, p.slug) AS ord FROM vis p "
        "ORDER BY ord LIMIT $5::int OFFSET $6::bigint) "
        "SELECT json_build_object('problems', coalesce((SELECT json_agg(json_build_object("
        "'slug', p.slug, 'name', p.name, 'difficulty', p.difficulty, 'likes', p.like_count, "
        "'solves', p.solve_count, 'submissions', p.submission_count, 'liked', " LIKED
        ", 'status', " STATUS ") ORDER BY p.ord) FROM pg p), '[]'::json), "
        "'total', (SELECT count(*) FROM vis), 'page', $7::int, 'page_size', $5::int)::text",
        sort_col[q->sort], dir);
    if (n < 0 || (size_t)n >= sizeof(sql))
        return GV_EINTERNAL;
    {
        const char *p[] = {vp.p[0], vp.p[1], dmin, dmax, limit, offset, page};
        return db_pg_query_value(pg, json, sql, 7, p);
    }
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

            err = db_blob_get(pg, &data, &len, PQgetvalue(res, i, 1 + k));
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

int db_catalog_problem(struct db_pg *pg, const struct db_viewer *v, const char *slug, char **json)
{
    struct viewer_params vp;
    char *meta = NULL, *vid_text = NULL;
    cJSON *obj = NULL, *vid;
    int err;

    *json = NULL;
    viewer_params(&vp, v);
    {
        const char *p[] = {vp.p[0], vp.p[1], slug};
        err = db_pg_query_value(
            pg, &meta,
            "SELECT json_build_object('slug', p.slug, 'name', p.name, 'difficulty', p.difficulty, "
            "'statement_md', pv.statement_md, 'time_limit_ms', pv.time_limit_ms, "
            "'memory_limit_kb', pv.memory_limit_kb, 'likes', p.like_count, 'solves', "
            "p.solve_count, 'submissions', p.submission_count, 'liked', " LIKED
            ", 'status', " STATUS ", 'version_id', pv.id)::text FROM problems p JOIN "
            "problem_versions pv ON pv.problem_id = p.id AND pv.version = p.current_version "
            "WHERE p.slug = $3 AND " VISIBLE,
            3, p);
    }
    if (err < 0)
        goto out;
    if (!meta) {
        err = GV_ENOTFOUND;
        goto out;
    }
    obj = cJSON_Parse(meta);
    vid = cJSON_DetachItemFromObjectCaseSensitive(obj, "version_id");
    if (!obj || !cJSON_IsNumber(vid)) {
        cJSON_Delete(vid);
        err = obj ? GV_EINTERNAL : -ENOMEM;
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
    gv_free(meta);
    return err;
}

int db_catalog_like(struct db_pg *pg, const struct db_viewer *v, const char *slug, bool like,
                    int64_t *likes)
{
    struct viewer_params vp;
    char *val = NULL;
    int err;

    if (v->user_id <= 0)
        return GV_EINVAL;
    viewer_params(&vp, v);
    {
        const char *p[] = {vp.p[0], vp.p[1], slug};
        err = db_pg_query_value(pg, &val, "SELECT p.id FROM problems p WHERE p.slug = $3 AND "
                                "$1::bigint IS NOT NULL AND " VISIBLE, 3, p);
    }
    if (err < 0)
        return err;
    if (!val)
        return GV_ENOTFOUND;
    {
        /* The counter moves only with a row actually added or removed, in
         * the same statement, so a double click or two tabs never skew it. */
        const char *p[] = {vp.p[0], val};
        err = db_pg_exec(
            pg, NULL,
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
        err = db_pg_query_value(pg, &val, "SELECT like_count FROM problems WHERE slug = $1", 1, p);
    }
    if (err == 0)
        *likes = val ? strtoll(val, NULL, 10) : 0;
out:
    gv_free(val);
    return err;
}

int db_catalog_can_submit(struct db_pg *pg, const struct db_viewer *v, const char *slug,
                          int64_t contest_id)
{
    struct viewer_params vp;
    char cid[24], *val = NULL;
    int err;

    viewer_params(&vp, v);
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    if (contest_id == 0) {
        const char *p[] = {vp.p[0], vp.p[1], slug};
        err = db_pg_query_value(pg, &val,
                                "SELECT 1 FROM problems p WHERE p.slug = $3 AND "
                                "($1::bigint IS NULL OR true) AND " VISIBLE, 3, p);
        if (err == 0 && !val)
            err = GV_ENOTFOUND;
        gv_free(val);
        return err;
    }
    {
        /* The contest's phase is checked before its problems: a contest
         * that has not started answers the same whatever the slug, so
         * probing slugs reveals nothing of its problem set. 'n' not
         * running, 'x' not in it, 'r' fine; no row: no such contest. */
        const char *p[] = {vp.p[0], vp.p[1], slug, cid};
        err = db_pg_query_value(
            pg, &val,
            "SELECT CASE WHEN NOT ($2::boolean OR (c.starts_at <= now() AND now() < c.ends_at)) "
            "THEN 'n' WHEN NOT $2::boolean AND NOT EXISTS (SELECT 1 FROM participants pa WHERE "
            "pa.contest_id = c.id AND pa.user_id = $1::bigint) THEN 'u' WHEN EXISTS (SELECT 1 "
            "FROM contest_problems cp JOIN problems p ON p.id = cp.problem_id WHERE "
            "cp.contest_id = c.id AND p.slug = $3) THEN 'r' ELSE 'x' END "
            "FROM contests c WHERE c.id = $4::bigint",
            4, p);
    }
    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    else if (err == 0 && !strcmp(val, "n"))
        err = -EACCES;
    else if (err == 0 && !strcmp(val, "x"))
        err = GV_EINVAL;
    else if (err == 0 && !strcmp(val, "u"))
        err = -EPERM;
    gv_free(val);
    return err;
}

int db_catalog_my_submissions(struct db_pg *pg, int64_t user_id, int page, int page_size,
                              char **json)
{
    char uid[24], limit[16], offset[24];
    const char *p[] = {uid, limit, offset};

    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    snprintf(limit, sizeof(limit), "%d", page_size);
    snprintf(offset, sizeof(offset), "%" PRId64, (int64_t)(page - 1) * page_size);
    return db_pg_query_value(
        pg, json,
        "SELECT json_build_object('submissions', coalesce(json_agg(json_build_object("
        SUBMISSION_FIELDS ") ORDER BY s.id DESC), '[]'::json))::text FROM (SELECT * FROM "
        "submissions WHERE user_id = $1 ORDER BY id DESC LIMIT $2::int OFFSET $3::bigint) s JOIN "
        "problems p ON p.id = s.problem_id",
        3, p);
}

int db_catalog_submission(struct db_pg *pg, const struct db_viewer *v, int64_t id, bool with_source,
                          char **json)
{
    char sid[24], *meta = NULL;
    cJSON *obj = NULL, *owner, *blob;
    void *src = NULL;
    size_t src_len = 0;
    char *text = NULL;
    const char *p[] = {sid};
    int err;

    *json = NULL;
    snprintf(sid, sizeof(sid), "%" PRId64, id);
    err = db_pg_query_value(
        pg, &meta,
        "SELECT json_build_object(" SUBMISSION_FIELDS ", 'user_id', s.user_id, 'compile_output', "
        "s.compile_output, 'source_blob', encode(s.source_blob, 'hex'), 'tests', coalesce(("
        "SELECT json_agg(json_build_object('test', tc.ordinal, 'name', tc.name, 'verdict', "
        "jt.verdict, 'cpu_ms', jt.cpu_ms, 'wall_ms', jt.wall_ms, 'memory_kb', jt.memory_kb) "
        "ORDER BY tc.ordinal) FROM judgings j JOIN judging_tests jt ON jt.judging_id = j.id JOIN "
        "test_cases tc ON tc.id = jt.test_case_id WHERE j.submission_id = s.id AND j.is_valid), "
        "'[]'::json))::text FROM submissions s JOIN problems p ON p.id = s.problem_id WHERE "
        "s.id = $1::bigint",
        1, p);
    if (err < 0)
        goto out;
    if (!meta) {
        err = GV_ENOTFOUND;
        goto out;
    }
    obj = cJSON_Parse(meta);
    if (!obj) {
        err = -ENOMEM;
        goto out;
    }
    owner = cJSON_GetObjectItemCaseSensitive(obj, "user_id");
    if (!v->privileged && (!cJSON_IsNumber(owner) || (int64_t)owner->valuedouble != v->user_id)) {
        err = -EACCES;
        goto out;
    }
    blob = cJSON_DetachItemFromObjectCaseSensitive(obj, "source_blob");
    if (with_source && cJSON_IsString(blob)) {
        err = db_blob_get(pg, &src, &src_len, blob->valuestring);
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
    gv_free(meta);
    return err;
}

static int64_t ms_or_zero(const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int db_catalog_contest(struct db_pg *pg, int64_t id, struct db_contest_info *out)
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
