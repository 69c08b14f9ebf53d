/* SPDX-License-Identifier: MIT
 * test_cst_board.c - standings: ICPC penalties and ties, the freeze, IOI. */
#include "../test.h"

#include "cst.h"
#include "gv_err.h"

#define MIN (60 * 1000LL)
enum { A, B, C };                       /* problems */
enum { ALICE, BOB, CAROL, DAVE, EVE };  /* teams */

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

static void icpc_penalty_and_ranks(void **state)
{
    /* Alice: A wrong at 10, CE at 12 (free), A solved at 21:59 -> 21 + 20;
     *        B solved at 100, then a wrong one after (does not count).
     * Bob:   A solved at 30, B solved at 111 -> 141 = Alice's 141, but his
     *        last solve is later: he ranks below her.
     * Carol: A solved at 30, B solved at 111 too: ties with Bob exactly.
     * Dave:  nothing solved, one pending. Eve: nothing at all. */
    const struct cst_attempt at[] = {
        {ALICE, A, 10 * MIN, CST_OUT_REJECTED, 0},
        {ALICE, A, 12 * MIN, CST_OUT_IGNORED, 0},
        {ALICE, A, 22 * MIN - 1, CST_OUT_ACCEPTED, 0},
        {BOB, A, 30 * MIN, CST_OUT_ACCEPTED, 0},
        {CAROL, A, 30 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 100 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 101 * MIN, CST_OUT_REJECTED, 0},
        {BOB, B, 111 * MIN, CST_OUT_ACCEPTED, 0},
        {CAROL, B, 111 * MIN, CST_OUT_ACCEPTED, 0},
        {DAVE, C, 200 * MIN, CST_OUT_PENDING, 0},
    };
    struct cst_board b;
    const struct cst_row *r;

    (void)state;
    assert_int_equal(cst_board_compute(&b, &icpc, 5, 3, at, sizeof(at) / sizeof(at[0])), 0);
    assert_int_equal(b.rows[0].team, ALICE);
    r = row_of(&b, ALICE);
    assert_int_equal(r->rank, 1);
    assert_int_equal(r->solved, 2);
    assert_int_equal(r->penalty_min, 21 + 20 + 100);
    assert_int_equal(r->cells[A].tries, 2);
    assert_true(r->cells[A].first);
    assert_int_equal(r->cells[B].tries, 1);
    assert_true(r->cells[B].first);

    assert_int_equal(row_of(&b, BOB)->penalty_min, 141);
    assert_int_equal(row_of(&b, BOB)->rank, 2);
    assert_int_equal(row_of(&b, CAROL)->rank, 2);
    assert_false(row_of(&b, BOB)->cells[A].first);
    assert_int_equal(b.rows[1].team, BOB); /* ties listed by team index */

    r = row_of(&b, DAVE);
    assert_int_equal(r->rank, 4);
    assert_int_equal(r->cells[C].pending, 1);
    assert_int_equal(r->cells[C].tries, 0);
    assert_int_equal(row_of(&b, EVE)->rank, 4);
    cst_board_release(&b);
}

static void freeze_hides_verdicts_until_revealed(void **state)
{
    const struct cst_attempt at[] = {
        {ALICE, A, 50 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, A, 239 * MIN, CST_OUT_REJECTED, 0},
        {BOB, A, 240 * MIN, CST_OUT_ACCEPTED, 0}, /* at the freeze: hidden */
        {BOB, B, 250 * MIN, CST_OUT_REJECTED, 0},
    };
    struct cst_board_rules open = icpc;
    struct cst_board b;
    const struct cst_row *r;

    (void)state;
    assert_int_equal(cst_board_compute(&b, &icpc, 2, 2, at, 4), 0);
    r = row_of(&b, BOB);
    assert_int_equal(r->solved, 0);
    assert_int_equal(r->cells[A].tries, 1);
    assert_int_equal(r->cells[A].pending, 1);
    assert_int_equal(r->cells[B].pending, 1);
    assert_int_equal(r->rank, 2);
    cst_board_release(&b);

    open.reveal = true;
    assert_int_equal(cst_board_compute(&b, &open, 2, 2, at, 4), 0);
    r = row_of(&b, BOB);
    assert_int_equal(r->solved, 1);
    assert_int_equal(r->penalty_min, 240 + 20);
    assert_int_equal(r->cells[B].tries, 1);
    assert_int_equal(r->cells[B].pending, 0);
    cst_board_release(&b);
}

static void ioi_best_scores(void **state)
{
    const struct cst_board_rules ioi = {.scoring = CST_SCORING_IOI, .freeze_at_ms = -1};
    const struct cst_attempt at[] = {
        {ALICE, A, 1 * MIN, CST_OUT_REJECTED, 30},
        {ALICE, A, 2 * MIN, CST_OUT_REJECTED, 10}, /* worse: the best stays */
        {BOB, A, 3 * MIN, CST_OUT_ACCEPTED, 100},
        {ALICE, B, 4 * MIN, CST_OUT_REJECTED, 70},
        {CAROL, A, 5 * MIN, CST_OUT_REJECTED, 100},
    };
    struct cst_board b;

    (void)state;
    assert_int_equal(cst_board_compute(&b, &ioi, 3, 2, at, 5), 0);
    assert_true(row_of(&b, ALICE)->score == 100.0);
    assert_int_equal(row_of(&b, ALICE)->cells[A].tries, 2);
    assert_true(row_of(&b, ALICE)->cells[A].score == 30.0);
    /* Equal totals share the rank, whatever was "accepted". */
    assert_int_equal(row_of(&b, ALICE)->rank, 1);
    assert_int_equal(row_of(&b, BOB)->rank, 1);
    assert_int_equal(row_of(&b, CAROL)->rank, 1);
    assert_int_equal(row_of(&b, BOB)->solved, 1);
    cst_board_release(&b);
}

static void bad_attempts_are_refused(void **state)
{
    const struct cst_attempt out_of_order[] = {{0, 0, 5, CST_OUT_ACCEPTED, 0},
                                               {0, 0, 4, CST_OUT_ACCEPTED, 0}};
    const struct cst_attempt bad_team[] = {{2, 0, 5, CST_OUT_ACCEPTED, 0}};
    struct cst_board b;

    (void)state;
    assert_int_equal(cst_board_compute(&b, &icpc, 2, 1, out_of_order, 2), GV_EINVAL);
    assert_int_equal(cst_board_compute(&b, &icpc, 2, 1, bad_team, 1), GV_EINVAL);
    /* No teams, no problems: an empty board, not an error. */
    assert_int_equal(cst_board_compute(&b, &icpc, 0, 0, NULL, 0), 0);
    assert_int_equal(b.nteams, 0);
    cst_board_release(&b);
}

/* The one-row writer agrees with the whole board on every row, for random
 * contests: both scorings, with and without the freeze and its reveal. The
 * earliest visible solve per problem is what the writer's query gives: the
 * earliest accepted attempt, if the view shows it. */
static void one_row_matches_the_board(void **state)
{
    enum { TEAMS = 7, PROBLEMS = 4, ATTEMPTS = 60 };
    unsigned seed = 12345;
    (void)state;

    for (int round = 0; round < 400; round++) {
        struct cst_board_rules rules = {
            .scoring = round % 2 ? CST_SCORING_IOI : CST_SCORING_ICPC,
            .penalty_minutes = 20,
            .freeze_at_ms = round % 3 ? 200 * MIN : -1,
            .reveal = round % 5 == 0,
        };
        struct cst_attempt at[ATTEMPTS];
        int64_t first[PROBLEMS];
        struct cst_board b;
        int64_t t = 0;

        for (int p = 0; p < PROBLEMS; p++)
            first[p] = INT64_MAX;
        for (int i = 0; i < ATTEMPTS; i++) {
            seed = seed * 1103515245u + 12345u;
            t += (seed >> 8) % (9 * MIN);
            at[i] = (struct cst_attempt){(seed >> 4) % TEAMS, (seed >> 12) % PROBLEMS, t,
                                         (enum cst_outcome)((seed >> 16) % 4),
                                         (double)((seed >> 20) % 101)};
            if (at[i].outcome == CST_OUT_ACCEPTED && cst_board_shows_solve(&rules, t) &&
                t < first[at[i].problem])
                first[at[i].problem] = t;
        }
        assert_int_equal(cst_board_compute(&b, &rules, TEAMS, PROBLEMS, at, ATTEMPTS), 0);
        for (size_t team = 0; team < TEAMS; team++) {
            const struct cst_row *want = row_of(&b, team);
            struct cst_attempt mine[ATTEMPTS];
            struct cst_cell cells[PROBLEMS];
            struct cst_row got;
            size_t n = 0;

            for (int i = 0; i < ATTEMPTS; i++)
                if (at[i].team == team)
                    mine[n++] = at[i];
            assert_int_equal(cst_board_row(&got, cells, &rules, PROBLEMS, mine, n, first), 0);
            assert_int_equal(got.solved, want->solved);
            assert_int_equal(got.penalty_min, want->penalty_min);
            assert_int_equal(got.last_solved_ms, want->last_solved_ms);
            assert_true(got.score == want->score);
            for (int p = 0; p < PROBLEMS; p++) {
                assert_int_equal(got.cells[p].solved, want->cells[p].solved);
                assert_int_equal(got.cells[p].first, want->cells[p].first);
                assert_int_equal(got.cells[p].tries, want->cells[p].tries);
                assert_int_equal(got.cells[p].pending, want->cells[p].pending);
                assert_true(got.cells[p].score == want->cells[p].score);
            }
        }
        cst_board_release(&b);
    }
}

/* The last solve breaks ties by its contest time in whole minutes, as the
 * penalty counts it (CLICS: "the contest time of the problem that the team
 * solved last", rounded down to the minute; DOMjudge ranks so too, and the
 * web client re-ranks pushed rows by `time_min`): seconds inside the same
 * minute tie. WF47's final board has such a pair (rank 14: 7 solved, 962,
 * both last solves in minute 290). */
static void icpc_last_solve_ties_by_the_minute(void **state)
{
    /* Alice: A at 10:00, B at 290:10 -> 10 + 290 = 300, last minute 290.
     * Bob:   A at 10:30, B at 290:50 -> 300, last minute 290: Alice's tie.
     * Carol: A at 5:00,  B at 295:00 -> 300, last minute 295: third.
     * Dave:  B at 291:59.999 -> 291, one solved: fourth. */
    const struct cst_attempt at[] = {
        {CAROL, A, 5 * MIN, CST_OUT_ACCEPTED, 0},
        {ALICE, A, 10 * MIN, CST_OUT_ACCEPTED, 0},
        {BOB, A, 10 * MIN + 30000, CST_OUT_ACCEPTED, 0},
        {ALICE, B, 290 * MIN + 10000, CST_OUT_ACCEPTED, 0},
        {BOB, B, 290 * MIN + 50000, CST_OUT_ACCEPTED, 0},
        {DAVE, B, 292 * MIN - 1, CST_OUT_ACCEPTED, 0},
        {CAROL, B, 295 * MIN, CST_OUT_ACCEPTED, 0},
    };
    const struct cst_board_rules open = {
        .scoring = CST_SCORING_ICPC, .penalty_minutes = 20, .freeze_at_ms = -1};
    struct cst_board b;

    (void)state;
    assert_int_equal(cst_board_compute(&b, &open, 4, 2, at, sizeof(at) / sizeof(at[0])), 0);
    assert_int_equal(row_of(&b, ALICE)->penalty_min, 300);
    assert_int_equal(row_of(&b, BOB)->penalty_min, 300);
    assert_int_equal(row_of(&b, CAROL)->penalty_min, 300);
    assert_int_equal(row_of(&b, ALICE)->rank, 1);
    assert_int_equal(row_of(&b, BOB)->rank, 1);
    assert_int_equal(row_of(&b, CAROL)->rank, 3);
    assert_int_equal(row_of(&b, DAVE)->rank, 4);
    assert_int_equal(b.rows[0].team, ALICE); /* the tie listed by team index */
    assert_int_equal(b.rows[1].team, BOB);
    cst_board_release(&b);
}

/* Medals by rank: ties on a boundary share it, nothing solved gets none,
 * a kind with no places is skipped. */
static void medals_by_rank(void **state)
{
    static const int counts[CST_MEDAL_KINDS] = {1, 2, 1};
    static const int no_gold[CST_MEDAL_KINDS] = {0, 2, 0};
    /* rank, solved -> medal under counts, under no_gold */
    static const struct {
        int rank, solved, want, want_no_gold;
    } rows[] = {
        {1, 5, CST_MEDAL_GOLD, CST_MEDAL_SILVER},   {2, 4, CST_MEDAL_SILVER, CST_MEDAL_SILVER},
        {3, 4, CST_MEDAL_SILVER, -1},               {3, 4, CST_MEDAL_SILVER, -1},
        {5, 3, -1, -1},                             {4, 3, CST_MEDAL_BRONZE, -1},
        {1, 0, -1, -1}, /* first by default, nothing solved */
    };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct cst_row r = {.rank = rows[i].rank, .solved = rows[i].solved};

        if (cst_board_medal(&r, counts) != rows[i].want ||
            cst_board_medal(&r, no_gold) != rows[i].want_no_gold)
            fail_msg("row %zu (rank %d, %d solved): %d and %d, want %d and %d", i, rows[i].rank,
                     rows[i].solved, cst_board_medal(&r, counts), cst_board_medal(&r, no_gold),
                     rows[i].want, rows[i].want_no_gold);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icpc_penalty_and_ranks),
        cmocka_unit_test(icpc_last_solve_ties_by_the_minute),
        cmocka_unit_test(freeze_hides_verdicts_until_revealed),
        cmocka_unit_test(ioi_best_scores),
        cmocka_unit_test(bad_attempts_are_refused),
        cmocka_unit_test(one_row_matches_the_board),
        cmocka_unit_test(medals_by_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
