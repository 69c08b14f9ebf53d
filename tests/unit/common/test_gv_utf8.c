/* SPDX-License-Identifier: MIT
 * test_gv_utf8.c - untrusted bytes become valid UTF-8 without NUL, and
 * valid text passes through untouched. */
#include "../test.h"

#include <string.h>

#include "gv_alloc.h"
#include "gv_utf8.h"

#define FFFD "\xef\xbf\xbd"

static void expect(const char *in, size_t len, const char *want)
{
    char *out = gv_utf8_sanitize(in, len);

    assert_non_null(out);
    assert_string_equal(out, want);
    gv_free(out);
}

static void valid_text_is_unchanged(void **state)
{
    (void)state;
    expect("", 0, "");
    expect("plain ascii\n", 12, "plain ascii\n");
    expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void nul_and_stray_bytes_are_replaced(void **state)
{
    (void)state;
    expect("a\0b", 3, "a" FFFD "b");
    expect("\xff\xfe", 2, FFFD FFFD);
    expect("\x80x", 2, FFFD "x");
}

static void overlong_surrogate_and_truncated_are_replaced(void **state)
{
    (void)state;
    expect("\xc0\xaf", 2, FFFD FFFD);         /* overlong '/' */
    expect("\xe0\x80\xaf", 3, FFFD FFFD FFFD); /* overlong, 3 bytes */
    expect("\xed\xa0\x80", 3, FFFD FFFD FFFD); /* UTF-16 surrogate */
    expect("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    expect("ok\xe2\x82", 4, "ok" FFFD FFFD);   /* cut at the end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_is_unchanged),
        cmocka_unit_test(nul_and_stray_bytes_are_replaced),
        cmocka_unit_test(overlong_surrogate_and_truncated_are_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
