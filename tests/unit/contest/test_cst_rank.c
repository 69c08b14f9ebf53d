/* SPDX-License-Identifier: MIT
 * test_cst_rank.c - the incremental board's keys, ranks and stored rows, and
 * a randomized comparison with cst_board_compute after every verdict. */
#include "../test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "cst_rank.h"
#include "gv_err.h"

#define MIN (60 * 1000LL)

static struct cst_row icpc_row(int solved, int64_t penalty, int64_t last)
{
    return (struct cst_row){.solved = solved, .penalty_min = penalty, .last_solved_ms = last};
}

static double key_of(const struct cst_rank_layout *l, struct cst_row r)
{
    double k = -1;

    assert_int_equal(cst_rank_key(&k, l, &r), 0);
    return k;
}

static void icpc_keys_order_as_the_rules(void **state)
{
    struct cst_rank_layout l;

    (void)state;
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_ICPC, 26, 300 * MIN), 0);
    assert_int_equal(l.last_bits, 25); /* 18,000,000 ms < 2^25 */
    assert_int_equal(l.penalty_bits, 53 - 7 - 25);
    /* More solved first, whatever the penalty. */
    assert_true(key_of(&l, icpc_row(3, 900, 299 * MIN)) < key_of(&l, icpc_row(2, 0, 1)));
    /* Then less penalty. */
    assert_true(key_of(&l, icpc_row(2, 40, 299 * MIN)) < key_of(&l, icpc_row(2, 41, 0)));
    /* Then the earlier last solve, by its minute (as the penalty counts
     * it): seconds inside one minute tie. */
    assert_true(key_of(&l, icpc_row(2, 40, 30 * MIN + 59999)) <
                key_of(&l, icpc_row(2, 40, 31 * MIN)));
    assert_true(key_of(&l, icpc_row(2, 40, 30 * MIN)) ==
                key_of(&l, icpc_row(2, 40, 30 * MIN + 59999)));
    /* Equal in all three: equal keys (a shared rank). */
    assert_true(key_of(&l, icpc_row(2, 40, 7)) == key_of(&l, icpc_row(2, 40, 7)));
    /* The largest key of the layout stays below 2^53, so a double holds it. */
    assert_true(key_of(&l, icpc_row(0, (1LL << l.penalty_bits) - 1, (1LL << l.last_bits) - 1)) <
                9007199254740992.0);
}

static void icpc_key_refuses_what_does_not_fit(void **state)
{
    struct cst_rank_layout l;
    double k;
    struct cst_row r;

    (void)state;
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_ICPC, 26, 300 * MIN), 0);
    r = icpc_row(1, 1LL << l.penalty_bits, 10);
    assert_int_equal(cst_rank_key(&k, &l, &r), -ERANGE);
    r = icpc_row(1, 10, 1LL << l.last_bits);
    assert_int_equal(cst_rank_key(&k, &l, &r), -ERANGE);
    r = icpc_row(CST_RANK_SOLVED_MAX + 1, 10, 10);
    assert_int_equal(cst_rank_key(&k, &l, &r), -ERANGE);
    /* A year-long contest leaves too few bits for the penalty; too many
     * problems cannot be counted. */
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_ICPC, 26, 365LL * 24 * 60 * MIN),
                     -ERANGE);
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_ICPC, CST_RANK_SOLVED_MAX + 1, MIN),
                     -ERANGE);
    /* IOI needs no layout. */
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_IOI, 500, 365LL * 24 * 60 * MIN), 0);
}

static void ioi_keys_are_the_negated_score(void **state)
{
    struct cst_rank_layout l;
    struct cst_row a = {.score = 250.5}, b = {.score = 100}, z = {.score = 0};
    double ka, kb, kz;

    (void)state;
    assert_int_equal(cst_rank_layout_for(&l, CST_SCORING_IOI, 3, 300 * MIN), 0);
    assert_int_equal(cst_rank_key(&ka, &l, &a), 0);
    assert_int_equal(cst_rank_key(&kb, &l, &b), 0);
    assert_int_equal(cst_rank_key(&kz, &l, &z), 0);
    assert_true(ka < kb && kb < kz);
    assert_false(signbit(kz)); /* one zero, never "-0" in a store */
}

static void window_ranks_share_ties(void **state)
{
    const double keys[] = {5, 5, 7, 9, 9, 9, 12};
    int ranks[7];

    (void)state;
    /* From the top: 1 1 3 4 4 4 7, as cst_board_compute numbers them. */
    cst_rank_window(ranks, keys, 7, 0, 0);
    assert_int_equal(ranks[0], 1);
    assert_int_equal(ranks[1], 1);
    assert_int_equal(ranks[2], 3);
    assert_int_equal(ranks[3], 4);
    assert_int_equal(ranks[5], 4);
    assert_int_equal(ranks[6], 7);
    /* A window starting inside a tie: position 40, but 38 rows are better. */
    cst_rank_window(ranks, keys + 4, 3, 40, 38);
    assert_int_equal(ranks[0], 39);
    assert_int_equal(ranks[1], 39);
    assert_int_equal(ranks[2], 43);
}

static void rows_round_trip_as_text(void **state)
{
    struct cst_cell cells[3] = {
        {.solved = true, .first = true, .tries = 2, .solved_at_ms = 21 * MIN + 5, .score = 0},
        {.pending = 3, .tries = 1, .score = 33.333333333333336},
        {0},
    };
    struct cst_row r = {.solved = 1, .penalty_min = 41, .last_solved_ms = 21 * MIN + 5,
                        .score = 0.1 + 0.2, .cells = cells};
    struct cst_cell back_cells[3];
    struct cst_row back = {.cells = back_cells};
    char text[CST_RANK_ROW_TEXT_MAX];

    (void)state;
    assert_int_equal(cst_rank_row_encode(text, sizeof(text), &r, 3), 0);
    assert_int_equal(cst_rank_row_decode(&back, 3, text), 0);
    assert_int_equal(back.solved, 1);
    assert_int_equal(back.penalty_min, 41);
    assert_int_equal(back.last_solved_ms, 21 * MIN + 5);
    assert_true(back.score == 0.1 + 0.2); /* bit for bit */
    assert_true(back_cells[0].solved);
    assert_false(back_cells[0].first); /* never stored: marked by the reader */
    assert_int_equal(back_cells[0].tries, 2);
    assert_int_equal(back_cells[0].solved_at_ms, 21 * MIN + 5);
    assert_false(back_cells[1].solved);
    assert_int_equal(back_cells[1].pending, 3);
    assert_true(back_cells[1].score == 33.333333333333336);
    assert_int_equal(cst_rank_row_encode(text, 12, &r, 3), GV_ETOOBIG);

    /* Integral scores take the fast path; "-0" and huge ones strtod's. */
    r.score = -0.0;
    cells[1].score = 123456789012.0;
    cells[2].score = 1e300;
    assert_int_equal(cst_rank_row_encode(text, sizeof(text), &r, 3), 0);
    assert_int_equal(cst_rank_row_decode(&back, 3, text), 0);
    assert_true(back.score == 0 && signbit(back.score));
    assert_true(back_cells[1].score == 123456789012.0);
    assert_true(back_cells[2].score == 1e300);
}

static void bad_row_text_is_refused(void **state)
{
    static const char *const bad[] = {
        "",                          /* nothing */
        "1 41 5 0",                  /* no cells for one problem */
        "1 41 5 0 2 0 5",            /* a cell cut short */
        "1 41 5 0 2 0 5 0 9",        /* a field too many */
        "-1 41 5 0 2 0 5 0",         /* negative solved */
        "1 41 5 0 2 -3 5 0",         /* negative pending */
        "1 41 5 0 2 0 -2 0",         /* solved_at below -1 */
        "1 x 5 0 2 0 5 0",           /* not a number */
        "1 41 5 0z 2 0 5 0",         /* junk after a score */
        "999 41 5 0 2 0 5 0",        /* more solved than a key can hold */
        "1 99999999999999999999 5 0 2 0 5 0", /* overflow */
    };
    struct cst_cell cells[1];
    struct cst_row r = {.cells = cells};

    (void)state;
    assert_int_equal(cst_rank_row_decode(&r, 1, "1 41 5 0 2 0 5 0"), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r.cells = cells;
        if (cst_rank_row_decode(&r, 1, bad[i]) != GV_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
    }
}

/* --- Randomized: the incremental board against cst_board_compute --------
 *
 * One contest's attempts in submission order; each step submits (pending),
 * judges an attempt (often an early one, out of order), rejudges a judged
 * one to another verdict or back to pending. After every step the one team
 * it touched is recomputed from its own attempts, re-keyed and moved in an
 * ordered array that orders like a Redis sorted set (key, then member: the
 * team index), its row stored as text and read back; then both views are
 * compared row by row with cst_board_compute over all the attempts. */

#define TEAMS_MAX 24
#define PROBLEMS_MAX 6
#define ATTEMPTS_MAX 160

struct view {
    struct cst_board_rules rules;
    struct cst_rank_layout layout;
    double key[TEAMS_MAX];
    size_t order[TEAMS_MAX]; /* teams by (key, team) */
    char text[TEAMS_MAX][CST_RANK_ROW_TEXT_MAX];
    int64_t solved_at[PROBLEMS_MAX][TEAMS_MAX]; /* -1: unsolved; the per-problem sets */
};

struct sim {
    size_t nteams, nproblems, n;
    int64_t length_ms;
    struct cst_attempt at[ATTEMPTS_MAX];
    struct view views[2]; /* jury, public */
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: reproducible from the seed the failure prints. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static bool before(const struct view *v, size_t a, size_t b)
{
    return v->key[a] < v->key[b] || (v->key[a] == v->key[b] && a < b);
}

/* Moves `team` to its place after its key changed: O(n) here, where the
 * store's sorted set does it in O(log n); the order is the same. */
static void reposition(struct view *v, size_t nteams, size_t team)
{
    size_t i = 0, j;

    while (v->order[i] != team)
        i++;
    memmove(&v->order[i], &v->order[i + 1], (nteams - i - 1) * sizeof(v->order[0]));
    for (j = 0; j < nteams - 1 && before(v, v->order[j], team); j++)
        ;
    memmove(&v->order[j + 1], &v->order[j], (nteams - 1 - j) * sizeof(v->order[0]));
    v->order[j] = team;
}

static void update_team(struct sim *s, struct view *v, size_t team)
{
    struct cst_attempt mine[ATTEMPTS_MAX];
    struct cst_cell cells[PROBLEMS_MAX];
    int64_t none[PROBLEMS_MAX];
    struct cst_row row;
    size_t k = 0;

    for (size_t i = 0; i < s->n; i++)
        if (s->at[i].team == team)
            mine[k++] = s->at[i];
    for (size_t p = 0; p < s->nproblems; p++)
        none[p] = INT64_MAX;
    assert_int_equal(cst_board_row(&row, cells, &v->rules, s->nproblems, mine, k, none), 0);
    assert_int_equal(cst_rank_key(&v->key[team], &v->layout, &row), 0);
    assert_int_equal(cst_rank_row_encode(v->text[team], sizeof(v->text[team]), &row, s->nproblems),
                     0);
    for (size_t p = 0; p < s->nproblems; p++)
        v->solved_at[p][team] = cells[p].solved ? cells[p].solved_at_ms : -1;
    reposition(v, s->nteams, team);
}

static void compare(const struct sim *s, const struct view *v, uint64_t seed, int step)
{
    struct cst_board b;
    int64_t first[PROBLEMS_MAX];
    int ranks[TEAMS_MAX];
    size_t from, len, better = 0;

    assert_int_equal(cst_board_compute(&b, &v->rules, s->nteams, s->nproblems, s->at, s->n), 0);
    for (size_t p = 0; p < s->nproblems; p++) {
        first[p] = INT64_MAX;
        for (size_t t = 0; t < s->nteams; t++)
            if (v->solved_at[p][t] >= 0 && v->solved_at[p][t] < first[p])
                first[p] = v->solved_at[p][t];
    }
    /* A window anywhere, ranked from the count of keys below it. */
    from = rnd((uint32_t)s->nteams);
    len = 1 + rnd((uint32_t)(s->nteams - from));
    while (better < s->nteams && v->key[v->order[better]] < v->key[v->order[from]])
        better++;
    {
        double keys[TEAMS_MAX];
        for (size_t i = 0; i < len; i++)
            keys[i] = v->key[v->order[from + i]];
        cst_rank_window(ranks, keys, len, from, better);
    }
    for (size_t i = 0; i < s->nteams; i++) {
        const struct cst_row *want = &b.rows[i];
        struct cst_cell cells[PROBLEMS_MAX];
        struct cst_row got = {.cells = cells};
        size_t team = v->order[i];

        if (team != want->team)
            fail_msg("seed %llu step %d (%s): position %zu is team %zu, want %zu",
                     (unsigned long long)seed, step, v->rules.reveal ? "jury" : "public", i, team,
                     want->team);
        assert_int_equal(cst_rank_row_decode(&got, s->nproblems, v->text[team]), 0);
        cst_board_mark_first(&got, s->nproblems, first);
        if (i >= from && i < from + len && ranks[i - from] != want->rank)
            fail_msg("seed %llu step %d: rank %d at %zu, want %d", (unsigned long long)seed, step,
                     ranks[i - from], i, want->rank);
        assert_int_equal(got.solved, want->solved);
        assert_int_equal(got.penalty_min, want->penalty_min);
        assert_int_equal(got.last_solved_ms, want->last_solved_ms);
        assert_true(got.score == want->score);
        for (size_t p = 0; p < s->nproblems; p++) {
            const struct cst_cell *g = &cells[p], *w = &want->cells[p];
            if (g->solved != w->solved || g->first != w->first || g->tries != w->tries ||
                g->pending != w->pending || g->solved_at_ms != w->solved_at_ms ||
                g->score != w->score)
                fail_msg("seed %llu step %d: team %zu problem %zu differs", (unsigned long long)seed,
                         step, team, p);
        }
    }
    cst_board_release(&b);
}

static void sim_init(struct sim *s, enum cst_scoring scoring)
{
    int penalty;
    int64_t freeze;

    memset(s, 0, sizeof(*s));
    s->nteams = 2 + rnd(TEAMS_MAX - 1);
    s->nproblems = 1 + rnd(PROBLEMS_MAX);
    s->length_ms = (60 + rnd(300)) * MIN;
    penalty = (int)rnd(3) * 10;
    freeze = rnd(4) ? (int64_t)rnd((uint32_t)s->length_ms) : -1;
    for (int w = 0; w < 2; w++) {
        struct view *v = &s->views[w];

        v->rules = (struct cst_board_rules){scoring, penalty, freeze, w == 0};
        assert_int_equal(cst_rank_layout_for(&v->layout, scoring, s->nproblems, s->length_ms), 0);
        /* Nobody has attempted anything: every key is the same. */
        for (size_t t = 0; t < s->nteams; t++)
            v->order[t] = t;
        for (size_t t = 0; t < s->nteams; t++)
            update_team(s, v, t);
    }
}

static void random_outcome(struct cst_attempt *a)
{
    static const double scores[] = {0, 12.5, 25, 33.3, 50, 100};

    a->outcome = (enum cst_outcome)rnd(4);
    a->score = a->outcome == CST_OUT_PENDING || a->outcome == CST_OUT_IGNORED
                   ? 0
                   : scores[rnd(sizeof(scores) / sizeof(scores[0]))];
}

static void run_sequence(uint64_t seed, enum cst_scoring scoring, int steps)
{
    struct sim s;
    int64_t now = 0;

    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    sim_init(&s, scoring);
    for (int step = 0; step < steps; step++) {
        size_t team;
        uint32_t what = rnd(10);

        if (s.n == 0 || (what < 4 && s.n < ATTEMPTS_MAX)) {
            /* A submission, pending; equal times happen (same minute, same ms). */
            struct cst_attempt *a = &s.at[s.n++];
            now += rnd(3) ? (int64_t)rnd(7 * MIN) : 0;
            if (now > s.length_ms)
                now = s.length_ms;
            *a = (struct cst_attempt){rnd((uint32_t)s.nteams), rnd((uint32_t)s.nproblems), now,
                                      CST_OUT_PENDING, 0};
            team = a->team;
        } else {
            /* A verdict, a rejudge or a re-queue, of any attempt: early ones
             * are judged late. */
            struct cst_attempt *a = &s.at[rnd((uint32_t)s.n)];
            random_outcome(a);
            team = a->team;
        }
        update_team(&s, &s.views[0], team);
        update_team(&s, &s.views[1], team);
        compare(&s, &s.views[0], seed, step);
        compare(&s, &s.views[1], seed, step);
    }
}

static void randomized_icpc_matches_full_computation(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 1500; seed++)
        run_sequence(seed, CST_SCORING_ICPC, 30);
}

static void randomized_ioi_matches_full_computation(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 600; seed++)
        run_sequence(seed, CST_SCORING_IOI, 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icpc_keys_order_as_the_rules),
        cmocka_unit_test(icpc_key_refuses_what_does_not_fit),
        cmocka_unit_test(ioi_keys_are_the_negated_score),
        cmocka_unit_test(window_ranks_share_ties),
        cmocka_unit_test(rows_round_trip_as_text),
        cmocka_unit_test(bad_row_text_is_refused),
        cmocka_unit_test(randomized_icpc_matches_full_computation),
        cmocka_unit_test(randomized_ioi_matches_full_computation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
