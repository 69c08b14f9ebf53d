/* SPDX-License-Identifier: MIT
 * jdg_latex.c - a LaTeX problem statement as readable Markdown (see
 * jdg__tex_to_md in jdg_internal.h).
 *
 * Not a TeX engine: one pass over the text that knows the handful of
 * commands and environments problem statements use and keeps the words of
 * everything else. Braces nest on a bounded stack and the output is a
 * gv_buf with a ceiling, so no statement, however broken, can make it fail
 * other than by being too large. */
#include "jdg_internal.h"

#include <stdbool.h>
#include <string.h>

#include "banned.h"

/* Commands whose {argument} becomes Markdown around its text. */
static const struct {
    const char *cmd, *open, *close;
} wraps[] = {
    {"problemname", "# ", "\n"},
    {"section", "\n## ", "\n"},
    {"section*", "\n## ", "\n"},
    {"subsection", "\n### ", "\n"},
    {"subsection*", "\n### ", "\n"},
    {"paragraph", "\n**", "** "},
    {"textbf", "**", "**"},
    {"emph", "*", "*"},
    {"textit", "*", "*"},
    {"texttt", "`", "`"},
    {"url", "<", ">"},
};

/* Commands whose arguments are not text for the reader. */
static const char *const dropped[] = {"includegraphics", "illustration", "label",     "ref", "cite",
                                      "vspace",          "hspace",       "newcommand"};

#define TEX_DEPTH 64

struct tex {
    struct gv_buf *out;
    const char *s;
    size_t len, i;
    const char *closes[TEX_DEPTH]; /* what each open brace emits when closed */
    int depth, overflow;           /* braces past TEX_DEPTH only count */
    char lists[8];                 /* 'i' itemize, 'e' enumerate */
    int nlists;
    int err;
};

static void put(struct tex *t, const char *s, size_t n)
{
    if (t->err)
        return;
    t->err = gv_buf_append(t->out, s, n);
}

static void puts_(struct tex *t, const char *s)
{
    put(t, s, strlen(s));
}

static void push(struct tex *t, const char *close)
{
    if (t->depth == TEX_DEPTH) {
        t->overflow++;
        return;
    }
    t->closes[t->depth++] = close;
}

static void pop(struct tex *t)
{
    const char *c;

    if (t->overflow) {
        t->overflow--;
        return;
    }
    if (!t->depth)
        return; /* an unbalanced '}' is the author's typo, not ours to fail */
    c = t->closes[--t->depth];
    if (c)
        puts_(t, c);
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void skip_blanks(struct tex *t)
{
    while (t->i < t->len && (t->s[t->i] == ' ' || t->s[t->i] == '\t' || t->s[t->i] == '\n'))
        t->i++;
}

/* Skips [options] after a command. */
static void skip_options(struct tex *t)
{
    size_t j = t->i;

    while (j < t->len && (t->s[j] == ' ' || t->s[j] == '\t'))
        j++;
    if (j < t->len && t->s[j] == '[') {
        while (j < t->len && t->s[j] != ']')
            j++;
        t->i = j < t->len ? j + 1 : j;
    }
}

/* Reads {name} for \begin and \end; false if there is none. */
static bool env_name(struct tex *t, char *name, size_t size)
{
    size_t n = 0;

    skip_blanks(t);
    if (t->i >= t->len || t->s[t->i] != '{')
        return false;
    t->i++;
    while (t->i < t->len && t->s[t->i] != '}') {
        if (n + 1 < size)
            name[n++] = t->s[t->i];
        t->i++;
    }
    name[n] = '\0';
    if (t->i < t->len)
        t->i++;
    return true;
}

static void begin_end(struct tex *t, bool begin)
{
    static const char end_verbatim[] = "\\end{verbatim}";
    char env[32];

    if (!env_name(t, env, sizeof(env)))
        return;
    if (!strcmp(env, "itemize") || !strcmp(env, "enumerate")) {
        if (begin && t->nlists < (int)sizeof(t->lists))
            t->lists[t->nlists++] = env[0];
        else if (!begin && t->nlists > 0)
            t->nlists--;
        puts_(t, "\n");
    } else if (begin && !strcmp(env, "verbatim")) {
        const char *end =
            memmem(t->s + t->i, t->len - t->i, end_verbatim, sizeof(end_verbatim) - 1);
        size_t stop = end ? (size_t)(end - t->s) : t->len;

        puts_(t, "\n```\n");
        put(t, t->s + t->i, stop - t->i);
        puts_(t, "\n```\n");
        t->i = end ? stop + sizeof(end_verbatim) - 1 : stop;
    }
    /* Other environments (center, figure, tabular) lose their markers and
     * keep their text. */
}

static void command(struct tex *t)
{
    char name[32];
    size_t n = 0;

    while (t->i < t->len && is_alpha(t->s[t->i])) {
        if (n + 1 < sizeof(name))
            name[n++] = t->s[t->i];
        t->i++;
    }
    if (t->i < t->len && t->s[t->i] == '*' && n + 1 < sizeof(name)) {
        name[n++] = '*';
        t->i++;
    }
    name[n] = '\0';
    if (!strcmp(name, "begin") || !strcmp(name, "end")) {
        begin_end(t, name[0] == 'b');
        return;
    }
    if (!strcmp(name, "item")) {
        skip_options(t);
        puts_(t, "\n");
        for (int l = 1; l < t->nlists; l++)
            puts_(t, "  ");
        puts_(t, t->nlists && t->lists[t->nlists - 1] == 'e' ? "1. " : "- ");
        skip_blanks(t);
        return;
    }
    if (!strcmp(name, "ldots") || !strcmp(name, "dots")) {
        puts_(t, "...");
        return;
    }
    for (size_t w = 0; w < sizeof(wraps) / sizeof(wraps[0]); w++) {
        if (strcmp(name, wraps[w].cmd))
            continue;
        skip_options(t);
        skip_blanks(t);
        if (t->i < t->len && t->s[t->i] == '{') {
            t->i++;
            puts_(t, wraps[w].open);
            push(t, wraps[w].close);
        }
        return;
    }
    for (size_t d = 0; d < sizeof(dropped) / sizeof(dropped[0]); d++) {
        if (strcmp(name, dropped[d]))
            continue;
        /* Every {argument}: \illustration{width}{file}{caption}. */
        for (;;) {
            int level = 0;

            skip_options(t);
            if (t->i >= t->len || t->s[t->i] != '{')
                break;
            do {
                if (t->s[t->i] == '\\')
                    t->i++;
                else if (t->s[t->i] == '{')
                    level++;
                else if (t->s[t->i] == '}')
                    level--;
                t->i++;
            } while (t->i < t->len && level > 0);
        }
        return;
    }
    /* Unknown: the command goes, its {argument} stays as text. A control
     * word eats the blanks after it, as in TeX. */
    skip_options(t);
    while (t->i < t->len && (t->s[t->i] == ' ' || t->s[t->i] == '\t'))
        t->i++;
}

/* $...$ and $$...$$ go through as written. */
static void math(struct tex *t)
{
    size_t start = t->i, delim = 1, j;

    if (t->i + 1 < t->len && t->s[t->i + 1] == '$')
        delim = 2;
    for (j = t->i + delim; j < t->len; j++) {
        if (t->s[j] == '\\') {
            j++;
            continue;
        }
        if (t->s[j] == '$' && (delim == 1 || (j + 1 < t->len && t->s[j + 1] == '$')))
            break;
    }
    j = j < t->len ? j + delim : t->len;
    if (j > t->len)
        j = t->len;
    put(t, t->s + start, j - start);
    t->i = j;
}

int jdg__tex_to_md(struct gv_buf *out, const char *tex, size_t len)
{
    struct tex t;

    memset(&t, 0, sizeof(t));
    t.out = out;
    t.s = tex;
    t.len = len;
    while (t.i < t.len && !t.err) {
        char c = t.s[t.i];

        if (c == '$') {
            math(&t);
        } else if (c == '%') {
            while (t.i < t.len && t.s[t.i] != '\n')
                t.i++;
        } else if (c == '{') {
            t.i++;
            push(&t, NULL);
        } else if (c == '}') {
            t.i++;
            pop(&t);
        } else if (c == '~') {
            t.i++;
            puts_(&t, " ");
        } else if (c == '\\' && t.i + 1 < t.len && is_alpha(t.s[t.i + 1])) {
            t.i++;
            command(&t);
        } else if (c == '\\' && t.i + 1 < t.len) {
            char e = t.s[t.i + 1];

            t.i += 2;
            if (e == '\\')
                puts_(&t, "  \n");
            else if (e && strchr("{}%$&#_", e))
                put(&t, &e, 1);
            else if (e == ',' || e == ' ')
                puts_(&t, " ");
        } else if ((c == ' ' || c == '\t') &&
                   (!t.out->len || t.out->data[t.out->len - 1] == '\n')) {
            /* Indented source lines would become Markdown code blocks. */
            t.i++;
        } else if ((c == '`' || c == '\'') && t.i + 1 < t.len && t.s[t.i + 1] == c) {
            t.i += 2;
            puts_(&t, "\"");
        } else {
            t.i++;
            put(&t, &c, 1);
        }
    }
    return t.err;
}
