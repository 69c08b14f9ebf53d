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
#include "gv_buf.h"

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

/* --- The event feed (db_clics_feed.c) ---------------------------------------
 *
 * GET /contests/{id}/event-feed is the snapshot of every object the view
 * sees, then the notifications the contest's rows of the `events` log make,
 * in id order. Tokens name positions that survive any restart:
 *   "<E>"      after events row E: the last line of row E's notifications,
 *              and the snapshot's last line (E its newest row before the
 *              objects were read; 0 for an empty log)
 *   "<E>.<k>"  after the k-th (0-based) notification of row E, not its last
 *   "s<E>.<n>" the n-th line of a snapshot taken at E, not its last
 * Rows commit in id order (db_event_insert), so a row below one a reader
 * has seen is never added later. */

#define DB_CLICS_TOKEN_MAX 48

/* Where `token` resumes: from row *from on, skipping the first *skip
 * notifications of that row; *snapshot true when it is a snapshot line
 * ("s..."), which restarts the snapshot (its objects may have changed).
 * GV_EINVAL when it is not a token of this form. */
int db_clics_feed_token_parse(int64_t *from, int *skip, bool *snapshot, const char *token);

/* Appends the snapshot's notifications to `out`; *head is the log row it
 * was taken at, after which the events continue. GV_ENOTFOUND: no such
 * contest. */
int db_clics_feed_snapshot(struct gv_buf *out, int64_t *head, struct db_pg *pg, int64_t contest_id,
                           bool jury);

/* Appends the notifications of the contest's log rows from `from` on (the
 * first `skip` of row `from`'s left out), at most `limit` rows; *last is
 * the last row read (unchanged when none: a row this view sees nothing of
 * still moves it), *more whether `limit` stopped the read. Objects carry
 * their current data, read for this view: judging.verdict makes
 * `submissions` (its submission's first verdict only) and `judgements` and
 * `runs`; contest.phase makes `state` (and `problems` at the start, the
 * contest and, for the public, the judgements and runs the freeze withheld
 * at the final standings); contest.clarification makes `clarifications`
 * (the public view: public ones). Announcements and scoreboard rows are
 * not CLICS objects. */
int db_clics_feed_events(struct gv_buf *out, int64_t *last, bool *more, struct db_pg *pg,
                         int64_t contest_id, bool jury, int64_t from, int skip, int limit);

#endif
