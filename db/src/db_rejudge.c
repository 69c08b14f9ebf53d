/* SPDX-License-Identifier: MIT
 * db_rejudge.c - rejudge batches: making one, queueing it, its report and
 * the list (db_rejudge.h). */
#include "db_rejudge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "db_board.h"
#include "db_internal.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"


/* Per scope, in enum order: its name in the schema; the query that finds
 * what it names as (contest, problem, submission), from $4 (and $5); and
 * which submissions it covers, given the batch row r. */
static const struct {
    const char *name;
    const char *resolve;
    int nkeys;
    const char *covers;
} scopes[] = {
    {"submission", "SELECT s.contest_id, NULL::bigint, s.id FROM submissions s WHERE s.id = $4::bigint",
     1, "s.id = r.submission_id"},
    {"problem", "SELECT NULL::bigint, p.id, NULL::bigint FROM problems p WHERE p.slug = $4", 1,
     "s.problem_id = r.problem_id"},
    {"contest",
     "SELECT c.id, NULL::bigint, NULL::bigint FROM contests c WHERE c.slug = $4 OR c.id::text = $4",
     1, "s.contest_id = r.contest_id"},
    {"contest_problem",
     "SELECT c.id, cp.problem_id, NULL::bigint FROM contests c JOIN contest_problems cp ON "
     "cp.contest_id = c.id JOIN problems p ON p.id = cp.problem_id WHERE (c.slug = $4 OR "
     "c.id::text = $4) AND (p.slug = $5 OR cp.label = $5)",
     2, "s.contest_id = r.contest_id AND s.problem_id = r.problem_id"},
};

/* The batch row; *id stays 0 when the target names nothing. */
static int batch_insert(int64_t *id, struct db_pg *pg, const struct db_rejudge_target *t)
{
    char sql[768], by[24], key[24], *val = NULL;
    const char *p[] = {scopes[t->scope].name, t->requested_by ? by : NULL, t->origin,
                       t->scope == DB_REJUDGE_SUBMISSION ? key
                       : t->scope == DB_REJUDGE_PROBLEM  ? t->problem
                                                         : t->contest,
                       t->problem};
    int err;

    snprintf(by, sizeof(by), "%" PRId64, t->requested_by);
    snprintf(key, sizeof(key), "%" PRId64, t->submission_id);
    snprintf(sql, sizeof(sql),
             "INSERT INTO rejudges (scope, requested_by, origin, contest_id, problem_id, "
             "submission_id) SELECT $1::rejudge_scope, $2::bigint, $3, t.* FROM (%s) t RETURNING id",
             scopes[t->scope].resolve);
    err = db_pg_query_value(&val, pg, sql, 3 + scopes[t->scope].nkeys, p);
    *id = err == 0 && val ? strtoll(val, NULL, 10) : 0;
    gv_free(val);
    return err;
}

/* The batch's submissions: locked, marked, their verdict recorded. */
static int items_insert(int64_t *count, struct db_pg *pg, const char *rid,
                        enum db_rejudge_scope scope)
{
    char sql[1024];
    const char *p[] = {rid};

    /* FOR UPDATE: a verdict being written now lands before or after the
     * recorded one, never in between. An imported submission (external_id)
     * has no source to judge again: its verdict is the feed's. */
    snprintf(sql, sizeof(sql),
             "WITH sel AS (SELECT s.id, s.status, s.verdict, s.score FROM rejudges r, "
             "submissions s WHERE r.id = $1::bigint AND %s AND s.external_id IS NULL FOR UPDATE "
             "OF s), mark AS (UPDATE "
             "submissions SET rejudge_requested_at = now() FROM sel WHERE submissions.id = sel.id) "
             "INSERT INTO rejudge_items (rejudge_id, submission_id, old_status, old_verdict, "
             "old_score, old_judging_id) SELECT $1::bigint, sel.id, sel.status, sel.verdict, "
             "sel.score, (SELECT j.id FROM judgings j WHERE j.submission_id = sel.id AND "
             "j.is_valid AND j.finished_at IS NOT NULL) FROM sel",
             scopes[scope].covers);
    return db_pg_exec(count, pg, sql, 1, p);
}

static int items_load(struct db_rejudge_item **items, size_t *count, struct db_pg *pg,
                      const char *rid)
{
    const char *p[] = {rid};
    PGresult *res = NULL;
    int err = db__pg_select(&res, pg, "rejudge items",
                            "SELECT ri.submission_id, s.user_id FROM rejudge_items ri JOIN "
                            "submissions s ON s.id = ri.submission_id WHERE ri.rejudge_id = "
                            "$1::bigint ORDER BY ri.submission_id",
                            1, p);
    int n;

    if (err < 0)
        return err;
    n = PQntuples(res);
    *items = gv_calloc(n > 0 ? (size_t)n : 1, sizeof(**items));
    if (!*items) {
        PQclear(res);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        (*items)[i].submission_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        (*items)[i].user_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
    }
    *count = (size_t)n;
    PQclear(res);
    return 0;
}

int db_rejudge_create(int64_t *out_id, struct db_rejudge_item **items, size_t *count,
                      struct db_pg *pg, const struct db_rejudge_target *t)
{
    char rid[24];
    int64_t id = 0, n = 0;
    int err;

    *out_id = 0;
    *items = NULL;
    *count = 0;
    if (!t->origin || !t->origin[0] || strlen(t->origin) > 64 ||
        (t->scope != DB_REJUDGE_SUBMISSION && t->scope != DB_REJUDGE_PROBLEM && !t->contest) ||
        ((t->scope == DB_REJUDGE_PROBLEM || t->scope == DB_REJUDGE_CONTEST_PROBLEM) && !t->problem))
        return GV_EINVAL;
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    err = batch_insert(&id, pg, t);
    if (err == 0 && !id)
        err = GV_ENOTFOUND;
    snprintf(rid, sizeof(rid), "%" PRId64, id);
    if (err == 0)
        err = items_insert(&n, pg, rid, t->scope);
    if (err == 0 && n == 0)
        err = -ENODATA; /* rolled back: an empty batch records nothing */
    if (err == 0)
        err = items_load(items, count, pg, rid);
    err = db__pg_tx_end(pg, err);
    if (err < 0) {
        gv_free(*items);
        *items = NULL;
        *count = 0;
        return err;
    }
    *out_id = id;
    return 0;
}

int db_rejudge_queue(size_t *queued, struct db_queue *q, const struct db_rejudge_item *items,
                     size_t count)
{
    int err = 0;

    if (queued)
        *queued = 0;
    for (size_t i = 0; i < count && err == 0; i++) {
        bool added = false;

        err = db_queue_push(&added, q, items[i].submission_id, CST_PRIO_REJUDGE, items[i].user_id);
        if (queued)
            *queued += added;
    }
    return err;
}

/* A batch as the list and the report show it, from `rejudges r` joined
 * with BATCH_JOINS. An item changed when its new judging's verdict or score
 * differs from the recorded one. */
#define CHANGED                                                                                    \
    "(ri.judging_id IS NOT NULL AND (ri.old_verdict IS DISTINCT FROM j.verdict OR "                \
    "coalesce(ri.old_score, 0) <> coalesce(j.score, 0)))"
#define BATCH_JOINS                                                                                \
    " LEFT JOIN problems p ON p.id = r.problem_id LEFT JOIN users u ON u.id = r.requested_by "     \
    "CROSS JOIN LATERAL (SELECT count(*) AS total, count(ri.judging_id) AS done, count(*) "        \
    "FILTER (WHERE " CHANGED ") AS changed FROM rejudge_items ri LEFT JOIN judgings j ON j.id = "  \
    "ri.judging_id WHERE ri.rejudge_id = r.id) n "
#define BATCH_OBJECT                                                                               \
    "json_build_object('rejudge_id', r.id, 'scope', r.scope, 'contest_id', r.contest_id, "         \
    "'problem', p.slug, 'submission_id', r.submission_id, 'requested_by', CASE WHEN u.id IS NULL " \
    "THEN NULL ELSE json_build_object('user_id', u.id, 'username', u.username) END, 'origin', "    \
    "r.origin, 'created_at_ms', " EPOCH_MS("r.created_at") ", 'counts', json_build_object("        \
    "'submissions', n.total, 'done', n.done, 'pending', n.total - n.done, 'changed', n.changed))"

int db_rejudge_list(char **json, struct db_pg *pg, int64_t contest_id, int limit)
{
    char cid[24], lim[16];
    const char *p[] = {contest_id ? cid : NULL, lim};

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(lim, sizeof(lim), "%d", limit);
    return db_pg_query_value(json, pg,
                             "SELECT coalesce(json_agg(" BATCH_OBJECT " ORDER BY r.id DESC), "
                             "'[]'::json)::text FROM (SELECT * FROM rejudges WHERE $1::bigint IS "
                             "NULL OR contest_id = $1::bigint ORDER BY id DESC LIMIT $2::int) r"
                             BATCH_JOINS,
                             2, p);
}

/* The batch and its submissions, without the board. */
static int report_items(cJSON **out, struct db_pg *pg, const char *rid)
{
    const char *p[] = {rid};
    char *json = NULL;
    int err = db_pg_query_value(
        &json, pg,
        "SELECT (jsonb_build_object('submissions', (SELECT coalesce(json_agg(json_build_object("
        "'submission_id', s.id, 'user_id', s.user_id, 'username', su.username, 'problem', "
        "sp.slug, 'label', cp.label, 'contest_id', s.contest_id, 'old_verdict', ri.old_verdict, "
        "'old_score', ri.old_score, 'new_verdict', j.verdict, 'new_score', j.score, 'status', "
        "CASE WHEN ri.judging_id IS NULL THEN 'pending' ELSE 'done' END, 'changed', " CHANGED
        ") ORDER BY s.id), '[]'::json) FROM rejudge_items ri JOIN submissions s ON s.id = "
        "ri.submission_id JOIN users su ON su.id = s.user_id JOIN problems sp ON sp.id = "
        "s.problem_id LEFT JOIN contest_problems cp ON cp.contest_id = s.contest_id AND "
        "cp.problem_id = s.problem_id LEFT JOIN judgings j ON j.id = ri.judging_id WHERE "
        "ri.rejudge_id = r.id)) || " BATCH_OBJECT "::jsonb)::text FROM rejudges r" BATCH_JOINS
        "WHERE r.id = $1::bigint",
        1, p);

    if (err == 0 && !json)
        err = GV_ENOTFOUND;
    *out = err == 0 ? cJSON_Parse(json) : NULL;
    gv_free(json);
    if (err == 0 && !*out)
        err = -ENOMEM;
    return err;
}

/* The board's attempts with the batch's old verdicts in place of the
 * current ones: the board as it was before the batch, had nothing else
 * changed. `before` has room for s->nattempts. */
static int attempts_before(struct cst_attempt *before, struct db_pg *pg, const char *rid,
                           const struct db__board *s)
{
    const char *p[] = {rid};
    PGresult *res = NULL;
    int err = db__pg_select(&res, pg, "rejudge verdicts",
                            "SELECT submission_id, old_status::text, coalesce(old_verdict::text, "
                            "''), coalesce(old_score, 0) FROM rejudge_items WHERE rejudge_id = "
                            "$1::bigint ORDER BY submission_id",
                            1, p);
    int n;

    if (err < 0)
        return err;
    n = PQntuples(res);
    for (size_t i = 0; i < s->nattempts; i++) {
        int lo = 0, hi = n;

        before[i] = s->attempts[i];
        while (lo < hi) { /* the rows are by submission id */
            int mid = lo + (hi - lo) / 2;

            if (strtoll(PQgetvalue(res, mid, 0), NULL, 10) < s->attempt_subs[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && strtoll(PQgetvalue(res, lo, 0), NULL, 10) == s->attempt_subs[i]) {
            before[i].outcome = db__outcome_of(PQgetvalue(res, lo, 1), PQgetvalue(res, lo, 2));
            before[i].score = strtod(PQgetvalue(res, lo, 3), NULL);
        }
    }
    PQclear(res);
    return 0;
}

static bool add_standing(cJSON *row, const char *key, const struct cst_standing *st)
{
    cJSON *o = cJSON_AddObjectToObject(row, key);

    return o && cJSON_AddNumberToObject(o, "rank", st->rank) &&
           cJSON_AddNumberToObject(o, "solved", st->solved) &&
           cJSON_AddNumberToObject(o, "penalty", (double)st->penalty_min) &&
           cJSON_AddNumberToObject(o, "score", st->score);
}

/* The rows of one view whose standing the batch changed, as a JSON array
 * added to `o` under `key`. */
static int view_changes(cJSON *o, const char *key, const struct db__board *s,
                        const struct cst_board_rules *rules, const struct cst_attempt *before)
{
    size_t nteams = (size_t)PQntuples(s->teams), n = 0;
    struct cst_board b0 = {0}, b1 = {0};
    struct cst_row_change *ch = NULL;
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    int err = arr ? 0 : -ENOMEM;

    if (err == 0)
        err = cst_board_compute(&b0, rules, nteams, s->nproblems, before, s->nattempts);
    if (err == 0)
        err = cst_board_compute(&b1, rules, nteams, s->nproblems, s->attempts, s->nattempts);
    if (err == 0)
        err = cst_board_changes(&ch, &n, rules->scoring, &b0, &b1);
    for (size_t i = 0; err == 0 && i < n; i++) {
        cJSON *row = cJSON_CreateObject();

        if (!row || !db__board_add_team(row, s, ch[i].team) ||
            !add_standing(row, "before", &ch[i].before) ||
            !add_standing(row, "after", &ch[i].after) || !cJSON_AddItemToArray(arr, row)) {
            cJSON_Delete(row);
            err = -ENOMEM;
        }
    }
    gv_free(ch);
    cst_board_release(&b0);
    cst_board_release(&b1);
    return err;
}

/* The public and the jury board's changes, as "board" of `o`. */
static int board_changes(cJSON *o, struct db_pg *pg, const char *rid, int64_t contest_id,
                         int64_t now_ms)
{
    struct cst_attempt *before = NULL;
    struct cst_board_rules pub;
    struct db__board s;
    cJSON *board = cJSON_AddObjectToObject(o, "board");
    int err = board ? db__board_load(&s, pg, contest_id, true, now_ms) : -ENOMEM;

    if (!board)
        return err;
    if (err == 0) {
        before = gv_calloc(s.nattempts ? s.nattempts : 1, sizeof(*before));
        err = before ? attempts_before(before, pg, rid, &s) : -ENOMEM;
    }
    /* What the public sees now: the freeze hides a rejudge's effect on
     * attempts made during it until the final standings are published. */
    pub = s.rules;
    pub.reveal = s.public_reveal;
    if (err == 0)
        err = view_changes(board, "public", &s, &pub, before);
    if (err == 0)
        err = view_changes(board, "jury", &s, &s.rules, before);
    gv_free(before);
    db__board_release(&s);
    return err;
}

int db_rejudge_report(char **json, struct db_pg *pg, int64_t rejudge_id, int64_t now_ms)
{
    const cJSON *contest;
    cJSON *o = NULL;
    char rid[24];
    int err;

    *json = NULL;
    snprintf(rid, sizeof(rid), "%" PRId64, rejudge_id);
    err = report_items(&o, pg, rid);
    if (err < 0)
        return err;
    contest = cJSON_GetObjectItemCaseSensitive(o, "contest_id");
    if (cJSON_IsNumber(contest))
        err = board_changes(o, pg, rid, (int64_t)contest->valuedouble, now_ms);
    else if (!cJSON_AddNullToObject(o, "board"))
        err = -ENOMEM;
    if (err < 0) {
        cJSON_Delete(o);
        return err;
    }
    return db__json_print(json, o);
}
