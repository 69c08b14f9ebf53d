/* SPDX-License-Identifier: MIT
 * test_sbx_lang.c - the sandbox's side of the language table: every
 * placeholder of every row is filled in, a Java source is named after its
 * class, the JVM is sized by the run's memory limit, and each runtime gets
 * its profile and compile limits. No slot is started: no root needed. */
#include "../test.h"

#include <string.h>

#include "gv_lang.h"
#include "sbx.h"

static void cmds_for(struct sbx_lang_cmds *out, const char *id, const char *src, long long mb)
{
    struct sbx_limits l = {.memory_bytes = mb << 20};

    assert_int_equal(sbx_lang_cmds(out, gv_lang_find(id), src, strlen(src), &l), 0);
}

static void assert_argv(const char *const *argv, const char *const *want)
{
    size_t i = 0;

    for (; want[i]; i++) {
        assert_non_null(argv[i]);
        assert_string_equal(argv[i], want[i]);
    }
    assert_null(argv[i]);
}

static void c_and_python(void **state)
{
    static const char *const cc[] = {"/usr/bin/gcc", "-O2",         "-std=gnu17", "-o",
                                     "/box/main",    "/box/main.c", "-lm",        NULL};
    static const char *const crun[] = {"/box/main", NULL};
    static const char *const pyc[] = {"/usr/bin/python3", "-m", "py_compile", "/box/main.py", NULL};
    static const char *const pyrun[] = {"/usr/bin/python3", "/box/main.py", NULL};
    struct sbx_lang_cmds cmds;

    cmds_for(&cmds, "c", "int main(void) { return 0; }", 256);
    assert_string_equal(cmds.src_name, "main.c");
    assert_argv(cmds.compile, cc);
    assert_argv(cmds.run, crun);

    cmds_for(&cmds, "python", "print(1)", 256);
    assert_string_equal(cmds.src_name, "main.py");
    assert_argv(cmds.compile, pyc);
    assert_argv(cmds.run, pyrun);
}

static void java_is_named_after_its_class_and_sized_by_the_limit(void **state)
{
    static const char src[] = "import java.util.*;\n"
                              "// public class Comment {}\n"
                              "class Helper { String s = \"public class Str\"; }\n"
                              "public final class Sol { static class Inner {} }\n";
    static const char *const run256[] = {"/usr/lib/jvm/default-java/bin/java",
                                         "-XX:+UseSerialGC",
                                         "-XX:-UsePerfData",
                                         "-XX:TieredStopAtLevel=4",
                                         "-Xmx192m",
                                         "-Xss128m",
                                         "-cp",
                                         "/box",
                                         "Sol",
                                         NULL};
    struct sbx_lang_cmds cmds;
    size_t n = 0;

    cmds_for(&cmds, "java", src, 256);
    assert_string_equal(cmds.src_name, "Sol.java");
    while (cmds.compile[n])
        n++;
    assert_string_equal(cmds.compile[n - 1], "/box/Sol.java");
    assert_argv(cmds.run, run256);

    /* Small limits: half for the heap, never below 16 MiB and 8 MiB. */
    cmds_for(&cmds, "java", src, 100);
    assert_string_equal(cmds.run[4], "-Xmx50m");
    assert_string_equal(cmds.run[5], "-Xss50m");
    cmds_for(&cmds, "java", src, 16);
    assert_string_equal(cmds.run[4], "-Xmx16m");
    assert_string_equal(cmds.run[5], "-Xss8m");
    /* Large ones: 64 MiB left to the JVM, stacks capped. */
    cmds_for(&cmds, "java", src, 2048);
    assert_string_equal(cmds.run[4], "-Xmx1984m");
    assert_string_equal(cmds.run[5], "-Xss256m");

    /* No public class: the first one. No class at all: javac's to refuse. */
    cmds_for(&cmds, "java", "class A {} class B {}", 256);
    assert_string_equal(cmds.src_name, "A.java");
    cmds_for(&cmds, "java", "// nothing here", 256);
    assert_string_equal(cmds.src_name, "Main.java");
}

static void every_row_fills_in(void **state)
{
    const struct gv_lang *l;

    for (size_t i = 0; (l = gv_lang_at(i)); i++) {
        struct sbx_lang_cmds cmds;
        struct sbx_limits lim = {.memory_bytes = 256ll << 20};
        const char *const *lists[] = {cmds.compile, cmds.run};

        assert_int_equal(sbx_lang_cmds(&cmds, l, "class X {}", 10, &lim), 0);
        assert_null(strchr(cmds.src_name, '{'));
        assert_null(strchr(cmds.src_name, '/'));
        for (size_t k = 0; k < 2; k++) {
            for (size_t a = 0; lists[k][a]; a++)
                assert_null(strchr(lists[k][a], '{'));
        }
    }
}

static void runtimes_pick_profiles_and_compile_limits(void **state)
{
    struct sbx_limits native, jvm;

    assert_int_equal(sbx_lang_profile(gv_lang_find("c")), SBX_PROFILE_NATIVE);
    assert_int_equal(sbx_lang_profile(gv_lang_find("cpp")), SBX_PROFILE_NATIVE);
    assert_int_equal(sbx_lang_profile(gv_lang_find("python")), SBX_PROFILE_PYTHON);
    assert_int_equal(sbx_lang_profile(gv_lang_find("java")), SBX_PROFILE_JAVA);

    sbx_lang_compile_limits(&native, gv_lang_find("cpp"));
    sbx_lang_compile_limits(&jvm, gv_lang_find("java"));
    assert_int_equal(native.cpu_ms, 10000);
    assert_int_equal(native.memory_bytes, 512ll << 20);
    assert_int_equal(native.pids, 64);
    assert_int_equal(jvm.cpu_ms, 20000);
    assert_int_equal(jvm.memory_bytes, 1024ll << 20);
    assert_int_equal(jvm.pids, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c_and_python),
        cmocka_unit_test(java_is_named_after_its_class_and_sized_by_the_limit),
        cmocka_unit_test(every_row_fills_in),
        cmocka_unit_test(runtimes_pick_profiles_and_compile_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
