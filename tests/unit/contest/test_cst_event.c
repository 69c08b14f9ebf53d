/* SPDX-License-Identifier: MIT
 * test_cst_event.c - every event type survives encode then decode unchanged;
 * the decoder refuses what the definition does not allow; each type's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cst_event.h"
#include "gv_alloc.h"
#include "gv_err.h"

static struct cst_event_cell sample_cells[2] = {
    {.label = "A", .solved = true, .first = true, .tries = 2, .pending = 0, .score = 0,
     .time_min = 35},
    {.label = "B2", .solved = false, .tries = 1, .pending = 3, .score = 12.5},
};

/* One filled event of each type, as writers make them. */
static void make(struct cst_event *ev, enum cst_event_type type)
{
    cst_event_init(ev, type);
    switch (type) {
    case CST_EVENT_JUDGING_STATE:
        ev->submission_id = 41;
        ev->user_id = 7;
        ev->u.state.state = CST_JUDGING_RUNNING;
        break;
    case CST_EVENT_JUDGING_TEST:
        ev->submission_id = 41;
        ev->user_id = 7;
        ev->contest_id = 3;
        ev->u.test.test = 4;
        ev->u.test.tests = 9;
        snprintf(ev->u.test.verdict, sizeof(ev->u.test.verdict), "TLE");
        ev->u.test.cpu_ms = 2001;
        ev->u.test.memory_kb = 65536;
        break;
    case CST_EVENT_JUDGING_VERDICT:
        ev->seq = 9007199254740991LL; /* the largest id a double holds exactly */
        ev->at_ms = 1764100000123;
        ev->submission_id = 41;
        ev->user_id = 7;
        ev->contest_id = 3;
        ev->u.verdict.problem_id = 5;
        ev->u.verdict.judging_id = 77;
        snprintf(ev->u.verdict.verdict, sizeof(ev->u.verdict.verdict), "AC");
        ev->u.verdict.score = 87.25;
        ev->u.verdict.max_time_ms = 120;
        ev->u.verdict.max_memory_kb = 2048;
        break;
    case CST_EVENT_CONTEST_ROW:
        ev->user_id = 7;
        ev->contest_id = 3;
        ev->u.row.frozen = true;
        snprintf(ev->u.row.row.username, sizeof(ev->u.row.row.username), "alice");
        snprintf(ev->u.row.row.display_name, sizeof(ev->u.row.row.display_name),
                 "Alice \"the\" Ålander");
        ev->u.row.row.solved = 1;
        ev->u.row.row.penalty = 55;
        ev->u.row.row.score = 12.5;
        ev->u.row.row.ncells = 2;
        ev->u.row.row.cells = gv_malloc(sizeof(sample_cells));
        assert_non_null(ev->u.row.row.cells);
        memcpy(ev->u.row.row.cells, sample_cells, sizeof(sample_cells));
        break;
    case CST_EVENT_CONTEST_ANNOUNCEMENT:
        ev->seq = 17;
        ev->at_ms = 1764100000999;
        ev->contest_id = 3;
        ev->u.announcement.author_id = 2;
        ev->u.announcement.text = gv_strdup("Problem B: n \xe2\x89\xa4 10^5, not 10^6.\nGood luck");
        assert_non_null(ev->u.announcement.text);
        break;
    case CST_EVENT_CONTEST_PHASE:
        ev->seq = 18;
        ev->at_ms = 1764100001500;
        ev->contest_id = 3;
        ev->u.phase.phase = CST_PHASE_RUNNING;
        ev->u.phase.at_ms = 1764100001000;
        ev->u.phase.nproblems = 2;
        ev->u.phase.problems = gv_calloc(2, sizeof(*ev->u.phase.problems));
        assert_non_null(ev->u.phase.problems);
        snprintf(ev->u.phase.problems[0].label, 8, "A");
        snprintf(ev->u.phase.problems[0].slug, 65, "pair-sum");
        snprintf(ev->u.phase.problems[0].color, 8, "#e74c3c");
        snprintf(ev->u.phase.problems[1].label, 8, "B");
        snprintf(ev->u.phase.problems[1].slug, 65, "circle-area");
        break;
    case CST_EVENT_CONTEST_CLAR:
        ev->seq = 19;
        ev->at_ms = 1764100002000;
        ev->contest_id = 3;
        ev->user_id = 7;
        ev->u.clar.clar_id = 4;
        snprintf(ev->u.clar.problem, sizeof(ev->u.clar.problem), "B");
        ev->u.clar.question = gv_strdup("May n be 0?");
        ev->u.clar.answer = gv_strdup("No: 1 \xe2\x89\xa4 n.");
        ev->u.clar.asked_at_ms = 1764100001000;
        ev->u.clar.answered_at_ms = 1764100002000;
        assert_non_null(ev->u.clar.question);
        break;
    case CST_EVENT_SESSION_ENDED:
        ev->user_id = 7;
        break;
    case CST_EVENT_CONTEST_CHANGED:
        ev->contest_id = 3;
        break;
    case CST_EVENT_TYPE_COUNT:
        fail();
    }
    assert_true(cst_event_valid(ev));
}

static void assert_same(const struct cst_event *a, const struct cst_event *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->at_ms, b->at_ms);
    assert_int_equal(a->submission_id, b->submission_id);
    assert_int_equal(a->user_id, b->user_id);
    assert_int_equal(a->contest_id, b->contest_id);
    switch (a->type) {
    case CST_EVENT_JUDGING_STATE:
        assert_int_equal(a->u.state.state, b->u.state.state);
        break;
    case CST_EVENT_JUDGING_TEST:
        assert_memory_equal(&a->u.test, &b->u.test, sizeof(a->u.test));
        break;
    case CST_EVENT_JUDGING_VERDICT:
        assert_memory_equal(&a->u.verdict, &b->u.verdict, sizeof(a->u.verdict));
        break;
    case CST_EVENT_CONTEST_ROW: {
        const struct cst_event_row *x = &a->u.row.row, *y = &b->u.row.row;
        assert_int_equal(a->u.row.frozen, b->u.row.frozen);
        assert_string_equal(x->username, y->username);
        assert_string_equal(x->display_name, y->display_name);
        assert_int_equal(x->solved, y->solved);
        assert_int_equal(x->penalty, y->penalty);
        assert_true(x->score == y->score);
        assert_int_equal(x->ncells, y->ncells);
        for (size_t i = 0; i < x->ncells; i++) {
            assert_string_equal(x->cells[i].label, y->cells[i].label);
            assert_int_equal(x->cells[i].solved, y->cells[i].solved);
            assert_int_equal(x->cells[i].first, y->cells[i].first);
            assert_int_equal(x->cells[i].tries, y->cells[i].tries);
            assert_int_equal(x->cells[i].pending, y->cells[i].pending);
            assert_true(x->cells[i].score == y->cells[i].score);
            if (x->cells[i].solved)
                assert_int_equal(x->cells[i].time_min, y->cells[i].time_min);
        }
        break;
    }
    case CST_EVENT_CONTEST_ANNOUNCEMENT:
        assert_int_equal(a->u.announcement.author_id, b->u.announcement.author_id);
        assert_string_equal(a->u.announcement.text, b->u.announcement.text);
        break;
    case CST_EVENT_CONTEST_CLAR:
        assert_int_equal(a->u.clar.clar_id, b->u.clar.clar_id);
        assert_string_equal(a->u.clar.problem, b->u.clar.problem);
        assert_int_equal(a->u.clar.is_public, b->u.clar.is_public);
        assert_string_equal(a->u.clar.question, b->u.clar.question);
        assert_string_equal(a->u.clar.answer, b->u.clar.answer);
        assert_int_equal(a->u.clar.asked_at_ms, b->u.clar.asked_at_ms);
        assert_int_equal(a->u.clar.answered_at_ms, b->u.clar.answered_at_ms);
        break;
    case CST_EVENT_CONTEST_PHASE:
        assert_int_equal(a->u.phase.phase, b->u.phase.phase);
        assert_int_equal(a->u.phase.at_ms, b->u.phase.at_ms);
        assert_int_equal(a->u.phase.nproblems, b->u.phase.nproblems);
        assert_memory_equal(a->u.phase.problems, b->u.phase.problems,
                            a->u.phase.nproblems * sizeof(*a->u.phase.problems));
        break;
    case CST_EVENT_SESSION_ENDED:
    case CST_EVENT_CONTEST_CHANGED:
        break;
    case CST_EVENT_TYPE_COUNT:
        fail();
    }
}

static void every_type_round_trips(void **state)
{
    (void)state;
    for (int t = 0; t < CST_EVENT_TYPE_COUNT; t++) {
        struct cst_event ev, back;
        const struct cst_event_info *info = cst_event_info((enum cst_event_type)t);
        enum cst_event_type parsed;
        char *txt = NULL;
        size_t len = 0;

        assert_non_null(info);
        assert_int_equal(cst_event_type_parse(&parsed, info->name), 0);
        assert_int_equal(parsed, t);
        make(&ev, (enum cst_event_type)t);
        assert_int_equal(cst_event_encode(&txt, &len, &ev), 0);
        assert_int_equal(len, strlen(txt));
        assert_int_equal(cst_event_decode(&back, info->name, txt, len), 0);
        assert_same(&ev, &back);
        /* Not durable: never a log position, so none on the wire either. */
        if (!info->durable)
            assert_null(strstr(txt, "\"seq\""));
        cst_event_release(&back);
        cst_event_release(&ev);
        gv_free(txt);
    }
}

static void rules_are_properties_of_the_type(void **state)
{
    (void)state;
    /* Nobody but those who may read a submission sees its judging. */
    assert_int_equal(cst_event_info(CST_EVENT_JUDGING_STATE)->audience, CST_AUDIENCE_SUBMISSION);
    assert_int_equal(cst_event_info(CST_EVENT_JUDGING_TEST)->audience, CST_AUDIENCE_SUBMISSION);
    assert_int_equal(cst_event_info(CST_EVENT_JUDGING_VERDICT)->audience, CST_AUDIENCE_SUBMISSION);
    assert_int_equal(cst_event_info(CST_EVENT_CONTEST_ROW)->audience, CST_AUDIENCE_CONTEST);
    assert_int_equal(cst_event_info(CST_EVENT_CONTEST_ANNOUNCEMENT)->audience,
                     CST_AUDIENCE_CONTEST);
    /* A question or a private answer: its asker and the jury; once public,
     * the whole contest. */
    {
        struct cst_event c;
        make(&c, CST_EVENT_CONTEST_CLAR);
        assert_int_equal(cst_event_audience(&c), CST_AUDIENCE_JURY);
        c.u.clar.is_public = true;
        assert_int_equal(cst_event_audience(&c), CST_AUDIENCE_CONTEST);
        cst_event_release(&c);
    }
    /* Cache invalidations are for the servers, never a client. */
    assert_int_equal(cst_event_info(CST_EVENT_SESSION_ENDED)->audience, CST_AUDIENCE_SERVERS);
    assert_int_equal(cst_event_info(CST_EVENT_CONTEST_CHANGED)->audience, CST_AUDIENCE_SERVERS);
    /* Phase changes also reach whoever watches the list of contests. */
    assert_int_equal(cst_event_info(CST_EVENT_CONTEST_PHASE)->audience, CST_AUDIENCE_PUBLIC);
    assert_true(cst_event_info(CST_EVENT_CONTEST_PHASE)->durable);
    /* What must survive a restart is durable; what is derived is not. */
    assert_true(cst_event_info(CST_EVENT_JUDGING_VERDICT)->durable);
    assert_true(cst_event_info(CST_EVENT_CONTEST_ANNOUNCEMENT)->durable);
    assert_false(cst_event_info(CST_EVENT_JUDGING_TEST)->durable);
    assert_false(cst_event_info(CST_EVENT_CONTEST_ROW)->durable);
    assert_int_equal(cst_event_info(CST_EVENT_JUDGING_VERDICT)->coalesce, CST_COALESCE_NEVER);
    assert_int_equal(cst_event_info(CST_EVENT_JUDGING_TEST)->coalesce, CST_COALESCE_SUBMISSION);
    assert_int_equal(cst_event_info(CST_EVENT_CONTEST_ROW)->coalesce, CST_COALESCE_CONTESTANT);
    assert_null(cst_event_info(CST_EVENT_TYPE_COUNT));
    {
        enum cst_event_type t;
        assert_int_equal(cst_event_type_parse(&t, "judging."), GV_ENOTFOUND);
        assert_int_equal(cst_event_type_parse(&t, "submission.judged"), GV_ENOTFOUND);
        assert_int_equal(cst_event_type_parse(&t, NULL), GV_ENOTFOUND);
    }
}

static void decode_refuses_what_the_definition_does_not_allow(void **state)
{
    static const struct {
        const char *type, *data;
    } bad[] = {
        {"judging.nope", "{\"submission_id\":1,\"user_id\":1,\"state\":\"running\"}"},
        {"judging.state", "{\"submission_id\":1,\"user_id\":1,\"state\":\"sleeping\"}"},
        {"judging.state", "{\"user_id\":1,\"state\":\"running\"}"},             /* no submission */
        {"judging.state", "{\"submission_id\":0,\"user_id\":1,\"state\":\"running\"}"},
        {"judging.state", "{\"submission_id\":1.5,\"user_id\":1,\"state\":\"running\"}"},
        {"judging.state", "{\"submission_id\":1e300,\"user_id\":1,\"state\":\"running\"}"},
        {"judging.state", "{\"submission_id\":\"1\",\"user_id\":1,\"state\":\"running\"}"},
        {"judging.state", "[1,2]"},
        {"judging.state", "{\"submission_id\":1,"},
        {"judging.state", ""},
        {"judging.test", "{\"submission_id\":1,\"user_id\":1,\"test\":5,\"tests\":4,"
                         "\"verdict\":\"AC\",\"cpu_ms\":1,\"memory_kb\":1}"}, /* 5 of 4 */
        {"judging.test", "{\"submission_id\":1,\"user_id\":1,\"test\":1,\"tests\":4,"
                         "\"verdict\":\"ACCEPTED!\",\"cpu_ms\":1,\"memory_kb\":1}"},
        {"judging.test", "{\"submission_id\":1,\"user_id\":1,\"test\":1,\"tests\":4,"
                         "\"verdict\":\"AC\",\"cpu_ms\":-1,\"memory_kb\":1}"},
        {"judging.verdict", "{\"submission_id\":1,\"user_id\":1,\"problem_id\":2,"
                            "\"verdict\":\"AC\",\"score\":1,\"max_time_ms\":1,"
                            "\"max_memory_kb\":1}"}, /* no judging id */
        {"contest.scoreboard", "{\"user_id\":1,\"frozen\":false,\"row\":{\"username\":\"a\","
                               "\"display_name\":\"\",\"solved\":0,\"penalty\":0,\"score\":0,"
                               "\"cells\":[]}}"}, /* no contest */
        {"contest.scoreboard", "{\"user_id\":1,\"contest_id\":1,\"frozen\":false,\"row\":"
                               "{\"username\":\"a\",\"display_name\":\"\",\"solved\":1,"
                               "\"penalty\":0,\"score\":0,\"cells\":[{\"label\":\"A\","
                               "\"solved\":true,\"first\":false,\"tries\":1,\"pending\":0,"
                               "\"score\":0}]}}"}, /* solved without a time */
        {"contest.scoreboard", "{\"user_id\":1,\"contest_id\":1,\"frozen\":false,\"row\":"
                               "{\"username\":\"a\",\"display_name\":\"\",\"solved\":0,"
                               "\"penalty\":0,\"score\":0,\"cells\":[{\"label\":\"ABCDEFGHIJ\","
                               "\"solved\":false,\"first\":false,\"tries\":1,\"pending\":0,"
                               "\"score\":0}]}}"}, /* label too long */
        {"contest.announcement", "{\"contest_id\":1}"},
        {"contest.phase", "{\"contest_id\":1,\"phase\":\"scheduled\",\"at_ms\":5}"},
        {"contest.clarification", "{\"contest_id\":1,\"clarification_id\":2,\"public\":false,"
                                  "\"answer\":\"x\"}"}, /* private, but nobody asked */
        {"contest.clarification", "{\"contest_id\":1,\"user_id\":3,\"clarification_id\":2,"
                                  "\"public\":false}"}, /* neither question nor answer */
        {"contest.phase", "{\"contest_id\":1,\"phase\":\"thawed\",\"at_ms\":5}"},
        {"contest.phase", "{\"contest_id\":1,\"phase\":\"running\"}"},
        {"contest.phase", "{\"contest_id\":1,\"phase\":\"running\",\"at_ms\":5,"
                          "\"problems\":[{\"label\":\"A\"}]}"},
        {"contest.announcement", "{\"contest_id\":1,\"user_id\":3,\"text\":\"hi\"}"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct cst_event ev;
        int err = cst_event_decode(&ev, bad[i].type, bad[i].data, strlen(bad[i].data));

        if (err != GV_EPARSE)
            fail_msg("case %zu (%s %s) decoded: %d", i, bad[i].type, bad[i].data, err);
        /* Released on failure: nothing to free, nothing dangling. */
        assert_int_equal(ev.type == CST_EVENT_CONTEST_ROW ? (ev.u.row.row.cells == NULL) : 1, 1);
    }
}

static void limits_hold(void **state)
{
    struct cst_event ev;
    char *txt = NULL, *big = gv_malloc(CST_EVENT_TEXT_MAX + 2);

    (void)state;
    assert_non_null(big);
    memset(big, 'x', CST_EVENT_TEXT_MAX + 1);
    big[CST_EVENT_TEXT_MAX + 1] = '\0';
    cst_event_init(&ev, CST_EVENT_CONTEST_ANNOUNCEMENT);
    ev.contest_id = 1;
    ev.u.announcement.text = big;
    assert_false(cst_event_valid(&ev));
    assert_int_equal(cst_event_encode(&txt, NULL, &ev), GV_EINVAL);
    assert_null(txt);
    big[CST_EVENT_TEXT_MAX] = '\0';
    assert_true(cst_event_valid(&ev));
    cst_event_release(&ev); /* frees big */

    /* A row with more cells than any contest has problems. */
    {
        char data[16384];
        size_t n = (size_t)snprintf(data, sizeof(data),
                                    "{\"user_id\":1,\"contest_id\":1,\"frozen\":false,\"row\":{"
                                    "\"username\":\"a\",\"display_name\":\"\",\"solved\":0,"
                                    "\"penalty\":0,\"score\":0,\"cells\":[");
        for (int i = 0; i <= CST_EVENT_CELLS_MAX; i++)
            n += (size_t)snprintf(data + n, sizeof(data) - n,
                                  "%s{\"label\":\"A\",\"solved\":false,\"first\":false,"
                                  "\"tries\":0,\"pending\":0,\"score\":0}",
                                  i ? "," : "");
        n += (size_t)snprintf(data + n, sizeof(data) - n, "]}}");
        assert_true(n < sizeof(data));
        assert_int_equal(cst_event_decode(&ev, "contest.scoreboard", data, n), GV_EPARSE);
    }
}

static void unknown_fields_are_ignored(void **state)
{
    static const char data[] = "{\"submission_id\":4,\"user_id\":2,\"state\":\"compiling\","
                               "\"type\":\"judging.state\",\"future\":[1,{\"x\":null}]}";
    struct cst_event ev;

    (void)state;
    assert_int_equal(cst_event_decode(&ev, "judging.state", data, sizeof(data) - 1), 0);
    assert_int_equal(ev.submission_id, 4);
    assert_int_equal(ev.u.state.state, CST_JUDGING_COMPILING);
    cst_event_release(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_round_trips),
        cmocka_unit_test(rules_are_properties_of_the_type),
        cmocka_unit_test(decode_refuses_what_the_definition_does_not_allow),
        cmocka_unit_test(limits_hold),
        cmocka_unit_test(unknown_fields_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
