/* SPDX-License-Identifier: MIT
 * test_db_rejudge.c - rejudge batches and the reveal against the real
 * PostgreSQL (and Redis, for the queue): a contest with submissions made
 * by SQL, batches made through db/, new verdicts written the way a judge
 * writes them (db_judging_start/finish), and the report's old -> new and
 * board change checked; then the same through a gavel-server's requests
 * (usage: test_db_rejudge [PATH-TO-gavel-server]), where contestants get
 * `forbidden`. */
#include "../unit/test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst.h"
#include "db.h"
#include "db_judging.h"
#include "db_queue.h"
#include "db_rejudge.h"
#include "db_reveal.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "itest.h"
#include "itest_ws.h"

static char url[600];

static int setup(void **state)
{
    struct db_pg *pg = NULL;
    char why[512];
    int applied = -1;

    itest_db_create(url, sizeof(url), "rejudge");
    if (db_pg_open(&pg, url, 5, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", url, why);
    assert_int_equal(db_migrate(&applied, pg), 0);
    *state = pg;
    return 0;
}

static int teardown(void **state)
{
    db_pg_close(*state);
    itest_db_drop();
    return 0;
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

static int64_t sub_of(struct db_pg *pg, const char *who, const char *slug, int minute)
{
    char sql[400];

    snprintf(sql, sizeof(sql),
             "SELECT s.id FROM submissions s JOIN users u ON u.id = s.user_id JOIN problems p ON "
             "p.id = s.problem_id WHERE u.username = '%s' AND p.slug = '%s' AND s.created_at = "
             "(SELECT starts_at FROM contests WHERE slug = 'live') + interval '%d min'",
             who, slug, minute);
    return id_of(pg, sql);
}

/* A contest that started 100 minutes ago and froze 10 minutes ago (at
 * minute 90), its three participants' submissions, and one practice
 * submission. (user, problem, minute, verdict; NULL: queued) */
static void seed(struct db_pg *pg)
{
    char key[DB_SHA256_HEX_LEN + 1];
    const char *params[] = {key};

    for (int i = 0; i < 4; i++) {
        static const char *const names[] = {"alice", "bob", "carol", "jury"};
        assert_int_equal(db_user_create(NULL, pg, names[i], names[i], "pw",
                                        i == 3 ? "organizer" : "contestant", "free"),
                         0);
    }
    assert_int_equal(db_blob_put(key, pg, "print(1)", 8), 0);
    assert_int_equal(
        db_pg_exec_script(
            pg, "INSERT INTO problems (slug, name) VALUES ('p1', 'P1'), ('p2', 'P2'), ('p3', 'P3');"
                "INSERT INTO problem_versions (problem_id, version, time_limit_ms, "
                "memory_limit_kb) SELECT id, 1, 1000, 262144 FROM problems;"
                "INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at) VALUES "
                "('live', 'Live', now() - interval '100 min', now() - interval '10 min', "
                "now() + interval '100 min');"
                "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) "
                "SELECT c.id, p.id, chr(64 + substr(p.slug, 2)::int), "
                "substr(p.slug, 2)::int FROM contests c, problems p;"
                "INSERT INTO participants (contest_id, user_id) SELECT c.id, u.id FROM "
                "contests c, users u WHERE u.username <> 'jury'"),
        0);
    assert_int_equal(
        db_pg_exec(NULL, pg,
                   "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
                   "language, source_blob, source_size, status, verdict, judged_at, created_at) "
                   "SELECT u.id, p.id, v.id, CASE WHEN x.minute < 0 THEN NULL ELSE c.id END, "
                   "'python', decode($1, 'hex'), 8, CASE WHEN x.verdict IS NULL THEN 'queued' "
                   "ELSE 'judged' END::submission_status, x.verdict::verdict, CASE WHEN "
                   "x.verdict IS NULL THEN NULL ELSE now() END, c.starts_at + x.minute * "
                   "interval '1 min' FROM (VALUES ('alice', 'p1', 5, 'WA'), ('alice', 'p1', 15, "
                   "'AC'), ('bob', 'p1', 20, 'WA'), ('carol', 'p2', 30, 'AC'), ('carol', 'p2', "
                   "50, NULL), ('bob', 'p2', 95, 'WA'), ('alice', 'p1', -5, 'AC')) "
                   "x(who, slug, minute, verdict) JOIN users u ON u.username = x.who JOIN "
                   "problems p ON p.slug = x.slug JOIN problem_versions v ON v.problem_id = p.id "
                   "JOIN contests c ON c.slug = 'live' ORDER BY x.minute",
                   1, params),
        0);
}

static void judging_open(int64_t *jid, struct db_submission *sub, struct db_pg *pg, int64_t id,
                         bool rejudge)
{
    assert_int_equal(db_judging_start(sub, jid, pg, id, "itest", rejudge), 0);
}

static void judging_close(struct db_pg *pg, int64_t jid, const struct db_submission *sub,
                          const char *verdict)
{
    struct db_judging_result r = {.verdict = verdict};
    struct cst_event ev;

    assert_int_equal(db_judging_finish(&ev, pg, jid, sub, &r), 0);
    cst_event_release(&ev);
}

/* What a worker taking the rejudge does. */
static void rejudge_to(struct db_pg *pg, int64_t id, const char *verdict)
{
    struct db_submission sub;
    int64_t jid;

    judging_open(&jid, &sub, pg, id, true);
    judging_close(pg, jid, &sub, verdict);
}

static cJSON *report(struct db_pg *pg, int64_t batch)
{
    char *json = NULL;
    cJSON *o;

    assert_int_equal(db_rejudge_report(&json, pg, batch, (int64_t)time(NULL) * 1000), 0);
    o = cJSON_Parse(json);
    gv_free(json);
    assert_non_null(o);
    return o;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsNumber(f))
        fail_msg("no number \"%s\" in %s", key, cJSON_PrintUnformatted(o));
    return f->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void expect_counts(const cJSON *r, int total, int done, int changed)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(r, "counts");

    assert_int_equal(num(c, "submissions"), total);
    assert_int_equal(num(c, "done"), done);
    assert_int_equal(num(c, "pending"), total - done);
    assert_int_equal(num(c, "changed"), changed);
}

static const cJSON *item(const cJSON *r, int64_t submission)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "submissions"))
        if ((int64_t)num(it, "submission_id") == submission)
            return it;
    fail_msg("submission %lld is not in the report", (long long)submission);
    return NULL;
}

/* The change of `who` in the report's `view` board, or NULL. */
static const cJSON *change(const cJSON *r, const char *view, const char *who)
{
    const cJSON *row;

    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(r, "board"), view))
        if (!strcmp(str(row, "username"), who))
            return row;
    return NULL;
}

static int view_size(const cJSON *r, const char *view)
{
    return cJSON_GetArraySize(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "board"), view));
}

static void expect_standing(const cJSON *row, const char *when, int rank, int solved, int penalty)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(row, when);

    assert_non_null(row);
    assert_int_equal(num(s, "rank"), rank);
    assert_int_equal(num(s, "solved"), solved);
    assert_int_equal(num(s, "penalty"), penalty);
}

static int64_t make(struct db_rejudge_item **items, size_t *n, struct db_pg *pg,
                    struct db_rejudge_target t)
{
    int64_t id = 0;

    t.origin = t.origin ? t.origin : "cli:itest";
    assert_int_equal(db_rejudge_create(&id, items, n, pg, &t), 0);
    assert_true(id > 0);
    return id;
}

/* A queue on the test's Redis under a prefix of its own; NULL without
 * Redis (the queue checks are skipped then). */
static struct db_queue *queue_open(struct db_redis **r, const char *name)
{
    struct db_queue_opts qo = {0};
    struct db_queue *q = NULL;
    char prefix[64], why[256];

    if (!getenv("GAVEL_REDIS_URL"))
        return NULL;
    assert_int_equal(db_redis_open(r, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)), 0);
    snprintf(prefix, sizeof(prefix), "itest:%d:%s", (int)getpid(), name);
    qo.prefix = prefix;
    assert_int_equal(db_queue_open(&q, *r, &qo), 0);
    return q;
}

static void queue_close(struct db_queue *q, struct db_redis *r)
{
    assert_int_equal(db_queue_flush(q), 0);
    db_queue_close(q);
    db_redis_close(r);
}

/* Exactly `n` jobs wait: each at the rejudge level, under its author. */
static void expect_rejudge_jobs(struct db_queue *q, struct db_pg *pg, size_t n)
{
    struct db_queue_job job;
    char sql[128];

    for (size_t i = 0; i < n; i++) {
        assert_int_equal(db_queue_take(&job, q, "itest", 0), 1);
        assert_int_equal(job.level, CST_PRIO_REJUDGE);
        snprintf(sql, sizeof(sql), "SELECT user_id FROM submissions WHERE id = %lld",
                 (long long)job.submission_id);
        assert_int_equal(job.user_id, id_of(pg, sql));
        assert_int_equal(db_queue_ack(q, &job), 0);
    }
    assert_int_equal(db_queue_take(&job, q, "itest", 0), 0);
}

static void queue_batch(struct db_pg *pg, const struct db_rejudge_item *items, size_t n)
{
    struct db_redis *r = NULL;
    struct db_queue *q = queue_open(&r, "rejudge");
    size_t queued = 0;

    if (!q)
        return;
    assert_int_equal(db_rejudge_queue(&queued, q, items, n), 0);
    assert_int_equal(queued, n);
    expect_rejudge_jobs(q, pg, n);
    queue_close(q, r);
}

static void a_rejudge_reports_old_new_and_the_board(void **state)
{
    struct db_pg *pg = *state;
    struct db_rejudge_item *items = NULL;
    size_t n = 0;
    int64_t batch, bob_a, bob_b, alice_wa, alice_ac, jury, cid;
    cJSON *r;

    seed(pg);
    jury = id_of(pg, "SELECT id FROM users WHERE username = 'jury'");
    cid = id_of(pg, "SELECT id FROM contests WHERE slug = 'live'");
    bob_a = sub_of(pg, "bob", "p1", 20);
    bob_b = sub_of(pg, "bob", "p2", 95);
    alice_wa = sub_of(pg, "alice", "p1", 5);
    alice_ac = sub_of(pg, "alice", "p1", 15);

    /* Problem A of the contest, by its label: the contest's three p1
     * submissions, not the practice one. */
    batch = make(&items, &n, pg,
                 (struct db_rejudge_target){.scope = DB_REJUDGE_CONTEST_PROBLEM, .contest = "live",
                                            .problem = "A", .requested_by = jury,
                                            .origin = "server"});
    assert_int_equal(n, 3);
    assert_int_equal(items[0].submission_id, alice_wa);
    assert_int_equal(items[2].submission_id, bob_a);
    assert_int_equal(items[2].user_id,
                     id_of(pg, "SELECT id FROM users WHERE username = 'bob'"));
    queue_batch(pg, items, n);
    gv_free(items);
    assert_int_equal(id_of(pg, "SELECT count(*) FROM submissions WHERE rejudge_requested_at IS "
                               "NOT NULL"),
                     3);

    r = report(pg, batch);
    assert_string_equal(str(r, "scope"), "contest_problem");
    assert_string_equal(str(r, "problem"), "p1");
    assert_int_equal(num(r, "contest_id"), cid);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(r, "requested_by"), "username"),
                        "jury");
    expect_counts(r, 3, 0, 0);
    assert_string_equal(str(item(r, bob_a), "status"), "pending");
    assert_string_equal(str(item(r, bob_a), "old_verdict"), "WA");
    assert_string_equal(str(item(r, bob_a), "label"), "A");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(item(r, bob_a), "new_verdict")));
    assert_int_equal(view_size(r, "public"), 0); /* nothing judged: nothing changed */
    assert_int_equal(view_size(r, "jury"), 0);
    cJSON_Delete(r);

    /* Two of three judged again, the same verdicts. */
    rejudge_to(pg, alice_wa, "WA");
    rejudge_to(pg, alice_ac, "AC");
    r = report(pg, batch);
    expect_counts(r, 3, 2, 0);
    assert_string_equal(str(item(r, alice_ac), "new_verdict"), "AC");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item(r, alice_ac), "changed")));
    cJSON_Delete(r);

    /* Bob's wrong answer at minute 20 was right: from third (nothing
     * solved) to first (1 solved, 20 minutes); Carol (30) and Alice
     * (15 + 20) each move down one. The same on both boards. */
    rejudge_to(pg, bob_a, "AC");
    r = report(pg, batch);
    expect_counts(r, 3, 3, 1);
    assert_string_equal(str(item(r, bob_a), "old_verdict"), "WA");
    assert_string_equal(str(item(r, bob_a), "new_verdict"), "AC");
    assert_string_equal(str(item(r, bob_a), "status"), "done");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item(r, bob_a), "changed")));
    for (int v = 0; v < 2; v++) {
        const char *view = v ? "jury" : "public";

        assert_int_equal(view_size(r, view), 3);
        expect_standing(change(r, view, "bob"), "before", 3, 0, 0);
        expect_standing(change(r, view, "bob"), "after", 1, 1, 20);
        expect_standing(change(r, view, "carol"), "before", 1, 1, 30);
        expect_standing(change(r, view, "carol"), "after", 2, 1, 30);
        expect_standing(change(r, view, "alice"), "after", 3, 1, 35);
    }
    cJSON_Delete(r);
    assert_int_equal(id_of(pg, "SELECT count(*) FROM submissions WHERE rejudge_requested_at IS "
                               "NOT NULL"),
                     0);

    /* Bob's frozen B, rejudged to AC: the jury's board changes, the public
     * one does not until the final standings are published. */
    batch = make(&items, &n, pg,
                 (struct db_rejudge_target){.scope = DB_REJUDGE_SUBMISSION,
                                            .submission_id = bob_b});
    gv_free(items);
    rejudge_to(pg, bob_b, "AC");
    r = report(pg, batch);
    assert_int_equal(num(r, "contest_id"), cid); /* the submission's contest */
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "requested_by")));
    assert_string_equal(str(r, "origin"), "cli:itest");
    expect_counts(r, 1, 1, 1);
    assert_int_equal(view_size(r, "public"), 0);
    assert_int_equal(view_size(r, "jury"), 1);
    expect_standing(change(r, "jury", "bob"), "after", 1, 2, 20 + 95);
    cJSON_Delete(r);
    assert_int_equal(db_pg_exec_script(pg, "UPDATE contests SET ends_at = now() - interval '1 min',"
                                           " unfrozen_at = now() - interval '1 min'"),
                     0);
    r = report(pg, batch);
    assert_int_equal(view_size(r, "public"), 1);
    cJSON_Delete(r);

    /* A problem across practice and contests: no board. */
    batch = make(&items, &n, pg,
                 (struct db_rejudge_target){.scope = DB_REJUDGE_PROBLEM, .problem = "p1"});
    gv_free(items);
    assert_int_equal(n, 4);
    r = report(pg, batch);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "board")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "contest_id")));
    cJSON_Delete(r);
}

/* A judging that started before the batch does not answer it, even when it
 * finishes after: the rejudge stays requested (recovery queues it again)
 * and the item pending until a judging started after the batch finishes. */
static void a_judging_older_than_the_batch_does_not_count(void **state)
{
    struct db_pg *pg = *state;
    struct db_rejudge_item *items = NULL;
    struct db_submission sub;
    size_t n = 0;
    int64_t batch, queued, jid;
    char sql[200];
    cJSON *r;

    seed(pg);
    queued = sub_of(pg, "carol", "p2", 50);
    judging_open(&jid, &sub, pg, queued, false);
    batch = make(&items, &n, pg,
                 (struct db_rejudge_target){.scope = DB_REJUDGE_SUBMISSION,
                                            .submission_id = queued});
    gv_free(items);
    judging_close(pg, jid, &sub, "WA");
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM submissions WHERE id = %lld AND rejudge_requested_at IS NOT "
             "NULL AND verdict = 'WA'",
             (long long)queued);
    assert_int_equal(id_of(pg, sql), 1);
    r = report(pg, batch);
    expect_counts(r, 1, 0, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(item(r, queued), "old_verdict")));
    cJSON_Delete(r);

    rejudge_to(pg, queued, "AC");
    r = report(pg, batch);
    expect_counts(r, 1, 1, 1); /* from not judged to AC */
    assert_string_equal(str(item(r, queued), "new_verdict"), "AC");
    /* Carol's second solve of B does not count (she solved it at 30), so the
     * board did not change. */
    assert_int_equal(view_size(r, "jury"), 0);
    cJSON_Delete(r);
    assert_int_equal(id_of(pg, "SELECT count(*) FROM submissions WHERE rejudge_requested_at IS "
                               "NOT NULL"),
                     0);
}

static void targets_are_checked_and_listed(void **state)
{
    struct db_pg *pg = *state;
    struct db_rejudge_item *items = NULL;
    struct db_rejudge_target t = {.scope = DB_REJUDGE_CONTEST, .contest = "nope",
                                  .origin = "server"};
    size_t n = 0;
    int64_t id = 0, cid, first, second;
    char *json = NULL, cid_text[24];
    cJSON *list;

    seed(pg);
    cid = id_of(pg, "SELECT id FROM contests WHERE slug = 'live'");
    assert_int_equal(db_rejudge_create(&id, &items, &n, pg, &t), GV_ENOTFOUND);
    t.scope = DB_REJUDGE_CONTEST_PROBLEM;
    t.contest = "live";
    t.problem = "Z";
    assert_int_equal(db_rejudge_create(&id, &items, &n, pg, &t), GV_ENOTFOUND);
    t.problem = "p3"; /* in the contest, never submitted */
    assert_int_equal(db_rejudge_create(&id, &items, &n, pg, &t), -ENODATA);
    t = (struct db_rejudge_target){.scope = DB_REJUDGE_SUBMISSION, .submission_id = 987654,
                                   .origin = "server"};
    assert_int_equal(db_rejudge_create(&id, &items, &n, pg, &t), GV_ENOTFOUND);
    t.origin = "";
    assert_int_equal(db_rejudge_create(&id, &items, &n, pg, &t), GV_EINVAL);
    assert_int_equal(id_of(pg, "SELECT count(*) FROM rejudges"), 0); /* nothing recorded */
    assert_int_equal(db_rejudge_report(&json, pg, 987654, 0), GV_ENOTFOUND);

    /* By the contest's id as text, like its slug. */
    snprintf(cid_text, sizeof(cid_text), "%lld", (long long)cid);
    first = make(&items, &n, pg,
                 (struct db_rejudge_target){.scope = DB_REJUDGE_CONTEST, .contest = cid_text});
    gv_free(items);
    assert_int_equal(n, 6);
    second = make(&items, &n, pg,
                  (struct db_rejudge_target){.scope = DB_REJUDGE_PROBLEM, .problem = "p2"});
    gv_free(items);
    rejudge_to(pg, sub_of(pg, "carol", "p2", 30), "WA");

    assert_int_equal(db_rejudge_list(&json, pg, cid, 50), 0);
    list = cJSON_Parse(json);
    gv_free(json);
    assert_int_equal(cJSON_GetArraySize(list), 1); /* the problem's batch has no contest */
    assert_int_equal(num(cJSON_GetArrayItem(list, 0), "rejudge_id"), first);
    expect_counts(cJSON_GetArrayItem(list, 0), 6, 1, 1);
    cJSON_Delete(list);
    assert_int_equal(db_rejudge_list(&json, pg, 0, 50), 0);
    list = cJSON_Parse(json);
    gv_free(json);
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_int_equal(num(cJSON_GetArrayItem(list, 0), "rejudge_id"), second); /* newest first */
    /* Carol's AC at 30 answered both batches: it was judged after both. */
    expect_counts(cJSON_GetArrayItem(list, 0), 3, 1, 1);
    cJSON_Delete(list);
}

/* The reveal from the stored attempts: the frozen board, one step per
 * frozen cell, the final board. */
static void the_reveal_of_a_frozen_contest(void **state)
{
    struct db_pg *pg = *state;
    const cJSON *steps, *st, *row;
    char *json = NULL;
    int64_t cid;
    cJSON *o;

    seed(pg);
    cid = id_of(pg, "SELECT id FROM contests WHERE slug = 'live'");
    /* Bob's frozen B was right after all: a frozen solve. */
    assert_int_equal(db_pg_exec_script(pg, "UPDATE submissions SET verdict = 'AC' WHERE "
                                           "created_at = (SELECT starts_at FROM contests) + "
                                           "interval '95 min'"),
                     0);
    assert_int_equal(db_contest_reveal(&json, pg, cid, (int64_t)time(NULL) * 1000), 0);
    o = cJSON_Parse(json);
    gv_free(json);
    assert_non_null(o);
    assert_int_equal(num(o, "contest_id"), cid);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "frozen"), "frozen")));
    steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
    /* Frozen: carol (1 solved, 30) and alice (1, 35) ahead of bob (0).
     * Bob's B is the one frozen cell; his solve at minute 95 leaves him
     * third. */
    assert_int_equal(cJSON_GetArraySize(steps), 1);
    st = cJSON_GetArrayItem(steps, 0);
    assert_string_equal(str(st, "username"), "bob");
    assert_string_equal(str(st, "label"), "B");
    assert_int_equal(num(st, "rank_before"), 3);
    assert_int_equal(num(st, "rank_after"), 3);
    assert_int_equal(num(cJSON_GetObjectItemCaseSensitive(st, "before"), "pending"), 1);
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "after"), "solved")));
    assert_int_equal(num(st, "solved"), 1);
    assert_int_equal(num(st, "penalty"), 95);
    row = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "final"), "rows"), 2);
    assert_string_equal(str(row, "username"), "bob");
    assert_int_equal(num(row, "solved"), 1);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "final"), "frozen")));
    cJSON_Delete(o);
    assert_int_equal(db_contest_reveal(&json, pg, 987654, 0), GV_ENOTFOUND);
}

/* --- The requests, through a gavel-server on this database --------------- */

static const char *server_path;

static int login(int port, const char *who)
{
    char req[160];
    int fd = itest_ws_open(port);

    snprintf(req, sizeof(req), "{\"type\":\"login\",\"username\":\"%s\",\"password\":\"pw\"}", who);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    return fd;
}

static cJSON *ok(int fd, const char *req)
{
    cJSON *reply = itest_rpc(fd, req, "ok", NULL);
    cJSON *data = cJSON_DetachItemFromObjectCaseSensitive(reply, "data");

    cJSON_Delete(reply);
    ICHECK(data, "%s: no data", req);
    return data;
}

static void the_server_requests(void **state)
{
    static char port_env[64], pg_env[700], queue_env[96];
    const char *env[] = {port_env, pg_env, queue_env, NULL};
    char *argv[] = {(char *)server_path, NULL};
    struct db_pg *pg = *state;
    struct db_redis *r = NULL;
    struct db_queue *q;
    int port = itest_free_port(), fd;
    int64_t cid;
    char req[200];
    pid_t server;
    cJSON *d;

    if (!server_path)
        skip();
    seed(pg);
    cid = id_of(pg, "SELECT id FROM contests WHERE slug = 'live'");
    q = queue_open(&r, "srv");
    snprintf(port_env, sizeof(port_env), "GAVEL_HTTP_PORT=%d", port);
    snprintf(pg_env, sizeof(pg_env), "GAVEL_PG_URL=%s", url);
    snprintf(queue_env, sizeof(queue_env), "GAVEL_QUEUE_PREFIX=%s", q ? db_queue_prefix(q) : "x");
    server = itest_spawn(argv, env, NULL);
    itest_wait_health(port, 200, NULL, 15000);

    itest_step = "contestants and strangers";
    fd = itest_ws_open(port);
    snprintf(req, sizeof(req), "{\"type\":\"rejudge\",\"contest\":%lld}", (long long)cid);
    itest_rpc_error(fd, req, "unauthenticated");
    close(fd);
    fd = login(port, "alice");
    itest_rpc_error(fd, req, "forbidden");
    itest_rpc_error(fd, "{\"type\":\"rejudge.report\",\"rejudge\":1}", "forbidden");
    itest_rpc_error(fd, "{\"type\":\"rejudges.list\"}", "forbidden");
    snprintf(req, sizeof(req), "{\"type\":\"contest.reveal\",\"contest\":%lld}", (long long)cid);
    itest_rpc_error(fd, req, "forbidden");
    close(fd);
    assert_int_equal(id_of(pg, "SELECT count(*) FROM rejudges"), 0);

    itest_step = "organizer";
    fd = login(port, "jury");
    itest_rpc_error(fd, "{\"type\":\"rejudge\"}", "invalid");
    itest_rpc_error(fd, "{\"type\":\"rejudge\",\"submission\":1,\"contest\":1}", "invalid");
    itest_rpc_error(fd, "{\"type\":\"rejudge\",\"submission\":1,\"problem\":\"A\"}", "invalid");
    itest_rpc_error(fd, "{\"type\":\"rejudge\",\"contest\":987654}", "not_found");
    itest_rpc_error(fd, "{\"type\":\"rejudge.report\",\"rejudge\":987654}", "not_found");
    itest_rpc_error(fd, "{\"type\":\"contest.reveal\",\"contest\":987654}", "not_found");
    snprintf(req, sizeof(req), "{\"type\":\"rejudge\",\"contest\":%lld,\"problem\":\"C\"}",
             (long long)cid);
    itest_rpc_error(fd, req, "not_found"); /* nobody submitted C */
    snprintf(req, sizeof(req), "{\"type\":\"rejudge\",\"contest\":%lld,\"problem\":\"A\"}",
             (long long)cid);
    d = ok(fd, req);
    ICHECK(itest_num(d, "submissions") == 3, "three submissions to A");
    snprintf(req, sizeof(req), "{\"type\":\"rejudge.report\",\"rejudge\":%.0f}",
             itest_num(d, "rejudge_id"));
    cJSON_Delete(d);
    if (q)
        expect_rejudge_jobs(q, pg, 3);

    rejudge_to(pg, sub_of(pg, "bob", "p1", 20), "AC");
    d = ok(fd, req);
    expect_counts(d, 3, 1, 1);
    assert_string_equal(str(item(d, sub_of(pg, "bob", "p1", 20)), "new_verdict"), "AC");
    expect_standing(change(d, "public", "bob"), "after", 1, 1, 20);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(d, "requested_by"), "username"),
                        "jury");
    assert_string_equal(str(d, "origin"), "server");
    cJSON_Delete(d);

    snprintf(req, sizeof(req), "{\"type\":\"rejudges.list\",\"contest\":%lld}", (long long)cid);
    d = ok(fd, req);
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "rejudges")) == 1, "one batch");
    expect_counts(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "rejudges"), 0), 3, 1, 1);
    cJSON_Delete(d);

    snprintf(req, sizeof(req), "{\"type\":\"contest.reveal\",\"contest\":%lld}", (long long)cid);
    d = ok(fd, req);
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "steps")) == 1 &&
               cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "frozen")) &&
               cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "final")),
           "the reveal: bob's frozen B");
    cJSON_Delete(d);
    close(fd);
    itest_stop(server);
    if (q)
        queue_close(q, r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_rejudge_reports_old_new_and_the_board, setup, teardown),
        cmocka_unit_test_setup_teardown(a_judging_older_than_the_batch_does_not_count, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(targets_are_checked_and_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(the_reveal_of_a_frozen_contest, setup, teardown),
        cmocka_unit_test_setup_teardown(the_server_requests, setup, teardown),
    };

    server_path = argc > 1 ? argv[1] : NULL;
    itest_deadline(240);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
