/* SPDX-License-Identifier: MIT
 * test_jdg_latex.c - the LaTeX statement converter (jdg_latex.c) keeps the
 * words, turns the commands statements use into Markdown, drops what is
 * not text, and never fails on broken input. */
#include "../test.h"

#include <string.h>

#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "jdg_internal.h"

/* The Markdown for `tex`, NUL-terminated; the caller gv_frees it. */
static char *convert(const char *tex)
{
    struct gv_buf b;
    size_t len;

    gv_buf_init(&b, 1 << 20);
    assert_int_equal(jdg__tex_to_md(&b, tex, strlen(tex)), 0);
    return gv_buf_detach(&b, &len);
}

static void statement_becomes_markdown(void **state)
{
    char *md = convert("\\problemname{Sum of \\textbf{Two}}\n"
                       "% a comment that vanishes\n"
                       "Given $a$ and $b$, print $a+b$; 50\\% of the tests have $$a \\le 10.$$\n"
                       "\\begin{itemize}\n  \\item first \\emph{one}\n  \\item second\n"
                       "\\end{itemize}\n"
                       "\\section*{Input}\n    Two integers~$a, b$.\n"
                       "\\illustration{0.3}{pic.png}{A picture}\n"
                       "\\begin{verbatim}\n{raw} \\text\n\\end{verbatim}\n");

    assert_non_null(strstr(md, "# Sum of **Two**\n"));
    assert_null(strstr(md, "comment"));
    assert_non_null(strstr(md, "Given $a$ and $b$, print $a+b$; 50% of the tests "
                               "have $$a \\le 10.$$"));
    assert_non_null(strstr(md, "\n- first *one*"));
    assert_non_null(strstr(md, "\n- second"));
    assert_non_null(strstr(md, "\n## Input\n"));
    assert_non_null(strstr(md, "\nTwo integers $a, b$."));
    assert_null(strstr(md, "pic.png"));
    assert_null(strstr(md, "0.3"));
    assert_non_null(strstr(md, "```\n\n{raw} \\text\n\n```"));
    gv_free(md);
}

static void enumerate_nests_and_unknown_commands_keep_their_text(void **state)
{
    char *md = convert("\\begin{enumerate}\\item one\\begin{itemize}\\item inner\\end{itemize}"
                       "\\end{enumerate}\\foo{kept} \\ldots");

    assert_non_null(strstr(md, "\n1. one"));
    assert_non_null(strstr(md, "\n  - inner"));
    assert_non_null(strstr(md, "kept"));
    assert_non_null(strstr(md, "..."));
    gv_free(md);
}

static void garbage_is_survived(void **state)
{
    static const char *const inputs[] = {"}}}}{{{{", "\\",        "$",      "$$x",
                                         "\\begin{", "\\textbf{", "\\item", "\\begin{verbatim}abc",
                                         "\\\\\\",   "%"};
    struct gv_buf b;

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        gv_buf_init(&b, 1 << 20);
        assert_int_equal(jdg__tex_to_md(&b, inputs[i], strlen(inputs[i])), 0);
        gv_buf_release(&b);
    }
    /* Deep nesting past the converter's stack. */
    {
        char deep[400];

        memset(deep, '{', 200);
        memset(deep + 200, '}', 200);
        gv_buf_init(&b, 1 << 20);
        assert_int_equal(jdg__tex_to_md(&b, deep, sizeof(deep)), 0);
        gv_buf_release(&b);
    }
}

static void output_past_the_ceiling_is_refused(void **state)
{
    struct gv_buf b;

    gv_buf_init(&b, 8);
    assert_int_equal(jdg__tex_to_md(&b, "\\section{a long enough title}", 29), GV_ETOOBIG);
    gv_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statement_becomes_markdown),
        cmocka_unit_test(enumerate_nests_and_unknown_commands_keep_their_text),
        cmocka_unit_test(garbage_is_survived),
        cmocka_unit_test(output_past_the_ceiling_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
