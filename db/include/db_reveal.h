/* SPDX-License-Identifier: MIT
 * db_reveal.h - a contest's reveal for the projector: the frozen board,
 * the resolver's steps and the final board, from the stored attempts by
 * contest/'s rule (cst_reveal.h). JSON shape: docs/PROTOCOL.md,
 * "contest.reveal". */
#ifndef GV_DB_REVEAL_H
#define GV_DB_REVEAL_H

#include <stdint.h>

#include "db.h"

/* {"contest_id","frozen":<board>,"steps":[{"step","user_id","username",
 * "display_name","label","before":<cell>,"after":<cell>,"rank_before",
 * "rank_after","solved","penalty","score"}],"final":<board>} as JSON text
 * (gv_malloc'd); boards and cells as contest.scoreboard shows them. The
 * boards cover visible participants and every problem of the contest, as
 * the jury's board does, whatever the clock: the caller decides who may
 * see it. GV_ENOTFOUND: no such contest; GV_ETOOBIG past
 * CST_EVENT_CELLS_MAX problems. */
int db_contest_reveal(char **json, struct db_pg *pg, int64_t contest_id, int64_t now_ms);

#endif
