/* SPDX-License-Identifier: MIT
 * cst_rank.c - keys, ranks and stored rows of the incremental board
 * (cst_rank.h). */
#include "cst_rank.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_err.h"
#include "banned.h"

/* Fewer bits than this for the penalty, and the layout refuses the contest. */
#define PENALTY_BITS_MIN 16

int cst_rank_layout_for(struct cst_rank_layout *out, enum cst_scoring scoring, size_t nproblems,
                        int64_t length_ms)
{
    int bits = 1;

    memset(out, 0, sizeof(*out));
    out->scoring = scoring;
    if (scoring == CST_SCORING_IOI)
        return 0; /* the key is the score itself */
    if (nproblems > CST_RANK_SOLVED_MAX || length_ms < 0)
        return -ERANGE;
    while (bits < 63 && (length_ms >> bits) != 0)
        bits++;
    out->last_bits = bits;
    out->penalty_bits = CST_RANK_KEY_BITS - CST_RANK_SOLVED_BITS - bits;
    return out->penalty_bits < PENALTY_BITS_MIN ? -ERANGE : 0;
}

int cst_rank_key(double *out, const struct cst_rank_layout *l, const struct cst_row *row)
{
    uint64_t k;

    if (l->scoring == CST_SCORING_IOI) {
        /* -0.0 would print as "-0": keep the one zero. */
        *out = row->score == 0 ? 0 : -row->score;
        return 0;
    }
    if (row->solved < 0 || row->solved > CST_RANK_SOLVED_MAX || row->penalty_min < 0 ||
        row->last_solved_ms < 0 || (row->penalty_min >> l->penalty_bits) != 0 ||
        (row->last_solved_ms >> l->last_bits) != 0)
        return -ERANGE;
    k = (uint64_t)(CST_RANK_SOLVED_MAX - row->solved) << (l->penalty_bits + l->last_bits);
    k |= (uint64_t)row->penalty_min << l->last_bits;
    /* The minute, not the ms: cst_board_compute ties last solves within
     * one minute (CLICS), and equal keys must be exactly its ties. */
    k |= (uint64_t)(row->last_solved_ms / 60000);
    *out = (double)k; /* exact: k < 2^53 */
    return 0;
}

void cst_rank_window(int *ranks, const double *keys, size_t n, size_t first_pos, size_t better)
{
    for (size_t i = 0; i < n; i++)
        ranks[i] = i == 0 ? (int)better + 1
                   : keys[i] == keys[i - 1] ? ranks[i - 1]
                                            : (int)(first_pos + i) + 1;
}

int cst_rank_row_encode(char *buf, size_t cap, const struct cst_row *row, size_t nproblems)
{
    size_t len;
    int n;

    n = snprintf(buf, cap, "%d %" PRId64 " %" PRId64 " %.17g", row->solved, row->penalty_min,
                 row->last_solved_ms, row->score);
    if (n < 0 || (size_t)n >= cap)
        return GV_ETOOBIG;
    len = (size_t)n;
    for (size_t p = 0; p < nproblems; p++) {
        const struct cst_cell *c = &row->cells[p];

        n = snprintf(buf + len, cap - len, " %d %d %" PRId64 " %.17g", c->tries, c->pending,
                     c->solved ? c->solved_at_ms : (int64_t)-1, c->score);
        if (n < 0 || (size_t)n >= cap - len)
            return GV_ETOOBIG;
        len += (size_t)n;
    }
    return 0;
}

/* Decimal digits of a token, as an integer: the fast path for the fields
 * a row is made of (a window decodes hundreds of rows per request, and
 * strtod alone would cost most of it). False when the token is not
 * [-]digits up to 18 of them, or is not followed by a separator. */
static bool scan_int(int64_t *out, const char **s)
{
    const char *p = *s;
    bool neg = *p == '-';
    int64_t v = 0;
    int digits = 0;

    p += neg;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 18)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (digits == 0 || (*p != ' ' && *p != '\0'))
        return false;
    *out = neg ? -v : v;
    *s = p;
    return true;
}

/* The next integer field of `*s`, advancing past it. */
static bool next_i64(int64_t *out, const char **s, int64_t min, int64_t max)
{
    char *end;
    long long v;

    while (**s == ' ')
        (*s)++;
    if (**s == '\0')
        return false;
    if (scan_int(out, s))
        return *out >= min && *out <= max;
    errno = 0;
    v = strtoll(*s, &end, 10);
    if (errno || end == *s || v < min || v > max || (*end != ' ' && *end != '\0'))
        return false;
    *s = end;
    *out = v;
    return true;
}

static bool next_double(double *out, const char **s)
{
    char *end;
    int64_t i;

    while (**s == ' ')
        (*s)++;
    if (**s == '\0')
        return false;
    /* %.17g writes an integral score below 10^17 as its digits: exact as
     * an integer, and a double holds it exactly when below 2^53. */
    {
        const char *at = *s;
        if (scan_int(&i, s) && i < (1LL << 53) && i > -(1LL << 53) && !(i == 0 && *at == '-')) {
            *out = (double)i;
            return true;
        }
        *s = at; /* "-0", or too large: strtod's answer, bit for bit */
    }
    errno = 0;
    *out = strtod(*s, &end);
    if (errno || end == *s || (*end != ' ' && *end != '\0'))
        return false;
    *s = end;
    return true;
}

int cst_rank_row_decode(struct cst_row *row, size_t nproblems, const char *text)
{
    struct cst_cell *cells = row->cells;
    const char *s = text;
    int64_t solved, tries, pending, at;

    memset(row, 0, sizeof(*row));
    row->cells = cells;
    if (!next_i64(&solved, &s, 0, CST_RANK_SOLVED_MAX) ||
        !next_i64(&row->penalty_min, &s, 0, INT64_MAX) ||
        !next_i64(&row->last_solved_ms, &s, 0, INT64_MAX) || !next_double(&row->score, &s))
        return GV_EINVAL;
    row->solved = (int)solved;
    for (size_t p = 0; p < nproblems; p++) {
        struct cst_cell *c = &cells[p];

        memset(c, 0, sizeof(*c));
        if (!next_i64(&tries, &s, 0, INT32_MAX) || !next_i64(&pending, &s, 0, INT32_MAX) ||
            !next_i64(&at, &s, -1, INT64_MAX) || !next_double(&c->score, &s))
            return GV_EINVAL;
        c->tries = (int)tries;
        c->pending = (int)pending;
        c->solved = at >= 0;
        c->solved_at_ms = at >= 0 ? at : 0;
    }
    return *s == '\0' ? 0 : GV_EINVAL;
}
