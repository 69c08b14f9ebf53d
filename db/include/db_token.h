/* SPDX-License-Identifier: MIT
 * db_token.h - API tokens: long-lived bearer tokens for programs (the CLICS
 * API's `Authorization: Bearer`), made and revoked by `gavel token`.
 *
 * A token is DB_API_TOKEN_PREFIX and 64 hex digits (256 random bits); the
 * api_tokens table keeps only the SHA-256 of those bits, as sessions do,
 * and the token is shown once, when made. Using a token yields its user
 * with the role the users table holds now: demoting a user takes their
 * tokens' privileges with it, with nothing to revoke. */
#ifndef GV_DB_TOKEN_H
#define GV_DB_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_session.h"

#define DB_API_TOKEN_PREFIX "gvt_"
#define DB_API_TOKEN_LEN (4 + DB_TOKEN_HEX_LEN)
#define DB_API_TOKEN_NAME_MAX 64

struct db_api_token {
    int64_t id, user_id;
    char username[33];
    char name[DB_API_TOKEN_NAME_MAX + 1];
    int64_t created_ms;
    int64_t expires_ms;   /* 0: never */
    int64_t revoked_ms;   /* 0: not revoked */
    int64_t last_used_ms; /* 0: never used */
};

/* Makes a token for `user_id` named `name` ("" for none, at most
 * DB_API_TOKEN_NAME_MAX bytes), valid until `expires_ms` (Unix ms; 0:
 * never). `token` (DB_API_TOKEN_LEN + 1 bytes) receives it, *id its id.
 * GV_EINVAL for a name too long; GV_ENOTFOUND for no such user. */
int db_token_create(char *token, int64_t *id, struct db_pg *pg, int64_t user_id, const char *name,
                    int64_t expires_ms);

/* The user of `token`, role as of now. GV_ENOTFOUND for an unknown or
 * malformed token, -EKEYREVOKED for a revoked one, -EKEYEXPIRED for one
 * past its expiry. Touches last_used_at at most once a minute. */
int db_token_check(struct db_user_info *out, struct db_pg *pg, const char *token);

/* Which of `n` callers still hold the jury's view: ok[i] when user
 * user_ids[i] is an organizer or an admin now and, when tokens[i] is not
 * NULL or "", that token is theirs and live: an API token (DB_API_TOKEN_PREFIX)
 * neither revoked nor expired, else a session's token (a cookie's) not
 * logged out or expired. One query for all of them (a streamed jury
 * feed's recheck). */
int db_token_jury_check(bool *ok, struct db_pg *pg, const int64_t *user_ids,
                        const char *const *tokens, size_t n);

/* Every token (of `user_id` only, when not 0), oldest first: *out is
 * gv_malloc'd (caller frees), NULL when *n is 0. */
int db_token_list(struct db_api_token **out, size_t *n, struct db_pg *pg, int64_t user_id);

/* Revokes token `id`. GV_ENOTFOUND for no such token, GV_EEXIST when it
 * was revoked already. */
int db_token_revoke(struct db_pg *pg, int64_t id);

#endif
