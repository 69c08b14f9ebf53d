/* SPDX-License-Identifier: MIT
 * db_link.h - a connection to PostgreSQL or Redis that comes back by
 * itself, for the threads that live as long as their process.
 *
 * gavel-judge's loop and gavel-server's job threads, health monitor and
 * live thread keep their connections in a struct db_link, which owns the
 * rules they share:
 *   - after a failed connect, the next attempt waits a jittered backoff
 *     (100 ms doubling to 5 s); meanwhile db_link_connect refuses at once,
 *     so a store that is down costs a caller microseconds, not a connect
 *     timeout;
 *   - a connection that worked and broke (db_link_lost) is tried again at
 *     once: most often the store restarted and may well be back. Only a
 *     failed connect arms the backoff; arming it on a loss made an idle
 *     server thread refuse every request for a backoff step after a
 *     restart that was long over (test_server_pg_restart);
 *   - an idle connection that the server closed meanwhile (a restart) is
 *     replaced before it is used, not after a request fails on it;
 *   - the log says once that the store is down and once that it is up
 *     again, however many attempts lie between.
 *
 * A link belongs to one thread at a time. Typical use:
 *
 *     db_link_init(&l, DB_LINK_PG, url, 2000, "jobs");
 *     if (db_link_connect(&l) < 0)
 *         return GV_EUNAVAIL;               // down; db_link_error says why
 *     err = db_blob_get(db_link_pg(&l), ...);
 *     if (err == GV_EUNAVAIL)
 *         db_link_lost(&l, NULL);           // the next connect tries at once
 *     ...
 *     db_link_release(&l);
 */
#ifndef DB_LINK_H
#define DB_LINK_H

#include <stdint.h>

#include "gv_time.h"

struct db_pg;
struct db_redis;
struct db__link_ops;

enum db_link_store { DB_LINK_PG, DB_LINK_REDIS };

/* The fields are the link's; read them through the functions below. */
struct db_link {
    const struct db__link_ops *ops;
    const char *url;       /* borrowed */
    const char *subsystem; /* for the log: "judge", "jobs", ... */
    int timeout_ms;
    void *conn; /* NULL while down */
    struct gv_backoff backoff;
    int64_t retry_at_ms; /* monotonic; 0: at once */
    int logged;          /* what the log said last: 0 nothing yet, 1 up, -1 down */
    char error[256];     /* why it is down, on one line; "" while up */
};

/* A link with no connection yet; the first db_link_connect tries at once.
 * `url` and `subsystem` are borrowed: they must outlive the link.
 * `timeout_ms` bounds a connect (PostgreSQL rounds it up to seconds). */
void db_link_init(struct db_link *l, enum db_link_store store, const char *url, int timeout_ms,
                  const char *subsystem);
/* Closes the connection, if any. The link may be initialised again. */
void db_link_release(struct db_link *l);

/* Makes sure there is a connection to use: keeps a usable one (0), or opens
 * one when it is time (1: a new connection, so whatever the caller made on
 * the old one, such as a db_queue, must be made again). Without a
 * connection: GV_EUNAVAIL (or the connect's own error) and db_link_error
 * says why; no I/O at all before the backoff allows the next attempt. */
int db_link_connect(struct db_link *l);

/* A round trip on the connection: 0, or GV_EUNAVAIL after which the
 * connection is gone (as by db_link_lost). GV_EUNAVAIL without one. For a
 * long-idle connection whose peer may have vanished without closing it,
 * which db_link_connect's look at the socket cannot tell. */
int db_link_ping(struct db_link *l);

/* The connection broke (a call on it returned GV_EUNAVAIL): closes it and
 * logs why, `why` or the driver's last error when NULL. The next
 * db_link_connect tries at once. */
void db_link_lost(struct db_link *l, const char *why);

/* Like db_link_lost, for a failure that a new connection would meet again
 * at once (what the caller builds on the connection cannot be built): the
 * next attempt waits a backoff step. */
void db_link_fail(struct db_link *l, const char *why);

/* The connection, or NULL while down. Borrowed: valid until the next call
 * on the link that may close it (connect, ping, lost, fail, release). */
struct db_pg *db_link_pg(const struct db_link *l);
struct db_redis *db_link_redis(const struct db_link *l);

/* Milliseconds until db_link_connect may try again; 0 when it may now. */
int64_t db_link_retry_in_ms(const struct db_link *l);

/* Why the store is down, on one line ("" while up). Borrowed. */
const char *db_link_error(const struct db_link *l);

#endif
