/* SPDX-License-Identifier: MIT
 * db_link.c - connections that come back by themselves (see db_link.h).
 *
 * Both stores sit behind a small function table, so the rules are written
 * once and a unit test can drive them with a store it controls. */
#include "db_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "db_link.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 5000

static int pg_open(void **conn, const char *url, int timeout_ms, char *errbuf, size_t errlen)
{
    struct db_pg *pg = NULL;
    /* libpq takes whole seconds, and treats 1 as 2. */
    int err = db_pg_open(&pg, url, (timeout_ms + 999) / 1000, errbuf, errlen);

    *conn = pg;
    return err;
}

static int pg_ping(void *conn)
{
    return db_pg_ping(conn);
}

static bool pg_usable(void *conn)
{
    return db_pg_usable(conn);
}

static const char *pg_last_error(void *conn)
{
    return db_pg_last_error(conn);
}

static void pg_close(void *conn)
{
    db_pg_close(conn);
}

static int redis_open(void **conn, const char *url, int timeout_ms, char *errbuf, size_t errlen)
{
    struct db_redis *r = NULL;
    int err = db_redis_open(&r, url, timeout_ms, errbuf, errlen);

    *conn = r;
    return err;
}

static int redis_ping(void *conn)
{
    return db_redis_ping(conn);
}

static bool redis_usable(void *conn)
{
    return db_redis_usable(conn);
}

static const char *redis_last_error(void *conn)
{
    return db_redis_last_error(conn);
}

static void redis_close(void *conn)
{
    db_redis_close(conn);
}

static const struct db__link_ops pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .ping = pg_ping,
    .usable = pg_usable,
    .last_error = pg_last_error,
    .close = pg_close,
};

static const struct db__link_ops redis_ops = {
    .name = "redis",
    .open = redis_open,
    .ping = redis_ping,
    .usable = redis_usable,
    .last_error = redis_last_error,
    .close = redis_close,
};

void db__link_init_ops(struct db_link *l, const struct db__link_ops *ops, const char *url,
                       int timeout_ms, const char *subsystem)
{
    memset(l, 0, sizeof(*l));
    l->ops = ops;
    l->url = url;
    l->timeout_ms = timeout_ms;
    l->subsystem = subsystem;
    gv_backoff_init(&l->backoff, BACKOFF_BASE_MS, BACKOFF_MAX_MS);
    snprintf(l->error, sizeof(l->error), "not connected yet");
}

void db_link_init(struct db_link *l, enum db_link_store store, const char *url, int timeout_ms,
                  const char *subsystem)
{
    db__link_init_ops(l, store == DB_LINK_PG ? &pg_ops : &redis_ops, url, timeout_ms, subsystem);
}

void db_link_release(struct db_link *l)
{
    if (l->conn)
        l->ops->close(l->conn);
    l->conn = NULL;
}

/* Drivers' messages span lines (libpq ends them with "\n" and adds "\t"
 * hints): one line, blanks collapsed, and never empty, so that every log
 * line and /healthz say something. */
static void set_error(struct db_link *l, const char *why)
{
    size_t n = 0;

    for (const char *p = why ? why : ""; *p && n + 1 < sizeof(l->error); p++) {
        char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;

        if (c == ' ' && (n == 0 || l->error[n - 1] == ' '))
            continue;
        l->error[n++] = c;
    }
    while (n && l->error[n - 1] == ' ')
        n--;
    l->error[n] = '\0';
    if (!n)
        snprintf(l->error, sizeof(l->error), "unreachable");
}

static void note_up(struct db_link *l)
{
    l->error[0] = '\0';
    if (l->logged != 1)
        gv_log(GV_LOG_INFO, l->subsystem, "%s is up", l->ops->name);
    l->logged = 1;
}

static void note_down(struct db_link *l, const char *why)
{
    set_error(l, why);
    if (l->logged != -1)
        gv_log(GV_LOG_WARN, l->subsystem, "%s is down: %s; reconnecting", l->ops->name, l->error);
    l->logged = -1;
}

void db_link_lost(struct db_link *l, const char *why)
{
    if (!l->conn)
        return;
    note_down(l, why ? why : l->ops->last_error(l->conn));
    l->ops->close(l->conn);
    l->conn = NULL;
}

void db_link_fail(struct db_link *l, const char *why)
{
    db_link_lost(l, why);
    l->retry_at_ms = gv_time_mono_ms() + gv_backoff_next(&l->backoff);
}

int db_link_connect(struct db_link *l)
{
    char why[sizeof(l->error)] = "";
    int err;

    if (l->conn && !l->ops->usable(l->conn))
        db_link_lost(l, "the connection was closed, or went stale, while idle");
    if (l->conn)
        return 0;
    if (gv_time_mono_ms() < l->retry_at_ms)
        return GV_EUNAVAIL;
    err = l->ops->open(&l->conn, l->url, l->timeout_ms, why, sizeof(why));
    if (err < 0) {
        l->conn = NULL;
        if (!why[0])
            snprintf(why, sizeof(why), "cannot connect: %s", gv_strerror(err));
        note_down(l, why);
        l->retry_at_ms = gv_time_mono_ms() + gv_backoff_next(&l->backoff);
        return err;
    }
    gv_backoff_reset(&l->backoff);
    l->retry_at_ms = 0;
    note_up(l);
    return 1;
}

int db_link_ping(struct db_link *l)
{
    if (!l->conn)
        return GV_EUNAVAIL;
    if (l->ops->ping(l->conn) == 0)
        return 0;
    db_link_lost(l, NULL);
    return GV_EUNAVAIL;
}

struct db_pg *db_link_pg(const struct db_link *l)
{
    assert(l->ops == &pg_ops);
    return l->conn;
}

struct db_redis *db_link_redis(const struct db_link *l)
{
    assert(l->ops == &redis_ops);
    return l->conn;
}

int64_t db_link_retry_in_ms(const struct db_link *l)
{
    int64_t left = l->retry_at_ms - gv_time_mono_ms();

    return left > 0 ? left : 0;
}

const char *db_link_error(const struct db_link *l)
{
    return l->error;
}
