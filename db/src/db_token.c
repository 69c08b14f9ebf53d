/* SPDX-License-Identifier: MIT
 * db_token.c - see db_token.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_token.h"
#include "gv_buf.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define PREFIX_LEN (sizeof(DB_API_TOKEN_PREFIX) - 1)

int db_token_create(char *token, int64_t *id, struct db_pg *pg, int64_t user_id, const char *name,
                    int64_t expires_ms)
{
    char key[DB_SHA256_HEX_LEN + 1], uid[24], exp[24], *val = NULL;
    const char *p[] = {key, uid, name, expires_ms ? exp : NULL};
    int err;

    if (strlen(name) > DB_API_TOKEN_NAME_MAX)
        return GV_EINVAL;
    memcpy(token, DB_API_TOKEN_PREFIX, PREFIX_LEN);
    err = db__token_new(token + PREFIX_LEN, key);
    if (err < 0)
        return err;
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    snprintf(exp, sizeof(exp), "%" PRId64, expires_ms);
    /* No row when the user does not exist, rather than a foreign-key error. */
    err = db_pg_query_value(&val, pg,
                            "INSERT INTO api_tokens (token_hash, user_id, name, expires_at) "
                            "SELECT decode($1, 'hex'), u.id, $3, to_timestamp($4::bigint / 1000.0) "
                            "FROM users u WHERE u.id = $2 RETURNING id",
                            4, p);
    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    if (err == 0 && id)
        *id = strtoll(val, NULL, 10);
    gv_free(val);
    if (err < 0)
        memset(token, 0, DB_API_TOKEN_LEN + 1);
    return err;
}

int db_token_check(struct db_user_info *out, struct db_pg *pg, const char *token)
{
    char key[DB_SHA256_HEX_LEN + 1];
    const char *p[] = {key};
    PGresult *res = NULL;
    int err;

    if (!token || strncmp(token, DB_API_TOKEN_PREFIX, PREFIX_LEN) ||
        db__token_key(key, token + PREFIX_LEN) < 0)
        return GV_ENOTFOUND;
    /* The user's role comes from users at every use. The touch rides along
     * and is a no-op for all but one use a minute, as a session's is. */
    err = db__pg_select(&res, pg, "api token",
                        "WITH t AS (SELECT user_id, revoked_at IS NOT NULL AS revoked, "
                        "expires_at IS NOT NULL AND expires_at <= now() AS expired "
                        "FROM api_tokens WHERE token_hash = decode($1, 'hex')), "
                        "touch AS (UPDATE api_tokens SET last_used_at = now() "
                        "WHERE token_hash = decode($1, 'hex') AND revoked_at IS NULL "
                        "AND (expires_at IS NULL OR expires_at > now()) "
                        "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')) "
                        "SELECT u.id, u.username, u.display_name, u.role, u.tier, t.revoked, "
                        "t.expired FROM t JOIN users u ON u.id = t.user_id",
                        1, p);
    if (err < 0)
        return err;
    if (PQntuples(res) < 1)
        err = GV_ENOTFOUND;
    else if (PQgetvalue(res, 0, 5)[0] == 't')
        err = -EKEYREVOKED;
    else if (PQgetvalue(res, 0, 6)[0] == 't')
        err = -EKEYEXPIRED;
    else
        db__user_row(out, res, 0);
    PQclear(res);
    return err;
}

/* `token`'s entry in a key array of db_token_jury_check's query: NULL when
 * none, "" (a key no token_hash decodes to) when malformed. */
static int jury_key(struct gv_buf *keys, size_t i, const char *token, bool api)
{
    char key[DB_SHA256_HEX_LEN + 1] = "";
    bool given = token && token[0];

    if (given && db__token_key(key, api ? token + PREFIX_LEN : token) < 0)
        key[0] = '\0';
    return gv_buf_printf(keys, "%s%s", i ? "," : "{", given ? (key[0] ? key : "\"\"") : "NULL");
}

int db_token_jury_check(bool *ok, struct db_pg *pg, const int64_t *user_ids,
                        const char *const *tokens, size_t n)
{
    struct gv_buf uids, api_keys, session_keys;
    const char *p[3];
    PGresult *res = NULL;
    int err = 0;

    for (size_t i = 0; i < n; i++)
        ok[i] = false;
    if (!n)
        return 0;
    gv_buf_init(&uids, (size_t)1 << 20);
    gv_buf_init(&api_keys, (size_t)8 << 20);
    gv_buf_init(&session_keys, (size_t)8 << 20);
    for (size_t i = 0; err == 0 && i < n; i++) {
        bool api = tokens[i] && !strncmp(tokens[i], DB_API_TOKEN_PREFIX, PREFIX_LEN);

        err = gv_buf_printf(&uids, "%s%" PRId64, i ? "," : "{", user_ids[i]);
        if (err == 0)
            err = jury_key(&api_keys, i, api ? tokens[i] : NULL, true);
        if (err == 0)
            err = jury_key(&session_keys, i, api ? NULL : tokens[i], false);
    }
    if (err == 0)
        err = gv_buf_append(&uids, "}", sizeof("}"));
    if (err == 0)
        err = gv_buf_append(&api_keys, "}", sizeof("}"));
    if (err == 0)
        err = gv_buf_append(&session_keys, "}", sizeof("}"));
    p[0] = uids.data;
    p[1] = api_keys.data;
    p[2] = session_keys.data;
    /* One query for every feed: the user's role now and, for a feed opened
     * with an API token or a session's cookie, that token or session still
     * live. */
    if (err == 0)
        err =
            db__pg_select(&res, pg, "jury check",
                          "SELECT c.i FROM unnest($1::bigint[], $2::text[], $3::text[]) "
                          "WITH ORDINALITY AS c(uid, akey, skey, i) JOIN users u ON u.id = c.uid "
                          "AND u.role IN ('organizer', 'admin') WHERE (c.akey IS NULL OR EXISTS "
                          "(SELECT 1 FROM api_tokens t WHERE t.token_hash = decode(c.akey, 'hex') "
                          "AND t.user_id = c.uid AND t.revoked_at IS NULL AND (t.expires_at IS "
                          "NULL OR t.expires_at > now()))) AND (c.skey IS NULL OR EXISTS (SELECT "
                          "1 FROM sessions s WHERE s.token_hash = decode(c.skey, 'hex') AND "
                          "s.user_id = c.uid AND s.expires_at > now()))",
                          3, p);
    for (int r = 0; err == 0 && r < PQntuples(res); r++) {
        long long i = strtoll(PQgetvalue(res, r, 0), NULL, 10);

        if (i >= 1 && (size_t)i <= n)
            ok[i - 1] = true;
    }
    PQclear(res);
    gv_buf_release(&uids);
    gv_buf_release(&api_keys);
    gv_buf_release(&session_keys);
    return err;
}

static int64_t ms_or_zero(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int db_token_list(struct db_api_token **out, size_t *n, struct db_pg *pg, int64_t user_id)
{
    char uid[24];
    const char *p[] = {uid};
    struct db_api_token *v = NULL;
    PGresult *res = NULL;
    int err, rows;

    *out = NULL;
    *n = 0;
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    /* Times as Unix ms, NULL for "never". */
    err = db__pg_select(&res, pg, "api tokens",
                        "SELECT t.id, t.user_id, u.username, t.name, "
                        "(extract(epoch FROM t.created_at) * 1000)::bigint, "
                        "(extract(epoch FROM t.expires_at) * 1000)::bigint, "
                        "(extract(epoch FROM t.revoked_at) * 1000)::bigint, "
                        "(extract(epoch FROM t.last_used_at) * 1000)::bigint "
                        "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                        "WHERE $1::bigint = 0 OR t.user_id = $1 ORDER BY t.id",
                        1, p);
    if (err < 0)
        return err;
    rows = PQntuples(res);
    if (rows > 0) {
        v = gv_calloc((size_t)rows, sizeof(*v));
        if (!v) {
            PQclear(res);
            return -ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++) {
        v[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        v[i].user_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        snprintf(v[i].username, sizeof(v[i].username), "%s", PQgetvalue(res, i, 2));
        snprintf(v[i].name, sizeof(v[i].name), "%s", PQgetvalue(res, i, 3));
        v[i].created_ms = ms_or_zero(res, i, 4);
        v[i].expires_ms = ms_or_zero(res, i, 5);
        v[i].revoked_ms = ms_or_zero(res, i, 6);
        v[i].last_used_ms = ms_or_zero(res, i, 7);
    }
    PQclear(res);
    *out = v;
    *n = (size_t)rows;
    return 0;
}

int db_token_revoke(struct db_pg *pg, int64_t id)
{
    char tid[24], *val = NULL;
    const char *p[] = {tid};
    int err;

    snprintf(tid, sizeof(tid), "%" PRId64, id);
    /* One statement tells the three cases apart: revoked now, already,
     * no such token. */
    err = db_pg_query_value(&val, pg,
                            "WITH r AS (UPDATE api_tokens SET revoked_at = now() "
                            "WHERE id = $1 AND revoked_at IS NULL RETURNING id) "
                            "SELECT CASE WHEN EXISTS (SELECT 1 FROM r) THEN 'revoked' "
                            "WHEN EXISTS (SELECT 1 FROM api_tokens WHERE id = $1) THEN 'already' "
                            "END",
                            1, p);
    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    else if (err == 0 && !strcmp(val, "already"))
        err = GV_EEXIST;
    gv_free(val);
    return err;
}
