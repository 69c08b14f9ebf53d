/* SPDX-License-Identifier: MIT
 * db_contest.h - contests: registration, the scoreboard, announcements.
 *
 * The scoreboard is computed from PostgreSQL on demand by contest/'s pure
 * rules (cst_board_compute), so a server's snapshot and the row a judge
 * publishes after a verdict always agree. Hidden participants (jury test
 * accounts) are left off; submissions of non-participants (an organizer
 * trying the problems) never count. JSON shapes are in docs/PROTOCOL.md
 * ("Contests"). */
#ifndef GV_DB_CONTEST_H
#define GV_DB_CONTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

#define DB_CONTEST_ROW_EVENT "contest.scoreboard"

/* The whole board as JSON text (gv_malloc'd): {"scoring","penalty_minutes",
 * "frozen","problems":[{"label","slug"}],"rows":[...]} in rank order. The
 * public view (`jury` false) hides what the freeze hides until the final
 * standings are published. GV_ENOTFOUND when there is no such contest. */
int db_contest_board(struct db_pg *pg, int64_t contest_id, bool jury, int64_t now_ms,
                     char **json);

/* One participant's public row as JSON text, ready to be the data of a live
 * event: {"type":"contest.scoreboard","contest_id","user_id","frozen",
 * "row":{...}}. GV_ENOTFOUND when the contest does not exist or
 * the user is not a visible participant. */
int db_contest_board_row(struct db_pg *pg, int64_t contest_id, int64_t user_id, int64_t now_ms,
                         char **json);

/* The newest 100 contests as a JSON array text: [{"id","slug","title",
 * "scoring","starts_at_ms","freezes_at_ms","ends_at_ms","unfrozen_at_ms"
 * (null when unset),"participants","registered"}] by start, newest first;
 * "registered" is for `viewer_id` (false for 0). */
int db_contest_list(struct db_pg *pg, int64_t viewer_id, char **json);

/* Registers `user_id` for the contest. GV_ENOTFOUND: no such contest;
 * -EACCES: it has ended; GV_EEXIST: already registered (not an error for
 * callers that only want the state). */
int db_contest_register(struct db_pg *pg, int64_t contest_id, int64_t user_id);

/* Whether `user_id` is registered (hidden or not): 1, 0, or an error. */
int db_contest_is_participant(struct db_pg *pg, int64_t contest_id, int64_t user_id);

/* Stores an announcement in the durable event log. GV_ENOTFOUND: no such
 * contest. `out_id` and `out_at_ms` (optional) receive its event id and
 * time. */
int db_contest_announce(struct db_pg *pg, int64_t contest_id, int64_t author_id,
                        const char *text, int64_t *out_id, int64_t *out_at_ms);

/* The newest `limit` announcements, oldest first, as a JSON array text:
 * [{"announcement_id","text","created_at_ms"}]. */
int db_contest_announcements(struct db_pg *pg, int64_t contest_id, int limit, char **json);

#endif
