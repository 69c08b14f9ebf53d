/* SPDX-License-Identifier: MIT
 * cst_feed.c - a contest rebuilt from a CLICS event feed (cst_feed.h).
 *
 * Theory of operation: every collection the board needs is an array of
 * objects that only grows, with a hash index from object id to place. A
 * delete marks the object; a later create of the same id revives it in
 * place, so a judgement's reference to its submission (an index) stays
 * valid whatever happens. Each line is parsed and checked whole before
 * anything changes, so a bad line leaves the feed as it was. The board is
 * computed on demand from what is live at the asked contest time. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cst.h"
#include "cst_clics.h"
#include "cst_feed.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

enum coll { C_JTYPES, C_PROBLEMS, C_TEAMS, C_SUBS, C_JUDGEMENTS, C_COUNT };

/* A penalty past a year of minutes is no contest's. */
#define PENALTY_MAX 525600

static const char *const coll_names[C_COUNT] = {"judgement-types", "problems", "teams",
                                                "submissions", "judgements"};

/* Types of the spec this replay has no use for: ignored, not unknown. */
static const char *const ignored_types[] = {
    "languages",      "groups", "organizations", "persons", "accounts",
    "clarifications", "awards", "commentary",    "runs",    "team-members"};

/* One object of any collection; each uses its own fields. */
struct obj {
    char *id;
    bool deleted;
    uint64_t seq;               /* when created (or revived): the latest judgement wins */
    int64_t ordinal;            /* problems; INT64_MAX when not given */
    bool hidden;                /* teams */
    bool solved, penalty;       /* judgement-types */
    char *team_id, *problem_id; /* submissions */
    int64_t at_ms;  /* submissions: contest time; judgements: start (INT64_MIN: unknown) */
    size_t sub;     /* judgements: the submission's index */
    char *jtype;    /* judgements: NULL while judging */
    int64_t end_ms; /* judgements: contest time of the verdict (INT64_MIN: unknown) */
    double score;   /* judgements, IOI */
    char *name;     /* problems, teams: what `gavel contest import` stores */
    char *label;    /* problems; submissions: the language id */
};

struct coll_tab {
    struct obj *objs;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1, 0 empty; power-of-two size */
    size_t nslots;
};

struct cst_feed {
    struct coll_tab c[C_COUNT];
    uint64_t seq;
    size_t unknown;
    bool has_contest, has_start, has_freeze, ioi;
    int64_t start, duration, freeze_duration;
    int offset_min, penalty;
    struct cst_clics_state state;
    int64_t last_rel;                /* the latest contest time any object names */
    char *contest_id, *contest_name; /* for `gavel contest import` */
};

/* FNV-1a: ids are short strings chosen by the feed's producer. */
static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return (size_t)h;
}

static size_t *slot_of(const struct coll_tab *t, const char *id)
{
    size_t mask = t->nslots - 1;

    for (size_t i = hash(id) & mask;; i = (i + 1) & mask)
        if (!t->slots[i] || !strcmp(t->objs[t->slots[i] - 1].id, id))
            return &t->slots[i];
}

/* The index of `id` in `t`, live or deleted; SIZE_MAX when never seen. */
static size_t find(const struct coll_tab *t, const char *id)
{
    size_t *s;

    if (!t->nslots)
        return SIZE_MAX;
    s = slot_of(t, id);
    return *s ? *s - 1 : SIZE_MAX;
}

static int grow(struct coll_tab *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct obj *o = gv_realloc(t->objs, cap * sizeof(*o));
        if (!o)
            return -ENOMEM;
        t->objs = o;
        t->cap = cap;
    }
    /* At most half full: probes stay short. */
    if ((t->n + 1) * 2 > t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 32;
        size_t *old = t->slots, nold = t->nslots;

        t->slots = gv_calloc(ns, sizeof(*t->slots));
        if (!t->slots) {
            t->slots = old;
            return -ENOMEM;
        }
        t->nslots = ns;
        for (size_t i = 0; i < nold; i++)
            if (old[i])
                *slot_of(t, t->objs[old[i] - 1].id) = old[i];
        gv_free(old);
    }
    return 0;
}

static void obj_release(struct obj *o)
{
    gv_free(o->team_id);
    gv_free(o->problem_id);
    gv_free(o->jtype);
    gv_free(o->name);
    gv_free(o->label);
    o->team_id = o->problem_id = o->jtype = o->name = o->label = NULL;
}

int cst_feed_new(struct cst_feed **out)
{
    *out = gv_calloc(1, sizeof(**out));
    if (!*out)
        return -ENOMEM;
    (*out)->penalty = 20;
    return 0;
}

void cst_feed_free(struct cst_feed *f)
{
    if (!f)
        return;
    for (int c = 0; c < C_COUNT; c++) {
        for (size_t i = 0; i < f->c[c].n; i++) {
            obj_release(&f->c[c].objs[i]);
            gv_free(f->c[c].objs[i].id);
        }
        gv_free(f->c[c].objs);
        gv_free(f->c[c].slots);
    }
    gv_free(f->contest_id);
    gv_free(f->contest_name);
    gv_free(f);
}

size_t cst_feed_unknown(const struct cst_feed *f)
{
    return f->unknown;
}

/* --- Reading fields -------------------------------------------------------- */

/* A string member: *out NULL when absent or null (allowed unless
 * `required`). */
static int get_str(const char **out, const cJSON *o, const char *key, bool required, char *err,
                   size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return gv_err_say(err, n, GV_EPARSE, "\"%s\" is missing", key);
        return 0;
    }
    if (!cJSON_IsString(v))
        return gv_err_say(err, n, GV_EPARSE, "\"%s\" is not a string", key);
    *out = v->valuestring;
    return 0;
}

/* A RELTIME member; *present false when absent or null. */
static int get_rel(int64_t *out, bool *present, const cJSON *o, const char *key, char *err,
                   size_t n)
{
    const char *s;
    int rc = get_str(&s, o, key, false, err, n);

    *present = false;
    if (rc < 0 || !s)
        return rc;
    if (cst_clics_reltime_parse(out, s) < 0)
        return gv_err_say(err, n, GV_EPARSE, "\"%s\" is not a relative time: '%.40s'", key, s);
    *present = true;
    return 0;
}

/* A TIME member, epoch ms; 0 when absent or null. */
static int get_time(int64_t *out, int *offset, const cJSON *o, const char *key, char *err, size_t n)
{
    const char *s;
    int rc = get_str(&s, o, key, false, err, n);

    *out = 0;
    if (rc < 0 || !s)
        return rc;
    if (cst_clics_time_parse(out, offset, s) < 0)
        return gv_err_say(err, n, GV_EPARSE, "\"%s\" is not an ISO 8601 time: '%.40s'", key, s);
    return 0;
}

static bool get_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* A copy of the first string member among `keys` (NULL-ended), or NULL:
 * names only label what import stores, so a missing one is no error. */
static int dup_name(char **out, const cJSON *o, const char *const *keys)
{
    *out = NULL;
    for (; *keys; keys++) {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, *keys));
        if (s && *s) {
            *out = gv_strdup(s);
            return *out ? 0 : -ENOMEM;
        }
    }
    return 0;
}

/* --- Singletons -------------------------------------------------------------- */

static int apply_contest(struct cst_feed *f, const cJSON *d, char *err, size_t n)
{
    const cJSON *pen = d ? cJSON_GetObjectItemCaseSensitive(d, "penalty_time") : NULL;
    int64_t start = 0, dur = 0, frz = 0, pen_ms;
    bool has_dur, has_frz;
    const char *type;
    int off = 0, penalty = 20, rc;

    if (!d) { /* deleted: the board has no contest to stand on */
        f->has_contest = false;
        return 0;
    }
    if ((rc = get_time(&start, &off, d, "start_time", err, n)) < 0 ||
        (rc = get_rel(&dur, &has_dur, d, "duration", err, n)) < 0 ||
        (rc = get_rel(&frz, &has_frz, d, "scoreboard_freeze_duration", err, n)) < 0 ||
        (rc = get_str(&type, d, "scoreboard_type", false, err, n)) < 0)
        return rc;
    if (!has_dur)
        return gv_err_say(err, n, GV_EPARSE, "the contest has no \"duration\"");
    {
        static const char *const id_keys[] = {"id", NULL};
        static const char *const name_keys[] = {"formal_name", "name", NULL};
        char *id, *name;

        if ((rc = dup_name(&id, d, id_keys)) < 0)
            return rc;
        if ((rc = dup_name(&name, d, name_keys)) < 0) {
            gv_free(id);
            return rc;
        }
        gv_free(f->contest_id);
        gv_free(f->contest_name);
        f->contest_id = id;
        f->contest_name = name;
    }
    /* Bounded before any cast: a double out of an int's range is UB. */
    if (cJSON_IsNumber(pen)) { /* 2023-06: minutes */
        if (!(pen->valuedouble >= 0 && pen->valuedouble <= PENALTY_MAX))
            return gv_err_say(err, n, GV_EPARSE, "\"penalty_time\" is out of range");
        penalty = (int)pen->valuedouble;
    } else if (cJSON_IsString(pen)) { /* later drafts: a RELTIME */
        if (cst_clics_reltime_parse(&pen_ms, pen->valuestring) < 0 || pen_ms < 0 ||
            pen_ms / 60000 > PENALTY_MAX)
            return gv_err_say(err, n, GV_EPARSE,
                              "\"penalty_time\" is not a relative time in range");
        penalty = (int)(pen_ms / 60000);
    } else if (pen && !cJSON_IsNull(pen)) {
        return gv_err_say(err, n, GV_EPARSE, "\"penalty_time\" is neither a number nor a time");
    }
    f->has_contest = true;
    /* A start set in the state wins: it is when the contest did start. */
    f->has_start = start != 0 || f->state.started != 0;
    if (start) {
        f->start = f->state.started ? f->state.started : start;
        f->offset_min = off;
    }
    f->duration = dur;
    f->has_freeze = has_frz;
    f->freeze_duration = frz;
    f->penalty = penalty;
    f->ioi = type && !strcmp(type, "score");
    return 0;
}

static int apply_state(struct cst_feed *f, const cJSON *d, char *err, size_t n)
{
    struct cst_clics_state s = {0};
    int off = f->offset_min, rc;

    if (d && ((rc = get_time(&s.started, &off, d, "started", err, n)) < 0 ||
              (rc = get_time(&s.frozen, NULL, d, "frozen", err, n)) < 0 ||
              (rc = get_time(&s.ended, NULL, d, "ended", err, n)) < 0 ||
              (rc = get_time(&s.thawed, NULL, d, "thawed", err, n)) < 0 ||
              (rc = get_time(&s.finalized, NULL, d, "finalized", err, n)) < 0 ||
              (rc = get_time(&s.end_of_updates, NULL, d, "end_of_updates", err, n)) < 0))
        return rc;
    f->state = s;
    if (s.started) {
        f->start = s.started;
        f->offset_min = off;
        f->has_start = true;
    }
    return 0;
}

/* --- Collections -------------------------------------------------------------- */

/* One object's new content, checked, before it is stored. */
static int parse_obj(struct obj *o, struct cst_feed *f, enum coll c, const cJSON *d, char *err,
                     size_t n)
{
    static const char *const prob_names[] = {"name", "label", NULL};
    static const char *const team_names[] = {"display_name", "name", NULL};
    static const char *const labels[] = {"label", NULL};
    static const char *const langs[] = {"language_id", NULL};
    const char *team, *prob, *sub, *jt;
    const cJSON *ord;
    bool has;
    int rc;

    switch (c) {
    case C_JTYPES:
        o->solved = get_bool(d, "solved");
        o->penalty = get_bool(d, "penalty");
        return 0;
    case C_PROBLEMS:
        ord = cJSON_GetObjectItemCaseSensitive(d, "ordinal");
        /* cJSON keeps an int copy of every number, saturated: no double cast. */
        o->ordinal = cJSON_IsNumber(ord) ? ord->valueint : INT64_MAX;
        if ((rc = dup_name(&o->name, d, prob_names)) < 0)
            return rc;
        return dup_name(&o->label, d, labels);
    case C_TEAMS:
        o->hidden = get_bool(d, "hidden");
        return dup_name(&o->name, d, team_names);
    case C_SUBS:
        if ((rc = get_str(&team, d, "team_id", true, err, n)) < 0 ||
            (rc = get_str(&prob, d, "problem_id", true, err, n)) < 0 ||
            (rc = get_rel(&o->at_ms, &has, d, "contest_time", err, n)) < 0)
            return rc;
        if (!has) { /* derive it from the wall-clock time */
            int64_t t;
            if ((rc = get_time(&t, NULL, d, "time", err, n)) < 0)
                return rc;
            if (!t || !f->has_start)
                return gv_err_say(err, n, GV_EPARSE, "submission '%s' has no \"contest_time\"",
                                  o->id);
            o->at_ms = t - f->start;
        }
        o->team_id = gv_strdup(team);
        o->problem_id = gv_strdup(prob);
        if (!o->team_id || !o->problem_id)
            return -ENOMEM;
        return dup_name(&o->label, d, langs);
    case C_JUDGEMENTS:
        if ((rc = get_str(&sub, d, "submission_id", true, err, n)) < 0 ||
            (rc = get_str(&jt, d, "judgement_type_id", false, err, n)) < 0 ||
            (rc = get_rel(&o->at_ms, &has, d, "start_contest_time", err, n)) < 0)
            return rc;
        if (!has)
            o->at_ms = INT64_MIN;
        if ((rc = get_rel(&o->end_ms, &has, d, "end_contest_time", err, n)) < 0)
            return rc;
        if (!has)
            o->end_ms = INT64_MIN;
        o->score = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "score"))
                       ? cJSON_GetObjectItemCaseSensitive(d, "score")->valuedouble
                       : 0;
        o->sub = find(&f->c[C_SUBS], sub);
        if (o->sub == SIZE_MAX || f->c[C_SUBS].objs[o->sub].deleted)
            return gv_err_say(err, n, GV_ENOTFOUND,
                              "judgement '%s' is for submission '%s', which the "
                              "feed has not created",
                              o->id, sub);
        o->jtype = jt ? gv_strdup(jt) : NULL;
        return !jt || o->jtype ? 0 : -ENOMEM;
    case C_COUNT:
        break;
    }
    return GV_EINVAL;
}

/* Stores a parsed object under its id: creates, revives or replaces. */
static int store(struct cst_feed *f, enum coll c, struct obj *o)
{
    struct coll_tab *t = &f->c[c];
    size_t i = find(t, o->id);
    int rc;

    if (i != SIZE_MAX) {
        struct obj *old = &t->objs[i];

        o->seq = old->deleted ? ++f->seq : old->seq;
        gv_free(o->id);
        o->id = old->id;
        obj_release(old);
        *old = *o;
        return 0;
    }
    if ((rc = grow(t)) < 0)
        return rc;
    o->seq = ++f->seq;
    t->objs[t->n] = *o;
    *slot_of(t, o->id) = t->n + 1;
    t->n++;
    return 0;
}

static void note_time(struct cst_feed *f, enum coll c, const struct obj *o)
{
    int64_t t = c == C_SUBS ? o->at_ms : c == C_JUDGEMENTS ? o->end_ms : INT64_MIN;

    if (t > f->last_rel)
        f->last_rel = t;
}

/* Creates or updates one object from `d` (an object with an id). */
static int upsert(struct cst_feed *f, enum coll c, const char *id, const cJSON *d, char *err,
                  size_t n)
{
    struct obj o = {0};
    int rc;

    if (!cJSON_IsObject(d))
        return gv_err_say(err, n, GV_EPARSE, "\"data\" is not an object");
    o.id = gv_strdup(id);
    if (!o.id)
        return -ENOMEM;
    rc = parse_obj(&o, f, c, d, err, n);
    if (rc == 0)
        rc = store(f, c, &o);
    if (rc < 0) {
        obj_release(&o);
        gv_free(o.id);
        return rc;
    }
    note_time(f, c, &o);
    return 0;
}

static int delete_obj(struct cst_feed *f, enum coll c, const char *id)
{
    size_t i = find(&f->c[c], id);

    if (i != SIZE_MAX)
        f->c[c].objs[i].deleted = true;
    return 0; /* deleting what is not there leaves it not there */
}

/* id null, data an array: the whole collection is replaced. Every element
 * is checked first, so that a bad one leaves the collection as it was. */
static int replace_all(struct cst_feed *f, enum coll c, const cJSON *arr, char *err, size_t n)
{
    const cJSON *d;
    int rc;

    cJSON_ArrayForEach(d, arr)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "id");
        struct obj probe = {.id = cJSON_GetStringValue(id)};

        if (!cJSON_IsObject(d) || !cJSON_IsString(id))
            return gv_err_say(err, n, GV_EPARSE, "an element of \"data\" has no string \"id\"");
        rc = parse_obj(&probe, f, c, d, err, n);
        obj_release(&probe);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < f->c[c].n; i++)
        f->c[c].objs[i].deleted = true;
    cJSON_ArrayForEach(d, arr)
    {
        rc = upsert(f, c, cJSON_GetObjectItemCaseSensitive(d, "id")->valuestring, d, err, n);
        if (rc < 0)
            return rc; /* only -ENOMEM: everything parsed above */
    }
    return 0;
}

static int apply_json(struct cst_feed *f, const cJSON *ev, char *err, size_t n)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(ev, "op");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "id");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
    const char *oid = NULL;
    bool del;
    int c;

    if (!cJSON_IsObject(ev))
        return gv_err_say(err, n, GV_EPARSE, "not a JSON object");
    if (!type) /* 2018's feed named it "event" */
        type = cJSON_GetObjectItemCaseSensitive(ev, "event");
    if (!cJSON_IsString(type))
        return gv_err_say(err, n, GV_EPARSE, "no \"type\"");
    if (!data)
        return gv_err_say(err, n, GV_EPARSE, "no \"data\"");
    if (op && (!cJSON_IsString(op) ||
               (strcmp(op->valuestring, "create") && strcmp(op->valuestring, "update") &&
                strcmp(op->valuestring, "delete"))))
        return gv_err_say(err, n, GV_EPARSE, "\"op\" is not create, update or delete");
    /* With an op (before 2023-06) the top id is the event's and the object's
     * is in data; without, the top id is the object's and null data deletes. */
    del = op ? !strcmp(op->valuestring, "delete") : cJSON_IsNull(data);
    if (op)
        oid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "id"));
    else if (cJSON_IsString(id))
        oid = id->valuestring;
    else if (id && !cJSON_IsNull(id))
        return gv_err_say(err, n, GV_EPARSE, "\"id\" is not a string");

    if (!strcmp(type->valuestring, "contest"))
        return apply_contest(f, del ? NULL : data, err, n);
    if (!strcmp(type->valuestring, "state"))
        return apply_state(f, del ? NULL : data, err, n);
    for (c = 0; c < C_COUNT; c++)
        if (!strcmp(type->valuestring, coll_names[c]))
            break;
    if (c == C_COUNT) {
        for (size_t k = 0; k < sizeof(ignored_types) / sizeof(ignored_types[0]); k++)
            if (!strcmp(type->valuestring, ignored_types[k]))
                return 0;
        f->unknown++;
        return 0;
    }
    if (!oid && !op && cJSON_IsArray(data))
        return replace_all(f, (enum coll)c, data, err, n);
    if (!oid)
        return gv_err_say(err, n, GV_EPARSE, "a %s event without an object id", type->valuestring);
    if (del)
        return delete_obj(f, (enum coll)c, oid);
    return upsert(f, (enum coll)c, oid, data, err, n);
}

int cst_feed_apply(struct cst_feed *f, const char *line, size_t len, char *err, size_t errsize)
{
    const char *end = NULL;
    cJSON *ev;
    size_t i;
    int rc;

    if (len > CST_FEED_LINE_MAX)
        return gv_err_say(err, errsize, GV_ETOOBIG, "line longer than %d bytes", CST_FEED_LINE_MAX);
    for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
        ;
    if (i == len)
        return 0; /* a keep-alive */
    /* One value per line: trailing bytes are as bad as a broken value. */
    ev = cJSON_ParseWithLengthOpts(line, len, &end, false);
    while (ev && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
        end++;
    if (!ev || end != line + len) {
        cJSON_Delete(ev);
        return gv_err_say(err, errsize, GV_EPARSE, "not JSON");
    }
    rc = apply_json(f, ev, err, errsize);
    cJSON_Delete(ev);
    return rc;
}

/* --- The board ------------------------------------------------------------------ */

/* What the board is computed from, by index. */
struct view {
    const struct cst_feed *f;
    size_t *problems, nproblems; /* collection indexes, in board order */
    size_t *teams, nteams;
    const char **problem_ids, **team_ids;
    size_t *prob_col, *team_row; /* collection index -> column/row, SIZE_MAX: not shown */
    struct seq_attempt *sorted;
    struct cst_attempt *attempts;
    size_t nattempts;
};

static int problem_cmp(const void *pa, const void *pb, void *feed)
{
    const struct obj *p = ((const struct cst_feed *)feed)->c[C_PROBLEMS].objs;
    const struct obj *a = &p[*(const size_t *)pa], *b = &p[*(const size_t *)pb];

    if (a->ordinal != b->ordinal)
        return a->ordinal < b->ordinal ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* An attempt and its submission's place in the feed: equal times keep
 * the feed's order (qsort is not stable). */
struct seq_attempt {
    struct cst_attempt a;
    uint64_t seq;
};

static int attempt_cmp(const void *pa, const void *pb)
{
    const struct seq_attempt *a = pa, *b = pb;

    if (a->a.at_ms != b->a.at_ms)
        return a->a.at_ms < b->a.at_ms ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The outcome of submission `s` at contest time `at`: its latest judgement
 * that had started by then, if that one had ended. */
static enum cst_outcome outcome_at(double *score, const struct cst_feed *f, const size_t *latest,
                                   size_t s, int64_t at)
{
    const struct obj *j, *t;
    size_t k;

    *score = 0;
    if (latest[s] == SIZE_MAX)
        return CST_OUT_PENDING;
    j = &f->c[C_JUDGEMENTS].objs[latest[s]];
    if (!j->jtype || (j->end_ms != INT64_MIN && j->end_ms > at))
        return CST_OUT_PENDING;
    *score = j->score;
    k = find(&f->c[C_JTYPES], j->jtype);
    t = k != SIZE_MAX && !f->c[C_JTYPES].objs[k].deleted ? &f->c[C_JTYPES].objs[k] : NULL;
    if (t)
        return cst_clics_outcome(t->solved, t->penalty);
    /* A type the feed did not define: the spec's meaning, when it has one. */
    size_t nknown;
    const struct cst_clics_jtype *known = cst_clics_jtypes(&nknown);
    for (size_t i = 0; i < nknown; i++)
        if (!strcmp(known[i].id, j->jtype))
            return cst_clics_outcome(known[i].solved, known[i].penalty);
    return CST_OUT_PENDING;
}

static void view_release(struct view *v)
{
    gv_free(v->problems);
    gv_free(v->teams);
    gv_free(v->problem_ids);
    gv_free(v->team_ids);
    gv_free(v->prob_col);
    gv_free(v->team_row);
    gv_free(v->attempts);
    gv_free(v->sorted);
}

static int view_build(struct view *v, const struct cst_feed *f, int64_t at)
{
    const struct coll_tab *P = &f->c[C_PROBLEMS], *T = &f->c[C_TEAMS], *S = &f->c[C_SUBS],
                          *J = &f->c[C_JUDGEMENTS];
    size_t *latest = NULL;
    int rc = -ENOMEM;

    memset(v, 0, sizeof(*v));
    v->f = f;
    v->problems = gv_calloc(P->n + 1, sizeof(*v->problems));
    v->problem_ids = gv_calloc(P->n + 1, sizeof(*v->problem_ids));
    v->prob_col = gv_calloc(P->n + 1, sizeof(*v->prob_col));
    v->teams = gv_calloc(T->n + 1, sizeof(*v->teams));
    v->team_ids = gv_calloc(T->n + 1, sizeof(*v->team_ids));
    v->team_row = gv_calloc(T->n + 1, sizeof(*v->team_row));
    v->attempts = gv_calloc(S->n + 1, sizeof(*v->attempts));
    v->sorted = gv_calloc(S->n + 1, sizeof(*v->sorted));
    latest = gv_calloc(S->n + 1, sizeof(*latest));
    if (!v->problems || !v->problem_ids || !v->prob_col || !v->teams || !v->team_ids ||
        !v->team_row || !v->attempts || !v->sorted || !latest)
        goto out;
    for (size_t i = 0; i < P->n; i++)
        if (!P->objs[i].deleted)
            v->problems[v->nproblems++] = i;
    qsort_r(v->problems, v->nproblems, sizeof(*v->problems), problem_cmp, (void *)f);
    for (size_t i = 0; i < P->n; i++)
        v->prob_col[i] = SIZE_MAX;
    for (size_t p = 0; p < v->nproblems; p++) {
        v->prob_col[v->problems[p]] = p;
        v->problem_ids[p] = P->objs[v->problems[p]].id;
    }
    for (size_t i = 0; i < T->n; i++) {
        v->team_row[i] = SIZE_MAX;
        if (T->objs[i].deleted || T->objs[i].hidden)
            continue;
        v->team_row[i] = v->nteams;
        v->team_ids[v->nteams] = T->objs[i].id;
        v->teams[v->nteams++] = i;
    }
    /* Each submission's current judgement: the latest created. */
    for (size_t s = 0; s < S->n; s++)
        latest[s] = SIZE_MAX;
    for (size_t i = 0; i < J->n; i++) {
        const struct obj *j = &J->objs[i];
        if (j->deleted || (j->at_ms != INT64_MIN && j->at_ms > at))
            continue;
        if (latest[j->sub] == SIZE_MAX || J->objs[latest[j->sub]].seq < j->seq)
            latest[j->sub] = i;
    }
    for (size_t s = 0; s < S->n; s++) {
        const struct obj *o = &S->objs[s];
        size_t ti, pi;

        if (o->deleted || o->at_ms > at)
            continue;
        ti = find(T, o->team_id);
        pi = find(P, o->problem_id);
        if (ti == SIZE_MAX || pi == SIZE_MAX || v->team_row[ti] == SIZE_MAX ||
            v->prob_col[pi] == SIZE_MAX)
            continue; /* a hidden team's, or a problem no longer in the set */
        struct seq_attempt *a = &v->sorted[v->nattempts++];
        a->a.team = v->team_row[ti];
        a->a.problem = v->prob_col[pi];
        a->a.at_ms = o->at_ms < 0 ? 0 : o->at_ms;
        a->a.outcome = outcome_at(&a->a.score, f, latest, s, at);
        a->seq = o->seq;
    }
    qsort(v->sorted, v->nattempts, sizeof(*v->sorted), attempt_cmp);
    for (size_t i = 0; i < v->nattempts; i++)
        v->attempts[i] = v->sorted[i].a;
    rc = 0;
out:
    gv_free(latest);
    return rc;
}

/* The state as it stood at epoch `now`: later changes not yet made. */
static struct cst_clics_state state_at(const struct cst_clics_state *s, int64_t now)
{
    struct cst_clics_state r = *s;
    int64_t *t[] = {&r.started, &r.frozen, &r.ended, &r.thawed, &r.finalized, &r.end_of_updates};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (*t[i] > now)
            *t[i] = 0;
    return r;
}

int cst_feed_scoreboard(struct cJSON **out, const struct cst_feed *f, bool jury, int64_t at_ms)
{
    struct cst_board_rules rules = {0};
    struct cst_clics_board info = {0};
    struct cst_board b = {0};
    struct view v;
    int64_t now, end;
    int rc;

    *out = NULL;
    if (!f->has_contest || !f->has_start)
        return GV_EINVAL;
    /* The board's clock: the asked time, else the latest the feed knows. */
    end = f->start + f->duration;
    if (at_ms != INT64_MAX) {
        now = f->start + at_ms;
    } else {
        const int64_t st[] = {f->state.started, f->state.frozen,    f->state.ended,
                              f->state.thawed,  f->state.finalized, f->state.end_of_updates};
        now = f->start + f->last_rel;
        for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
            if (st[i] > now)
                now = st[i];
    }
    info.state = state_at(&f->state, now);
    rules.scoring = info.scoring = f->ioi ? CST_SCORING_IOI : CST_SCORING_ICPC;
    rules.penalty_minutes = f->penalty;
    rules.freeze_at_ms = f->has_freeze ? f->duration - f->freeze_duration : -1;
    rules.reveal = jury || info.state.thawed != 0;
    rc = view_build(&v, f, at_ms);
    if (rc == 0)
        rc = cst_board_compute(&b, &rules, v.nteams, v.nproblems, v.attempts, v.nattempts);
    if (rc == 0) {
        info.time = now;
        info.contest_time = (now > end ? end : now) - f->start;
        if (info.contest_time < 0)
            info.contest_time = 0;
        info.offset_min = f->offset_min;
        info.team_ids = v.team_ids;
        info.problem_ids = v.problem_ids;
        rc = cst_clics_scoreboard(out, &info, &b);
    }
    cst_board_release(&b);
    view_release(&v);
    return rc;
}

/* --- The contest as data, for import ------------------------------------------ */

int cst_feed_export(struct cst_feed_contest *out, const struct cst_feed *f)
{
    const struct coll_tab *P = &f->c[C_PROBLEMS], *T = &f->c[C_TEAMS], *S = &f->c[C_SUBS],
                          *J = &f->c[C_JUDGEMENTS];
    size_t *order = NULL, *latest = NULL, np = 0;
    int rc = -ENOMEM;

    memset(out, 0, sizeof(*out));
    if (!f->has_contest || !f->has_start)
        return GV_EINVAL;
    out->id = f->contest_id;
    out->name = f->contest_name;
    out->start_ms = f->start;
    out->duration_ms = f->duration;
    out->freeze_ms = f->has_freeze ? f->freeze_duration : -1;
    out->penalty_minutes = f->penalty;
    out->ioi = f->ioi;
    out->thawed_ms = f->state.thawed;
    out->problems = gv_calloc(P->n + 1, sizeof(*out->problems));
    out->teams = gv_calloc(T->n + 1, sizeof(*out->teams));
    out->subs = gv_calloc(S->n + 1, sizeof(*out->subs));
    order = gv_calloc(P->n + 1, sizeof(*order));
    latest = gv_calloc(S->n + 1, sizeof(*latest));
    if (!out->problems || !out->teams || !out->subs || !order || !latest)
        goto out;
    /* Problems in board order, as the replayed board has its columns. */
    for (size_t i = 0; i < P->n; i++)
        if (!P->objs[i].deleted)
            order[np++] = i;
    qsort_r(order, np, sizeof(*order), problem_cmp, (void *)f);
    for (size_t k = 0; k < np; k++) {
        const struct obj *o = &P->objs[order[k]];
        out->problems[out->nproblems++] =
            (struct cst_feed_problem){.id = o->id, .label = o->label, .name = o->name};
    }
    for (size_t i = 0; i < T->n; i++)
        if (!T->objs[i].deleted)
            out->teams[out->nteams++] = (struct cst_feed_team){
                .id = T->objs[i].id, .name = T->objs[i].name, .hidden = T->objs[i].hidden};
    /* The judgement that counts: the latest created, as on the board. */
    for (size_t s = 0; s < S->n; s++)
        latest[s] = SIZE_MAX;
    for (size_t i = 0; i < J->n; i++)
        if (!J->objs[i].deleted && (latest[J->objs[i].sub] == SIZE_MAX ||
                                    J->objs[latest[J->objs[i].sub]].seq < J->objs[i].seq))
            latest[J->objs[i].sub] = i;
    for (size_t s = 0; s < S->n; s++) {
        const struct obj *o = &S->objs[s];
        struct cst_feed_submission *x;

        if (o->deleted)
            continue;
        x = &out->subs[out->nsubs++];
        *x = (struct cst_feed_submission){.id = o->id,
                                          .team_id = o->team_id,
                                          .problem_id = o->problem_id,
                                          .language_id = o->label,
                                          .at_ms = o->at_ms,
                                          .seq = o->seq,
                                          .judge_start_ms = INT64_MIN,
                                          .judge_end_ms = INT64_MIN};
        x->outcome = outcome_at(&x->score, f, latest, s, INT64_MAX);
        if (latest[s] != SIZE_MAX) {
            const struct obj *j = &J->objs[latest[s]];
            x->judgement_id = j->id;
            x->jtype = j->jtype;
            x->judge_start_ms = j->at_ms;
            x->judge_end_ms = j->end_ms;
        }
    }
    rc = 0;
out:
    gv_free(order);
    gv_free(latest);
    if (rc < 0)
        cst_feed_export_release(out);
    return rc;
}

void cst_feed_export_release(struct cst_feed_contest *c)
{
    gv_free(c->problems);
    gv_free(c->teams);
    gv_free(c->subs);
    memset(c, 0, sizeof(*c));
}
