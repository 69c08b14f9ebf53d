/* SPDX-License-Identifier: MIT
 * srv_subs.h - one connection's subscriptions and its pending pushes.
 *
 * Pure logic (no lws, no I/O, no locks): embedded in the WebSocket session
 * and used by the lws service thread only. Idle, it holds no heap memory;
 * the arrays grow when used and shrink back when drained.
 *
 * What a connection wants (srv_subs_wants):
 *   - every event of its logged-in user (own submissions: always wanted);
 *   - every event of a submission it subscribed to (the core checks that the
 *     caller may see it: own, or organizer);
 *   - events whose audience is the contest (cst_event_info's `audience`) of
 *     a contest it subscribed to, and public ones (phase changes) of every
 *     contest when it watches the list of contests. Another user's judging events are never
 *     sent to a contest subscriber: they would leak verdicts, also during a
 *     freeze.
 *
 * Backpressure of pushes (docs/PROTOCOL.md, "Backpressure of pushes"). The
 * core takes pushes with srv_subs_next() only while no reply waits in the
 * connection's reply queue, so pushes wait here, in id order, under a bound:
 *   - coalescing, by the rule of the event's type (cst_event_info's
 *     `coalesce`): a judging.test replaces an unsent older judging.test of
 *     the same submission; judging.state likewise; a contest.scoreboard row
 *     replaces an unsent older row of the same contestant in the same
 *     contest; an older one arriving after a newer (a replay) is dropped.
 *     An event already pending (same id) is not queued twice. Verdicts and
 *     announcements are never coalesced;
 *   - past SRV_SUBS_PENDING_MAX pushes or SRV_SUBS_PENDING_BYTES bytes, all
 *     pending pushes are dropped and one {"type":"resync"} is queued; events
 *     offered while that resync is unsent are discarded (the client
 *     re-fetches a snapshot anyway);
 *   - SRV_SUBS_DROP (the core closes with 1008) when more than
 *     SRV_SUBS_DISCARD_MAX events were discarded behind an unsent resync, or
 *     when the oldest unsent push (or resync) has waited more than
 *     SRV_SUBS_BEHIND_MAX_MS. */
#ifndef SRV_SUBS_H
#define SRV_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_live_event;

#define SRV_SUBS_MAX_SUBMISSIONS 64
#define SRV_SUBS_MAX_CONTESTS 8
#define SRV_SUBS_PENDING_MAX 64
#define SRV_SUBS_PENDING_BYTES (64 * 1024)
#define SRV_SUBS_DISCARD_MAX 256
#define SRV_SUBS_BEHIND_MAX_MS 30000

#define SRV_SUBS_RESYNC_FRAME "{\"type\":\"resync\"}"

struct srv_subs_push; /* private to srv_subs.c */

/* A position in the live stream: the id of the newest event this process's
 * loop has handed to its connections. Each subscription remembers the
 * position at which it was made, so a resume can tell which missed events
 * the loop offered (or will offer) live and must not be replayed twice:
 * those after it. */
struct srv_subs_mark {
    uint64_t ms, seq;
};
/* The loop has not learnt its position yet (the live thread has not
 * reached Redis): a resume then replays everything it finds, so an event
 * may come twice, but none is lost. */
#define SRV_SUBS_MARK_UNKNOWN ((struct srv_subs_mark){UINT64_MAX, UINT64_MAX})

/* A push frame's text, shared by every connection it goes to: fan-out costs
 * one reference per connection instead of one copy. SRV_FRAME_HEADROOM
 * writable bytes precede the payload, where lws builds the WebSocket header
 * (LWS_PRE); every connection writes the same header bytes there (same
 * length, text, FIN, unmasked), so sharing them is safe. The count is not
 * atomic: a frame belongs to one thread at a time (the live or job thread
 * that built its event, then the loop). */
#define SRV_FRAME_HEADROOM 32

struct srv_frame {
    unsigned refs;
    size_t len;                /* payload bytes (a NUL follows them) */
    int64_t event_ms;          /* its event's stream id time, for the push lag; 0: none */
    unsigned char mem[];       /* SRV_FRAME_HEADROOM + len + 1 */
};

/* A frame holding a copy of `len` bytes of `text`, one reference; NULL when
 * out of memory. */
struct srv_frame *srv_frame_new(const void *text, size_t len);
struct srv_frame *srv_frame_ref(struct srv_frame *f);
void srv_frame_unref(struct srv_frame *f); /* NULL is a no-op */
static inline unsigned char *srv_frame_payload(struct srv_frame *f)
{
    return f->mem + SRV_FRAME_HEADROOM;
}

struct srv_subs_topic {
    int64_t id;
    struct srv_subs_mark since; /* live from after this position */
};

struct srv_subs {
    int64_t user_id; /* 0: nobody logged in */
    struct srv_subs_mark user_since, watch_since, jury_since;
    struct srv_subs_topic *submissions; /* gv_malloc'd, nsubmissions used */
    unsigned nsubmissions, submissions_cap;
    struct srv_subs_topic contests[SRV_SUBS_MAX_CONTESTS];
    unsigned ncontests;
    bool watch_contests; /* the list of contests (subscribe "contests") */
    bool jury;           /* the logged-in user is an organizer or admin */
    struct srv_subs_push *pending; /* sorted by event id; gv_malloc'd */
    unsigned npending, pending_cap;
    size_t pending_bytes;
    bool resync;             /* a resync frame waits */
    int64_t resync_since_ms; /* when it was queued */
    unsigned discarded;      /* events dropped behind that unsent resync */
};

void srv_subs_init(struct srv_subs *s);
/* Frees everything; `s` is as after srv_subs_init. */
void srv_subs_release(struct srv_subs *s);

/* `now` in the four below is the loop's position in the live stream when
 * the subscription is made (SRV_SUBS_MARK_UNKNOWN when it has none). */

/* 0 on logout; `jury` for an organizer or admin, who also get the jury's
 * events (questions, private answers) of the contests they subscribe to. */
void srv_subs_set_user(struct srv_subs *s, int64_t user_id, bool jury, struct srv_subs_mark now);
/* Idempotent (the first position stays); GV_ETOOBIG past
 * SRV_SUBS_MAX_SUBMISSIONS, GV_EINVAL for id <= 0, -ENOMEM. */
int srv_subs_add_submission(struct srv_subs *s, int64_t id, struct srv_subs_mark now);
/* Idempotent; GV_ETOOBIG past SRV_SUBS_MAX_CONTESTS, GV_EINVAL for id <= 0. */
int srv_subs_add_contest(struct srv_subs *s, int64_t id, struct srv_subs_mark now);
/* Watches the list of contests: public events of every contest. */
void srv_subs_watch_contests(struct srv_subs *s, struct srv_subs_mark now);
/* Undo the three above; each is a no-op for what is not subscribed. */
void srv_subs_remove_submission(struct srv_subs *s, int64_t id);
void srv_subs_remove_contest(struct srv_subs *s, int64_t id);
void srv_subs_unwatch_contests(struct srv_subs *s);
bool srv_subs_wants(const struct srv_subs *s, const struct srv_live_event *e);
/* Whether the loop offers `e` to this connection live: a subscription that
 * wants it was made before the loop passed `e`'s id. A resume skips such
 * events: the client has them, or they are on their way. */
bool srv_subs_live_covers(const struct srv_subs *s, const struct srv_live_event *e);

/* Copies the subscriptions only (no pending pushes) of `src` into `dst`,
 * which must be released with srv_subs_release: what a job thread needs for
 * srv_live_replay while the loop keeps using `src`. -ENOMEM. */
int srv_subs_copy_filter(struct srv_subs *dst, const struct srv_subs *src);

enum srv_subs_verdict { SRV_SUBS_OK, SRV_SUBS_DROP };

/* Takes a reference to the event's shared frame (e->shared; a copy when
 * the event has none) when the connection wants it (others are ignored:
 * SRV_SUBS_OK), applying the policy above. `now_ms` is a
 * monotonic clock (gv_time_mono_ms). Running out of memory counts as an
 * overflow (resync). On SRV_SUBS_DROP the core closes the connection. */
enum srv_subs_verdict srv_subs_offer(struct srv_subs *s, const struct srv_live_event *e,
                                     int64_t now_ms);

/* The next push frame to write (a reference the caller drops with
 * srv_frame_unref), or NULL when none is pending. A resync comes before
 * anything else. */
struct srv_frame *srv_subs_next(struct srv_subs *s);

/* How many pushes wait (a pending resync counts as one). */
unsigned srv_subs_pending(const struct srv_subs *s);

/* Parses a stream id "<ms>-<seq>" (a bare "<ms>" means seq 0). GV_EINVAL
 * when malformed. */
int srv_subs_id_parse(const char *id, uint64_t *ms, uint64_t *seq);
/* <0, 0, >0 as id a sorts before, with, after id b (both parsed). */
int srv_subs_id_cmp(uint64_t a_ms, uint64_t a_seq, uint64_t b_ms, uint64_t b_seq);

#endif
