/* SPDX-License-Identifier: MIT
 * db_judging.h - a judging's life in PostgreSQL, written so that every
 * submission ends with exactly one verdict however many workers touch it.
 *
 * A worker opens a judging (db_judging_start), which supersedes any
 * unfinished judging a dead or slow worker left behind; it closes it
 * (db_judging_finish) in one transaction that only succeeds while its
 * judging is still the valid one. A worker that was superseded therefore
 * fails to finish (GV_EEXIST) and writes nothing: results are never
 * written twice, and per-test rows are keyed by (judging, test). */
#ifndef GV_DB_JUDGING_H
#define GV_DB_JUDGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst_event.h"
#include "db.h"

struct db_submission {
    int64_t id;
    int64_t user_id;
    int64_t problem_id;
    int64_t version_id;
    int64_t contest_id; /* 0 when practice */
    char language[16];
    char source_sha256[65];
    char status[16];
    int priority;
    bool rejudge_requested; /* by a rejudge batch (db_rejudge.h), not yet done */
};

/* Loads the submission and opens a judging of it by `judge_host`. When it
 * is already judged and no rejudge of it is outstanding (`rejudge` false,
 * or the requested rejudge already finished), nothing is written and
 * GV_EEXIST returned (a duplicate delivery: acknowledge and move on).
 * GV_ENOTFOUND when there is no such submission. */
int db_judging_start(struct db_submission *out, int64_t *judging_id, struct db_pg *pg,
                     int64_t submission_id, const char *judge_host, bool rejudge);

/* Marks the submission 'running' once it compiled (best effort). */
int db_judging_running(struct db_pg *pg, int64_t submission_id);

struct db_test_result {
    int64_t test_case_id;
    const char *verdict; /* "AC", "WA", ... */
    int64_t cpu_ms;
    int64_t wall_ms;
    int64_t memory_kb;
};

struct db_judging_result {
    const char *verdict;
    double score;
    int64_t max_time_ms;
    int64_t max_memory_kb;
    const char *compile_output; /* valid UTF-8 without NUL, or NULL */
    const struct db_test_result *tests;
    size_t ntests;
};

/* Writes the result, the submission's verdict, the problem's counters and
 * the judging.verdict event (cst_event.h) in one transaction. *out receives
 * that event, logged (its seq set), for the caller to publish once the
 * transaction is committed (db_event_publish). GV_EEXIST when this judging
 * was superseded meanwhile. */
int db_judging_finish(struct cst_event *out, struct db_pg *pg, int64_t judging_id,
                      const struct db_submission *sub, const struct db_judging_result *r);

#endif
