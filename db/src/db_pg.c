/* SPDX-License-Identifier: MIT
 * db_pg.c - PostgreSQL connections and parameterized statements (libpq). */
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

const char *db_pg_url(void)
{
    return gv_config_get("GAVEL_PG_URL", DB_PG_URL_DEFAULT);
}

/* Appends `n` bytes of `s` to out[*at], always leaving it terminated. */
static void put(char *out, size_t len, size_t *at, const char *s, size_t n)
{
    while (n-- && *at + 1 < len)
        out[(*at)++] = *s++;
    out[*at] = '\0';
}

const char *db_pg_url_redact(char *out, size_t len, const char *url)
{
    static const char key[] = "password=";
    const char *p = url, *scheme_end = strstr(url, "://");
    size_t at = 0;

    if (!len)
        return out;
    out[0] = '\0';
    /* The URI's userinfo: what lies between "://" and the last '@' of the
     * authority (which ends at the first '/' or '?'); a ':' in it starts
     * the password. */
    if (scheme_end && (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))) {
        const char *auth = scheme_end + 3, *auth_end = auth + strcspn(auth, "/?"), *atsign = NULL;

        for (const char *c = auth; c < auth_end; c++)
            if (*c == '@')
                atsign = c;
        if (atsign) {
            const char *colon = memchr(auth, ':', (size_t)(atsign - auth));

            if (colon) {
                put(out, len, &at, url, (size_t)(colon + 1 - url));
                put(out, len, &at, "***", 3);
                p = atsign;
            }
        }
    }
    /* password=... in the query or in a key=value string. */
    while (*p) {
        const char *hit = strstr(p, key);
        size_t vlen;

        if (!hit || (hit != url && !strchr("?& \t", hit[-1]))) {
            size_t n = hit ? (size_t)(hit - p) + 1 : strlen(p);

            put(out, len, &at, p, n);
            p += n;
            continue;
        }
        put(out, len, &at, p, (size_t)(hit - p) + sizeof(key) - 1);
        p = hit + sizeof(key) - 1;
        if (*p == '\'') { /* a quoted key=value: up to the closing quote */
            const char *q = p + 1;

            while (*q && *q != '\'')
                q += (*q == '\\' && q[1]) ? 2 : 1;
            vlen = (size_t)(q - p) + (*q ? 1 : 0);
        } else {
            vlen = strcspn(p, "& \t");
        }
        put(out, len, &at, "***", 3);
        p += vlen;
    }
    return out;
}

static void copy_error(char *errbuf, size_t errlen, const char *msg)
{
    size_t n;

    if (!errbuf || !errlen)
        return;
    snprintf(errbuf, errlen, "%s", msg ? msg : "unknown error");
    /* libpq messages end in a newline; a one-line reason reads better. */
    n = strlen(errbuf);
    while (n && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
        errbuf[--n] = '\0';
}

/* libpq prints notices (e.g. "relation already exists, skipping") to
 * stderr by default; route them through our log at debug level. */
static void pg_notice(void *arg, const char *message)
{
    gv_log(GV_LOG_DEBUG, "db", "postgres: %s", message);
}

int db_pg_open(struct db_pg **out, const char *url, int timeout_s, char *errbuf, size_t errlen)
{
    /* expand_dbname makes the first dbname a full connection string; the
     * keywords after it override what the URL says. */
    /* Keepalives and tcp_user_timeout bound how long a statement can hang
     * on a peer that vanished without closing (a dead host, a partition):
     * the caller sees GV_EUNAVAIL within about 10 s instead of never. */
    const char *keys[] = {"dbname",           "connect_timeout",  "application_name",
                          "keepalives",       "keepalives_idle",  "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", NULL};
    char timeout[16];
    const char *values[] = {url, timeout, "gavel", "1", "5", "2", "3", "10000", NULL};
    struct db_pg *pg;

    *out = NULL;
    snprintf(timeout, sizeof(timeout), "%d", timeout_s > 0 ? timeout_s : 2);
    pg = gv_calloc(1, sizeof(*pg));
    if (!pg)
        return -ENOMEM;
    pg->conn = PQconnectdbParams(keys, values, 1);
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
        copy_error(errbuf, errlen, pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
        db_pg_close(pg);
        return GV_EUNAVAIL;
    }
    PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
    *out = pg;
    return 0;
}

void db_pg_close(struct db_pg *pg)
{
    if (!pg)
        return;
    PQfinish(pg->conn);
    gv_free(pg);
}

const char *db_pg_last_error(struct db_pg *pg)
{
    return PQerrorMessage(pg->conn);
}

const char *db_pg_last_sqlstate(struct db_pg *pg)
{
    return pg->sqlstate;
}

int db__pg_result_error(struct db_pg *pg, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    snprintf(pg->sqlstate, sizeof(pg->sqlstate), "%s", state ? state : "");
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        gv_log(GV_LOG_WARN, "db", "lost connection to postgres during %s: %s", what,
               PQerrorMessage(pg->conn));
        return GV_EUNAVAIL;
    }
    /* read_only_sql_transaction: a write on a standby. The primary is
     * elsewhere (a failover), so the caller reconnects, as after a loss. */
    if (!strcmp(pg->sqlstate, "25006")) {
        gv_log(GV_LOG_WARN, "db",
               "postgres refused %s on a read-only server (a standby?); reconnecting. "
               "A multi-host GAVEL_PG_URL needs target_session_attrs=read-write",
               what);
        return GV_EUNAVAIL;
    }
    gv_log(GV_LOG_DEBUG, "db", "%s failed (%s): %s", what, pg->sqlstate,
           res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
    return GV_EDB;
}

bool db_pg_usable(struct db_pg *pg)
{
    struct pollfd p = {.fd = PQsocket(pg->conn), .events = POLLIN};

    if (PQstatus(pg->conn) != CONNECTION_OK || p.fd < 0)
        return false;
    /* An idle connection receives nothing unasked but notices and, when the
     * server goes away, its farewell and then EOF. libpq reports the EOF
     * only on a read that finds nothing else, so read until the socket is
     * quiet (a few rounds at most: a farewell is one message). */
    for (int round = 0; round < 8 && poll(&p, 1, 0) > 0; round++) {
        if (!PQconsumeInput(pg->conn) || PQstatus(pg->conn) != CONNECTION_OK)
            return false;
    }
    return true;
}

int db_pg_ping(struct db_pg *pg)
{
    PGresult *res;
    int err = 0;

    if (PQstatus(pg->conn) != CONNECTION_OK)
        return GV_EUNAVAIL;
    res = PQexec(pg->conn, "SELECT 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        err = db__pg_result_error(pg, res, "ping");
    PQclear(res);
    return err == GV_EDB ? GV_EUNAVAIL : err;
}

int db_pg_exec_script(struct db_pg *pg, const char *sql)
{
    PGresult *res = PQexec(pg->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int err = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = db__pg_result_error(pg, res, "script");
    PQclear(res);
    return err;
}

int db_pg_exec_binary(int64_t *affected, struct db_pg *pg, const char *sql, int nparams,
                      const char *const *params, const int *lengths, const int *binary)
{
    PGresult *res = PQexecParams(pg->conn, sql, nparams, NULL, params, lengths, binary, 0);
    ExecStatusType st = PQresultStatus(res);
    int err = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "statement");
        goto out;
    }
    if (affected) {
        const char *n = PQcmdTuples(res);
        *affected = *n ? strtoll(n, NULL, 10) : 0;
    }
out:
    PQclear(res);
    return err;
}

int db_pg_exec(int64_t *affected, struct db_pg *pg, const char *sql, int nparams,
               const char *const *params)
{
    return db_pg_exec_binary(affected, pg, sql, nparams, params, NULL, NULL);
}

int db_pg_query_value(char **out, struct db_pg *pg, const char *sql, int nparams,
                      const char *const *params)
{
    PGresult *res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int err = 0;

    *out = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "query");
        goto out;
    }
    if (PQntuples(res) < 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0))
        goto out;
    *out = gv_strdup(PQgetvalue(res, 0, 0));
    if (!*out)
        err = -ENOMEM;
out:
    PQclear(res);
    return err;
}

int db__pg_select(PGresult **out, struct db_pg *pg, const char *what, const char *sql, int nparams,
                  const char *const *params)
{
    PGresult *res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);

    *out = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int err = db__pg_result_error(pg, res, what);
        PQclear(res);
        return err;
    }
    *out = res;
    return 0;
}

int db__pg_tx_end(struct db_pg *pg, int err)
{
    if (err < 0) {
        (void)db_pg_exec_script(pg, "ROLLBACK");
        return err;
    }
    return db_pg_exec_script(pg, "COMMIT");
}
