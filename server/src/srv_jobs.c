/* SPDX-License-Identifier: MIT
 * srv_jobs.c - the job thread pool (see srv_jobs.h). */
#include "srv_jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

#include "db.h"
#include "db_link.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define JOBS_THREADS_MAX 16
#define CONNECT_TIMEOUT_MS 2000

struct srv_job_env {
    struct srv_jobs *pool;
    struct db_link pg, redis;
    struct db_queue *queue; /* on the redis link's connection */
    char why[256];
};

struct srv_jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct srv_job *todo_head, *todo_tail;
    unsigned todo_count;
    struct srv_job *done_head, *done_tail;
    bool stop;
    struct lws_context *ctx;
    char *pg_url, *redis_url, *queue_prefix;
    unsigned nthreads, started;
    pthread_t threads[JOBS_THREADS_MAX];
    struct srv_job_env envs[JOBS_THREADS_MAX];
};

/* db_link_connect checks an idle connection before the job uses it: one
 * the server closed while this thread waited (a restart) is replaced
 * first, rather than failing the job. */
struct db_pg *srv_jobs_pg(struct srv_job_env *env)
{
    if (db_link_connect(&env->pg) < 0) {
        snprintf(env->why, sizeof(env->why), "the database is unavailable; retry shortly");
        return NULL;
    }
    return db_link_pg(&env->pg);
}

struct db_redis *srv_jobs_redis(struct srv_job_env *env)
{
    int err = db_link_connect(&env->redis);

    if (err != 0) {
        db_queue_close(env->queue); /* made on a connection that is gone */
        env->queue = NULL;
    }
    if (err < 0) {
        snprintf(env->why, sizeof(env->why), "redis is unavailable; retry shortly");
        return NULL;
    }
    return db_link_redis(&env->redis);
}

struct db_queue *srv_jobs_queue(struct srv_job_env *env)
{
    struct db_queue_opts opts = {.prefix = env->pool->queue_prefix};
    struct db_redis *r;
    int err;

    r = srv_jobs_redis(env); /* first: it drops a queue whose connection died */
    if (!r)
        return NULL;
    if (env->queue)
        return env->queue;
    err = db_queue_open(&env->queue, r, &opts);
    if (err < 0) {
        srv_jobs_lost(env, err, 1);
        snprintf(env->why, sizeof(env->why), "the judge queue is unavailable; retry shortly");
        return NULL;
    }
    return env->queue;
}

const char *srv_jobs_why(struct srv_job_env *env)
{
    return env->why;
}

/* db_link_lost, not db_link_fail: no backoff after a connection that
 * worked and broke, so the next job reconnects at once (db_link.h says
 * why). */
void srv_jobs_lost(struct srv_job_env *env, int err, int redis)
{
    if (err != GV_EUNAVAIL)
        return;
    if (redis) {
        db_queue_close(env->queue);
        env->queue = NULL;
        db_link_lost(&env->redis, NULL);
    } else {
        db_link_lost(&env->pg, NULL);
    }
}

static void *worker(void *arg)
{
    struct srv_job_env *env = arg;
    struct srv_jobs *j = env->pool;

    for (;;) {
        struct srv_job *job;

        pthread_mutex_lock(&j->lock);
        while (!j->stop && !j->todo_head)
            pthread_cond_wait(&j->wake, &j->lock);
        if (j->stop) {
            pthread_mutex_unlock(&j->lock);
            break;
        }
        job = j->todo_head;
        j->todo_head = job->next;
        if (!j->todo_head)
            j->todo_tail = NULL;
        j->todo_count--;
        pthread_mutex_unlock(&j->lock);

        job->next = NULL;
        job->run(job, env);

        pthread_mutex_lock(&j->lock);
        if (j->done_tail)
            j->done_tail->next = job;
        else
            j->done_head = job;
        j->done_tail = job;
        pthread_mutex_unlock(&j->lock);
        if (j->ctx)
            lws_cancel_service(j->ctx);
    }
    db_queue_close(env->queue);
    env->queue = NULL;
    db_link_release(&env->redis);
    db_link_release(&env->pg);
    return NULL;
}

int srv_jobs_start(struct srv_jobs **out, unsigned nthreads, const char *pg_url,
                   const char *redis_url, const char *queue_prefix, struct lws_context *ctx)
{
    struct srv_jobs *j;
    int err = 0;

    *out = NULL;
    if (nthreads < 1 || nthreads > JOBS_THREADS_MAX)
        return GV_EINVAL;
    j = gv_calloc(1, sizeof(*j));
    if (!j)
        return -ENOMEM;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    j->ctx = ctx;
    j->nthreads = nthreads;
    j->pg_url = gv_strdup(pg_url);
    j->redis_url = gv_strdup(redis_url);
    j->queue_prefix = gv_strdup(queue_prefix ? queue_prefix : "");
    if (!j->pg_url || !j->redis_url || !j->queue_prefix) {
        err = -ENOMEM;
        goto fail;
    }
    for (unsigned i = 0; i < nthreads; i++) {
        struct srv_job_env *env = &j->envs[i];

        env->pool = j;
        db_link_init(&env->pg, DB_LINK_PG, j->pg_url, CONNECT_TIMEOUT_MS, "jobs");
        db_link_init(&env->redis, DB_LINK_REDIS, j->redis_url, CONNECT_TIMEOUT_MS, "jobs");
        err = -pthread_create(&j->threads[i], NULL, worker, env);
        if (err < 0)
            goto fail;
        j->started++;
    }
    *out = j;
    return 0;
fail:
    srv_jobs_stop(j);
    return err;
}

int srv_jobs_submit(struct srv_jobs *j, struct srv_job *job)
{
    int err = 0;

    job->next = NULL;
    pthread_mutex_lock(&j->lock);
    if (j->todo_count >= SRV_JOBS_BACKLOG_MAX) {
        err = GV_ETOOBIG;
    } else {
        if (j->todo_tail)
            j->todo_tail->next = job;
        else
            j->todo_head = job;
        j->todo_tail = job;
        j->todo_count++;
        pthread_cond_signal(&j->wake);
    }
    pthread_mutex_unlock(&j->lock);
    return err;
}

unsigned srv_jobs_queued(struct srv_jobs *j)
{
    unsigned n;

    /* A scrape, not a hot path: the lock every submit takes anyway. */
    pthread_mutex_lock(&j->lock);
    n = j->todo_count;
    pthread_mutex_unlock(&j->lock);
    return n;
}

struct srv_job *srv_jobs_drain(struct srv_jobs *j)
{
    struct srv_job *list;

    pthread_mutex_lock(&j->lock);
    list = j->done_head;
    j->done_head = j->done_tail = NULL;
    pthread_mutex_unlock(&j->lock);
    return list;
}

static void free_list(struct srv_job *job)
{
    while (job) {
        struct srv_job *next = job->next;

        job->free(job);
        job = next;
    }
}

void srv_jobs_stop(struct srv_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    j->stop = true;
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
    for (unsigned i = 0; i < j->started; i++)
        pthread_join(j->threads[i], NULL);
    free_list(j->todo_head);
    free_list(j->done_head);
    pthread_cond_destroy(&j->wake);
    pthread_mutex_destroy(&j->lock);
    gv_free(j->pg_url);
    gv_free(j->redis_url);
    gv_free(j->queue_prefix);
    gv_free(j);
}
