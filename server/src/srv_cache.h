/* SPDX-License-Identifier: MIT
 * srv_cache.h - what a connection storm asks for again and again, kept per
 * process: the user of a session token, and a contest's snapshot (its
 * facts, board and announcements) per view.
 *
 * At a contest's start thousands of clients say hello and subscribe to the
 * same contest within seconds; each used to cost six PostgreSQL round trips
 * on a job thread. Both caches are shared by the job threads and the loop
 * (one mutex; entries are copied in and out, never lent).
 *
 * Sessions. A contestant's token is cached for GAVEL_SESSION_CACHE_MS
 * (default SRV_CACHE_SESSION_TTL_MS; 0: not at all) after PostgreSQL last
 * said whom it names. Dropped at once in this process by a logout of that
 * token and by any change of that user (user.set, a role seen changed), and
 * in every process by the `session.ended` event that a logout or a
 * user.set on any server (or `gavel user set`) publishes on the live
 * stream (the loop drops the user's entries when it reads it). The TTL
 * only bounds a lost event and a hello that read the row just before a
 * logout's DELETE. Organizers and admins are never cached: their rights follow
 * PostgreSQL on every request anyway (srv__user_refresh).
 *
 * Snapshots. Each contest has a generation that the loop bumps for every
 * live event naming the contest, before it offers the event to anyone
 * (srv_cache_contest_touch). A job reads the generation before it reads
 * PostgreSQL; a snapshot built then is served while the generation is
 * unchanged, its contest's phase is the same (the entry ends at the next
 * change of the schedule) and for at most GAVEL_SNAPSHOT_CACHE_MS (default
 * SRV_CACHE_SNAPSHOT_TTL_MS). An edit of the contest, its unfreeze and a
 * registration publish `contest.changed` (any server, or the CLI), which
 * bumps the generation like any event of the contest; the TTL is the
 * safety net for a lost event and for a change made in PostgreSQL by hand.
 * The session checks the generation once more when the
 * subscription is made (srv_session.c): if an event of the contest was
 * delivered in between, the client would never get it - too early for its
 * subscription, too late for its snapshot -, so the subscribe runs again. */
#ifndef SRV_CACHE_H
#define SRV_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "db_catalog.h"
#include "db_contest.h"
#include "db_session.h"

#define SRV_CACHE_SESSION_TTL_MS 2000
#define SRV_CACHE_SNAPSHOT_TTL_MS 1000

struct srv_cache;

/* How long a session and a snapshot stay cached at most (0: not at all).
 * -ENOMEM. */
int srv_cache_new(struct srv_cache **out, long session_ttl_ms, long snapshot_ttl_ms);
void srv_cache_free(struct srv_cache *c); /* NULL is a no-op */

/* The user of `token` if cached and fresh at `now_ms` (monotonic). */
bool srv_cache_session_get(struct srv_cache *c, const char *token, int64_t now_ms,
                           struct db_user_info *out);
/* Remembers what PostgreSQL said at `now_ms`; a privileged user is not kept. */
void srv_cache_session_put(struct srv_cache *c, const char *token, const struct db_user_info *u,
                           int64_t now_ms);
void srv_cache_session_drop_token(struct srv_cache *c, const char *token);
void srv_cache_session_drop_user(struct srv_cache *c, int64_t user_id);

/* The contest's generation (any thread); the loop bumps it. */
uint64_t srv_cache_contest_gen(struct srv_cache *c, int64_t contest_id);
void srv_cache_contest_touch(struct srv_cache *c, int64_t contest_id);

/* A contest's snapshot for one view: the parts every subscriber shares,
 * and who is registered or asked a question (the per-caller parts are
 * answered from these). */
struct srv_cache_snapshot {
    struct db_contest_info info;
    char *board;         /* JSON text, gv_malloc'd: the whole board, or its top rows */
    char *announcements; /* JSON text, gv_malloc'd */
    char *public_clars;  /* the clarifications anyone may read, JSON text */
    struct db_contest_people people;
};

/* What one caller gets of a snapshot: copies it owns. */
struct srv_cache_view {
    struct db_contest_info info;
    char *board, *announcements, *public_clars; /* gv_malloc'd */
    bool registered; /* the caller is a participant */
    bool asked;      /* the caller asked a question: its clarifications need a read */
};

/* `window` is part of the key: 0 for the whole board, else the number of
 * top rows the board holds (subscribe's "window").
 *
 * Copies the fresh snapshot of (contest, jury, window) at `now_ms` (monotonic) and
 * generation `gen`, as `viewer_id` sees it, into *out (freed with
 * srv_cache_view_release). false when there is none, or out of memory. */
bool srv_cache_snapshot_get(struct srv_cache *c, int64_t contest_id, bool jury, int window,
                            uint64_t gen, int64_t now_ms, int64_t viewer_id,
                            struct srv_cache_view *out);
/* Takes `snap` (read at generation `gen`) and keeps it until `valid_ms`
 * (monotonic) at the latest; *snap is emptied. */
void srv_cache_snapshot_put(struct srv_cache *c, int64_t contest_id, bool jury, int window,
                            uint64_t gen, int64_t now_ms, int64_t valid_ms,
                            struct srv_cache_snapshot *snap);
void srv_cache_snapshot_release(struct srv_cache_snapshot *s);
void srv_cache_view_release(struct srv_cache_view *v);
/* `snap` as `viewer_id` sees it (copies; false when out of memory). */
bool srv_cache_view_of(struct srv_cache_view *out, const struct srv_cache_snapshot *snap,
                       int64_t viewer_id);

#endif
