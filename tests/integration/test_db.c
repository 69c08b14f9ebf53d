/* test_db.c - the schema and db/ against a real PostgreSQL. */
#include "../unit/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
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
    assert_int_equal(db_migrate(pg, &applied), 0);
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

    assert_int_equal(db_pg_query_value(pg, &v, sql, 0, NULL), 0);
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
    assert_int_equal(db_migrate(pg, &applied), 0);
    assert_int_equal(applied, 0);
    after = value(pg, "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version)"
                      " FROM schema_migrations");
    assert_string_equal(before, after);
    assert_int_equal(db_schema_version(pg, &version), 0);
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
    assert_int_equal(db_migrate(pg, &applied), GV_ECHECKSUM);
    assert_int_equal(applied, 0);
    /* The advisory lock must have been released on the error path: a
     * second attempt gets as far as the checksum again instead of hanging. */
    assert_int_equal(db_migrate(pg, &applied), GV_ECHECKSUM);
}

static void users_are_unique_case_insensitively(void **state)
{
    struct db_pg *pg = *state;
    int64_t id = 0;

    assert_int_equal(db_user_create(pg, &id, "Carol", "Carol", "pw", "contestant", "free"), 0);
    assert_true(id > 0);
    assert_int_equal(db_user_create(pg, NULL, "carol", "Carol 2", "pw", "contestant", "free"),
                     GV_EEXIST);
    /* A role outside the enum is a database error, not a silent default. */
    assert_int_equal(db_user_create(pg, NULL, "dave", "Dave", "pw", "superuser", "free"), GV_EDB);
    assert_string_equal(db_pg_last_sqlstate(pg), "22P02");
    expect_sqlstate(pg, "INSERT INTO users (username, display_name, password_hash)"
                        " VALUES ('x', 'too short name', '$argon2id$v')", "23514");
    expect_sqlstate(pg, "INSERT INTO users (username, display_name, password_hash)"
                        " VALUES ('eve', 'Eve', 'plaintext')", "23514");
}

static void blobs_round_trip_and_detect_corruption(void **state)
{
    struct db_pg *pg = *state;
    char key[DB_SHA256_HEX_LEN + 1], key2[DB_SHA256_HEX_LEN + 1];
    static const char text[] = "1 2\n3 4\n5 6\n";
    void *data = NULL;
    size_t len = 0;
    char *count;

    assert_int_equal(db_blob_put(pg, key, text, sizeof(text) - 1), 0);
    assert_int_equal(db_blob_put(pg, key2, text, sizeof(text) - 1), 0);
    assert_string_equal(key, key2);
    count = value(pg, "SELECT count(*) FROM blobs");
    assert_string_equal(count, "1");
    gv_free(count);
    assert_int_equal(db_blob_get(pg, &data, &len, key), 0);
    assert_int_equal(len, sizeof(text) - 1);
    assert_memory_equal(data, text, len);
    gv_free(data);

    assert_int_equal(db_blob_get(pg, &data, &len, "00" "00000000000000000000000000000000000000"
                                                  "000000000000000000000000"),
                     GV_ENOTFOUND);
    /* Same length, other bytes: the hash check must catch it. */
    assert_int_equal(db_blob_put(pg, key2, "1 2\n3 4\n5 7\n", 12), 0);
    {
        const char *params[] = {key, key2};
        assert_int_equal(db_pg_exec(pg, NULL,
                                    "UPDATE blobs SET zstd = (SELECT zstd FROM blobs WHERE sha256"
                                    " = decode($2, 'hex')) WHERE sha256 = decode($1, 'hex')",
                                    2, params),
                         0);
    }
    assert_int_equal(db_blob_get(pg, &data, &len, key), GV_ECHECKSUM);
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

    assert_int_equal(db_user_create(pg, NULL, "frank", "Frank", "pw", "contestant", "free"), 0);
    assert_int_equal(db_blob_put(pg, key, src, sizeof(src) - 1), 0);
    assert_int_equal(db_pg_exec_script(pg,
                                       "INSERT INTO problems (slug, name) VALUES ('p', 'P');"
                                       "INSERT INTO problem_versions (problem_id, version,"
                                       " time_limit_ms, memory_limit_kb)"
                                       " SELECT id, 1, 1000, 262144 FROM problems WHERE slug='p'"),
                     0);
    assert_int_equal(
        db_pg_exec(pg, NULL,
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(second_migrate_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(edited_migration_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(users_are_unique_case_insensitively, setup, teardown),
        cmocka_unit_test_setup_teardown(blobs_round_trip_and_detect_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_enforces_its_invariants, setup, teardown),
        cmocka_unit_test_setup_teardown(a_verdict_exists_exactly_when_judged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
