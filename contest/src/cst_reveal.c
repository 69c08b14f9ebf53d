/* SPDX-License-Identifier: MIT
 * cst_reveal.c - the resolver's steps (rules in cst_reveal.h). */
#include "cst_reveal.h"

#include <errno.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

/* Whether two cells show the same thing; `first` aside (cst_reveal.h says
 * who gets it). */
static bool cell_same(const struct cst_cell *a, const struct cst_cell *b)
{
    return a->solved == b->solved && a->tries == b->tries && a->pending == b->pending &&
           a->solved_at_ms == b->solved_at_ms && a->score == b->score;
}

/* The cells still to resolve at the start: those whose frozen and final
 * states differ. Cells stay at their team's place in cells_mem whatever the
 * rows' order, so [t * nproblems + p] is team t's cell p on either board. */
static size_t hidden_init(bool *hidden, const struct cst_reveal *r)
{
    size_t n = r->final.nteams * r->final.nproblems, count = 0;

    for (size_t i = 0; i < n; i++) {
        hidden[i] = !cell_same(&r->frozen.cells_mem[i], &r->final.cells_mem[i]);
        count += hidden[i];
    }
    return count;
}

/* The board with the cells in `hidden` as the freeze shows them and every
 * other cell as it is: the attempts of hidden cells from the freeze on are
 * pending. `scratch` has room for the attempts. */
static int board_at(struct cst_board *out, const struct cst_reveal *r, const bool *hidden,
                    struct cst_attempt *scratch)
{
    size_t np = r->final.nproblems;
    int err;

    for (size_t i = 0; i < r->nattempts_; i++) {
        const struct cst_attempt *a = &r->attempts_[i];

        scratch[i] = *a;
        if (a->at_ms >= r->rules_.freeze_at_ms && hidden[a->team * np + a->problem])
            scratch[i].outcome = CST_OUT_PENDING;
    }
    err = cst_board_compute(out, &r->rules_, r->final.nteams, np, scratch, r->nattempts_);
    if (err < 0)
        return err;
    for (size_t i = 0; i < out->nteams * np; i++) {
        struct cst_cell *c = &out->cells_mem[i];

        c->first = c->solved && c->solved_at_ms == r->first_[i % np];
    }
    return 0;
}

static const struct cst_row *row_of(const struct cst_board *b, size_t team)
{
    for (size_t i = 0; i < b->nteams; i++)
        if (b->rows[i].team == team)
            return &b->rows[i];
    return NULL; /* every team has a row */
}

/* Resolves the cells one step at a time from `cur` (the board with
 * `hidden` hidden, which it releases), filling r->steps. */
static int steps_run(struct cst_reveal *r, struct cst_board *cur, bool *hidden, size_t *left,
                     struct cst_attempt *scratch)
{
    size_t np = r->final.nproblems;
    struct cst_board next;
    int err = 0;

    for (size_t k = 0; k < r->nsteps; k++) {
        struct cst_reveal_step *st = &r->steps[k];
        const struct cst_row *row, *after;
        size_t i = cur->nteams, p = 0;

        while (i-- > 0 && !left[cur->rows[i].team])
            ;
        row = &cur->rows[i]; /* found: steps remain, so some team has a hidden cell */
        while (!hidden[row->team * np + p])
            p++;
        st->team = row->team;
        st->problem = p;
        st->before = row->cells[p];
        st->rank_before = row->rank;
        hidden[row->team * np + p] = false;
        left[row->team]--;
        err = board_at(&next, r, hidden, scratch);
        if (err < 0)
            break;
        after = row_of(&next, st->team);
        st->after = after->cells[p];
        st->rank_after = after->rank;
        st->solved = after->solved;
        st->penalty_min = after->penalty_min;
        st->score = after->score;
        cst_board_release(cur);
        *cur = next;
    }
    cst_board_release(cur);
    return err;
}

int cst_reveal_compute(struct cst_reveal *out, const struct cst_board_rules *rules, size_t nteams,
                       size_t nproblems, const struct cst_attempt *attempts, size_t nattempts)
{
    struct cst_board_rules frozen_rules = *rules;
    struct cst_attempt *scratch = NULL;
    struct cst_board cur;
    bool *hidden = NULL;
    size_t *left = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    out->rules_ = *rules;
    out->rules_.reveal = true;
    frozen_rules.reveal = false;
    err = cst_board_compute(&out->frozen, &frozen_rules, nteams, nproblems, attempts, nattempts);
    if (err == 0)
        err = cst_board_compute(&out->final, &out->rules_, nteams, nproblems, attempts, nattempts);
    if (err < 0)
        return err;
    out->nattempts_ = nattempts;
    out->attempts_ = gv_calloc(nattempts ? nattempts : 1, sizeof(*attempts));
    scratch = gv_calloc(nattempts ? nattempts : 1, sizeof(*attempts));
    out->first_ = gv_calloc(nproblems ? nproblems : 1, sizeof(*out->first_));
    hidden = gv_calloc(nteams * nproblems > 0 ? nteams * nproblems : 1, sizeof(*hidden));
    left = gv_calloc(nteams ? nteams : 1, sizeof(*left));
    if (!out->attempts_ || !scratch || !out->first_ || !hidden || !left) {
        err = -ENOMEM;
        goto out;
    }
    if (nattempts)
        memcpy(out->attempts_, attempts, nattempts * sizeof(*attempts));
    for (size_t p = 0; p < nproblems; p++)
        out->first_[p] = INT64_MAX;
    for (size_t i = 0; i < nteams * nproblems; i++) {
        const struct cst_cell *c = &out->final.cells_mem[i];

        if (c->solved && c->solved_at_ms < out->first_[i % nproblems])
            out->first_[i % nproblems] = c->solved_at_ms;
    }
    out->nsteps = hidden_init(hidden, out);
    for (size_t i = 0; i < nteams * nproblems; i++)
        left[i / nproblems] += hidden[i];
    out->steps = gv_calloc(out->nsteps ? out->nsteps : 1, sizeof(*out->steps));
    if (!out->steps) {
        err = -ENOMEM;
        goto out;
    }
    err = board_at(&cur, out, hidden, scratch);
    if (err == 0)
        err = steps_run(out, &cur, hidden, left, scratch);
out:
    gv_free(scratch);
    gv_free(hidden);
    gv_free(left);
    return err;
}

int cst_reveal_board(struct cst_board *out, const struct cst_reveal *r, size_t k)
{
    size_t n = r->final.nteams * r->final.nproblems;
    struct cst_attempt *scratch;
    bool *hidden;
    int err = -ENOMEM;

    memset(out, 0, sizeof(*out));
    if (k > r->nsteps)
        return GV_EINVAL;
    scratch = gv_calloc(r->nattempts_ ? r->nattempts_ : 1, sizeof(*scratch));
    hidden = gv_calloc(n > 0 ? n : 1, sizeof(*hidden));
    if (scratch && hidden) {
        hidden_init(hidden, r);
        for (size_t j = 0; j < k; j++)
            hidden[r->steps[j].team * r->final.nproblems + r->steps[j].problem] = false;
        err = board_at(out, r, hidden, scratch);
    }
    gv_free(scratch);
    gv_free(hidden);
    return err;
}

void cst_reveal_release(struct cst_reveal *r)
{
    cst_board_release(&r->frozen);
    cst_board_release(&r->final);
    gv_free(r->steps);
    gv_free(r->attempts_);
    gv_free(r->first_);
    memset(r, 0, sizeof(*r));
}
