/* SPDX-License-Identifier: MIT
 * test_cst_reveal.c - the resolver's steps on hand-made and random frozen
 * boards, and the board change of a rejudge (cst_board_changes). */
#include "../test.h"

#include <stdio.h>
#include <string.h>

#include "cst.h"
#include "cst_reveal.h"
#include "gv_alloc.h"
#include "gv_err.h"

#define MIN (60 * 1000LL)
enum { A, B, C };          /* problems */
enum { ALICE, BOB, CAROL }; /* teams */

static const struct cst_board_rules icpc = {
    .scoring = CST_SCORING_ICPC, .penalty_minutes = 20, .freeze_at_ms = 240 * MIN};

static const struct cst_row *row_of(const struct cst_board *b, size_t team)
{
    for (size_t i = 0; i < b->nteams; i++)
        if (b->rows[i].team == team)
            return &b->rows[i];
    fail_msg("team %zu missing", team);
    return NULL;
}

static bool cell_eq(const struct cst_cell *a, const struct cst_cell *b)
{
    return a->solved == b->solved && a->first == b->first && a->tries == b->tries &&
           a->pending == b->pending && a->solved_at_ms == b->solved_at_ms && a->score == b->score;
}

/* The same board: rows in the same order with the same totals and cells. */
static void assert_board_eq(const struct cst_board *a, const struct cst_board *b, const char *what)
{
    assert_int_equal(a->nteams, b->nteams);
    for (size_t i = 0; i < a->nteams; i++) {
        const struct cst_row *x = &a->rows[i], *y = &b->rows[i];

        if (x->team != y->team || x->rank != y->rank || x->solved != y->solved ||
            x->penalty_min != y->penalty_min || x->last_solved_ms != y->last_solved_ms ||
            x->score != y->score)
            fail_msg("%s: row %zu: team %zu rank %d solved %d penalty %lld score %g vs team %zu "
                     "rank %d solved %d penalty %lld score %g",
                     what, i, x->team, x->rank, x->solved, (long long)x->penalty_min, x->score,
                     y->team, y->rank, y->solved, (long long)y->penalty_min, y->score);
        for (size_t p = 0; p < a->nproblems; p++)
            if (!cell_eq(&x->cells[p], &y->cells[p]))
                fail_msg("%s: team %zu problem %zu differs", what, x->team, p);
    }
}

/* The board's order and ranks by the rule of cst.h, checked from scratch:
 * a row's rank is one more than the rows strictly ahead of it. */
static int ahead(const struct cst_row *a, const struct cst_row *b, enum cst_scoring sc)
{
    if (sc == CST_SCORING_IOI)
        return a->score > b->score ? 1 : a->score < b->score ? -1 : 0;
    if (a->solved != b->solved)
        return a->solved > b->solved ? 1 : -1;
    if (a->penalty_min != b->penalty_min)
        return a->penalty_min < b->penalty_min ? 1 : -1;
    /* The last solve by its minute (cst.h): seconds within one tie. */
    if (a->last_solved_ms / 60000 != b->last_solved_ms / 60000)
        return a->last_solved_ms < b->last_solved_ms ? 1 : -1;
    return 0;
}

static void assert_ranked(const struct cst_board *b, enum cst_scoring sc)
{
    for (size_t i = 0; i < b->nteams; i++) {
        int better = 0;

        for (size_t j = 0; j < b->nteams; j++)
            better += ahead(&b->rows[j], &b->rows[i], sc) > 0;
        assert_int_equal(b->rows[i].rank, better + 1);
        if (i > 0) {
            int c = ahead(&b->rows[i - 1], &b->rows[i], sc);
            assert_true(c > 0 || (c == 0 && b->rows[i - 1].team < b->rows[i].team));
        }
    }
}

static const struct cst_cell *cell_of(const struct cst_board *b, size_t team, size_t p)
{
    return &b->cells_mem[team * b->nproblems + p];
}

static bool same_state(const struct cst_cell *a, const struct cst_cell *b)
{
    struct cst_cell x = *a, y = *b;

    x.first = y.first = false;
    return cell_eq(&x, &y);
}

static size_t steps_seen, ties_seen; /* that the random contests test something */

/* Every property cst_reveal.h promises, on one contest. */
static void check_reveal(const struct cst_board_rules *rules, size_t nteams, size_t np,
                         const struct cst_attempt *at, size_t n)
{
    struct cst_board_rules fr = *rules, fin = *rules;
    struct cst_board want_frozen, want_final, cur, next;
    struct cst_reveal r;
    size_t differ = 0;

    fr.reveal = false;
    fin.reveal = true;
    assert_int_equal(cst_board_compute(&want_frozen, &fr, nteams, np, at, n), 0);
    assert_int_equal(cst_board_compute(&want_final, &fin, nteams, np, at, n), 0);
    assert_int_equal(cst_reveal_compute(&r, rules, nteams, np, at, n), 0);
    assert_board_eq(&r.frozen, &want_frozen, "frozen");
    assert_board_eq(&r.final, &want_final, "final");
    for (size_t i = 0; i < nteams * np; i++)
        differ += !same_state(&want_frozen.cells_mem[i], &want_final.cells_mem[i]);
    assert_int_equal(r.nsteps, differ);
    if (rules->freeze_at_ms < 0)
        assert_int_equal(r.nsteps, 0);

    assert_int_equal(cst_reveal_board(&cur, &r, 0), 0);
    assert_board_eq(&cur, &want_frozen, "step 0");
    for (size_t k = 0; k < r.nsteps; k++) {
        const struct cst_reveal_step *st = &r.steps[k];
        const struct cst_row *row = row_of(&cur, st->team), *after;
        size_t changed = 0;

        /* The lowest-ranked row with something to resolve, its leftmost
         * such cell: everything below it and left of it is final. */
        for (size_t i = 0; i < nteams; i++) {
            if (&cur.rows[i] <= row)
                continue;
            for (size_t p = 0; p < np; p++)
                assert_true(same_state(&cur.rows[i].cells[p],
                                       cell_of(&want_final, cur.rows[i].team, p)));
        }
        for (size_t p = 0; p < st->problem; p++)
            assert_true(same_state(&row->cells[p], cell_of(&want_final, st->team, p)));
        assert_false(same_state(&row->cells[st->problem], cell_of(&want_final, st->team,
                                                                 st->problem)));
        assert_true(cell_eq(&row->cells[st->problem], &st->before));
        assert_int_equal(row->rank, st->rank_before);

        assert_int_equal(cst_reveal_board(&next, &r, k + 1), 0);
        assert_ranked(&next, rules->scoring);
        for (size_t t = 0; t < nteams; t++)
            for (size_t p = 0; p < np; p++)
                changed += !cell_eq(cell_of(&cur, t, p), cell_of(&next, t, p));
        assert_int_equal(changed, 1);
        after = row_of(&next, st->team);
        assert_true(cell_eq(&after->cells[st->problem], &st->after));
        assert_true(same_state(&st->after, cell_of(&want_final, st->team, st->problem)));
        assert_int_equal(after->rank, st->rank_after);
        for (size_t i = 1; i < nteams; i++)
            ties_seen += next.rows[i].rank == next.rows[i - 1].rank;
        assert_int_equal(after->solved, st->solved);
        assert_int_equal(after->penalty_min, st->penalty_min);
        assert_true(after->score == st->score);
        cst_board_release(&cur);
        cur = next;
    }
    assert_board_eq(&cur, &want_final, "last step");
    steps_seen += r.nsteps;
    assert_int_equal(cst_reveal_board(&next, &r, r.nsteps + 1), GV_EINVAL);
    cst_board_release(&cur);
    cst_board_release(&want_frozen);
    cst_board_release(&want_final);
    cst_reveal_release(&r);
}

static void a_frozen_solve_climbs(void **state)
{
    /* Alice leads before the freeze; Bob's frozen A lifts him to the top
     * with less penalty; Carol's frozen attempt is wrong; Bob's B stays
     * pending (never judged). */
    const struct cst_attempt at[] = {
        {BOB, B, 20 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, A, 30 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 200 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, A, 245 * MIN, CST_OUT_REJECTED, 0},
        {CAROL, C, 250 * MIN, CST_OUT_REJECTED, 0},
        {BOB, A, 250 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, C, 260 * MIN, CST_OUT_PENDING, 0},
    };
    struct cst_reveal r;

    (void)state;
    assert_int_equal(cst_reveal_compute(&r, &icpc, 3, 3, at, 7), 0);
    assert_int_equal(r.frozen.rows[0].team, ALICE);
    assert_int_equal(r.nsteps, 2);
    /* Carol is last: her C first, a wrong answer; she stays third. */
    assert_int_equal(r.steps[0].team, CAROL);
    assert_int_equal(r.steps[0].problem, C);
    assert_int_equal(r.steps[0].before.pending, 1);
    assert_int_equal(r.steps[0].after.tries, 1);
    assert_int_equal(r.steps[0].after.pending, 0);
    assert_int_equal(r.steps[0].rank_after, 3);
    /* Then Bob's A: solved at 250 with one wrong try, 2 solved, 20 + 270. */
    assert_int_equal(r.steps[1].team, BOB);
    assert_int_equal(r.steps[1].problem, A);
    assert_int_equal(r.steps[1].rank_before, 2);
    assert_true(r.steps[1].after.solved);
    assert_false(r.steps[1].after.first); /* Alice solved A first */
    assert_int_equal(r.steps[1].solved, 2);
    assert_int_equal(r.steps[1].penalty_min, 20 + 250 + 20);
    assert_int_equal(r.steps[1].rank_after, 2); /* Alice: 30 + 200 = 230 < 290 */
    assert_int_equal(row_of(&r.final, BOB)->cells[C].pending, 1);
    cst_reveal_release(&r);
    check_reveal(&icpc, 3, 3, at, 7);
}

static void first_to_solve_is_never_taken_back(void **state)
{
    /* Nobody solved B before the freeze. Bob (ranked below) solved it at
     * 260, Alice at 250: Bob's cell is resolved first and must not be
     * marked first, since Alice's earlier solve is the first. */
    const struct cst_attempt at[] = {
        {ALICE, A, 10 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 250 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, B, 260 * MIN, CST_OUT_ACCEPTED, 0},
    };
    struct cst_reveal r;

    (void)state;
    assert_int_equal(cst_reveal_compute(&r, &icpc, 2, 2, at, 3), 0);
    assert_int_equal(r.nsteps, 2);
    assert_int_equal(r.steps[0].team, BOB);
    assert_false(r.steps[0].after.first);
    assert_int_equal(r.steps[1].team, ALICE);
    assert_true(r.steps[1].after.first);
    cst_reveal_release(&r);
    check_reveal(&icpc, 2, 2, at, 3);
}

static void nothing_to_reveal(void **state)
{
    const struct cst_attempt at[] = {
        {ALICE, A, 10 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, A, 20 * MIN, CST_OUT_REJECTED, 0},
    };
    struct cst_board_rules none = icpc;
    struct cst_reveal r;

    (void)state;
    /* A freeze with no attempt after it, and no freeze at all. */
    assert_int_equal(cst_reveal_compute(&r, &icpc, 2, 1, at, 2), 0);
    assert_int_equal(r.nsteps, 0);
    cst_reveal_release(&r);
    none.freeze_at_ms = -1;
    assert_int_equal(cst_reveal_compute(&r, &none, 2, 1, at, 2), 0);
    assert_int_equal(r.nsteps, 0);
    assert_board_eq(&r.frozen, &r.final, "no freeze");
    cst_reveal_release(&r);
    /* An empty contest. */
    assert_int_equal(cst_reveal_compute(&r, &icpc, 0, 0, NULL, 0), 0);
    assert_int_equal(r.nsteps, 0);
    cst_reveal_release(&r);
    /* Bad attempts are refused as the board refuses them. */
    assert_int_equal(cst_reveal_compute(&r, &icpc, 1, 1, at, 2), GV_EINVAL);
    cst_reveal_release(&r);
}

/* Random contests, both scorings: few distinct times and scores so that
 * ties are common, teams with nothing pending, freezes before, inside and
 * after the attempts, unjudged attempts. */
static void random_reveals_end_at_the_final_board(void **state)
{
    enum { ATTEMPTS_MAX = 70 };
    unsigned seed = 2024;
    (void)state;

    for (int round = 0; round < 300; round++) {
        struct cst_attempt at[ATTEMPTS_MAX];
        size_t nteams, np, n;
        struct cst_board_rules rules = {
            .scoring = round % 2 ? CST_SCORING_IOI : CST_SCORING_ICPC,
            .penalty_minutes = round % 3 ? 20 : 0,
        };
        int64_t t = 0;

#define RND(m) ((seed = seed * 1103515245u + 12345u), (size_t)((seed >> 8) % (m)))
        nteams = 1 + RND(9);
        np = 1 + RND(5);
        n = RND(ATTEMPTS_MAX + 1);
        for (size_t i = 0; i < n; i++) {
            t += (int64_t)RND(3) * 7 * MIN;
            at[i] = (struct cst_attempt){RND(nteams), RND(np), t, (enum cst_outcome)RND(4),
                                         (double)(25 * RND(5))};
            /* Some teams only ever submit before the freeze. */
            if (at[i].team % 3 == 2 && t >= 200 * MIN)
                at[i].team = 0;
        }
        switch (round % 5) {
        case 0:
            rules.freeze_at_ms = -1;
            break;
        case 1:
            rules.freeze_at_ms = t + MIN; /* nothing after it */
            break;
        case 2:
            rules.freeze_at_ms = 0; /* everything frozen */
            break;
        default:
            rules.freeze_at_ms = (int64_t)RND(300) * MIN;
        }
#undef RND
        check_reveal(&rules, nteams, np, at, n);
    }
    assert_true(steps_seen > 1000);
    assert_true(ties_seen > 100);
}

static void rejudge_changes_rows(void **state)
{
    /* A rejudge turns Bob's wrong A into an accepted one. */
    struct cst_attempt at[] = {
        {ALICE, A, 10 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 20 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, A, 30 * MIN, CST_OUT_REJECTED, 0},
        {CAROL, A, 40 * MIN, CST_OUT_REJECTED, 0},
    };
    struct cst_board_rules open = icpc;
    struct cst_board before, after;
    struct cst_row_change *ch;
    size_t n;

    (void)state;
    open.freeze_at_ms = -1;
    assert_int_equal(cst_board_compute(&before, &open, 3, 2, at, 4), 0);
    at[2].outcome = CST_OUT_ACCEPTED;
    assert_int_equal(cst_board_compute(&after, &open, 3, 2, at, 4), 0);
    assert_int_equal(cst_board_changes(&ch, &n, CST_SCORING_ICPC, &before, &after), 0);
    /* Bob's totals changed; Carol, who shared second place with him, is
     * third now; Alice is untouched. In the new board's order. */
    assert_int_equal(n, 2);
    assert_int_equal(ch[0].team, BOB);
    assert_int_equal(ch[0].before.rank, 2);
    assert_int_equal(ch[0].after.rank, 2);
    assert_int_equal(ch[0].before.solved, 0);
    assert_int_equal(ch[0].after.solved, 1);
    assert_int_equal(ch[0].after.penalty_min, 30);
    assert_int_equal(ch[1].team, CAROL);
    assert_int_equal(ch[1].before.rank, 2);
    assert_int_equal(ch[1].after.rank, 3);
    gv_free(ch);
    /* The same boards: nothing changed. */
    assert_int_equal(cst_board_changes(&ch, &n, CST_SCORING_ICPC, &after, &after), 0);
    assert_int_equal(n, 0);
    gv_free(ch);
    cst_board_release(&before);
    assert_int_equal(cst_board_compute(&before, &open, 2, 2, at, 3), 0);
    assert_int_equal(cst_board_changes(&ch, &n, CST_SCORING_ICPC, &before, &after), GV_EINVAL);
    cst_board_release(&before);
    cst_board_release(&after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_frozen_solve_climbs),
        cmocka_unit_test(first_to_solve_is_never_taken_back),
        cmocka_unit_test(nothing_to_reveal),
        cmocka_unit_test(random_reveals_end_at_the_final_board),
        cmocka_unit_test(rejudge_changes_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
