/* SPDX-License-Identifier: MIT
 * cst_rank.h - the pure half of the incremental scoreboard.
 *
 * Theory of operation. cst_board_compute ranks every row from every attempt:
 * O(attempts + n log n) per board. The incremental board keeps, per view,
 * an ordered set of (key, team) and each team's row; a verdict recomputes
 * one team's row from that team's attempts alone (cst_board_row: a rejudge,
 * a late verdict for an early submission and the freeze are all just a
 * different attempt list) and moves that one team in the set, O(log n).
 *
 * The key packs the ranking rule into one number that orders like
 * cst_board_compute's comparison, smaller first:
 *   ICPC  (CST_RANK_SOLVED_MAX - solved) << (penalty_bits + last_bits)
 *         | penalty_min << last_bits | last_solved_ms / 60000
 *   IOI   -score
 * An ICPC key is an integer below 2^53, so a double (a Redis sorted set's
 * score) holds it exactly (the last solve by its minute, as cst_board_compute
 * ties it); last_bits is the width of the contest's length in
 * milliseconds, penalty_bits what is left. Rows whose keys are equal share a
 * rank, exactly cst_board_compute's ties, and an ordered set that breaks
 * equal keys by team index (by user id) lists them in its order. So a row's
 * rank is 1 + the number of keys strictly smaller: one count in the set.
 *
 * First to solve is not in the key or the stored row: it depends on every
 * row, so a reader marks it from each problem's earliest solve in the view
 * (cst_board_mark_first in cst.h), which the store keeps as one more ordered set per
 * problem. */
#ifndef CST_RANK_H
#define CST_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "cst.h"

#define CST_RANK_SOLVED_BITS 7
#define CST_RANK_SOLVED_MAX ((1 << CST_RANK_SOLVED_BITS) - 1)
#define CST_RANK_KEY_BITS 53

/* How an ICPC key splits its 53 bits for one contest. */
struct cst_rank_layout {
    enum cst_scoring scoring;
    int last_bits;    /* last_solved_ms < 2^last_bits */
    int penalty_bits; /* penalty_min < 2^penalty_bits */
};

/* The layout for a contest of `length_ms` (its end minus its start) and
 * `nproblems` problems: 0, or -ERANGE when no row of such a contest is
 * sure to fit (more problems than CST_RANK_SOLVED_MAX, or a length so long
 * that fewer than 16 bits, 45 days of minutes, are left for the
 * penalty). A contest that does not fit keeps the full computation. */
int cst_rank_layout_for(struct cst_rank_layout *out, enum cst_scoring scoring, size_t nproblems,
                        int64_t length_ms);

/* The row's key: 0, or -ERANGE when this row does not fit the layout (a
 * solve after the contest's length, or a penalty past 2^penalty_bits). The
 * caller then rebuilds with a layout for a longer contest, or computes. */
int cst_rank_key(double *out, const struct cst_rank_layout *l, const struct cst_row *row);

/* Ranks of a window of rows at consecutive positions of the ordered set,
 * from `keys[0..n)` and `better`, the number of keys strictly smaller than
 * keys[0] (the set's count below it). `first_pos` is keys[0]'s 0-based
 * position. Equal keys share the rank of the first of them, as
 * cst_board_compute gives. */
void cst_rank_window(int *ranks, const double *keys, size_t n, size_t first_pos, size_t better);

/* A row without its rank and `first` marks as compact text for a store,
 * and back. Encoding: "solved penalty last score" then per problem
 * " tries pending solved_at score" (solved_at -1 when unsolved), integers in
 * decimal and scores as %.17g so that they come back bit for bit. */
#define CST_RANK_ROW_TEXT_MAX (96 + CST_RANK_SOLVED_MAX * 80)

/* 0, or GV_ETOOBIG when `cap` is too small. */
int cst_rank_row_encode(char *buf, size_t cap, const struct cst_row *row, size_t nproblems);
/* Fills *row (its `cells`, room for `nproblems`, must be set) from `text`:
 * 0, or GV_EINVAL when the text is not one row of `nproblems` cells. */
int cst_rank_row_decode(struct cst_row *row, size_t nproblems, const char *text);

#endif
