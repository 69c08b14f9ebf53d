/* SPDX-License-Identifier: MIT
 * test_db_pure.c - the parts of db/ that need no server. */
#include "../test.h"

#include <string.h>

#include "db.h"
#include "db_ops.h"
#include "gv_err.h"

static void redis_urls_parse(void **state)
{
    char host[64];
    int port, dbnum;

    assert_int_equal(
        db_redis_parse_url(host, sizeof(host), &port, &dbnum, "redis://127.0.0.1:63790/3"), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 63790);
    assert_int_equal(dbnum, 3);
    assert_int_equal(db_redis_parse_url(host, sizeof(host), &port, &dbnum, "redis://cache"), 0);
    assert_string_equal(host, "cache");
    assert_int_equal(port, 6379);
    assert_int_equal(dbnum, 0);
}

static void bad_redis_urls_are_config_errors(void **state)
{
    static const char *const bad[] = {
        "http://x:1",      "redis://",       "redis://:6379",  "redis://h:0",
        "redis://h:70000", "redis://h:12ab", "redis://h:1/16", "redis://h:1/x",
    };
    char host[8];
    int port, dbnum;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(db_redis_parse_url(host, sizeof(host), &port, &dbnum, bad[i]), GV_ECONFIG);
    /* A host longer than the caller's buffer is refused, not cut. */
    assert_int_equal(
        db_redis_parse_url(host, sizeof(host), &port, &dbnum, "redis://averylonghost:1"),
        GV_ECONFIG);
}

static void sentinel_lists_parse(void **state)
{
    struct db_redis_addr a[DB_REDIS_SENTINELS_MAX];
    size_t n;

    assert_int_equal(db_redis_parse_sentinels(a, 16, &n, "10.0.0.1:26379"), 0);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].host, "10.0.0.1");
    assert_int_equal(a[0].port, 26379);
    assert_int_equal(
        db_redis_parse_sentinels(a, 16, &n, "s1.example:26379, s2.example:26380 ,[::1]:5"), 0);
    assert_int_equal(n, 3);
    assert_string_equal(a[1].host, "s2.example");
    assert_int_equal(a[1].port, 26380);
    /* The last colon splits: an IPv6 literal keeps its own. */
    assert_string_equal(a[2].host, "[::1]");
    assert_int_equal(a[2].port, 5);
}

static void bad_sentinel_lists_are_config_errors(void **state)
{
    static const char *const bad[] = {
        "",         "h",        "h:",       ":26379", "h:0",  "h:65536", "h:26379,",
        ",h:26379", "h:1,,h:2", "h:26379x", "h:-1",   "h: 1", "h:+1",    "h:1 x:2",
    };
    struct db_redis_addr a[2];
    size_t n;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(db_redis_parse_sentinels(a, 2, &n, bad[i]), GV_ECONFIG);
    /* More sentinels than the caller has room for are refused, not cut. */
    assert_int_equal(db_redis_parse_sentinels(a, 2, &n, "a:1,b:2,c:3"), GV_ECONFIG);
    assert_int_equal(db_redis_parse_sentinels(a, 2, &n, "a:1,b:2"), 0);
}

static void pg_urls_are_redacted(void **state)
{
    static const char *const cases[][2] = {
        {"postgresql://gavel@db1:5432,db2:5432/gavel?target_session_attrs=read-write",
         "postgresql://gavel@db1:5432,db2:5432/gavel?target_session_attrs=read-write"},
        {"postgresql://gavel:s3cr%40t@db1:5432,db2:5432/gavel?target_session_attrs=read-write",
         "postgresql://gavel:***@db1:5432,db2:5432/gavel?target_session_attrs=read-write"},
        {"postgres://u:p@h/d", "postgres://u:***@h/d"},
        {"postgresql://h/d?user=u&password=p&sslmode=require",
         "postgresql://h/d?user=u&password=***&sslmode=require"},
        {"postgresql://u:a@b@h/d", "postgresql://u:***@h/d"},
        {"postgresql://h/d?x=a@b:c", "postgresql://h/d?x=a@b:c"},
        {"host=db1,db2 password=p dbname=gavel", "host=db1,db2 password=*** dbname=gavel"},
        {"password='a b\\' c' host=h", "password=*** host=h"},
        {"host=h mypassword=x", "host=h mypassword=x"},
        {"", ""},
    };
    char out[128], small[12];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(db_pg_url_redact(out, sizeof(out), cases[i][0]), cases[i][1]);
    /* Cut to fit, the password never half-shown. */
    assert_string_equal(db_pg_url_redact(small, sizeof(small), "postgres://u:secret@h/d"),
                        "postgres://");
}

static void sha256_matches_known_vectors(void **state)
{
    char hex[DB_SHA256_HEX_LEN + 1];

    db_sha256_hex(hex, "", 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    db_sha256_hex(hex, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void migrations_are_ordered_and_named(void **state)
{
    size_t count;
    const struct db_migration *m = db_migrations(&count);

    assert_true(count >= 1);
    assert_int_equal(m[0].version, 1);
    for (size_t i = 0; i < count; i++) {
        assert_true(strlen(m[i].sql) > 0);
        assert_true(strlen(m[i].name) > 0);
        if (i)
            assert_true(m[i].version > m[i - 1].version);
    }
}

/* gavel-judge writes the heartbeat, ops.status reads it: the same
 * definition both ways, and an older worker's bare timestamp still reads. */
static void judge_beats_round_trip(void **state)
{
    struct db_judge_beat b = {.id = "j1:4242",
                              .host = "j1",
                              .pid = 4242,
                              .started_at_ms = 1764100000000,
                              .beat_at_ms = 1764100004000,
                              .submission_id = 42,
                              .judging_since_ms = 1764100003500};
    struct db_judge_beat r;
    char text[DB_JUDGE_BEAT_TEXT_MAX];

    assert_int_equal(db_judge_beat_format(text, sizeof(text), &b), 0);
    assert_string_equal(text, "{\"host\":\"j1\",\"pid\":4242,\"started_at\":1764100000000,"
                              "\"beat_at\":1764100004000,\"submission\":42,"
                              "\"judging_since\":1764100003500}");
    assert_int_equal(db_judge_beat_parse(&r, "j1:4242", text), 0);
    assert_memory_equal(&r, &b, sizeof(b));

    b.submission_id = 0;
    b.judging_since_ms = 0;
    assert_int_equal(db_judge_beat_format(text, sizeof(text), &b), 0);
    assert_non_null(strstr(text, "\"submission\":null,\"judging_since\":null"));
    assert_int_equal(db_judge_beat_parse(&r, "j1:4242", text), 0);
    assert_int_equal(r.submission_id, 0);
    assert_int_equal(r.judging_since_ms, 0);
    assert_int_equal(db_judge_beat_format(text, 8, &b), GV_ETOOBIG);

    /* Before db_ops.h the value was the beat's time alone. */
    assert_int_equal(db_judge_beat_parse(&r, "old-host:77", "1764100004000"), 0);
    assert_string_equal(r.host, "old-host");
    assert_int_equal(r.pid, 77);
    assert_int_equal(r.beat_at_ms, 1764100004000);
    assert_int_equal(r.started_at_ms, 0);
    assert_int_equal(r.submission_id, 0);
    assert_int_equal(db_judge_beat_parse(&r, "h:1", "{\"host\":\"h\"}"), GV_EPARSE);
    assert_int_equal(db_judge_beat_parse(&r, "h:1", "not json"), GV_EPARSE);
}

static void passwords_hash_and_verify(void **state)
{
    char a[DB_PASSWORD_HASH_MAX], b[DB_PASSWORD_HASH_MAX];

    assert_int_equal(db_password_hash(a, sizeof(a), "correct horse"), 0);
    assert_int_equal(db_password_hash(b, sizeof(b), "correct horse"), 0);
    assert_true(strncmp(a, "$argon2id$", 10) == 0);
    /* Fresh salt each time: equal passwords never share a hash. */
    assert_string_not_equal(a, b);
    assert_int_equal(db_password_verify(a, "correct horse"), 0);
    assert_int_equal(db_password_verify(a, "correct horse "), GV_EINVAL);
    assert_int_equal(db_password_verify("not a hash", "x"), GV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redis_urls_parse),
        cmocka_unit_test(bad_redis_urls_are_config_errors),
        cmocka_unit_test(sentinel_lists_parse),
        cmocka_unit_test(bad_sentinel_lists_are_config_errors),
        cmocka_unit_test(pg_urls_are_redacted),
        cmocka_unit_test(sha256_matches_known_vectors),
        cmocka_unit_test(migrations_are_ordered_and_named),
        cmocka_unit_test(passwords_hash_and_verify),
        cmocka_unit_test(judge_beats_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
