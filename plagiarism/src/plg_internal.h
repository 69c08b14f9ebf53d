/* SPDX-License-Identifier: MIT
 * plg_internal.h - what the plagiarism module's files share and nobody else
 * sees: the scanner state of the tokenizers and its small helpers. */
#ifndef PLG_INTERNAL_H
#define PLG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plg.h"

/* One pass over a source. `err` latches the first failure (out of memory):
 * the scanners then run to the end without appending, which keeps their
 * loops free of error paths. */
struct plg__lex {
    const unsigned char *s;
    size_t n;
    size_t i;
    uint32_t line;
    struct plg_tokens *out;
    int err;
};

void plg__emit(struct plg__lex *lx, uint32_t kind, uint32_t line);

/* The length of the line terminator at `i` ("\n", "\r\n" or a lone "\r"),
 * 0 when there is none. A lone CR counts as a line end, as old Mac editors
 * wrote it, so that line numbers match what an editor shows. */
static inline size_t plg__eol(const struct plg__lex *lx, size_t i)
{
    if (i >= lx->n)
        return 0;
    if (lx->s[i] == '\n')
        return 1;
    if (lx->s[i] == '\r')
        return i + 1 < lx->n && lx->s[i + 1] == '\n' ? 2 : 1;
    return 0;
}

static inline bool plg__ident_start(unsigned char c)
{
    /* Bytes >= 0x80 are parts of UTF-8 identifiers (Java, Python, C++23);
     * treating every such byte alike also makes invalid UTF-8 harmless. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}

static inline bool plg__ident_char(unsigned char c)
{
    return plg__ident_start(c) || (c >= '0' && c <= '9');
}

static inline bool plg__digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Scans a pp-number from lx->i on (C, C++, Java and Python numbers are all
 * within its shape) and emits PLG_TOK_NUMBER. */
void plg__number(struct plg__lex *lx, bool digit_quotes);

/* The length of the operator or punctuator at lx->i, longest match first,
 * from `ops` (NULL-terminated, longest first); 1 when none matches. */
size_t plg__op_len(const struct plg__lex *lx, const char *const *ops);

/* True when s[0..len) is one of the language's keywords. */
bool plg__keyword(enum plg_lang lang, const unsigned char *s, size_t len);

int plg__lex_c_family(struct plg__lex *lx, enum plg_lang lang);
int plg__lex_python(struct plg__lex *lx);

#endif
