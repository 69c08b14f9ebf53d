/* SPDX-License-Identifier: MIT
 * db_board.h - what a contest's board is computed from, shared inside db/
 * by the board's readers: db_contest.c (snapshots and live rows, where it
 * is implemented), db_rejudge.c (a batch's board change) and db_reveal.c
 * (the resolver). One loader, so that every reader sees the same attempts
 * with the same outcomes. */
#ifndef DB_BOARD_H
#define DB_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "cst.h"
#include "cst_event.h"
#include "db.h"

/* The contest's rules for one view, its problems in order, its visible
 * participants by user id and their attempts in submission order. */
struct db__board {
    PGresult *contest, *problems, *teams, *subs;
    struct cst_board_rules rules;
    int64_t starts_at;
    bool frozen;        /* this view hides what the freeze hides, now */
    bool public_reveal; /* the final standings are published: the public sees them */
    size_t nproblems;
    int64_t *team_ids;     /* teams' user ids, ascending (the query's order) */
    struct cst_attempt *attempts;
    int64_t *attempt_subs; /* nattempts: the submission of each attempt */
    size_t nattempts;
};

/* The contest's rules for the view (s->contest: scoring, penalty_minutes,
 * starts_at, freezes_at, unfrozen_at, ends_at as ms, board_version) and its
 * problems in order, into a zeroed `s`; `cid` is the contest id in decimal.
 * GV_ENOTFOUND: no such contest. */
int db__board_rules_load(struct db__board *s, struct db_pg *pg, const char *cid, bool jury,
                         int64_t now_ms);

/* After db__board_rules_load: the one visible participant `uid` (decimal)
 * as s->teams' only row, and its attempts (team index 0). GV_ENOTFOUND when
 * `uid` is not on the board (hidden, or not registered). */
int db__board_load_one(struct db__board *s, struct db_pg *pg, const char *cid, const char *uid);

/* Loads the whole board's sources for the public view or the jury's
 * (`jury`: every problem, nothing frozen). GV_ENOTFOUND: no such contest.
 * Release with db__board_release, also after a failure. */
int db__board_load(struct db__board *s, struct db_pg *pg, int64_t contest_id, bool jury,
                   int64_t now_ms);
void db__board_release(struct db__board *s);

/* How a stored submission counts on the board. */
enum cst_outcome db__outcome_of(const char *status, const char *verdict);

/* The board as contest.scoreboard shows it (docs/PROTOCOL.md): {"scoring",
 * "penalty_minutes","frozen","problems","rows"}; NULL when out of memory
 * (or past CST_EVENT_CELLS_MAX problems). The caller deletes it. */
cJSON *db__board_json(const struct db__board *s, const struct cst_board *b, bool frozen);

/* Cell `p` of the board as events and snapshots show it. */
void db__board_cell(struct cst_event_cell *out, const struct db__board *s, size_t p,
                    const struct cst_cell *c);

/* The user id, username and display name of team `team` to `o`; false
 * when out of memory. */
bool db__board_add_team(cJSON *o, const struct db__board *s, size_t team);

/* `o` (deleted here; NULL means out of memory) as gv_malloc'd text. */
int db__json_print(char **json, cJSON *o);

/* A contest's CLICS objects for one view, loaded once and read collection
 * by collection (db_clics.c): the event feed's reads. Only the collections
 * that need no board (not teams, awards or scoreboard: GV_EINVAL). `only`
 * is a PostgreSQL bigint[] literal ("{4,7}") naming the objects wanted -
 * submission ids for submissions, judging ids for judgements and runs - or
 * NULL for all of them. *out is an array (an object for the contest and the
 * state) the caller deletes. */
struct db__clics_view;
int db__clics_view_open(struct db__clics_view **out, struct db_pg *pg, int64_t contest_id,
                        bool jury, int64_t now_ms);
int db__clics_view_select(cJSON **out, struct db__clics_view *v, struct db_pg *pg,
                          const char *collection, const char *only);
void db__clics_view_close(struct db__clics_view *v);

#endif
