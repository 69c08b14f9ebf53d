/* SPDX-License-Identifier: MIT
 * cst_board.c - standings from attempts (rules in cst.h). */
#define _GNU_SOURCE /* qsort_r: boards are computed on several threads at once */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

static void apply(struct cst_cell *c, const struct cst_board_rules *r, const struct cst_attempt *a)
{
    enum cst_outcome o = a->outcome;

    if (!r->reveal && r->freeze_at_ms >= 0 && a->at_ms >= r->freeze_at_ms)
        o = CST_OUT_PENDING;
    if (r->scoring == CST_SCORING_ICPC && c->solved)
        return; /* attempts after the solve never count */
    switch (o) {
    case CST_OUT_PENDING:
        c->pending++;
        break;
    case CST_OUT_IGNORED:
        break;
    case CST_OUT_REJECTED:
        c->tries++;
        if (r->scoring == CST_SCORING_IOI && a->score > c->score)
            c->score = a->score;
        break;
    case CST_OUT_ACCEPTED:
        c->tries++;
        if (!c->solved) {
            c->solved = true;
            c->solved_at_ms = a->at_ms;
        }
        if (r->scoring == CST_SCORING_IOI && a->score > c->score)
            c->score = a->score;
        break;
    }
}

/* A row's totals from its cells. */
static void total(struct cst_row *row, const struct cst_board_rules *rules, size_t nproblems)
{
    for (size_t p = 0; p < nproblems; p++) {
        const struct cst_cell *c = &row->cells[p];

        row->score += c->score;
        if (!c->solved)
            continue;
        row->solved++;
        row->penalty_min +=
            c->solved_at_ms / 60000 + (int64_t)rules->penalty_minutes * (c->tries - 1);
        if (c->solved_at_ms > row->last_solved_ms)
            row->last_solved_ms = c->solved_at_ms;
    }
}

/* First to solve: every team whose solve ties the earliest one. */
void cst_board_mark_first(struct cst_row *row, size_t nproblems, const int64_t *first)
{
    for (size_t p = 0; p < nproblems; p++)
        row->cells[p].first = row->cells[p].solved && row->cells[p].solved_at_ms == first[p];
}

/* Rank order; ties (equal rank) are listed by team index. */
static int rank_cmp_only(const struct cst_row *a, const struct cst_row *b, enum cst_scoring sc)
{
    if (sc == CST_SCORING_IOI) {
        if (a->score != b->score)
            return a->score > b->score ? -1 : 1;
        return 0;
    }
    if (a->solved != b->solved)
        return a->solved > b->solved ? -1 : 1;
    if (a->penalty_min != b->penalty_min)
        return a->penalty_min < b->penalty_min ? -1 : 1;
    /* The last solve counts by its contest time in whole minutes, as the
     * penalty does (CLICS: "the contest time of the problem that the team
     * solved last", rounded down; DOMjudge, and the web client's re-rank by
     * `time_min`, agree). Milliseconds split teams that the rule ties, e.g.
     * two last solves at 290:10 and 290:50. cst_rank_key packs the same. */
    if (a->last_solved_ms / 60000 != b->last_solved_ms / 60000)
        return a->last_solved_ms < b->last_solved_ms ? -1 : 1;
    return 0;
}

static int row_cmp(const void *pa, const void *pb, void *scoring)
{
    const struct cst_row *a = pa, *b = pb;
    int c = rank_cmp_only(a, b, *(const enum cst_scoring *)scoring);

    if (c)
        return c;
    return a->team < b->team ? -1 : a->team > b->team;
}

int cst_board_compute(struct cst_board *out, const struct cst_board_rules *rules, size_t nteams,
                      size_t nproblems, const struct cst_attempt *attempts, size_t nattempts)
{
    struct cst_board b = {.nteams = nteams, .nproblems = nproblems};
    int64_t *first = NULL;
    int err = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < nattempts; i++) {
        const struct cst_attempt *a = &attempts[i];
        if (a->team >= nteams || a->problem >= nproblems ||
            (i > 0 && a->at_ms < attempts[i - 1].at_ms))
            return GV_EINVAL;
    }
    if (nproblems && nteams > SIZE_MAX / nproblems / sizeof(struct cst_cell))
        return -ENOMEM;
    b.rows = gv_calloc(nteams ? nteams : 1, sizeof(*b.rows));
    b.cells_mem = gv_calloc(nteams * nproblems > 0 ? nteams * nproblems : 1, sizeof(*b.cells_mem));
    first = gv_calloc(nproblems ? nproblems : 1, sizeof(*first));
    if (!b.rows || !b.cells_mem || !first) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t t = 0; t < nteams; t++) {
        b.rows[t].team = t;
        b.rows[t].cells = b.cells_mem + t * nproblems;
    }
    for (size_t i = 0; i < nattempts; i++)
        apply(&b.rows[attempts[i].team].cells[attempts[i].problem], rules, &attempts[i]);

    for (size_t p = 0; p < nproblems; p++)
        first[p] = INT64_MAX;
    for (size_t t = 0; t < nteams; t++) {
        total(&b.rows[t], rules, nproblems);
        for (size_t p = 0; p < nproblems; p++)
            if (b.rows[t].cells[p].solved && b.rows[t].cells[p].solved_at_ms < first[p])
                first[p] = b.rows[t].cells[p].solved_at_ms;
    }
    for (size_t t = 0; t < nteams; t++)
        cst_board_mark_first(&b.rows[t], nproblems, first);

    /* The rows move; their cells stay where they are. */
    qsort_r(b.rows, nteams, sizeof(*b.rows), row_cmp, (void *)&rules->scoring);
    for (size_t i = 0; i < nteams; i++)
        b.rows[i].rank = i > 0 && rank_cmp_only(&b.rows[i - 1], &b.rows[i], rules->scoring) == 0
                             ? b.rows[i - 1].rank
                             : (int)i + 1;
    *out = b;
    b.rows = NULL;
    b.cells_mem = NULL;
out:
    gv_free(first);
    gv_free(b.rows);
    gv_free(b.cells_mem);
    return err;
}

void cst_board_release(struct cst_board *b)
{
    gv_free(b->rows);
    gv_free(b->cells_mem);
    memset(b, 0, sizeof(*b));
}

bool cst_board_shows_solve(const struct cst_board_rules *rules, int64_t at_ms)
{
    return rules->reveal || rules->freeze_at_ms < 0 || at_ms < rules->freeze_at_ms;
}

int cst_board_row(struct cst_row *out, struct cst_cell *cells, const struct cst_board_rules *rules,
                  size_t nproblems, const struct cst_attempt *attempts, size_t nattempts,
                  const int64_t *first_solve_ms)
{
    memset(out, 0, sizeof(*out));
    memset(cells, 0, nproblems * sizeof(*cells));
    for (size_t i = 0; i < nattempts; i++) {
        if (attempts[i].problem >= nproblems || (i > 0 && attempts[i].at_ms < attempts[i - 1].at_ms))
            return GV_EINVAL;
    }
    out->cells = cells;
    for (size_t i = 0; i < nattempts; i++)
        apply(&cells[attempts[i].problem], rules, &attempts[i]);
    total(out, rules, nproblems);
    cst_board_mark_first(out, nproblems, first_solve_ms);
    return 0;
}

static struct cst_standing standing_of(const struct cst_row *r)
{
    return (struct cst_standing){r->rank, r->solved, r->penalty_min, r->score};
}

static bool standing_differs(const struct cst_standing *a, const struct cst_standing *b,
                             enum cst_scoring scoring)
{
    if (a->rank != b->rank)
        return true;
    if (scoring == CST_SCORING_IOI)
        return a->score != b->score;
    return a->solved != b->solved || a->penalty_min != b->penalty_min;
}

int cst_board_changes(struct cst_row_change **out, size_t *count, enum cst_scoring scoring,
                      const struct cst_board *before, const struct cst_board *after)
{
    size_t n = before->nteams, k = 0;
    /* Rows are in rank order: index them by team first. */
    const struct cst_row **by_team = NULL;
    struct cst_row_change *ch = NULL;

    *out = NULL;
    *count = 0;
    if (after->nteams != n)
        return GV_EINVAL;
    by_team = gv_calloc(n ? n : 1, sizeof(*by_team));
    ch = gv_calloc(n ? n : 1, sizeof(*ch));
    if (!by_team || !ch) {
        gv_free(by_team);
        gv_free(ch);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        by_team[before->rows[i].team] = &before->rows[i];
    for (size_t i = 0; i < n; i++) {
        const struct cst_row *a = &after->rows[i], *b = by_team[a->team];

        ch[k] = (struct cst_row_change){a->team, standing_of(b), standing_of(a)};
        k += standing_differs(&ch[k].before, &ch[k].after, scoring);
    }
    gv_free(by_team);
    *out = ch;
    *count = k;
    return 0;
}

int cst_board_medal(const struct cst_row *row, const int counts[CST_MEDAL_KINDS])
{
    int64_t last = 0;

    if (row->solved <= 0 && row->score <= 0)
        return -1;
    for (int k = 0; k < CST_MEDAL_KINDS; k++) {
        last += counts[k] > 0 ? counts[k] : 0;
        if (counts[k] > 0 && row->rank <= last)
            return k;
    }
    return -1;
}
