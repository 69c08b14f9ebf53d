/* SPDX-License-Identifier: MIT
 * db.h - Gavel's access to PostgreSQL (libpq) and Redis (hiredis).
 *
 * db/ is the only module that sees PGconn, PGresult, redisContext or
 * redisReply; every other module goes through the functions here. All SQL
 * is parameterized.
 *
 * Connection settings come from gv_config: GAVEL_PG_URL (a libpq URI or
 * key=value string) and GAVEL_REDIS_URL (redis://host:port[/db]). */
#ifndef DB_H
#define DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DB_PG_URL_DEFAULT "postgresql://gavel@127.0.0.1:54320/gavel"
#define DB_REDIS_URL_DEFAULT "redis://127.0.0.1:63790/0"

/* Borrowed; from the environment, the config file, or the defaults above. */
const char *db_pg_url(void);
const char *db_redis_url(void);

/* A PostgreSQL URL or key=value string fit for a message: every password
 * (postgresql://user:PASSWORD@..., password=PASSWORD) becomes "***". Cut
 * to fit `len`. Returns `out`. */
const char *db_pg_url_redact(char *out, size_t len, const char *url);
/* Where the Redis connections go, for a message: the URL, or with
 * GAVEL_REDIS_SENTINELS "master 'gavel' via sentinels h1:p1,h2:p2".
 * Returns `out`. */
const char *db_redis_where(char *out, size_t len);

/* --- PostgreSQL --------------------------------------------------------- */

struct db_pg;

/* Connects within `timeout_s` seconds. On failure *out is NULL, the code is
 * GV_EUNAVAIL and, when `errbuf` is given, the server's reason is copied
 * into it. */
int db_pg_open(struct db_pg **out, const char *url, int timeout_s, char *errbuf, size_t errlen);
void db_pg_close(struct db_pg *pg);
/* Round trip to the server; GV_EUNAVAIL when the connection is gone. */
int db_pg_ping(struct db_pg *pg);
/* Without a round trip: false when the connection is known to be gone, for
 * example because the server closed it while it sat idle (a restart). Only
 * I/O tells that, so this peeks at the socket; use it before reusing an idle
 * connection. */
bool db_pg_usable(struct db_pg *pg);
/* The last error reported by libpq for this connection (borrowed). */
const char *db_pg_last_error(struct db_pg *pg);
/* The SQLSTATE of the last failed statement ("" if none), e.g. "23505"
 * for a unique violation. Borrowed. */
const char *db_pg_last_sqlstate(struct db_pg *pg);

/* Runs a script of one or more statements without parameters (migrations,
 * transaction control). */
int db_pg_exec_script(struct db_pg *pg, const char *sql);

/* Runs one parameterized statement that returns no rows or whose rows the
 * caller does not need. `nparams` text parameters; NULL is SQL NULL. When
 * `affected` is given it receives the number of rows changed. */
int db_pg_exec(int64_t *affected, struct db_pg *pg, const char *sql, int nparams,
               const char *const *params);

/* Runs a parameterized query expected to return at most one row with one
 * column. *out receives a gv_malloc'd copy of the value (caller frees), or
 * NULL when there is no row or the value is NULL. */
int db_pg_query_value(char **out, struct db_pg *pg, const char *sql, int nparams,
                      const char *const *params);

/* Like db_pg_exec, with binary parameters: `lengths[i]` bytes at
 * `params[i]`, `binary[i]` non-zero for bytea. */
int db_pg_exec_binary(int64_t *affected, struct db_pg *pg, const char *sql, int nparams,
                      const char *const *params, const int *lengths, const int *binary);

/* --- Migrations --------------------------------------------------------- */

struct db_migration {
    int version;
    const char *name;
    const char *sql;
};

/* The migrations built into this binary, in version order. */
const struct db_migration *db_migrations(size_t *count);

/* Applies every migration not yet recorded in schema_migrations, each in
 * its own transaction, under an advisory lock so two migrators never race.
 * A recorded migration whose checksum differs from the built-in one is
 * GV_ECHECKSUM: someone edited an applied migration. `applied` receives how
 * many ran (0 on a second run). */
int db_migrate(int *applied, struct db_pg *pg);

/* The highest applied version, 0 for an empty database. */
int db_schema_version(int *version, struct db_pg *pg);

/* --- Blobs -------------------------------------------------------------- */

#define DB_SHA256_HEX_LEN 64

/* Lower-case hex SHA-256 of `data` into `hex` (DB_SHA256_HEX_LEN + 1 bytes). */
void db_sha256_hex(char *hex, const void *data, size_t len);

/* Stores `data` zstd-compressed under its SHA-256 (content addressing makes
 * a second put of the same bytes a no-op). `out_hex` receives the key. */
int db_blob_put(char *out_hex, struct db_pg *pg, const void *data, size_t len);

/* Fetches and decompresses a blob; *out is gv_malloc'd (caller frees), and
 * its SHA-256 is checked against the key (GV_ECHECKSUM on mismatch). */
int db_blob_get(void **out, size_t *out_len, struct db_pg *pg, const char *hex);

/* --- Users ------------------------------------------------------------- */

/* Large enough for an encoded argon2id hash with our parameters. */
#define DB_PASSWORD_HASH_MAX 128

/* argon2id with a fresh random salt, in the encoded form the users table
 * stores ($argon2id$v=19$m=...). */
int db_password_hash(char *out, size_t outlen, const char *password);
/* 0 when `password` matches `encoded`, GV_EINVAL when it does not. */
int db_password_verify(const char *encoded, const char *password);

/* Creates a user; GV_EEXIST when the name is taken (case-insensitively).
 * `role` is contestant|organizer|admin, `tier` free|paid. */
int db_user_create(int64_t *out_id, struct db_pg *pg, const char *username,
                   const char *display_name, const char *password, const char *role,
                   const char *tier);

/* --- Redis -------------------------------------------------------------- */

struct db_redis;

/* Parses redis://host[:port][/db]; GV_ECONFIG when malformed. */
int db_redis_parse_url(char *host, size_t hostlen, int *port, int *dbnum, const char *url);

/* One address of a GAVEL_REDIS_SENTINELS list. */
struct db_redis_addr {
    char host[256];
    int port;
};
#define DB_REDIS_SENTINELS_MAX 16
#define DB_REDIS_MASTER_DEFAULT "gavel"

/* Parses a sentinel list, "host:port[,host:port...]" (blanks around items
 * allowed), into at most `cap` addresses; GV_ECONFIG when malformed, empty
 * or longer than `cap`. */
int db_redis_parse_sentinels(struct db_redis_addr *out, size_t cap, size_t *n, const char *list);

/* Checks GAVEL_REDIS_URL and, when set, GAVEL_REDIS_SENTINELS and
 * GAVEL_REDIS_MASTER, so that a long-running process refuses a malformed
 * setting at start instead of retrying it forever: GV_ECONFIG, logged with
 * the setting's name. */
int db_redis_check_settings(void);

/* Connects to the Redis `url` names; its database is selected. With
 * GAVEL_REDIS_SENTINELS set, the URL's host and port are not used: the
 * sentinels are asked, in order, for the address of the master named by
 * GAVEL_REDIS_MASTER (SENTINEL get-master-addr-by-name), the server
 * found there must say it is a master (ROLE), and the connection is named
 * "<program>:<pid>" (CLIENT SETNAME, for CLIENT LIST). Every connection of every
 * binary is made here, so every reconnect (struct db_link) asks again and
 * lands on the master of the moment after a failover. */
int db_redis_open(struct db_redis **out, const char *url, int timeout_ms, char *errbuf,
                  size_t errlen);
void db_redis_close(struct db_redis *r);
/* PING round trip; GV_EUNAVAIL when the connection is gone. */
int db_redis_ping(struct db_redis *r);
/* As db_pg_usable: false when the server has closed the idle connection. */
bool db_redis_usable(struct db_redis *r);

/* Runs one command given as an argument vector (binary-safe, no format
 * string parsing). Integer and status replies are accepted; an error reply
 * is GV_EREDIS, a lost connection GV_EUNAVAIL. The errors of a server
 * that is not the master now (READONLY: a replica after a failover;
 * NOREPLICAS, MASTERDOWN, LOADING) are GV_EUNAVAIL as well: the caller
 * drops the connection and the next one finds the master. */
int db_redis_command(struct db_redis *r, int argc, const char **argv);

/* Why the last command or ping failed: hiredis' reason for a broken
 * connection, or the server's error reply. Borrowed; "" when none. */
const char *db_redis_last_error(struct db_redis *r);

#endif
