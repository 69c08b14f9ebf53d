/* SPDX-License-Identifier: MIT
 * srv_clock.c - the contests' timers (srv_clock.h).
 *
 * The thread sleeps on a condition variable (CLOCK_MONOTONIC) so that
 * stopping never waits a whole tick. A claim lost to another process is
 * the normal case with several servers and costs one UPDATE that changes
 * nothing. An event logged but not published (Redis down at that moment)
 * is still in the log: clients get it with their next snapshot, and the
 * CLICS feed reads the log. */
#include "srv_clock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "cst.h"
#include "cst_event.h"
#include "db.h"
#include "db_contest_admin.h"
#include "db_event.h"
#include "db_link.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

/* Announcements arrive within a second of their time: a tick this often
 * keeps them well inside it, and costs one indexed query. */
#define TICK_MS 250
#define CONNECT_TIMEOUT_MS 2000

struct srv_clock {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    bool stopping;       /* under lock */
    char *pg_url, *redis_url;
    /* Thread only. */
    struct db_link pg, redis;
};

/* Sleeps up to `ms` unless stopped; true when stopping. */
static bool wait_or_stop(struct srv_clock *c, int64_t ms)
{
    struct timespec ts;
    bool stop;

    gv_time_mono_deadline(&ts, ms);
    pthread_mutex_lock(&c->lock);
    if (!c->stopping)
        pthread_cond_timedwait(&c->wake, &c->lock, &ts);
    stop = c->stopping;
    pthread_mutex_unlock(&c->lock);
    return stop;
}

/* Announces every change now due of one contest, in order. */
static int announce_due(struct srv_clock *c, const struct db_phase_pending *p, int64_t now)
{
    enum cst_phase announced = p->announced, next;
    int64_t at;
    int err = 0;

    while (err == 0 && cst_phase_due(&next, &at, &p->schedule, announced, now)) {
        struct cst_event ev;

        err = db_contest_phase_claim(&ev, db_link_pg(&c->pg), p->contest_id, announced, next, at);
        if (err == GV_EEXIST)
            return 0; /* another server won this one; it goes on from there */
        if (err < 0)
            return err;
        gv_log(GV_LOG_INFO, "clock", "contest %" PRId64 " is %s (event %" PRId64 ")",
               p->contest_id, cst_phase_name(next), ev.seq);
        if (db_link_connect(&c->redis) >= 0 &&
            db_event_publish(NULL, db_link_redis(&c->redis), &ev) == GV_EUNAVAIL)
            db_link_lost(&c->redis, NULL);
        cst_event_release(&ev);
        announced = next;
    }
    return err;
}

/* One look at every contest with a change to come. */
static int tick(struct srv_clock *c)
{
    struct db_phase_pending *pending = NULL;
    size_t n = 0;
    int64_t now = gv_time_real_ms();
    int err = db_contest_phases_pending(&pending, &n, db_link_pg(&c->pg));

    for (size_t i = 0; err == 0 && i < n; i++)
        err = announce_due(c, &pending[i], now);
    gv_free(pending);
    return err;
}

static void *clock_main(void *arg)
{
    struct srv_clock *c = arg;

    for (;;) {
        int err = db_link_connect(&c->pg);

        if (err >= 0) {
            err = tick(c);
            if (err == GV_EUNAVAIL)
                db_link_lost(&c->pg, NULL);
            else if (err < 0)
                gv_log(GV_LOG_WARN, "clock", "tick failed: %s", gv_strerror(err));
        }
        if (wait_or_stop(c, err < 0 && err != GV_EUNAVAIL ? db_link_retry_in_ms(&c->pg) + TICK_MS
                                                          : TICK_MS))
            break;
    }
    return NULL;
}

int srv_clock_start(struct srv_clock **out, const char *pg_url, const char *redis_url)
{
    struct srv_clock *c;
    pthread_condattr_t ca;
    int err;

    *out = NULL;
    c = gv_calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->pg_url = gv_strdup(pg_url);
    c->redis_url = gv_strdup(redis_url);
    if (!c->pg_url || !c->redis_url) {
        err = -ENOMEM;
        goto fail;
    }
    db_link_init(&c->pg, DB_LINK_PG, c->pg_url, CONNECT_TIMEOUT_MS, "clock");
    db_link_init(&c->redis, DB_LINK_REDIS, c->redis_url, CONNECT_TIMEOUT_MS, "clock");
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    {
        /* SIGINT and SIGTERM belong to the service thread, whose handler
         * wakes lws (srv_health.c does the same). */
        sigset_t all, old;

        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        err = pthread_create(&c->thread, NULL, clock_main, c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (err) {
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        err = -err;
        goto fail;
    }
    *out = c;
    return 0;
fail:
    gv_free(c->pg_url);
    gv_free(c->redis_url);
    gv_free(c);
    return err;
}

void srv_clock_stop(struct srv_clock *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    db_link_release(&c->pg);
    db_link_release(&c->redis);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    gv_free(c->pg_url);
    gv_free(c->redis_url);
    gv_free(c);
}
