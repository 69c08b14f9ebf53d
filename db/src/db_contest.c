/* SPDX-License-Identifier: MIT
 * db_contest.c - registration, the scoreboard, announcements (db_contest.h). */
#include "db_contest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "cst_event.h"
#include "db_board.h"
#include "db_event.h"
#include "db_internal.h"
#include "db_ranking.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"


void db__board_release(struct db__board *s)
{
    PQclear(s->contest);
    PQclear(s->problems);
    PQclear(s->teams);
    PQclear(s->subs);
    gv_free(s->team_ids);
    gv_free(s->attempts);
    gv_free(s->attempt_subs);
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

enum cst_outcome db__outcome_of(const char *status, const char *verdict)
{
    if (strcmp(status, "judged") != 0 || !strcmp(verdict, "JE"))
        return CST_OUT_PENDING; /* a judge error waits for a human */
    if (!strcmp(verdict, "AC"))
        return CST_OUT_ACCEPTED;
    if (!strcmp(verdict, "CE"))
        return CST_OUT_IGNORED;
    return CST_OUT_REJECTED;
}

int db__board_rules_load(struct db__board *s, struct db_pg *pg, const char *cid, bool jury,
                         int64_t now_ms)
{
    const char *p[] = {cid};
    int64_t freezes, unfrozen;
    int err;

    err = db__pg_select(&s->contest, pg, "contest",
                        "SELECT scoring::text, penalty_minutes, " EPOCH_MS("starts_at") ", "
                        EPOCH_MS("freezes_at") ", " EPOCH_MS("unfrozen_at") ", "
                        EPOCH_MS("ends_at") ", board_version FROM contests WHERE id = $1::bigint",
                        1, p);
    if (err < 0)
        return err;
    if (PQntuples(s->contest) < 1)
        return GV_ENOTFOUND;
    err = db__pg_select(&s->problems, pg, "contest problems",
                        "SELECT cp.problem_id, cp.label, p.slug, cp.color FROM contest_problems "
                        "cp JOIN problems p ON p.id = cp.problem_id WHERE cp.contest_id = "
                        "$1::bigint ORDER BY cp.ordinal",
                        1, p);
    if (err < 0)
        return err;
    s->rules.scoring = !strcmp(PQgetvalue(s->contest, 0, 0), "ioi") ? CST_SCORING_IOI
                                                                     : CST_SCORING_ICPC;
    s->rules.penalty_minutes = (int)col_i64(s->contest, 0, 1);
    s->starts_at = col_i64(s->contest, 0, 2);
    freezes = col_i64(s->contest, 0, 3);
    unfrozen = col_i64(s->contest, 0, 4);
    s->rules.freeze_at_ms = PQgetisnull(s->contest, 0, 3) ? -1 : freezes - s->starts_at;
    s->public_reveal = !PQgetisnull(s->contest, 0, 4) && now_ms >= unfrozen;
    s->rules.reveal = jury || s->public_reveal;
    s->frozen = !s->rules.reveal && s->rules.freeze_at_ms >= 0 && now_ms >= freezes;
    s->nproblems = (size_t)PQntuples(s->problems);
    {
        struct cst_schedule sched = {s->starts_at, freezes, col_i64(s->contest, 0, 5), unfrozen};
        if (!cst_contest_problems_shown(&sched, jury, now_ms))
            s->nproblems = 0;
    }
    return 0;
}

static size_t problem_index(const struct db__board *s, int64_t problem_id)
{
    for (size_t k = 0; k < s->nproblems; k++)
        if (col_i64(s->problems, (int)k, 0) == problem_id)
            return k;
    return s->nproblems;
}

/* A user's index among the teams: its place in `team_ids`, or 0 when the
 * attempts are one team's (no `team_ids`). */
static size_t team_index(const struct db__board *s, int64_t uid)
{
    size_t nteams = s->team_ids ? (size_t)PQntuples(s->teams) : 0;
    const int64_t *team = nteams ? bsearch(&uid, s->team_ids, nteams, sizeof(*s->team_ids),
                                           cmp_i64)
                                 : NULL;

    return team ? (size_t)(team - s->team_ids) : 0; /* joined on participants: always found */
}

/* The attempts of visible participants (of `uid` alone when given), in
 * submission order. */
static int attempts_load(struct db__board *s, struct db_pg *pg, const char *cid, const char *uid)
{
    const char *p[] = {cid, uid};
    size_t n;
    int err;

    err = db__pg_select(&s->subs, pg, "contest submissions",
                        "SELECT s.user_id, s.problem_id, " EPOCH_MS("s.created_at") ", "
                        "s.status::text, coalesce(s.verdict::text, ''), coalesce(s.score, 0), "
                        "s.id FROM submissions s JOIN participants pa ON pa.contest_id = "
                        "s.contest_id AND pa.user_id = s.user_id AND NOT pa.is_hidden JOIN "
                        "contests c ON c.id = s.contest_id WHERE s.contest_id = $1::bigint AND "
                        "s.created_at >= c.starts_at AND s.created_at < c.ends_at AND "
                        "($2::bigint IS NULL OR s.user_id = $2::bigint) ORDER BY s.created_at, "
                        "s.id",
                        2, p);
    if (err < 0)
        return err;
    n = s->nproblems ? (size_t)PQntuples(s->subs) : 0;
    s->attempts = gv_calloc(n ? n : 1, sizeof(*s->attempts));
    s->attempt_subs = gv_calloc(n ? n : 1, sizeof(*s->attempt_subs));
    if (!s->attempts || !s->attempt_subs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct cst_attempt *a = &s->attempts[s->nattempts];

        a->team = team_index(s, col_i64(s->subs, (int)i, 0));
        a->problem = problem_index(s, col_i64(s->subs, (int)i, 1));
        if (a->problem == s->nproblems)
            continue; /* cannot happen: submissions name their contest's problems */
        /* Only the contest's own time counts (CLICS: a submission after
         * the end is not scored), and the query keeps to it: a contestant
         * is refused outside it, but the jury is not, and an organizer who
         * is also a participant, or an end brought forward past some
         * submissions, would otherwise put attempts on the board at 0:00
         * or after the end. Clamp anyway so the order the query gave (by
         * time) stays non-decreasing. */
        a->at_ms = col_i64(s->subs, (int)i, 2) - s->starts_at;
        if (a->at_ms < 0)
            a->at_ms = 0;
        if (s->nattempts > 0 && a->at_ms < s->attempts[s->nattempts - 1].at_ms)
            a->at_ms = s->attempts[s->nattempts - 1].at_ms;
        a->outcome = db__outcome_of(PQgetvalue(s->subs, (int)i, 3), PQgetvalue(s->subs, (int)i, 4));
        a->score = strtod(PQgetvalue(s->subs, (int)i, 5), NULL);
        s->attempt_subs[s->nattempts] = col_i64(s->subs, (int)i, 6);
        s->nattempts++;
    }
    return 0;
}

/* The visible participants (`uid` alone when given), by user id. */
static int teams_load(struct db__board *s, struct db_pg *pg, const char *cid, const char *uid)
{
    const char *p[] = {cid, uid};

    return db__pg_select(&s->teams, pg, "participants",
                         "SELECT u.id, u.username, u.display_name FROM participants pa JOIN "
                         "users u ON u.id = pa.user_id WHERE pa.contest_id = $1::bigint AND "
                         "NOT pa.is_hidden AND ($2::bigint IS NULL OR pa.user_id = $2::bigint) "
                         "ORDER BY u.id",
                         2, p);
}

int db__board_load(struct db__board *s, struct db_pg *pg, int64_t contest_id, bool jury,
                   int64_t now_ms)
{
    char cid[24];
    size_t nteams;
    int err;

    memset(s, 0, sizeof(*s));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    err = db__board_rules_load(s, pg, cid, jury, now_ms);
    if (err == 0)
        err = teams_load(s, pg, cid, NULL);
    if (err < 0)
        return err;
    nteams = (size_t)PQntuples(s->teams);
    s->team_ids = gv_calloc(nteams ? nteams : 1, sizeof(*s->team_ids));
    if (!s->team_ids)
        return -ENOMEM;
    for (size_t t = 0; t < nteams; t++)
        s->team_ids[t] = col_i64(s->teams, (int)t, 0);
    return attempts_load(s, pg, cid, NULL);
}

int db__board_load_one(struct db__board *s, struct db_pg *pg, const char *cid, const char *uid)
{
    int err = teams_load(s, pg, cid, uid);

    if (err == 0 && PQntuples(s->teams) != 1)
        err = GV_ENOTFOUND;
    if (err == 0)
        err = attempts_load(s, pg, cid, uid);
    return err;
}

void db__board_cell(struct cst_event_cell *out, const struct db__board *s, size_t p,
                    const struct cst_cell *c)
{
    snprintf(out->label, sizeof(out->label), "%s", PQgetvalue(s->problems, (int)p, 1));
    out->solved = c->solved;
    out->first = c->first;
    out->tries = c->tries;
    out->pending = c->pending;
    out->score = c->score;
    out->time_min = c->solved_at_ms / 60000;
}

/* A row as events and snapshots show it; `cells` (nproblems) stays the
 * caller's and the row's cells point into it. */
static int event_row(struct cst_event_row *out, struct cst_event_cell *cells,
                     const struct db__board *s, const struct cst_row *r, int team_row)
{
    memset(out, 0, sizeof(*out));
    if (s->nproblems > CST_EVENT_CELLS_MAX)
        return GV_ETOOBIG;
    snprintf(out->username, sizeof(out->username), "%s", PQgetvalue(s->teams, team_row, 1));
    snprintf(out->display_name, sizeof(out->display_name), "%s",
             PQgetvalue(s->teams, team_row, 2));
    out->solved = r->solved;
    out->penalty = r->penalty_min;
    out->score = r->score;
    out->ncells = s->nproblems;
    out->cells = cells;
    for (size_t p = 0; p < s->nproblems; p++)
        db__board_cell(&cells[p], s, p, &r->cells[p]);
    return 0;
}

bool db__board_add_team(cJSON *o, const struct db__board *s, size_t team)
{
    return cJSON_AddNumberToObject(o, "user_id", (double)s->team_ids[team]) &&
           cJSON_AddStringToObject(o, "username", PQgetvalue(s->teams, (int)team, 1)) &&
           cJSON_AddStringToObject(o, "display_name", PQgetvalue(s->teams, (int)team, 2));
}

cJSON *db__board_json(const struct db__board *s, const struct cst_board *b, bool frozen)
{
    struct cst_event_cell cells[CST_EVENT_CELLS_MAX];
    cJSON *o = cJSON_CreateObject(), *problems, *rows;
    bool ok;

    problems = cJSON_AddArrayToObject(o, "problems");
    rows = cJSON_AddArrayToObject(o, "rows");
    ok = problems && rows && cJSON_AddStringToObject(o, "scoring", PQgetvalue(s->contest, 0, 0)) &&
         cJSON_AddNumberToObject(o, "penalty_minutes", s->rules.penalty_minutes) &&
         cJSON_AddBoolToObject(o, "frozen", frozen);
    for (size_t p = 0; ok && p < s->nproblems; p++) {
        cJSON *pr = cJSON_CreateObject();
        ok = pr && cJSON_AddItemToArray(problems, pr) &&
             cJSON_AddStringToObject(pr, "label", PQgetvalue(s->problems, (int)p, 1)) &&
             cJSON_AddStringToObject(pr, "slug", PQgetvalue(s->problems, (int)p, 2)) &&
             (PQgetisnull(s->problems, (int)p, 3) ||
              cJSON_AddStringToObject(pr, "color", PQgetvalue(s->problems, (int)p, 3)));
    }
    for (size_t i = 0; ok && i < b->nteams; i++) {
        const struct cst_row *r = &b->rows[i];
        struct cst_event_row er;
        cJSON *row = NULL;

        ok = event_row(&er, cells, s, r, (int)r->team) == 0 &&
             (row = cst_event_row_to_json(s->team_ids[r->team], &er)) &&
             cJSON_AddNumberToObject(row, "rank", r->rank) && cJSON_AddItemToArray(rows, row);
        if (!ok)
            cJSON_Delete(row);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int db__json_print(char **json, cJSON *o)
{
    char *txt = o ? cJSON_PrintUnformatted(o) : NULL;

    cJSON_Delete(o);
    if (!txt)
        return -ENOMEM;
    *json = gv_strdup(txt);
    cJSON_free(txt);
    return *json ? 0 : -ENOMEM;
}

int db_contest_board(char **json, struct db_pg *pg, int64_t contest_id, bool jury, int64_t now_ms)
{
    struct cst_board board = {0};
    struct db__board s;
    int err = db__board_load(&s, pg, contest_id, jury, now_ms);

    *json = NULL;
    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err == 0)
        err = cst_board_compute(&board, &s.rules, (size_t)PQntuples(s.teams), s.nproblems,
                                s.attempts, s.nattempts);
    if (err == 0)
        err = db__json_print(json, db__board_json(&s, &board, s.frozen));
    cst_board_release(&board);
    db__board_release(&s);
    return err;
}

/* Who holds each problem's first-to-solve mark: at most this many tied
 * solvers per problem are named (a tie needs the same millisecond). */
#define FIRST_TIES_MAX 8

struct first_holders {
    int64_t problem_id[CST_EVENT_CELLS_MAX];
    int64_t user_id[CST_EVENT_CELLS_MAX][FIRST_TIES_MAX];
    size_t nusers[CST_EVENT_CELLS_MAX];
    size_t nproblems;
};

/* Whether submission `sub`'s author is a visible participant of contest
 * $1: an index probe per submission (its author's participation). Not a
 * join: on a contest the statistics do not know yet (every new one), the
 * planner expected one participant and scanned them all per submission. */
#define VISIBLE(sub)                                                                               \
    "NOT coalesce((SELECT v.is_hidden FROM participants v WHERE v.contest_id = $1::bigint "        \
    "AND v.user_id = " sub ".user_id), true)"

/* Per problem of contest $1 (the ids in $2), its earliest visible accepted
 * submission's time (one walk of submissions_first_ac_idx, migration 0013,
 * stopping at the first visible solver), then everyone who solved it at
 * that very time (ties). */
/* clang-format off */
static const char first_solves_sql[] =
    "SELECT DISTINCT p.problem_id, " EPOCH_MS("s.created_at") " AS at, s.user_id "
    "FROM unnest($2::bigint[]) AS p(problem_id) "
    /* The contest's own time only, as for the board (attempts_load). */
    "CROSS JOIN (SELECT starts_at, ends_at FROM contests WHERE id = $1::bigint) w "
    "CROSS JOIN LATERAL (SELECT f.created_at FROM submissions f "
        "WHERE f.contest_id = $1::bigint AND f.problem_id = p.problem_id "
        "AND f.status = 'judged' AND f.verdict = 'AC' AND " VISIBLE("f") " "
        "AND f.created_at >= w.starts_at AND f.created_at < w.ends_at "
        "ORDER BY f.created_at LIMIT 1) first "
    "CROSS JOIN LATERAL (SELECT s.user_id, s.created_at FROM submissions s "
        "WHERE s.contest_id = $1::bigint AND s.problem_id = p.problem_id "
        "AND s.status = 'judged' AND s.verdict = 'AC' "
        "AND s.created_at = first.created_at AND " VISIBLE("s") " "
        /* Not flattened into a join: the planner then ran it over all of
         * the contest's accepted submissions before the walk above. */
        "OFFSET 0) s "
    "ORDER BY p.problem_id, s.user_id";
/* clang-format on */

/* The earliest accepted attempt per problem by a visible participant, as
 * ms since the start, INT64_MAX where none is shown in this view; and, when
 * `holders` is given, whose attempts those are. */
static int first_solves_load(int64_t *first, struct first_holders *holders, struct db_pg *pg,
                             const struct db__board *s, const char *cid)
{
    char ids[CST_EVENT_CELLS_MAX * 21 + 3] = "{";
    const char *p[] = {cid, ids};
    PGresult *res = NULL;
    size_t len = 1;
    int err;

    for (size_t k = 0; k < s->nproblems; k++)
        first[k] = INT64_MAX;
    if (holders) {
        memset(holders, 0, sizeof(*holders));
        holders->nproblems = s->nproblems;
        for (size_t k = 0; k < s->nproblems; k++)
            holders->problem_id[k] = col_i64(s->problems, (int)k, 0);
    }
    for (size_t k = 0; k < s->nproblems && len + 24 < sizeof(ids); k++)
        len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%" PRId64, k ? "," : "",
                                col_i64(s->problems, (int)k, 0));
    snprintf(ids + len, sizeof(ids) - len, "}");
    err = db__pg_select(&res, pg, "first solves", first_solves_sql, 2, p);
    if (err < 0)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        size_t k = problem_index(s, col_i64(res, i, 0));
        int64_t at = col_i64(res, i, 1) - s->starts_at;

        if (at < 0)
            at = 0;
        if (k >= s->nproblems || !cst_board_shows_solve(&s->rules, at))
            continue;
        first[k] = at;
        if (holders && holders->nusers[k] < FIRST_TIES_MAX)
            holders->user_id[k][holders->nusers[k]++] = col_i64(res, i, 2);
    }
    PQclear(res);
    return 0;
}

/* The holders as one line, "<problem>:<user>,<user>;..." (problems without
 * a shown solve left out), in the order loaded: equal holders, equal text. */
static void first_holders_text(char *buf, size_t cap, const struct first_holders *h)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < h->nproblems && len < cap; k++) {
        if (!h->nusers[k])
            continue;
        len += (size_t)snprintf(buf + len, cap - len, "%" PRId64 ":", h->problem_id[k]);
        for (size_t j = 0; j < h->nusers[k] && len < cap; j++)
            len += (size_t)snprintf(buf + len, cap - len, "%s%" PRId64, j ? "," : "",
                                    h->user_id[k][j]);
        if (len < cap)
            len += (size_t)snprintf(buf + len, cap - len, ";");
    }
}

/* `text` (first_holders_text's form, from an earlier writer) back into
 * holders; what does not parse ends the list: a damaged key costs at most
 * some rows published again. */
static void first_holders_parse(struct first_holders *out, const char *text)
{
    const char *at = text;

    memset(out, 0, sizeof(*out));
    while (*at && out->nproblems < CST_EVENT_CELLS_MAX) {
        size_t k = out->nproblems;
        char *end;

        out->problem_id[k] = strtoll(at, &end, 10);
        if (end == at || *end != ':')
            return;
        for (at = end + 1;; at = end + 1) {
            int64_t uid = strtoll(at, &end, 10);

            if (end == at)
                return;
            if (out->nusers[k] < FIRST_TIES_MAX)
                out->user_id[k][out->nusers[k]++] = uid;
            if (*end != ',')
                break;
        }
        if (*end != ';')
            return;
        out->nproblems++;
        at = end + 1;
    }
}

static bool first_holds(const struct first_holders *h, int64_t problem_id, int64_t user_id)
{
    for (size_t k = 0; k < h->nproblems; k++)
        for (size_t j = 0; j < h->nusers[k] && h->problem_id[k] == problem_id; j++)
            if (h->user_id[k][j] == user_id)
                return true;
    return false;
}

/* Adds to `users` (deduplicated, `skip` left out) each holder in `a` who is
 * not one in `b`. */
static void first_gone(int64_t *users, size_t *n, const struct first_holders *a,
                       const struct first_holders *b, int64_t skip)
{
    for (size_t k = 0; k < a->nproblems; k++)
        for (size_t j = 0; j < a->nusers[k]; j++) {
            int64_t uid = a->user_id[k][j];
            bool dup = uid == skip || first_holds(b, a->problem_id[k], uid);

            for (size_t i = 0; i < *n && !dup; i++)
                dup = users[i] == uid;
            if (!dup)
                users[(*n)++] = uid;
        }
}

/* A failed update leaves the Redis board without this change: dropping its
 * meta makes the next reader rebuild it from PostgreSQL. When Redis is
 * unreachable even for that, the row stays behind until the participant's
 * next change or a rebuild (docs/ARCHITECTURE.md, "Scoreboard"). */
static void ranking_follow(struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                           int64_t user_id, int64_t now_ms)
{
    int err = db_ranking_update(pg, r, contest_id, user_id, now_ms);

    if (err == 0 || err == GV_ENOTFOUND)
        return;
    gv_log(GV_LOG_WARN, "db", "board of contest %" PRId64 " not updated for user %" PRId64
           ": %s; it will be rebuilt", contest_id, user_id, gv_strerror(err));
    db_ranking_invalidate(r, contest_id);
}

/* db_contest_row_event, and who holds each first-to-solve mark when
 * `holders` is given. */
static int row_event(struct cst_event *out, struct first_holders *holders, struct db_pg *pg,
                     int64_t contest_id, int64_t user_id, int64_t now_ms)
{
    struct cst_event_cell cells[CST_EVENT_CELLS_MAX];
    int64_t first[CST_EVENT_CELLS_MAX];
    struct cst_cell row_cells[CST_EVENT_CELLS_MAX];
    struct cst_event ev;
    struct cst_row row;
    struct db__board s;
    char cid[24], uid[24];
    int err;

    cst_event_init(out, CST_EVENT_CONTEST_ROW);
    cst_event_init(&ev, CST_EVENT_CONTEST_ROW);
    memset(&s, 0, sizeof(s));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    err = db__board_rules_load(&s, pg, cid, false, now_ms);
    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err == 0)
        err = teams_load(&s, pg, cid, uid);
    if (err == 0 && PQntuples(s.teams) != 1)
        err = GV_ENOTFOUND; /* not on the board: a hidden participant, or an organizer */
    if (err == 0)
        err = attempts_load(&s, pg, cid, uid);
    if (err == 0)
        err = first_solves_load(first, holders, pg, &s, cid);
    if (err == 0)
        err = cst_board_row(&row, row_cells, &s.rules, s.nproblems, s.attempts, s.nattempts,
                            first);
    if (err == 0)
        err = event_row(&ev.u.row.row, cells, &s, &row, 0);
    if (err < 0)
        goto out;
    ev.contest_id = contest_id;
    ev.user_id = user_id;
    ev.u.row.frozen = s.frozen;
    /* The event owns its cells. */
    ev.u.row.row.cells = NULL;
    if (s.nproblems) {
        ev.u.row.row.cells = gv_malloc(s.nproblems * sizeof(*cells));
        if (!ev.u.row.row.cells) {
            err = -ENOMEM;
            goto out;
        }
        memcpy(ev.u.row.row.cells, cells, s.nproblems * sizeof(*cells));
    }
    *out = ev;
out:
    db__board_release(&s);
    return err;
}

int db_contest_row_event(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                         int64_t user_id, int64_t now_ms)
{
    return row_event(out, NULL, pg, contest_id, user_id, now_ms);
}

/* Room for first_holders_text at CST_EVENT_CELLS_MAX problems, each with
 * FIRST_TIES_MAX holders: 20 digits and a separator per number. */
#define FIRST_TEXT_MAX (CST_EVENT_CELLS_MAX * (FIRST_TIES_MAX + 1) * 21 + 1)

/* Rows change only when their own contestant's attempts do, but for the
 * first-to-solve mark, which moves with another row: a late verdict for an
 * earlier submission takes it from the row that had it, and a rejudge that
 * takes the earliest solve away gives it to the next one. Every writer
 * swaps the holders it computed for the ones the previous writer left in
 * Redis (SET ... GET: one atomic step, so two writers never both miss a
 * change) and publishes again the row of every contestant who gained or
 * lost a mark. Each such row is computed now, so a writer that lost a race
 * with a newer one still publishes true rows; at worst a row goes out
 * twice. When Redis lost the key, the current holders' rows go out. */
static void first_marks_follow(struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                               int64_t user_id, const struct first_holders *now, int64_t now_ms)
{
    char key[160], *text = gv_malloc(FIRST_TEXT_MAX);
    const char *argv[] = {"SET", key, text, "EX", "2592000", "GET"};
    struct redisReply *rep = NULL;
    struct first_holders *before = gv_malloc(sizeof(*before));
    int64_t users[2 * CST_EVENT_CELLS_MAX * FIRST_TIES_MAX];
    size_t nusers = 0;
    int err;

    if (!text || !before)
        goto out;
    first_holders_text(text, FIRST_TEXT_MAX, now);
    snprintf(key, sizeof(key), "%.40s:%" PRId64 ":first_holders", db_ranking_prefix(), contest_id);
    err = db__redis_call(&rep, r, 6, argv, NULL, 0);
    if (err < 0) {
        gv_log(GV_LOG_WARN, "db", "first-to-solve marks of contest %" PRId64 " not followed: %s",
               contest_id, gv_strerror(err));
        goto out;
    }
    first_holders_parse(before, rep->type == REDIS_REPLY_STRING ? rep->str : "");
    first_gone(users, &nusers, now, before, user_id);
    first_gone(users, &nusers, before, now, user_id);
    for (size_t i = 0; i < nusers; i++) {
        struct cst_event ev;

        err = row_event(&ev, NULL, pg, contest_id, users[i], now_ms);
        if (err == 0)
            err = db_event_publish(NULL, r, &ev);
        cst_event_release(&ev);
        if (err < 0 && err != GV_ENOTFOUND)
            gv_log(GV_LOG_WARN, "db",
                   "row of user %" PRId64 " in contest %" PRId64
                   " not published after its first-to-solve mark moved: %s",
                   users[i], contest_id, gv_strerror(err));
    }
out:
    if (rep)
        freeReplyObject(rep);
    gv_free(before);
    gv_free(text);
}

int db_contest_row_publish(struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                           int64_t user_id, int64_t now_ms)
{
    struct first_holders holders;
    struct cst_event ev;
    int err = row_event(&ev, &holders, pg, contest_id, user_id, now_ms);

    /* The incremental board first (db_ranking.h), so that a client the
     * event sends for a window finds the row moved. */
    if (err == 0)
        ranking_follow(pg, r, contest_id, user_id, now_ms);
    if (err == 0)
        err = db_event_publish(NULL, r, &ev);
    cst_event_release(&ev);
    if (err == 0)
        first_marks_follow(pg, r, contest_id, user_id, &holders, now_ms);
    return err;
}

int db_contest_list(char **json, struct db_pg *pg, int64_t viewer_id)
{
    char uid[24];
    const char *p[] = {uid};

    snprintf(uid, sizeof(uid), "%" PRId64, viewer_id);
    return db_pg_query_value(
        json, pg,
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
static int query_two_ids(char **val, struct db_pg *pg, const char *sql, int64_t a, int64_t b)
{
    char sa[24], sb[24];
    const char *p[] = {sa, sb};

    snprintf(sa, sizeof(sa), "%" PRId64, a);
    snprintf(sb, sizeof(sb), "%" PRId64, b);
    return db_pg_query_value(val, pg, sql, 2, p);
}

int db_contest_register(struct db_pg *pg, int64_t contest_id, int64_t user_id, int64_t now_ms)
{
    struct cst_schedule sched = {0};
    char *val = NULL, policy = 0, already = 0;
    int err;

    /* Whether registration is open is contest/'s rule, at the caller's clock. */
    err = query_two_ids(&val, pg,
                        "SELECT " EPOCH_MS("starts_at") " || ' ' || " EPOCH_MS("ends_at") " || ' ' || "
                        "CASE WHEN open_registration THEN 'o' ELSE 'i' END || ' ' || CASE WHEN "
                        "EXISTS (SELECT 1 FROM participants WHERE contest_id = c.id AND user_id = "
                        "$2::bigint) THEN 'y' ELSE 'n' END FROM contests c WHERE id = $1::bigint",
                        contest_id, user_id);
    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    if (err == 0 && sscanf(val, "%" SCNd64 " %" SCNd64 " %c %c", &sched.starts_at, &sched.ends_at,
                           &policy, &already) != 4)
        err = GV_EDB;
    gv_free(val);
    val = NULL;
    if (err < 0)
        return err;
    switch (cst_register_check(&sched, policy == 'o', now_ms)) {
    case CST_REGISTER_ENDED:
        return -EACCES;
    case CST_REGISTER_BY_INVITATION:
        return already == 'y' ? GV_EEXIST : -EPERM;
    case CST_REGISTER_OK:
        break;
    }
    err = query_two_ids(&val, pg,
                        "INSERT INTO participants (contest_id, user_id) VALUES ($1::bigint, "
                        "$2::bigint) ON CONFLICT DO NOTHING RETURNING 1",
                        contest_id, user_id);
    if (err == 0 && !val)
        err = GV_EEXIST;
    gv_free(val);
    return err;
}

int db_contest_is_participant(struct db_pg *pg, int64_t contest_id, int64_t user_id)
{
    char *val = NULL;
    int err = query_two_ids(&val, pg,
                            "SELECT 1 FROM participants WHERE contest_id = $1::bigint AND "
                            "user_id = $2::bigint",
                            contest_id, user_id);

    gv_free(val);
    return err < 0 ? err : val != NULL;
}

/* "1,5,9" into a sorted array (NULL when empty). -ENOMEM, GV_EPARSE. */
static int parse_ids(int64_t **out, size_t *n, const char *text, size_t len)
{
    size_t cap = 1;
    int64_t *ids;

    *out = NULL;
    *n = 0;
    if (!len)
        return 0;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == ',';
    ids = gv_malloc(cap * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    for (const char *p = text, *end = text + len; p < end; p++) {
        char *stop;

        ids[*n] = strtoll(p, &stop, 10);
        if (stop == p || (stop < end && *stop != ',') || (*n && ids[*n] <= ids[*n - 1])) {
            gv_free(ids);
            *n = 0;
            return GV_EPARSE;
        }
        (*n)++;
        p = stop;
    }
    *out = ids;
    return 0;
}

int db_contest_people_load(struct db_contest_people *out, struct db_pg *pg, int64_t contest_id)
{
    char cid[24], *val = NULL, *semi;
    const char *p[] = {cid};
    int err;

    memset(out, 0, sizeof(*out));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    /* One round trip; the lists are sorted by the database. */
    err = db_pg_query_value(
        &val, pg,
        "SELECT coalesce((SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM "
        "participants WHERE contest_id = $1::bigint), '') || ';' || coalesce((SELECT "
        "string_agg(a::text, ',' ORDER BY a) FROM (SELECT DISTINCT asked_by AS a FROM "
        "clarifications WHERE contest_id = $1::bigint AND asked_by IS NOT NULL) q), '')",
        1, p);
    if (err < 0)
        return err;
    semi = val ? strchr(val, ';') : NULL;
    if (!semi)
        err = GV_EPARSE;
    if (err == 0)
        err = parse_ids(&out->participants, &out->nparticipants, val, (size_t)(semi - val));
    if (err == 0)
        err = parse_ids(&out->askers, &out->naskers, semi + 1, strlen(semi + 1));
    gv_free(val);
    if (err < 0)
        db_contest_people_release(out);
    return err;
}

void db_contest_people_release(struct db_contest_people *p)
{
    gv_free(p->participants);
    gv_free(p->askers);
    memset(p, 0, sizeof(*p));
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

bool db_contest_people_has(const int64_t *ids, size_t n, int64_t id)
{
    return n && bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

int db_contest_announce(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                        int64_t author_id, const char *text)
{
    struct cst_event ev;
    char *found = NULL;
    int err;

    cst_event_init(out, CST_EVENT_CONTEST_ANNOUNCEMENT);
    cst_event_init(&ev, CST_EVENT_CONTEST_ANNOUNCEMENT);
    ev.contest_id = contest_id;
    ev.u.announcement.author_id = author_id;
    ev.u.announcement.text = gv_strdup(text);
    if (!ev.u.announcement.text)
        return -ENOMEM;
    if (!cst_event_valid(&ev)) {
        err = GV_EINVAL;
        goto out;
    }
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        goto out;
    {
        char cid[24];
        const char *p[] = {cid};
        /* KEY SHARE: the contest cannot vanish before the row naming it is in. */
        snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
        err = db_pg_query_value(&found, pg,
                                "SELECT 1 FROM contests WHERE id = $1::bigint FOR KEY SHARE", 1, p);
    }
    if (err == 0 && !found)
        err = GV_ENOTFOUND;
    if (err == 0)
        err = db_event_insert(pg, &ev);
    err = db__pg_tx_end(pg, err);
out:
    gv_free(found);
    if (err < 0) {
        cst_event_release(&ev);
        return err;
    }
    *out = ev;
    return 0;
}

int db_contest_announcements(char **json, struct db_pg *pg, int64_t contest_id, int limit)
{
    char cid[24], lim[16];
    const char *p[] = {cid, lim, cst_event_info(CST_EVENT_CONTEST_ANNOUNCEMENT)->name};

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(lim, sizeof(lim), "%d", limit);
    return db_pg_query_value(
        json, pg,
        "SELECT coalesce(json_agg(json_build_object('announcement_id', id, 'text', "
        "payload->>'text', 'created_at_ms', " EPOCH_MS("created_at") ") ORDER BY id), "
        "'[]'::json)::text FROM (SELECT * FROM events WHERE contest_id = $1::bigint AND type = "
        "$3 ORDER BY id DESC LIMIT $2::int) e",
        3, p);
}
