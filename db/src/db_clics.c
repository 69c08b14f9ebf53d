/* SPDX-License-Identifier: MIT
 * db_clics.c - a contest's CLICS objects (db_clics.h).
 *
 * Every contest collection starts from the board's sources (db__board_load)
 * for the caller's view: what the board shows is what the API shows, so
 * the public view's problems, teams and hidden results are decided once, by
 * contest/'s rules, for the WebSocket snapshot, the board and this API
 * alike. The queries here only add the columns the board does not need
 * (languages, judgings, per-test results, clarifications).
 *
 * Over 800 lines on purpose: every collection reads the one loaded contest
 * (struct clics) and its view rules (shown_problem, shows_result); split
 * by collection, that struct and those rules would become an internal
 * interface of their own for no other user. */
#include "db_clics.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "cst_clics.h"
#include "db_board.h"
#include "db_internal.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "banned.h"

/* Every TIME is written in UTC ("+00:00"): the spec asks for an offset,
 * and a contest has no zone of its own here. */
#define OFFSET_MIN 0

/* The columns contest_json reads, in order. */
#define CONTEST_COLS                                                                               \
    "id, title, scoring::text, penalty_minutes, " EPOCH_MS("starts_at") ", " EPOCH_MS(             \
        "freezes_at") ", " EPOCH_MS("ends_at") ", " EPOCH_MS("unfrozen_at") ", slug, medals[1], " \
                                                                            "medals[2], medals[3]"

/* One contest endpoint being served: the view's board sources and the
 * contest's own row. */
struct clics {
    struct db__board b;
    PGresult *contest; /* CONTEST_COLS */
    bool jury;
    int64_t now_ms;
    char cid[24];
    /* The objects asked for (a PostgreSQL bigint[] literal: submission
     * ids for submissions, judging ids for judgements and runs), NULL for
     * all of them: the event feed reads only what its rows name. */
    const char *only;
};

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool add_time(cJSON *o, const char *key, int64_t epoch_ms)
{
    char t[CST_CLICS_TIME_MAX];

    cst_clics_time(t, epoch_ms, OFFSET_MIN);
    return cJSON_AddStringToObject(o, key, t) != NULL;
}

static bool add_reltime(cJSON *o, const char *key, int64_t ms)
{
    char t[CST_CLICS_RELTIME_MAX];

    cst_clics_reltime(t, ms);
    return cJSON_AddStringToObject(o, key, t) != NULL;
}

/* An id: our numeric ids become strings, as the spec's ids are. */
static bool add_id(cJSON *o, const char *key, int64_t id)
{
    char s[24];

    snprintf(s, sizeof(s), "%" PRId64, id);
    return cJSON_AddStringToObject(o, key, s) != NULL;
}

/* A time both ways: `key_time` as a TIME and `key_rel` as a RELTIME since
 * the start. */
static bool add_times(cJSON *o, const char *key_time, const char *key_rel, int64_t at_ms,
                      int64_t starts_at)
{
    return add_time(o, key_time, at_ms) && add_reltime(o, key_rel, at_ms - starts_at);
}

/* The contest object of `row` of a CONTEST_COLS result. */
static cJSON *contest_json(const PGresult *r, int row)
{
    int64_t starts = col_i64(r, row, 4), ends = col_i64(r, row, 6);
    cJSON *o = cJSON_CreateObject();
    bool ok;

    ok = o && cJSON_AddStringToObject(o, "id", PQgetvalue(r, row, 0)) &&
         cJSON_AddStringToObject(o, "name", PQgetvalue(r, row, 1)) &&
         cJSON_AddStringToObject(o, "formal_name", PQgetvalue(r, row, 1)) &&
         cJSON_AddStringToObject(o, "shortname", PQgetvalue(r, row, 8)) &&
         add_time(o, "start_time", starts) && add_reltime(o, "duration", ends - starts) &&
         cJSON_AddStringToObject(o, "scoreboard_type",
                                 strcmp(PQgetvalue(r, row, 2), "ioi") ? "pass-fail" : "score") &&
         cJSON_AddNumberToObject(o, "penalty_time", (double)col_i64(r, row, 3));
    if (ok && PQgetisnull(r, row, 5))
        ok = cJSON_AddNullToObject(o, "scoreboard_freeze_duration") != NULL;
    else if (ok)
        ok = add_reltime(o, "scoreboard_freeze_duration", ends - col_i64(r, row, 5));
    if (ok && PQgetisnull(r, row, 7))
        ok = cJSON_AddNullToObject(o, "scoreboard_thaw_time") != NULL;
    else if (ok)
        ok = add_time(o, "scoreboard_thaw_time", col_i64(r, row, 7));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int db_clics_contests(char **json, struct db_pg *pg)
{
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    *json = NULL;
    err = db__pg_select(&r, pg, "contests",
                        "SELECT " CONTEST_COLS " FROM contests ORDER BY starts_at, id", 0, NULL);
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        cJSON *c = contest_json(r, i);

        if (!c || !cJSON_AddItemToArray(arr, c)) {
            cJSON_Delete(c);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    PQclear(r);
    return db__json_print(json, arr);
}

/* --- The view ---------------------------------------------------------------- */

/* `board`: the teams and their attempts too (teams, awards, scoreboard);
 * the other collections need only the rules and the problems shown. */
static int clics_load(struct clics *c, struct db_pg *pg, int64_t contest_id, bool jury,
                      int64_t now_ms, bool board)
{
    const char *p[] = {c->cid};
    int err;

    memset(c, 0, sizeof(*c));
    c->jury = jury;
    c->now_ms = now_ms;
    snprintf(c->cid, sizeof(c->cid), "%" PRId64, contest_id);
    err = board ? db__board_load(&c->b, pg, contest_id, jury, now_ms)
                : db__board_rules_load(&c->b, pg, c->cid, jury, now_ms);
    if (err < 0)
        return err;
    err = db__pg_select(&c->contest, pg, "contest",
                        "SELECT " CONTEST_COLS " FROM contests WHERE id = $1::bigint", 1, p);
    if (err == 0 && PQntuples(c->contest) < 1)
        err = GV_ENOTFOUND;
    return err;
}

static void clics_release(struct clics *c)
{
    db__board_release(&c->b);
    PQclear(c->contest);
    c->contest = NULL;
}

/* The slug (the problem's CLICS id) of a problem this view shows; NULL for
 * one it hides (every one, before the start, to the public). */
static const char *shown_problem(const struct clics *c, int64_t problem_id)
{
    for (size_t k = 0; k < c->b.nproblems; k++)
        if (col_i64(c->b.problems, (int)k, 0) == problem_id)
            return PQgetvalue(c->b.problems, (int)k, 2);
    return NULL;
}

/* Whether this view shows the result of an attempt made `created_ms`
 * (epoch): the board's freeze rule, which the jury and a published final
 * standings lift. */
static bool shows_result(const struct clics *c, int64_t created_ms)
{
    return cst_board_shows_solve(&c->b.rules, created_ms - c->b.starts_at);
}

/* Appends `o` to `arr`; false (and `o` deleted) when either is NULL. */
static bool push(cJSON *arr, cJSON *o)
{
    if (!arr || !o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return true;
}

/* One row's object into the collection; a row that failed to build (!ok)
 * or to join drops the whole collection, which rows_done reports. */
static void push_row(cJSON **arr, cJSON *o, bool ok)
{
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    if (!push(*arr, o)) {
        cJSON_Delete(*arr);
        *arr = NULL;
    }
}

static int rows_done(cJSON **out, cJSON *arr, PGresult *r)
{
    PQclear(r);
    *out = arr;
    return arr ? 0 : -ENOMEM;
}


/* --- Collections --------------------------------------------------------------- */

/* The state's times now. */
static void state_of(struct cst_clics_state *s, const struct clics *c)
{
    const PGresult *r = c->contest;
    int64_t starts = col_i64(r, 0, 4), freezes = col_i64(r, 0, 5), ends = col_i64(r, 0, 6),
            unfrozen = col_i64(r, 0, 7), now = c->now_ms;

    memset(s, 0, sizeof(*s));
    if (now >= starts)
        s->started = starts;
    if (!PQgetisnull(r, 0, 5) && now >= freezes)
        s->frozen = freezes;
    if (now >= ends)
        s->ended = ends;
    /* The final standings are published at unfrozen_at: that thaws the
     * board (when it was frozen) and makes the results final. */
    if (!PQgetisnull(r, 0, 7) && now >= unfrozen) {
        if (s->frozen)
            s->thawed = unfrozen;
        s->finalized = unfrozen;
    }
}

static cJSON *state_json(const struct clics *c)
{
    struct cst_clics_state s;
    cJSON *o = NULL;

    state_of(&s, c);
    return cst_clics_state_json(&o, &s, OFFSET_MIN) == 0 ? o : NULL;
}

static cJSON *judgement_types_json(void)
{
    size_t n;
    const struct cst_clics_jtype *t = cst_clics_jtypes(&n);
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "id", t[i].id) ||
            !cJSON_AddStringToObject(o, "name", t[i].name) ||
            !cJSON_AddBoolToObject(o, "penalty", t[i].penalty) ||
            !cJSON_AddBoolToObject(o, "solved", t[i].solved)) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!push(arr, o)) {
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return arr;
}

static cJSON *languages_json(void)
{
    cJSON *arr = cJSON_CreateArray();
    const struct gv_lang *l;

    for (size_t i = 0; arr && (l = gv_lang_at(i)); i++) {
        cJSON *o = cJSON_CreateObject(), *exts = cJSON_CreateArray();
        bool ok = o && exts && cJSON_AddItemToObject(o, "extensions", exts);

        if (!ok)
            cJSON_Delete(exts);
        ok = ok && cJSON_AddStringToObject(o, "id", l->id) &&
             cJSON_AddStringToObject(o, "name", l->name) &&
             cJSON_AddBoolToObject(o, "entry_point_required", false);
        /* The spec's extensions have no dot: "cpp", not ".cpp". */
        for (size_t e = 0; ok && e < GV_LANG_EXTS_MAX && l->exts[e]; e++)
            ok = cJSON_AddItemToArray(exts, cJSON_CreateString(l->exts[e] + 1));
        push_row(&arr, o, ok);
    }
    return arr;
}

static int problems_json(cJSON **out, struct clics *c, struct db_pg *pg)
{
    const char *p[] = {c->cid};
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    /* The board's problems are the ones shown; this adds what only the
     * problem object needs, for the same rows. */
    err = db__pg_select(&r, pg, "clics problems",
                        "SELECT p.slug, cp.label, p.name, cp.ordinal, cp.color, "
                        "pv.time_limit_ms, (SELECT count(*) FROM test_cases tc WHERE "
                        "tc.problem_version_id = pv.id), cp.problem_id, cp.points FROM "
                        "contest_problems cp JOIN problems p ON p.id = cp.problem_id JOIN "
                        "problem_versions pv ON pv.problem_id = p.id AND pv.version = "
                        "p.current_version WHERE cp.contest_id = $1::bigint ORDER BY cp.ordinal",
                        1, p);
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        cJSON *o;

        if (!shown_problem(c, col_i64(r, i, 7)))
            continue;
        o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", PQgetvalue(r, i, 0)) ||
            !cJSON_AddStringToObject(o, "label", PQgetvalue(r, i, 1)) ||
            !cJSON_AddStringToObject(o, "name", PQgetvalue(r, i, 2)) ||
            !cJSON_AddNumberToObject(o, "ordinal", (double)col_i64(r, i, 3)) ||
            (!PQgetisnull(r, i, 4) && !cJSON_AddStringToObject(o, "rgb", PQgetvalue(r, i, 4))) ||
            !cJSON_AddNumberToObject(o, "time_limit", (double)col_i64(r, i, 5) / 1000.0) ||
            !cJSON_AddNumberToObject(o, "test_data_count", (double)col_i64(r, i, 6)) ||
            (c->b.rules.scoring == CST_SCORING_IOI &&
             !cJSON_AddNumberToObject(o, "max_score", strtod(PQgetvalue(r, i, 8), NULL)))) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!push(arr, o)) {
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return rows_done(out, arr, r);
}

/* The board's teams: the visible participants (hidden ones, the jury's
 * test accounts, are on no board and so are no team). */
static cJSON *teams_json(const struct clics *c)
{
    cJSON *arr = cJSON_CreateArray();

    for (int t = 0; arr && t < PQntuples(c->b.teams); t++) {
        cJSON *o = cJSON_CreateObject();

        if (!o || !add_id(o, "id", c->b.team_ids[t]) ||
            !cJSON_AddStringToObject(o, "label", PQgetvalue(c->b.teams, t, 1)) ||
            !cJSON_AddStringToObject(o, "name", PQgetvalue(c->b.teams, t, 1)) ||
            !cJSON_AddStringToObject(o, "display_name", PQgetvalue(c->b.teams, t, 2)) ||
            !cJSON_AddNullToObject(o, "organization_id") ||
            !cJSON_AddArrayToObject(o, "group_ids") || !cJSON_AddBoolToObject(o, "hidden", false)) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!push(arr, o)) {
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* A feed's read asks for a few objects of a contest that may hold tens of
 * thousands: those of c->only ($2). Its queries read the tables through
 * CTEs of the same names that hold just those rows, found by their ids
 * first (MATERIALIZED: planned apart). Left to itself, the planner would
 * start from the contest, which on a contest created since the tables'
 * last ANALYZE it expects to have one submission: it walked all of them
 * and kept the few asked for (10 ms a read at 2,500 submissions, growing
 * with the contest, against a few index probes). */
#define PICK_JUDGINGS "j AS MATERIALIZED (SELECT * FROM judgings WHERE id = ANY($2::bigint[]))"
#define PICK_SUBMISSIONS_OF_J                                                                      \
    "s AS MATERIALIZED (SELECT * FROM submissions WHERE id IN (SELECT submission_id FROM j))"

/* Submissions of the board's teams to the problems shown. The files'
 * href is relative to the API's base, as the spec allows; only the jury
 * gets one (the public never reads a source). */
static int submissions_json(cJSON **out, struct clics *c, struct db_pg *pg)
{
    const char *p[] = {c->cid, c->only};
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    // clang-format off
#define SUBMISSIONS_SQL(s_from)                                                                    \
    "SELECT s.id, s.user_id, s.problem_id, s.language::text, " EPOCH_MS("s.created_at") " "        \
    "FROM " s_from " s JOIN participants pa ON pa.contest_id = s.contest_id "                     \
    "AND pa.user_id = s.user_id AND NOT pa.is_hidden WHERE s.contest_id = $1::bigint "            \
    "ORDER BY s.created_at, s.id"
    err = c->only
        ? db__pg_select(&r, pg, "clics submissions",
                        "WITH s AS MATERIALIZED (SELECT * FROM submissions "
                        "WHERE id = ANY($2::bigint[])) " SUBMISSIONS_SQL("s"), 2, p)
        : db__pg_select(&r, pg, "clics submissions", SUBMISSIONS_SQL("submissions"), 1, p);
#undef SUBMISSIONS_SQL
    // clang-format on
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        const char *slug = shown_problem(c, col_i64(r, i, 2));
        cJSON *o, *files;
        char href[96];
        bool ok;

        if (!slug)
            continue;
        o = cJSON_CreateObject();
        files = o ? cJSON_AddArrayToObject(o, "files") : NULL;
        ok = files && add_id(o, "id", col_i64(r, i, 0)) &&
             cJSON_AddStringToObject(o, "language_id", PQgetvalue(r, i, 3)) &&
             cJSON_AddStringToObject(o, "problem_id", slug) &&
             add_id(o, "team_id", col_i64(r, i, 1)) &&
             add_times(o, "time", "contest_time", col_i64(r, i, 4), c->b.starts_at);
        if (ok && c->jury) {
            cJSON *f = cJSON_CreateObject();

            snprintf(href, sizeof(href), "contests/%s/submissions/%s/files", c->cid,
                     PQgetvalue(r, i, 0));
            ok = push(files, f) && cJSON_AddStringToObject(f, "href", href) &&
                 cJSON_AddStringToObject(f, "mime", "application/zip");
        }
        push_row(&arr, o, ok);
    }
    return rows_done(out, arr, r);
}

/* Judgings of the shown submissions: the public sees only the valid one of
 * each, and none of an attempt whose result the freeze hides; the jury sees
 * every judging, with "valid" telling which one counts. */
static int judgements_json(cJSON **out, struct clics *c, struct db_pg *pg)
{
    const char *p[] = {c->cid, c->only};
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    /* The SQL by clause; clang-format would wrap it around the macros. */
    // clang-format off
#define JUDGEMENTS_SQL(j_from, s_from)                                                             \
    "SELECT j.id, j.submission_id, j.verdict::text, "                                              \
    EPOCH_MS("j.started_at") ", " EPOCH_MS("j.finished_at") ", "                                   \
    "j.max_time_ms, j.is_valid, " EPOCH_MS("s.created_at") ", s.problem_id, j.score "             \
    "FROM " j_from " j JOIN " s_from " s ON s.id = j.submission_id "                             \
    "JOIN participants pa ON pa.contest_id = s.contest_id AND pa.user_id = s.user_id "            \
    "AND NOT pa.is_hidden "                                                                        \
    "WHERE s.contest_id = $1::bigint ORDER BY j.id"
    err = c->only
        ? db__pg_select(&r, pg, "clics judgements",
                        "WITH " PICK_JUDGINGS ", " PICK_SUBMISSIONS_OF_J " "
                        JUDGEMENTS_SQL("j", "s"), 2, p)
        : db__pg_select(&r, pg, "clics judgements", JUDGEMENTS_SQL("judgings", "submissions"),
                        1, p);
#undef JUDGEMENTS_SQL
    // clang-format on
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        bool valid = PQgetvalue(r, i, 6)[0] == 't', ok;
        const char *jt = PQgetisnull(r, i, 2) ? NULL : cst_clics_jtype_of(PQgetvalue(r, i, 2));
        cJSON *o;

        if (!shown_problem(c, col_i64(r, i, 8)) ||
            (!c->jury && (!valid || !shows_result(c, col_i64(r, i, 7)))))
            continue;
        o = cJSON_CreateObject();
        ok = o && add_id(o, "id", col_i64(r, i, 0)) &&
             add_id(o, "submission_id", col_i64(r, i, 1)) &&
             (jt ? cJSON_AddStringToObject(o, "judgement_type_id", jt)
                 : cJSON_AddNullToObject(o, "judgement_type_id")) &&
             add_times(o, "start_time", "start_contest_time", col_i64(r, i, 3), c->b.starts_at);
        if (ok && jt)
            ok = add_times(o, "end_time", "end_contest_time", col_i64(r, i, 4), c->b.starts_at);
        else if (ok)
            ok = cJSON_AddNullToObject(o, "end_time") &&
                 cJSON_AddNullToObject(o, "end_contest_time");
        if (ok && !PQgetisnull(r, i, 5))
            ok = cJSON_AddNumberToObject(o, "max_run_time", (double)col_i64(r, i, 5) / 1000.0);
        if (ok && jt && c->b.rules.scoring == CST_SCORING_IOI && !PQgetisnull(r, i, 9))
            ok = cJSON_AddNumberToObject(o, "score", strtod(PQgetvalue(r, i, 9), NULL));
        if (ok && c->jury)
            ok = cJSON_AddBoolToObject(o, "valid", valid);
        push_row(&arr, o, ok);
    }
    return rows_done(out, arr, r);
}

/* Per-test results (judging_tests), under the judgements' rules. A run has
 * no time of its own here: its judging's end stands for it. */
static int runs_json(cJSON **out, struct clics *c, struct db_pg *pg)
{
    const char *p[] = {c->cid, c->only};
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    // clang-format off
#define RUNS_SQL(jt_from, j_from, s_from)                                                          \
    "SELECT jt.judging_id, tc.ordinal, jt.verdict::text, jt.cpu_ms, "                             \
    "coalesce(" EPOCH_MS("j.finished_at") ", " EPOCH_MS("j.started_at") "), "                     \
    "j.is_valid, " EPOCH_MS("s.created_at") ", s.problem_id "                                     \
    "FROM " jt_from " jt JOIN " j_from " j ON j.id = jt.judging_id "                              \
    "JOIN test_cases tc ON tc.id = jt.test_case_id "                                              \
    "JOIN " s_from " s ON s.id = j.submission_id "                                                \
    "JOIN participants pa ON pa.contest_id = s.contest_id AND pa.user_id = s.user_id "            \
    "AND NOT pa.is_hidden "                                                                        \
    "WHERE s.contest_id = $1::bigint "                                                             \
    "ORDER BY jt.judging_id, tc.ordinal"
    err = c->only
        ? db__pg_select(&r, pg, "clics runs",
                        "WITH jt AS MATERIALIZED (SELECT * FROM judging_tests "
                        "WHERE judging_id = ANY($2::bigint[])), " PICK_JUDGINGS ", "
                        PICK_SUBMISSIONS_OF_J " " RUNS_SQL("jt", "j", "s"), 2, p)
        : db__pg_select(&r, pg, "clics runs", RUNS_SQL("judging_tests", "judgings", "submissions"),
                        1, p);
#undef RUNS_SQL
    // clang-format on
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        const char *jt = cst_clics_jtype_of(PQgetvalue(r, i, 2));
        char id[48];
        cJSON *o;

        if (!shown_problem(c, col_i64(r, i, 7)) ||
            (!c->jury && (PQgetvalue(r, i, 5)[0] != 't' || !shows_result(c, col_i64(r, i, 6)))))
            continue;
        snprintf(id, sizeof(id), "%s-%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", id) ||
            !cJSON_AddStringToObject(o, "judgement_id", PQgetvalue(r, i, 0)) ||
            !cJSON_AddNumberToObject(o, "ordinal", (double)col_i64(r, i, 1)) ||
            !(jt ? cJSON_AddStringToObject(o, "judgement_type_id", jt)
                 : cJSON_AddNullToObject(o, "judgement_type_id")) ||
            !add_times(o, "time", "contest_time", col_i64(r, i, 4), c->b.starts_at) ||
            !cJSON_AddNumberToObject(o, "run_time", (double)col_i64(r, i, 3) / 1000.0)) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!push(arr, o)) {
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return rows_done(out, arr, r);
}

/* A clarification of ours is a question and its answer: two CLICS
 * clarifications, "<id>" from the team and "<id>-reply" from the jury
 * (reply_to_id "<id>"); a broadcast is one, from the jury to everyone. The
 * public sees the public ones only, and not who asked. */
static cJSON *clar_json(const struct clics *c, const PGresult *r, int i, bool reply)
{
    const char *slug = PQgetisnull(r, i, 2) ? NULL : shown_problem(c, col_i64(r, i, 2));
    bool is_public = PQgetvalue(r, i, 5)[0] == 't', asked = !PQgetisnull(r, i, 3);
    cJSON *o = cJSON_CreateObject();
    char id[48];
    bool ok;

    snprintf(id, sizeof(id), reply && asked ? "%s-reply" : "%s", PQgetvalue(r, i, 0));
    ok = o && cJSON_AddStringToObject(o, "id", id) &&
         (slug ? cJSON_AddStringToObject(o, "problem_id", slug)
               : cJSON_AddNullToObject(o, "problem_id")) &&
         cJSON_AddStringToObject(o, "text", PQgetvalue(r, i, reply ? 4 : 3)) &&
         add_times(o, "time", "contest_time", col_i64(r, i, reply ? 7 : 6), c->b.starts_at);
    if (ok && !reply)
        ok = (c->jury ? add_id(o, "from_team_id", col_i64(r, i, 1))
                      : cJSON_AddNullToObject(o, "from_team_id") != NULL) &&
             cJSON_AddNullToObject(o, "to_team_id") && cJSON_AddNullToObject(o, "reply_to_id");
    else if (ok)
        ok = cJSON_AddNullToObject(o, "from_team_id") &&
             (is_public || !asked ? cJSON_AddNullToObject(o, "to_team_id") != NULL
                                  : add_id(o, "to_team_id", col_i64(r, i, 1))) &&
             (asked ? cJSON_AddStringToObject(o, "reply_to_id", PQgetvalue(r, i, 0))
                    : cJSON_AddNullToObject(o, "reply_to_id"));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int clarifications_json(cJSON **out, struct clics *c, struct db_pg *pg)
{
    const char *p[] = {c->cid, c->jury ? "t" : "f"};
    PGresult *r = NULL;
    cJSON *arr;
    int err;

    // clang-format off
    err = db__pg_select(&r, pg, "clics clarifications",
        "SELECT id, asked_by, problem_id, question, answer, is_public, "
        EPOCH_MS("created_at") ", " EPOCH_MS("answered_at") " "
        "FROM clarifications WHERE contest_id = $1::bigint AND ($2::boolean OR is_public) "
        "ORDER BY id",
        2, p);
    // clang-format on
    if (err < 0)
        return err;
    arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(r); i++) {
        bool asked = !PQgetisnull(r, i, 3), answered = !PQgetisnull(r, i, 4);

        /* A clarification about a problem this view hides is hidden too. */
        if (!PQgetisnull(r, i, 2) && !shown_problem(c, col_i64(r, i, 2)))
            continue;
        if ((asked && !push(arr, clar_json(c, r, i, false))) ||
            (answered && !push(arr, clar_json(c, r, i, true)))) {
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return rows_done(out, arr, r);
}

/* The team ids (strings), by the board's team index, for the encoders. */
static int team_names(char ***out, const struct clics *c)
{
    size_t n = (size_t)PQntuples(c->b.teams);
    char **ids = gv_calloc(n ? n : 1, sizeof(*ids));

    if (!ids)
        return -ENOMEM;
    for (size_t t = 0; t < n; t++) {
        ids[t] = gv_malloc(24);
        if (!ids[t]) {
            for (size_t k = 0; k < t; k++)
                gv_free(ids[k]);
            gv_free(ids);
            return -ENOMEM;
        }
        snprintf(ids[t], 24, "%" PRId64, c->b.team_ids[t]);
    }
    *out = ids;
    return 0;
}

static void team_names_free(char **ids, size_t n)
{
    for (size_t t = 0; ids && t < n; t++)
        gv_free(ids[t]);
    gv_free(ids);
}

/* {"id","citation","team_ids"} */
static cJSON *award(const char *id, const char *citation, cJSON *team_ids)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !team_ids || !cJSON_AddStringToObject(o, "id", id) ||
        !cJSON_AddStringToObject(o, "citation", citation) ||
        !cJSON_AddItemToObject(o, "team_ids", team_ids)) {
        cJSON_Delete(team_ids);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* gold-medal, silver-medal and bronze-medal by place (cst_board_medal), for
 * each kind the definition awards (the contest's `medals`). */
static bool medal_awards(cJSON *arr, const struct clics *c, const struct cst_board *b,
                         char **team_ids)
{
    static const char *const ids[] = {"gold-medal", "silver-medal", "bronze-medal"};
    static const char *const citations[] = {"Gold medal", "Silver medal", "Bronze medal"};
    int counts[CST_MEDAL_KINDS];

    for (int k = 0; k < CST_MEDAL_KINDS; k++)
        counts[k] = (int)col_i64(c->contest, 0, 9 + k);
    for (int k = 0; k < CST_MEDAL_KINDS; k++) {
        cJSON *teams;

        if (counts[k] <= 0)
            continue;
        teams = cJSON_CreateArray();
        for (size_t i = 0; teams && i < b->nteams; i++)
            if (cst_board_medal(&b->rows[i], counts) == k &&
                !cJSON_AddItemToArray(teams, cJSON_CreateString(team_ids[b->rows[i].team]))) {
                cJSON_Delete(teams);
                teams = NULL;
            }
        if (!push(arr, award(ids[k], citations[k], teams)))
            return false;
    }
    return true;
}

/* The winner (the teams ranked first, once anyone solved something) and
 * the first to solve each problem, from this view's board: the public's
 * awards are the frozen board's until the final standings. */
static cJSON *awards_json(const struct clics *c, const struct cst_board *b, char **team_ids)
{
    cJSON *arr = cJSON_CreateArray(), *winners = cJSON_CreateArray();
    bool ok = arr && winners;

    for (size_t i = 0; ok && i < b->nteams && b->rows[i].rank == 1; i++)
        if (b->rows[i].solved > 0 || b->rows[i].score > 0)
            ok = cJSON_AddItemToArray(winners, cJSON_CreateString(team_ids[b->rows[i].team]));
    ok = ok && push(arr, award("winner", "Contest winner", winners));
    winners = NULL;
    ok = ok && medal_awards(arr, c, b, team_ids);
    for (size_t k = 0; ok && k < c->b.nproblems; k++) {
        const char *slug = PQgetvalue(c->b.problems, (int)k, 2);
        cJSON *ids = cJSON_CreateArray();
        char id[96], citation[128];

        for (size_t i = 0; ids && i < b->nteams; i++)
            if (b->rows[i].cells[k].first &&
                !cJSON_AddItemToArray(ids, cJSON_CreateString(team_ids[b->rows[i].team]))) {
                cJSON_Delete(ids);
                ids = NULL;
            }
        snprintf(id, sizeof(id), "first-to-solve-%s", slug);
        snprintf(citation, sizeof(citation), "First to solve problem %s",
                 PQgetvalue(c->b.problems, (int)k, 1));
        ok = push(arr, award(id, citation, ids));
    }
    cJSON_Delete(winners);
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

/* The scoreboard or the awards: both from the view's board. */
static int board_json(cJSON **out, struct clics *c, bool awards)
{
    size_t nteams = (size_t)PQntuples(c->b.teams);
    const char **problem_ids = gv_calloc(c->b.nproblems ? c->b.nproblems : 1, sizeof(*problem_ids));
    struct cst_board board = {0};
    char **team_ids = NULL;
    int err = problem_ids ? team_names(&team_ids, c) : -ENOMEM;

    *out = NULL;
    if (err == 0)
        err = cst_board_compute(&board, &c->b.rules, nteams, c->b.nproblems, c->b.attempts,
                                c->b.nattempts);
    if (err < 0)
        goto out;
    for (size_t k = 0; k < c->b.nproblems; k++)
        problem_ids[k] = PQgetvalue(c->b.problems, (int)k, 2);
    if (awards) {
        *out = awards_json(c, &board, team_ids);
    } else {
        int64_t length = col_i64(c->contest, 0, 6) - c->b.starts_at;
        struct cst_clics_board info = {
            .time = c->now_ms,
            .contest_time = c->now_ms - c->b.starts_at,
            .offset_min = OFFSET_MIN,
            .scoring = c->b.rules.scoring,
            .team_ids = (const char *const *)team_ids,
            .problem_ids = problem_ids,
        };

        state_of(&info.state, c);
        /* Contest time stops at the end, as the board's clock does. */
        if (info.contest_time < 0)
            info.contest_time = 0;
        if (info.contest_time > length)
            info.contest_time = length;
        err = cst_clics_scoreboard(out, &info, &board);
    }
    if (err == 0 && !*out)
        err = -ENOMEM;
out:
    cst_board_release(&board);
    team_names_free(team_ids, nteams);
    gv_free(problem_ids);
    return err;
}

/* --- The endpoint ---------------------------------------------------------- */

/* The element of `arr` (deleted) whose "id" is `id`, detached. */
static cJSON *pick(cJSON *arr, const char *id)
{
    cJSON *it, *found = NULL;

    cJSON_ArrayForEach(it, arr)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));

        if (v && !strcmp(v, id)) {
            found = cJSON_DetachItemViaPointer(arr, it);
            break;
        }
    }
    cJSON_Delete(arr);
    return found;
}

/* Collection `collection` (NULL: the contest object) of the loaded view,
 * with c->only applied. */
static int collection_json(cJSON **out, struct clics *c, struct db_pg *pg, const char *collection)
{
    const char *name = collection ? collection : "";
    cJSON *o = NULL;
    int err = 0;

    if (!collection) {
        o = contest_json(c->contest, 0);
    } else if (!strcmp(name, "state")) {
        o = state_json(c);
    } else if (!strcmp(name, "judgement-types")) {
        o = judgement_types_json();
    } else if (!strcmp(name, "languages")) {
        o = languages_json();
    } else if (!strcmp(name, "problems")) {
        err = problems_json(&o, c, pg);
    } else if (!strcmp(name, "teams")) {
        o = teams_json(c);
    } else if (!strcmp(name, "organizations") || !strcmp(name, "groups")) {
        o = cJSON_CreateArray(); /* we have neither: teams are people */
    } else if (!strcmp(name, "submissions")) {
        err = submissions_json(&o, c, pg);
    } else if (!strcmp(name, "judgements")) {
        err = judgements_json(&o, c, pg);
    } else if (!strcmp(name, "runs")) {
        err = runs_json(&o, c, pg);
    } else if (!strcmp(name, "clarifications")) {
        err = clarifications_json(&o, c, pg);
    } else if (!strcmp(name, "awards") || !strcmp(name, "scoreboard")) {
        err = board_json(&o, c, !strcmp(name, "awards"));
    } else {
        err = GV_ENOTFOUND;
    }
    if (err == 0 && !o)
        err = -ENOMEM;
    *out = err == 0 ? o : NULL;
    if (err < 0)
        cJSON_Delete(o);
    return err;
}

/* Whether a collection is computed from the whole board (its teams and
 * attempts), not just the view's rules and problems. */
static bool needs_board(const char *collection)
{
    return collection && (!strcmp(collection, "teams") || !strcmp(collection, "awards") ||
                          !strcmp(collection, "scoreboard"));
}

int db_clics_get(char **json, struct db_pg *pg, int64_t contest_id, const char *collection,
                 const char *object_id, bool jury, int64_t now_ms)
{
    static const char *const singles[] = {"state", "scoreboard"};
    const char *name = collection ? collection : "";
    struct clics c;
    cJSON *o = NULL;
    int err;

    *json = NULL;
    for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
        if (object_id && !strcmp(name, singles[i]))
            return GV_ENOTFOUND;
    err = clics_load(&c, pg, contest_id, jury, now_ms, needs_board(collection));
    if (err == 0 && !collection && object_id)
        err = GV_ENOTFOUND;
    if (err == 0)
        err = collection_json(&o, &c, pg, collection);
    if (err == 0 && object_id && collection) {
        o = pick(o, object_id);
        err = o ? 0 : GV_ENOTFOUND;
    }
    if (err == 0) {
        err = db__json_print(json, o);
        o = NULL;
    }
    cJSON_Delete(o);
    clics_release(&c);
    return err;
}

/* --- The event feed's view (db_internal.h) ------------------------------------ */

struct db__clics_view {
    struct clics c;
};

int db__clics_view_open(struct db__clics_view **out, struct db_pg *pg, int64_t contest_id,
                        bool jury, int64_t now_ms)
{
    struct db__clics_view *v = gv_calloc(1, sizeof(*v));
    int err = v ? clics_load(&v->c, pg, contest_id, jury, now_ms, false) : -ENOMEM;

    if (err < 0) {
        db__clics_view_close(v);
        v = NULL;
    }
    *out = v;
    return err;
}

int db__clics_view_select(cJSON **out, struct db__clics_view *v, struct db_pg *pg,
                          const char *collection, const char *only)
{
    int err;

    *out = NULL;
    if (needs_board(collection))
        return GV_EINVAL; /* the feed's view has no teams or attempts */
    v->c.only = only;
    err = collection_json(out, &v->c, pg, collection);
    v->c.only = NULL;
    return err;
}

void db__clics_view_close(struct db__clics_view *v)
{
    if (!v)
        return;
    clics_release(&v->c);
    gv_free(v);
}

int db_clics_source(void **data, size_t *len, char *name, size_t name_len, struct db_pg *pg,
                    int64_t contest_id, int64_t submission_id)
{
    char cid[24], sid[24];
    const char *p[] = {cid, sid};
    const struct gv_lang *l;
    PGresult *r = NULL;
    int err;

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(sid, sizeof(sid), "%" PRId64, submission_id);
    err = db__pg_select(&r, pg, "submission source",
                        "SELECT encode(source_blob, 'hex'), language::text FROM submissions "
                        "WHERE id = $2::bigint AND contest_id = $1::bigint",
                        2, p);
    if (err < 0)
        return err;
    if (PQntuples(r) < 1) {
        PQclear(r);
        return GV_ENOTFOUND;
    }
    l = gv_lang_find(PQgetvalue(r, 0, 1));
    /* Java's file is named after its class, which the sandbox reads from
     * the source; "Main.java" is the usual one. */
    snprintf(name, name_len, "%s",
             !l                         ? "source.txt"
             : strchr(l->src_name, '{') ? "Main.java"
                                        : l->src_name);
    err = db_blob_get(data, len, pg, PQgetvalue(r, 0, 0));
    PQclear(r);
    return err;
}
