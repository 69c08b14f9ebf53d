/* SPDX-License-Identifier: MIT
 * test_jdg_check.c - the default checker gives the verdict the Kattis
 * default output validator would, and says where the outputs differ. */
#include "../test.h"

#include <string.h>

#include "gv_err.h"
#include "jdg.h"

static char msg[256];

/* Checks NUL-free strings under a flags string. */
static enum jdg_verdict check(const char *flags, const char *answer, const char *output)
{
    struct jdg_check_flags f;
    char why[128];

    assert_int_equal(jdg_check_flags_parse(&f, flags, why, sizeof(why)), 0);
    return jdg_check_default(&f, answer, strlen(answer), output, strlen(output), msg, sizeof(msg));
}

static void identical_and_empty(void **state)
{
    assert_int_equal(check("", "1 2 3\n", "1 2 3\n"), JDG_AC);
    assert_string_equal(msg, "");
    assert_int_equal(check("", "", ""), JDG_AC);
    assert_int_equal(check("", "\n", ""), JDG_AC);
    assert_int_equal(check("", "", "  \n\t"), JDG_AC);
    assert_int_equal(check("", "5\n", ""), JDG_WA);
    assert_string_equal(msg, "token 1: expected '5', got end of output");
    assert_int_equal(check("", "", "x"), JDG_WA);
    assert_string_equal(msg, "token 1: expected end of output, got 'x'");
}

static void token_mismatch_names_the_token(void **state)
{
    assert_int_equal(check("", "1 2 5\n", "1 2 6\n"), JDG_WA);
    assert_string_equal(msg, "token 3: expected '5', got '6'");
    assert_int_equal(check("", "1 2", "1 2 3"), JDG_WA);
    assert_string_equal(msg, "token 3: expected end of output, got '3'");
    assert_int_equal(check("", "1 2 3", "1 2"), JDG_WA);
    assert_string_equal(msg, "token 3: expected '3', got end of output");
    /* A prefix is not the token. */
    assert_int_equal(check("", "abc", "ab"), JDG_WA);
    assert_int_equal(check("", "ab", "abc"), JDG_WA);
}

static void whitespace_insensitive_by_default(void **state)
{
    assert_int_equal(check("", "1 2\n3\n", "  1\t\t2 3"), JDG_AC);
    assert_int_equal(check("", "1 2\n", "1\r\n2\r\n\r\n\n"), JDG_AC);
    assert_int_equal(check("", "a b", "ab"), JDG_WA);
}

static void space_change_sensitive(void **state)
{
    assert_int_equal(check("space_change_sensitive", "1 2\n", "1 2\n"), JDG_AC);
    assert_int_equal(check("space_change_sensitive", "1 2\n", "1  2\n"), JDG_WA);
    assert_string_equal(msg, "whitespace before token 2: expected ' ', got '  '");
    assert_int_equal(check("space_change_sensitive", "1 2\n", "1\n2\n"), JDG_WA);
    /* Trailing whitespace counts too, as in Kattis. */
    assert_int_equal(check("space_change_sensitive", "1 2\n", "1 2"), JDG_WA);
    assert_int_equal(check("space_change_sensitive", "1 2\n", "1 2\n\n"), JDG_WA);
    assert_int_equal(check("space_change_sensitive", "1 2\n", " 1 2\n"), JDG_WA);
    /* Case still insensitive unless asked. */
    assert_int_equal(check("space_change_sensitive", "Yes\n", "yes\n"), JDG_AC);
}

static void case_insensitive_by_default(void **state)
{
    assert_int_equal(check("", "YES\n", "yes\n"), JDG_AC);
    assert_int_equal(check("", "Impossible", "iMPOSSIBLE"), JDG_AC);
    assert_int_equal(check("case_sensitive", "YES\n", "yes\n"), JDG_WA);
    assert_string_equal(msg, "token 1: expected 'YES', got 'yes'");
    assert_int_equal(check("case_sensitive", "YES\n", "YES"), JDG_AC);
    /* Only ASCII letters fold: bytes >= 0x80 compare exactly. */
    assert_int_equal(check("", "\xc3\x89", "\xc3\xa9"), JDG_WA);
}

static void numbers_without_tolerance_are_text(void **state)
{
    assert_int_equal(check("", "1", "1.0"), JDG_WA);
    assert_string_equal(msg, "token 1: expected '1', got '1.0'");
    assert_int_equal(check("", "0.5", "0.50"), JDG_WA);
    assert_int_equal(check("", "1e3", "1E3"), JDG_AC); /* case-insensitive text */
}

static void absolute_tolerance(void **state)
{
    const char *f = "float_absolute_tolerance 1e-6";

    assert_int_equal(check(f, "1", "1.0"), JDG_AC);
    assert_int_equal(check(f, "1.0", "1"), JDG_AC);
    assert_int_equal(check(f, "1", "1.000001"), JDG_AC);  /* on the bound */
    assert_int_equal(check(f, "1", "0.999999"), JDG_AC);  /* on the bound, below */
    assert_int_equal(check(f, "1", "1.0000011"), JDG_WA); /* just past it */
    assert_string_equal(msg, "token 1: expected '1', got '1.0000011' (beyond tolerance)");
    assert_int_equal(check(f, "1", "0.9999989"), JDG_WA);
    /* Relative error does not help when only the absolute bound is set. */
    assert_int_equal(check(f, "1000000", "1000000.5"), JDG_WA);
    /* On the bound in decimal, even though 0.4 - 0.3 > 0.1 in binary. */
    assert_int_equal(check("float_absolute_tolerance 0.1", "0.3", "0.4"), JDG_AC);
    assert_int_equal(check("float_absolute_tolerance 0.1", "0.3", "0.4000001"), JDG_WA);
    assert_int_equal(check("float_absolute_tolerance 0", "2.5", "2.50"), JDG_AC);
    assert_int_equal(check("float_absolute_tolerance 0", "2.5", "2.5000001"), JDG_WA);
}

static void relative_tolerance(void **state)
{
    const char *f = "float_relative_tolerance 0.01";

    assert_int_equal(check(f, "200", "202"), JDG_AC); /* exactly 1% */
    assert_int_equal(check(f, "200", "198"), JDG_AC);
    assert_int_equal(check(f, "200", "202.01"), JDG_WA);
    /* Relative to the jury's value, not the contestant's. */
    assert_int_equal(check(f, "100", "101"), JDG_AC);
    assert_int_equal(check(f, "101", "100"), JDG_AC);
    assert_int_equal(check(f, "99", "100"), JDG_WA);
    /* An answer of 0 leaves no relative slack. */
    assert_int_equal(check(f, "0", "0.0"), JDG_AC);
    assert_int_equal(check(f, "0", "1e-300"), JDG_WA);
}

static void either_tolerance_accepts(void **state)
{
    const char *f = "float_absolute_tolerance 1e-6 float_relative_tolerance 1e-9";

    assert_int_equal(check(f, "1e12", "1000000000001"), JDG_AC); /* relative */
    assert_int_equal(check(f, "0", "0.0000005"), JDG_AC);        /* absolute */
    assert_int_equal(check(f, "1e12", "1000000002000"), JDG_WA); /* neither */
    /* float_tolerance sets both. */
    assert_int_equal(check("float_tolerance 1e-6", "1e12", "1000000000100"), JDG_AC);
    assert_int_equal(check("float_tolerance 1e-6", "1e-12", "1e-7"), JDG_AC);
    assert_int_equal(check("float_tolerance 1e-6", "1e-12", "1.1e-6"), JDG_WA);
}

static void number_forms(void **state)
{
    const char *f = "float_tolerance 1e-6";

    assert_int_equal(check(f, "-2.5", "-2.5000001"), JDG_AC);
    assert_int_equal(check(f, "-2.5", "2.5"), JDG_WA);
    assert_int_equal(check(f, "0.0314", "3.14000000e-2"), JDG_AC);
    assert_int_equal(check(f, "314", "3.14E+2"), JDG_AC);
    assert_int_equal(check(f, "0.5", ".5"), JDG_AC);
    assert_int_equal(check(f, "0.5", "+0.5"), JDG_AC);
    assert_int_equal(check(f, "5", "5."), JDG_AC);
    assert_int_equal(check(f, "-0", "0"), JDG_AC);
    /* Output that must be a number but is not, or only begins like one. */
    assert_int_equal(check(f, "3.5", "three"), JDG_WA);
    assert_string_equal(msg, "token 1: expected the number '3.5', got 'three'");
    assert_int_equal(check(f, "3.5", "3.5x"), JDG_WA);
    assert_int_equal(check(f, "3.5", "3.5e"), JDG_WA);
    assert_int_equal(check(f, "3.5", "0x1p1"), JDG_WA);
    assert_int_equal(check(f, "3.5", "."), JDG_WA);
    assert_int_equal(check(f, "3.5", "-"), JDG_WA);
    assert_int_equal(check(f, "3.5", "3,5"), JDG_WA);
    /* Words in the answer stay words under a tolerance. */
    assert_int_equal(check(f, "Case #1: 0.5", "case #1: 0.5000001"), JDG_AC);
    assert_int_equal(check(f, "Case #1: 0.5", "Case #2: 0.5"), JDG_WA);
    /* A long but valid number still parses. */
    {
        char longnum[400];

        memset(longnum, '0', sizeof(longnum) - 1);
        longnum[1] = '.';
        longnum[sizeof(longnum) - 2] = '1';
        longnum[sizeof(longnum) - 1] = '\0';
        assert_int_equal(check(f, "0", longnum), JDG_AC);
        assert_int_equal(check(f, longnum, "0"), JDG_AC);
    }
}

static void nan_and_infinity(void **state)
{
    const char *f = "float_tolerance 1e-6";

    assert_int_equal(check(f, "1", "nan"), JDG_WA);
    assert_int_equal(check(f, "1", "inf"), JDG_WA);
    assert_int_equal(check(f, "1", "-infinity"), JDG_WA);
    assert_int_equal(check(f, "1e308", "1e309"), JDG_WA); /* overflows to inf */
    assert_int_equal(check(f, "nan", "NaN"), JDG_AC);
    assert_int_equal(check(f, "nan", "1"), JDG_WA);
    assert_int_equal(check(f, "inf", "Infinity"), JDG_AC);
    assert_int_equal(check(f, "inf", "-inf"), JDG_WA);
    assert_int_equal(check(f, "-inf", "-INF"), JDG_AC);
    /* Opposite huge values: the difference overflows, still a WA. */
    assert_int_equal(check(f, "1e308", "-1e308"), JDG_WA);
}

static void nul_bytes_are_binary_safe(void **state)
{
    struct jdg_check_flags f;
    /* No terminating NUL anywhere: a heap copy would catch an overread. */
    const char ans[] = {'1', ' ', '2'};
    const char out_nul[] = {'1', ' ', '2', '\0'};
    const char out_mid[] = {'1', ' ', '\0', '2'};
    const char tok_nul[] = {'a', '\0', 'b'};

    jdg_check_flags_init(&f);
    assert_int_equal(jdg_check_default(&f, ans, sizeof(ans), ans, sizeof(ans), msg, sizeof(msg)),
                     JDG_AC);
    assert_int_equal(
        jdg_check_default(&f, ans, sizeof(ans), out_nul, sizeof(out_nul), msg, sizeof(msg)),
        JDG_WA);
    assert_string_equal(msg, "token 2: expected '2', got '2\\x00'");
    assert_int_equal(
        jdg_check_default(&f, ans, sizeof(ans), out_mid, sizeof(out_mid), msg, sizeof(msg)),
        JDG_WA);
    assert_int_equal(
        jdg_check_default(&f, tok_nul, sizeof(tok_nul), tok_nul, sizeof(tok_nul), msg, sizeof(msg)),
        JDG_AC);
    f.float_abs_tol = 1e-6;
    f.float_rel_tol = 1e-6;
    assert_int_equal(
        jdg_check_default(&f, ans, sizeof(ans), out_nul, sizeof(out_nul), msg, sizeof(msg)),
        JDG_WA);
    assert_string_equal(msg, "token 2: expected the number '2', got '2\\x00'");
    /* NULL with length 0 is an empty file. */
    assert_int_equal(jdg_check_default(&f, NULL, 0, NULL, 0, msg, sizeof(msg)), JDG_AC);
}

static void message_is_cut_to_the_buffer(void **state)
{
    struct jdg_check_flags f;
    char longtok[1000], small[12];

    memset(longtok, 'x', sizeof(longtok));
    jdg_check_flags_init(&f);
    assert_int_equal(jdg_check_default(&f, "y", 1, longtok, sizeof(longtok), msg, sizeof(msg)),
                     JDG_WA);
    assert_true(strlen(msg) < 120);
    assert_non_null(strstr(msg, "xxx..."));
    memset(small, '#', sizeof(small));
    assert_int_equal(jdg_check_default(&f, "y", 1, "z", 1, small, 8), JDG_WA);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(small[8], '#');
    /* No message buffer at all is fine. */
    assert_int_equal(jdg_check_default(&f, "y", 1, "z", 1, NULL, 0), JDG_WA);
}

static void flags_parse(void **state)
{
    struct jdg_check_flags f;
    char why[128];

    assert_int_equal(jdg_check_flags_parse(&f, NULL, why, sizeof(why)), 0);
    assert_false(f.case_sensitive);
    assert_false(f.space_change_sensitive);
    assert_true(f.float_abs_tol < 0 && f.float_rel_tol < 0);
    assert_int_equal(
        jdg_check_flags_parse(&f, "  float_tolerance 1e-6\tcase_sensitive\n", why, sizeof(why)), 0);
    assert_true(f.case_sensitive);
    assert_true(f.float_abs_tol == 1e-6 && f.float_rel_tol == 1e-6);
    assert_int_equal(jdg_check_flags_parse(&f, "float_tolerance 1e-3 float_absolute_tolerance 0.5",
                                           why, sizeof(why)),
                     0);
    assert_true(f.float_abs_tol == 0.5 && f.float_rel_tol == 1e-3);
    assert_int_equal(jdg_check_flags_parse(&f, "case_sensitive bogus", why, sizeof(why)),
                     GV_EPARSE);
    assert_string_equal(why, "unknown validator flag 'bogus'");
    assert_int_equal(jdg_check_flags_parse(&f, "float_tolerance", why, sizeof(why)), GV_EPARSE);
    assert_string_equal(why, "float_tolerance needs a value");
    assert_int_equal(jdg_check_flags_parse(&f, "float_relative_tolerance -1", why, sizeof(why)),
                     GV_EPARSE);
    assert_non_null(strstr(why, "float_relative_tolerance: '-1'"));
    assert_int_equal(jdg_check_flags_parse(&f, "float_tolerance nan", why, sizeof(why)), GV_EPARSE);
    assert_int_equal(jdg_check_flags_parse(&f, "float_tolerance 1e-6x", why, sizeof(why)),
                     GV_EPARSE);
    /* A failed parse leaves the flags as they were. */
    assert_true(f.float_abs_tol == 0.5 && !f.case_sensitive);
}

static void verdict_names(void **state)
{
    assert_string_equal(jdg_verdict_name(JDG_AC), "AC");
    assert_string_equal(jdg_verdict_name(JDG_OLE), "OLE");
    assert_string_equal(jdg_verdict_name(JDG_JE), "JE");
    assert_string_equal(jdg_verdict_name((enum jdg_verdict)99), "JE");
    for (int v = JDG_AC; v <= JDG_JE; v++)
        assert_int_equal(jdg_verdict_parse(jdg_verdict_name((enum jdg_verdict)v)), v);
    assert_int_equal(jdg_verdict_parse("ac"), -1);
    assert_int_equal(jdg_verdict_parse(""), -1);
    assert_int_equal(jdg_verdict_parse(NULL), -1);
}

static void outcome_lifecycle(void **state)
{
    struct jdg_outcome o;

    jdg_outcome_init(&o);
    assert_int_equal(o.verdict, JDG_JE);
    assert_int_equal(gv_buf_puts(&o.compile_output, "warning"), 0);
    jdg_outcome_release(&o);
    assert_null(o.compile_output.data);
    assert_null(o.tests);
    jdg_outcome_release(&o); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_and_empty),
        cmocka_unit_test(token_mismatch_names_the_token),
        cmocka_unit_test(whitespace_insensitive_by_default),
        cmocka_unit_test(space_change_sensitive),
        cmocka_unit_test(case_insensitive_by_default),
        cmocka_unit_test(numbers_without_tolerance_are_text),
        cmocka_unit_test(absolute_tolerance),
        cmocka_unit_test(relative_tolerance),
        cmocka_unit_test(either_tolerance_accepts),
        cmocka_unit_test(number_forms),
        cmocka_unit_test(nan_and_infinity),
        cmocka_unit_test(nul_bytes_are_binary_safe),
        cmocka_unit_test(message_is_cut_to_the_buffer),
        cmocka_unit_test(flags_parse),
        cmocka_unit_test(verdict_names),
        cmocka_unit_test(outcome_lifecycle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
