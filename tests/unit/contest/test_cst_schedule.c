/* SPDX-License-Identifier: MIT
 * test_cst_schedule.c - contest phases from timestamps; queue priorities. */
#include "../test.h"

#include <stdio.h>
#include <string.h>

#include "cst.h"
#include "gv_err.h"

#define MIN (60 * 1000LL)

static const struct cst_schedule contest = {
    .starts_at = 1000 * MIN, .freezes_at = 1240 * MIN, .ends_at = 1300 * MIN};

static void phases_follow_the_clock(void **state)
{
    struct cst_state st;

    cst_state_at(&st, &contest, 990 * MIN);
    assert_int_equal(st.phase, CST_PHASE_SCHEDULED);
    assert_int_equal(st.next_change_in_ms, 10 * MIN);
    assert_int_equal(st.elapsed_ms, 0);

    cst_state_at(&st, &contest, 1000 * MIN);
    assert_int_equal(st.phase, CST_PHASE_RUNNING);
    assert_int_equal(st.next_change_in_ms, 240 * MIN);

    cst_state_at(&st, &contest, 1240 * MIN);
    assert_int_equal(st.phase, CST_PHASE_FROZEN);
    assert_int_equal(st.next_change_in_ms, 60 * MIN);
    assert_int_equal(st.elapsed_ms, 240 * MIN);

    cst_state_at(&st, &contest, 1300 * MIN);
    assert_int_equal(st.phase, CST_PHASE_ENDED);
    assert_int_equal(st.next_change_in_ms, -1);
    assert_int_equal(st.elapsed_ms, 300 * MIN);
}

static void unfreeze_finalizes(void **state)
{
    struct cst_schedule s = contest;
    struct cst_state st;

    s.unfrozen_at = 1400 * MIN;
    cst_state_at(&st, &s, 1350 * MIN);
    assert_int_equal(st.phase, CST_PHASE_ENDED);
    assert_int_equal(st.next_change_in_ms, 50 * MIN);
    cst_state_at(&st, &s, 1400 * MIN);
    assert_int_equal(st.phase, CST_PHASE_FINALIZED);
    assert_string_equal(cst_phase_name(st.phase), "finalized");
}

static void no_freeze_or_freeze_at_end_never_freezes(void **state)
{
    struct cst_schedule s = contest;
    struct cst_state st;

    s.freezes_at = 0;
    cst_state_at(&st, &s, 1299 * MIN);
    assert_int_equal(st.phase, CST_PHASE_RUNNING);
    assert_int_equal(st.next_change_in_ms, 1 * MIN);
    s.freezes_at = s.ends_at;
    cst_state_at(&st, &s, 1299 * MIN);
    assert_int_equal(st.phase, CST_PHASE_RUNNING);
}

static void inconsistent_schedules_are_invalid(void **state)
{
    struct cst_schedule s = contest;

    assert_true(cst_schedule_valid(&s));
    s.ends_at = s.starts_at;
    assert_false(cst_schedule_valid(&s));
    s = contest;
    s.freezes_at = s.starts_at - 1;
    assert_false(cst_schedule_valid(&s));
    s = contest;
    s.freezes_at = s.ends_at + 1;
    assert_false(cst_schedule_valid(&s));
    s = contest;
    s.unfrozen_at = s.ends_at - 1;
    assert_false(cst_schedule_valid(&s));
}

static void priorities_order_contest_paid_first_rejudge_last(void **state)
{
    enum cst_priority cp = cst_priority_for(true, CST_TIER_PAID, false);
    enum cst_priority cf = cst_priority_for(true, CST_TIER_FREE, false);
    enum cst_priority pp = cst_priority_for(false, CST_TIER_PAID, false);
    enum cst_priority pf = cst_priority_for(false, CST_TIER_FREE, false);
    enum cst_priority rj = cst_priority_for(true, CST_TIER_PAID, true);

    assert_true(cp < cf && cf < pp && pp < pf && pf < rj);
    assert_true(rj < CST_PRIO_LEVELS);
}

/* Walks a clock over a schedule and announces what cst_phase_due says:
 * every change once, in order, at its stored time, also when the clock
 * jumps (a server that was down). */
static void every_change_announced_once_in_order(void **state)
{
    const struct cst_schedule with_all = {.starts_at = 100, .freezes_at = 200, .ends_at = 300,
                                          .unfrozen_at = 400};
    const struct cst_schedule no_freeze = {.starts_at = 100, .ends_at = 300};
    const struct {
        const struct cst_schedule *s;
        const char *want;
    } cases[] = {{&with_all, "running@100 frozen@200 ended@300 finalized@400"},
                 {&no_freeze, "running@100 ended@300"}};
    (void)state;

    for (size_t c = 0; c < 2; c++) {
        for (int step = 1; step <= 500; step += step < 50 ? 49 : 7) {
            enum cst_phase announced = CST_PHASE_SCHEDULED, next;
            char got[256] = "";
            size_t n = 0;
            int64_t at;

            for (int64_t now = 0;; now = now + step > 500 ? 500 : now + step) {
                while (cst_phase_due(&next, &at, cases[c].s, announced, now)) {
                    n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s@%lld", n ? " " : "",
                                          cst_phase_name(next), (long long)at);
                    assert_true(next > announced);
                    announced = next;
                }
                if (now == 500)
                    break;
            }
            if (step > 400) /* one look at the end: everything missed, in order */
                assert_true(announced == (c ? CST_PHASE_ENDED : CST_PHASE_FINALIZED));
            if (strcmp(got, cases[c].want))
                fail_msg("step %d: announced '%s', want '%s'", step, got, cases[c].want);
        }
    }
}

/* An ended contest whose end an organizer moved later runs again: the
 * change due is back to running, at once. */
static void a_moved_end_is_announced(void **state)
{
    const struct cst_schedule s = {.starts_at = 100, .ends_at = 1000};
    enum cst_phase next;
    int64_t at;

    (void)state;
    assert_true(cst_phase_due(&next, &at, &s, CST_PHASE_ENDED, 500));
    assert_int_equal(next, CST_PHASE_RUNNING);
    assert_int_equal(at, 500);
    assert_false(cst_phase_due(&next, &at, &s, CST_PHASE_RUNNING, 500));
    {
        enum cst_phase p;
        assert_int_equal(cst_phase_parse(&p, "frozen"), 0);
        assert_int_equal(p, CST_PHASE_FROZEN);
        assert_int_equal(cst_phase_parse(&p, "thawed"), GV_ENOTFOUND);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phases_follow_the_clock),
        cmocka_unit_test(unfreeze_finalizes),
        cmocka_unit_test(no_freeze_or_freeze_at_end_never_freezes),
        cmocka_unit_test(inconsistent_schedules_are_invalid),
        cmocka_unit_test(priorities_order_contest_paid_first_rejudge_last),
        cmocka_unit_test(every_change_announced_once_in_order),
        cmocka_unit_test(a_moved_end_is_announced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
