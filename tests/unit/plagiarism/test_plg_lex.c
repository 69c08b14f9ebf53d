/* SPDX-License-Identifier: MIT
 * test_plg_lex.c - the tokenizers: classes, kept spellings and lines per
 * language, and the inputs that must not hurt them (unterminated
 * constructs, raw strings, text blocks, CRLF, invalid UTF-8, 10 MB). */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_err.h"
#include "gv_time.h"
#include "plg.h"

#define KW(s) plg_kind_of(s, strlen(s))

struct tok {
    uint32_t kind;
    uint32_t line;
};

/* Tokenizes `src` and checks the result against `want` (kind 0 ends it). */
static void expect(enum plg_lang lang, const char *src, const struct tok *want)
{
    struct plg_tokens t;
    size_t n = 0;

    plg_tokens_init(&t);
    assert_int_equal(plg_tokenize(&t, lang, src, strlen(src)), 0);
    while (want[n].kind)
        n++;
    for (size_t i = 0; i < n && i < t.len; i++) {
        if (t.v[i].kind != want[i].kind || t.v[i].line != want[i].line)
            fail_msg("%s: token %zu is (%#x, line %u), want (%#x, line %u)", src, i,
                     t.v[i].kind, t.v[i].line, want[i].kind, want[i].line);
    }
    assert_int_equal(t.len, n);
    plg_tokens_release(&t);
}

static size_t count(enum plg_lang lang, const char *src, size_t len)
{
    struct plg_tokens t;
    size_t n;

    plg_tokens_init(&t);
    assert_int_equal(plg_tokenize(&t, lang, src, len), 0);
    n = t.len;
    plg_tokens_release(&t);
    return n;
}

static void c_classes_and_lines(void **state)
{
    const char *src = "#include <stdio.h>\n"
                      "#define SQ(x) \\\n  ((x) * (x))\n"
                      "int main(void) { // comment\n"
                      "  /* block\n comment */ long n = 0x1F + 'a';\n"
                      "  puts(\"hi\\\" there\"); return n >= 3 ? 1.5e-3 : n; }\n";
    const struct tok want[] = {
        {KW("int"), 4},          {PLG_TOK_IDENT, 4},  {KW("("), 4},
        {KW("void"), 4},         {KW(")"), 4},        {KW("{"), 4},
        /* "long n = ...": a declaration's type is dropped */
        {PLG_TOK_IDENT, 6},      {KW("="), 6},
        {PLG_TOK_NUMBER, 6},     {KW("+"), 6},        {PLG_TOK_CHAR, 6},
        {KW(";"), 6},            {PLG_TOK_IDENT, 7},  {KW("("), 7},
        {PLG_TOK_STRING, 7},     {KW(")"), 7},        {KW(";"), 7},
        {KW("return"), 7},       {PLG_TOK_IDENT, 7},  {KW(">="), 7},
        {PLG_TOK_NUMBER, 7},     {KW("?"), 7},        {PLG_TOK_NUMBER, 7},
        {KW(":"), 7},            {PLG_TOK_IDENT, 7},  {KW(";"), 7},
        {KW("}"), 7},            {0, 0}};

    expect(PLG_LANG_C, src, want);
}

static void cpp_raw_strings_and_separators(void **state)
{
    const char *src = "auto s = R\"x(a \" )\" \n b)x\";\n"
                      "int n = 1'000'000; auto c = u8\"z\"; char d = L'q';\n"
                      "std::string t = R\"(unterminated\n";
    /* The declarations' built-in types (auto, int, char) are dropped; the
     * class type std::string is not. */
    const struct tok want[] = {
        {PLG_TOK_IDENT, 1},  {KW("="), 1},        {PLG_TOK_STRING, 1},  {KW(";"), 2},
        {PLG_TOK_IDENT, 3},  {KW("="), 3},        {PLG_TOK_NUMBER, 3},  {KW(";"), 3},
        {PLG_TOK_IDENT, 3},  {KW("="), 3},        {PLG_TOK_STRING, 3},  {KW(";"), 3},
        {PLG_TOK_IDENT, 3},  {KW("="), 3},        {PLG_TOK_CHAR, 3},    {KW(";"), 3},
        {PLG_TOK_IDENT, 4},  {KW("::"), 4},       {PLG_TOK_IDENT, 4},   {PLG_TOK_IDENT, 4},
        {KW("="), 4},        {PLG_TOK_STRING, 4}, {0, 0}};

    expect(PLG_LANG_CPP, src, want);
}

/* Where a variable is declared does not change the stream: "int s = 0;",
 * "int s; s = 0;" and a declaration hoisted out of a for all become the
 * same tokens, in C, C++ and Java. */
static bool same_tokens(enum plg_lang lang, const char *a, const char *b)
{
    struct plg_tokens x, y;
    bool same;

    plg_tokens_init(&x);
    plg_tokens_init(&y);
    assert_int_equal(plg_tokenize(&x, lang, a, strlen(a)), 0);
    assert_int_equal(plg_tokenize(&y, lang, b, strlen(b)), 0);
    same = x.len == y.len;
    for (size_t i = 0; same && i < x.len; i++)
        same = x.v[i].kind == y.v[i].kind;
    plg_tokens_release(&x);
    plg_tokens_release(&y);
    return same;
}

static void declarations_are_normalized(void **state)
{
    assert_true(same_tokens(PLG_LANG_C, "int s = 0; f(s);", "int s;\ns = 0; f(s);"));
    assert_true(same_tokens(PLG_LANG_CPP, "for (int i = 0; i < n; i++) s += i;",
                            "long long i;\nfor (i = 0; i < n; i++) s += i;"));
    assert_true(same_tokens(PLG_LANG_JAVA, "double r = in.nextDouble(); int[] a = new int[3];",
                            "double r; int[] a; r = in.nextDouble(); a = new int[3];"));
    /* Several names keep their commas; a class type stays (Scanner s). */
    assert_true(same_tokens(PLG_LANG_C, "unsigned a, b;", "a, b;"));
    assert_false(same_tokens(PLG_LANG_JAVA, "Scanner s = x;", "s = x;"));
    /* Not declarations: casts, parameters lists without a name, calls. */
    assert_false(same_tokens(PLG_LANG_C, "x = (int) y;", "x = () y;"));
    assert_false(same_tokens(PLG_LANG_C, "return sizeof(int);", "return sizeof();"));
    /* Only '=', ',' and ';' end a declared name: a parameter before ')'
     * keeps its type. */
    assert_true(same_tokens(PLG_LANG_CPP, "int f(int a, int b);", "int f(a, int b);"));
    /* Python has no declarations to move. */
    assert_false(same_tokens(PLG_LANG_PYTHON, "int = 1\n", "= 1\n"));
}

static void java_text_blocks_and_annotations(void **state)
{
    const char *src = "@Override\r\npublic String f() {\r\n"
                      "  return \"\"\"\r\n    a \"quote\" \\\"\"\"\r\n  \"\"\" + 'c';\r\n}\r\n";
    const struct tok want[] = {
        {KW("@"), 1},       {PLG_TOK_IDENT, 1}, {KW("public"), 2}, {PLG_TOK_IDENT, 2},
        {PLG_TOK_IDENT, 2}, {KW("("), 2},       {KW(")"), 2},      {KW("{"), 2},
        {KW("return"), 3},  {PLG_TOK_STRING, 3}, {KW("+"), 5},     {PLG_TOK_CHAR, 5},
        {KW(";"), 5},       {KW("}"), 6},       {0, 0}};

    expect(PLG_LANG_JAVA, src, want);
    /* # is no preprocessor in Java; >>>= is one operator. */
    {
        const struct tok w2[] = {{KW("#"), 1}, {PLG_TOK_IDENT, 1}, {KW(">>>="), 1},
                                 {PLG_TOK_NUMBER, 1}, {0, 0}};

        expect(PLG_LANG_JAVA, "#x >>>= 2", w2);
    }
}

static void python_strings_and_newlines(void **state)
{
    const char *src = "def f(a,\n      b):  # comment\n"
                      "    s = '''x\n y''' + rb'\\''\n"
                      "    return a ** b \\\n      + f\"{a}\"\n";
    const struct tok want[] = {
        {KW("def"), 1},       {PLG_TOK_IDENT, 1},   {KW("("), 1},         {PLG_TOK_IDENT, 1},
        {KW(","), 1},         {PLG_TOK_IDENT, 2},   {KW(")"), 2},         {KW(":"), 2},
        {PLG_TOK_NEWLINE, 2}, {PLG_TOK_IDENT, 3},   {KW("="), 3},         {PLG_TOK_STRING, 3},
        {KW("+"), 4},         {PLG_TOK_STRING, 4},  {PLG_TOK_NEWLINE, 4}, {KW("return"), 5},
        {PLG_TOK_IDENT, 5},   {KW("**"), 5},        {PLG_TOK_IDENT, 5},   {KW("+"), 6},
        {PLG_TOK_STRING, 6},  {PLG_TOK_NEWLINE, 6}, {0, 0}};

    expect(PLG_LANG_PYTHON, src, want);
}

static void unterminated_constructs_end_cleanly(void **state)
{
    const struct tok c1[] = {{PLG_TOK_IDENT, 1}, {0, 0}};
    const struct tok c2[] = {{PLG_TOK_STRING, 1}, {PLG_TOK_IDENT, 2}, {0, 0}};
    const struct tok p1[] = {{PLG_TOK_IDENT, 1}, {KW("="), 1}, {PLG_TOK_STRING, 1}, {0, 0}};

    expect(PLG_LANG_C, "x /* never closed\n int y;", c1);
    expect(PLG_LANG_C, "\"open\nnext", c2);
    expect(PLG_LANG_PYTHON, "x = \"\"\"never\nclosed", p1);
    expect(PLG_LANG_JAVA, "\"\"\"\nnever closed", (const struct tok[]){{PLG_TOK_STRING, 1}, {0, 0}});
    expect(PLG_LANG_CPP, "#define X \\", (const struct tok[]){{0, 0}});
    expect(PLG_LANG_C, "'", (const struct tok[]){{PLG_TOK_CHAR, 1}, {0, 0}});
}

static void identifiers_normalize_keywords_do_not(void **state)
{
    const char *a = "for (int i = 0; i < n; i++) s += v[i];";
    const char *b = "for (int idx = 7; idx < count; idx++) total += data[idx];";
    const char *c = "while (int i = 0; i < n; i++) s += v[i];";
    struct plg_tokens ta, tb, tc;

    plg_tokens_init(&ta);
    plg_tokens_init(&tb);
    plg_tokens_init(&tc);
    assert_int_equal(plg_tokenize(&ta, PLG_LANG_C, a, strlen(a)), 0);
    assert_int_equal(plg_tokenize(&tb, PLG_LANG_C, b, strlen(b)), 0);
    assert_int_equal(plg_tokenize(&tc, PLG_LANG_C, c, strlen(c)), 0);
    assert_int_equal(ta.len, tb.len);
    for (size_t i = 0; i < ta.len; i++)
        assert_int_equal(ta.v[i].kind, tb.v[i].kind);
    assert_int_not_equal(ta.v[0].kind, tc.v[0].kind);
    plg_tokens_release(&ta);
    plg_tokens_release(&tb);
    plg_tokens_release(&tc);
}

static void spellings_are_distinct(void **state)
{
    static const char *s[] = {
        "if", "else", "for", "while", "do", "return", "int", "long", "char", "void", "struct",
        "class", "def", "lambda", "import", "(", ")", "{", "}", "[", "]", ";", ",", ".", "+",
        "-", "*", "/", "%", "=", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "&", "|",
        "^", "~", "<<", ">>", ">>>", "+=", "-=", "*=", "/=", "++", "--", "->", "::", "?", ":",
        "**", "//", "@", "...", "<=>", ">>>=", "%=", "&=", "|=", "^=", "<<=", ">>="};
    size_t n = sizeof(s) / sizeof(s[0]);

    for (size_t i = 0; i < n; i++) {
        assert_true(KW(s[i]) > PLG_TOK_NEWLINE);
        for (size_t j = i + 1; j < n; j++)
            if (KW(s[i]) == KW(s[j]))
                fail_msg("'%s' and '%s' share a kind", s[i], s[j]);
    }
}

static void crlf_and_lone_cr_count_lines(void **state)
{
    const struct tok want[] = {{PLG_TOK_IDENT, 1}, {PLG_TOK_IDENT, 2}, {PLG_TOK_IDENT, 3},
                               {PLG_TOK_IDENT, 4}, {0, 0}};

    expect(PLG_LANG_C, "a\r\nb\rc\nd", want);
    expect(PLG_LANG_PYTHON, "a\r\n", (const struct tok[]){{PLG_TOK_IDENT, 1},
                                                          {PLG_TOK_NEWLINE, 1}, {0, 0}});
}

static void hostile_bytes(void **state)
{
    const char bin[] = "int\0x\xff\xfe = \x80\x81; \x01\x02 \xEF\xBB\xBF";
    char buf[4096];
    uint32_t seed = 12345;

    assert_true(count(PLG_LANG_C, bin, sizeof(bin) - 1) > 0);
    /* A byte order mark is not a token. */
    assert_int_equal(count(PLG_LANG_JAVA, "\xEF\xBB\xBFx", 4), 1);
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)(seed >> 16);
        }
        for (int l = 0; l < 4; l++)
            count((enum plg_lang)l, buf, sizeof(buf));
    }
}

/* 10 MB of each language's worst: linear time, no crash. */
static void ten_megabytes(void **state)
{
    static const char *unit[] = {"a = b + c; /* x */ \"s\\\"\" // c\n",
                                 "R\"abc(  )ab\" u8'x' 1'2'3 #if\n",
                                 "x = '''a''' + r\"b\" # c\n\\\n",
                                 "\"\"\" text \\\"\"\" \n@A int[] v = {1, 2};\n"};
    size_t size = 10u * 1024 * 1024;
    char *src = malloc(size);

    assert_non_null(src);
    for (int l = 0; l < 4; l++) {
        size_t ul = strlen(unit[l]);
        int64_t t0;

        for (size_t i = 0; i < size; i++)
            src[i] = unit[l][i % ul];
        t0 = gv_time_mono_ms();
        assert_true(count((enum plg_lang)l, src, size) > 0);
        /* Generous for a sanitizer build; a quadratic pass takes hours. */
        assert_true(gv_time_mono_ms() - t0 < 20000);
    }
    /* Unterminated at the start: one pass to the end, not one per byte. */
    memset(src, '"', size);
    for (int l = 0; l < 4; l++)
        count((enum plg_lang)l, src, size);
    memset(src, '/', size);
    src[1] = '*';
    count(PLG_LANG_CPP, src, size);
    free(src);
}

static void languages_by_id(void **state)
{
    enum plg_lang l;

    assert_int_equal(plg_lang_parse(&l, "cpp"), 0);
    assert_int_equal(l, PLG_LANG_CPP);
    assert_string_equal(plg_lang_id(PLG_LANG_PYTHON), "python");
    assert_int_equal(plg_lang_parse(&l, "rust"), GV_EINVAL);
    assert_int_equal(plg_lang_parse(&l, NULL), GV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c_classes_and_lines),
        cmocka_unit_test(declarations_are_normalized),
        cmocka_unit_test(cpp_raw_strings_and_separators),
        cmocka_unit_test(java_text_blocks_and_annotations),
        cmocka_unit_test(python_strings_and_newlines),
        cmocka_unit_test(unterminated_constructs_end_cleanly),
        cmocka_unit_test(identifiers_normalize_keywords_do_not),
        cmocka_unit_test(spellings_are_distinct),
        cmocka_unit_test(crlf_and_lone_cr_count_lines),
        cmocka_unit_test(hostile_bytes),
        cmocka_unit_test(ten_megabytes),
        cmocka_unit_test(languages_by_id),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
