/* SPDX-License-Identifier: MIT
 * srv_live.h - the live thread: judging events from every judge, for every
 * connection of this process.
 *
 * Every event (cst_event.h) is published on one Redis Stream (`gavel:live`,
 * db_event_publish) by whoever made it: gavel-judge for judging progress,
 * verdicts and scoreboard rows, gavel-server for rows and announcements.
 * Every gavel-server process runs one live thread that reads that stream
 * with a blocking XREAD on a connection of its own, decodes each entry
 * (db_event_from_entry) into a struct srv_live_event (with the push frame
 * already encoded, so the loop only copies bytes) and hands
 * the events to the lws service thread through a mutex-protected list,
 * waking it with lws_cancel_service(). The loop takes the list in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED with srv_live_drain().
 *
 * Reading starts at the stream's newest entry when the thread first
 * connects; after a lost connection it reconnects (db_link: at once, then
 * with jittered backoff, 100 ms doubling to 5 s, while Redis refuses) and
 * continues after the last id it delivered, so nothing is missed unless the
 * stream was trimmed past it meanwhile.
 *
 * The stream key is db_stream_live_key(): GAVEL_LIVE_STREAM (environment or
 * config file), default "gavel:live"; tests use a key of their own. */
#ifndef SRV_LIVE_H
#define SRV_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst_event.h"

/* A resume that would replay more wanted events than this is answered with
 * GV_ENOTFOUND: a fresh snapshot is cheaper for both sides. */
#define SRV_LIVE_REPLAY_MAX 1000

struct lws_context;
struct db_redis;
struct srv_subs;
struct srv_subs_mark;
struct srv_live;
struct srv_frame;

struct srv_live_event {
    struct srv_live_event *next;
    char id[32];                                /* stream entry id, e.g. "1764100000000-3" */
    enum cst_event_type type;                   /* its rules: cst_event_info */
    enum cst_event_audience audience;           /* cst_event_audience of the event */
    int64_t submission_id, user_id, contest_id; /* routing ids, 0 when absent */
    int64_t seq; /* a durable event's row of the `events` log; 0 for the others */
    /* The push frame to send, gv_malloc'd:
     * {"type":"event","event":"judging.test","event_id":"<id>","data":{...}} */
    char *frame;
    size_t frame_len;
    /* The frame's owner when the event came from srv_live_event_new:
     * `frame` points into it, and connections take references to it rather
     * than copies. NULL for events built by hand (tests): `frame` is then
     * the event's own (gv_free'd by srv_live_event_free). */
    struct srv_frame *shared;
    /* A replayed event the client missed (resume): delivered as it is,
     * never coalesced away by a later one, so a resumed client gets
     * exactly what it missed. */
    bool exact;
};

/* Starts the live thread; it connects in the background, so this returns at
 * once even when Redis is down. `redis_url` is copied. `ctx` is woken for
 * each batch of events; NULL means nobody is woken (tests poll
 * srv_live_drain). */
int srv_live_start(struct srv_live **out, const char *redis_url, struct lws_context *ctx);

/* Stops and joins the thread (at most about one XREAD block, 1 s, plus a
 * connect timeout), frees undrained events and `l`. NULL is a no-op. */
void srv_live_stop(struct srv_live *l);

/* Loop thread: takes every event delivered so far, oldest first (a list
 * linked by `next`, each freed with srv_live_event_free), or NULL, and sets
 * *pos to the stream position they reach: every later event comes in a
 * later drain (SRV_SUBS_MARK_UNKNOWN before the thread first reached
 * Redis). */
struct srv_live_event *srv_live_drain(struct srv_live *l, struct srv_subs_mark *pos);

/* Frees one event (not the rest of its list). NULL is a no-op. */
void srv_live_event_free(struct srv_live_event *e);

/* Resume (on a job thread: blocking). The events after `last_id` that `subs`
 * wants (srv_subs_wants), oldest first, into *out (NULL when none). Returns
 * GV_ENOTFOUND when the client must resync instead: `last_id` is older than
 * the stream's first entry (trimmed, or the stream is gone), or more than
 * SRV_LIVE_REPLAY_MAX events would be replayed. GV_EINVAL for an id that is
 * not "<ms>-<seq>"; GV_EUNAVAIL / GV_EREDIS from Redis. `subs` is only read;
 * the caller keeps the loop from changing it meanwhile (a copy is fine:
 * srv_subs_wants reads the subscriptions only). */
int srv_live_replay(struct db_redis *r, const char *last_id, const struct srv_subs *subs,
                    struct srv_live_event **out);

/* Builds the push of a decoded event published as stream entry `id`.
 * GV_EPARSE for an id that is not "<ms>-<seq>" or an invalid event (the live
 * thread skips such entries with a warning). Exposed for the tests. */
int srv_live_event_new(struct srv_live_event **out, const char *id, const struct cst_event *ev);

/* Whether the event goes to (some of) its contest's subscribers: all of
 * them, or the jury among them (srv_subs_wants tells); anyone else gets it
 * only as its user or a subscriber of its submission. */
static inline bool srv_live_event_for_contest(const struct srv_live_event *e)
{
    return e->contest_id && (e->audience == CST_AUDIENCE_CONTEST ||
                             e->audience == CST_AUDIENCE_PUBLIC || e->audience == CST_AUDIENCE_JURY);
}

/* Whether the watchers of the list of contests get it too. */
static inline bool srv_live_event_for_list(const struct srv_live_event *e)
{
    return e->audience == CST_AUDIENCE_PUBLIC;
}

/* Frees a whole list. */
void srv_live_event_free_list(struct srv_live_event *e);

#endif
