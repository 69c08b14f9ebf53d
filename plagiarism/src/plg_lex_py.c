/* SPDX-License-Identifier: MIT
 * plg_lex_py.c - the Python tokenizer.
 *
 * Python has no ';' to mark where a statement ends: the end of a logical
 * line does (outside brackets, not after a backslash). It becomes a token,
 * PLG_TOK_NEWLINE, so that statements stay delimited as they are in C;
 * indentation itself is layout and is dropped. */
#include "plg_internal.h"

#include <string.h>

#include "banned.h"

static const char *const ops_py[] = {"**=", "//=", ">>=", "<<=", "...", "**", "//", "<<", ">>",
                                     "<=", ">=", "==", "!=", "->", "+=", "-=", "*=", "/=", "%=",
                                     "&=", "|=", "^=", "@=", ":=", NULL};

/* A string literal whose quote is at lx->i: '...', "...", '''...''' or
 * """...""". Backslashes escape the next byte even in raw strings (r"\"" is
 * one string). A single-quoted one that is unterminated ends at its line's
 * end, a triple-quoted one at the end of the input. */
static void string(struct plg__lex *lx)
{
    const unsigned char *s = lx->s;
    unsigned char q = s[lx->i];
    uint32_t line = lx->line;
    bool triple = lx->n - lx->i >= 3 && s[lx->i + 1] == q && s[lx->i + 2] == q;
    size_t i = lx->i + (triple ? 3 : 1);

    while (i < lx->n) {
        size_t e = plg__eol(lx, i);

        if (s[i] == '\\' && i + 1 < lx->n) {
            e = plg__eol(lx, i + 1);
            if (e)
                lx->line++;
            i += 1 + (e ? e : 1);
        } else if (e) {
            if (!triple)
                break;
            lx->line++;
            i += e;
        } else if (s[i] == q && (!triple || (lx->n - i >= 3 && s[i + 1] == q && s[i + 2] == q))) {
            i += triple ? 3 : 1;
            plg__emit(lx, PLG_TOK_STRING, line);
            lx->i = i;
            return;
        } else {
            i++;
        }
    }
    plg__emit(lx, PLG_TOK_STRING, line);
    lx->i = i;
}

/* True when [start, end) is a string prefix: any mix of r, b, f, u, t
 * (either case), at most two letters. */
static bool string_prefix(const unsigned char *p, size_t len)
{
    if (len > 2)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("rRbBfFuUtT", p[i]) || !p[i])
            return false;
    return true;
}

int plg__lex_python(struct plg__lex *lx)
{
    int depth = 0; /* open brackets: line ends inside them are layout */

    while (lx->i < lx->n) {
        unsigned char c = lx->s[lx->i];
        size_t e = plg__eol(lx, lx->i);

        if (e) {
            struct plg_tokens *t = lx->out;

            if (depth == 0 && t->len && t->v[t->len - 1].kind != PLG_TOK_NEWLINE)
                plg__emit(lx, PLG_TOK_NEWLINE, lx->line);
            lx->line++;
            lx->i += e;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || c < 0x20 || c == 0x7f) {
            lx->i++;
        } else if (c == '#') {
            while (lx->i < lx->n && !plg__eol(lx, lx->i))
                lx->i++;
        } else if (c == '\\' && (e = plg__eol(lx, lx->i + 1))) {
            lx->line++;
            lx->i += 1 + e;
        } else if (plg__ident_start(c) && c != '$') {
            size_t start = lx->i;

            while (lx->i < lx->n && plg__ident_char(lx->s[lx->i]) && lx->s[lx->i] != '$')
                lx->i++;
            if (lx->i < lx->n && (lx->s[lx->i] == '"' || lx->s[lx->i] == '\'') &&
                string_prefix(lx->s + start, lx->i - start))
                string(lx);
            else if (plg__keyword(PLG_LANG_PYTHON, lx->s + start, lx->i - start))
                plg__emit(lx, plg_kind_of((const char *)lx->s + start, lx->i - start), lx->line);
            else
                plg__emit(lx, PLG_TOK_IDENT, lx->line);
        } else if (plg__digit(c) ||
                   (c == '.' && lx->i + 1 < lx->n && plg__digit(lx->s[lx->i + 1]))) {
            plg__number(lx, false);
        } else if (c == '"' || c == '\'') {
            string(lx);
        } else {
            size_t len = plg__op_len(lx, ops_py);

            if (c == '(' || c == '[' || c == '{')
                depth++;
            else if ((c == ')' || c == ']' || c == '}') && depth > 0)
                depth--;
            plg__emit(lx, plg_kind_of((const char *)lx->s + lx->i, len), lx->line);
            lx->i += len;
        }
    }
    return lx->err;
}
