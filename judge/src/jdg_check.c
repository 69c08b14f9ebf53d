/* SPDX-License-Identifier: MIT
 * jdg_check.c - the default output checker, after the Kattis default output
 * validator: token by token, case- and whitespace-insensitive unless the
 * flags say otherwise, numbers compared with a tolerance when one is set.
 *
 * Both inputs are untrusted bytes of known length: nothing here relies on
 * a terminating NUL, and a NUL inside a token is just another byte. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "jdg.h"
#include "banned.h"

/* How much of a token a message shows: enough to recognise it, short
 * enough that both tokens of "expected X, got Y" fit a 256-byte message. */
#define SHOW_MAX 48
/* Numbers shorter than this are parsed from a stack copy. */
#define NUM_STACK 128

void jdg_check_flags_init(struct jdg_check_flags *f)
{
    f->case_sensitive = false;
    f->space_change_sensitive = false;
    f->float_abs_tol = -1;
    f->float_rel_tol = -1;
}

/* The C locale's isspace, whatever the process locale is. */
static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    size_t m = strlen(lit);

    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)w[i]) != (unsigned char)lit[i])
            return false;
    }
    return true;
}

/* Accepts exactly: [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
 * and [+-]? (inf | infinity | nan), any case. strtod alone would also take
 * hex floats, "nan(...)" and leading blanks, none of which a contest answer
 * means as a number. Returns 1 (a number), 0 (not one), -ENOMEM. */
static int parse_number(const char *s, size_t n, double *out)
{
    char stack[NUM_STACK], *copy = stack, *end;
    size_t i = 0, digits = 0;
    bool neg = false;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (word_is(s + i, n - i, "inf") || word_is(s + i, n - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (word_is(s + i, n - i, "nan")) {
        *out = NAN;
        return 1;
    }
    while (i < n && is_digit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit((unsigned char)s[i])) {
            i++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;

        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_digit((unsigned char)s[i])) {
            i++;
            exp_digits++;
        }
        if (!exp_digits)
            return 0;
    }
    if (i != n)
        return 0;
    /* A valid number can be any length ("0.000…0001"); strtod needs a NUL.
     * The process never calls setlocale, so '.' is the decimal point. */
    if (n >= sizeof(stack)) {
        copy = gv_malloc(n + 1);
        if (!copy)
            return -ENOMEM;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    *out = strtod(copy, &end);
    if (copy != stack)
        gv_free(copy);
    return 1;
}

/* Absolute OR relative error within its bound. A difference exactly on
 * the bound as written in decimal ("0.4" vs "0.3" with 0.1) is accepted:
 * parsing each of the three numbers rounds, so the bound gets a slack of
 * a few units in the last place of the magnitudes involved. Non-finite
 * values only match themselves. */
static bool numbers_close(double want, double got, const struct jdg_check_flags *f)
{
    double diff, mag;

    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return want == got;
    diff = fabs(want - got);
    mag = fmax(fabs(want), fabs(got));
    if (f->float_abs_tol >= 0 &&
        diff <= f->float_abs_tol + 2 * DBL_EPSILON * (mag + f->float_abs_tol))
        return true;
    if (f->float_rel_tol >= 0) {
        double bound = f->float_rel_tol * fabs(want);

        if (diff <= bound + 2 * DBL_EPSILON * (mag + bound))
            return true;
    }
    return false;
}

static bool tokens_equal(const char *a, size_t an, const char *b, size_t bn, bool case_sensitive)
{
    if (an != bn)
        return false;
    if (case_sensitive)
        return !memcmp(a, b, an);
    for (size_t i = 0; i < an; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    }
    return true;
}

/* Renders a token for the jury: printable ASCII as is, anything else
 * (NUL, control bytes, UTF-8) as \xNN or \n, cut with "..." past SHOW_MAX. */
static void show(char *dst, size_t dst_len, const char *s, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t k;

        if (c == '\n')
            k = (size_t)snprintf(esc, sizeof(esc), "\\n");
        else if (c == '\t')
            k = (size_t)snprintf(esc, sizeof(esc), "\\t");
        else if (c == '\r')
            k = (size_t)snprintf(esc, sizeof(esc), "\\r");
        else if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
            k = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
        else
            k = (size_t)snprintf(esc, sizeof(esc), "%c", c);
        if (o + k > SHOW_MAX || o + k + 4 > dst_len) {
            if (o + 4 <= dst_len) {
                memcpy(dst + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(dst + o, esc, k);
        o += k;
    }
    dst[o] = '\0';
}

struct cursor {
    const char *p;
    size_t len;
    size_t pos;
};

static void span(struct cursor *c, bool spaces, const char **start, size_t *n)
{
    size_t from = c->pos;

    while (c->pos < c->len && is_space((unsigned char)c->p[c->pos]) == spaces)
        c->pos++;
    *start = c->p + from;
    *n = c->pos - from;
}

enum why { WHY_SPACE, WHY_EXTRA, WHY_MISSING, WHY_NOT_NUMBER, WHY_TOO_FAR, WHY_DIFFER };

static enum jdg_verdict wrong(char *msg, size_t msg_len, enum why why, size_t idx, const char *want,
                              size_t wn, const char *got, size_t gn)
{
    char w[SHOW_MAX + 4], g[SHOW_MAX + 4];

    if (!msg || !msg_len)
        return JDG_WA;
    show(w, sizeof(w), want, wn);
    show(g, sizeof(g), got, gn);
    switch (why) {
    case WHY_SPACE:
        snprintf(msg, msg_len, "whitespace before token %zu: expected '%s', got '%s'", idx, w, g);
        break;
    case WHY_EXTRA:
        snprintf(msg, msg_len, "token %zu: expected end of output, got '%s'", idx, g);
        break;
    case WHY_MISSING:
        snprintf(msg, msg_len, "token %zu: expected '%s', got end of output", idx, w);
        break;
    case WHY_NOT_NUMBER:
        snprintf(msg, msg_len, "token %zu: expected the number '%s', got '%s'", idx, w, g);
        break;
    case WHY_TOO_FAR:
        snprintf(msg, msg_len, "token %zu: expected '%s', got '%s' (beyond tolerance)", idx, w, g);
        break;
    case WHY_DIFFER:
        snprintf(msg, msg_len, "token %zu: expected '%s', got '%s'", idx, w, g);
        break;
    }
    return JDG_WA;
}

enum jdg_verdict jdg_check_default(const struct jdg_check_flags *f, const char *answer,
                                   size_t answer_len, const char *output, size_t output_len,
                                   char *msg, size_t msg_len)
{
    struct cursor a = {answer ? answer : "", answer ? answer_len : 0, 0};
    struct cursor o = {output ? output : "", output ? output_len : 0, 0};
    bool numeric = f->float_abs_tol >= 0 || f->float_rel_tol >= 0;
    size_t idx = 0;

    if (msg && msg_len)
        msg[0] = '\0';
    for (;;) {
        const char *as, *os;
        size_t an, on;
        double want, got;
        int r;

        /* Kattis compares the whitespace itself, leading and trailing runs
         * included, when changes in it are to be rejected. */
        span(&a, true, &as, &an);
        span(&o, true, &os, &on);
        if (f->space_change_sensitive && (an != on || memcmp(as, os, an)))
            return wrong(msg, msg_len, WHY_SPACE, idx + 1, as, an, os, on);
        span(&a, false, &as, &an);
        span(&o, false, &os, &on);
        idx++;
        if (!an && !on)
            return JDG_AC;
        if (!an)
            return wrong(msg, msg_len, WHY_EXTRA, idx, as, an, os, on);
        if (!on)
            return wrong(msg, msg_len, WHY_MISSING, idx, as, an, os, on);
        r = numeric ? parse_number(as, an, &want) : 0;
        if (r == 1) {
            r = parse_number(os, on, &got);
            if (r == 0)
                return wrong(msg, msg_len, WHY_NOT_NUMBER, idx, as, an, os, on);
            if (r == 1 && !numbers_close(want, got, f))
                return wrong(msg, msg_len, WHY_TOO_FAR, idx, as, an, os, on);
        }
        if (r < 0) {
            /* Not the contestant's fault; the judging says so. */
            if (msg && msg_len)
                snprintf(msg, msg_len, "token %zu: out of memory parsing a number", idx);
            return JDG_JE;
        }
        if (r == 0 && !tokens_equal(as, an, os, on, f->case_sensitive))
            return wrong(msg, msg_len, WHY_DIFFER, idx, as, an, os, on);
    }
}

/* Flags are parsed word by word from the NUL-terminated string. */
static const char *next_word(const char **p, size_t *n)
{
    const char *s = *p, *start;

    while (*s && is_space((unsigned char)*s))
        s++;
    start = s;
    while (*s && !is_space((unsigned char)*s))
        s++;
    *p = s;
    *n = (size_t)(s - start);
    return *n ? start : NULL;
}

static int parse_tol(double *out, const char *flag, const char **p, char *msg, size_t msg_len)
{
    const char *w;
    size_t n;
    double v;

    w = next_word(p, &n);
    if (!w) {
        snprintf(msg, msg_len, "%s needs a value", flag);
        return GV_EPARSE;
    }
    /* Tolerances are short: the length check keeps parse_number off the heap. */
    if (n > 64 || parse_number(w, n, &v) != 1 || !isfinite(v) || v < 0) {
        snprintf(msg, msg_len, "%s: '%.*s' is not a finite number >= 0", flag,
                 (int)(n < 40 ? n : 40), w);
        return GV_EPARSE;
    }
    *out = v;
    return 0;
}

int jdg_check_flags_parse(struct jdg_check_flags *out, const char *flags, char *msg, size_t msg_len)
{
    struct jdg_check_flags f;
    const char *p = flags ? flags : "", *w;
    char scratch[1];
    size_t n;
    int err;

    if (!msg || !msg_len) {
        msg = scratch;
        msg_len = sizeof(scratch);
    }
    msg[0] = '\0';
    jdg_check_flags_init(&f);
    while ((w = next_word(&p, &n))) {
        double tol;

        if (n == 14 && !memcmp(w, "case_sensitive", n)) {
            f.case_sensitive = true;
        } else if (n == 22 && !memcmp(w, "space_change_sensitive", n)) {
            f.space_change_sensitive = true;
        } else if (n == 15 && !memcmp(w, "float_tolerance", n)) {
            if ((err = parse_tol(&tol, "float_tolerance", &p, msg, msg_len)) < 0)
                return err;
            f.float_abs_tol = f.float_rel_tol = tol;
        } else if (n == 24 && !memcmp(w, "float_absolute_tolerance", n)) {
            if ((err = parse_tol(&f.float_abs_tol, "float_absolute_tolerance", &p, msg, msg_len)) <
                0)
                return err;
        } else if (n == 24 && !memcmp(w, "float_relative_tolerance", n)) {
            if ((err = parse_tol(&f.float_rel_tol, "float_relative_tolerance", &p, msg, msg_len)) <
                0)
                return err;
        } else {
            snprintf(msg, msg_len, "unknown validator flag '%.*s'", (int)(n < 40 ? n : 40), w);
            return GV_EPARSE;
        }
    }
    *out = f;
    return 0;
}
