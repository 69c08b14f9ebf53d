/* SPDX-License-Identifier: MIT
 * judge_main.c - gavel-judge, the judging worker.
 *
 * One process, one judging at a time, in a pool of two warm sandbox slots
 * (the program's and the validator's). Run one per core, on any number of
 * hosts: workers share nothing but PostgreSQL and Redis.
 *
 * The loop: keep both stores connected (backoff), take the next job from
 * the queue (which first hands out entries of dead workers), judge it (jdg_worker_judge: result in
 * one transaction, then Pub/Sub and event streams), and only then acknowledge it. A worker killed
 * at any point leaves its entry pending; the next taker reclaims it after the idle timeout, and the
 * judging tables make sure the verdict is written once. Every RECOVER_MS, and at once on every new
 * Redis connection, the worker also re-queues unjudged submissions Redis no longer knows (a Redis
 * restart or a Sentinel failover loses nothing).
 *
 * Beside the loop, the keeper thread (its own Redis connection) keeps the
 * heartbeat key that says what the worker is judging (db_ops.h,
 * docs/JUDGING.md) and the queue entry of that submission fresh, whatever
 * the loop is doing. They used to be refreshed between tests only: one
 * compile (up to 30 s) or one long test refreshed nothing, so with a
 * reclaim timeout shorter than that a second worker took a live worker's
 * job, the two passed it back and forth, and after MAX_DELIVERIES it was
 * given up as JE (seen on a loaded host with a 2 s timeout).
 *
 * With GAVEL_JUDGE_METRICS_PORT set, a third thread answers GET /metrics
 * (judge_metrics.c) from counters the loop bumps (jdg_metrics.h); the loop
 * also refreshes the queue's depth there, at most every STATS_MS. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cst.h"
#include "db.h"
#include "db_link.h"
#include "db_ops.h"
#include "db_queue.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "jdg_metrics.h"
#include "jdg_worker.h"
#include "judge_metrics.h"
#include "banned.h"

/* A heartbeat outlives three missed beats (DB_JUDGE_BEAT_TTL_S), so a busy
 * worker is never mistaken for a dead one, and a dead one drops out soon. */
#define HEARTBEAT_MS 5000
#define RECOVER_MS 30000
/* A job that failed this often (it keeps crashing workers or the sandbox)
 * gets a JE verdict for a human to look at instead of a fourth try. */
#define MAX_DELIVERIES 3
/* How stale the queue gauges of GET /metrics may be: a scrape interval is
 * 15 s or more, and each refresh costs the shared Redis a few commands. */
#define STATS_MS 1000

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    stopping = 1;
}

struct keeper {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;        /* on CLOCK_MONOTONIC */
    bool linked, started, stop; /* linked: redis, mu and wake are set up */
    /* Under mu: what the loop holds now (submission_id 0: nothing). */
    struct db_queue_job job;
    struct db_judge_beat beat;
    /* The keeper's own. */
    int64_t period_ms;
    struct db_queue_opts queue_opts;
    struct db_link redis;
    struct db_queue *queue;
};

struct judge {
    struct db_link pg, redis;
    struct db_queue *queue; /* on the redis link's connection */
    struct jdg_worker *worker;
    struct db_queue_job job; /* the job being judged, for touch */
    int64_t next_recover, reclaim_ms, next_stats;
    struct keeper keeper;
    struct db_judge_beat beat; /* its id, "host:pid", names the worker everywhere */
};

/* Keeps both stores connected; returns 1 when both are usable. */
static int judge_connect(struct judge *j)
{
    /* A round trip, not only a look at the socket: the PostgreSQL
     * connection idles between jobs, and a peer that vanished without
     * closing it shows only on I/O. */
    db_link_ping(&j->pg);
    db_link_ping(&j->redis);
    db_link_connect(&j->pg);
    switch (db_link_connect(&j->redis)) {
    case 0:
        break;
    case 1:
        /* A new connection may be to a new master (a Sentinel failover)
         * or a restarted Redis, either of which may have lost queue
         * entries: sweep at once rather than within RECOVER_MS. */
        j->next_recover = 0;
        /* fall through */
    default:
        db_queue_close(j->queue); /* made on a connection that is gone */
        j->queue = NULL;
    }
    if (db_link_redis(&j->redis) && !j->queue) {
        /* The same prefix as the servers that push (tests and shared Redis
         * deployments set their own). */
        struct db_queue_opts o = {.reclaim_idle_ms = j->reclaim_ms,
                                  .prefix = gv_config_get("GAVEL_QUEUE_PREFIX", NULL)};
        char why[300];

        if (db_queue_open(&j->queue, db_link_redis(&j->redis), &o) < 0) {
            snprintf(why, sizeof(why), "cannot open the queue: %s",
                     db_redis_last_error(db_link_redis(&j->redis)));
            db_link_fail(&j->redis, why);
        }
    }
    if (j->worker)
        jdg_worker_set_stores(j->worker, db_link_pg(&j->pg), db_link_redis(&j->redis));
    return db_link_pg(&j->pg) && j->queue;
}

/* One round of the keeper: connected, the entry touched, the beat written. */
static void keeper_round(struct keeper *k, const struct db_queue_job *job,
                         struct db_judge_beat *beat)
{
    if (db_link_connect(&k->redis) != 0) {
        db_queue_close(k->queue); /* made on a connection that is gone */
        k->queue = NULL;
    }
    if (!db_link_redis(&k->redis))
        return;
    if (!k->queue && db_queue_open(&k->queue, db_link_redis(&k->redis), &k->queue_opts) < 0) {
        db_link_fail(&k->redis, "cannot open the queue");
        return;
    }
    /* Resets the entry's idle time, so nobody reclaims a job we judge. */
    if (job->submission_id)
        (void)db_queue_touch(k->queue, beat->id, job);
    beat->beat_at_ms = gv_time_real_ms();
    if (db_judge_beat_write(db_link_redis(&k->redis), beat) < 0)
        gv_log(GV_LOG_WARN, "judge", "cannot write heartbeat of '%s'", beat->id);
}

static void *keeper_main(void *arg)
{
    struct keeper *k = arg;

    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        struct db_queue_job job = k->job;
        struct db_judge_beat beat = k->beat;
        struct timespec until;

        pthread_mutex_unlock(&k->mu);
        keeper_round(k, &job, &beat);
        pthread_mutex_lock(&k->mu);
        if (k->stop)
            break;
        gv_time_mono_deadline(&until, k->period_ms);
        (void)pthread_cond_timedwait(&k->wake, &k->mu, &until);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

static int keeper_start(struct keeper *k, const struct db_judge_beat *beat, int64_t reclaim_ms)
{
    pthread_condattr_t ca;
    int err;

    k->beat = *beat;
    /* Well inside the reclaim timeout, however short it is configured. */
    k->period_ms = reclaim_ms / 3 < HEARTBEAT_MS ? reclaim_ms / 3 : HEARTBEAT_MS;
    k->queue_opts = (struct db_queue_opts){.reclaim_idle_ms = reclaim_ms,
                                           .prefix = gv_config_get("GAVEL_QUEUE_PREFIX", NULL)};
    db_link_init(&k->redis, DB_LINK_REDIS, db_redis_url(), 1000, "keeper");
    k->linked = true;
    pthread_mutex_init(&k->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->wake, &ca);
    pthread_condattr_destroy(&ca);
    err = pthread_create(&k->thread, NULL, keeper_main, k);
    k->started = err == 0;
    return err ? -err : 0;
}

/* What the loop holds now (NULL: nothing); the keeper beats at once, so an
 * operator sees a judging start and end as they happen. */
static void keeper_hold(struct keeper *k, const struct db_queue_job *job)
{
    pthread_mutex_lock(&k->mu);
    if (job) {
        k->job = *job;
        k->beat.submission_id = job->submission_id;
        k->beat.judging_since_ms = gv_time_real_ms();
    } else {
        memset(&k->job, 0, sizeof(k->job));
        k->beat.submission_id = 0;
        k->beat.judging_since_ms = 0;
    }
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->mu);
}

static void keeper_stop(struct keeper *k)
{
    /* A start that failed earlier (the sandbox check, say) set up nothing. */
    if (!k->linked)
        return;
    if (k->started) {
        pthread_mutex_lock(&k->mu);
        k->stop = true;
        pthread_cond_signal(&k->wake);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->thread, NULL);
        k->started = false;
    }
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->mu);
    /* Joined first: no beat can follow the delete. */
    if (db_link_redis(&k->redis))
        (void)db_judge_beat_delete(db_link_redis(&k->redis), k->beat.id);
    db_queue_close(k->queue);
    k->queue = NULL;
    db_link_release(&k->redis);
    k->linked = false;
}

static void judge_one(struct judge *j)
{
    struct db_queue_job *job = &j->job;
    bool give_up = job->deliveries > MAX_DELIVERIES;
    int err;

    keeper_hold(&j->keeper, job);
    err = jdg_worker_judge(j->worker, job->submission_id, job->level == CST_PRIO_REJUDGE, give_up,
                           NULL, NULL);
    /* Before the ack: a touch after it would find no entry (harmless) or,
     * worse, one pushed again meanwhile. */
    keeper_hold(&j->keeper, NULL);
    if (err == 0 || err == GV_ENOTFOUND) {
        if (err == GV_ENOTFOUND)
            gv_log(GV_LOG_WARN, "judge", "submission %lld does not exist; dropping its entry",
                   (long long)job->submission_id);
        err = j->queue ? db_queue_ack(j->queue, job) : GV_EUNAVAIL;
        if (err < 0 && err != GV_ENOTFOUND)
            gv_log(GV_LOG_WARN, "judge", "cannot acknowledge submission %lld: %s",
                   (long long)job->submission_id, gv_strerror(err));
    } else if (err == GV_EGIVEUP) {
        /* Judged again at once, by whichever worker takes next (this one,
         * with its fresh slot, or another); the delivery count still
         * bounds the retries before a JE. */
        int e = j->queue ? db_queue_release(j->queue, j->beat.id, job) : GV_EUNAVAIL;
        gv_log(GV_LOG_WARN, "judge", "submission %lld put back on the queue (delivery %lld)%s%s",
               (long long)job->submission_id, (long long)job->deliveries,
               e < 0 ? ": cannot release it, it is reclaimed after the idle timeout: " : "",
               e < 0 ? gv_strerror(e) : "");
    } else if (err != GV_EEXIST) {
        /* Left pending: reclaimed after the idle timeout, by us or by
         * another worker, and given up on after MAX_DELIVERIES. */
        gv_log(GV_LOG_ERROR, "judge", "submission %lld left pending (delivery %lld): %s",
               (long long)job->submission_id, (long long)job->deliveries, gv_strerror(err));
    }
    memset(job, 0, sizeof(*job));
}

/* The queue gauges of GET /metrics (only while someone can scrape them). */
static void judge_stats(struct judge *j)
{
    struct db_queue_stats st;

    if (db_queue_stats(&st, j->queue) < 0)
        return; /* the gauges keep their last values; the next take reports the outage */
    for (int i = 0; i < CST_PRIO_LEVELS && i < DB_QUEUE_LEVELS; i++) {
        atomic_store_explicit(&jdg_metrics.queue_waiting[i], st.waiting[i], memory_order_relaxed);
        atomic_store_explicit(&jdg_metrics.queue_pending[i], st.pending[i], memory_order_relaxed);
    }
    atomic_store_explicit(&jdg_metrics.queue_known, true, memory_order_relaxed);
}

/* GAVEL_JUDGE_METRICS_PORT: off when unset or empty. 1 when not asked for,
 * 0 when serving, < 0 on a bad setting or a failed bind (logged). */
static int metrics_start(struct judge_metrics **out)
{
    const char *port_s = gv_config_get("GAVEL_JUDGE_METRICS_PORT", NULL);
    const char *addr = gv_config_get("GAVEL_JUDGE_METRICS_ADDR", "127.0.0.1");
    long port;
    int err;

    if (!port_s || !*port_s)
        return 1;
    err = gv_config_get_long(&port, "GAVEL_JUDGE_METRICS_PORT", 0, 1, 65535);
    if (err < 0)
        return err;
    err = judge_metrics_start(out, addr, (int)port);
    if (err < 0)
        gv_log(GV_LOG_ERROR, "judge",
               "cannot serve metrics on '%s' port %ld: %s (see GAVEL_JUDGE_METRICS_ADDR, "
               "GAVEL_JUDGE_METRICS_PORT)",
               addr, port, gv_strerror(err));
    return err;
}

static void judge_recover(struct judge *j)
{
    size_t n = 0;
    int err = db_queue_recover(&n, j->queue, db_link_pg(&j->pg));

    if (err < 0)
        gv_log(GV_LOG_WARN, "judge", "cannot recover the queue: %s", gv_strerror(err));
    else if (n)
        gv_log(GV_LOG_INFO, "judge", "re-queued %zu unjudged submissions", n);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_signal};
    struct judge j = {0};
    struct sbx_pool *pool = NULL;
    struct judge_metrics *metrics = NULL;
    struct jdg_slots slots;
    char host[256] = "unknown", msg[512];
    const char *cache;
    int rc = 1, err;

    gv_log_init("gavel-judge");
    if (argc > 1) {
        fprintf(stderr, "usage: gavel-judge (settings: GAVEL_PG_URL, GAVEL_REDIS_URL, "
                        "GAVEL_JUDGE_CACHE, GAVEL_JUDGE_RECLAIM_MS, GAVEL_JUDGE_METRICS_PORT, "
                        "GAVEL_JUDGE_METRICS_ADDR, GAVEL_CONFIG)\n");
        return 2;
    }
    if (gv_config_load() < 0)
        return 1;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    gethostname(host, sizeof(host) - 1);
    snprintf(j.beat.id, sizeof(j.beat.id), "%s:%d", host, (int)getpid());
    snprintf(j.beat.host, sizeof(j.beat.host), "%s", host);
    j.beat.pid = getpid();
    j.beat.started_at_ms = gv_time_real_ms();
    {
        long ms = 0;
        if (gv_config_get_long(&ms, "GAVEL_JUDGE_RECLAIM_MS", DB_QUEUE_RECLAIM_IDLE_MS_DEFAULT,
                               1000, 24L * 3600 * 1000) < 0)
            return 2;
        j.reclaim_ms = ms;
    }
    if (db_redis_check_settings() < 0)
        return 2;
    cache = gv_config_get("GAVEL_JUDGE_CACHE", "/var/cache/gavel-judge");
    /* Before anything that needs cleaning up: a bad setting or a port in
     * use ends the process at once. */
    if (metrics_start(&metrics) < 0)
        return 1;
    db_link_init(&j.pg, DB_LINK_PG, db_pg_url(), 2000, "judge");
    db_link_init(&j.redis, DB_LINK_REDIS, db_redis_url(), 1000, "judge");
    gv_log(GV_LOG_INFO, "judge", "worker '%s' starting", j.beat.id);

    if (sbx_check_host(msg, sizeof(msg)) < 0) {
        gv_log(GV_LOG_ERROR, "judge", "the sandbox cannot work here: %s", msg);
        goto out;
    }
    err = sbx_pool_new(&pool, 2);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "judge", "cannot start the sandbox pool: %s", gv_strerror(err));
        goto out;
    }
    slots.run = sbx_pool_acquire(pool);
    slots.check = sbx_pool_acquire(pool);
    err = jdg_worker_new(&j.worker, NULL, NULL, &slots, cache, j.beat.id);
    if (err < 0)
        goto out;
    err = keeper_start(&j.keeper, &j.beat, j.reclaim_ms);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "judge", "cannot start the keeper thread: %s", gv_strerror(err));
        goto out;
    }

    while (!stopping) {
        int64_t now = gv_time_mono_ms();

        if (!judge_connect(&j)) {
            gv_time_sleep_ms(100);
            continue;
        }
        if (now >= j.next_recover) {
            judge_recover(&j);
            j.next_recover = now + RECOVER_MS;
        }
        if (metrics && now >= j.next_stats) {
            judge_stats(&j);
            j.next_stats = now + STATS_MS;
        }
        /* A short block keeps stop signals and heartbeats prompt; a push
         * wakes the take at once, so it costs no latency. */
        err = db_queue_take(&j.job, j.queue, j.beat.id, 1000);
        if (err == 1)
            judge_one(&j);
        else if (err < 0)
            gv_log(GV_LOG_WARN, "judge", "cannot take from the queue: %s", gv_strerror(err));
    }
    rc = 0;
out:
    gv_log(GV_LOG_INFO, "judge", "worker '%s' stopping", j.beat.id);
    keeper_stop(&j.keeper);
    judge_metrics_stop(metrics);
    jdg_worker_free(j.worker);
    sbx_pool_free(pool);
    db_queue_close(j.queue);
    db_link_release(&j.pg);
    db_link_release(&j.redis);
    gv_config_release();
    return rc;
}
