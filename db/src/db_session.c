/* SPDX-License-Identifier: MIT
 * db_session.c - see db_session.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <hiredis/hiredis.h>

#include "db_session.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define TOKEN_BYTES 32

static const char user_columns[] = "u.id, u.username, u.display_name, u.role, u.tier";

static void hex_encode(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int db__token_key(char *key, const char *token_hex)
{
    unsigned char raw[TOKEN_BYTES];

    if (!token_hex || strlen(token_hex) != DB_TOKEN_HEX_LEN)
        return GV_ENOTFOUND;
    for (size_t i = 0; i < TOKEN_BYTES; i++) {
        int hi = hex_value(token_hex[2 * i]), lo = hex_value(token_hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return GV_ENOTFOUND;
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    db_sha256_hex(key, raw, sizeof(raw));
    return 0;
}

int db__token_new(char *token_hex, char *key)
{
    unsigned char raw[TOKEN_BYTES];

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -errno;
    hex_encode(token_hex, raw, sizeof(raw));
    db_sha256_hex(key, raw, sizeof(raw));
    return 0;
}

void db__user_row(struct db_user_info *out, const PGresult *res, int row)
{
    memset(out, 0, sizeof(*out));
    out->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    snprintf(out->username, sizeof(out->username), "%s", PQgetvalue(res, row, 1));
    snprintf(out->display_name, sizeof(out->display_name), "%s", PQgetvalue(res, row, 2));
    snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(res, row, 3));
    snprintf(out->tier, sizeof(out->tier), "%s", PQgetvalue(res, row, 4));
}

/* Runs a query whose first row is a user (user_columns first). */
static int query_user(struct db_user_info *out, struct db_pg *pg, char *hash, size_t hashlen,
                      const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int err = 0;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "user query");
        goto out;
    }
    if (PQntuples(res) < 1) {
        err = GV_ENOTFOUND;
        goto out;
    }
    db__user_row(out, res, 0);
    if (hash && PQnfields(res) > 5)
        snprintf(hash, hashlen, "%s", PQgetvalue(res, 0, 5));
out:
    PQclear(res);
    return err;
}

int db_session_create(char *token_hex, int64_t *expires_at_ms, struct db_pg *pg, int64_t user_id)
{
    char key[DB_SHA256_HEX_LEN + 1], uid[24], ttl[24], *val = NULL;
    int err = db__token_new(token_hex, key);

    if (err < 0)
        return err;
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    snprintf(ttl, sizeof(ttl), "%d", DB_SESSION_TTL_S);
    {
        const char *p[] = {key, uid, ttl};
        err = db_pg_query_value(&val, pg,
                                "INSERT INTO sessions (token_hash, user_id, expires_at) "
                                "VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3)) "
                                "RETURNING (extract(epoch FROM expires_at) * 1000)::bigint",
                                3, p);
    }
    if (err == 0 && !val)
        err = GV_EDB;
    if (err == 0 && expires_at_ms)
        *expires_at_ms = strtoll(val, NULL, 10);
    gv_free(val);
    if (err < 0)
        memset(token_hex, 0, DB_TOKEN_HEX_LEN + 1);
    return err;
}

int db_session_lookup(struct db_user_info *out, struct db_pg *pg, const char *token_hex)
{
    char key[DB_SHA256_HEX_LEN + 1], sql[512];
    const char *p[] = {key};
    int err = db__token_key(key, token_hex);

    if (err < 0)
        return err;
    /* The touch rides along in the same statement; its WHERE makes it a
     * no-op (no row version, no WAL) for all but one request a minute. */
    snprintf(sql, sizeof(sql),
             "WITH s AS (SELECT user_id FROM sessions WHERE token_hash = decode($1, 'hex') "
             "AND expires_at > now()), "
             "t AS (UPDATE sessions SET last_seen_at = now() WHERE token_hash = decode($1, 'hex') "
             "AND expires_at > now() AND last_seen_at < now() - interval '1 minute') "
             "SELECT %s FROM users u JOIN s ON s.user_id = u.id",
             user_columns);
    return query_user(out, pg, NULL, 0, sql, 1, p);
}

int db_session_delete(struct db_pg *pg, const char *token_hex)
{
    char key[DB_SHA256_HEX_LEN + 1];
    const char *p[] = {key};

    if (db__token_key(key, token_hex) < 0)
        return 0;
    return db_pg_exec(NULL, pg, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1, p);
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[DB_PASSWORD_HASH_MAX];

static void make_dummy_hash(void)
{
    if (db_password_hash(dummy_hash, sizeof(dummy_hash), "gavel: no such user") < 0)
        dummy_hash[0] = '\0';
}

/* Credentials verified lately. A CLICS tool sends HTTP basic auth with
 * every request, and argon2id is made to be slow: without this, each of
 * its GETs would cost a full verification. An entry is a keyed digest of
 * the stored hash and the password that matched it (the key is random per
 * process, so the table holds nothing a reader could test passwords
 * against), so a changed password misses at once; only successes go in, so
 * a wrong guess still pays the whole verification. */
#define LOGIN_CACHE_SLOTS 256
#define LOGIN_CACHE_TTL_MS (5 * 60 * 1000)
#define LOGIN_CACHE_PASSWORD_MAX 4096

static struct {
    char digest[65];
    int64_t until_ms;
} login_cache[LOGIN_CACHE_SLOTS];
static unsigned login_cache_next;
static pthread_mutex_t login_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t login_key_once = PTHREAD_ONCE_INIT;
static unsigned char login_key[32];
static bool login_key_ok;
static atomic_uint_fast64_t login_cache_hits;

static void make_login_key(void)
{
    login_key_ok = getrandom(login_key, sizeof(login_key), 0) == (ssize_t)sizeof(login_key);
}

/* false when no digest can be made (no key, a password too long). */
static bool login_digest(char hex[65], const char *stored_hash, const char *password)
{
    size_t hlen = strlen(stored_hash), plen = strlen(password);
    unsigned char buf[sizeof(login_key) + DB_PASSWORD_HASH_MAX + 1 + LOGIN_CACHE_PASSWORD_MAX];

    pthread_once(&login_key_once, make_login_key);
    if (!login_key_ok || hlen >= DB_PASSWORD_HASH_MAX || plen > LOGIN_CACHE_PASSWORD_MAX)
        return false;
    memcpy(buf, login_key, sizeof(login_key));
    memcpy(buf + sizeof(login_key), stored_hash, hlen + 1);
    memcpy(buf + sizeof(login_key) + hlen + 1, password, plen);
    db_sha256_hex(hex, buf, sizeof(login_key) + hlen + 1 + plen);
    explicit_bzero(buf, sizeof(buf));
    return true;
}

static bool digest_equal(const char *a, const char *b)
{
    unsigned char diff = 0;

    for (size_t i = 0; i < 64; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static bool login_cached(const char *digest)
{
    int64_t now = gv_time_mono_ms();
    bool hit = false;

    pthread_mutex_lock(&login_cache_lock);
    for (size_t i = 0; i < LOGIN_CACHE_SLOTS && !hit; i++)
        hit = login_cache[i].until_ms > now && digest_equal(login_cache[i].digest, digest);
    pthread_mutex_unlock(&login_cache_lock);
    if (hit)
        atomic_fetch_add(&login_cache_hits, 1);
    return hit;
}

static void login_remember(const char *digest)
{
    pthread_mutex_lock(&login_cache_lock);
    memcpy(login_cache[login_cache_next].digest, digest, 65);
    login_cache[login_cache_next].until_ms = gv_time_mono_ms() + LOGIN_CACHE_TTL_MS;
    login_cache_next = (login_cache_next + 1) % LOGIN_CACHE_SLOTS;
    pthread_mutex_unlock(&login_cache_lock);
}

uint64_t db_login_cache_hits(void)
{
    return atomic_load(&login_cache_hits);
}

int db_login(struct db_user_info *out, struct db_pg *pg, const char *username, const char *password)
{
    char digest[65];
    bool digested;
    char hash[DB_PASSWORD_HASH_MAX] = "", sql[256];
    const char *p[] = {username};
    int err;

    snprintf(sql, sizeof(sql), "SELECT %s, u.password_hash FROM users u WHERE lower(u.username) "
             "= lower($1)", user_columns);
    err = query_user(out, pg, hash, sizeof(hash), sql, 1, p);
    if (err == GV_ENOTFOUND) {
        /* Same work as a wrong password, so response time does not reveal
         * which usernames exist. */
        pthread_once(&dummy_once, make_dummy_hash);
        if (dummy_hash[0])
            (void)db_password_verify(dummy_hash, password);
        memset(out, 0, sizeof(*out));
        return GV_EINVAL;
    }
    if (err < 0)
        return err;
    digested = login_digest(digest, hash, password);
    if (digested && login_cached(digest))
        return 0;
    err = db_password_verify(hash, password);
    if (err == -ENOMEM)
        return err;
    if (err < 0) {
        memset(out, 0, sizeof(*out));
        return GV_EINVAL;
    }
    if (digested)
        login_remember(digest);
    return 0;
}

int db_user_get(struct db_user_info *out, struct db_pg *pg, int64_t id)
{
    char uid[24], sql[160];
    const char *p[] = {uid};

    snprintf(uid, sizeof(uid), "%" PRId64, id);
    snprintf(sql, sizeof(sql), "SELECT %s FROM users u WHERE u.id = $1", user_columns);
    return query_user(out, pg, NULL, 0, sql, 1, p);
}

int db_user_find(struct db_user_info *out, struct db_pg *pg, const char *username)
{
    char sql[160];
    const char *p[] = {username};

    snprintf(sql, sizeof(sql), "SELECT %s FROM users u WHERE lower(u.username) = lower($1)",
             user_columns);
    return query_user(out, pg, NULL, 0, sql, 1, p);
}

static int redis_int(int64_t *out, struct db_redis *r, int argc, const char **argv)
{
    redisReply *reply;
    int err = db__redis_call(&reply, r, argc, argv, NULL, 0);

    if (err < 0)
        return err;
    if (reply->type != REDIS_REPLY_INTEGER)
        err = GV_EREDIS;
    else
        *out = reply->integer;
    freeReplyObject(reply);
    return err;
}

int db_rate_peek(int64_t *count, int64_t *ttl_ms, struct db_redis *r, const char *key)
{
    redisReply *reply;
    int err = db__redis_call(&reply, r, 2, (const char *[]){"GET", key}, NULL, 0);

    if (err < 0)
        return err;
    *count = 0;
    if (reply->type == REDIS_REPLY_STRING)
        *count = strtoll(reply->str, NULL, 10);
    else if (reply->type != REDIS_REPLY_NIL)
        err = GV_EREDIS;
    freeReplyObject(reply);
    if (err < 0 || *count <= 0)
        return err;
    return redis_int(ttl_ms, r, 2, (const char *[]){"PTTL", key});
}

int db_rate_hit(int64_t *count, int64_t *ttl_ms, struct db_redis *r, const char *key,
                int64_t window_ms)
{
    char ms[24];
    int64_t ignored;
    int err;

    snprintf(ms, sizeof(ms), "%" PRId64, window_ms);
    err = redis_int(count, r, 2, (const char *[]){"INCR", key});
    if (err < 0)
        return err;
    if (*count == 1) {
        err = redis_int(&ignored, r, 3, (const char *[]){"PEXPIRE", key, ms});
        if (err < 0)
            return err;
        *ttl_ms = window_ms;
        return 0;
    }
    err = redis_int(ttl_ms, r, 2, (const char *[]){"PTTL", key});
    if (err < 0)
        return err;
    /* No expiry: a server died between INCR and PEXPIRE. Without this the
     * counter, and the user's ban, would live forever. */
    if (*ttl_ms < 0) {
        err = redis_int(&ignored, r, 3, (const char *[]){"PEXPIRE", key, ms});
        *ttl_ms = window_ms;
    }
    return err;
}
