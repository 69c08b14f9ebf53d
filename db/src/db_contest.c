/* SPDX-License-Identifier: MIT
 * db_contest.c - registration, the scoreboard, announcements (db_contest.h). */
#include "db_contest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "db_internal.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define EPOCH_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define ANNOUNCEMENT "contest.announcement"

struct board_src {
    PGresult *contest, *problems, *teams, *subs;
    int64_t *team_ids; /* teams' user ids, ascending (the query's order) */
    struct cst_attempt *attempts;
    size_t nattempts;
    struct cst_board board;
    bool frozen;
};

static void board_src_release(struct board_src *s)
{
    PQclear(s->contest);
    PQclear(s->problems);
    PQclear(s->teams);
    PQclear(s->subs);
    gv_free(s->team_ids);
    gv_free(s->attempts);
    cst_board_release(&s->board);
    memset(s, 0, sizeof(*s));
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static enum cst_outcome outcome_of(const char *status, const char *verdict)
{
    if (strcmp(status, "judged") != 0 || !strcmp(verdict, "JE"))
        return CST_OUT_PENDING; /* a judge error waits for a human */
    if (!strcmp(verdict, "AC"))
        return CST_OUT_ACCEPTED;
    if (!strcmp(verdict, "CE"))
        return CST_OUT_IGNORED;
    return CST_OUT_REJECTED;
}

/* Reads the contest, its problems, its visible participants and their
 * submissions, and computes the board. */
static int board_load(struct db_pg *pg, struct board_src *s, int64_t contest_id, bool jury,
                      int64_t now_ms)
{
    char cid[24];
    const char *p[] = {cid};
    struct cst_board_rules rules = {0};
    int64_t starts, freezes, unfrozen;
    size_t nteams, nproblems, n;
    int err;

    memset(s, 0, sizeof(*s));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    err = db__pg_select(pg, &s->contest, "contest",
                        "SELECT scoring::text, penalty_minutes, " EPOCH_MS("starts_at") ", " EPOCH_MS(
                            "freezes_at") ", " EPOCH_MS("unfrozen_at") " FROM contests WHERE id = "
                                                                       "$1::bigint",
                        1, p);
    if (err < 0)
        return err;
    if (PQntuples(s->contest) < 1)
        return GV_ENOTFOUND;
    err = db__pg_select(pg, &s->problems, "contest problems",
                        "SELECT cp.problem_id, cp.label, p.slug FROM contest_problems cp JOIN "
                        "problems p ON p.id = cp.problem_id WHERE cp.contest_id = $1::bigint "
                        "ORDER BY cp.ordinal",
                        1, p);
    if (err == 0)
        err = db__pg_select(pg, &s->teams, "participants",
                            "SELECT u.id, u.username, u.display_name FROM participants pa JOIN "
                            "users u ON u.id = pa.user_id WHERE pa.contest_id = $1::bigint AND "
                            "NOT pa.is_hidden ORDER BY u.id",
                            1, p);
    if (err == 0)
        err = db__pg_select(
            pg, &s->subs, "contest submissions",
            "SELECT s.user_id, s.problem_id, " EPOCH_MS("s.created_at") ", s.status::text, "
            "coalesce(s.verdict::text, ''), coalesce(s.score, 0) FROM submissions s JOIN "
            "participants pa ON pa.contest_id = s.contest_id AND pa.user_id = s.user_id AND NOT "
            "pa.is_hidden WHERE s.contest_id = $1::bigint ORDER BY s.created_at, s.id",
            1, p);
    if (err < 0)
        return err;

    rules.scoring = !strcmp(PQgetvalue(s->contest, 0, 0), "ioi") ? CST_SCORING_IOI
                                                                  : CST_SCORING_ICPC;
    rules.penalty_minutes = (int)col_i64(s->contest, 0, 1);
    starts = col_i64(s->contest, 0, 2);
    freezes = col_i64(s->contest, 0, 3);
    unfrozen = col_i64(s->contest, 0, 4);
    rules.freeze_at_ms = PQgetisnull(s->contest, 0, 3) ? -1 : freezes - starts;
    rules.reveal = jury || (!PQgetisnull(s->contest, 0, 4) && now_ms >= unfrozen);
    s->frozen = !rules.reveal && rules.freeze_at_ms >= 0 && now_ms >= freezes;

    nteams = (size_t)PQntuples(s->teams);
    nproblems = (size_t)PQntuples(s->problems);
    n = (size_t)PQntuples(s->subs);
    /* A contest's problem set is secret until it starts. */
    if (!jury && now_ms < starts)
        nproblems = n = 0;
    s->team_ids = gv_calloc(nteams ? nteams : 1, sizeof(*s->team_ids));
    s->attempts = gv_calloc(n ? n : 1, sizeof(*s->attempts));
    if (!s->team_ids || !s->attempts)
        return -ENOMEM;
    for (size_t t = 0; t < nteams; t++)
        s->team_ids[t] = col_i64(s->teams, (int)t, 0);
    for (size_t i = 0; i < n; i++) {
        int64_t uid = col_i64(s->subs, (int)i, 0), pid = col_i64(s->subs, (int)i, 1);
        int64_t *team = bsearch(&uid, s->team_ids, nteams, sizeof(*s->team_ids), cmp_i64);
        struct cst_attempt *a = &s->attempts[s->nattempts];
        size_t prob = nproblems;

        for (size_t k = 0; k < nproblems; k++)
            if (col_i64(s->problems, (int)k, 0) == pid)
                prob = k;
        if (!team || prob == nproblems)
            continue; /* cannot happen: joined on participants and contest_problems */
        a->team = (size_t)(team - s->team_ids);
        a->problem = prob;
        /* Submissions are refused outside the contest; clamp anyway so the
         * order the query gave (by time) stays non-decreasing. */
        a->at_ms = col_i64(s->subs, (int)i, 2) - starts;
        if (a->at_ms < 0)
            a->at_ms = 0;
        if (s->nattempts > 0 && a->at_ms < s->attempts[s->nattempts - 1].at_ms)
            a->at_ms = s->attempts[s->nattempts - 1].at_ms;
        a->outcome = outcome_of(PQgetvalue(s->subs, (int)i, 3), PQgetvalue(s->subs, (int)i, 4));
        a->score = strtod(PQgetvalue(s->subs, (int)i, 5), NULL);
        s->nattempts++;
    }
    return cst_board_compute(&s->board, &rules, nteams, nproblems, s->attempts, s->nattempts);
}

static cJSON *row_json(const struct board_src *s, const struct cst_row *r)
{
    cJSON *o = cJSON_CreateObject(), *cells = cJSON_AddArrayToObject(o, "cells");
    int t = (int)r->team;
    bool ok = cells != NULL;

    ok = ok && cJSON_AddNumberToObject(o, "rank", r->rank) &&
         cJSON_AddNumberToObject(o, "user_id", (double)s->team_ids[r->team]) &&
         cJSON_AddStringToObject(o, "username", PQgetvalue(s->teams, t, 1)) &&
         cJSON_AddStringToObject(o, "display_name", PQgetvalue(s->teams, t, 2)) &&
         cJSON_AddNumberToObject(o, "solved", r->solved) &&
         cJSON_AddNumberToObject(o, "penalty", (double)r->penalty_min) &&
         cJSON_AddNumberToObject(o, "score", r->score);
    for (size_t p = 0; ok && p < s->board.nproblems; p++) {
        const struct cst_cell *c = &r->cells[p];
        cJSON *cell = cJSON_CreateObject();
        ok = cell && cJSON_AddItemToArray(cells, cell) &&
             cJSON_AddStringToObject(cell, "label", PQgetvalue(s->problems, (int)p, 1)) &&
             cJSON_AddBoolToObject(cell, "solved", c->solved) &&
             cJSON_AddBoolToObject(cell, "first", c->first) &&
             cJSON_AddNumberToObject(cell, "tries", c->tries) &&
             cJSON_AddNumberToObject(cell, "pending", c->pending) &&
             cJSON_AddNumberToObject(cell, "score", c->score);
        if (ok && c->solved)
            ok = cJSON_AddNumberToObject(cell, "time_min", (double)(c->solved_at_ms / 60000)) !=
                 NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int print_to(cJSON *o, char **json)
{
    char *txt = o ? cJSON_PrintUnformatted(o) : NULL;

    cJSON_Delete(o);
    if (!txt)
        return -ENOMEM;
    *json = gv_strdup(txt);
    cJSON_free(txt);
    return *json ? 0 : -ENOMEM;
}

int db_contest_board(struct db_pg *pg, int64_t contest_id, bool jury, int64_t now_ms,
                     char **json)
{
    struct board_src s;
    cJSON *o = NULL, *problems, *rows;
    bool ok;
    int err = board_load(pg, &s, contest_id, jury, now_ms);

    *json = NULL;
    if (err < 0)
        goto out;
    o = cJSON_CreateObject();
    problems = cJSON_AddArrayToObject(o, "problems");
    rows = cJSON_AddArrayToObject(o, "rows");
    ok = problems && rows &&
         cJSON_AddStringToObject(o, "scoring", PQgetvalue(s.contest, 0, 0)) &&
         cJSON_AddNumberToObject(o, "penalty_minutes", (double)col_i64(s.contest, 0, 1)) &&
         cJSON_AddBoolToObject(o, "frozen", s.frozen);
    for (size_t p = 0; ok && p < s.board.nproblems; p++) {
        cJSON *pr = cJSON_CreateObject();
        ok = pr && cJSON_AddItemToArray(problems, pr) &&
             cJSON_AddStringToObject(pr, "label", PQgetvalue(s.problems, (int)p, 1)) &&
             cJSON_AddStringToObject(pr, "slug", PQgetvalue(s.problems, (int)p, 2));
    }
    for (size_t i = 0; ok && i < s.board.nteams; i++) {
        cJSON *r = row_json(&s, &s.board.rows[i]);
        ok = r && cJSON_AddItemToArray(rows, r);
    }
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    err = print_to(o, json);
out:
    board_src_release(&s);
    return err;
}

int db_contest_board_row(struct db_pg *pg, int64_t contest_id, int64_t user_id, int64_t now_ms,
                         char **json)
{
    struct board_src s;
    cJSON *o = NULL, *row = NULL;
    int err = board_load(pg, &s, contest_id, false, now_ms);

    *json = NULL;
    if (err < 0)
        goto out;
    for (size_t i = 0; i < s.board.nteams && !row; i++)
        if (s.team_ids[s.board.rows[i].team] == user_id)
            row = row_json(&s, &s.board.rows[i]);
    if (!row) {
        err = GV_ENOTFOUND; /* (or out of memory: the caller skips the push either way) */
        goto out;
    }
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "type", DB_CONTEST_ROW_EVENT) ||
        !cJSON_AddNumberToObject(o, "contest_id", (double)contest_id) ||
        !cJSON_AddNumberToObject(o, "user_id", (double)user_id) ||
        !cJSON_AddBoolToObject(o, "frozen", s.frozen) || !cJSON_AddItemToObject(o, "row", row)) {
        cJSON_Delete(row);
        cJSON_Delete(o);
        o = NULL;
    }
    err = print_to(o, json);
out:
    board_src_release(&s);
    return err;
}

int db_contest_list(struct db_pg *pg, int64_t viewer_id, char **json)
{
    char uid[24];
    const char *p[] = {uid};

    snprintf(uid, sizeof(uid), "%" PRId64, viewer_id);
    return db_pg_query_value(
        pg, json,
        "SELECT coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug, 'title', c.title, "
        "'scoring', c.scoring, 'starts_at_ms', " EPOCH_MS("c.starts_at") ", 'freezes_at_ms', "
        EPOCH_MS("c.freezes_at") ", 'ends_at_ms', " EPOCH_MS("c.ends_at") ", 'unfrozen_at_ms', "
        EPOCH_MS("c.unfrozen_at") ", 'participants', (SELECT count(*) FROM participants pa "
        "WHERE pa.contest_id = c.id AND NOT pa.is_hidden), 'registered', EXISTS (SELECT 1 FROM "
        "participants pa WHERE pa.contest_id = c.id AND pa.user_id = $1::bigint)) ORDER BY "
        "c.starts_at DESC, c.id DESC), '[]'::json)::text FROM (SELECT * FROM contests ORDER BY "
        "starts_at DESC, id DESC LIMIT 100) c",
        1, p);
}

/* Runs `sql`, whose $1 and $2 are the two ids, for its one value (NULL when
 * no row). */
static int query_two_ids(struct db_pg *pg, char **val, const char *sql, int64_t a, int64_t b)
{
    char sa[24], sb[24];
    const char *p[] = {sa, sb};

    snprintf(sa, sizeof(sa), "%" PRId64, a);
    snprintf(sb, sizeof(sb), "%" PRId64, b);
    return db_pg_query_value(pg, val, sql, 2, p);
}

int db_contest_register(struct db_pg *pg, int64_t contest_id, int64_t user_id)
{
    char *val = NULL;
    /* One statement: 'e' ended, 'a' already registered, 'r' registered now;
     * no row, no contest. */
    int err = query_two_ids(
        pg, &val,
        "WITH c AS (SELECT id, ends_at <= now() AS over FROM contests WHERE id = $1::bigint), "
        "ins AS (INSERT INTO participants (contest_id, user_id) SELECT id, $2::bigint FROM c "
        "WHERE NOT over ON CONFLICT DO NOTHING RETURNING 1) "
        "SELECT CASE WHEN c.over THEN 'e' WHEN EXISTS (SELECT 1 FROM ins) THEN 'r' ELSE 'a' END "
        "FROM c",
        contest_id, user_id);

    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    else if (err == 0 && !strcmp(val, "e"))
        err = -EACCES;
    else if (err == 0 && !strcmp(val, "a"))
        err = GV_EEXIST;
    gv_free(val);
    return err;
}

int db_contest_is_participant(struct db_pg *pg, int64_t contest_id, int64_t user_id)
{
    char *val = NULL;
    int err = query_two_ids(pg, &val,
                            "SELECT 1 FROM participants WHERE contest_id = $1::bigint AND "
                            "user_id = $2::bigint",
                            contest_id, user_id);

    gv_free(val);
    return err < 0 ? err : val != NULL;
}

int db_contest_announce(struct db_pg *pg, int64_t contest_id, int64_t author_id,
                        const char *text, int64_t *out_id, int64_t *out_at_ms)
{
    char cid[24], uid[24];
    const char *p[] = {cid, uid, text, ANNOUNCEMENT};
    PGresult *res = NULL;
    int err;

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, author_id);
    err = db__pg_select(pg, &res, "announcement",
                        "INSERT INTO events (contest_id, user_id, type, payload) SELECT id, "
                        "$2::bigint, $4, jsonb_build_object('text', $3::text) FROM contests "
                        "WHERE id = $1::bigint RETURNING id, " EPOCH_MS("created_at"),
                        4, p);
    if (err == 0 && PQntuples(res) < 1)
        err = GV_ENOTFOUND;
    if (err == 0) {
        if (out_id)
            *out_id = col_i64(res, 0, 0);
        if (out_at_ms)
            *out_at_ms = col_i64(res, 0, 1);
    }
    PQclear(res);
    return err;
}

int db_contest_announcements(struct db_pg *pg, int64_t contest_id, int limit, char **json)
{
    char cid[24], lim[16];
    const char *p[] = {cid, lim, ANNOUNCEMENT};

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(lim, sizeof(lim), "%d", limit);
    return db_pg_query_value(
        pg, json,
        "SELECT coalesce(json_agg(json_build_object('announcement_id', id, 'text', "
        "payload->>'text', 'created_at_ms', " EPOCH_MS("created_at") ") ORDER BY id), "
        "'[]'::json)::text FROM (SELECT * FROM events WHERE contest_id = $1::bigint AND type = "
        "$3 ORDER BY id DESC LIMIT $2::int) e",
        3, p);
}
