/* SPDX-License-Identifier: MIT
 * db_problem.c - see db_problem.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_problem.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

static void fmt_i64(char *buf, size_t len, int64_t v)
{
    snprintf(buf, len, "%" PRId64, v);
}

int db_problem_import(bool *unchanged, struct db_pg *pg, struct db_problem_version *v)
{
    char *val = NULL, pid[24], tl[24], ml[24], ol[24], ver[24], vid[24];
    int err;

    *unchanged = false;
    /* The problem row first (locked), so two importers of one slug queue
     * up instead of both computing version n+1. */
    {
        const char *p[] = {v->slug, v->name};
        err = db_pg_query_value(&val, pg,
                                "INSERT INTO problems (slug, name) VALUES ($1, $2) "
                                "ON CONFLICT (slug) DO UPDATE SET updated_at = now() "
                                "RETURNING id",
                                2, p);
        if (err < 0)
            goto out;
        v->problem_id = val ? strtoll(val, NULL, 10) : 0;
        gv_free(val);
        val = NULL;
    }
    fmt_i64(pid, sizeof(pid), v->problem_id);
    {
        const char *p[] = {pid};
        err = db_pg_query_value(
            &val, pg,
            "SELECT coalesce(max(version), 0) || ' ' || coalesce((SELECT encode(package_sha256, "
            "'hex') FROM problem_versions WHERE problem_id = $1 ORDER BY version DESC LIMIT 1), "
            "'') FROM problem_versions WHERE problem_id = $1",
            1, p);
        if (err < 0)
            goto out;
    }
    {
        char *sp = val ? strchr(val, ' ') : NULL;
        v->version = val ? (int)strtol(val, NULL, 10) + 1 : 1;
        if (sp && !strcmp(sp + 1, v->package_sha256) && v->version > 1) {
            *unchanged = true;
            v->version--;
            err = 0;
            goto out;
        }
    }
    fmt_i64(ver, sizeof(ver), v->version);
    fmt_i64(tl, sizeof(tl), v->time_limit_ms);
    fmt_i64(ml, sizeof(ml), v->memory_limit_kb);
    fmt_i64(ol, sizeof(ol), v->output_limit_kb);
    gv_free(val);
    val = NULL;
    {
        const char *p[] = {pid,
                           ver,
                           v->statement_md ? v->statement_md : "",
                           tl,
                           ml,
                           ol,
                           v->custom ? "custom" : "default",
                           v->validator_flags,
                           v->custom ? v->validator_sha256 : NULL,
                           v->custom ? v->validator_name : NULL,
                           v->scoring ? "true" : "false",
                           v->groups_json ? v->groups_json : "[]",
                           v->package_sha256};
        err = db_pg_query_value(
            &val, pg,
            "INSERT INTO problem_versions (problem_id, version, statement_md, time_limit_ms, "
            "memory_limit_kb, output_limit_kb, validation, validator_flags, validator_blob, "
            "validator_name, scoring, groups, package_sha256) VALUES ($1, $2, $3, $4, $5, $6, "
            "$7, $8, decode($9, 'hex'), $10, $11, $12::jsonb, decode($13, 'hex')) RETURNING id",
            13, p);
        if (err < 0)
            goto out;
        v->version_id = val ? strtoll(val, NULL, 10) : 0;
    }
    fmt_i64(vid, sizeof(vid), v->version_id);
    for (size_t i = 0; i < v->ntests; i++) {
        const struct db_test_row *t = &v->tests[i];
        char ord[24], pts[48];
        fmt_i64(ord, sizeof(ord), (int64_t)i + 1);
        snprintf(pts, sizeof(pts), "%.3f", t->points);
        const char *p[] = {vid,         ord,         t->name,
                           t->is_sample ? "true" : "false",
                           t->group[0] ? t->group : NULL,
                           t->points >= 0 ? pts : NULL,
                           t->in_sha256, t->ans_sha256};
        err = db_pg_exec(NULL, pg,
                         "INSERT INTO test_cases (problem_version_id, ordinal, name, is_sample, "
                         "test_group, points, input_blob, answer_blob) VALUES ($1, $2, $3, $4, "
                         "$5, $6, decode($7, 'hex'), decode($8, 'hex'))",
                         8, p);
        if (err < 0)
            goto out;
    }
    for (size_t i = 0; i < v->ntemplates; i++) {
        const struct db_template_row *t = &v->templates[i];
        const char *p[] = {vid, t->name, t->language, t->sha256};
        err = db_pg_exec(NULL, pg,
                         "INSERT INTO problem_templates (problem_version_id, name, language, "
                         "source_blob) VALUES ($1, $2, $3, decode($4, 'hex'))",
                         4, p);
        if (err < 0)
            goto out;
    }
    {
        const char *p[] = {pid, ver, v->name};
        err = db_pg_exec(NULL, pg,
                         "UPDATE problems SET current_version = $2, name = $3, updated_at = now() "
                         "WHERE id = $1",
                         3, p);
    }
out:
    gv_free(val);
    return err;
}

void db_problem_version_release(struct db_problem_version *v)
{
    gv_free(v->statement_md);
    gv_free(v->groups_json);
    gv_free(v->tests);
    memset(v, 0, sizeof(*v));
}

static void copy_field(char *dst, size_t len, const PGresult *res, int row, int col)
{
    snprintf(dst, len, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int db_problem_load_version(struct db_problem_version *out, struct db_pg *pg, int64_t version_id)
{
    char vid[24];
    const char *p[] = {vid};
    PGresult *res = NULL;
    int err = 0, n;

    memset(out, 0, sizeof(*out));
    fmt_i64(vid, sizeof(vid), version_id);
    err = db__pg_select(&res, pg, "load problem version",
                        "SELECT p.slug, p.name, v.statement_md, v.time_limit_ms, "
                        "v.memory_limit_kb, v.output_limit_kb, v.validation = 'custom', "
                        "v.validator_flags, encode(v.validator_blob, 'hex'), v.validator_name, "
                        "v.scoring, v.groups::text, encode(v.package_sha256, 'hex'), p.id, "
                        "v.version FROM problem_versions v JOIN problems p ON p.id = v.problem_id "
                        "WHERE v.id = $1",
                        1, p);
    if (err < 0)
        goto out;
    if (PQntuples(res) != 1) {
        err = GV_ENOTFOUND;
        goto out;
    }
    copy_field(out->slug, sizeof(out->slug), res, 0, 0);
    copy_field(out->name, sizeof(out->name), res, 0, 1);
    out->statement_md = gv_strdup(PQgetvalue(res, 0, 2));
    out->time_limit_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    out->memory_limit_kb = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    out->output_limit_kb = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    out->custom = PQgetvalue(res, 0, 6)[0] == 't';
    copy_field(out->validator_flags, sizeof(out->validator_flags), res, 0, 7);
    copy_field(out->validator_sha256, sizeof(out->validator_sha256), res, 0, 8);
    copy_field(out->validator_name, sizeof(out->validator_name), res, 0, 9);
    out->scoring = PQgetvalue(res, 0, 10)[0] == 't';
    out->groups_json = gv_strdup(PQgetvalue(res, 0, 11));
    copy_field(out->package_sha256, sizeof(out->package_sha256), res, 0, 12);
    out->problem_id = strtoll(PQgetvalue(res, 0, 13), NULL, 10);
    out->version = (int)strtol(PQgetvalue(res, 0, 14), NULL, 10);
    out->version_id = version_id;
    if (!out->statement_md || !out->groups_json) {
        err = -ENOMEM;
        goto out;
    }
    PQclear(res);
    err = db__pg_select(&res, pg, "load test cases",
                        "SELECT id, name, is_sample, coalesce(test_group, ''), "
                        "coalesce(points, -1), encode(input_blob, 'hex'), "
                        "encode(answer_blob, 'hex') FROM test_cases "
                        "WHERE problem_version_id = $1 ORDER BY ordinal",
                        1, p);
    if (err < 0)
        goto out;
    n = PQntuples(res);
    out->tests = gv_calloc(n > 0 ? (size_t)n : 1, sizeof(*out->tests));
    if (!out->tests) {
        err = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        struct db_test_row *t = &out->tests[i];
        t->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        copy_field(t->name, sizeof(t->name), res, i, 1);
        t->is_sample = PQgetvalue(res, i, 2)[0] == 't';
        copy_field(t->group, sizeof(t->group), res, i, 3);
        t->points = strtod(PQgetvalue(res, i, 4), NULL);
        copy_field(t->in_sha256, sizeof(t->in_sha256), res, i, 5);
        copy_field(t->ans_sha256, sizeof(t->ans_sha256), res, i, 6);
    }
    out->ntests = (size_t)n;
out:
    PQclear(res);
    if (err < 0)
        db_problem_version_release(out);
    return err;
}
