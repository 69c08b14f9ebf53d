/* SPDX-License-Identifier: MIT
 * db_ops.h - what an operator watches while contests run: the judges'
 * heartbeats, the submissions still to judge, the latest judge errors
 * (gavel-server's ops.status, docs/PROTOCOL.md).
 *
 * The heartbeat is written by gavel-judge and read here; its key and value
 * are defined in this one place so that writer and reader cannot drift
 * apart. Key "gavel:judge:<host>:<pid>", expiring DB_JUDGE_BEAT_TTL_S after
 * the last beat; value a small JSON object (docs/JUDGING.md, "Heartbeat"):
 *
 *     {"host":"j1","pid":4242,"started_at":1764100000000,"beat_at":1764100004000,
 *      "submission":42,"judging_since":1764100003500}
 *
 * Times are Unix ms; "submission" and "judging_since" are null while the
 * worker waits for work. A value that is a bare number is an older
 * worker's: its beat time alone, host and pid then come from the key. */
#ifndef GV_DB_OPS_H
#define GV_DB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define DB_JUDGE_BEAT_PREFIX "gavel:judge:"
/* Three missed beats (gavel-judge beats every 5 s): a busy worker is never
 * taken for a dead one, and a dead one is gone within 15 s. */
#define DB_JUDGE_BEAT_TTL_S 15
/* A judge's id, "<host>:<pid>": its key's suffix and its queue consumer. */
#define DB_JUDGE_ID_MAX 300
/* Room for any value db_judge_beat_format writes. */
#define DB_JUDGE_BEAT_TEXT_MAX 1024

struct db_judge_beat {
    char id[DB_JUDGE_ID_MAX];
    char host[256];
    int64_t pid;
    int64_t started_at_ms;    /* the worker's start; 0 when not said (an older worker) */
    int64_t beat_at_ms;       /* when the value was written */
    int64_t submission_id;    /* the submission being judged; 0: waiting for work */
    int64_t judging_since_ms; /* when it took that submission; 0 when waiting */
};

/* The value of `b` as JSON text into `buf`. GV_ETOOBIG when it does not
 * fit (DB_JUDGE_BEAT_TEXT_MAX always does), -ENOMEM. */
int db_judge_beat_format(char *buf, size_t len, const struct db_judge_beat *b);
/* Reads the value `text` of judge `id` (either form). GV_EPARSE. */
int db_judge_beat_parse(struct db_judge_beat *out, const char *id, const char *text);

/* Writes `b`'s heartbeat (b->id names the key) with its expiry. */
int db_judge_beat_write(struct db_redis *r, const struct db_judge_beat *b);
/* Removes judge `id`'s heartbeat: a clean stop need not wait for expiry. */
int db_judge_beat_delete(struct db_redis *r, const char *id);

/* The live heartbeats, by id, at most `max` of them, into a gv_malloc'd
 * array (NULL when none). Finding the keys takes a SCAN of the whole
 * keyspace in steps of 1000 keys, then one MGET: fine for an operator's
 * request, not for a hot path. A key that expires meanwhile or holds
 * something unreadable is left out. */
int db_judge_beats(struct db_judge_beat **out, size_t *count, struct db_redis *r, size_t max);

/* The submissions not judged yet, as JSON text (gv_malloc'd):
 *
 *     {"queued":3,"compiling":0,"running":1,"rejudging":0,"levels":[1,0,0,3,0],
 *      "oldest":{"submission_id":42,"status":"queued","created_at":1764100000000,
 *                "age_ms":5300}}
 *
 * `levels` counts them by queue level (their priority, the last level
 * holding every higher one, as db_queue_recover queues them); `rejudging`
 * the judged ones whose rejudge has not finished; `oldest` (null when none)
 * is the unjudged submission with the smallest id, its age at `now_ms`. */
int db_ops_unjudged(char **json, struct db_pg *pg, int64_t now_ms);

/* The `limit` latest JE verdicts, newest first, as a JSON array (text,
 * gv_malloc'd) of {"submission_id","problem","contest_id","user_id",
 * "username","judged_at","judge_host"}; judge_host is the worker of the
 * valid judging ("host:pid"), null when none. */
int db_ops_judge_errors(char **json, struct db_pg *pg, int limit);

#endif
