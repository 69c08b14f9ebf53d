/* SPDX-License-Identifier: MIT
 * test_jdg_package.c - the package reader takes what the format says, in
 * the order it says, and refuses a broken package with a message that
 * names the file at fault. Each test builds its packages in a fresh
 * mkdtemp directory. */
#include "../test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "jdg.h"

static char base[64];
static char msg[512];

static void mkdirs(const char *path)
{
    char buf[4096];

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* Writes pkg/rel, creating the directories on the way. */
static void put(const char *pkg, const char *rel, const char *text)
{
    char path[4096], dir[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", base, pkg, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void link_to(const char *pkg, const char *rel, const char *target)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s/%s", base, pkg, rel);
    assert_int_equal(symlink(target, path), 0);
}

static void test_pair(const char *pkg, const char *stem)
{
    char rel[512];

    snprintf(rel, sizeof(rel), "%s.in", stem);
    put(pkg, rel, "1 2\n");
    snprintf(rel, sizeof(rel), "%s.ans", stem);
    put(pkg, rel, "3\n");
}

/* A minimal valid package: problem.yaml and one secret test. */
static void minimal(const char *pkg, const char *yaml)
{
    put(pkg, "problem.yaml", yaml);
    test_pair(pkg, "data/secret/1");
}

static const char *pkgdir(const char *pkg)
{
    static char path[4096];

    snprintf(path, sizeof(path), "%s/%s", base, pkg);
    return path;
}

static int load(struct jdg_problem *p, const char *pkg)
{
    msg[0] = '\0';
    return jdg_package_load(p, pkgdir(pkg), msg, sizeof(msg));
}

/* Loading fails with GV_EPARSE, a message containing `needle`, and the
 * problem left released. */
static void refused(const char *pkg, const char *needle)
{
    struct jdg_problem p;
    int err = load(&p, pkg);

    if (err != GV_EPARSE || !strstr(msg, needle))
        fail_msg("package %s: got %d '%s', wanted GV_EPARSE naming '%s'", pkg, err, msg, needle);
    assert_null(p.tests);
    assert_null(p.statement_md);
    assert_null(p.validator_src);
    assert_int_equal(p.ntests, 0);
}

/* Template code: the sources of attachments/ and include/<language>/, in
 * that order, other attachments ignored; a binary or non-UTF-8 one, a
 * link, or too many are refused by name. */
static void templates(void **state)
{
    struct jdg_problem p;
    char rel[64];

    minimal("tpl", "name: T\n");
    put("tpl", "attachments/skeleton.cpp", "int main() {}\n");
    put("tpl", "attachments/statement.pdf", "%PDF-1.4\n");
    put("tpl", "attachments/sub/deeper.py", "x = 1\n");
    put("tpl", "include/java/Main.java", "class Main {}\n");
    put("tpl", "include/default/README", "read me\n");
    assert_int_equal(load(&p, "tpl"), 0);
    assert_int_equal(p.ntemplates, 2);
    assert_string_equal(p.templates[0].name, "attachments/skeleton.cpp");
    assert_string_equal(p.templates[0].lang->id, "cpp");
    assert_string_equal(p.templates[0].src, "int main() {}\n");
    assert_string_equal(p.templates[1].name, "include/java/Main.java");
    assert_string_equal(p.templates[1].lang->id, "java");
    jdg_problem_release(&p);

    minimal("tpl-none", "name: T\n");
    assert_int_equal(load(&p, "tpl-none"), 0);
    assert_int_equal(p.ntemplates, 0);
    assert_null(p.templates);
    jdg_problem_release(&p);

    minimal("tpl-latin1", "name: T\n");
    put("tpl-latin1", "attachments/t.c", "/* caf\xe9 */\n");
    refused("tpl-latin1", "attachments/t.c: template code must be UTF-8 text; byte 6 is not UTF-8");
    minimal("tpl-link", "name: T\n");
    put("tpl-link", "attachments/real.txt", "x\n");
    link_to("tpl-link", "attachments/t.c", "real.txt");
    refused("tpl-link", "attachments/t.c: is a symbolic link");
    minimal("tpl-many", "name: T\n");
    for (int i = 0; i <= JDG_TEMPLATES_MAX; i++) {
        snprintf(rel, sizeof(rel), "attachments/t%02d.py", i);
        put("tpl-many", rel, "x = 1\n");
    }
    refused("tpl-many", "attachments/t16.py: more than 16 template source files");
}

static int setup(void **state)
{
    snprintf(base, sizeof(base), "/tmp/gv-jdg-pkg-XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

static void build_good(const char *pkg)
{
    put(pkg, "problem.yaml",
        "problem_format_version: legacy\n"
        "name: Hello World\n"
        "author: Someone\n"
        "limits:\n"
        "  time_limit: 2.5\n"
        "  memory: 512\n"
        "  output: 8\n"
        "  time_multiplier: 3\n"
        "validator_flags: float_tolerance 1e-6 case_sensitive\n");
    put(pkg, "problem_statement/problem.en.md", "# Hello\n\nAdd two numbers.\n");
    test_pair(pkg, "data/sample/2");
    test_pair(pkg, "data/sample/1");
    test_pair(pkg, "data/secret/a");
    test_pair(pkg, "data/secret/9");
    test_pair(pkg, "data/secret/10");
    test_pair(pkg, "data/secret/b-x");
    test_pair(pkg, "data/secret/b");
    test_pair(pkg, "data/secret/g1/02");
    test_pair(pkg, "data/secret/g1/01");
    test_pair(pkg, "data/secret/g1/sub/x");
    /* Ignored: group settings, hints, hidden files, other folders. */
    put(pkg, "data/secret/g1/testdata.yaml", "on_reject: continue\n");
    put(pkg, "data/secret/a.hint", "think\n");
    put(pkg, "data/secret/.gitkeep", "");
    put(pkg, "submissions/accepted/sol.c", "int main(void){return 0;}\n");
    put(pkg, "input_validators/v/v.py", "import sys\n");
}

static void good_pass_fail_package(void **state)
{
    static const char *const order[] = {
        "sample/1", "sample/2",   "secret/10",    "secret/9",     "secret/a",
        "secret/b", "secret/b-x", "secret/g1/01", "secret/g1/02", "secret/g1/sub/x"};
    struct jdg_problem p;
    char want[4096];

    build_good("hello-world");
    assert_int_equal(load(&p, "hello-world"), 0);
    assert_string_equal(msg, "");
    assert_string_equal(p.slug, "hello-world");
    assert_string_equal(p.name, "Hello World");
    assert_int_equal(p.time_limit_ms, 2500);
    assert_int_equal(p.memory_limit_kb, 512 * 1024);
    assert_int_equal(p.output_limit_kb, 8 * 1024);
    assert_true(p.time_multiplier == 3);
    assert_true(p.flags.float_abs_tol == 1e-6 && p.flags.float_rel_tol == 1e-6);
    assert_true(p.flags.case_sensitive);
    assert_string_equal(p.validator_flags, "float_tolerance 1e-6 case_sensitive");
    assert_false(p.custom);
    assert_null(p.validator_src);
    assert_false(p.scored);
    assert_int_equal(p.ngroups, 0);
    assert_string_equal(p.statement_md, "# Hello\n\nAdd two numbers.\n");
    assert_int_equal(p.ntests, sizeof(order) / sizeof(order[0]));
    for (size_t i = 0; i < p.ntests; i++) {
        assert_string_equal(p.tests[i].name, order[i]);
        assert_int_equal(p.tests[i].is_sample, i < 2);
        assert_int_equal(p.tests[i].group, -1);
        assert_string_equal(p.tests[i].in_sha256, "");
    }
    snprintf(want, sizeof(want), "%s/hello-world/data/secret/g1/sub/x.in", base);
    assert_string_equal(p.tests[9].in_path, want);
    snprintf(want, sizeof(want), "%s/hello-world/data/secret/g1/sub/x.ans", base);
    assert_string_equal(p.tests[9].ans_path, want);
    jdg_problem_release(&p);
    assert_null(p.tests);

    /* A trailing slash changes nothing. */
    snprintf(want, sizeof(want), "%s/hello-world//", base);
    assert_int_equal(jdg_package_load(&p, want, msg, sizeof(msg)), 0);
    assert_string_equal(p.slug, "hello-world");
    snprintf(want, sizeof(want), "%s/hello-world/data/sample/1.in", base);
    assert_string_equal(p.tests[0].in_path, want);
    jdg_problem_release(&p);
}

static void every_allocation_failure_is_clean(void **state)
{
    struct jdg_problem p;
    int err = -ENOMEM;

    build_good("alloc-faults");
    for (long n = 1; err == -ENOMEM && n < 10000; n++) {
        gv_alloc_fail_after(n);
        err = jdg_package_load(&p, pkgdir("alloc-faults"), msg, sizeof(msg));
        gv_alloc_fail_reset();
        if (err == -ENOMEM)
            assert_null(p.tests);
    }
    assert_int_equal(err, 0);
    jdg_problem_release(&p);
}

static void scoring_package(void **state)
{
    struct jdg_problem p;

    put("scored", "problem.yaml", "type: scoring\nname:\n  en: Scored\n  de: Punkte\n");
    put("scored", "data/secret/g1/testdata.yaml", "score: 30\n");
    put("scored", "data/secret/g2/testdata.yaml", "accept_score: 70.5\n");
    test_pair("scored", "data/sample/1");
    test_pair("scored", "data/secret/g1/1");
    test_pair("scored", "data/secret/g1/2");
    test_pair("scored", "data/secret/g2/1");
    test_pair("scored", "data/secret/g2/deep/2");
    test_pair("scored", "data/secret/loose");
    assert_int_equal(load(&p, "scored"), 0);
    assert_true(p.scored);
    assert_string_equal(p.name, "Scored");
    assert_int_equal(p.ngroups, 2);
    assert_string_equal(p.groups[0].name, "g1");
    assert_true(p.groups[0].points == 30);
    assert_string_equal(p.groups[1].name, "g2");
    assert_true(p.groups[1].points == 70.5);
    assert_int_equal(p.ntests, 6);
    assert_string_equal(p.tests[0].name, "sample/1");
    assert_int_equal(p.tests[0].group, -1);
    assert_string_equal(p.tests[1].name, "secret/g1/1");
    assert_int_equal(p.tests[1].group, 0);
    assert_int_equal(p.tests[2].group, 0);
    assert_string_equal(p.tests[3].name, "secret/g2/1");
    assert_int_equal(p.tests[3].group, 1);
    assert_string_equal(p.tests[4].name, "secret/g2/deep/2");
    assert_int_equal(p.tests[4].group, 1);
    assert_string_equal(p.tests[5].name, "secret/loose");
    assert_int_equal(p.tests[5].group, -1);
    jdg_problem_release(&p);
}

static void limits_defaults_and_legacy_timelimit(void **state)
{
    struct jdg_problem p;

    minimal("defaults", "");
    assert_int_equal(load(&p, "defaults"), 0);
    assert_int_equal(p.time_limit_ms, 1000);
    assert_int_equal(p.memory_limit_kb, 256 * 1024);
    assert_int_equal(p.output_limit_kb, 64 * 1024);
    assert_true(p.time_multiplier == 0);
    assert_string_equal(p.name, "defaults");
    assert_string_equal(p.statement_md, "");
    assert_true(p.flags.float_abs_tol < 0);
    jdg_problem_release(&p);

    minimal("legacy", "name: Legacy\n");
    put("legacy", ".timelimit", "3\n");
    assert_int_equal(load(&p, "legacy"), 0);
    assert_int_equal(p.time_limit_ms, 3000);
    jdg_problem_release(&p);

    /* problem.yaml wins over the legacy file. */
    minimal("both", "limits:\n  time_limit: 2\n");
    put("both", ".timelimit", "3\n");
    assert_int_equal(load(&p, "both"), 0);
    assert_int_equal(p.time_limit_ms, 2000);
    jdg_problem_release(&p);

    /* Keys without a value keep their defaults. */
    minimal("nulls", "name:\ntype: ~\nlimits:\nvalidation: null\nvalidator_flags:\n");
    assert_int_equal(load(&p, "nulls"), 0);
    assert_string_equal(p.name, "nulls");
    assert_int_equal(p.time_limit_ms, 1000);
    assert_false(p.scored);
    assert_false(p.custom);
    jdg_problem_release(&p);

    /* The bounds themselves are in range. */
    minimal("bounds", "limits:\n  time_limit: 0.05\n  memory: 4096\n");
    assert_int_equal(load(&p, "bounds"), 0);
    assert_int_equal(p.time_limit_ms, 50);
    assert_int_equal(p.memory_limit_kb, 4096 * 1024);
    jdg_problem_release(&p);
}

static void custom_validators(void **state)
{
    static const char src[] = "#include <cstdio>\nint main() { return 42; }\n";
    struct jdg_problem p;

    minimal("custom-cpp", "validation: custom\nvalidator_flags: anything goes 1 2\n");
    put("custom-cpp", "output_validators/check/check.cpp", src);
    put("custom-cpp", "output_validators/check/README.md", "how it works\n");
    assert_int_equal(load(&p, "custom-cpp"), 0);
    assert_true(p.custom);
    assert_string_equal(p.validator_name, "check.cpp");
    assert_non_null(p.validator_lang);
    assert_string_equal(p.validator_lang->id, "cpp");
    assert_int_equal(p.validator_len, strlen(src));
    assert_memory_equal(p.validator_src, src, strlen(src));
    /* Flags belong to the custom validator, not to our checker. */
    assert_string_equal(p.validator_flags, "anything goes 1 2");
    jdg_problem_release(&p);

    minimal("custom-py", "validation: custom\n");
    put("custom-py", "output_validator/validate.py", "import sys\nsys.exit(42)\n");
    assert_int_equal(load(&p, "custom-py"), 0);
    assert_string_equal(p.validator_lang->id, "python");
    assert_string_equal(p.validator_name, "validate.py");
    jdg_problem_release(&p);

    minimal("custom-file", "validation: custom\n");
    put("custom-file", "output_validators/v.c", "int main(void) { return 42; }\n");
    assert_int_equal(load(&p, "custom-file"), 0);
    assert_string_equal(p.validator_lang->id, "c");
    assert_string_equal(p.validator_name, "v.c");
    jdg_problem_release(&p);

    /* Every C++ ending of the language table, as the worker reads them back. */
    minimal("custom-cxx", "validation: custom\n");
    put("custom-cxx", "output_validators/v/check.cxx", src);
    assert_int_equal(load(&p, "custom-cxx"), 0);
    assert_string_equal(p.validator_lang->id, "cpp");
    jdg_problem_release(&p);

    /* With default validation a validator folder is not used. */
    minimal("default-with-validator", "validation: default\n");
    put("default-with-validator", "output_validators/v/v.java", "class V {}\n");
    assert_int_equal(load(&p, "default-with-validator"), 0);
    assert_false(p.custom);
    assert_null(p.validator_src);
    jdg_problem_release(&p);
}

static void tex_statement(void **state)
{
    struct jdg_problem p;

    /* The conversion itself is test_jdg_latex's; here, that a LaTeX-only
     * package gets it. */
    minimal("texprob", "");
    put("texprob", "problem_statement/problem.tex",
        "\\problemname{Sum of \\textbf{Two}}\nGiven $a$ and $b$.\n");
    assert_int_equal(load(&p, "texprob"), 0);
    assert_non_null(strstr(p.statement_md, "# Sum of **Two**\n"));
    assert_non_null(strstr(p.statement_md, "Given $a$ and $b$."));
    jdg_problem_release(&p);
}

static void broken_yaml_and_limits(void **state)
{
    static char big[(1 << 20) + 100];

    put("no-yaml", "data/secret/1.in", "");
    put("no-yaml", "data/secret/1.ans", "");
    refused("no-yaml", "problem.yaml: missing");

    minimal("bad-syntax", "name: ok\nlimits:\n  time_limit: [1, 2\n");
    refused("bad-syntax", "problem.yaml: YAML syntax error at line");

    minimal("not-a-map", "- a\n- b\n");
    refused("not-a-map", "problem.yaml");

    minimal("tl-low", "limits:\n  time_limit: 0.01\n");
    refused("tl-low", "problem.yaml: limits.time_limit");
    minimal("tl-high", "limits:\n  time_limit: 61\n");
    refused("tl-high", "problem.yaml: limits.time_limit");
    minimal("tl-text", "limits:\n  time_limit: fast\n");
    refused("tl-text", "problem.yaml: limits.time_limit must be a number");
    minimal("mem-low", "limits:\n  memory: 8\n");
    refused("mem-low", "problem.yaml: limits.memory");
    minimal("mem-high", "limits:\n  memory: 100000\n");
    refused("mem-high", "problem.yaml: limits.memory");
    minimal("mem-frac", "limits:\n  memory: 100.5\n");
    refused("mem-frac", "problem.yaml: limits.memory");
    minimal("out-zero", "limits:\n  output: 0\n");
    refused("out-zero", "problem.yaml: limits.output");
    minimal("legacy-bad", "");
    put("legacy-bad", ".timelimit", "100\n");
    refused("legacy-bad", ".timelimit");
    minimal("legacy-text", "");
    put("legacy-text", ".timelimit", "one\n");
    refused("legacy-text", ".timelimit");

    minimal("bad-type", "type: interactive\n");
    refused("bad-type", "problem.yaml: unknown type 'interactive'");
    minimal("bad-validation", "validation: custom interactive\n");
    refused("bad-validation", "problem.yaml: validation 'custom interactive'");
    minimal("bad-flags", "validator_flags: float_tolerance x\n");
    refused("bad-flags", "problem.yaml: validator_flags: float_tolerance");
    minimal("unknown-flag", "validator_flags: ignore_case\n");
    refused("unknown-flag", "'ignore_case'");
    minimal("long-name",
            "name: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    refused("long-name", "problem.yaml: name");

    memset(big, '#', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    minimal("huge-yaml", big);
    refused("huge-yaml", "problem.yaml: larger than");
    minimal("huge-statement", "");
    put("huge-statement", "problem_statement/problem.en.md", big);
    refused("huge-statement", "problem_statement/problem.en.md: larger than");

    minimal("fifo-yaml", "");
    {
        char path[4096];

        snprintf(path, sizeof(path), "%s/fifo-yaml/problem.yaml", base);
        unlink(path);
        assert_int_equal(mkfifo(path, 0600), 0);
    }
    refused("fifo-yaml", "problem.yaml: is not a regular file");
}

static void broken_tests(void **state)
{
    minimal("in-without-ans", "");
    put("in-without-ans", "data/secret/3.in", "x\n");
    refused("in-without-ans", "data/secret/3.in: no matching 3.ans");

    minimal("ans-without-in", "");
    put("ans-without-in", "data/sample/g/4.ans", "x\n");
    refused("ans-without-in", "data/sample/g/4.ans: no matching 4.in");

    put("no-secret", "problem.yaml", "");
    test_pair("no-secret", "data/sample/1");
    refused("no-secret", "data/secret: missing");

    put("empty-secret", "problem.yaml", "");
    test_pair("empty-secret", "data/sample/1");
    put("empty-secret", "data/secret/README.txt", "nothing\n");
    refused("empty-secret", "data/secret: no tests");

    minimal("bad-test-name", "");
    test_pair("bad-test-name", "data/secret/a b");
    refused("bad-test-name", "data/secret/a b.ans: names may use only");

    minimal("dir-as-test", "");
    mkdirs(pkgdir("dir-as-test/data/secret/2.in"));
    put("dir-as-test", "data/secret/2.ans", "x\n");
    refused("dir-as-test", "data/secret/2.in: is a directory");

    minimal("too-deep", "");
    test_pair("too-deep", "data/secret/a/b/c/d/e/f/g/h/i/1");
    refused("too-deep", "nested deeper");

    put("scored-no-testdata", "problem.yaml", "type: scoring\n");
    test_pair("scored-no-testdata", "data/secret/g1/1");
    refused("scored-no-testdata", "data/secret/g1/testdata.yaml: missing");

    put("scored-no-score", "problem.yaml", "type: scoring\n");
    put("scored-no-score", "data/secret/g1/testdata.yaml", "on_reject: continue\n");
    test_pair("scored-no-score", "data/secret/g1/1");
    refused("scored-no-score", "data/secret/g1/testdata.yaml: no score");

    put("scored-bad-score", "problem.yaml", "type: scoring\n");
    put("scored-bad-score", "data/secret/g1/testdata.yaml", "score: -5\n");
    test_pair("scored-bad-score", "data/secret/g1/1");
    refused("scored-bad-score", "data/secret/g1/testdata.yaml: score");

    put("scored-empty-group", "problem.yaml", "type: scoring\n");
    put("scored-empty-group", "data/secret/g1/testdata.yaml", "score: 50\n");
    put("scored-empty-group", "data/secret/g2/testdata.yaml", "score: 50\n");
    test_pair("scored-empty-group", "data/secret/g1/1");
    refused("scored-empty-group", "data/secret/g2: the group has no tests");

    put("scored-no-groups", "problem.yaml", "type: scoring\n");
    test_pair("scored-no-groups", "data/secret/1");
    refused("scored-no-groups", "data/secret: a scoring problem needs");

    put("scored-bad-yaml", "problem.yaml", "type: scoring\n");
    put("scored-bad-yaml", "data/secret/g1/testdata.yaml", "score: {\n");
    test_pair("scored-bad-yaml", "data/secret/g1/1");
    refused("scored-bad-yaml", "data/secret/g1/testdata.yaml: YAML syntax error at line");
}

static void broken_validators(void **state)
{
    minimal("val-java", "validation: custom\n");
    put("val-java", "output_validators/v/Check.java", "class Check {}\n");
    refused("val-java", "output_validators/v/Check.java: not a C, C++ or Python source");

    minimal("val-two", "validation: custom\n");
    put("val-two", "output_validators/v/a.c", "\n");
    put("val-two", "output_validators/v/b.py", "\n");
    refused("val-two", "output_validators/v: more than one validator source (a.c, b.py)");

    minimal("val-none", "validation: custom\n");
    put("val-none", "output_validators/v/README", "\n");
    refused("val-none", "output_validators/v: no validator source (.c, .cpp, .cc, .cxx, .c++, .C "
                        "or .py)");

    minimal("val-missing", "validation: custom\n");
    refused("val-missing", "output_validators: validation is custom but");

    minimal("val-header", "validation: custom\n");
    put("val-header", "output_validators/v/check.cpp", "#include \"validate.h\"\n");
    put("val-header", "output_validators/v/validate.h", "\n");
    refused("val-header", "output_validators/v/validate.h");

    minimal("val-many", "validation: custom\n");
    put("val-many", "output_validators/a/a.c", "\n");
    put("val-many", "output_validators/b/b.c", "\n");
    refused("val-many", "output_validators: 2 validators");

    minimal("val-single-bad", "validation: custom\n");
    put("val-single-bad", "output_validators/check.rs", "fn main() {}\n");
    refused("val-single-bad", "output_validators/check.rs: unknown validator language; a "
                              "validator is C, C++ or Python (.c, .cpp");
}

static void links_are_refused(void **state)
{
    char target[4096];

    minimal("link-test", "");
    link_to("link-test", "data/secret/2.in", "/etc/passwd");
    put("link-test", "data/secret/2.ans", "x\n");
    refused("link-test", "data/secret/2.in: is a symbolic link");

    /* Even a link that stays inside the package. */
    minimal("link-inside", "");
    link_to("link-inside", "data/secret/1b.in", "1.in");
    put("link-inside", "data/secret/1b.ans", "x\n");
    refused("link-inside", "data/secret/1b.in: is a symbolic link");

    put("link-dir", "problem.yaml", "");
    test_pair("link-dir", "elsewhere/1");
    mkdirs(pkgdir("link-dir/data"));
    link_to("link-dir", "data/secret", "../elsewhere");
    refused("link-dir", "data/secret: is a symbolic link");

    test_pair("link-yaml", "data/secret/1");
    snprintf(target, sizeof(target), "%s/hello-world/problem.yaml", base);
    link_to("link-yaml", "problem.yaml", target);
    refused("link-yaml", "problem.yaml: is a symbolic link");

    minimal("link-statement", "");
    mkdirs(pkgdir("link-statement/problem_statement"));
    link_to("link-statement", "problem_statement/problem.en.md", "/etc/passwd");
    refused("link-statement", "problem_statement/problem.en.md: is a symbolic link");

    /* A linked directory on the way to a file is refused too. */
    minimal("link-parent", "");
    put("link-parent", "real/problem.en.md", "hi\n");
    link_to("link-parent", "problem_statement", "real");
    refused("link-parent", "problem_statement: is a symbolic link");

    minimal("link-validator", "validation: custom\n");
    mkdirs(pkgdir("link-validator/output_validators/v"));
    link_to("link-validator", "output_validators/v/check.c", "/etc/passwd");
    refused("link-validator", "output_validators/v/check.c: is a symbolic link");
}

static void slug_must_be_valid(void **state)
{
    struct jdg_problem p;

    minimal("Bad_Slug", "");
    refused("Bad_Slug", "not a valid problem slug");
    minimal("-dash", "");
    refused("-dash", "not a valid problem slug");
    minimal("a234567890123456789012345678901234567890123456789012345678901234", "");
    assert_int_equal(load(&p, "a234567890123456789012345678901234567890123456789012345678901234"),
                     0);
    assert_int_equal(strlen(p.slug), 64);
    jdg_problem_release(&p);
    minimal("a2345678901234567890123456789012345678901234567890123456789012345", "");
    refused("a2345678901234567890123456789012345678901234567890123456789012345",
            "not a valid problem slug");
    assert_int_equal(jdg_package_load(&p, "/nonexistent/pkg", msg, sizeof(msg)), GV_EPARSE);
    assert_non_null(strstr(msg, "/nonexistent/pkg: cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_pass_fail_package),
        cmocka_unit_test(every_allocation_failure_is_clean),
        cmocka_unit_test(scoring_package),
        cmocka_unit_test(limits_defaults_and_legacy_timelimit),
        cmocka_unit_test(custom_validators),
        cmocka_unit_test(tex_statement),
        cmocka_unit_test(broken_yaml_and_limits),
        cmocka_unit_test(broken_tests),
        cmocka_unit_test(broken_validators),
        cmocka_unit_test(links_are_refused),
        cmocka_unit_test(slug_must_be_valid),
        cmocka_unit_test(templates),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
