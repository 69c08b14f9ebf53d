/* SPDX-License-Identifier: MIT
 * db_session.h - logins, session tokens and per-user rate counters.
 *
 * A session token is 256 random bits (getrandom) handed to the client as 64
 * hex digits; the sessions table stores only its SHA-256, so a leaked table
 * grants nothing. Sessions last DB_SESSION_TTL_S and are refused after
 * expires_at. Used by gavel-server (hello, login, cookies). */
#ifndef GV_DB_SESSION_H
#define GV_DB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define DB_SESSION_TTL_S (30 * 24 * 3600)
#define DB_TOKEN_HEX_LEN 64

struct db_user_info {
    int64_t id;
    char username[33];
    char display_name[65];
    char role[16]; /* contestant | organizer | admin */
    char tier[8];  /* free | paid */
};

/* Creates a session for `user_id`: `token_hex` (DB_TOKEN_HEX_LEN + 1 bytes)
 * receives the bearer token, *expires_at_ms its expiry (Unix ms). */
int db_session_create(char *token_hex, int64_t *expires_at_ms, struct db_pg *pg, int64_t user_id);

/* The user of an unexpired session. GV_ENOTFOUND for an unknown, malformed
 * or expired token. Touches last_seen_at at most once a minute, so a busy
 * client does not turn every request into a write. */
int db_session_lookup(struct db_user_info *out, struct db_pg *pg, const char *token_hex);

/* Deletes the session (logout); an unknown token is not an error. */
int db_session_delete(struct db_pg *pg, const char *token_hex);

/* Checks a username and password. GV_EINVAL when either is wrong: the
 * caller cannot tell which, and an unknown name costs the same argon2id
 * work as a wrong password, so timing does not tell either. */
int db_login(struct db_user_info *out, struct db_pg *pg, const char *username,
             const char *password);
/* How many logins this process answered from its cache of credentials
 * verified in the last 5 minutes (db_session.c), without argon2id. */
uint64_t db_login_cache_hits(void);

/* Loads a user by id; GV_ENOTFOUND when absent. */
int db_user_get(struct db_user_info *out, struct db_pg *pg, int64_t id);
/* Loads a user by name, in any case; GV_ENOTFOUND when absent. */
int db_user_find(struct db_user_info *out, struct db_pg *pg, const char *username);

/* A fixed-window counter in Redis: INCR `key`, giving it a lifetime of
 * `window_ms` when the window starts. *count receives the count including
 * this hit, *ttl_ms the time left in the window. */
int db_rate_hit(int64_t *count, int64_t *ttl_ms, struct db_redis *r, const char *key,
                int64_t window_ms);
/* Reads such a counter without counting: *count 0 when there is none,
 * *ttl_ms the time left in its window (read only when *count > 0). */
int db_rate_peek(int64_t *count, int64_t *ttl_ms, struct db_redis *r, const char *key);

#endif
