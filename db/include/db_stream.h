/* SPDX-License-Identifier: MIT
 * db_stream.h - generic Redis Streams access: append, blocking read, range.
 *
 * Plain C views of stream entries, so callers outside db/ never see a
 * redisReply. An entry is its id and its field/value pairs, copied out of
 * the reply (NUL-terminated; values may hold any bytes, their lengths are
 * kept). Every call borrows one db_redis connection used by one thread at a
 * time; GV_EUNAVAIL means the connection is dead (open a new one), GV_EREDIS
 * an error reply (e.g. WRONGTYPE), with the reason in db_redis_last_error(). */
#ifndef DB_STREAM_H
#define DB_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* Longest stream id text we accept ("<ms>-<seq>", two 64-bit numbers). */
#define DB_STREAM_ID_MAX 42

struct db_stream_entry {
    char id[DB_STREAM_ID_MAX];
    size_t npairs;
    char **fields;      /* npairs field names, gv_malloc'd */
    char **values;      /* npairs values, gv_malloc'd, NUL-terminated */
    size_t *value_lens; /* their lengths */
};

struct db_stream_batch {
    struct db_stream_entry *entries; /* in stream order */
    size_t count;
};

void db_stream_batch_release(struct db_stream_batch *b);

/* The value of `field` in `e` (borrowed), or NULL; `len` may be NULL. */
const char *db_stream_entry_get(const struct db_stream_entry *e, const char *field, size_t *len);

/* XADD key MAXLEN ~ maxlen * field value ...: `npairs` pairs in `fv`
 * (field, value, field, value...). `maxlen` 0 means no trimming. `out_id`
 * (optional, DB_STREAM_ID_MAX bytes) receives the new entry's id. */
int db_stream_add(char *out_id, struct db_redis *r, const char *key, long maxlen, size_t npairs,
                  const char *const *fv);

/* XREAD [BLOCK block_ms] COUNT count STREAMS key after_id: entries with an
 * id greater than `after_id`. Waits up to `block_ms` (0: no wait) for the
 * first one; an empty batch when none came. */
int db_stream_read(struct db_stream_batch *out, struct db_redis *r, const char *key,
                   const char *after_id, size_t count, int block_ms);

/* XRANGE key start end COUNT count (start and end as Redis takes them:
 * "-", "+", an id, or "(" + id for exclusive). */
int db_stream_range(struct db_stream_batch *out, struct db_redis *r, const char *key,
                    const char *start, const char *end, size_t count);

/* The id of the stream's first (oldest) or last (newest) entry into `id`
 * (DB_STREAM_ID_MAX bytes); GV_ENOTFOUND when the stream is empty or does
 * not exist. */
int db_stream_first_id(char *id, struct db_redis *r, const char *key);
int db_stream_last_id(char *id, struct db_redis *r, const char *key);

/* The live stream every gavel-server reads (docs/PROTOCOL.md, "Events and
 * resume"): its key is GAVEL_LIVE_STREAM (environment or config), default
 * DB_LIVE_STREAM_DEFAULT; it is trimmed to about DB_LIVE_STREAM_MAXLEN. */
#define DB_LIVE_STREAM_DEFAULT "gavel:live"
#define DB_LIVE_STREAM_MAXLEN 100000
const char *db_stream_live_key(void);


#endif
