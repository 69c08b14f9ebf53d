/* SPDX-License-Identifier: MIT
 * db_clics.h - a contest's objects as the CLICS Contest API (ccs-specs
 * 2023-06) shapes them, read from PostgreSQL for gavel-server's /api/clics/
 * routes (docs/PROTOCOL.md, "CLICS Contest API").
 *
 * Two views, as everywhere else: the jury's (everything) and the public's,
 * which is the board's view (db__board_load, so contest/'s rules decide
 * what is shown: no problem before the start, no result of an attempt made
 * during the freeze until the final standings are published) with only
 * the public clarifications. Sources are never in either: db_clics_source
 * is the jury's alone, and its caller checks the role.
 *
 * Encodings (times, judgement types, the scoreboard) are contest/'s
 * (cst_clics.h); ids are our numeric ids as strings, except problems (their
 * slug) and languages (their id, "cpp"). */
#ifndef DB_CLICS_H
#define DB_CLICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* GET /contests: the contest objects as a JSON array text (gv_malloc'd),
 * by start. */
int db_clics_contests(char **json, struct db_pg *pg);

/* One endpoint under /contests/{id}: `collection` NULL is the contest
 * object; "state" and "scoreboard" are objects; "judgement-types",
 * "languages", "problems", "teams", "organizations", "groups",
 * "submissions", "judgements", "runs", "clarifications" and "awards" are
 * arrays, or with `object_id` the one element whose id it is. GV_ENOTFOUND:
 * no such contest, collection or object (or one this view may not see). */
int db_clics_get(char **json, struct db_pg *pg, int64_t contest_id, const char *collection,
                 const char *object_id, bool jury, int64_t now_ms);

/* The source of submission `submission_id` of the contest (gv_malloc'd in
 * *data) and the file name it is judged under (`name`, `name_len` bytes).
 * GV_ENOTFOUND: no such submission in that contest. For the jury only: the
 * caller checks. */
int db_clics_source(void **data, size_t *len, char *name, size_t name_len, struct db_pg *pg,
                    int64_t contest_id, int64_t submission_id);

#endif
