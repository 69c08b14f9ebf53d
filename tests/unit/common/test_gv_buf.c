/* SPDX-License-Identifier: MIT
 * test_gv_buf.c - the bounded buffer keeps its ceiling and its contents. */
#include "../test.h"

#include <errno.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"

static void append_within_limit(void **state)
{
    struct gv_buf b;

    gv_buf_init(&b, 10);
    assert_int_equal(gv_buf_puts(&b, "hello"), 0);
    assert_int_equal(gv_buf_append(&b, " you", 4), 0);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello you");
    gv_buf_release(&b);
}

static void append_past_limit_fails_and_keeps_contents(void **state)
{
    struct gv_buf b;

    gv_buf_init(&b, 8);
    assert_int_equal(gv_buf_puts(&b, "12345678"), 0);
    assert_int_equal(gv_buf_puts(&b, "9"), GV_ETOOBIG);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    /* A huge length must not wrap around the size arithmetic. */
    assert_int_equal(gv_buf_append(&b, "x", SIZE_MAX), GV_ETOOBIG);
    gv_buf_release(&b);
}

static void printf_grows_and_respects_limit(void **state)
{
    struct gv_buf b;

    gv_buf_init(&b, 1000);
    for (int i = 0; i < 100; i++)
        assert_int_equal(gv_buf_printf(&b, "%d,", i % 10), 0);
    assert_int_equal(b.len, 200);
    assert_int_equal(gv_buf_printf(&b, "%0900d", 1), GV_ETOOBIG);
    assert_int_equal(b.len, 200);
    gv_buf_release(&b);
}

static void detach_hands_over_and_resets(void **state)
{
    struct gv_buf b;
    size_t len;
    char *s;

    gv_buf_init(&b, 100);
    s = gv_buf_detach(&b, &len);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    gv_free(s);
    assert_int_equal(gv_buf_puts(&b, "abc"), 0);
    s = gv_buf_detach(&b, &len);
    assert_string_equal(s, "abc");
    assert_int_equal(len, 3);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    gv_free(s);
}

static void allocation_failure_is_reported(void **state)
{
    struct gv_buf b;

    gv_buf_init(&b, 100);
    gv_alloc_fail_after(1);
    assert_int_equal(gv_buf_puts(&b, "abc"), -ENOMEM);
    gv_alloc_fail_reset();
    assert_int_equal(b.len, 0);
    assert_int_equal(gv_buf_puts(&b, "abc"), 0);
    gv_buf_release(&b);
}

static void strerror_names_both_ranges(void **state)
{
    assert_string_equal(gv_strerror(0), "success");
    assert_string_equal(gv_strerror(GV_ETOOBIG), "input exceeds its size limit");
    assert_string_equal(gv_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(gv_strerror(GV_EBASE - 999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_within_limit),
        cmocka_unit_test(append_past_limit_fails_and_keeps_contents),
        cmocka_unit_test(printf_grows_and_respects_limit),
        cmocka_unit_test(detach_hands_over_and_resets),
        cmocka_unit_test(allocation_failure_is_reported),
        cmocka_unit_test(strerror_names_both_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
