/* SPDX-License-Identifier: MIT
 * db_rejudge.h - rejudges as recorded batches, and what they changed.
 *
 * A batch is made in one transaction: its submissions are selected and
 * locked, each one's verdict is recorded as the "before", and each is
 * marked for rejudging (submissions.rejudge_requested_at, which the queue's
 * recovery sweep re-queues until a judging finishes: losing Redis loses no
 * rejudge). The caller then queues them (db_rejudge_queue). The judging
 * that finishes a submission after the batch was made is linked to the
 * batch in the verdict's own transaction (db_judging_finish), so the
 * report's "after" is exact even when a submission is rejudged again
 * later. Schema: db/migrations/0005_rejudges.sql. JSON shapes:
 * docs/PROTOCOL.md, "rejudge". */
#ifndef GV_DB_REJUDGE_H
#define GV_DB_REJUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_queue;

enum db_rejudge_scope {
    DB_REJUDGE_SUBMISSION,      /* one submission */
    DB_REJUDGE_PROBLEM,         /* every submission of a problem: practice and contests */
    DB_REJUDGE_CONTEST,         /* every submission made to a contest */
    DB_REJUDGE_CONTEST_PROBLEM, /* a contest's submissions to one of its problems */
};

struct db_rejudge_target {
    enum db_rejudge_scope scope;
    int64_t submission_id; /* SUBMISSION */
    const char *contest;   /* CONTEST, CONTEST_PROBLEM: its slug, or its id as text */
    const char *problem;   /* PROBLEM: a slug; CONTEST_PROBLEM: a slug or the contest's label */
    int64_t requested_by;  /* the organizer who asked; 0 from the command line */
    const char *origin;    /* where: "server", or "cli:<login>"; 1 to 64 bytes */
};

/* A submission of a new batch, for the queue. */
struct db_rejudge_item {
    int64_t submission_id;
    int64_t user_id;
};

/* Makes a batch of the target's submissions (see above). *out_id is its
 * id; *items (gv_malloc'd, the caller frees it) its *count submissions,
 * oldest first. GV_ENOTFOUND when the target does not exist (or the
 * problem is not one of that contest's); -ENODATA when it has no
 * submission (nothing is recorded); GV_EINVAL for a bad origin. */
int db_rejudge_create(int64_t *out_id, struct db_rejudge_item **items, size_t *count,
                      struct db_pg *pg, const struct db_rejudge_target *t);

/* Pushes a new batch's submissions on the queue at the rejudge level
 * (CST_PRIO_REJUDGE), each under its author (so rejudges share that level
 * round robin by author, like any level). *queued (optional) counts those
 * the queue did not hold already. Stops at the first failure; the
 * submissions stay marked in PostgreSQL, so recovery queues the rest. */
int db_rejudge_queue(size_t *queued, struct db_queue *q, const struct db_rejudge_item *items,
                     size_t count);

/* The batch's report as JSON text (gv_malloc'd): the batch as
 * db_rejudge_list shows it, its "submissions" (each: old verdict, new
 * verdict or pending, changed) and, for a batch with a contest, the
 * "board" change: the rows of the public and the jury board whose standing
 * differs between the board with the batch's old verdicts and the board
 * now (both from the stored attempts, at `now_ms`); null without a
 * contest. GV_ENOTFOUND: no such batch. */
int db_rejudge_report(char **json, struct db_pg *pg, int64_t rejudge_id, int64_t now_ms);

/* The newest `limit` batches, of one contest when `contest_id` is not 0,
 * as a JSON array text, newest first, each with its counts (submissions,
 * done, pending, changed). */
int db_rejudge_list(char **json, struct db_pg *pg, int64_t contest_id, int limit);

#endif
