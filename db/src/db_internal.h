/* SPDX-License-Identifier: MIT
 * db_internal.h - shared inside db/ only. */
#ifndef DB_INTERNAL_H
#define DB_INTERNAL_H

#include <libpq-fe.h>

#include "db.h"

struct db_pg {
    PGconn *conn;
    char sqlstate[6];
};

/* Maps a failed result to GV_EUNAVAIL (connection lost) or GV_EDB, records
 * the SQLSTATE and logs the server's message. */
int db__pg_result_error(struct db_pg *pg, const PGresult *res, const char *what);

/* Runs a parameterized query that returns rows. On success *out holds the
 * result (the caller PQclears it); on failure *out is NULL and the error is
 * mapped as db__pg_result_error does, naming `what`. */
int db__pg_select(PGresult **out, struct db_pg *pg, const char *what, const char *sql, int nparams,
                  const char *const *params);

/* Ends the transaction the caller began: COMMIT when `err` is 0, else
 * ROLLBACK and `err` is returned unchanged. */
int db__pg_tx_end(struct db_pg *pg, int err);

struct db_user_info;

/* Bearer tokens (db_session.c; sessions and API tokens): 256 random bits
 * as 64 hex digits, stored as the SHA-256 (hex) of the bits. */
/* A new token into `token_hex` (65 bytes) and its stored key into `key`
 * (DB_SHA256_HEX_LEN + 1 bytes). */
int db__token_new(char *token_hex, char *key);
/* The stored key of a token. A token that is not 64 hex digits cannot
 * exist: GV_ENOTFOUND without a query. */
int db__token_key(char *key, const char *token_hex);
/* A user from row `row` of `res`, whose first columns are id, username,
 * display_name, role, tier. */
void db__user_row(struct db_user_info *out, const PGresult *res, int row);

struct db_link;

/* A store as struct db_link sees it (db_link.c has PostgreSQL's and
 * Redis'). `open` fills `errbuf` with the reason it failed. */
struct db__link_ops {
    const char *name; /* for the log: "postgres", "redis" */
    int (*open)(void **conn, const char *url, int timeout_ms, char *errbuf, size_t errlen);
    int (*ping)(void *conn);
    bool (*usable)(void *conn);
    const char *(*last_error)(void *conn);
    void (*close)(void *conn);
};

/* db_link_init with a store of the caller's: for tests. */
void db__link_init_ops(struct db_link *l, const struct db__link_ops *ops, const char *url,
                       int timeout_ms, const char *subsystem);

struct redisReply;

/* Runs one command (binary-safe when `lens` is given). On success *out is
 * the reply, which the caller frees with freeReplyObject(). An error reply
 * is GV_EREDIS and a lost connection GV_EUNAVAIL, both with the reason in
 * db_redis_last_error() and *out NULL. `block_ms` > 0 lengthens the socket
 * timeout for this one command, for BLPOP and friends. */
int db__redis_call(struct redisReply **out, struct db_redis *r, int argc, const char **argv,
                   const size_t *lens, int block_ms);

/* Pipelining: db__redis_append queues a command (nothing is sent until the
 * first db__redis_reply), db__redis_reply reads the next reply in order. An
 * error reply is GV_EREDIS with *out still set, so that the caller can go on
 * reading the pipeline's other replies and free each one; a lost connection
 * is GV_EUNAVAIL with *out NULL, after which the context is unusable. */
int db__redis_append(struct db_redis *r, int argc, const char **argv, const size_t *lens);
int db__redis_reply(struct redisReply **out, struct db_redis *r);

/* A timestamptz column as Unix milliseconds, in SQL text: every JSON time
 * db/ writes is one of these. */
#define EPOCH_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

#endif
