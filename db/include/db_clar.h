/* SPDX-License-Identifier: MIT
 * db_clar.h - clarifications: a contestant's question about the contest or
 * one problem, the jury's answer (to the one who asked, or to everyone),
 * and the jury's broadcasts.
 *
 * Each change is logged as a contest.clarification event (cst_event.h) in
 * the transaction that makes it; the event carries the clarification's
 * whole state after the change, and its audience follows from it: the asker
 * and the jury, or the whole contest once public. The caller publishes it
 * (db_event_publish). Texts are 1 to CST_EVENT_TEXT_MAX bytes (the schema
 * allows 2000 characters). */
#ifndef GV_DB_CLAR_H
#define GV_DB_CLAR_H

#include <stdbool.h>
#include <stdint.h>

#include "cst_event.h"
#include "db.h"

/* A contestant asks, while they may submit (cst_submit_check: during the
 * contest, registered). `problem` is a label of the contest's, or NULL.
 * GV_ENOTFOUND: no contest; -EACCES: not running; -EPERM: not registered;
 * GV_EINVAL: no such problem label, or an empty text. */
int db_clar_ask(struct cst_event *out, struct db_pg *pg, int64_t contest_id, int64_t user_id,
                const char *problem, const char *text, int64_t now_ms);

/* The jury answers (or corrects its answer), privately or to everyone.
 * GV_ENOTFOUND: no such clarification. */
int db_clar_answer(struct cst_event *out, struct db_pg *pg, int64_t clar_id, int64_t jury_id,
                   const char *text, bool is_public);

/* The jury tells everyone, without a question. GV_ENOTFOUND: no contest;
 * GV_EINVAL: no such problem label. */
int db_clar_broadcast(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                      int64_t jury_id, const char *problem, const char *text);

/* What `viewer_id` may read of the contest's clarifications, oldest first,
 * as a JSON array text: the jury all of them, a contestant their own and the
 * public ones. [{"clarification_id","problem","public","question","answer",
 * "asked_at_ms","answered_at_ms","mine","user_id","username"}]; the asker's
 * user_id and username for the jury only (null otherwise, and for
 * broadcasts); at most the newest 200. */
int db_clar_list(char **json, struct db_pg *pg, int64_t contest_id, int64_t viewer_id, bool jury);

#endif
