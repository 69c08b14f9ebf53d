/* SPDX-License-Identifier: MIT
 * cst_reveal.h - the reveal of a frozen scoreboard, one cell at a time, as
 * the ICPC resolver shows it on a projector after the contest.
 *
 * Rule. Start from the frozen public board. Take the lowest-ranked row that
 * still has a pending (frozen) cell and resolve its leftmost one to its
 * final state: that row's totals and the ranking are recomputed, and the row
 * may climb. One step per key press. A row with nothing left to resolve is
 * passed, so the reveal moves up the board; it ends at the final board.
 *
 * Every board of the sequence is cst_board_compute's over the same attempts:
 * the attempts of the cells not resolved yet that were made from the freeze
 * on count as pending (what the freeze hides), the others count with their
 * real outcome. So the first board is the frozen public board and the last
 * is the final one, cell for cell and rank for rank.
 *
 * Which cells are resolved: those whose frozen and final states differ. A
 * cell whose frozen attempts are all still unjudged (or judge errors)
 * stays pending on the final board too; it takes no step.
 *
 * First to solve: the mark goes, at every step, only to a solve that is the
 * earliest of the final board. A board computed alone would mark a frozen
 * solve as first when the earlier one is not revealed yet, and take the mark
 * back a few steps later; the projector would show a false first. So each
 * step changes exactly one cell and nothing else but ranks. */
#ifndef CST_REVEAL_H
#define CST_REVEAL_H

#include <stddef.h>

#include "cst.h"

struct cst_reveal_step {
    size_t team, problem;
    struct cst_cell before, after; /* the cell as shown before and after the step */
    int rank_before, rank_after;
    /* The row's totals after the step. */
    int solved;
    int64_t penalty_min;
    double score;
};

struct cst_reveal {
    struct cst_board frozen; /* the public board at the freeze (step 0) */
    struct cst_board final;  /* the final board (after the last step) */
    size_t nsteps;
    struct cst_reveal_step *steps;

    /* What the boards of intermediate steps are computed from (see
     * cst_reveal_board); private. */
    struct cst_board_rules rules_; /* reveal true */
    size_t nattempts_;
    struct cst_attempt *attempts_; /* a copy */
    int64_t *first_;               /* nproblems: earliest solve of the final board */
};

/* The whole reveal of a contest from its attempts (as cst_board_compute
 * takes them; `rules->reveal` is not read). Without a freeze
 * (`freeze_at_ms` < 0) nothing is hidden: no steps, and both boards are the
 * final one. 0, GV_EINVAL as cst_board_compute, -ENOMEM. Release *out with
 * cst_reveal_release (also after a failure). Cost: one cst_board_compute
 * per step. */
int cst_reveal_compute(struct cst_reveal *out, const struct cst_board_rules *rules, size_t nteams,
                       size_t nproblems, const struct cst_attempt *attempts, size_t nattempts);

/* The board after the first `k` steps (0: the frozen board; nsteps: the
 * final board), for a projector that jumps or a test that checks. The
 * caller releases *out. GV_EINVAL when k > nsteps. */
int cst_reveal_board(struct cst_board *out, const struct cst_reveal *r, size_t k);

void cst_reveal_release(struct cst_reveal *r);

#endif
