/* SPDX-License-Identifier: MIT
 * cst_clics.c - CLICS times, judgement types and the scoreboard object
 * (cst_clics.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cst_clics.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define MS_PER_MIN 60000LL
#define MS_PER_DAY 86400000LL

void cst_clics_reltime(char out[CST_CLICS_RELTIME_MAX], int64_t ms)
{
    /* Negate as unsigned: INT64_MIN has no positive twin. */
    uint64_t u = ms < 0 ? 0 - (uint64_t)ms : (uint64_t)ms;

    snprintf(out, CST_CLICS_RELTIME_MAX, "%s%" PRIu64 ":%02u:%02u.%03u", ms < 0 ? "-" : "",
             u / 3600000, (unsigned)(u / 60000 % 60), (unsigned)(u / 1000 % 60),
             (unsigned)(u % 1000));
}

/* Reads 1..max decimal digits into *v; the number read, 0 when none. */
static size_t digits(int64_t *v, const char *s, size_t max)
{
    size_t n = 0;

    *v = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9') {
        *v = *v * 10 + (s[n] - '0');
        n++;
    }
    return n;
}

/* ".uuu..." at `s`: milliseconds (extra digits truncated); advances *s. */
static int fraction(int64_t *ms, const char **s)
{
    const char *p = *s;
    int64_t v = 0;
    size_t n;

    *ms = 0;
    if (*p != '.')
        return 0;
    p++;
    n = 0;
    while (p[n] >= '0' && p[n] <= '9') {
        if (n < 3)
            v = v * 10 + (p[n] - '0');
        n++;
    }
    if (n == 0)
        return GV_EPARSE;
    for (size_t k = n; k < 3; k++)
        v *= 10;
    *ms = v;
    *s = p + n;
    return 0;
}

int cst_clics_reltime_parse(int64_t *out, const char *s)
{
    bool neg = *s == '-';
    int64_t h, m, sec, ms;
    size_t n;

    s += neg;
    /* Up to 12 hour digits: any contest, and no overflow below. */
    n = digits(&h, s, 12);
    if (n == 0 || s[n] != ':')
        return GV_EPARSE;
    s += n + 1;
    if (digits(&m, s, 2) != 2 || m > 59 || s[2] != ':')
        return GV_EPARSE;
    s += 3;
    if (digits(&sec, s, 2) != 2 || sec > 59)
        return GV_EPARSE;
    s += 2;
    if (fraction(&ms, &s) < 0 || *s)
        return GV_EPARSE;
    ms += ((h * 60 + m) * 60 + sec) * 1000;
    *out = neg ? -ms : ms;
    return 0;
}

void cst_clics_time(char out[CST_CLICS_TIME_MAX], int64_t epoch_ms, int offset_min)
{
    gv_time_iso_format(out, epoch_ms, offset_min, false);
}

int cst_clics_time_parse(int64_t *out, int *offset_min, const char *s)
{
    return gv_time_iso_parse(out, offset_min, s);
}

/* Our verdicts (judge/'s jdg_verdict names) and the spec's types for them.
 * Checklist: a verdict added to enum jdg_verdict gets a line here. */
static const struct {
    const char *verdict;
    struct cst_clics_jtype type;
} jtypes[] = {
    {"AC", {"AC", "correct", false, true}},
    {"WA", {"WA", "wrong answer", true, false}},
    {"TLE", {"TLE", "time limit exceeded", true, false}},
    {"MLE", {"MLE", "memory limit exceeded", true, false}},
    {"RE", {"RTE", "run-time error", true, false}},
    {"OLE", {"OLE", "output limit exceeded", true, false}},
    {"CE", {"CE", "compiler error", false, false}},
};

#define NJTYPES (sizeof(jtypes) / sizeof(jtypes[0]))

const struct cst_clics_jtype *cst_clics_jtypes(size_t *count)
{
    static struct cst_clics_jtype list[NJTYPES];

    /* Built from the one table; idempotent, so racing threads agree. */
    for (size_t i = 0; i < NJTYPES; i++)
        list[i] = jtypes[i].type;
    *count = NJTYPES;
    return list;
}

const char *cst_clics_jtype_of(const char *verdict)
{
    for (size_t i = 0; i < NJTYPES; i++)
        if (!strcmp(jtypes[i].verdict, verdict))
            return jtypes[i].type.id;
    return NULL;
}

enum cst_outcome cst_clics_outcome(bool solved, bool penalty)
{
    if (solved)
        return CST_OUT_ACCEPTED;
    return penalty ? CST_OUT_REJECTED : CST_OUT_IGNORED;
}

static bool add_time(cJSON *o, const char *key, int64_t ms, int offset_min)
{
    char t[CST_CLICS_TIME_MAX];

    if (!ms)
        return cJSON_AddNullToObject(o, key) != NULL;
    cst_clics_time(t, ms, offset_min);
    return cJSON_AddStringToObject(o, key, t) != NULL;
}

static bool state_fill(cJSON *o, const struct cst_clics_state *s, int offset_min)
{
    return add_time(o, "started", s->started, offset_min) &&
           add_time(o, "frozen", s->frozen, offset_min) &&
           add_time(o, "ended", s->ended, offset_min) &&
           add_time(o, "thawed", s->thawed, offset_min) &&
           add_time(o, "finalized", s->finalized, offset_min) &&
           add_time(o, "end_of_updates", s->end_of_updates, offset_min);
}

int cst_clics_state_json(struct cJSON **out, const struct cst_clics_state *s, int offset_min)
{
    cJSON *o = cJSON_CreateObject();

    *out = NULL;
    if (!o || !state_fill(o, s, offset_min)) {
        cJSON_Delete(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}

static bool add_cell(cJSON *arr, const struct cst_clics_board *info, size_t p,
                     const struct cst_cell *c)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddItemToArray(arr, o))
        return cJSON_Delete(o), false;
    if (!cJSON_AddStringToObject(o, "problem_id", info->problem_ids[p]) ||
        !cJSON_AddNumberToObject(o, "num_judged", c->tries) ||
        !cJSON_AddNumberToObject(o, "num_pending", c->pending))
        return false;
    if (info->scoring == CST_SCORING_IOI)
        return cJSON_AddNumberToObject(o, "score", c->score) != NULL;
    if (!cJSON_AddBoolToObject(o, "solved", c->solved))
        return false;
    if (c->solved && !cJSON_AddNumberToObject(o, "time", (double)(c->solved_at_ms / MS_PER_MIN)))
        return false;
    return cJSON_AddBoolToObject(o, "first_to_solve", c->solved && c->first) != NULL;
}

static bool add_row(cJSON *rows, const struct cst_clics_board *info, const struct cst_board *b,
                    const struct cst_row *r)
{
    cJSON *o = cJSON_CreateObject(), *score, *cells;

    if (!o || !cJSON_AddItemToArray(rows, o))
        return cJSON_Delete(o), false;
    if (!cJSON_AddNumberToObject(o, "rank", r->rank) ||
        !cJSON_AddStringToObject(o, "team_id", info->team_ids[r->team]))
        return false;
    score = cJSON_AddObjectToObject(o, "score");
    if (!score)
        return false;
    if (info->scoring == CST_SCORING_IOI) {
        if (!cJSON_AddNumberToObject(score, "score", r->score))
            return false;
    } else if (!cJSON_AddNumberToObject(score, "num_solved", r->solved) ||
               !cJSON_AddNumberToObject(score, "total_time", (double)r->penalty_min)) {
        return false;
    }
    cells = cJSON_AddArrayToObject(o, "problems");
    if (!cells)
        return false;
    for (size_t p = 0; p < b->nproblems; p++)
        if (!add_cell(cells, info, p, &r->cells[p]))
            return false;
    return true;
}

int cst_clics_scoreboard(struct cJSON **out, const struct cst_clics_board *info,
                         const struct cst_board *b)
{
    char t[CST_CLICS_TIME_MAX], rel[CST_CLICS_RELTIME_MAX];
    cJSON *o = cJSON_CreateObject(), *state, *rows;
    bool ok;

    *out = NULL;
    cst_clics_time(t, info->time, info->offset_min);
    cst_clics_reltime(rel, info->contest_time);
    ok = o && cJSON_AddStringToObject(o, "time", t) &&
         cJSON_AddStringToObject(o, "contest_time", rel);
    state = ok ? cJSON_AddObjectToObject(o, "state") : NULL;
    ok = state && state_fill(state, &info->state, info->offset_min);
    rows = ok ? cJSON_AddArrayToObject(o, "rows") : NULL;
    ok = rows != NULL;
    for (size_t i = 0; ok && i < b->nteams; i++)
        ok = add_row(rows, info, b, &b->rows[i]);
    if (!ok) {
        cJSON_Delete(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}
