/* SPDX-License-Identifier: MIT
 * test_cst_rules.c - who may read a problem, which the catalogue lists, who
 * may submit to a contest and register for it. */
#include "../test.h"

#include "cst.h"

#define H (3600 * 1000LL)

static const struct cst_schedule contest = {.starts_at = 10 * H, .freezes_at = 14 * H,
                                            .ends_at = 15 * H};

static void problem_visibility(void **state)
{
    const struct cst_problem_facts practice = {.is_public = true};
    const struct cst_problem_facts drafted = {.is_public = false};
    const struct cst_problem_facts in_past = {.is_public = false, .ncontests = 1,
                                              .last_start_ms = 10 * H};
    const struct cst_problem_facts public_in_future = {.is_public = true, .ncontests = 2,
                                                       .last_start_ms = 20 * H};
    (void)state;

    assert_true(cst_problem_readable(&practice, false, 0));
    assert_true(cst_problem_listed(&practice, 0));
    /* Nobody but the jury reads a problem nobody published. */
    assert_false(cst_problem_readable(&drafted, false, INT64_MAX - 1));
    assert_true(cst_problem_readable(&drafted, true, 0));
    assert_false(cst_problem_listed(&drafted, 0));
    /* A contest's problem may be practised once it started, not listed
     * unless public. */
    assert_false(cst_problem_readable(&in_past, false, 10 * H - 1));
    assert_true(cst_problem_readable(&in_past, false, 10 * H));
    assert_false(cst_problem_listed(&in_past, 11 * H));
    /* A public problem vanishes while a contest that has it is to come,
     * even if an earlier one already showed it. */
    assert_false(cst_problem_readable(&public_in_future, false, 19 * H));
    assert_false(cst_problem_listed(&public_in_future, 19 * H));
    assert_true(cst_problem_readable(&public_in_future, true, 19 * H));
    assert_true(cst_problem_listed(&public_in_future, 20 * H));
    assert_int_equal(cst_problem_readable_from(&practice), INT64_MIN);
    assert_int_equal(cst_problem_readable_from(&drafted), INT64_MAX);
    assert_int_equal(cst_problem_readable_from(&public_in_future), 20 * H);
}

static void problem_set_shown_from_the_start(void **state)
{
    (void)state;
    assert_false(cst_contest_problems_shown(&contest, false, 10 * H - 1));
    assert_true(cst_contest_problems_shown(&contest, false, 10 * H));
    assert_true(cst_contest_problems_shown(&contest, true, 0));
}

static void submit_checks_phase_then_registration_then_problem(void **state)
{
    (void)state;
    /* Before the start the answer is the same whatever the problem. */
    assert_int_equal(cst_submit_check(&contest, false, true, true, 10 * H - 1),
                     CST_SUBMIT_NOT_RUNNING);
    assert_int_equal(cst_submit_check(&contest, false, false, false, 10 * H - 1),
                     CST_SUBMIT_NOT_RUNNING);
    assert_int_equal(cst_submit_check(&contest, false, false, true, 10 * H),
                     CST_SUBMIT_NOT_REGISTERED);
    assert_int_equal(cst_submit_check(&contest, false, true, false, 10 * H),
                     CST_SUBMIT_NOT_IN_CONTEST);
    assert_int_equal(cst_submit_check(&contest, false, true, true, 10 * H), CST_SUBMIT_OK);
    /* The freeze does not stop submissions; the end does. */
    assert_int_equal(cst_submit_check(&contest, false, true, true, 14 * H + 1), CST_SUBMIT_OK);
    assert_int_equal(cst_submit_check(&contest, false, true, true, 15 * H),
                     CST_SUBMIT_NOT_RUNNING);
    /* The jury tries problems any time, unregistered, but only the
     * contest's own. */
    assert_int_equal(cst_submit_check(&contest, true, false, true, 0), CST_SUBMIT_OK);
    assert_int_equal(cst_submit_check(&contest, true, false, false, 0),
                     CST_SUBMIT_NOT_IN_CONTEST);
}

static void registration_open_until_the_end(void **state)
{
    (void)state;
    assert_int_equal(cst_register_check(&contest, true, 0), CST_REGISTER_OK);
    assert_int_equal(cst_register_check(&contest, true, 15 * H - 1), CST_REGISTER_OK);
    assert_int_equal(cst_register_check(&contest, true, 15 * H), CST_REGISTER_ENDED);
    /* A list of participants closes registration; the end still comes first. */
    assert_int_equal(cst_register_check(&contest, false, 0), CST_REGISTER_BY_INVITATION);
    assert_int_equal(cst_register_check(&contest, false, 15 * H), CST_REGISTER_ENDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(problem_visibility),
        cmocka_unit_test(problem_set_shown_from_the_start),
        cmocka_unit_test(submit_checks_phase_then_registration_then_problem),
        cmocka_unit_test(registration_open_until_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
