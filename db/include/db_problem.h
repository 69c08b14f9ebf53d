/* SPDX-License-Identifier: MIT
 * db_problem.h - problems and their versions in PostgreSQL.
 *
 * The judge module reads packages; this module only stores and loads the
 * rows, so its types are plain strings and numbers. Test files and the
 * validator live in the blob store and are named here by SHA-256 (hex). */
#ifndef GV_DB_PROBLEM_H
#define GV_DB_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_test_row {
    char name[128];
    bool is_sample;
    char group[64]; /* "" when the test belongs to no scored group */
    double points;  /* the group's points; < 0 when none */
    char in_sha256[65];
    char ans_sha256[65];
    int64_t id;     /* filled by load */
};

/* A template source of the version (docs/PLAGIARISM.md). */
struct db_template_row {
    char name[192];
    char language[16]; /* a gv_lang id */
    char sha256[65];
};

struct db_problem_version {
    char slug[65];
    char name[201];
    char *statement_md;       /* borrowed on import; owned (gv_malloc) after load */
    int64_t time_limit_ms;
    int64_t memory_limit_kb;
    int64_t output_limit_kb;
    bool custom;
    char validator_flags[512];
    char validator_sha256[65]; /* custom only */
    char validator_name[129];  /* custom only: its extension names the language */
    bool scoring;
    char *groups_json;         /* [{"name":..,"points":..}]; borrowed on import, owned after load */
    char package_sha256[65];   /* semantic hash of the version: unchanged re-imports are no-ops */
    struct db_test_row *tests; /* borrowed on import; owned after load */
    size_t ntests;
    struct db_template_row *templates; /* borrowed on import; not loaded */
    size_t ntemplates;
    /* Filled by import and load. */
    int64_t problem_id;
    int64_t version_id;
    int version;
};

/* Stores `v` as the next version of problem `v->slug` (creating the
 * problem), unless the current version has the same package hash: then
 * *unchanged is set and nothing is written. Runs inside the caller's
 * transaction when there is one, so a failure leaves nothing behind. */
int db_problem_import(bool *unchanged, struct db_pg *pg, struct db_problem_version *v);

/* Loads problem version `version_id` with its tests in judging order.
 * Release with db_problem_version_release. GV_ENOTFOUND when absent. */
int db_problem_load_version(struct db_problem_version *out, struct db_pg *pg, int64_t version_id);
void db_problem_version_release(struct db_problem_version *v);

#endif
