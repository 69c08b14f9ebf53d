/* SPDX-License-Identifier: MIT
 * test_db_plag.c - db_plag's pure parts: finding a pair's review mark, and
 * comparing a contest's set within each problem (no server). */
#include "../test.h"

#include <string.h>

#include "db_plag.h"
#include "gv_err.h"

static void marks_are_found_in_either_order(void **state)
{
    struct db_plag_mark m[] = {
        {.left = 3, .right = 9, .status = "cleared"},
        {.left = 3, .right = 12, .status = "confirmed"},
        {.left = 7, .right = 8, .status = "cleared"},
    };
    size_t n = sizeof(m) / sizeof(m[0]);

    assert_ptr_equal(db_plag_mark_find(m, n, 3, 12), &m[1]);
    assert_ptr_equal(db_plag_mark_find(m, n, 12, 3), &m[1]);
    assert_ptr_equal(db_plag_mark_find(m, n, 8, 7), &m[2]);
    assert_ptr_equal(db_plag_mark_find(m, n, 3, 9), &m[0]);
    assert_null(db_plag_mark_find(m, n, 3, 8));
    assert_null(db_plag_mark_find(m, n, 9, 12));
    assert_null(db_plag_mark_find(m, n, 100, 200));
    assert_null(db_plag_mark_find(NULL, 0, 1, 2));
}

static const char copy_a[] =
    "#include <stdio.h>\nint main(void) {\n  long best = 0, cur = 0; int n; scanf(\"%d\", &n);\n"
    "  for (int i = 0; i < n; i++) { long x; scanf(\"%ld\", &x); cur = cur + x;\n"
    "    if (cur < 0) cur = 0; if (cur > best) best = cur; }\n"
    "  printf(\"%ld\\n\", best); return 0;\n}\n";
static const char copy_b[] =
    "#include <stdio.h>\nint main(void) {\n  long m = 0, s = 0; int k; scanf(\"%d\", &k);\n"
    "  for (int j = 0; j < k; j++) { long v; scanf(\"%ld\", &v); s = s + v;\n"
    "    if (s < 0) s = 0; if (s > m) m = s; }\n"
    "  printf(\"%ld\\n\", m); return 0;\n}\n";

/* Two identical (renamed) documents in two different problems are never
 * compared; in one problem they are a pair with regions. */
static void compare_stays_within_a_problem(void **state)
{
    struct db_plag_sub subs[2];
    struct db_plag_problem probs[2] = {{.id = 1, .slug = "a"}, {.id = 2, .slug = "b"}};
    struct db_plag_set s = {.subs = subs, .nsubs = 2, .problems = probs, .nproblems = 2};
    struct plg_report r;
    struct plg_opts o;

    plg_opts_default(&o);
    memset(subs, 0, sizeof(subs));
    assert_int_equal(plg_doc_from_source(&subs[0].doc, PLG_LANG_C, copy_a, strlen(copy_a),
                                         DB_PLAG_K, DB_PLAG_W),
                     0);
    assert_int_equal(plg_doc_from_source(&subs[1].doc, PLG_LANG_C, copy_b, strlen(copy_b),
                                         DB_PLAG_K, DB_PLAG_W),
                     0);
    subs[1].group = 1;
    assert_int_equal(db_plag_compare(&r, &s, &o, NULL, 0), 0);
    assert_int_equal(r.npairs, 0);
    plg_report_release(&r);

    subs[1].group = 0;
    assert_int_equal(db_plag_compare(&r, &s, &o, NULL, 0), 0);
    assert_int_equal(r.npairs, 1);
    assert_true(r.pairs[0].similarity > 0.99);
    assert_true(r.pairs[0].nregions >= 1);
    assert_int_equal(r.pairs[0].group, 0);
    plg_report_release(&r);

    /* The same code as base: nothing left to match. */
    assert_int_equal(db_plag_compare(&r, &s, &o, &subs[0].doc, 1), 0);
    assert_int_equal(r.npairs, 0);
    plg_report_release(&r);

    plg_doc_release(&subs[0].doc);
    plg_doc_release(&subs[1].doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marks_are_found_in_either_order),
        cmocka_unit_test(compare_stays_within_a_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
