/* SPDX-License-Identifier: MIT
 * cst_event.c - the events' table of rules and their JSON shapes (cst_event.h).
 *
 * Encoding and decoding are written side by side per type, so that a field
 * added to one is visibly missing from the other; the round-trip unit test
 * catches what review does not. */
#include "cst_event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_num.h"
#include "banned.h"

/* Ids travel as JSON numbers, which every client reads as doubles. */
#define ID_MAX 9007199254740992.0 /* 2^53 */

static const struct cst_event_info infos[CST_EVENT_TYPE_COUNT] = {
    [CST_EVENT_JUDGING_STATE] = {"judging.state", false, CST_AUDIENCE_SUBMISSION,
                                 CST_COALESCE_SUBMISSION},
    [CST_EVENT_JUDGING_TEST] = {"judging.test", false, CST_AUDIENCE_SUBMISSION,
                                CST_COALESCE_SUBMISSION},
    [CST_EVENT_JUDGING_VERDICT] = {"judging.verdict", true, CST_AUDIENCE_SUBMISSION,
                                   CST_COALESCE_NEVER},
    [CST_EVENT_CONTEST_ROW] = {"contest.scoreboard", false, CST_AUDIENCE_CONTEST,
                               CST_COALESCE_CONTESTANT},
    [CST_EVENT_CONTEST_ANNOUNCEMENT] = {"contest.announcement", true, CST_AUDIENCE_CONTEST,
                                        CST_COALESCE_NEVER},
    [CST_EVENT_CONTEST_PHASE] = {"contest.phase", true, CST_AUDIENCE_PUBLIC, CST_COALESCE_NEVER},
    [CST_EVENT_CONTEST_CLAR] = {"contest.clarification", true, CST_AUDIENCE_JURY,
                                CST_COALESCE_NEVER},
    [CST_EVENT_SESSION_ENDED] = {"session.ended", false, CST_AUDIENCE_SERVERS, CST_COALESCE_NEVER},
    [CST_EVENT_CONTEST_CHANGED] = {"contest.changed", false, CST_AUDIENCE_SERVERS,
                                   CST_COALESCE_NEVER},
};

static const char *const state_names[] = {
    [CST_JUDGING_COMPILING] = "compiling",
    [CST_JUDGING_RUNNING] = "running",
};

const struct cst_event_info *cst_event_info(enum cst_event_type type)
{
    return (unsigned)type < CST_EVENT_TYPE_COUNT ? &infos[type] : NULL;
}

enum cst_event_audience cst_event_audience(const struct cst_event *ev)
{
    if (ev->type == CST_EVENT_CONTEST_CLAR && ev->u.clar.is_public)
        return CST_AUDIENCE_CONTEST;
    return infos[ev->type].audience;
}

int cst_event_type_parse(enum cst_event_type *out, const char *name)
{
    for (int t = 0; name && t < CST_EVENT_TYPE_COUNT; t++) {
        if (!strcmp(infos[t].name, name)) {
            *out = (enum cst_event_type)t;
            return 0;
        }
    }
    return GV_ENOTFOUND;
}

void cst_event_init(struct cst_event *ev, enum cst_event_type type)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
}

void cst_event_release(struct cst_event *ev)
{
    if (ev->type == CST_EVENT_CONTEST_ROW)
        gv_free(ev->u.row.row.cells);
    else if (ev->type == CST_EVENT_CONTEST_ANNOUNCEMENT)
        gv_free(ev->u.announcement.text);
    else if (ev->type == CST_EVENT_CONTEST_PHASE)
        gv_free(ev->u.phase.problems);
    else if (ev->type == CST_EVENT_CONTEST_CLAR) {
        gv_free(ev->u.clar.question);
        gv_free(ev->u.clar.answer);
    }
    cst_event_init(ev, ev->type);
}

/* --- Validity ------------------------------------------------------------- */

static bool id_ok(int64_t id, bool required)
{
    return id >= 0 && id <= (int64_t)ID_MAX && (id > 0 || !required);
}

static bool str_ok(const char *s, size_t cap, bool required)
{
    size_t n = strnlen(s, cap);

    return n < cap && (n > 0 || !required);
}

bool cst_event_valid(const struct cst_event *ev)
{
    const struct cst_event_row *r;
    bool judging;

    if (!cst_event_info(ev->type) || ev->seq < 0 || ev->at_ms < 0 ||
        !id_ok(ev->contest_id, false))
        return false;
    judging = ev->type == CST_EVENT_JUDGING_STATE || ev->type == CST_EVENT_JUDGING_TEST ||
              ev->type == CST_EVENT_JUDGING_VERDICT;
    if (judging && (!id_ok(ev->submission_id, true) || !id_ok(ev->user_id, true)))
        return false;
    switch (ev->type) {
    case CST_EVENT_JUDGING_STATE:
        return (unsigned)ev->u.state.state <= CST_JUDGING_RUNNING;
    case CST_EVENT_JUDGING_TEST:
        return ev->u.test.test >= 1 && ev->u.test.test <= ev->u.test.tests &&
               str_ok(ev->u.test.verdict, sizeof(ev->u.test.verdict), true) &&
               ev->u.test.cpu_ms >= 0 && ev->u.test.memory_kb >= 0;
    case CST_EVENT_JUDGING_VERDICT:
        return id_ok(ev->u.verdict.problem_id, true) && id_ok(ev->u.verdict.judging_id, true) &&
               str_ok(ev->u.verdict.verdict, sizeof(ev->u.verdict.verdict), true) &&
               isfinite(ev->u.verdict.score) && ev->u.verdict.max_time_ms >= 0 &&
               ev->u.verdict.max_memory_kb >= 0;
    case CST_EVENT_CONTEST_ROW:
        r = &ev->u.row.row;
        if (!id_ok(ev->contest_id, true) || !id_ok(ev->user_id, true) || ev->submission_id ||
            !str_ok(r->username, sizeof(r->username), true) ||
            !str_ok(r->display_name, sizeof(r->display_name), false) ||
            r->ncells > CST_EVENT_CELLS_MAX || (r->ncells && !r->cells) || !isfinite(r->score))
            return false;
        for (size_t i = 0; i < r->ncells; i++)
            if (!str_ok(r->cells[i].label, sizeof(r->cells[i].label), true) ||
                !isfinite(r->cells[i].score) || r->cells[i].tries < 0 || r->cells[i].pending < 0)
                return false;
        return true;
    case CST_EVENT_CONTEST_ANNOUNCEMENT:
        return id_ok(ev->contest_id, true) && !ev->user_id && !ev->submission_id &&
               id_ok(ev->u.announcement.author_id, false) && ev->u.announcement.text &&
               str_ok(ev->u.announcement.text, CST_EVENT_TEXT_MAX + 1, true);
    case CST_EVENT_CONTEST_PHASE:
        if (!id_ok(ev->contest_id, true) || ev->user_id || ev->submission_id ||
            ev->u.phase.phase > CST_PHASE_FINALIZED || ev->u.phase.phase == CST_PHASE_SCHEDULED ||
            ev->u.phase.nproblems > CST_EVENT_CELLS_MAX ||
            (ev->u.phase.nproblems && !ev->u.phase.problems))
            return false;
        for (size_t i = 0; i < ev->u.phase.nproblems; i++) {
            const struct cst_event_problem *p = &ev->u.phase.problems[i];
            if (!str_ok(p->label, sizeof(p->label), true) ||
                !str_ok(p->slug, sizeof(p->slug), true) || !str_ok(p->color, sizeof(p->color), false))
                return false;
        }
        return true;
    case CST_EVENT_CONTEST_CLAR:
        return id_ok(ev->contest_id, true) && !ev->submission_id && id_ok(ev->user_id, false) &&
               id_ok(ev->u.clar.clar_id, true) &&
               str_ok(ev->u.clar.problem, sizeof(ev->u.clar.problem), false) &&
               (ev->u.clar.question || ev->u.clar.answer) &&
               (!ev->u.clar.question ||
                str_ok(ev->u.clar.question, CST_EVENT_TEXT_MAX + 1, true)) &&
               (!ev->u.clar.answer || str_ok(ev->u.clar.answer, CST_EVENT_TEXT_MAX + 1, true)) &&
               /* A broadcast has nobody who asked, and is for everyone. */
               (ev->user_id || (ev->u.clar.is_public && !ev->u.clar.question)) &&
               ev->u.clar.asked_at_ms >= 0 && ev->u.clar.answered_at_ms >= 0;
    case CST_EVENT_SESSION_ENDED: /* ids only */
        return id_ok(ev->user_id, true) && !ev->contest_id && !ev->submission_id;
    case CST_EVENT_CONTEST_CHANGED:
        return id_ok(ev->contest_id, true) && !ev->user_id && !ev->submission_id;
    case CST_EVENT_TYPE_COUNT:
        break;
    }
    return false;
}

/* --- Encoding ------------------------------------------------------------- */

/* Exact text: cJSON's own printer rounds ids past 10^15 (gv_num.h). */
static bool put_num(cJSON *o, const char *name, double v)
{
    char text[GV_NUM_TEXT_MAX];

    return gv_num_format(text, v) && cJSON_AddRawToObject(o, name, text) != NULL;
}

/* An optional id: absent when 0. */
static bool put_id(cJSON *o, const char *name, int64_t v)
{
    return !v || put_num(o, name, (double)v);
}

static bool put_str(cJSON *o, const char *name, const char *v)
{
    return cJSON_AddStringToObject(o, name, v) != NULL;
}

static bool put_bool(cJSON *o, const char *name, bool v)
{
    return cJSON_AddBoolToObject(o, name, v) != NULL;
}

cJSON *cst_event_cell_to_json(const struct cst_event_cell *c)
{
    cJSON *cell = cJSON_CreateObject();

    if (cell && put_str(cell, "label", c->label) && put_bool(cell, "solved", c->solved) &&
        put_bool(cell, "first", c->first) && put_num(cell, "tries", c->tries) &&
        put_num(cell, "pending", c->pending) && put_num(cell, "score", c->score) &&
        (!c->solved || put_num(cell, "time_min", (double)c->time_min)))
        return cell;
    cJSON_Delete(cell);
    return NULL;
}

cJSON *cst_event_row_to_json(int64_t user_id, const struct cst_event_row *r)
{
    cJSON *row = cJSON_CreateObject(), *cells = NULL;
    bool ok = row && put_num(row, "user_id", (double)user_id) &&
              put_str(row, "username", r->username) &&
              put_str(row, "display_name", r->display_name) &&
              put_num(row, "solved", r->solved) && put_num(row, "penalty", (double)r->penalty) &&
              put_num(row, "score", r->score) && (cells = cJSON_AddArrayToObject(row, "cells"));

    for (size_t i = 0; ok && i < r->ncells; i++) {
        cJSON *cell = cst_event_cell_to_json(&r->cells[i]);

        ok = cell && cJSON_AddItemToArray(cells, cell);
        if (!ok)
            cJSON_Delete(cell); /* not in the array: ours to free */
    }
    if (!ok) {
        cJSON_Delete(row);
        return NULL;
    }
    return row;
}

static bool put_row(cJSON *o, int64_t user_id, const struct cst_event_row *r)
{
    cJSON *row = cst_event_row_to_json(user_id, r);

    if (row && cJSON_AddItemToObject(o, "row", row))
        return true;
    cJSON_Delete(row);
    return false;
}

/* The names of the generic log position and logging time in a type's
 * payload. */
static const char *seq_key(enum cst_event_type t)
{
    return t == CST_EVENT_CONTEST_ANNOUNCEMENT ? "announcement_id" : "seq";
}

static const char *logged_key(enum cst_event_type t)
{
    return t == CST_EVENT_CONTEST_ANNOUNCEMENT ? "created_at_ms"
           : t == CST_EVENT_CONTEST_PHASE     ? "logged_at_ms"
                                              : "at_ms";
}

static bool put_problems(cJSON *o, const struct cst_event_phase *ph)
{
    cJSON *arr;

    if (!ph->nproblems)
        return true;
    arr = cJSON_AddArrayToObject(o, "problems");
    for (size_t i = 0; arr && i < ph->nproblems; i++) {
        const struct cst_event_problem *p = &ph->problems[i];
        cJSON *item = cJSON_CreateObject();

        if (!item || !put_str(item, "label", p->label) || !put_str(item, "slug", p->slug) ||
            (p->color[0] && !put_str(item, "color", p->color)) ||
            !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return false;
        }
    }
    return arr != NULL;
}

static bool put_clar(cJSON *o, const struct cst_event_clar *c)
{
    return put_num(o, "clarification_id", (double)c->clar_id) &&
           (!c->problem[0] || put_str(o, "problem", c->problem)) &&
           put_bool(o, "public", c->is_public) &&
           (!c->question || put_str(o, "question", c->question)) &&
           (!c->answer || put_str(o, "answer", c->answer)) &&
           put_id(o, "asked_at_ms", c->asked_at_ms) && put_id(o, "answered_at_ms", c->answered_at_ms);
}

cJSON *cst_event_to_json(const struct cst_event *ev)
{
    cJSON *o;
    bool ok;

    if (!cst_event_valid(ev))
        return NULL;
    o = cJSON_CreateObject();
    ok = o && put_id(o, "submission_id", ev->submission_id) &&
         put_id(o, "user_id", ev->user_id) && put_id(o, "contest_id", ev->contest_id);
    /* An announcement's log position is its id, as the snapshots name it;
     * a phase change's "at_ms" is when it happened, so its logging time
     * takes another name. */
    ok = ok && put_id(o, seq_key(ev->type), ev->seq) && put_id(o, logged_key(ev->type), ev->at_ms);
    switch (ev->type) {
    case CST_EVENT_JUDGING_STATE:
        ok = ok && put_str(o, "state", state_names[ev->u.state.state]);
        break;
    case CST_EVENT_JUDGING_TEST:
        ok = ok && put_num(o, "test", ev->u.test.test) && put_num(o, "tests", ev->u.test.tests) &&
             put_str(o, "verdict", ev->u.test.verdict) &&
             put_num(o, "cpu_ms", (double)ev->u.test.cpu_ms) &&
             put_num(o, "memory_kb", (double)ev->u.test.memory_kb);
        break;
    case CST_EVENT_JUDGING_VERDICT:
        ok = ok && put_num(o, "problem_id", (double)ev->u.verdict.problem_id) &&
             put_num(o, "judging_id", (double)ev->u.verdict.judging_id) &&
             put_str(o, "verdict", ev->u.verdict.verdict) &&
             put_num(o, "score", ev->u.verdict.score) &&
             put_num(o, "max_time_ms", (double)ev->u.verdict.max_time_ms) &&
             put_num(o, "max_memory_kb", (double)ev->u.verdict.max_memory_kb);
        break;
    case CST_EVENT_CONTEST_ROW:
        ok = ok && put_bool(o, "frozen", ev->u.row.frozen) &&
             put_row(o, ev->user_id, &ev->u.row.row);
        break;
    case CST_EVENT_CONTEST_ANNOUNCEMENT:
        ok = ok && put_id(o, "author_id", ev->u.announcement.author_id) &&
             put_str(o, "text", ev->u.announcement.text);
        break;
    case CST_EVENT_CONTEST_CLAR:
        ok = ok && put_clar(o, &ev->u.clar);
        break;
    case CST_EVENT_CONTEST_PHASE:
        ok = ok && put_str(o, "phase", cst_phase_name(ev->u.phase.phase)) &&
             put_num(o, "at_ms", (double)ev->u.phase.at_ms) && put_problems(o, &ev->u.phase);
        break;
    case CST_EVENT_SESSION_ENDED:
    case CST_EVENT_CONTEST_CHANGED:
        break;
    case CST_EVENT_TYPE_COUNT:
        ok = false;
        break;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int cst_event_encode(char **out, size_t *len, const struct cst_event *ev)
{
    cJSON *o;
    char *txt;

    *out = NULL;
    if (!cst_event_valid(ev))
        return GV_EINVAL;
    o = cst_event_to_json(ev);
    txt = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!txt)
        return -ENOMEM;
    /* cJSON's buffer is not ours to gv_free. */
    *out = gv_strdup(txt);
    cJSON_free(txt);
    if (!*out)
        return -ENOMEM;
    if (len)
        *len = strlen(*out);
    return 0;
}

/* --- Decoding ------------------------------------------------------------- */

enum need { OPTIONAL, REQUIRED };

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* An integral number in [min, max]; absent is 0 unless required. */
static bool get_int(const cJSON *o, const char *name, enum need need, double min, double max,
                    int64_t *out)
{
    const cJSON *v = field(o, name);

    *out = 0;
    if (!v)
        return need == OPTIONAL;
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
        v->valuedouble != floor(v->valuedouble))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool get_id(const cJSON *o, const char *name, enum need need, int64_t *out)
{
    return get_int(o, name, need, 1, ID_MAX, out);
}

static bool get_count(const cJSON *o, const char *name, int *out)
{
    int64_t v;

    if (!get_int(o, name, REQUIRED, 0, 1e9, &v))
        return false;
    *out = (int)v;
    return true;
}

static bool get_num(const cJSON *o, const char *name, double *out)
{
    const cJSON *v = field(o, name);

    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return false;
    *out = v->valuedouble;
    return true;
}

static bool get_bool(const cJSON *o, const char *name, bool *out)
{
    const cJSON *v = field(o, name);

    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

/* A string that fits `cap` bytes with its NUL. */
static bool get_str(const cJSON *o, const char *name, char *buf, size_t cap)
{
    const cJSON *v = field(o, name);
    size_t n;

    if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) >= cap)
        return false;
    memcpy(buf, v->valuestring, n + 1);
    return true;
}

static int get_row(struct cst_event_row *r, const cJSON *o)
{
    const cJSON *cells = field(o, "cells"), *c;
    size_t i = 0;

    if (!cJSON_IsObject(o) || !get_str(o, "username", r->username, sizeof(r->username)) ||
        !get_str(o, "display_name", r->display_name, sizeof(r->display_name)) ||
        !get_count(o, "solved", &r->solved) || !get_int(o, "penalty", REQUIRED, 0, 1e12, &r->penalty) ||
        !get_num(o, "score", &r->score) || !cJSON_IsArray(cells))
        return GV_EPARSE;
    r->ncells = (size_t)cJSON_GetArraySize(cells);
    if (r->ncells > CST_EVENT_CELLS_MAX)
        return GV_EPARSE;
    if (r->ncells) {
        r->cells = gv_calloc(r->ncells, sizeof(*r->cells));
        if (!r->cells)
            return -ENOMEM;
    }
    cJSON_ArrayForEach(c, cells) {
        struct cst_event_cell *cell = &r->cells[i++];

        if (!cJSON_IsObject(c) || !get_str(c, "label", cell->label, sizeof(cell->label)) ||
            !get_bool(c, "solved", &cell->solved) || !get_bool(c, "first", &cell->first) ||
            !get_count(c, "tries", &cell->tries) || !get_count(c, "pending", &cell->pending) ||
            !get_num(c, "score", &cell->score) ||
            !get_int(c, "time_min", cell->solved ? REQUIRED : OPTIONAL, 0, 1e9, &cell->time_min))
            return GV_EPARSE;
    }
    return 0;
}

static int get_state(enum cst_judging_state *out, const cJSON *o)
{
    const cJSON *v = field(o, "state");

    for (unsigned i = 0; cJSON_IsString(v) && i < sizeof(state_names) / sizeof(*state_names); i++) {
        if (!strcmp(v->valuestring, state_names[i])) {
            *out = (enum cst_judging_state)i;
            return 0;
        }
    }
    return GV_EPARSE;
}

static int get_phase(enum cst_phase *phase, int64_t *at_ms, const cJSON *d)
{
    const cJSON *v = field(d, "phase");

    if (!cJSON_IsString(v) || cst_phase_parse(phase, v->valuestring) < 0 ||
        !get_int(d, "at_ms", REQUIRED, 0, ID_MAX, at_ms))
        return GV_EPARSE;
    return 0;
}

static int get_problems(struct cst_event_problem **out, size_t *n, const cJSON *d)
{
    const cJSON *arr = field(d, "problems"), *p;
    size_t i = 0;

    *n = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > CST_EVENT_CELLS_MAX)
        return GV_EPARSE;
    *n = (size_t)cJSON_GetArraySize(arr);
    if (!*n)
        return 0;
    *out = gv_calloc(*n, sizeof(**out));
    if (!*out)
        return -ENOMEM;
    cJSON_ArrayForEach(p, arr) {
        struct cst_event_problem *pr = &(*out)[i++];

        if (!cJSON_IsObject(p) || !get_str(p, "label", pr->label, sizeof(pr->label)) ||
            !get_str(p, "slug", pr->slug, sizeof(pr->slug)) ||
            (field(p, "color") && !get_str(p, "color", pr->color, sizeof(pr->color))))
            return GV_EPARSE;
    }
    return 0;
}

/* An optional text within the limit, copied. */
static int get_text(char **out, const cJSON *d, const char *name)
{
    const cJSON *v = field(d, name);

    *out = NULL;
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > CST_EVENT_TEXT_MAX)
        return GV_EPARSE;
    *out = gv_strdup(v->valuestring);
    return *out ? 0 : -ENOMEM;
}

static int get_clar(struct cst_event_clar *c, const cJSON *d)
{
    int err;

    if (!get_id(d, "clarification_id", REQUIRED, &c->clar_id) ||
        (field(d, "problem") && !get_str(d, "problem", c->problem, sizeof(c->problem))) ||
        !get_bool(d, "public", &c->is_public) ||
        !get_int(d, "asked_at_ms", OPTIONAL, 0, ID_MAX, &c->asked_at_ms) ||
        !get_int(d, "answered_at_ms", OPTIONAL, 0, ID_MAX, &c->answered_at_ms))
        return GV_EPARSE;
    err = get_text(&c->question, d, "question");
    if (err == 0)
        err = get_text(&c->answer, d, "answer");
    return err;
}

static int payload_from_json(struct cst_event *ev, const cJSON *d)
{
    const cJSON *text;
    int64_t n;

    switch (ev->type) {
    case CST_EVENT_JUDGING_STATE:
        return get_state(&ev->u.state.state, d);
    case CST_EVENT_JUDGING_TEST:
        if (!get_int(d, "test", REQUIRED, 1, 1e9, &n))
            return GV_EPARSE;
        ev->u.test.test = (int)n;
        if (!get_int(d, "tests", REQUIRED, 1, 1e9, &n))
            return GV_EPARSE;
        ev->u.test.tests = (int)n;
        return get_str(d, "verdict", ev->u.test.verdict, sizeof(ev->u.test.verdict)) &&
                       get_int(d, "cpu_ms", REQUIRED, 0, ID_MAX, &ev->u.test.cpu_ms) &&
                       get_int(d, "memory_kb", REQUIRED, 0, ID_MAX, &ev->u.test.memory_kb)
                   ? 0
                   : GV_EPARSE;
    case CST_EVENT_JUDGING_VERDICT:
        return get_id(d, "problem_id", REQUIRED, &ev->u.verdict.problem_id) &&
                       get_id(d, "judging_id", REQUIRED, &ev->u.verdict.judging_id) &&
                       get_str(d, "verdict", ev->u.verdict.verdict,
                               sizeof(ev->u.verdict.verdict)) &&
                       get_num(d, "score", &ev->u.verdict.score) &&
                       get_int(d, "max_time_ms", REQUIRED, 0, ID_MAX, &ev->u.verdict.max_time_ms) &&
                       get_int(d, "max_memory_kb", REQUIRED, 0, ID_MAX,
                               &ev->u.verdict.max_memory_kb)
                   ? 0
                   : GV_EPARSE;
    case CST_EVENT_CONTEST_ROW:
        if (!get_bool(d, "frozen", &ev->u.row.frozen))
            return GV_EPARSE;
        return get_row(&ev->u.row.row, field(d, "row"));
    case CST_EVENT_CONTEST_CLAR:
        return get_clar(&ev->u.clar, d);
    case CST_EVENT_CONTEST_PHASE:
        return get_phase(&ev->u.phase.phase, &ev->u.phase.at_ms, d) < 0
                   ? GV_EPARSE
                   : get_problems(&ev->u.phase.problems, &ev->u.phase.nproblems, d);
    case CST_EVENT_CONTEST_ANNOUNCEMENT:
        text = field(d, "text");
        if (!get_id(d, "author_id", OPTIONAL, &ev->u.announcement.author_id) ||
            !cJSON_IsString(text) || strlen(text->valuestring) > CST_EVENT_TEXT_MAX)
            return GV_EPARSE;
        ev->u.announcement.text = gv_strdup(text->valuestring);
        return ev->u.announcement.text ? 0 : -ENOMEM;
    case CST_EVENT_SESSION_ENDED:
    case CST_EVENT_CONTEST_CHANGED:
        return 0;
    case CST_EVENT_TYPE_COUNT:
        break;
    }
    return GV_EPARSE;
}

int cst_event_from_json(struct cst_event *out, enum cst_event_type type, const cJSON *data)
{
    int err = GV_EPARSE;

    cst_event_init(out, type);
    if (!cst_event_info(type) || !cJSON_IsObject(data))
        return GV_EPARSE;
    if (!get_id(data, "submission_id", OPTIONAL, &out->submission_id) ||
        !get_id(data, "user_id", OPTIONAL, &out->user_id) ||
        !get_id(data, "contest_id", OPTIONAL, &out->contest_id) ||
        !get_id(data, seq_key(type), OPTIONAL, &out->seq) ||
        !get_int(data, logged_key(type), OPTIONAL, 0, ID_MAX, &out->at_ms))
        goto out;
    err = payload_from_json(out, data);
    if (err == 0 && !cst_event_valid(out))
        err = GV_EPARSE;
out:
    if (err < 0)
        cst_event_release(out);
    return err;
}

int cst_event_decode(struct cst_event *out, const char *type, const char *data, size_t len)
{
    enum cst_event_type t = CST_EVENT_JUDGING_STATE;
    cJSON *d;
    int err;

    cst_event_init(out, t);
    if (!data || cst_event_type_parse(&t, type) < 0)
        return GV_EPARSE;
    d = cJSON_ParseWithLength(data, len);
    err = cst_event_from_json(out, t, d);
    cJSON_Delete(d);
    return err;
}
