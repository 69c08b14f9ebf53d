/* SPDX-License-Identifier: MIT
 * jdg_worker.h - judging a stored submission: the part of gavel-judge
 * between taking a queue entry and acknowledging it.
 *
 * jdg_worker_judge() loads the submission and its problem version from
 * PostgreSQL, fetches test files through an on-disk cache keyed by
 * SHA-256 (a test file crosses the network once per worker host), judges
 * with jdg_judge(), writes the result in one transaction (db_judging_*),
 * and then publishes progress and the verdict on Redis. Only after it
 * returns 0 may the caller acknowledge the queue entry. */
#ifndef GV_JDG_WORKER_H
#define GV_JDG_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "jdg.h"

struct jdg_worker;

/* `cache_dir` is created when missing. The worker borrows pg, redis and
 * the slots; they must outlive it. `redis` may be NULL (offline tests). */
int jdg_worker_new(struct jdg_worker **out, struct db_pg *pg, struct db_redis *redis,
                   const struct jdg_slots *slots, const char *cache_dir, const char *host_id);
void jdg_worker_free(struct jdg_worker *w);

/* Swaps in new connections after a reconnect. */
void jdg_worker_set_stores(struct jdg_worker *w, struct db_pg *pg, struct db_redis *redis);

/* Called between tests so a long judging can keep its queue entry
 * claimed; may be NULL. */
typedef void jdg_worker_tick_fn(void *ctx);

/* Judges submission `id` (again when `rejudge`). Returns 0 when the
 * submission has its verdict (written now, or already there: a duplicate
 * delivery): acknowledge the entry. GV_EEXIST when another worker took the
 * submission over meanwhile (this one was too slow and its entry was
 * reclaimed): do NOT acknowledge, the other worker will, and if it dies
 * the entry is reclaimed again. GV_ENOTFOUND when it does not exist; GV_EGIVEUP
 * when a sandbox slot never answered (it was replaced): put the entry back
 * on the queue (db_queue_release) to be judged again; any
 * other negative code when the stores or the sandbox failed and the entry
 * must stay pending. `give_up` writes a JE verdict without judging (a job that keeps
 * killing workers). */
int jdg_worker_judge(struct jdg_worker *w, int64_t id, bool rejudge, bool give_up,
                     jdg_worker_tick_fn *tick, void *tick_ctx);

/* The path of blob `sha256` in the cache, fetching it once. */
int jdg_worker_blob_path(struct jdg_worker *w, char *path, size_t path_len, const char *sha256);

#endif
