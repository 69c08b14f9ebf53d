/* SPDX-License-Identifier: MIT
 * test_cst_clics.c - CLICS times both ways, judgement types, and the
 * scoreboard object's shape over a board with a freeze, a tie and a first
 * solve. */
#include "../test.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "cst.h"
#include "cst_clics.h"
#include "gv_err.h"

#define MIN (60 * 1000LL)

static void reltime_both_ways(void **state)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0:00:00.000"},
        {3 * 60000 + 14969, "0:03:14.969"},
        {5 * 3600000, "5:00:00.000"},
        {-1, "-0:00:00.001"},
        {-(3600000 + 2 * 60000 + 3004), "-1:02:03.004"},
        {123 * 3600000LL + 59 * 60000 + 59999, "123:59:59.999"},
    };
    char buf[CST_CLICS_RELTIME_MAX];
    int64_t ms;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cst_clics_reltime(buf, cases[i].ms);
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(cst_clics_reltime_parse(&ms, cases[i].text), 0);
        assert_int_equal(ms, cases[i].ms);
    }
    cst_clics_reltime(buf, INT64_MIN); /* must not overflow */
    assert_int_equal(buf[0], '-');
    /* Short and long fractions, no fraction. */
    assert_int_equal(cst_clics_reltime_parse(&ms, "1:00:00"), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(cst_clics_reltime_parse(&ms, "0:00:01.5"), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(cst_clics_reltime_parse(&ms, "0:00:01.123456"), 0);
    assert_int_equal(ms, 1123);
    static const char *bad[] = {"",        "-",        ":00:00",   "1:0:00", "1:60:00",
                                "1:00:60", "1:00:00.", "1:00:00x", "1:00",   "99999999999999:00:00",
                                "+1:00:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cst_clics_reltime_parse(&ms, bad[i]), GV_EPARSE);
}

static void time_both_ways(void **state)
{
    /* WF47's start: 2024-04-18 09:47:59 UTC. */
    const int64_t start = 1713433679000LL;
    char buf[CST_CLICS_TIME_MAX];
    int64_t ms;
    int off;

    (void)state;
    cst_clics_time(buf, start, 120);
    assert_string_equal(buf, "2024-04-18T11:47:59.000+02:00");
    cst_clics_time(buf, start + 1, 0);
    assert_string_equal(buf, "2024-04-18T09:47:59.001+00:00");
    cst_clics_time(buf, start, -330);
    assert_string_equal(buf, "2024-04-18T04:17:59.000-05:30");
    cst_clics_time(buf, -1, 0);
    assert_string_equal(buf, "1969-12-31T23:59:59.999+00:00");
    cst_clics_time(buf, 951782400000LL, 0); /* a leap day of a century year */
    assert_string_equal(buf, "2000-02-29T00:00:00.000+00:00");

    assert_int_equal(cst_clics_time_parse(&ms, &off, "2024-04-18T11:47:59.000+02:00"), 0);
    assert_int_equal(ms, start);
    assert_int_equal(off, 120);
    assert_int_equal(cst_clics_time_parse(&ms, &off, "2024-04-18T09:47:59Z"), 0);
    assert_int_equal(ms, start);
    assert_int_equal(off, 0);
    assert_int_equal(cst_clics_time_parse(&ms, &off, "2024-04-18T04:17:59.0-0530"), 0);
    assert_int_equal(ms, start);
    assert_int_equal(off, -330);
    assert_int_equal(cst_clics_time_parse(&ms, NULL, "2024-04-18T11:47:59.5+02"), 0);
    assert_int_equal(ms, start + 500);
    static const char *bad[] = {"",
                                "2024-04-18",
                                "2024-04-18T11:47:59",
                                "2024-13-18T11:47:59Z",
                                "2024-04-18T24:00:00Z",
                                "2024-04-18T11:47:59+2:00",
                                "2024-04-18T11:47:59Zjunk",
                                "2024-04-18T11:47:59.+02:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cst_clics_time_parse(&ms, NULL, bad[i]), GV_EPARSE);
}

static void judgement_types(void **state)
{
    static const char *verdicts[] = {"AC", "WA", "TLE", "MLE", "RE", "OLE", "CE"};
    static const char *ids[] = {"AC", "WA", "TLE", "MLE", "RTE", "OLE", "CE"};
    const struct cst_clics_jtype *t;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
        assert_string_equal(cst_clics_jtype_of(verdicts[i]), ids[i]);
    assert_null(cst_clics_jtype_of("JE")); /* waits for a human: no judgement */
    assert_null(cst_clics_jtype_of("XX"));
    t = cst_clics_jtypes(&n);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        enum cst_outcome o = cst_clics_outcome(t[i].solved, t[i].penalty);
        /* Each type counts on the board as the board's rules say. */
        if (!strcmp(t[i].id, "AC"))
            assert_int_equal(o, CST_OUT_ACCEPTED);
        else if (!strcmp(t[i].id, "CE"))
            assert_int_equal(o, CST_OUT_IGNORED);
        else
            assert_int_equal(o, CST_OUT_REJECTED);
    }
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v)
        fail_msg("no '%s'", key);
    return v;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);

    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void scoreboard_shape(void **state)
{
    /* Teams t0, t1, t2; problems A, B. t1 solves A at 10 (first) after a
     * WA at 5, and B at 250 (after the freeze at 240); t0 solves A at 30;
     * t2 submits A at 245. */
    const struct cst_attempt at[] = {
        {1, 0, 5 * MIN, CST_OUT_REJECTED, 0},   {1, 0, 10 * MIN + 30000, CST_OUT_ACCEPTED, 0},
        {0, 0, 30 * MIN, CST_OUT_ACCEPTED, 0},  {2, 0, 245 * MIN, CST_OUT_REJECTED, 0},
        {1, 1, 250 * MIN, CST_OUT_ACCEPTED, 0},
    };
    static const char *const teams[] = {"t0", "t1", "t2"}, *const problems[] = {"A", "B"};
    struct cst_board_rules rules = {CST_SCORING_ICPC, 20, 240 * MIN, false};
    struct cst_clics_board info = {
        .time = 1713433679000LL + 300 * MIN,
        .contest_time = 300 * MIN,
        .offset_min = 120,
        .state = {.started = 1713433679000LL, .frozen = 1713433679000LL + 240 * MIN},
        .scoring = CST_SCORING_ICPC,
        .team_ids = teams,
        .problem_ids = problems};
    struct cst_board b;
    cJSON *o = NULL;
    const cJSON *rows, *r, *cells, *c, *st;

    (void)state;
    /* Public: the freeze hides t1's B and t2's attempt. */
    assert_int_equal(cst_board_compute(&b, &rules, 3, 2, at, 5), 0);
    assert_int_equal(cst_clics_scoreboard(&o, &info, &b), 0);
    assert_string_equal(cJSON_GetStringValue(get(o, "time")), "2024-04-18T16:47:59.000+02:00");
    assert_string_equal(cJSON_GetStringValue(get(o, "contest_time")), "5:00:00.000");
    st = get(o, "state");
    assert_string_equal(cJSON_GetStringValue(get(st, "started")), "2024-04-18T11:47:59.000+02:00");
    assert_string_equal(cJSON_GetStringValue(get(st, "frozen")), "2024-04-18T15:47:59.000+02:00");
    assert_true(cJSON_IsNull(get(st, "ended")));
    assert_true(cJSON_IsNull(get(st, "thawed")));
    assert_true(cJSON_IsNull(get(st, "finalized")));
    assert_true(cJSON_IsNull(get(st, "end_of_updates")));
    rows = get(o, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    r = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetStringValue(get(r, "team_id")), "t1");
    assert_int_equal(num(r, "rank"), 1);
    assert_int_equal(num(get(r, "score"), "num_solved"), 1);
    assert_int_equal(num(get(r, "score"), "total_time"), 30); /* minute 10 + 20 */
    cells = get(r, "problems");
    assert_int_equal(cJSON_GetArraySize(cells), 2);
    c = cJSON_GetArrayItem(cells, 0);
    assert_string_equal(cJSON_GetStringValue(get(c, "problem_id")), "A");
    assert_int_equal(num(c, "num_judged"), 2);
    assert_int_equal(num(c, "num_pending"), 0);
    assert_true(cJSON_IsTrue(get(c, "solved")));
    assert_int_equal(num(c, "time"), 10);
    assert_true(cJSON_IsTrue(get(c, "first_to_solve")));
    c = cJSON_GetArrayItem(cells, 1);
    assert_int_equal(num(c, "num_pending"), 1);
    assert_true(cJSON_IsFalse(get(c, "solved")));
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "time")); /* only when solved */
    assert_true(cJSON_IsFalse(get(c, "first_to_solve")));
    r = cJSON_GetArrayItem(rows, 1);
    assert_string_equal(cJSON_GetStringValue(get(r, "team_id")), "t0");
    assert_true(cJSON_IsFalse(get(cJSON_GetArrayItem(get(r, "problems"), 0), "first_to_solve")));
    r = cJSON_GetArrayItem(rows, 2);
    assert_string_equal(cJSON_GetStringValue(get(r, "team_id")), "t2");
    assert_int_equal(num(r, "rank"), 3);
    assert_int_equal(num(cJSON_GetArrayItem(get(r, "problems"), 0), "num_pending"), 1);
    cJSON_Delete(o);
    cst_board_release(&b);

    /* Jury: everything counts. */
    rules.reveal = true;
    assert_int_equal(cst_board_compute(&b, &rules, 3, 2, at, 5), 0);
    assert_int_equal(cst_clics_scoreboard(&o, &info, &b), 0);
    r = cJSON_GetArrayItem(get(o, "rows"), 0);
    assert_int_equal(num(get(r, "score"), "num_solved"), 2);
    assert_int_equal(num(get(r, "score"), "total_time"), 280);
    r = cJSON_GetArrayItem(get(o, "rows"), 2);
    assert_int_equal(num(cJSON_GetArrayItem(get(r, "problems"), 0), "num_judged"), 1);
    assert_int_equal(num(cJSON_GetArrayItem(get(r, "problems"), 0), "num_pending"), 0);
    cJSON_Delete(o);
    cst_board_release(&b);

    /* IOI: score objects instead. */
    rules.scoring = info.scoring = CST_SCORING_IOI;
    assert_int_equal(cst_board_compute(&b, &rules, 3, 2, at, 5), 0);
    assert_int_equal(cst_clics_scoreboard(&o, &info, &b), 0);
    r = cJSON_GetArrayItem(get(o, "rows"), 0);
    assert_true(cJSON_IsNumber(get(get(r, "score"), "score")));
    assert_null(cJSON_GetObjectItemCaseSensitive(get(r, "score"), "num_solved"));
    assert_true(cJSON_IsNumber(get(cJSON_GetArrayItem(get(r, "problems"), 0), "score")));
    cJSON_Delete(o);
    cst_board_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reltime_both_ways),
        cmocka_unit_test(time_both_ways),
        cmocka_unit_test(judgement_types),
        cmocka_unit_test(scoreboard_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
