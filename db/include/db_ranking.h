/* SPDX-License-Identifier: MIT
 * db_ranking.h - the incremental scoreboard, kept in Redis (contest/'s
 * cst_rank.h has the rules; docs/ARCHITECTURE.md, "Scoreboard").
 *
 * Per contest and view ("jury": everything; "public": the freeze applied),
 * Redis holds
 *   gavel:board:<cid>:<view>:rank     sorted set: member the whole row,
 *                                     "<user id>|<row text>\n<names>": the id
 *                                     zero-padded to 19 digits (so equal keys
 *                                     list by user id, the board's tie order),
 *                                     the row text cst_rank_row_*'s, the names
 *                                     "username 0x1f display name"; score the
 *                                     row's key (cst_rank_key). A window is
 *                                     one ZRANGE of it.
 *   gavel:board:<cid>:<view>:rows     hash: id (19 digits) -> its member now
 *   gavel:board:<cid>:<view>:first:<p> sorted set: solvers of problem p (ids)
 *                                     by solve time, for the first-to-solve mark
 *   gavel:board:<cid>:meta            hash: fp, what it was built from
 *   gavel:board:<cid>:gen             a counter every update increments, so
 *                                     that a rebuild that raced one is redone
 * PostgreSQL stays the record: db_ranking_rebuild writes all of it from the
 * tables, and a verdict rewrites one participant's row (db_ranking_update).
 * The public view after the final standings are published is the jury's.
 * "gavel:board" is GAVEL_BOARD_PREFIX's default (tests use their own). */
#ifndef DB_RANKING_H
#define DB_RANKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"
#include "cst_rank.h"
#include "db.h"

/* The keys' prefix: GAVEL_BOARD_PREFIX, "gavel:board" by default. */
const char *db_ranking_prefix(void);

enum db_ranking_view { DB_RANKING_JURY, DB_RANKING_PUBLIC };

/* Windows are at most this many rows. */
#define DB_RANKING_WINDOW_MAX 500

/* One view's row of one participant, for db_ranking_put. */
struct db_ranking_entry {
    enum db_ranking_view view;
    const struct cst_rank_layout *layout;
    size_t nproblems;
    const struct cst_row *row;
    /* The one problem whose cell may have changed (a verdict changes one
     * cell), or DB_RANKING_ALL_PROBLEMS: only its solve is rewritten. */
    size_t problem;
};

#define DB_RANKING_ALL_PROBLEMS SIZE_MAX

/* Writes `n` views' rows of `user_id` in one round trip: its key, its row
 * and its solves. 0; -ERANGE when a row does not fit its layout (nothing is
 * written); GV_EUNAVAIL or GV_EREDIS; GV_ETOOBIG for names of 320 bytes or
 * more. `names` ("username\x1fdisplay name"), when not NULL, is stored as
 * the participant's names; when NULL, those stored are kept. */
int db_ranking_put(struct db_redis *r, int64_t contest_id, int64_t user_id, const char *names,
                   const struct db_ranking_entry *e, size_t n);

/* Rows of one view at consecutive positions, ranked. */
struct db_ranking_rows {
    size_t total;  /* rows on the board */
    size_t from;   /* 0-based position of rows[0] */
    size_t n, nproblems;
    int64_t *user_ids;
    int *ranks;
    struct cst_row *rows;    /* cells marked first-to-solve */
    struct cst_cell *cells;  /* n * nproblems, the rows' cells */
    char **names;            /* "username\x1fdisplay name", or "" when unknown */
};

void db_ranking_rows_release(struct db_ranking_rows *w);

/* The rows at positions [from, from + count) of the view (fewer at the
 * end; none past it). GV_EINVAL: count 0 or past DB_RANKING_WINDOW_MAX;
 * GV_EPARSE: a stored row that does not decode. Release *out also after a
 * failure. */
int db_ranking_window(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, size_t from, size_t count);

/* The rows around `user_id`: `radius` rows above it, itself, `radius` below
 * (fewer at either end). GV_ENOTFOUND: not on the board; GV_EINVAL: a
 * window past DB_RANKING_WINDOW_MAX. */
int db_ranking_around(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, int64_t user_id,
                      size_t radius);

/* Writes the whole board of the contest from PostgreSQL, both views,
 * replacing what Redis held, unless an update ran meanwhile (then it tries
 * again, up to three times: -EAGAIN after that). -ERANGE: the contest does
 * not fit the keys (cst_rank_layout_for); GV_ENOTFOUND: no such contest. */
int db_ranking_rebuild(struct db_pg *pg, struct db_redis *r, int64_t contest_id, int64_t now_ms);

/* Rewrites `user_id`'s rows after its attempts changed (a submission, a
 * verdict, a rejudge, a registration), when the contest's board is in
 * Redis and current; otherwise only marks that something changed, and the
 * next reader rebuilds. GV_ENOTFOUND: not on the board. */
int db_ranking_update(struct db_pg *pg, struct db_redis *r, int64_t contest_id, int64_t user_id,
                      int64_t now_ms);

/* Drops the contest's board (its meta): the next reader rebuilds it. */
int db_ranking_invalidate(struct db_redis *r, int64_t contest_id);

/* What a client asks for: the rows from 0-based position `from`
 * (`count` of them), or around `user_id` (when > 0) within `radius`. */
struct db_ranking_query {
    size_t from, count;
    int64_t user_id;
    size_t radius;
};

/* The window as JSON for contest.board_window (docs/PROTOCOL.md): the
 * board's header as contest.scoreboard has it, "total", "from" and the
 * ranked rows; the jury's view when `jury`. Rebuilds the Redis board first
 * when it is missing or stale. GV_ENOTFOUND: no such contest, or `user_id`
 * not on the board; GV_EINVAL: a bad window; -ERANGE: the contest is
 * served by the full computation only. */
int db_ranking_window_json(char **json, struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                           bool jury, const struct db_ranking_query *q, int64_t now_ms);

#endif
