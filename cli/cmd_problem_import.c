/* SPDX-License-Identifier: MIT
 * cmd_problem_import.c - `gavel problem import DIR...`: a problem package
 * into PostgreSQL, all or nothing.
 *
 * The package is read and checked completely (its validator compiled in
 * the sandbox) before anything is written; then its files go into the
 * blob store and its rows into problems, problem_versions and test_cases
 * in one transaction. Re-importing an unchanged package is a no-op; a
 * changed one becomes the next version, and submissions judged against
 * older versions keep their results. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_judge.h"
#include "cli_util.h"
#include "commands.h"
#include "db.h"
#include "db_problem.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "jdg.h"
#include "banned.h"

#define TEST_FILE_MAX (1ull << 30)

static int put_file_blob(struct db_pg *pg, char *hex, const char *path, char *msg, size_t msg_len)
{
    struct gv_buf b;
    int err;

    gv_buf_init(&b, TEST_FILE_MAX);
    err = cli_read_file(&b, path);
    if (err == 0)
        err = db_blob_put(hex, pg, b.data ? b.data : "", b.len);
    if (err < 0)
        snprintf(msg, msg_len, "%s: %s", path, gv_strerror(err));
    gv_buf_release(&b);
    return err;
}

/* A hash of what judging depends on, not of the bytes on disk: touching a
 * file or reordering YAML keys does not make a new version. */
static int version_hash(char *hex, const struct db_problem_version *v)
{
    struct gv_buf b;
    char stmt[65];
    int err = 0;

    db_sha256_hex(stmt, v->statement_md ? v->statement_md : "",
                  v->statement_md ? strlen(v->statement_md) : 0);
    gv_buf_init(&b, 64u << 20);
    err |= gv_buf_printf(&b, "gavel-package-v1\n%s\n%s\n%lld %lld %lld\n%d %s %s %s\n%d %s\n%s\n",
                         v->slug, v->name, (long long)v->time_limit_ms,
                         (long long)v->memory_limit_kb, (long long)v->output_limit_kb, v->custom,
                         v->validator_flags, v->validator_sha256, v->validator_name, v->scoring,
                         v->groups_json ? v->groups_json : "[]", stmt);
    for (size_t i = 0; i < v->ntests; i++) {
        const struct db_test_row *t = &v->tests[i];
        err |= gv_buf_printf(&b, "%s %d %s %.3f %s %s\n", t->name, t->is_sample, t->group,
                             t->points, t->in_sha256, t->ans_sha256);
    }
    /* Templates change no verdict, but a new one must be stored, so it is a
     * new version. Only when there are some: older versions keep their hash. */
    for (size_t i = 0; i < v->ntemplates; i++)
        err |= gv_buf_printf(&b, "template %s %s %s\n", v->templates[i].name,
                             v->templates[i].language, v->templates[i].sha256);
    if (err == 0)
        db_sha256_hex(hex, b.data, b.len);
    gv_buf_release(&b);
    return err < 0 ? GV_ETOOBIG : 0;
}

struct import_opts {
    bool set_public;
    const char *difficulty; /* validated digits, or NULL */
};

static int import_one(struct db_pg *pg, struct cli_judge_env *env, const char *dir,
                      const struct import_opts *opts)
{
    struct jdg_problem prob;
    struct db_problem_version v;
    char msg[1024] = "";
    cJSON *groups = NULL;
    bool unchanged = false, in_tx = false;
    int err;

    jdg_problem_init(&prob);
    memset(&v, 0, sizeof(v));
    err = jdg_package_load(&prob, dir, msg, sizeof(msg));
    if (err < 0)
        goto out;
    if (prob.custom) {
        err = jdg_validator_check(env->slots.check, &prob, msg, sizeof(msg));
        (void)cli_judge_env_reset(env);
        if (err < 0)
            goto out;
    }

    snprintf(v.slug, sizeof(v.slug), "%s", prob.slug);
    snprintf(v.name, sizeof(v.name), "%s", prob.name);
    v.statement_md = prob.statement_md;
    v.time_limit_ms = prob.time_limit_ms;
    v.memory_limit_kb = prob.memory_limit_kb;
    v.output_limit_kb = prob.output_limit_kb;
    v.custom = prob.custom;
    snprintf(v.validator_flags, sizeof(v.validator_flags), "%s", prob.validator_flags);
    v.scoring = prob.scored;
    groups = cJSON_CreateArray();
    for (size_t g = 0; g < prob.ngroups; g++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", prob.groups[g].name);
        cJSON_AddNumberToObject(o, "points", prob.groups[g].points);
        cJSON_AddItemToArray(groups, o);
    }
    v.groups_json = cJSON_PrintUnformatted(groups);
    v.tests = gv_calloc(prob.ntests ? prob.ntests : 1, sizeof(*v.tests));
    if (!v.groups_json || !v.tests) {
        err = -ENOMEM;
        snprintf(msg, sizeof(msg), "out of memory");
        goto out;
    }
    v.ntests = prob.ntests;
    if (prob.ntemplates && !(v.templates = gv_calloc(prob.ntemplates, sizeof(*v.templates)))) {
        err = -ENOMEM;
        snprintf(msg, sizeof(msg), "out of memory");
        goto out;
    }
    v.ntemplates = prob.ntemplates;

    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0) {
        snprintf(msg, sizeof(msg), "cannot start a transaction: %s", db_pg_last_error(pg));
        goto out;
    }
    in_tx = true;
    if (prob.custom) {
        err = db_blob_put(v.validator_sha256, pg, prob.validator_src, prob.validator_len);
        if (err < 0) {
            snprintf(msg, sizeof(msg), "cannot store the validator: %s", gv_strerror(err));
            goto out;
        }
        snprintf(v.validator_name, sizeof(v.validator_name), "%s", prob.validator_name);
    }
    for (size_t i = 0; i < prob.ntests; i++) {
        const struct jdg_test *t = &prob.tests[i];
        struct db_test_row *row = &v.tests[i];
        snprintf(row->name, sizeof(row->name), "%s", t->name);
        row->is_sample = t->is_sample;
        row->points = -1;
        if (t->group >= 0 && (size_t)t->group < prob.ngroups) {
            snprintf(row->group, sizeof(row->group), "%s", prob.groups[t->group].name);
            row->points = prob.groups[t->group].points;
        }
        err = put_file_blob(pg, row->in_sha256, t->in_path, msg, sizeof(msg));
        if (err == 0)
            err = put_file_blob(pg, row->ans_sha256, t->ans_path, msg, sizeof(msg));
        if (err < 0)
            goto out;
    }
    for (size_t i = 0; i < prob.ntemplates; i++) {
        const struct jdg_template *t = &prob.templates[i];
        struct db_template_row *row = &v.templates[i];

        snprintf(row->name, sizeof(row->name), "%s", t->name);
        snprintf(row->language, sizeof(row->language), "%s", t->lang->id);
        err = db_blob_put(row->sha256, pg, t->src, t->len);
        if (err < 0) {
            snprintf(msg, sizeof(msg), "cannot store %s: %s", t->name, gv_strerror(err));
            goto out;
        }
    }
    err = version_hash(v.package_sha256, &v);
    if (err == 0)
        err = db_problem_import(&unchanged, pg, &v);
    if (err < 0) {
        snprintf(msg, sizeof(msg), "cannot store the problem: %s", db_pg_last_error(pg));
        goto out;
    }
    if (err == 0 && (opts->set_public || opts->difficulty)) {
        const char *p[] = {v.slug, opts->set_public ? "true" : NULL, opts->difficulty};
        err = db_pg_exec(NULL, pg,
                         "UPDATE problems SET is_public = coalesce($2::boolean, is_public), "
                         "difficulty = coalesce($3::integer, difficulty) WHERE slug = $1",
                         3, p);
        if (err < 0) {
            snprintf(msg, sizeof(msg), "cannot set the problem's listing: %s",
                     db_pg_last_error(pg));
            goto out;
        }
    }
    err = db_pg_exec_script(pg, "COMMIT");
    in_tx = false;
    if (err < 0) {
        snprintf(msg, sizeof(msg), "commit failed: %s", db_pg_last_error(pg));
        goto out;
    }
    if (unchanged)
        printf("%s: unchanged (version %d)\n", v.slug, v.version);
    else
        printf("%s: imported as version %d (%zu tests%s%s)\n", v.slug, v.version, v.ntests,
               v.custom ? ", custom validator" : "", v.ntemplates ? ", template code" : "");
out:
    if (in_tx)
        (void)db_pg_exec_script(pg, "ROLLBACK");
    if (err < 0)
        fprintf(stderr, "gavel problem import: %s: %s\n", dir, msg);
    cJSON_Delete(groups);
    cJSON_free(v.groups_json);
    gv_free(v.tests);
    gv_free(v.templates);
    jdg_problem_release(&prob);
    return err;
}

static void import_usage(FILE *f)
{
    fprintf(f, "usage: gavel problem import [--public] [--difficulty 800..3500] DIR...\n");
}

int cli_problem_import(int argc, char **argv)
{
    struct import_opts opts = {0};
    struct cli_judge_env env;
    struct db_pg *pg = NULL;
    char msg[1024];
    const char *dirs[256];
    int failed = 0, ndirs = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--public")) {
            opts.set_public = true;
        } else if (!strcmp(argv[i], "--difficulty") && i + 1 < argc) {
            const char *d = argv[++i];
            long v = strspn(d, "0123456789") == strlen(d) && strlen(d) <= 4 ? strtol(d, NULL, 10)
                                                                            : -1;
            if (v < 800 || v > 3500) {
                fprintf(stderr, "gavel problem import: --difficulty needs a rating in "
                                "800..3500, got '%s'\n", d);
                return CLI_EXIT_USAGE;
            }
            opts.difficulty = d;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "gavel problem import: unknown option '%s'\n", argv[i]);
            import_usage(stderr);
            return CLI_EXIT_USAGE;
        } else if (ndirs < (int)(sizeof(dirs) / sizeof(dirs[0]))) {
            dirs[ndirs++] = argv[i];
        } else {
            fprintf(stderr, "gavel problem import: at most 256 packages at once\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (ndirs == 0) {
        import_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_judge_env_open(&env, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "gavel problem import: %s\n", msg);
        cli_judge_env_close(&env);
        return CLI_EXIT_FAIL;
    }
    if (db_pg_open(&pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "gavel problem import: cannot connect to PostgreSQL: %s\n", msg);
        cli_judge_env_close(&env);
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < ndirs; i++)
        failed += import_one(pg, &env, dirs[i], &opts) < 0;
    db_pg_close(pg);
    cli_judge_env_close(&env);
    return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
