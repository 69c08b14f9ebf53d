/* SPDX-License-Identifier: MIT
 * test_srv_feed_yield.c - when a contest's feeds read while the loop pushes
 * to WebSocket clients (srv_feed_yield.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "srv_feed_yield.h"
#include "banned.h"

#define QUIET SRV_FEED_PUSH_QUIET_MS

/* No push for a while (or ever): the batch reads when it is due. */
static void test_no_pushes_reads_now(void **state)
{
    (void)state;
    assert_int_equal(srv__feed_yield_wait(10000, 10000 - QUIET, 9990, QUIET, 2000), 0);
    assert_int_equal(srv__feed_yield_wait(10000, INT64_MIN / 2, 9990, QUIET, 2000), 0);
}

/* A push just now: the channel waits until the pushes have paused. */
static void test_push_holds_until_quiet(void **state)
{
    (void)state;
    assert_int_equal(srv__feed_yield_wait(10000, 10000, 9990, QUIET, 2000), QUIET);
    assert_int_equal(srv__feed_yield_wait(10000, 9990, 9990, QUIET, 2000), QUIET - 10);
    /* The pause came: read. */
    assert_int_equal(srv__feed_yield_wait(10040, 9990, 9990, QUIET, 2000), 0);
}

/* Pushes that never pause hold the feeds no longer than yield_ms after
 * the first event they hold, and never past it. */
static void test_pushes_never_starve_the_feeds(void **state)
{
    int64_t held = 5000, now = held;

    (void)state;
    while (now < held + 10000) {
        int64_t wait = srv__feed_yield_wait(now, now - 1, held, QUIET, 2000);

        if (!wait)
            break;
        assert_true(now + wait <= held + 2000);
        now += wait;
    }
    assert_int_equal(now, held + 2000);
    assert_int_equal(srv__feed_yield_wait(held + 2000, held + 1999, held, QUIET, 2000), 0);
    assert_int_equal(srv__feed_yield_wait(held + 2500, held + 2499, held, QUIET, 2000), 0);
    /* The nearer of the two ends is the one waited for. */
    assert_int_equal(srv__feed_yield_wait(held + 1980, held + 1979, held, QUIET, 2000), 20);
}

/* yield_ms 0 (GAVEL_CLICS_YIELD_MS=0): the feeds never wait. */
static void test_yield_off(void **state)
{
    (void)state;
    assert_int_equal(srv__feed_yield_wait(10000, 10000, 10000, QUIET, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_pushes_reads_now),
        cmocka_unit_test(test_push_holds_until_quiet),
        cmocka_unit_test(test_pushes_never_starve_the_feeds),
        cmocka_unit_test(test_yield_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
