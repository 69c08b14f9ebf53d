/* SPDX-License-Identifier: MIT
 * test_first_marks.c - a first-to-solve mark moves between rows, on the
 * real PostgreSQL and Redis: the live stream carries the row that lost the
 * mark and the row that gained it, not only the row whose verdict changed
 * (db_contest_row_publish); a verdict that moves no mark publishes one row. */
#include "../unit/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cst_event.h"
#include "db.h"
#include "db_contest.h"
#include "db_event.h"
#include "db_stream.h"
#include "gv_time.h"
#include "itest.h"
#include "itest_ws.h"

static char url[600], prefix[64], stream[64];

struct fx {
    struct db_pg *pg;
    struct db_redis *r;
    int64_t cid, alice, bob, carol, erin;
    char last[DB_STREAM_ID_MAX]; /* the newest entry read so far */
};

/* A running contest without a freeze, one problem, three participants
 * and a hidden one (dave). */
static int setup(void **state)
{
    static struct fx f;
    char why[512], key[DB_SHA256_HEX_LEN + 1];
    int applied = -1;

    if (!getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_REDIS_URL is not set\n");
        exit(ITEST_SKIP);
    }
    itest_db_create(url, sizeof(url), "firsts");
    snprintf(prefix, sizeof(prefix), "itest:%d:board", (int)getpid());
    snprintf(stream, sizeof(stream), "itest:%d:live", (int)getpid());
    setenv("GAVEL_BOARD_PREFIX", prefix, 1);
    setenv("GAVEL_LIVE_STREAM", stream, 1);
    if (db_pg_open(&f.pg, url, 5, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", url, why);
    assert_int_equal(db_migrate(&applied, f.pg), 0);
    assert_int_equal(db_redis_open(&f.r, getenv("GAVEL_REDIS_URL"), 5000, why, sizeof(why)), 0);
    assert_int_equal(db_blob_put(key, f.pg, "print(1)", 8), 0);
    itest_sqlf(f.pg,
               "INSERT INTO users (username, display_name, password_hash) VALUES "
               "('alice', 'Alice', '$argon2id$x'), ('bob', 'Bob', '$argon2id$x'), "
               "('carol', 'Carol', '$argon2id$x'), ('dave', 'Dave', '$argon2id$x'), "
               "('erin', 'Erin', '$argon2id$x');"
               "INSERT INTO problems (slug, name) VALUES ('p1', 'P1');"
               "INSERT INTO problem_versions (problem_id, version, time_limit_ms, "
               "memory_limit_kb) SELECT id, 1, 1000, 262144 FROM problems;"
               "INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('live', 'Live', "
               "date_trunc('minute', now()) - interval '100 min', now() + interval '100 min');"
               "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) "
               "SELECT c.id, p.id, 'A', 1 FROM contests c, problems p;"
               "INSERT INTO participants (contest_id, user_id, is_hidden) SELECT c.id, u.id, "
               "u.username = 'dave' FROM contests c, users u");
    f.cid = itest_sql_int(f.pg, "SELECT id FROM contests");
    f.alice = itest_sql_int(f.pg, "SELECT id FROM users WHERE username = 'alice'");
    f.bob = itest_sql_int(f.pg, "SELECT id FROM users WHERE username = 'bob'");
    f.carol = itest_sql_int(f.pg, "SELECT id FROM users WHERE username = 'carol'");
    f.erin = itest_sql_int(f.pg, "SELECT id FROM users WHERE username = 'erin'");
    strcpy(f.last, "0-0");
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char pattern[96];
    const char *eval[] = {"EVAL",
                          "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
                          "redis.call('DEL', k) end return 0",
                          "0", pattern};
    const char *del[] = {"DEL", stream};

    snprintf(pattern, sizeof(pattern), "%s:*", prefix);
    db_redis_command(f->r, 4, eval);
    db_redis_command(f->r, 2, del);
    db_redis_close(f->r);
    db_pg_close(f->pg);
    itest_db_drop();
    return 0;
}

/* A judged submission of `who` at `minute` of the contest. */
static int64_t judged(struct fx *f, const char *who, int minute, const char *verdict)
{
    return itest_sql_int(
        f->pg,
        "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
        "language, source_blob, source_size, status, verdict, judged_at, created_at) "
        "SELECT u.id, p.id, v.id, c.id, 'python', (SELECT sha256 FROM blobs LIMIT 1), 8, "
        "'judged', '%s', now(), c.starts_at + interval '%d min' FROM users u, problems p "
        "JOIN problem_versions v ON v.problem_id = p.id, contests c WHERE u.username = "
        "'%s' RETURNING id",
        verdict, minute, who);
}

/* What the live stream got since the last call, as "<user>:<first>" for
 * each row event in order ("alice:1 bob:0"); erin's as
 * "erin:<first>/<tries>". */
static void expect_rows(struct fx *f, const char *want, const char *why)
{
    struct db_stream_batch b = {0};
    char got[512] = "", start[DB_STREAM_ID_MAX + 1];
    size_t len = 0;

    snprintf(start, sizeof(start), "(%s", f->last);
    assert_int_equal(db_stream_range(&b, f->r, stream, start, "+", 100), 0);
    for (size_t i = 0; i < b.count; i++) {
        struct cst_event ev;
        const char *who;

        assert_int_equal(db_event_from_entry(&ev, &b.entries[i]), 0);
        assert_int_equal(ev.type, CST_EVENT_CONTEST_ROW);
        who = ev.user_id == f->alice ? "alice"
              : ev.user_id == f->bob ? "bob"
              : ev.user_id == f->erin ? "erin"
                                      : "carol";
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s:%d", len ? " " : "", who,
                                ev.u.row.row.cells[0].first && ev.u.row.row.cells[0].solved);
        if (ev.user_id == f->erin)
            len += (size_t)snprintf(got + len, sizeof(got) - len, "/%d",
                                    ev.u.row.row.cells[0].tries);
        cst_event_release(&ev);
        snprintf(f->last, sizeof(f->last), "%s", b.entries[i].id);
    }
    db_stream_batch_release(&b);
    if (strcmp(got, want) != 0)
        fail_msg("%s: the stream carried \"%s\", expected \"%s\"", why, got, want);
}

static void publish(struct fx *f, int64_t user)
{
    assert_int_equal(db_contest_row_publish(f->pg, f->r, f->cid, user, gv_time_real_ms()), 0);
}

static void the_rows_that_lose_and_gain_a_mark_are_published(void **state)
{
    struct fx *f = *state;
    int64_t bobs;

    judged(f, "alice", 10, "AC");
    publish(f, f->alice);
    expect_rows(f, "alice:1", "the first solve");

    /* A late verdict for an earlier submission takes the mark. */
    bobs = judged(f, "bob", 5, "AC");
    publish(f, f->bob);
    expect_rows(f, "bob:1 alice:0", "an earlier solve judged later");

    /* A rejudge takes bob's solve away: the mark goes back to alice. */
    itest_sqlf(f->pg, "UPDATE submissions SET verdict = 'WA' WHERE id = %lld", (long long)bobs);
    publish(f, f->bob);
    expect_rows(f, "bob:0 alice:1", "a rejudge removing the earliest solve");

    /* A verdict that moves no mark publishes its own row only. */
    judged(f, "carol", 3, "WA");
    publish(f, f->carol);
    expect_rows(f, "carol:0", "a rejected attempt");
    judged(f, "carol", 20, "AC");
    publish(f, f->carol);
    expect_rows(f, "carol:0", "a later solve");

    /* Redis lost what the last writer saw: the holder's row goes out again. */
    {
        char k[128];
        const char *del[] = {"DEL", k};

        snprintf(k, sizeof(k), "%s:%lld:first_holders", prefix, (long long)f->cid);
        assert_int_equal(db_redis_command(f->r, 2, del), 0);
    }
    publish(f, f->carol);
    expect_rows(f, "carol:0 alice:1", "after the key was lost");

    /* A hidden participant's earlier solve takes no mark: the first
     * visible solver keeps it (the lookup walks past dave's). */
    judged(f, "dave", 1, "AC");
    publish(f, f->carol);
    expect_rows(f, "carol:0", "a hidden participant's earlier solve");

    /* A solve at the very same time as the first one shares the mark. */
    judged(f, "bob", 10, "AC");
    publish(f, f->bob);
    expect_rows(f, "bob:1", "a tie with the first solve");

    /* Only the contest's own time counts: the jury may submit outside it,
     * and so may an organizer who also takes part. A solve before the
     * start takes no mark (clamped to 0:00 it took all), and attempts
     * before the start or after the end are no tries. */
    judged(f, "erin", -5, "AC");
    publish(f, f->erin);
    expect_rows(f, "erin:0/0", "a solve before the start");
    judged(f, "erin", 250, "WA");
    judged(f, "erin", 260, "AC");
    publish(f, f->erin);
    expect_rows(f, "erin:0/0", "attempts after the end");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_rows_that_lose_and_gain_a_mark_are_published),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
