/* SPDX-License-Identifier: MIT
 * db_queue.h - the judge queue: Redis Streams, one per priority level, with
 * per-user fairness inside a level and a bound on starvation across levels.
 *
 * PostgreSQL is the record; the queue only says which submission a worker
 * should judge next. Everything in it can be rebuilt from PostgreSQL
 * (db_queue_recover). The rules and their bounds are in docs/QUEUE.md.
 *
 * A handle borrows one db_redis connection and is used by one thread at a
 * time. When a call returns GV_EUNAVAIL the connection is dead: open a new
 * db_redis and a new handle on it. */
#ifndef DB_QUEUE_H
#define DB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* Levels 0..4 as in cst_priority: 0 is served first, 4 (rejudges) last. */
#define DB_QUEUE_LEVELS 5
#define DB_QUEUE_PREFIX_DEFAULT "gavel:queue"
/* The consumer group of every level's stream. */
#define DB_QUEUE_GROUP "judges"
#define DB_QUEUE_FIFO_EVERY_DEFAULT 8
#define DB_QUEUE_RECLAIM_IDLE_MS_DEFAULT 60000
/* Longest key prefix accepted (keys are prefix + ":" + a short suffix). */
#define DB_QUEUE_PREFIX_MAX 64
/* Longest consumer name accepted by db_queue_take. */
#define DB_QUEUE_CONSUMER_MAX 128

struct db_queue_opts {
    /* Key prefix; NULL or "" means DB_QUEUE_PREFIX_DEFAULT. Tests and
     * separate deployments sharing one Redis use prefixes of their own. */
    const char *prefix;
    /* k of the anti-starvation rule: every k-th dispatch serves the oldest
     * waiting entry of any level. 0 means the default; 1 makes the queue a
     * plain FIFO. */
    unsigned fifo_every;
    /* Optional aging: while the oldest waiting entry has waited at least
     * this long, every dispatch serves the oldest entry. 0 disables it. */
    int64_t max_wait_ms;
    /* A taken entry not acknowledged (nor touched) for this long belongs to
     * a dead worker and is handed to the next taker. 0 means the default;
     * negative disables reclaiming in db_queue_take. */
    int64_t reclaim_idle_ms;
};

struct db_queue;

/* Creates the handle and, idempotently, each level's stream and consumer
 * group (XGROUP CREATE ... MKSTREAM; an existing group is kept). `opts` may
 * be NULL for the defaults. GV_EINVAL for a bad prefix. */
int db_queue_open(struct db_queue **out, struct db_redis *r, const struct db_queue_opts *opts);
void db_queue_close(struct db_queue *q);

/* Makes a submission available to workers. The caller has already
 * committed it to PostgreSQL. A submission id the queue already knows
 * (waiting or taken and not yet acknowledged) is not queued twice: *queued
 * (optional) says whether this call added it. GV_EINVAL for a level outside
 * 0..DB_QUEUE_LEVELS-1 or a non-positive id. */
int db_queue_push(bool *queued, struct db_queue *q, int64_t submission_id, int level,
                  int64_t user_id);

struct db_queue_job {
    int64_t submission_id;
    int64_t user_id;
    int level;
    /* How many times this entry has been handed out: 1 the first time,
     * more after reclaims. A worker gives up (verdict JE, then ack) on a
     * job delivered too often: it probably kills its worker. */
    int64_t deliveries;
    /* Milliseconds from push to this delivery (for metrics). */
    int64_t waited_ms;
    /* The stream entry; db_queue_ack and db_queue_touch need it. */
    char entry_id[48];
};

/* Hands the next job to `consumer` (unique per worker, stable across its
 * restarts, e.g. host:slot). First an entry of a dead worker idle for
 * reclaim_idle_ms or longer (highest level first); else the next waiting
 * entry by the fairness rules. The entry is in `consumer`'s pending list
 * from that moment until db_queue_ack. Waits up to `block_ms` for work
 * (0: do not wait) without polling: a push wakes one waiting taker.
 * Returns 1 with *job filled, 0 when no job came within block_ms, or a
 * negative code. */
int db_queue_take(struct db_queue_job *job, struct db_queue *q, const char *consumer, int block_ms);

/* Only the reclaim half of db_queue_take, with an explicit idle threshold:
 * 1 with *job filled, 0 when no entry has been idle that long. */
int db_queue_reclaim(struct db_queue_job *job, struct db_queue *q, const char *consumer,
                     int64_t min_idle_ms);

/* Done with a job: acknowledges and deletes the entry and forgets the
 * submission id, so a later push (a rejudge) queues it again. Call only
 * after the result is durably written. GV_ENOTFOUND when the entry was no
 * longer pending (another worker reclaimed and acknowledged it). */
int db_queue_ack(struct db_queue *q, const struct db_queue_job *job);

/* Resets the idle time of a job `consumer` still owns, for judgings longer
 * than reclaim_idle_ms. GV_ENOTFOUND when it is no longer ours. */
int db_queue_touch(struct db_queue *q, const char *consumer, const struct db_queue_job *job);

/* Gives a job `consumer` still owns back without a verdict (the sandbox
 * gave up on it: it must be judged again, by whichever worker takes next).
 * It stays pending with its delivery count, so the retries stay bounded
 * (a worker gives up after too many deliveries), but any take reclaims it
 * at once instead of after reclaim_idle_ms. GV_ENOTFOUND when it is no
 * longer ours. */
int db_queue_release(struct db_queue *q, const char *consumer, const struct db_queue_job *job);

struct db_queue_item {
    int64_t submission_id;
    int level;
    int64_t user_id;
};

/* Pushes each item the queue does not know yet, in array order (give it in
 * submission order so the rebuilt queue keeps the original order).
 * *requeued (optional) receives how many were added. */
int db_queue_requeue_missing(size_t *requeued, struct db_queue *q,
                             const struct db_queue_item *items, size_t count);

/* Rebuilds the queue from PostgreSQL after Redis lost it (restart without
 * persistence, failover, flush): every submission whose status is not
 * 'judged', at its stored priority (clamped to the last level), in id
 * order, unless the queue already knows it. Safe to run at any time and
 * from several processes. */
int db_queue_recover(size_t *requeued, struct db_queue *q, struct db_pg *pg);

struct db_queue_stats {
    int64_t waiting[DB_QUEUE_LEVELS]; /* not yet taken */
    int64_t users[DB_QUEUE_LEVELS];   /* distinct users among them */
    int64_t pending[DB_QUEUE_LEVELS]; /* taken, not yet acknowledged */
};

int db_queue_stats(struct db_queue_stats *out, struct db_queue *q);

/* Deletes every key under the handle's prefix (tests; an operator's reset
 * before db_queue_recover). The handle stays usable: the next take
 * recreates the streams and their groups. */
int db_queue_flush(struct db_queue *q);

/* The handle's key prefix (borrowed). */
const char *db_queue_prefix(const struct db_queue *q);

#endif
