/* SPDX-License-Identifier: MIT
 * test_db_ranking.c - the Redis-backed incremental board (db_ranking.h)
 * against the full computation (db_contest_board) on the real PostgreSQL
 * and Redis: after a rebuild, after a sequence of verdicts, rejudges, late
 * verdicts and submissions during the freeze applied one participant at a
 * time, and after a registration; both views, windows and the rows around a
 * participant; bad requests and a damaged board. */
#include "../unit/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "db_contest.h"
#include "db_ranking.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "itest.h"

#define USERS 40

static char url[600], prefix[64];

struct fx {
    struct db_pg *pg;
    struct db_redis *r;
    int64_t cid;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t id_of(struct db_pg *pg, const char *sql)
{
    char *v = NULL;
    int64_t id;

    assert_int_equal(db_pg_query_value(&v, pg, sql, 0, NULL), 0);
    if (!v)
        fail_msg("no row: %s", sql);
    id = strtoll(v, NULL, 10);
    gv_free(v);
    return id;
}

static void sql(struct db_pg *pg, const char *text)
{
    if (db_pg_exec_script(pg, text) != 0)
        fail_msg("failed: %s", text);
}

/* A contest that started 100 minutes ago and froze 10 minutes ago, three
 * problems, USERS participants (one hidden) with a spread of verdicts: ties,
 * compile errors, queued and judge-error ones, some after the freeze. */
static void seed(struct db_pg *pg)
{
    char key[DB_SHA256_HEX_LEN + 1];
    const char *params[] = {key};

    assert_int_equal(db_blob_put(key, pg, "print(1)", 8), 0);
    sql(pg, "INSERT INTO users (username, display_name, password_hash) SELECT 'user' || g, "
            "'User ' || g, '$argon2id$x' FROM generate_series(1, 41) g;"
            "INSERT INTO problems (slug, name) VALUES ('p1', 'P1'), ('p2', 'P2'), ('p3', 'P3');"
            "INSERT INTO problem_versions (problem_id, version, time_limit_ms, memory_limit_kb) "
            "SELECT id, 1, 1000, 262144 FROM problems;"
            "INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at) VALUES "
            "('live', 'Live', date_trunc('minute', now()) - interval '100 min', "
            "date_trunc('minute', now()) - interval '10 min', now() + interval '100 min');"
            "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) "
            "SELECT c.id, p.id, chr(64 + substr(p.slug, 2)::int), substr(p.slug, 2)::int "
            "FROM contests c, problems p;"
            "INSERT INTO participants (contest_id, user_id, is_hidden) SELECT c.id, u.id, "
            "u.username = 'user40' FROM contests c, users u WHERE u.username <> 'user41'");
    assert_int_equal(
        db_pg_exec(NULL, pg,
                   "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
                   "language, source_blob, source_size, status, verdict, judged_at, created_at) "
                   "SELECT u.id, p.id, v.id, c.id, 'python', decode($1, 'hex'), 8, "
                   "CASE WHEN x.k = 4 THEN 'queued' ELSE 'judged' END::submission_status, "
                   "(ARRAY['AC','WA','CE','AC',NULL,'JE','TLE'])[x.k + 1]::verdict, "
                   "CASE WHEN x.k = 4 THEN NULL ELSE now() END, "
                   "c.starts_at + x.minute * interval '1 min' FROM users u "
                   "CROSS JOIN generate_series(1, 4) g "
                   "CROSS JOIN LATERAL (SELECT (u.id * 7 + g * 13) % 7 AS k, "
                   "(u.id * 11 + g * 17) % 100 AS minute, 1 + (u.id + g) % 3 AS pn) x "
                   "JOIN problems p ON p.slug = 'p' || x.pn "
                   "JOIN problem_versions v ON v.problem_id = p.id "
                   "JOIN contests c ON c.slug = 'live' WHERE u.username <> 'user41' "
                   "ORDER BY x.minute, u.id",
                   1, params),
        0);
}

static int setup(void **state)
{
    static struct fx f;
    char why[512];
    int applied = -1;

    if (!getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_REDIS_URL is not set\n");
        exit(ITEST_SKIP);
    }
    itest_db_create(url, sizeof(url), "ranking");
    snprintf(prefix, sizeof(prefix), "itest:%d:board", (int)getpid());
    setenv("GAVEL_BOARD_PREFIX", prefix, 1);
    if (db_pg_open(&f.pg, url, 5, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", url, why);
    assert_int_equal(db_migrate(&applied, f.pg), 0);
    assert_int_equal(db_redis_open(&f.r, getenv("GAVEL_REDIS_URL"), 5000, why, sizeof(why)), 0);
    seed(f.pg);
    f.cid = id_of(f.pg, "SELECT id FROM contests WHERE slug = 'live'");
    *state = &f;
    return 0;
}

static void redis_do(struct db_redis *r, int argc, const char **argv)
{
    assert_int_equal(db_redis_command(r, argc, argv), 0);
}

static void key(char *buf, size_t cap, int64_t cid, const char *what)
{
    snprintf(buf, cap, "%s:%lld:%s", prefix, (long long)cid, what);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char pattern[96];
    const char *argv[] = {"EVAL",
                          "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
                          "redis.call('DEL', k) end return 0",
                          "0", pattern};

    snprintf(pattern, sizeof(pattern), "%s:*", prefix);
    db_redis_command(f->r, 4, argv);
    db_redis_close(f->r);
    db_pg_close(f->pg);
    itest_db_drop();
    return 0;
}

static cJSON *parsed(char *json)
{
    cJSON *o = cJSON_Parse(json);

    if (!o)
        fail_msg("not JSON: %s", json);
    gv_free(json);
    return o;
}

static cJSON *full_board(struct fx *f, bool jury)
{
    char *json = NULL;

    assert_int_equal(db_contest_board(&json, f->pg, f->cid, jury, now_ms()), 0);
    return parsed(json);
}

static cJSON *window(struct fx *f, bool jury, const struct db_ranking_query *q)
{
    char *json = NULL;
    int err = db_ranking_window_json(&json, f->pg, f->r, f->cid, jury, q, now_ms());

    if (err != 0)
        fail_msg("window: %s", gv_strerror(err));
    return parsed(json);
}

/* The window's rows are the full board's rows [from, from + n), field for
 * field, and its header is the full board's. */
static void expect_slice(const cJSON *full, const cJSON *win, int from, int n, const char *what)
{
    const cJSON *frows = cJSON_GetObjectItemCaseSensitive(full, "rows");
    const cJSON *wrows = cJSON_GetObjectItemCaseSensitive(win, "rows");
    static const char *const header[] = {"scoring", "penalty_minutes", "frozen", "problems"};

    for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
        if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(full, header[i]),
                           cJSON_GetObjectItemCaseSensitive(win, header[i]), true))
            fail_msg("%s: header field %s differs", what, header[i]);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(win, "total")->valueint,
                     cJSON_GetArraySize(frows));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(win, "from")->valueint, from);
    assert_int_equal(cJSON_GetArraySize(wrows), n);
    for (int i = 0; i < n; i++) {
        const cJSON *a = cJSON_GetArrayItem(frows, from + i), *b = cJSON_GetArrayItem(wrows, i);
        if (!cJSON_Compare(a, b, true)) {
            char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
            fail_msg("%s: row %d differs:\n  full   %s\n  window %s", what, from + i, x, y);
        }
    }
}

/* Both views, whole and in windows, equal the full computation. */
static void expect_equal(struct fx *f, const char *what)
{
    for (int jury = 0; jury < 2; jury++) {
        cJSON *full = full_board(f, jury), *w;
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(full, "rows"));
        struct db_ranking_query all = {.from = 0, .count = DB_RANKING_WINDOW_MAX};
        struct db_ranking_query mid = {.from = 7, .count = 10};

        assert_int_equal(n, USERS - 1); /* the hidden one is on no board */
        w = window(f, jury, &all);
        expect_slice(full, w, 0, n, what);
        cJSON_Delete(w);
        w = window(f, jury, &mid);
        expect_slice(full, w, 7, 10, what);
        cJSON_Delete(w);
        cJSON_Delete(full);
    }
}

static void set_marker(struct fx *f)
{
    char k[128];
    const char *argv[] = {"HSET", k, "marker", "1"};

    key(k, sizeof(k), f->cid, "meta");
    redis_do(f->r, 4, argv);
}

/* Whether meta still has the marker: a rebuild writes meta anew. A script
 * that fails when the field is gone, since db_redis_command says only
 * whether a command failed. */
static bool marker_kept(struct fx *f)
{
    char k[128];
    const char *argv[] = {"EVAL",
                          "if redis.call('HEXISTS', KEYS[1], 'marker') == 1 then return 1 "
                          "end return redis.error_reply('gone')",
                          "1", k};

    key(k, sizeof(k), f->cid, "meta");
    return db_redis_command(f->r, 4, argv) == 0;
}

static int64_t user_id(struct fx *f, int n)
{
    char q[128];

    snprintf(q, sizeof(q), "SELECT id FROM users WHERE username = 'user%d'", n);
    return id_of(f->pg, q);
}

/* Changes one user's submissions by SQL, then tells the board, as the
 * judge does after writing a verdict. */
static void change(struct fx *f, int n, const char *what)
{
    char uid[24];
    const char *params[] = {uid};

    snprintf(uid, sizeof(uid), "%lld", (long long)user_id(f, n));
    if (db_pg_exec(NULL, f->pg, what, 1, params) != 0)
        fail_msg("failed: %s", what);
    assert_int_equal(db_ranking_update(f->pg, f->r, f->cid, user_id(f, n), now_ms()), 0);
}

static void redis_board_equals_the_computed_one(void **state)
{
    struct fx *f = *state;

    assert_int_equal(db_ranking_rebuild(f->pg, f->r, f->cid, now_ms()), 0);
    expect_equal(f, "after a rebuild");
    set_marker(f);

    /* Every queued submission judged, oldest last: late verdicts for early
     * submissions (AC, so solves move and ranks change). */
    for (int n = 1; n < USERS; n++)
        change(f, n, "UPDATE submissions SET status = 'judged', verdict = 'AC', judged_at = now() "
                     "WHERE user_id = "
                     "$1::bigint AND status = 'queued'");
    expect_equal(f, "after late verdicts");
    /* A rejudge: every AC of user 3 becomes WA, user 5's first submission
     * becomes AC, user 8's earliest accepted one is queued again (its
     * first-to-solve mark moves to someone else). */
    change(f, 3, "UPDATE submissions SET verdict = 'WA' WHERE user_id = $1::bigint AND verdict = 'AC'");
    change(f, 5, "UPDATE submissions SET verdict = 'AC', status = 'judged', judged_at = now() "
                 "WHERE id = (SELECT "
                 "min(id) FROM submissions WHERE user_id = $1::bigint)");
    change(f, 8, "UPDATE submissions SET status = 'queued', verdict = NULL, judged_at = NULL "
                 "WHERE id = (SELECT "
                 "id FROM submissions WHERE user_id = $1::bigint AND verdict = 'AC' ORDER BY "
                 "created_at LIMIT 1)");
    expect_equal(f, "after a rejudge");
    /* A submission during the freeze, accepted: the jury sees a solve, the
     * public a pending attempt. */
    change(f, 12, "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
                  "language, source_blob, source_size, status, verdict, judged_at) SELECT "
                  "$1::bigint, p.id, v.id, c.id, 'python', b.sha256, 8, 'judged', 'AC', now() FROM "
                  "problems p JOIN problem_versions v ON v.problem_id = p.id, contests c, "
                  "blobs b WHERE p.slug = 'p3' AND c.slug = 'live' LIMIT 1");
    expect_equal(f, "after a verdict during the freeze");
    assert_true(marker_kept(f)); /* all of it incremental: no rebuild ran */

    /* Around a participant: the rows above and below it. */
    {
        cJSON *full = full_board(f, false), *w;
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(full, "rows");
        int pos = -1;
        struct db_ranking_query q = {.user_id = user_id(f, 12), .radius = 3};

        for (int i = 0; i < cJSON_GetArraySize(rows); i++)
            if (cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, i), "user_id")
                    ->valuedouble == (double)q.user_id)
                pos = i;
        assert_true(pos >= 0);
        w = window(f, false, &q);
        expect_slice(full, w, pos > 3 ? pos - 3 : 0,
                     (pos > 3 ? 3 : pos) + 1 +
                         (cJSON_GetArraySize(rows) - 1 - pos < 3 ? cJSON_GetArraySize(rows) - 1 - pos
                                                                 : 3),
                     "around");
        cJSON_Delete(w);
        cJSON_Delete(full);
    }

    /* A registration changes the participants: the next reader rebuilds. */
    sql(f->pg, "INSERT INTO participants (contest_id, user_id) SELECT c.id, u.id FROM contests "
               "c, users u WHERE u.username = 'user41'");
    {
        cJSON *full = full_board(f, true), *w;
        struct db_ranking_query all = {.from = 0, .count = 100};
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(full, "rows"));

        assert_int_equal(n, USERS);
        w = window(f, true, &all);
        expect_slice(full, w, 0, n, "after a registration");
        assert_false(marker_kept(f));
        cJSON_Delete(w);
        cJSON_Delete(full);
    }
    sql(f->pg, "DELETE FROM participants WHERE user_id = (SELECT id FROM users WHERE username = "
               "'user41')");
    /* A rebuild from nothing (Redis lost the board) reproduces it exactly. */
    {
        char k[128];
        const char *argv[] = {"DEL", k};
        key(k, sizeof(k), f->cid, "meta");
        redis_do(f->r, 2, argv);
    }
    expect_equal(f, "after Redis lost the board");
}

static void bad_requests_are_refused(void **state)
{
    struct fx *f = *state;
    struct db_ranking_query none = {.from = 0, .count = 0};
    struct db_ranking_query big = {.from = 0, .count = DB_RANKING_WINDOW_MAX + 1};
    struct db_ranking_query wide = {.user_id = user_id(f, 1), .radius = DB_RANKING_WINDOW_MAX};
    struct db_ranking_query hidden = {.user_id = user_id(f, 40), .radius = 2};
    struct db_ranking_query past = {.from = 1000, .count = 10};
    struct db_ranking_query one = {.from = 0, .count = 1};
    char *json = NULL;
    cJSON *o;

    assert_int_equal(db_ranking_window_json(&json, f->pg, f->r, f->cid, false, &none, now_ms()),
                     GV_EINVAL);
    assert_int_equal(db_ranking_window_json(&json, f->pg, f->r, f->cid, false, &big, now_ms()),
                     GV_EINVAL);
    assert_int_equal(db_ranking_window_json(&json, f->pg, f->r, f->cid, false, &wide, now_ms()),
                     GV_EINVAL);
    assert_int_equal(db_ranking_window_json(&json, f->pg, f->r, f->cid, false, &hidden, now_ms()),
                     GV_ENOTFOUND);
    assert_int_equal(db_ranking_window_json(&json, f->pg, f->r, 999999, false, &one, now_ms()),
                     GV_ENOTFOUND);
    assert_null(json);
    /* Past the end: no rows, the total still told. */
    o = window(f, false, &past);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "rows")), 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "total")->valueint, USERS - 1);
    cJSON_Delete(o);
    /* An update for someone not on the board. */
    assert_int_equal(db_ranking_update(f->pg, f->r, f->cid, user_id(f, 40), now_ms()),
                     GV_ENOTFOUND);
}

static void a_damaged_board_is_served_from_the_tables(void **state)
{
    struct fx *f = *state;
    char k[128], member[48];
    const char *argv[] = {"ZADD", k, "0", member};

    assert_int_equal(db_ranking_rebuild(f->pg, f->r, f->cid, now_ms()), 0);
    /* A member whose row does not decode, at the top of the board. */
    key(k, sizeof(k), f->cid, "public:rank");
    snprintf(member, sizeof(member), "%019lld|not a row\n", (long long)user_id(f, 2));
    redis_do(f->r, 4, argv);
    /* The window still equals the full computation (with a warning). */
    {
        cJSON *full = full_board(f, false), *w;
        struct db_ranking_query all = {.from = 0, .count = 100};
        w = window(f, false, &all);
        expect_slice(full, w, 0, USERS - 1, "a damaged board");
        cJSON_Delete(w);
        cJSON_Delete(full);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redis_board_equals_the_computed_one),
        cmocka_unit_test(bad_requests_are_refused),
        cmocka_unit_test(a_damaged_board_is_served_from_the_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
