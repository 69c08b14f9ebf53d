/* SPDX-License-Identifier: MIT
 * db_clics_feed.c - the CLICS event feed's snapshot and its notifications
 * from the `events` log (db_clics.h, "The event feed").
 *
 * Every object is read as its endpoint reads it (db_clics_get, for the
 * caller's view), so the feed and the endpoints agree object for object and
 * the access rules live in one place: an event whose object this view may
 * not see (a judgement of a frozen attempt, a private clarification) makes
 * no notification. The log says what changed, the collections say what it
 * looks like now. */
#include "db_clics.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst_event.h"
#include "db_board.h"
#include "db_internal.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

/* The collections the snapshot lists, in the spec's order (NULL: the
 * contest object itself). */
static const char *const snapshot_order[] = {
    NULL,          "judgement-types", "languages", "problems",       "teams", "state",
    "submissions", "judgements",      "runs",      "clarifications", "awards"};

/* Appends one notification line: {"type","id","data","token"}. */
static int notify(struct gv_buf *out, const char *type, const cJSON *id, const cJSON *data,
                  const char *token)
{
    cJSON *n = cJSON_CreateObject();
    char *text = NULL;
    int err = -ENOMEM;

    if (n && cJSON_AddStringToObject(n, "type", type) &&
        cJSON_AddItemToObject(n, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull()) &&
        cJSON_AddItemReferenceToObject(n, "data", (cJSON *)data) &&
        cJSON_AddStringToObject(n, "token", token))
        text = cJSON_PrintUnformatted(n);
    if (text)
        err = gv_buf_append(out, text, strlen(text));
    if (err == 0)
        err = gv_buf_append(out, "\n", 1);
    cJSON_free(text);
    cJSON_Delete(n);
    return err;
}

/* One collection (or the contest, `name` NULL) for this view, parsed. */
static int load(cJSON **out, struct db_pg *pg, int64_t cid, const char *name, bool jury)
{
    char *text = NULL;
    int err = db_clics_get(&text, pg, cid, name, NULL, jury, gv_time_real_ms());

    *out = NULL;
    if (err < 0)
        return err;
    *out = cJSON_Parse(text);
    gv_free(text);
    return *out ? 0 : -ENOMEM;
}

int db_clics_feed_token_parse(int64_t *from, int *skip, bool *snapshot, const char *token)
{
    const char *p = token;
    char *end = NULL;
    long long e, k = -1;

    *snapshot = *p == 's';
    if (*snapshot)
        p++;
    if (*p < '0' || *p > '9')
        return GV_EINVAL;
    e = strtoll(p, &end, 10);
    if (e < 0 || e >= INT64_MAX / 2)
        return GV_EINVAL;
    if (*end == '.') {
        p = end + 1;
        if (*p < '0' || *p > '9')
            return GV_EINVAL;
        k = strtoll(p, &end, 10);
        if (k < 0 || k > 1000000)
            return GV_EINVAL;
    }
    if (*end || (*snapshot && k < 0))
        return GV_EINVAL;
    /* "<E>" is after row E; "<E>.<k>" inside it; a snapshot line restarts
     * the snapshot, whose own position the caller finds anew. */
    *from = k < 0 ? e + 1 : e;
    *skip = k < 0 || *snapshot ? 0 : (int)k + 1;
    return 0;
}

int db_clics_feed_snapshot(struct gv_buf *out, int64_t *head, struct db_pg *pg, int64_t contest_id,
                           bool jury)
{
    cJSON *parts[sizeof(snapshot_order) / sizeof(snapshot_order[0])];
    char *top = NULL, token[DB_CLICS_TOKEN_MAX];
    const cJSON *it;
    int err, n = 0, total;

    memset(parts, 0, sizeof(parts));
    /* The log's position first, the objects after: an event that lands in
     * between is in both (an update to the same state), never in neither. */
    err = db_pg_query_value(&top, pg, "SELECT coalesce(max(id), 0) FROM events", 0, NULL);
    if (err < 0)
        goto out;
    *head = top ? strtoll(top, NULL, 10) : 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        err = load(&parts[i], pg, contest_id, snapshot_order[i], jury);
        if (err < 0)
            goto out;
    }
    total = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        total += cJSON_IsArray(parts[i]) ? cJSON_GetArraySize(parts[i]) : 1;
    for (size_t i = 0; err == 0 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *type = snapshot_order[i] ? snapshot_order[i] : "contest";

        if (!cJSON_IsArray(parts[i])) {
            /* The contest has an id; the state is a singleton (id null). */
            if (++n == total)
                snprintf(token, sizeof(token), "%" PRId64, *head);
            else
                snprintf(token, sizeof(token), "s%" PRId64 ".%d", *head, n - 1);
            err = notify(out, type,
                         snapshot_order[i] ? NULL
                                           : cJSON_GetObjectItemCaseSensitive(parts[i], "id"),
                         parts[i], token);
            continue;
        }
        cJSON_ArrayForEach(it, parts[i])
        {
            if (++n == total)
                snprintf(token, sizeof(token), "%" PRId64, *head);
            else
                snprintf(token, sizeof(token), "s%" PRId64 ".%d", *head, n - 1);
            err = notify(out, type, cJSON_GetObjectItemCaseSensitive(it, "id"), it, token);
            if (err < 0)
                break;
        }
    }
out:
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        cJSON_Delete(parts[i]);
    gv_free(top);
    return err;
}

/* --- Events ------------------------------------------------------------------ */

/* The collections one batch of rows reads, each once, when first needed,
 * and only the objects the batch's rows name (see batch_scan). */
enum coll { C_CONTEST, C_STATE, C_PROBLEMS, C_SUBMISSIONS, C_JUDGEMENTS, C_RUNS, C_CLARS, C_N };
static const char *const coll_names[C_N] = {NULL,         "state", "problems",      "submissions",
                                            "judgements", "runs",  "clarifications"};

struct batch {
    struct db_pg *pg;
    int64_t cid;
    bool jury;
    struct db__clics_view *view; /* opened at the first collection read */
    cJSON *coll[C_N];
    /* What to read of each collection: a bigint[] literal of the ids the
     * rows name, or all of it (all[c]). */
    struct gv_buf only[C_N];
    bool all[C_N];
    /* The notifications of the row being turned into lines: [type, data]
     * pairs, borrowed from coll. */
    const char *types[256];
    const cJSON *datas[256];
    int n;
};

static int coll_get(const cJSON **out, struct batch *b, enum coll c)
{
    int err = 0;

    if (!b->view)
        err = db__clics_view_open(&b->view, b->pg, b->cid, b->jury, gv_time_real_ms());
    if (err == 0 && !b->coll[c]) {
        const char *only = NULL;

        if (!b->all[c]) {
            /* Closes the literal ("{" opened by want()); an empty one asks
             * for nothing, as it should. */
            if (!b->only[c].len)
                err = gv_buf_append(&b->only[c], "{", 1);
            if (err == 0)
                err = gv_buf_append(&b->only[c], "}", sizeof("}")); /* and a NUL */
            only = b->only[c].data;
        }
        if (err == 0)
            err = db__clics_view_select(&b->coll[c], b->view, b->pg, coll_names[c], only);
    }
    *out = b->coll[c];
    return err;
}

/* Notes that the batch needs object `id` of collection `c`. */
static int want(struct batch *b, enum coll c, int64_t id)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%s%" PRId64, b->only[c].len ? "," : "{", id);

    return gv_buf_append(&b->only[c], text, (size_t)n);
}

/* Before any object is read: what the batch's rows will ask for (as
 * row_lines asks), so each collection is read once, for those objects. */
static int batch_scan(struct batch *b, const struct cst_event *ev, bool first_verdict)
{
    int err = 0;

    switch (ev->type) {
    case CST_EVENT_JUDGING_VERDICT:
        if (first_verdict)
            err = want(b, C_SUBMISSIONS, ev->submission_id);
        if (err == 0)
            err = want(b, C_JUDGEMENTS, ev->u.verdict.judging_id);
        if (err == 0)
            err = want(b, C_RUNS, ev->u.verdict.judging_id);
        break;
    case CST_EVENT_CONTEST_PHASE:
        if (ev->u.phase.phase == CST_PHASE_FINALIZED && !b->jury)
            b->all[C_JUDGEMENTS] = b->all[C_RUNS] = true;
        break;
    default:
        break;
    }
    return err;
}

static void add(struct batch *b, enum coll c, const cJSON *data)
{
    static const char *const types[C_N] = {"contest",     "state", "problems",      "submissions",
                                           "judgements",  "runs",  "clarifications"};

    /* A row makes a handful of lines; a finalization's withheld judgements
     * are many, and past this they are left to the collection's endpoint. */
    if (b->n < (int)(sizeof(b->types) / sizeof(b->types[0]))) {
        b->types[b->n] = types[c];
        b->datas[b->n++] = data;
    }
}

/* The elements of collection `c` whose `key` is the string `want` (any
 * element when `want` is NULL). */
static int add_where(struct batch *b, enum coll c, const char *key, const char *want)
{
    const cJSON *arr, *it;
    int err = coll_get(&arr, b, c);

    if (err < 0)
        return err;
    cJSON_ArrayForEach(it, arr)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, key));

        if (!want || (v && !strcmp(v, want)))
            add(b, c, it);
    }
    return 0;
}

/* The notifications one log row makes, into b->types/datas. */
static int row_lines(struct batch *b, const struct cst_event *ev, bool first_verdict)
{
    char id[48];
    const cJSON *o;
    int err = 0;

    b->n = 0;
    switch (ev->type) {
    case CST_EVENT_JUDGING_VERDICT:
        snprintf(id, sizeof(id), "%" PRId64, ev->submission_id);
        if (first_verdict)
            err = add_where(b, C_SUBMISSIONS, "id", id);
        snprintf(id, sizeof(id), "%" PRId64, ev->u.verdict.judging_id);
        if (err == 0)
            err = add_where(b, C_JUDGEMENTS, "id", id);
        if (err == 0)
            err = add_where(b, C_RUNS, "judgement_id", id);
        break;
    case CST_EVENT_CONTEST_PHASE:
        if (ev->u.phase.phase == CST_PHASE_RUNNING)
            err = add_where(b, C_PROBLEMS, NULL, NULL);
        if (err == 0 && ev->u.phase.phase == CST_PHASE_FINALIZED) {
            err = coll_get(&o, b, C_CONTEST);
            if (err == 0)
                add(b, C_CONTEST, o);
            /* What the freeze withheld from the public is visible now. */
            if (err == 0 && !b->jury)
                err = add_where(b, C_JUDGEMENTS, NULL, NULL);
            if (err == 0 && !b->jury)
                err = add_where(b, C_RUNS, NULL, NULL);
        }
        if (err == 0)
            err = coll_get(&o, b, C_STATE);
        if (err == 0)
            add(b, C_STATE, o);
        break;
    case CST_EVENT_CONTEST_CLAR:
        snprintf(id, sizeof(id), "%" PRId64, ev->u.clar.clar_id);
        err = add_where(b, C_CLARS, "id", id);
        snprintf(id, sizeof(id), "%" PRId64 "-reply", ev->u.clar.clar_id);
        if (err == 0)
            err = add_where(b, C_CLARS, "id", id);
        break;
    default:
        break; /* announcements (and anything newer) are no CLICS object */
    }
    return err;
}

int db_clics_feed_events(struct gv_buf *out, int64_t *last, bool *more, struct db_pg *pg,
                         int64_t contest_id, bool jury, int64_t from, int skip, int limit)
{
    char cid[24], fr[24], lim[16];
    const char *p[] = {cid, fr, lim};
    struct batch *b = gv_calloc(1, sizeof(*b));
    PGresult *r = NULL;
    int err, rows;

    *more = false;
    if (!b)
        return -ENOMEM;
    b->pg = pg;
    b->cid = contest_id;
    b->jury = jury;
    /* The whole of the small collections; the others by id (batch_scan). */
    b->all[C_CONTEST] = b->all[C_STATE] = b->all[C_PROBLEMS] = b->all[C_CLARS] = true;
    for (int c = 0; c < C_N; c++)
        gv_buf_init(&b->only[c], (size_t)1 << 20);
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(fr, sizeof(fr), "%" PRId64, from);
    snprintf(lim, sizeof(lim), "%d", limit);
    /* `first`: no earlier verdict of the same submission, so this one is
     * the first time the log mentions it (its "create"); one probe of
     * events_verdict_submission_idx (migration 0012) per verdict row. The
     * rows come by events_contest_id_idx from `from` on: a read costs the
     * rows it reads, not the log before them. */
    err = db__pg_select(&r, pg, "clics feed events",
                        "SELECT e.id, e.type, e.payload::text, e.type <> 'judging.verdict' OR "
                        "NOT EXISTS (SELECT 1 FROM events o WHERE o.type = 'judging.verdict' AND "
                        "o.contest_id = e.contest_id AND o.payload->'submission_id' = "
                        "e.payload->'submission_id' AND o.id < e.id) FROM events e WHERE "
                        "e.contest_id = $1::bigint AND e.id >= $2::bigint ORDER BY e.id "
                        "LIMIT $3::int",
                        3, p);
    if (err < 0)
        goto out;
    rows = PQntuples(r);
    *more = rows >= limit;
    for (int i = 0; err == 0 && i < rows; i++) {
        const char *payload = PQgetvalue(r, i, 2);
        struct cst_event ev;

        if (cst_event_decode(&ev, PQgetvalue(r, i, 1), payload, strlen(payload)) < 0)
            continue;
        err = batch_scan(b, &ev, PQgetvalue(r, i, 3)[0] == 't');
        cst_event_release(&ev);
    }
    for (int i = 0; err == 0 && i < rows; i++) {
        int64_t id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        const char *payload = PQgetvalue(r, i, 2);
        struct cst_event ev;
        char token[DB_CLICS_TOKEN_MAX];

        if (cst_event_decode(&ev, PQgetvalue(r, i, 1), payload, strlen(payload)) < 0) {
            *last = id; /* not ours to show (a type this build does not know) */
            continue;
        }
        err = row_lines(b, &ev, PQgetvalue(r, i, 3)[0] == 't');
        cst_event_release(&ev);
        for (int k = 0; err == 0 && k < b->n; k++) {
            if (id == from && k < skip)
                continue;
            if (k == b->n - 1)
                snprintf(token, sizeof(token), "%" PRId64, id);
            else
                snprintf(token, sizeof(token), "%" PRId64 ".%d", id, k);
            err = notify(out, b->types[k], cJSON_GetObjectItemCaseSensitive(b->datas[k], "id"),
                         b->datas[k], token);
        }
        if (err == 0)
            *last = id;
    }
out:
    PQclear(r);
    for (int c = 0; c < C_N; c++) {
        cJSON_Delete(b->coll[c]);
        gv_buf_release(&b->only[c]);
    }
    db__clics_view_close(b->view);
    gv_free(b);
    return err;
}
