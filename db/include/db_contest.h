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

#include "cst_event.h"
#include "db.h"

/* The whole board as JSON text (gv_malloc'd): {"scoring","penalty_minutes",
 * "frozen","problems":[{"label","slug"}],"rows":[...]} in rank order. The
 * public view (`jury` false) hides what the freeze hides until the final
 * standings are published. GV_ENOTFOUND when there is no such contest. */
int db_contest_board(char **json, struct db_pg *pg, int64_t contest_id, bool jury, int64_t now_ms);

/* One participant's public row as a contest.scoreboard event (cst_event.h),
 * computed from that participant's submissions and each problem's first
 * solve only, not the whole board (so the row carries no rank). GV_ENOTFOUND
 * when the contest does not exist or the user is not a visible participant;
 * GV_ETOOBIG past CST_EVENT_CELLS_MAX problems. The caller releases *out. */
int db_contest_row_event(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                         int64_t user_id, int64_t now_ms);

/* The one writer of live scoreboard rows: the row above, published on the
 * live stream. Called when a contest submission is stored (one more
 * pending attempt) and when its verdict is written. */
int db_contest_row_publish(struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                           int64_t user_id, int64_t now_ms);

/* The newest 100 contests as a JSON array text: [{"id","slug","title",
 * "scoring","starts_at_ms","freezes_at_ms","ends_at_ms","unfrozen_at_ms"
 * (null when unset),"participants","registered"}] by start, newest first;
 * "registered" is for `viewer_id` (false for 0). */
int db_contest_list(char **json, struct db_pg *pg, int64_t viewer_id);

/* Registers `user_id` for the contest (cst_register_check decides).
 * GV_ENOTFOUND: no such contest; -EACCES: it has ended; -EPERM: its
 * participants are invited, and this user is not; GV_EEXIST: already
 * registered (not an error for callers that only want the state). */
int db_contest_register(struct db_pg *pg, int64_t contest_id, int64_t user_id, int64_t now_ms);

/* Whether `user_id` is registered (hidden or not): 1, 0, or an error. */
int db_contest_is_participant(struct db_pg *pg, int64_t contest_id, int64_t user_id);

/* A contest's participants (hidden or not) and the users who asked a
 * clarification in it, each sorted ascending and gv_malloc'd: what a
 * server's snapshot cache answers "registered?" and "own questions?" from,
 * so that a subscriber costs no query of its own. */
struct db_contest_people {
    int64_t *participants, *askers;
    size_t nparticipants, naskers;
};
int db_contest_people_load(struct db_contest_people *out, struct db_pg *pg, int64_t contest_id);
void db_contest_people_release(struct db_contest_people *p);
/* Whether `id` is in `ids` (sorted, n of them). */
bool db_contest_people_has(const int64_t *ids, size_t n, int64_t id);

/* Logs an announcement (a durable contest.announcement event, cst_event.h)
 * into *out, whose seq is its id, for the caller to publish
 * (db_event_publish) and release. GV_ENOTFOUND: no such contest;
 * GV_EINVAL: an empty text or one past CST_EVENT_TEXT_MAX. */
int db_contest_announce(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                        int64_t author_id, const char *text);

/* The newest `limit` announcements, oldest first, as a JSON array text:
 * [{"announcement_id","text","created_at_ms"}]. */
int db_contest_announcements(char **json, struct db_pg *pg, int64_t contest_id, int limit);

#endif
