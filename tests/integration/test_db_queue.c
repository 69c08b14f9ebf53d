/* SPDX-License-Identifier: MIT
 * test_db_queue.c - the judge queue against a real Redis (and PostgreSQL for
 * recovery). Each test uses a key prefix of its own, so tests, parallel
 * ctest runs and a gavel on the same Redis never see each other's keys. */
#include "../unit/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "itest.h"

struct fx {
    struct db_redis *r;
    struct db_queue *q;
    char prefix[DB_QUEUE_PREFIX_MAX + 1];
};

static const char *redis_url;
static unsigned prefix_serial;

static struct db_redis *connect_redis(void)
{
    struct db_redis *r = NULL;
    char why[512];

    if (db_redis_open(&r, redis_url, 2000, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", redis_url, why);
    return r;
}

static void next_prefix(char *out, size_t len)
{
    snprintf(out, len, "qtest:%d:%u", (int)getpid(), ++prefix_serial);
}

static struct db_queue *open_queue(struct db_redis *r, const char *prefix, unsigned fifo_every,
                                   int64_t max_wait_ms, int64_t reclaim_idle_ms)
{
    struct db_queue_opts o = {.prefix = prefix,
                              .fifo_every = fifo_every,
                              .max_wait_ms = max_wait_ms,
                              .reclaim_idle_ms = reclaim_idle_ms};
    struct db_queue *q = NULL;
    int err = db_queue_open(&q, r, &o);

    if (err < 0)
        fail_msg("db_queue_open: %s (%s)", gv_strerror(err), db_redis_last_error(r));
    return q;
}

/* A fresh prefix with the given rules. */
static void fx_reopen(struct fx *f, unsigned fifo_every, int64_t max_wait_ms,
                      int64_t reclaim_idle_ms)
{
    if (f->q) {
        assert_int_equal(db_queue_flush(f->q), 0);
        db_queue_close(f->q);
    }
    next_prefix(f->prefix, sizeof(f->prefix));
    f->q = open_queue(f->r, f->prefix, fifo_every, max_wait_ms, reclaim_idle_ms);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->r = connect_redis();
    fx_reopen(f, 0, 0, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    if (f->q) {
        /* Leave nothing behind in a Redis other runs share. */
        db_queue_flush(f->q);
        db_queue_close(f->q);
    }
    db_redis_close(f->r);
    free(f);
    return 0;
}

static void push(struct db_queue *q, int64_t sid, int level, int64_t uid)
{
    bool queued = false;
    int err = db_queue_push(&queued, q, sid, level, uid);

    if (err < 0)
        fail_msg("push %lld: %s", (long long)sid, gv_strerror(err));
    assert_true(queued);
}

static struct db_queue_job take(struct db_queue *q, const char *consumer)
{
    struct db_queue_job job;
    int rc = db_queue_take(&job, q, consumer, 0);

    if (rc != 1)
        fail_msg("take by %s: expected a job, got %d (%s)", consumer, rc,
                 rc < 0 ? gv_strerror(rc) : "empty");
    return job;
}

static void take_ack(struct db_queue *q, const char *consumer, struct db_queue_job *job)
{
    *job = take(q, consumer);
    assert_int_equal(db_queue_ack(q, job), 0);
}

static void expect_empty(struct db_queue *q)
{
    struct db_queue_stats st;
    struct db_queue_job job;

    assert_int_equal(db_queue_take(&job, q, "w-check", 0), 0);
    assert_int_equal(db_queue_stats(&st, q), 0);
    for (int l = 0; l < DB_QUEUE_LEVELS; l++) {
        assert_int_equal(st.waiting[l], 0);
        assert_int_equal(st.pending[l], 0);
    }
}

/* --- tests -------------------------------------------------------------- */

static void priority_order_across_levels(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job;
    struct db_queue_stats st;

    fx_reopen(f, 1000, 0, 0);
    /* Pushed lowest priority first: order of arrival must not matter. */
    for (int l = DB_QUEUE_LEVELS - 1; l >= 0; l--) {
        push(f->q, 100 + l, l, 7);
        push(f->q, 200 + l, l, 8);
    }
    assert_int_equal(db_queue_stats(&st, f->q), 0);
    for (int l = 0; l < DB_QUEUE_LEVELS; l++) {
        assert_int_equal(st.waiting[l], 2);
        assert_int_equal(st.users[l], 2);
    }
    for (int l = 0; l < DB_QUEUE_LEVELS; l++) {
        for (int i = 0; i < 2; i++) {
            take_ack(f->q, "w1", &job);
            assert_int_equal(job.level, l);
            assert_int_equal(job.submission_id % 100, l);
            assert_int_equal(job.deliveries, 1);
            assert_true(job.waited_ms >= 0);
        }
    }
    expect_empty(f->q);
}

static void flooding_user_does_not_starve_others(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job;
    int b_taken = 0, last_b = -1, first_b = -1;

    fx_reopen(f, 0, 0, 0); /* the defaults */
    for (int i = 1; i <= 50; i++)
        push(f->q, i, 2, 1);
    push(f->q, 101, 2, 2);
    push(f->q, 102, 2, 2);
    for (int i = 0; i < 52; i++) {
        take_ack(f->q, "w1", &job);
        if (job.user_id == 2) {
            b_taken++;
            if (first_b < 0)
                first_b = i;
            last_b = i;
            /* A user's own entries stay in their order. */
            assert_int_equal(job.submission_id, 100 + b_taken);
        }
    }
    assert_int_equal(b_taken, 2);
    /* Round robin: A, B, A, B, ... (the 8th take, a FIFO take, is A's). */
    if (first_b != 1 || last_b != 3)
        fail_msg("user B's entries were takes %d and %d of 52; round robin promises 2 and 4",
                 first_b + 1, last_b + 1);
    expect_empty(f->q);
}

static void lowest_level_is_not_starved(void **state)
{
    struct fx *f = *state;
    enum { K = 4, BACKLOG = 10 };
    struct db_queue_job job;
    int64_t sid = 1;
    int takes = 0;
    bool got = false;

    fx_reopen(f, K, 0, 0);
    for (int i = 0; i < BACKLOG; i++, sid++)
        push(f->q, sid, 0, sid % 3);
    push(f->q, 999999, DB_QUEUE_LEVELS - 1, 42);
    /* Level 0 never runs dry: two pushes per take. */
    while (!got && takes < 1000) {
        push(f->q, sid, 0, sid % 3);
        sid++;
        push(f->q, sid, 0, sid % 3);
        sid++;
        take_ack(f->q, "w1", &job);
        takes++;
        if (job.submission_id == 999999) {
            got = true;
            assert_int_equal(job.level, DB_QUEUE_LEVELS - 1);
        } else {
            assert_int_equal(job.level, 0);
        }
    }
    assert_true(got);
    /* The documented bound: within k * (B + 1) dispatches, B = entries
     * waiting ahead of it when it was pushed. Priority still held until a
     * FIFO take: not before the k-th. */
    print_message("level-4 entry taken at dispatch %d (bound %d)\n", takes, K * (BACKLOG + 1));
    if (takes > K * (BACKLOG + 1) || takes < K)
        fail_msg("level-4 entry taken at dispatch %d; bound is [%d, %d]", takes, K,
                 K * (BACKLOG + 1));
}

static void max_wait_ages_an_entry(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job;

    fx_reopen(f, 1000, 200, 0);
    push(f->q, 1, 4, 1);
    push(f->q, 2, 0, 2);
    push(f->q, 3, 0, 2);
    take_ack(f->q, "w1", &job);
    assert_int_equal(job.submission_id, 2);
    gv_time_sleep_ms(250);
    push(f->q, 4, 0, 2);
    /* Level 0 still waits, but the level-4 entry is overdue. */
    take_ack(f->q, "w1", &job);
    assert_int_equal(job.submission_id, 1);
    assert_true(job.waited_ms >= 200);
    take_ack(f->q, "w1", &job);
    assert_int_equal(job.submission_id, 3);
    take_ack(f->q, "w1", &job);
    assert_int_equal(job.submission_id, 4);
}

static void a_submission_is_queued_once(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job, again;
    struct db_queue_stats st;
    bool queued = true;

    push(f->q, 5, 1, 9);
    assert_int_equal(db_queue_push(&queued, f->q, 5, 1, 9), 0);
    assert_false(queued);
    /* Known is known, whatever level or user a second push claims. */
    assert_int_equal(db_queue_push(&queued, f->q, 5, 3, 10), 0);
    assert_false(queued);
    assert_int_equal(db_queue_stats(&st, f->q), 0);
    assert_int_equal(st.waiting[1], 1);
    assert_int_equal(st.waiting[3], 0);
    job = take(f->q, "w1");
    /* Taken but not acknowledged: still one live entry. */
    assert_int_equal(db_queue_push(&queued, f->q, 5, 1, 9), 0);
    assert_false(queued);
    assert_int_equal(db_queue_take(&again, f->q, "w2", 0), 0);
    assert_int_equal(db_queue_ack(f->q, &job), 0);
    /* After the ack a push is a rejudge and queues it again. */
    push(f->q, 5, 4, 9);
    take_ack(f->q, "w1", &job);
    assert_int_equal(job.submission_id, 5);
    assert_int_equal(job.level, 4);
    expect_empty(f->q);
}

static void dead_worker_job_is_reclaimed(void **state)
{
    struct fx *f = *state;
    struct db_queue_job j1, j2, j3, none;

    fx_reopen(f, 0, 0, 200);
    push(f->q, 77, 2, 1);
    j1 = take(f->q, "w-dead");
    assert_int_equal(j1.deliveries, 1);
    /* Not idle long enough yet. */
    assert_int_equal(db_queue_take(&none, f->q, "w-alive", 0), 0);
    gv_time_sleep_ms(300);
    j2 = take(f->q, "w-alive");
    assert_int_equal(j2.submission_id, 77);
    assert_int_equal(j2.level, 2);
    assert_string_equal(j2.entry_id, j1.entry_id);
    assert_int_equal(j2.deliveries, 2);
    /* The dead worker's lease is gone. */
    assert_int_equal(db_queue_touch(f->q, "w-dead", &j1), GV_ENOTFOUND);
    assert_int_equal(db_queue_ack(f->q, &j2), 0);
    assert_int_equal(db_queue_ack(f->q, &j1), GV_ENOTFOUND);
    expect_empty(f->q);

    /* A worker that touches its job keeps it past the idle timeout. */
    push(f->q, 78, 0, 1);
    j3 = take(f->q, "w-slow");
    gv_time_sleep_ms(120);
    assert_int_equal(db_queue_touch(f->q, "w-slow", &j3), 0);
    gv_time_sleep_ms(100);
    assert_int_equal(db_queue_take(&none, f->q, "w-other", 0), 0);
    /* The explicit reclaim with its own threshold, and poison counting. */
    assert_int_equal(db_queue_reclaim(&j2, f->q, "w-other", 100), 1);
    assert_int_equal(j2.submission_id, 78);
    assert_int_equal(j2.deliveries, 2);
    gv_time_sleep_ms(120);
    assert_int_equal(db_queue_reclaim(&j2, f->q, "w-third", 100), 1);
    assert_int_equal(j2.deliveries, 3);
    assert_int_equal(db_queue_ack(f->q, &j2), 0);
    expect_empty(f->q);
}

/* A job given back (the sandbox gave up on it) is taken again at once,
 * reclaim timeout or not, with its delivery counted; only its owner may
 * give it back. */
static void released_job_is_taken_at_once(void **state)
{
    struct fx *f = *state;
    struct db_queue_job j1, j2, none;

    fx_reopen(f, 0, 0, 60000);
    push(f->q, 91, 1, 1);
    j1 = take(f->q, "w-gave-up");
    assert_int_equal(db_queue_take(&none, f->q, "w-other", 0), 0);
    assert_int_equal(db_queue_release(f->q, "w-other", &j1), GV_ENOTFOUND);
    assert_int_equal(db_queue_release(f->q, "w-gave-up", &j1), 0);
    j2 = take(f->q, "w-other");
    assert_int_equal(j2.submission_id, 91);
    assert_string_equal(j2.entry_id, j1.entry_id);
    assert_int_equal(j2.deliveries, 2);
    assert_int_equal(db_queue_release(f->q, "w-gave-up", &j1), GV_ENOTFOUND);
    assert_int_equal(db_queue_ack(f->q, &j2), 0);
    expect_empty(f->q);
    j1.level = DB_QUEUE_LEVELS;
    assert_int_equal(db_queue_release(f->q, "w-gave-up", &j1), GV_EINVAL);
}

static void sigkilled_worker_job_is_taken_again(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job;
    int fds[2], status;
    char c;
    pid_t pid;

    fx_reopen(f, 0, 0, 800);
    push(f->q, 31, 0, 1);
    push(f->q, 32, 0, 2);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct db_redis *r = NULL;
        struct db_queue *q = NULL;
        struct db_queue_opts o = {.prefix = f->prefix, .reclaim_idle_ms = 800};
        char why[256];

        close(fds[0]);
        if (db_redis_open(&r, redis_url, 1000, why, sizeof(why)) < 0 ||
            db_queue_open(&q, r, &o) < 0 || db_queue_take(&job, q, "w-doomed", 0) != 1 ||
            write(fds[1], "t", 1) != 1)
            _exit(2);
        for (;;)
            pause(); /* "judging" until killed */
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    /* New work first only while the dead worker's entry is young. */
    take_ack(f->q, "w-survivor", &job);
    assert_int_equal(job.submission_id, 32);
    assert_int_equal(job.deliveries, 1);
    /* A blocked taker notices the idle entry without any push. */
    assert_int_equal(db_queue_take(&job, f->q, "w-survivor", 3000), 1);
    assert_int_equal(job.submission_id, 31);
    assert_int_equal(job.deliveries, 2);
    assert_int_equal(db_queue_ack(f->q, &job), 0);
    expect_empty(f->q);
}

/* Writes each taken submission id into `fd` until the queue stays empty. */
static void worker_child(const char *prefix, const char *consumer, int fd, int idle_stop_ms)
{
    struct db_redis *r = NULL;
    struct db_queue *q = NULL;
    struct db_queue_opts o = {.prefix = prefix};
    struct db_queue_job job;
    char why[256];
    int rc;

    if (db_redis_open(&r, redis_url, 2000, why, sizeof(why)) < 0 || db_queue_open(&q, r, &o) < 0)
        _exit(2);
    while ((rc = db_queue_take(&job, q, consumer, idle_stop_ms)) == 1) {
        if (write(fd, &job.submission_id, sizeof(job.submission_id)) !=
            (ssize_t)sizeof(job.submission_id))
            _exit(3);
        if (db_queue_ack(q, &job) < 0)
            _exit(4);
    }
    _exit(rc == 0 ? 0 : 5);
}

static void concurrent_takers_never_share_a_job(void **state)
{
    struct fx *f = *state;
    enum { FIRST = 300, LATER = 100, WORKERS = 3 };
    static unsigned char seen[FIRST + LATER + 1];
    int fds[2], status, total = 0;
    pid_t pids[WORKERS];
    int64_t sid;
    ssize_t n;

    memset(seen, 0, sizeof(seen));
    for (sid = 1; sid <= FIRST; sid++)
        push(f->q, sid, (int)(sid % DB_QUEUE_LEVELS), sid % 7);
    assert_int_equal(pipe(fds), 0);
    for (int w = 0; w < WORKERS; w++) {
        char name[32];

        snprintf(name, sizeof(name), "w%d", w);
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            close(fds[0]);
            worker_child(f->prefix, name, fds[1], 500);
        }
    }
    close(fds[1]);
    /* More work arrives while they take. */
    for (; sid <= FIRST + LATER; sid++)
        push(f->q, sid, (int)(sid % DB_QUEUE_LEVELS), sid % 5);
    while ((n = read(fds[0], &sid, sizeof(sid))) == (ssize_t)sizeof(sid)) {
        assert_true(sid >= 1 && sid <= FIRST + LATER);
        if (seen[sid])
            fail_msg("submission %lld was handed out twice", (long long)sid);
        seen[sid] = 1;
        total++;
    }
    close(fds[0]);
    for (int w = 0; w < WORKERS; w++) {
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(total, FIRST + LATER);
    expect_empty(f->q);
}

static void a_push_wakes_a_blocked_taker(void **state)
{
    struct fx *f = *state;
    struct db_queue_job job;
    int64_t t0, msg[2];
    int fds[2], status;
    pid_t pid;

    /* Blocking on an empty queue waits, and gives up on time. */
    t0 = gv_time_mono_ms();
    assert_int_equal(db_queue_take(&job, f->q, "w1", 300), 0);
    assert_true(gv_time_mono_ms() - t0 >= 290);

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct db_redis *r = NULL;
        struct db_queue *q = NULL;
        struct db_queue_opts o = {.prefix = f->prefix};
        char why[256];

        close(fds[0]);
        if (db_redis_open(&r, redis_url, 1000, why, sizeof(why)) < 0 ||
            db_queue_open(&q, r, &o) < 0)
            _exit(2);
        /* Longer than the connection's own timeout: must not break it. */
        if (db_queue_take(&job, q, "w-blocked", 5000) != 1)
            _exit(3);
        msg[0] = job.submission_id;
        msg[1] = gv_time_mono_ms();
        if (write(fds[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
            _exit(4);
        _exit(db_queue_ack(q, &job) == 0 ? 0 : 5);
    }
    close(fds[1]);
    gv_time_sleep_ms(1500);
    t0 = gv_time_mono_ms();
    push(f->q, 4242, 3, 1);
    assert_int_equal(read(fds[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(msg[0], 4242);
    print_message("push to take by a blocked worker: %lld ms\n", (long long)(msg[1] - t0));
    if (msg[1] - t0 > 200)
        fail_msg("a blocked taker got the job %lld ms after the push", (long long)(msg[1] - t0));
}

static void errors_are_reported(void **state)
{
    struct fx *f = *state;
    struct db_queue_opts bad = {.prefix = "no spaces*"};
    struct db_queue *q = NULL;
    struct db_redis *r = NULL;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    const char *set[3];
    char key[128], url[64], why[256];
    int lfd, err;

    assert_int_equal(db_queue_open(&q, f->r, &bad), GV_EINVAL);
    assert_null(q);
    assert_int_equal(db_queue_push(NULL, f->q, 1, DB_QUEUE_LEVELS, 1), GV_EINVAL);
    assert_int_equal(db_queue_push(NULL, f->q, 0, 0, 1), GV_EINVAL);

    /* An error reply: our hash key holds a string. */
    snprintf(key, sizeof(key), "%s:known", f->prefix);
    set[0] = "SET";
    set[1] = key;
    set[2] = "oops";
    assert_int_equal(db_redis_command(f->r, 3, set), 0);
    assert_int_equal(db_queue_push(NULL, f->q, 1, 0, 1), GV_EREDIS);
    assert_non_null(strstr(db_redis_last_error(f->r), "WRONGTYPE"));
    assert_int_equal(db_queue_flush(f->q), 0);
    /* A Redis that lost its script cache (restart, SCRIPT FLUSH): EVALSHA
     * falls back to EVAL. Harmless to anyone else on this Redis. */
    set[0] = "SCRIPT";
    set[1] = "FLUSH";
    assert_int_equal(db_redis_command(f->r, 2, set), 0);
    push(f->q, 1, 0, 1);

    /* A server that accepts and goes away: the queue reports it down. */
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", ntohs(sa.sin_port));
    assert_int_equal(db_redis_open(&r, url, 500, why, sizeof(why)), 0);
    close(lfd);
    err = db_queue_open(&q, r, NULL);
    assert_int_equal(err, GV_EUNAVAIL);
    assert_true(db_redis_last_error(r)[0] != '\0');
    db_redis_close(r);
}

/* --- recovery from PostgreSQL ------------------------------------------ */

static char pg_url[600];

static const char RECOVER_FIXTURE[] =
    "INSERT INTO users (username, display_name, password_hash) VALUES"
    " ('alice', 'Alice', '$argon2id$test'), ('bob', 'Bob', '$argon2id$test');"
    "INSERT INTO blobs (sha256, size, zstd) VALUES (decode(repeat('ab', 32), 'hex'), 1, '\\x00');"
    "INSERT INTO problems (slug, name) VALUES ('p1', 'P1');"
    "INSERT INTO problem_versions (problem_id, version, time_limit_ms, memory_limit_kb)"
    " SELECT id, 1, 1000, 65536 FROM problems WHERE slug = 'p1';"
    "INSERT INTO submissions (id, user_id, problem_id, problem_version_id, language, source_blob,"
    " source_size, status, verdict, judged_at, priority) OVERRIDING SYSTEM VALUE"
    " SELECT v.id, u.id, p.id, pv.id, 'c', decode(repeat('ab', 32), 'hex'), 10,"
    "  v.status::submission_status, v.verdict::verdict,"
    "  CASE WHEN v.status = 'judged' THEN now() END, v.prio"
    " FROM (VALUES (1, 'alice', 'queued', NULL, 0), (2, 'bob', 'queued', NULL, 3),"
    "  (3, 'alice', 'running', NULL, 1), (4, 'bob', 'compiling', NULL, 4),"
    "  (5, 'alice', 'judged', 'AC', 0), (6, 'bob', 'judged', 'WA', 2),"
    "  (7, 'alice', 'queued', NULL, 9), (8, 'bob', 'judged', 'JE', 4))"
    "  AS v(id, uname, status, verdict, prio)"
    " JOIN users u ON u.username = v.uname CROSS JOIN problems p"
    " JOIN problem_versions pv ON pv.problem_id = p.id;";

static void take_all_unjudged(struct db_queue *q, int64_t user_alice)
{
    /* id -> expected level; 7's priority 9 is clamped to the last level. */
    static const int level_of[8] = {-1, 0, 3, 1, 4, -1, -1, 4};
    struct db_queue_job job;
    unsigned seen = 0;

    for (int i = 0; i < 5; i++) {
        take_ack(q, "w1", &job);
        assert_true(job.submission_id >= 1 && job.submission_id <= 7);
        assert_int_equal(job.level, level_of[job.submission_id]);
        assert_int_equal(job.user_id == user_alice, job.submission_id % 2 == 1);
        assert_false(seen & (1u << job.submission_id));
        seen |= 1u << job.submission_id;
    }
    assert_int_equal(seen, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 7));
    expect_empty(q);
}

static void recover_requeues_exactly_the_unjudged(void **state)
{
    struct fx *f = *state;
    struct db_pg *pg = NULL;
    struct db_queue_job held;
    char why[512], *alice = NULL;
    size_t requeued = 99;
    int applied = 0;
    int64_t alice_id;

    itest_db_create(pg_url, sizeof(pg_url), "queue");
    if (db_pg_open(&pg, pg_url, 5, why, sizeof(why)) < 0)
        fail_msg("cannot connect to %s: %s", pg_url, why);
    assert_int_equal(db_migrate(&applied, pg), 0);
    if (db_pg_exec_script(pg, RECOVER_FIXTURE) < 0)
        fail_msg("fixture: %s", db_pg_last_error(pg));
    assert_int_equal(
        db_pg_query_value(&alice, pg, "SELECT id FROM users WHERE username = 'alice'", 0, NULL), 0);
    alice_id = strtoll(alice, NULL, 10);
    gv_free(alice);

    /* Partly queued already: 3 is being judged, 1 waits. */
    push(f->q, 3, 1, alice_id);
    held = take(f->q, "w-busy");
    push(f->q, 1, 0, alice_id);
    assert_int_equal(db_queue_recover(&requeued, f->q, pg), 0);
    assert_int_equal(requeued, 3);
    assert_int_equal(db_queue_recover(&requeued, f->q, pg), 0);
    assert_int_equal(requeued, 0);
    assert_int_equal(db_queue_ack(f->q, &held), 0);

    /* Redis lost everything of ours. */
    assert_int_equal(db_queue_flush(f->q), 0);
    expect_empty(f->q);
    assert_int_equal(db_queue_recover(&requeued, f->q, pg), 0);
    assert_int_equal(requeued, 5);
    take_all_unjudged(f->q, alice_id);

    db_pg_close(pg);
    itest_db_drop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(priority_order_across_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(flooding_user_does_not_starve_others, setup, teardown),
        cmocka_unit_test_setup_teardown(lowest_level_is_not_starved, setup, teardown),
        cmocka_unit_test_setup_teardown(max_wait_ages_an_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(a_submission_is_queued_once, setup, teardown),
        cmocka_unit_test_setup_teardown(dead_worker_job_is_reclaimed, setup, teardown),
        cmocka_unit_test_setup_teardown(released_job_is_taken_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(sigkilled_worker_job_is_taken_again, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_takers_never_share_a_job, setup, teardown),
        cmocka_unit_test_setup_teardown(a_push_wakes_a_blocked_taker, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(recover_requeues_exactly_the_unjudged, setup, teardown),
    };

    redis_url = getenv("GAVEL_REDIS_URL");
    if (!redis_url || !*redis_url || !getenv("GAVEL_PG_URL")) {
        fprintf(stderr, "test_db_queue: GAVEL_REDIS_URL or GAVEL_PG_URL unset; run through "
                        "scripts/test\n");
        return ITEST_SKIP;
    }
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
