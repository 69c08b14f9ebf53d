/* SPDX-License-Identifier: MIT
 * db_submission.h - creating submissions (rejudging them: db_rejudge.h).
 *
 * A submission is durable in PostgreSQL before anything else learns of it;
 * the caller then pushes it on the queue (db_queue_push) at the returned
 * priority. Used by gavel-server (issue 5) and the CLI. */
#ifndef GV_DB_SUBMISSION_H
#define GV_DB_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* Largest source accepted, as the schema's CHECK says. */
#define DB_SOURCE_MAX (1 << 20)

struct db_new_submission {
    int64_t user_id;
    const char *problem_slug;
    int64_t contest_id; /* 0 for practice */
    const char *language; /* an id of the language table (gv_lang.h) */
    const void *source;
    size_t source_len;
};

/* Stores the source blob and inserts the submission ('queued', judged
 * against the problem's current version) in one transaction. *priority is
 * its queue level (cst_priority_for: contest before practice, paid before
 * free). GV_ENOTFOUND for an unknown user or problem, GV_EINVAL for a
 * problem not in that contest or an unknown language, GV_ETOOBIG for an
 * empty or oversized source. */
int db_submission_create(int64_t *out_id, int *priority, struct db_pg *pg,
                         const struct db_new_submission *in);

#endif
