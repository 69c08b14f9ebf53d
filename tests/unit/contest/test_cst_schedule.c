/* SPDX-License-Identifier: MIT
 * test_cst_schedule.c - contest phases from timestamps; queue priorities. */
#include "../test.h"

#include "cst.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phases_follow_the_clock),
        cmocka_unit_test(unfreeze_finalizes),
        cmocka_unit_test(no_freeze_or_freeze_at_end_never_freezes),
        cmocka_unit_test(inconsistent_schedules_are_invalid),
        cmocka_unit_test(priorities_order_contest_paid_first_rejudge_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
