/* SPDX-License-Identifier: MIT
 * srv_jobs.h - the job threads: where requests meet PostgreSQL and Redis.
 *
 * The lws service thread must never block on a store, so every request
 * that needs one becomes a job. A small pool of threads (GAVEL_SERVER_DB_THREADS,
 * default 2), each with its own PostgreSQL and Redis connections, runs jobs
 * in submission order; a finished job goes onto a completion list and the
 * loop is woken with lws_cancel_service(), which makes lws call every
 * protocol with LWS_CALLBACK_EVENT_WAIT_CANCELLED; there the loop takes the
 * list with srv_jobs_drain().
 *
 * A thread (re)connects a store lazily, when a job asks for it, and after a
 * failed attempt waits a jittered backoff (100 ms doubling to 5 s) before
 * the next: meanwhile jobs get NULL at once and answer `unavailable`, so a
 * store that is down costs each request microseconds, not a connect timeout.
 * A job that saw GV_EUNAVAIL reports it (srv_jobs_lost) and the connection
 * is reopened on next use. */
#ifndef SRV_JOBS_H
#define SRV_JOBS_H

#include <stdint.h>

struct lws_context;
struct db_pg;
struct db_redis;
struct db_queue;
struct srv_jobs;

/* A job thread's view of its stores (see srv_jobs_pg & co). */
struct srv_job_env;

struct srv_job {
    struct srv_job *next; /* the pool's lists */
    uint64_t conn_id;     /* whom the result goes to */
    /* On a job thread. */
    void (*run)(struct srv_job *job, struct srv_job_env *env);
    /* Frees the job (the loop after handling it; srv_jobs_stop for jobs
     * still queued or undrained). */
    void (*free)(struct srv_job *job);
};

/* The most jobs waiting to run; srv_jobs_submit refuses more. */
#define SRV_JOBS_BACKLOG_MAX 4096

/* Starts `nthreads` threads (1..16). URLs and prefix are copied. */
int srv_jobs_start(struct srv_jobs **out, unsigned nthreads, const char *pg_url,
                   const char *redis_url, const char *queue_prefix, struct lws_context *ctx);

/* Queues `job` (the pool owns it until drained). GV_ETOOBIG when the
 * backlog is full: the caller still owns the job. */
int srv_jobs_submit(struct srv_jobs *j, struct srv_job *job);

/* How many jobs wait for a thread now (GET /metrics). */
unsigned srv_jobs_queued(struct srv_jobs *j);

/* Loop thread: the finished jobs, in completion order, or NULL. */
struct srv_job *srv_jobs_drain(struct srv_jobs *j);

/* Stops and joins the threads (each finishes its current job), frees every
 * job still held and `j`. NULL is a no-op. */
void srv_jobs_stop(struct srv_jobs *j);

/* On a job thread: the connection, (re)opened if needed, or NULL while the
 * store is down (srv_jobs_why says why). */
struct db_pg *srv_jobs_pg(struct srv_job_env *env);
struct db_redis *srv_jobs_redis(struct srv_job_env *env);
/* A queue handle on srv_jobs_redis' connection, or NULL. */
struct db_queue *srv_jobs_queue(struct srv_job_env *env);
/* Why the last srv_jobs_pg/srv_jobs_redis returned NULL. */
const char *srv_jobs_why(struct srv_job_env *env);
/* A call returned `err`; GV_EUNAVAIL closes the store it came from
 * (`redis` true: Redis) so the next use reconnects. */
void srv_jobs_lost(struct srv_job_env *env, int err, int redis);

#endif
