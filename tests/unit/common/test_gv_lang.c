/* SPDX-License-Identifier: MIT
 * test_gv_lang.c - the language table: lookups by id and by file name,
 * listing, and the invariants every row must keep (the sandbox and the
 * database rely on them). */
#include "../test.h"

#include <stdio.h>
#include <string.h>

#include "gv_err.h"
#include "gv_lang.h"

static void find_by_id(void **state)
{
    static const char *const ids[] = {"c", "cpp", "python", "java"};

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const struct gv_lang *l = gv_lang_find(ids[i]);

        assert_non_null(l);
        assert_string_equal(l->id, ids[i]);
    }
    assert_null(gv_lang_find("C"));
    assert_null(gv_lang_find("rust"));
    assert_null(gv_lang_find(""));
    assert_null(gv_lang_find(NULL));
}

static void for_path_reads_the_ending(void **state)
{
    static const struct {
        const char *path, *id;
    } cases[] = {
        {"a.c", "c"},
        {"dir/sol.cpp", "cpp"},
        {"sol.cc", "cpp"},
        {"sol.cxx", "cpp"},
        {"sol.c++", "cpp"},
        /* The ending is matched exactly: gcc also takes .C for C++. */
        {"SOL.C", "cpp"},
        {"/tmp/x.y/validate.py", "python"},
        {"Main.java", "java"},
        {"archive.tar.c", "c"},
        {"sol.h", NULL},
        {"sol.PY", NULL},
        {"Makefile", NULL},
        /* A dot in a directory's name is not the file's ending. */
        {"pkg.c/Makefile", NULL},
        /* All extension, no name: a hidden file. */
        {".py", NULL},
        {"dir/.c", NULL},
        {"", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct gv_lang *l = gv_lang_for_path(cases[i].path);

        if (!cases[i].id) {
            assert_null(l);
            continue;
        }
        assert_non_null(l);
        assert_string_equal(l->id, cases[i].id);
    }
}

static void ids_are_listed_in_table_order(void **state)
{
    char buf[64], small[8];

    assert_int_equal(gv_lang_ids(buf, sizeof(buf), ", "), 0);
    assert_string_equal(buf, "c, cpp, python, java");
    assert_int_equal(gv_lang_ids(buf, sizeof(buf), "|"), 0);
    assert_string_equal(buf, "c|cpp|python|java");
    /* Cut, but still a string. */
    assert_int_equal(gv_lang_ids(small, sizeof(small), ", "), GV_ETOOBIG);
    assert_true(strlen(small) < sizeof(small));
    assert_int_equal(gv_lang_ids(small, 0, ", "), GV_ETOOBIG);
}

static size_t argv_len(const char *const *argv)
{
    size_t n = 0;

    while (n < GV_LANG_ARGV_MAX && argv[n])
        n++;
    return n;
}

static void every_row_is_whole(void **state)
{
    const struct gv_lang *l, *m;
    size_t n = 0;

    for (size_t i = 0; (l = gv_lang_at(i)); i++, n++) {
        size_t next = 0;

        assert_ptr_equal(gv_lang_find(l->id), l);
        assert_true(l->name && l->name[0] && l->toolchain && l->toolchain[0]);
        assert_non_null(l->src_name);
        /* Room for the NULL that ends each list. */
        assert_true(argv_len(l->compile) > 0 && argv_len(l->compile) < GV_LANG_ARGV_MAX);
        assert_true(argv_len(l->run) > 0 && argv_len(l->run) < GV_LANG_ARGV_MAX);
        /* The box searches no PATH. */
        assert_int_equal(l->compile[0][0], '/');
        assert_int_equal(l->run[0][0], '/');
        assert_non_null(l->exts[0]);
        for (size_t e = 0; e < GV_LANG_EXTS_MAX && l->exts[e]; e++) {
            char name[32];

            assert_int_equal(l->exts[e][0], '.');
            /* An ending claimed by two rows would go to the first. */
            snprintf(name, sizeof(name), "x%s", l->exts[e]);
            assert_ptr_equal(gv_lang_for_path(name), l);
            next = e + 1;
        }
        assert_true(next < GV_LANG_EXTS_MAX);
        for (size_t j = 0; (m = gv_lang_at(j)); j++)
            assert_true(m == l || strcmp(m->id, l->id) != 0);
    }
    assert_int_equal(n, 4);
    assert_null(gv_lang_at(n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_by_id),
        cmocka_unit_test(for_path_reads_the_ending),
        cmocka_unit_test(ids_are_listed_in_table_order),
        cmocka_unit_test(every_row_is_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
