/* SPDX-License-Identifier: MIT
 * test_db.c - the schema and db/ against a real PostgreSQL. */
#include "../unit/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "cst.h"
#include "cst_event.h"
#include "db_catalog.h"
#include "db_contest.h"
#include "db_session.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "itest.h"

static char url[600];

static struct db_pg *connect_db(void)
{
    struct db_pg *pg = NULL;
    char why[512];

    if (db_pg_open(&pg, url, 5, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", url, why);
    return pg;
}

static int setup(void **state)
{
    struct db_pg *pg;
    int applied = -1;

    itest_db_create(url, sizeof(url), "db");
    pg = connect_db();
    assert_int_equal(db_migrate(&applied, pg), 0);
    assert_true(applied >= 1);
    *state = pg;
    return 0;
}

static int teardown(void **state)
{
    db_pg_close(*state);
    itest_db_drop();
    return 0;
}

static char *value(struct db_pg *pg, const char *sql)
{
    char *v = NULL;

    assert_int_equal(db_pg_query_value(&v, pg, sql, 0, NULL), 0);
    assert_non_null(v);
    return v;
}

static void expect_sqlstate(struct db_pg *pg, const char *sql, const char *state)
{
    assert_int_equal(db_pg_exec_script(pg, sql), GV_EDB);
    if (strcmp(db_pg_last_sqlstate(pg), state))
        fail_msg("'%s': expected SQLSTATE %s, got %s", sql, state, db_pg_last_sqlstate(pg));
}

static void second_migrate_changes_nothing(void **state)
{
    struct db_pg *pg = *state;
    char *before, *after;
    int applied = -1, version = 0;
    size_t count;
    const struct db_migration *m = db_migrations(&count);

    before = value(pg, "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version)"
                       " FROM schema_migrations");
    assert_int_equal(db_migrate(&applied, pg), 0);
    assert_int_equal(applied, 0);
    after = value(pg, "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version)"
                      " FROM schema_migrations");
    assert_string_equal(before, after);
    assert_int_equal(db_schema_version(&version, pg), 0);
    assert_int_equal(version, m[count - 1].version);
    gv_free(before);
    gv_free(after);
}

static void edited_migration_is_refused(void **state)
{
    struct db_pg *pg = *state;
    int applied = -1;

    assert_int_equal(db_pg_exec_script(pg, "UPDATE schema_migrations SET checksum = repeat('0', 64)"
                                           " WHERE version = 1"),
                     0);
    assert_int_equal(db_migrate(&applied, pg), GV_ECHECKSUM);
    assert_int_equal(applied, 0);
    /* The advisory lock must have been released on the error path: a
     * second attempt gets as far as the checksum again instead of hanging. */
    assert_int_equal(db_migrate(&applied, pg), GV_ECHECKSUM);
}

static void users_are_unique_case_insensitively(void **state)
{
    struct db_pg *pg = *state;
    int64_t id = 0;

    assert_int_equal(db_user_create(&id, pg, "Carol", "Carol", "pw", "contestant", "free"), 0);
    assert_true(id > 0);
    assert_int_equal(db_user_create(NULL, pg, "carol", "Carol 2", "pw", "contestant", "free"),
                     GV_EEXIST);
    /* A role outside the enum is a database error, not a silent default. */
    assert_int_equal(db_user_create(NULL, pg, "dave", "Dave", "pw", "superuser", "free"), GV_EDB);
    assert_string_equal(db_pg_last_sqlstate(pg), "22P02");
    expect_sqlstate(pg, "INSERT INTO users (username, display_name, password_hash)"
                        " VALUES ('x', 'too short name', '$argon2id$v')", "23514");
    expect_sqlstate(pg, "INSERT INTO users (username, display_name, password_hash)"
                        " VALUES ('eve', 'Eve', 'plaintext')", "23514");
}

/* Verified credentials are remembered (a CLICS tool's basic auth on every
 * request), but never a wrong password, and a changed password misses at
 * once: the cache is keyed by the stored hash. */
static void logins_are_cached_but_never_wrongly(void **state)
{
    struct db_pg *pg = *state;
    struct db_user_info u;
    char hash[DB_PASSWORD_HASH_MAX], sql[512];
    uint64_t hits;

    assert_int_equal(db_user_create(NULL, pg, "gina", "Gina", "first-pw", "contestant", "free"),
                     0);
    assert_int_equal(db_login(&u, pg, "gina", "first-pw"), 0);
    hits = db_login_cache_hits();
    assert_int_equal(db_login(&u, pg, "Gina", "first-pw"), 0);
    assert_string_equal(u.username, "gina");
    assert_int_equal(db_login_cache_hits(), hits + 1);
    assert_int_equal(db_login(&u, pg, "gina", "first-pw "), GV_EINVAL);
    assert_int_equal(db_login(&u, pg, "gina", "wrong"), GV_EINVAL);
    assert_int_equal(db_login_cache_hits(), hits + 1);
    /* The password changes under a remembered login. */
    assert_int_equal(db_password_hash(hash, sizeof(hash), "second-pw"), 0);
    snprintf(sql, sizeof(sql), "UPDATE users SET password_hash = '%s' WHERE username = 'gina'",
             hash);
    assert_int_equal(db_pg_exec(NULL, pg, sql, 0, NULL), 0);
    assert_int_equal(db_login(&u, pg, "gina", "first-pw"), GV_EINVAL);
    assert_int_equal(db_login(&u, pg, "gina", "second-pw"), 0);
    assert_int_equal(db_login_cache_hits(), hits + 1);
}

static void blobs_round_trip_and_detect_corruption(void **state)
{
    struct db_pg *pg = *state;
    char key[DB_SHA256_HEX_LEN + 1], key2[DB_SHA256_HEX_LEN + 1];
    static const char text[] = "1 2\n3 4\n5 6\n";
    void *data = NULL;
    size_t len = 0;
    char *count;

    assert_int_equal(db_blob_put(key, pg, text, sizeof(text) - 1), 0);
    assert_int_equal(db_blob_put(key2, pg, text, sizeof(text) - 1), 0);
    assert_string_equal(key, key2);
    count = value(pg, "SELECT count(*) FROM blobs");
    assert_string_equal(count, "1");
    gv_free(count);
    assert_int_equal(db_blob_get(&data, &len, pg, key), 0);
    assert_int_equal(len, sizeof(text) - 1);
    assert_memory_equal(data, text, len);
    gv_free(data);

    assert_int_equal(db_blob_get(&data, &len, pg,
                                 "00"
                                 "00000000000000000000000000000000000000"
                                 "000000000000000000000000"),
                     GV_ENOTFOUND);
    /* Same length, other bytes: the hash check must catch it. */
    assert_int_equal(db_blob_put(key2, pg, "1 2\n3 4\n5 7\n", 12), 0);
    {
        const char *params[] = {key, key2};
        assert_int_equal(db_pg_exec(NULL, pg,
                                    "UPDATE blobs SET zstd = (SELECT zstd FROM blobs WHERE sha256"
                                    " = decode($2, 'hex')) WHERE sha256 = decode($1, 'hex')",
                                    2, params),
                         0);
    }
    assert_int_equal(db_blob_get(&data, &len, pg, key), GV_ECHECKSUM);
    assert_null(data);
}

static void schema_enforces_its_invariants(void **state)
{
    struct db_pg *pg = *state;

    /* A contest must end after it starts, and freeze inside itself. */
    expect_sqlstate(pg, "INSERT INTO contests (slug, title, starts_at, ends_at)"
                        " VALUES ('c1', 'C', now(), now() - interval '1 hour')", "23514");
    expect_sqlstate(pg, "INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at)"
                        " VALUES ('c2', 'C', now(), now() + interval '2 hours',"
                        " now() + interval '1 hour')", "23514");
    /* The event log is append-only. */
    assert_int_equal(db_pg_exec_script(pg, "INSERT INTO events (type, payload)"
                                           " VALUES ('contest.start', '{}')"),
                     0);
    expect_sqlstate(pg, "UPDATE events SET type = 'x'", "23001");
    expect_sqlstate(pg, "DELETE FROM events", "23001");
    /* Foreign keys hold. */
    expect_sqlstate(pg, "INSERT INTO problem_versions (problem_id, version, time_limit_ms,"
                        " memory_limit_kb) VALUES (999999, 1, 1000, 262144)", "23503");
}

static void a_verdict_exists_exactly_when_judged(void **state)
{
    struct db_pg *pg = *state;
    char key[DB_SHA256_HEX_LEN + 1];
    static const char src[] = "int main(void){return 0;}";
    const char *params[] = {key};

    assert_int_equal(db_user_create(NULL, pg, "frank", "Frank", "pw", "contestant", "free"), 0);
    assert_int_equal(db_blob_put(key, pg, src, sizeof(src) - 1), 0);
    assert_int_equal(db_pg_exec_script(pg,
                                       "INSERT INTO problems (slug, name) VALUES ('p', 'P');"
                                       "INSERT INTO problem_versions (problem_id, version,"
                                       " time_limit_ms, memory_limit_kb)"
                                       " SELECT id, 1, 1000, 262144 FROM problems WHERE slug='p'"),
                     0);
    assert_int_equal(
        db_pg_exec(NULL, pg,
                   "INSERT INTO submissions (user_id, problem_id, problem_version_id, language,"
                   " source_blob, source_size) SELECT u.id, p.id, v.id, 'c', decode($1, 'hex'), 25"
                   " FROM users u, problems p JOIN problem_versions v ON v.problem_id = p.id"
                   " WHERE u.username = 'frank' AND p.slug = 'p'",
                   1, params),
        0);
    expect_sqlstate(pg, "UPDATE submissions SET verdict = 'AC'", "23514");
    expect_sqlstate(pg, "UPDATE submissions SET status = 'judged'", "23514");
    assert_int_equal(
        db_pg_exec_script(pg, "UPDATE submissions SET status = 'judged', verdict = 'AC',"
                              " judged_at = now()"),
        0);
    /* A practice problem cannot be submitted to a contest it is not in. */
    assert_int_equal(db_pg_exec_script(pg, "INSERT INTO contests (slug, title, starts_at, ends_at)"
                                           " VALUES ('c3', 'C', now(), now() + interval '1 h')"),
                     0);
    expect_sqlstate(pg, "UPDATE submissions SET contest_id = (SELECT id FROM contests)", "23503");
}

/* Field `key` of the object at `path` (a cJSON array index or key per
 * step) as a number; fails the test when absent. */
static double num(const cJSON *o, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsNumber(f) && !cJSON_IsBool(f))
        fail_msg("no number \"%s\"", key);
    return cJSON_IsBool(f) ? (double)cJSON_IsTrue(f) : f->valuedouble;
}

static const cJSON *row_of(const cJSON *board, const char *username)
{
    const cJSON *r;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(board, "rows"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "username")),
                    username))
            return r;
    }
    return NULL;
}

static const cJSON *cell(const cJSON *row, int i)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(row, "cells"), i);

    if (!c)
        fail_msg("no cell %d", i);
    return c;
}

static cJSON *board(struct db_pg *pg, int64_t contest, bool jury)
{
    char *json = NULL;
    cJSON *b;

    assert_int_equal(db_contest_board(&json, pg, contest, jury, (int64_t)time(NULL) * 1000), 0);
    b = cJSON_Parse(json);
    gv_free(json);
    assert_non_null(b);
    return b;
}

/* The scoreboard as the servers and the judges compute it from the tables:
 * participants only (hidden ones left off), penalties, the freeze, the
 * jury's view; registration and announcements. */
/* Every row of the public board equals the row its contestant's writer
 * computes alone (db_contest_row_event), but for the rank. */
static void rows_match_the_board(struct db_pg *pg, int64_t cid)
{
    int64_t now = (int64_t)time(NULL) * 1000;
    cJSON *b = board(pg, cid, false), *r;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(b, "rows"))
    {
        struct cst_event ev;
        cJSON *want = cJSON_Duplicate(r, 1), *got;
        char *text;

        cJSON_DeleteItemFromObjectCaseSensitive(want, "rank");
        assert_int_equal(db_contest_row_event(&ev, pg, cid, (int64_t)num(r, "user_id"), now), 0);
        /* As a reader gets it: numbers are raw text until printed. */
        got = cst_event_row_to_json(ev.user_id, &ev.u.row.row);
        text = cJSON_PrintUnformatted(got);
        cJSON_Delete(got);
        got = cJSON_Parse(text);
        cJSON_free(text);
        if (!cJSON_Compare(want, got, true))
            fail_msg("the board's row\n%s\nthe writer's row\n%s", cJSON_Print(want),
                     cJSON_Print(got));
        cJSON_Delete(want);
        cJSON_Delete(got);
        cst_event_release(&ev);
    }
    cJSON_Delete(b);
}

/* The catalogue's list filters in SQL (to page); every other read asks
 * contest/'s rule. Both agree, on every kind of problem, at several clocks:
 * public or not, in no contest, a past one, a future one, or both. */
static void visibility_is_contest_rule(void **state)
{
    static const struct {
        const char *slug;
        bool is_public;
        int past, future; /* contests that include it */
    } kinds[] = {
        {"pub", true, 0, 0},       {"draft", false, 0, 0},    {"pub-past", true, 1, 0},
        {"past", false, 1, 0},     {"pub-next", true, 0, 1},  {"next", false, 0, 1},
        {"pub-both", true, 1, 1},  {"both", false, 1, 1},
    };
    struct db_pg *pg = *state;
    const struct db_viewer anon = {0}, jury = {.user_id = 0, .privileged = true};
    int64_t now = (int64_t)time(NULL) * 1000;
    /* The past contest started an hour ago, the future one starts in one. */
    const int64_t clocks[] = {now, now + 2 * 3600 * 1000LL};
    char sql[512], *json;

    assert_int_equal(
        db_pg_exec_script(pg, "INSERT INTO contests (slug, title, starts_at, ends_at) VALUES "
                              "('past', 'Past', now() - interval '1 h', now() + interval '1 h'),"
                              "('future', 'Future', now() + interval '1 h', now() + interval "
                              "'3 h')"),
        0);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO problems (slug, name, is_public) VALUES ('%s', '%s', %s);"
                 "INSERT INTO problem_versions (problem_id, version, time_limit_ms, "
                 "memory_limit_kb) SELECT id, 1, 1000, 262144 FROM problems WHERE slug = '%s';"
                 "UPDATE problems SET current_version = 1 WHERE slug = '%s'",
                 kinds[i].slug, kinds[i].slug, kinds[i].is_public ? "true" : "false",
                 kinds[i].slug, kinds[i].slug);
        assert_int_equal(db_pg_exec_script(pg, sql), 0);
        for (int k = 0; k < 2; k++) {
            if (!(k ? kinds[i].future : kinds[i].past))
                continue;
            snprintf(sql, sizeof(sql),
                     "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) "
                     "SELECT c.id, p.id, 'A%zu', %zu FROM contests c, problems p WHERE c.slug = "
                     "'%s' AND p.slug = '%s'",
                     i, i, k ? "future" : "past", kinds[i].slug);
            assert_int_equal(db_pg_exec_script(pg, sql), 0);
        }
    }
    for (size_t c = 0; c < sizeof(clocks) / sizeof(*clocks); c++) {
        struct db_problem_query q = {.page = 1, .page_size = 100};
        cJSON *list, *item;

        assert_int_equal(db_catalog_problems(&json, pg, &anon, &q, clocks[c]), 0);
        list = cJSON_Parse(json);
        gv_free(json);
        for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
            const struct cst_problem_facts f = {
                .is_public = kinds[i].is_public,
                .ncontests = (size_t)(kinds[i].past + kinds[i].future),
                .last_start_ms = kinds[i].future ? now + 3600 * 1000LL : now - 3600 * 1000LL,
            };
            bool listed = false, readable;

            cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "problems"))
                listed |= !strcmp(cJSON_GetStringValue(
                                      cJSON_GetObjectItemCaseSensitive(item, "slug")),
                                  kinds[i].slug);
            if (listed != cst_problem_listed(&f, clocks[c]))
                fail_msg("%s at clock %zu: listed %d, the rule says %d", kinds[i].slug, c, listed,
                         !listed);
            readable = db_catalog_problem(&json, pg, &anon, kinds[i].slug, clocks[c]) == 0;
            if (readable)
                gv_free(json);
            if (readable != cst_problem_readable(&f, false, clocks[c]))
                fail_msg("%s at clock %zu: readable %d, the rule says %d", kinds[i].slug, c,
                         readable, !readable);
            assert_int_equal(db_catalog_problem(&json, pg, &jury, kinds[i].slug, clocks[c]), 0);
            gv_free(json);
        }
        cJSON_Delete(list);
    }
    /* The sample points cover every answer both ways. */
    assert_true(cst_problem_readable(&(struct cst_problem_facts){.ncontests = 1,
                                                                 .last_start_ms = now - 1},
                                     false, now));
}

static void contest_board_registration_announcements(void **state)
{
    struct db_pg *pg = *state;
    char key[DB_SHA256_HEX_LEN + 1], *json = NULL, *v;
    static const char src[] = "print(1)";
    const char *params[] = {key};
    int64_t cid, ended, soon, dave;
    struct cst_event ev;
    cJSON *b;
    const cJSON *r;

    for (int i = 0; i < 4; i++) {
        static const char *const names[] = {"alice", "bob", "carol", "dave"};
        assert_int_equal(db_user_create(NULL, pg, names[i], names[i], "pw", "contestant", "free"),
                         0);
    }
    assert_int_equal(db_blob_put(key, pg, src, sizeof(src) - 1), 0);
    /* Started 100 minutes ago, frozen 10 minutes ago (at minute 90). */
    assert_int_equal(
        db_pg_exec_script(
            pg, "INSERT INTO problems (slug, name) VALUES ('p1', 'P1'), ('p2', 'P2');"
                "INSERT INTO problem_versions (problem_id, version, time_limit_ms, "
                "memory_limit_kb) SELECT id, 1, 1000, 262144 FROM problems;"
                "INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at) VALUES "
                "('live', 'Live', now() - interval '100 min', now() - interval '10 min', "
                "now() + interval '100 min'),"
                "('ended', 'Ended', now() - interval '2 h', NULL, now() - interval '1 h'),"
                "('soon', 'Soon', now() + interval '1 h', NULL, now() + interval '2 h');"
                "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) "
                "SELECT c.id, p.id, CASE p.slug WHEN 'p1' THEN 'A' ELSE 'B' END, "
                "CASE p.slug WHEN 'p1' THEN 1 ELSE 2 END FROM contests c, problems p "
                "WHERE c.slug IN ('live', 'soon');"
                "INSERT INTO participants (contest_id, user_id, is_hidden) SELECT c.id, u.id, "
                "u.username = 'carol' FROM contests c, users u WHERE c.slug = 'live' AND "
                "u.username IN ('alice', 'bob', 'carol')"),
        0);
    v = value(pg, "SELECT id FROM contests WHERE slug = 'live'");
    cid = strtoll(v, NULL, 10);
    gv_free(v);
    v = value(pg, "SELECT id FROM contests WHERE slug = 'ended'");
    ended = strtoll(v, NULL, 10);
    gv_free(v);
    v = value(pg, "SELECT id FROM contests WHERE slug = 'soon'");
    soon = strtoll(v, NULL, 10);
    gv_free(v);
    v = value(pg, "SELECT id FROM users WHERE username = 'dave'");
    dave = strtoll(v, NULL, 10);
    gv_free(v);
    /* (user, problem, minute, verdict or NULL for queued) */
    assert_int_equal(
        db_pg_exec(NULL, pg,
                   "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
                   "language, source_blob, source_size, status, verdict, judged_at, created_at) "
                   "SELECT u.id, p.id, v.id, c.id, 'python', decode($1, 'hex'), 8, CASE WHEN "
                   "x.verdict IS NULL THEN 'queued' ELSE 'judged' END::submission_status, "
                   "x.verdict::verdict, CASE WHEN x.verdict IS NULL THEN NULL ELSE now() END, "
                   "c.starts_at + x.minute * interval '1 min' FROM (VALUES "
                   "('alice', 'p1', 5, 'WA'), ('alice', 'p1', 7, 'CE'), ('alice', 'p1', 15, 'AC'), "
                   "('carol', 'p1', 1, 'AC'), ('dave', 'p1', 2, 'AC'), ('bob', 'p2', 20, NULL), "
                   "('bob', 'p1', 95, 'AC')) x(who, slug, minute, verdict) "
                   "JOIN users u ON u.username = x.who JOIN problems p ON p.slug = x.slug JOIN "
                   "problem_versions v ON v.problem_id = p.id JOIN contests c ON c.slug = 'live'",
                   1, params),
        0);

    b = board(pg, cid, false);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "frozen")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "rows")), 2);
    assert_null(row_of(b, "carol")); /* hidden */
    assert_null(row_of(b, "dave"));  /* not registered */
    r = row_of(b, "alice");
    assert_non_null(r);
    assert_int_equal(num(r, "rank"), 1);
    assert_int_equal(num(r, "solved"), 1);
    assert_int_equal(num(r, "penalty"), 15 + 20); /* the CE costs nothing */
    assert_int_equal(num(cell(r, 0), "tries"), 2);
    assert_int_equal(num(cell(r, 0), "first"), 1); /* carol's earlier solve is hidden */
    r = row_of(b, "bob");
    assert_int_equal(num(r, "solved"), 0); /* his solve came during the freeze */
    assert_int_equal(num(cell(r, 0), "pending"), 1);
    assert_int_equal(num(cell(r, 1), "pending"), 1); /* queued */
    assert_int_equal(num(r, "rank"), 2);
    cJSON_Delete(b);

    b = board(pg, cid, true);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "frozen")));
    r = row_of(b, "bob");
    assert_int_equal(num(r, "solved"), 1);
    assert_int_equal(num(r, "penalty"), 95);
    assert_int_equal(num(r, "rank"), 2);
    cJSON_Delete(b);

    /* The row a judge publishes after bob's verdict: the public one. */
    assert_int_equal(db_contest_row_event(&ev, pg, cid, dave, (int64_t)time(NULL) * 1000),
                     GV_ENOTFOUND);
    v = value(pg, "SELECT id FROM users WHERE username = 'bob'");
    assert_int_equal(db_contest_row_event(&ev, pg, cid, strtoll(v, NULL, 10),
                                          (int64_t)time(NULL) * 1000),
                     0);
    gv_free(v);
    assert_int_equal(ev.type, CST_EVENT_CONTEST_ROW);
    assert_true(ev.u.row.frozen);
    assert_int_equal(ev.u.row.row.solved, 0);
    assert_int_equal(ev.u.row.row.cells[0].pending, 1);
    cst_event_release(&ev);
    /* Each row written alone is the board's row (ranks aside), public view. */
    rows_match_the_board(pg, cid);
    /* Before its start a contest's problem set is secret, except to the jury. */
    b = board(pg, soon, false);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "problems")), 0);
    cJSON_Delete(b);
    b = board(pg, soon, true);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "problems")), 2);
    cJSON_Delete(b);
    assert_int_equal(db_contest_board(&json, pg, 987654, false, 0), GV_ENOTFOUND);

    /* Registration: once; never after the end; unknown contests. */
    assert_int_equal(db_contest_is_participant(pg, cid, dave), 0);
    assert_int_equal(db_contest_register(pg, cid, dave, (int64_t)time(NULL) * 1000), 0);
    assert_int_equal(db_contest_register(pg, cid, dave, (int64_t)time(NULL) * 1000), GV_EEXIST);
    assert_int_equal(db_contest_is_participant(pg, cid, dave), 1);
    assert_int_equal(db_contest_register(pg, ended, dave, (int64_t)time(NULL) * 1000), -EACCES);
    assert_int_equal(db_contest_register(pg, 987654, dave, (int64_t)time(NULL) * 1000), GV_ENOTFOUND);
    b = board(pg, cid, false);
    assert_non_null(row_of(b, "dave")); /* registered now: his earlier AC counts */
    assert_int_equal(num(row_of(b, "dave"), "rank"), 1);
    cJSON_Delete(b);

    rows_match_the_board(pg, cid); /* dave's solve is now the first */

    /* Announcements: stored in the event log, listed oldest first. */
    assert_int_equal(db_contest_announce(&ev, pg, cid, dave, "first"), 0);
    assert_true(ev.seq > 0 && ev.at_ms > 0);
    assert_int_equal(ev.u.announcement.author_id, dave);
    assert_int_equal(ev.user_id, 0); /* the author is not its audience */
    v = value(pg, "SELECT type || ' ' || (payload->>'text') FROM events ORDER BY id DESC LIMIT 1");
    assert_string_equal(v, "contest.announcement first");
    gv_free(v);
    cst_event_release(&ev);
    assert_int_equal(db_contest_announce(&ev, pg, cid, dave, "second \"quoted\""), 0);
    cst_event_release(&ev);
    assert_int_equal(db_contest_announce(&ev, pg, 987654, dave, "x"), GV_ENOTFOUND);
    assert_int_equal(db_contest_announce(&ev, pg, cid, dave, ""), GV_EINVAL);
    assert_int_equal(db_contest_announcements(&json, pg, cid, 1), 0);
    b = cJSON_Parse(json);
    gv_free(json);
    assert_int_equal(cJSON_GetArraySize(b), 1);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(b, 0), "text")),
        "second \"quoted\"");
    cJSON_Delete(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(second_migrate_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(edited_migration_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(users_are_unique_case_insensitively, setup, teardown),
        cmocka_unit_test_setup_teardown(logins_are_cached_but_never_wrongly, setup, teardown),
        cmocka_unit_test_setup_teardown(blobs_round_trip_and_detect_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_enforces_its_invariants, setup, teardown),
        cmocka_unit_test_setup_teardown(a_verdict_exists_exactly_when_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(contest_board_registration_announcements, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(visibility_is_contest_rule, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
