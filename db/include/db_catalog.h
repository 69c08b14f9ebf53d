/* SPDX-License-Identifier: MIT
 * db_catalog.h - what gavel-server reads for its clients: problems, likes,
 * submissions, contests.
 *
 * The readers return the reply's JSON text (gv_malloc'd, the caller frees),
 * built by PostgreSQL itself (json_build_object), so a row never passes
 * through an intermediate struct. Every function takes the viewer and, where
 * a rule depends on time, the caller's clock (`now_ms`). Who may read a
 * problem, which problems the catalogue lists and who may submit to a
 * contest are contest/'s rules (cst.h: cst_problem_readable,
 * cst_problem_listed, cst_submit_check): this file fetches the facts and
 * asks. A submission's source and tests are its author's (and
 * organizers'). */
#ifndef GV_DB_CATALOG_H
#define GV_DB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"
#include "db.h"

struct db_viewer {
    int64_t user_id; /* 0: anonymous */
    bool privileged; /* organizer or admin */
};

enum db_problem_sort {
    DB_SORT_NAME,
    DB_SORT_DIFFICULTY,
    DB_SORT_LIKES,
    DB_SORT_SOLVES,
};

struct db_problem_query {
    int difficulty_min; /* 0: no bound */
    int difficulty_max; /* 0: no bound */
    enum db_problem_sort sort;
    bool desc;
    int page;      /* 1.. */
    int page_size; /* 1..100 */
};

/* {"problems":[{slug,name,difficulty,likes,solves,submissions,liked,
 *  status:"solved"|"attempted"|null}],"total":n,"page":p,"page_size":s} */
int db_catalog_problems(char **json, struct db_pg *pg, const struct db_viewer *v,
                        const struct db_problem_query *q, int64_t now_ms);

/* {slug,name,difficulty,statement_md,time_limit_ms,memory_limit_kb,
 *  samples:[{name,input,answer}],likes,solves,submissions,liked}; the
 * current version. GV_ENOTFOUND when absent or invisible to `v`. */
int db_catalog_problem(char **json, struct db_pg *pg, const struct db_viewer *v, const char *slug,
                       int64_t now_ms);

/* Likes (or unlikes) a visible problem, idempotently, keeping
 * problems.like_count equal to its rows in problem_likes. */
int db_catalog_like(int64_t *likes, struct db_pg *pg, const struct db_viewer *v, const char *slug,
                    bool like, int64_t now_ms);

/* Whether `v` may submit to `slug` (in contest `contest_id`, 0 for
 * practice): GV_ENOTFOUND when the problem (practice) or the contest is
 * unknown or invisible, -EACCES when the contest is not running (whatever
 * the slug), -EPERM when the viewer is not registered for it (organizers
 * need not be), GV_EINVAL when the problem is not in the running contest. */
int db_catalog_can_submit(struct cst_schedule *sched, struct db_pg *pg, const struct db_viewer *v,
                          const char *slug,
                          int64_t contest_id, int64_t now_ms);

/* {"submissions":[{id,problem,language,status,verdict,score,max_time_ms,
 *  max_memory_kb,created_at,contest_id}]}, newest first. */
int db_catalog_my_submissions(char **json, struct db_pg *pg, int64_t user_id, int page,
                              int page_size);

/* One submission: the list's fields, user_id, compile_output, tests:[{test,
 * name,sample,verdict,cpu_ms,wall_ms,memory_kb}] of the valid judging (sample:
 * whether the test is one of the problem's public samples), and with
 * `with_source` the source. GV_ENOTFOUND when absent, -EACCES when `v` is
 * neither its author nor privileged. */
int db_catalog_submission(char **json, struct db_pg *pg, const struct db_viewer *v, int64_t id,
                          bool with_source);

struct db_contest_info {
    int64_t id;
    char slug[65];
    char title[201];
    int64_t starts_at_ms, freezes_at_ms, ends_at_ms, unfrozen_at_ms; /* 0 when unset */
};

/* GV_ENOTFOUND when absent. */
int db_catalog_contest(struct db_contest_info *out, struct db_pg *pg, int64_t id);

#endif
