/* SPDX-License-Identifier: MIT
 * srv_subs.c - subscriptions and the per-connection push policy (see
 * srv_subs.h for the rules and docs/PROTOCOL.md for the numbers).
 *
 * Pending pushes are kept sorted by event id rather than in arrival order:
 * live events arrive in id order anyway (an append), and events replayed by
 * a resume land where they belong among live ones that overtook them, so a
 * client never sees ids go backwards within what is still unsent. The
 * arrays are at most SRV_SUBS_PENDING_MAX long, so a linear scan is cheaper
 * than any index. */
#include "srv_subs.h"

#include <errno.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_live.h"
#include "banned.h"

struct srv_subs_push {
    struct srv_frame *frame; /* a reference */
    size_t len;
    uint64_t id_ms, id_seq;
    int64_t submission_id;
    int64_t user_id, contest_id;
    enum cst_event_type type; /* its rules: cst_event_info */
    int64_t since_ms; /* when it was offered: how long the client is behind */
    bool exact;       /* replayed by a resume: never coalesced away */
};

struct srv_frame *srv_frame_new(const void *text, size_t len)
{
    struct srv_frame *f = gv_malloc(sizeof(*f) + SRV_FRAME_HEADROOM + len + 1);

    if (!f)
        return NULL;
    f->refs = 1;
    f->len = len;
    f->event_ms = 0;
    memcpy(f->mem + SRV_FRAME_HEADROOM, text, len);
    f->mem[SRV_FRAME_HEADROOM + len] = '\0';
    return f;
}

struct srv_frame *srv_frame_ref(struct srv_frame *f)
{
    f->refs++;
    return f;
}

void srv_frame_unref(struct srv_frame *f)
{
    if (f && --f->refs == 0)
        gv_free(f);
}

int srv_subs_id_parse(const char *id, uint64_t *ms, uint64_t *seq)
{
    uint64_t v[2] = {0, 0}, d;
    int part = 0;
    size_t digits = 0;

    if (!id || !*id)
        return GV_EINVAL;
    for (const char *p = id; *p; p++) {
        if (*p == '-') {
            if (part || !digits)
                return GV_EINVAL;
            part = 1;
            digits = 0;
            continue;
        }
        if (*p < '0' || *p > '9')
            return GV_EINVAL;
        d = (uint64_t)(*p - '0');
        if (v[part] > UINT64_MAX / 10 || (v[part] == UINT64_MAX / 10 && d > UINT64_MAX % 10))
            return GV_EINVAL;
        v[part] = v[part] * 10 + d;
        digits++;
    }
    if (!digits)
        return GV_EINVAL;
    *ms = v[0];
    *seq = v[1];
    return 0;
}

int srv_subs_id_cmp(uint64_t a_ms, uint64_t a_seq, uint64_t b_ms, uint64_t b_seq)
{
    if (a_ms != b_ms)
        return a_ms < b_ms ? -1 : 1;
    if (a_seq != b_seq)
        return a_seq < b_seq ? -1 : 1;
    return 0;
}

void srv_subs_init(struct srv_subs *s)
{
    memset(s, 0, sizeof(*s));
}

static void drop_pending(struct srv_subs *s)
{
    for (unsigned i = 0; i < s->npending; i++)
        srv_frame_unref(s->pending[i].frame);
    gv_free(s->pending);
    s->pending = NULL;
    s->npending = s->pending_cap = 0;
    s->pending_bytes = 0;
}

void srv_subs_release(struct srv_subs *s)
{
    drop_pending(s);
    gv_free(s->submissions);
    srv_subs_init(s);
}

/* Whether a subscription made at `since` is live for the event `id`: the
 * loop had not yet passed it. */
static bool live_after(struct srv_subs_mark since, uint64_t ms, uint64_t seq)
{
    return srv_subs_id_cmp(since.ms, since.seq, ms, seq) < 0;
}

static struct srv_subs_mark earlier(struct srv_subs_mark a, struct srv_subs_mark b)
{
    return srv_subs_id_cmp(a.ms, a.seq, b.ms, b.seq) <= 0 ? a : b;
}

void srv_subs_set_user(struct srv_subs *s, int64_t user_id, bool jury, struct srv_subs_mark now)
{
    int64_t id = user_id > 0 ? user_id : 0;
    bool was_jury = s->jury;

    /* Logged in again as the same user: the topic never lapsed. */
    if (id != s->user_id)
        s->user_since = now;
    s->user_id = id;
    s->jury = s->user_id && jury;
    if (s->jury && !was_jury)
        s->jury_since = now;
}

int srv_subs_add_submission(struct srv_subs *s, int64_t id, struct srv_subs_mark now)
{
    if (id <= 0)
        return GV_EINVAL;
    for (unsigned i = 0; i < s->nsubmissions; i++)
        if (s->submissions[i].id == id)
            return 0;
    if (s->nsubmissions >= SRV_SUBS_MAX_SUBMISSIONS)
        return GV_ETOOBIG;
    if (s->nsubmissions == s->submissions_cap) {
        unsigned cap = s->submissions_cap ? s->submissions_cap * 2 : 4;
        struct srv_subs_topic *p;

        if (cap > SRV_SUBS_MAX_SUBMISSIONS)
            cap = SRV_SUBS_MAX_SUBMISSIONS;
        p = gv_realloc(s->submissions, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        s->submissions = p;
        s->submissions_cap = cap;
    }
    s->submissions[s->nsubmissions++] = (struct srv_subs_topic){id, now};
    return 0;
}

int srv_subs_add_contest(struct srv_subs *s, int64_t id, struct srv_subs_mark now)
{
    if (id <= 0)
        return GV_EINVAL;
    for (unsigned i = 0; i < s->ncontests; i++)
        if (s->contests[i].id == id)
            return 0;
    if (s->ncontests >= SRV_SUBS_MAX_CONTESTS)
        return GV_ETOOBIG;
    s->contests[s->ncontests++] = (struct srv_subs_topic){id, now};
    return 0;
}

void srv_subs_watch_contests(struct srv_subs *s, struct srv_subs_mark now)
{
    if (!s->watch_contests)
        s->watch_since = now;
    s->watch_contests = true;
}

/* Order does not matter in these lists, so the last entry fills the gap. */
void srv_subs_remove_submission(struct srv_subs *s, int64_t id)
{
    for (unsigned i = 0; i < s->nsubmissions; i++) {
        if (s->submissions[i].id == id) {
            s->submissions[i] = s->submissions[--s->nsubmissions];
            return;
        }
    }
}

void srv_subs_remove_contest(struct srv_subs *s, int64_t id)
{
    for (unsigned i = 0; i < s->ncontests; i++) {
        if (s->contests[i].id == id) {
            s->contests[i] = s->contests[--s->ncontests];
            return;
        }
    }
}

void srv_subs_unwatch_contests(struct srv_subs *s)
{
    s->watch_contests = false;
}

/* Whether the connection wants `e`, and since when: the earliest position
 * among the subscriptions that want it. */
static bool wanted_since(const struct srv_subs *s, const struct srv_live_event *e,
                         struct srv_subs_mark *since)
{
    bool wanted = false;

    *since = SRV_SUBS_MARK_UNKNOWN;
    if (e->audience == CST_AUDIENCE_SERVERS) /* the caches' business */
        return false;
    if (s->watch_contests && srv_live_event_for_list(e)) {
        *since = earlier(*since, s->watch_since);
        wanted = true;
    }
    if (s->user_id && e->user_id == s->user_id) {
        *since = earlier(*since, s->user_since);
        wanted = true;
    }
    if (e->submission_id) {
        for (unsigned i = 0; i < s->nsubmissions; i++) {
            if (s->submissions[i].id == e->submission_id) {
                *since = earlier(*since, s->submissions[i].since);
                wanted = true;
            }
        }
    }
    /* Only events whose audience is the contest reach its subscribers as
     * such; a judging event reaches them only through the rules above:
     * another contestant's verdict is not theirs to see (think of the
     * freeze). */
    if (srv_live_event_for_contest(e) && (e->audience != CST_AUDIENCE_JURY || s->jury)) {
        for (unsigned i = 0; i < s->ncontests; i++) {
            if (s->contests[i].id == e->contest_id) {
                struct srv_subs_mark m = s->contests[i].since;

                /* A jury event is live only since both the subscription
                 * and the jury role. */
                if (e->audience == CST_AUDIENCE_JURY &&
                    srv_subs_id_cmp(s->jury_since.ms, s->jury_since.seq, m.ms, m.seq) > 0)
                    m = s->jury_since;
                *since = earlier(*since, m);
                wanted = true;
            }
        }
    }
    return wanted;
}

bool srv_subs_wants(const struct srv_subs *s, const struct srv_live_event *e)
{
    struct srv_subs_mark since;

    return wanted_since(s, e, &since);
}

bool srv_subs_live_covers(const struct srv_subs *s, const struct srv_live_event *e)
{
    struct srv_subs_mark since;
    uint64_t ms, seq;

    if (!wanted_since(s, e, &since) || srv_subs_id_parse(e->id, &ms, &seq) < 0)
        return false;
    return live_after(since, ms, seq);
}

int srv_subs_copy_filter(struct srv_subs *dst, const struct srv_subs *src)
{
    srv_subs_init(dst);
    dst->user_id = src->user_id;
    dst->user_since = src->user_since;
    dst->watch_since = src->watch_since;
    dst->jury_since = src->jury_since;
    memcpy(dst->contests, src->contests, sizeof(dst->contests));
    dst->ncontests = src->ncontests;
    dst->watch_contests = src->watch_contests;
    dst->jury = src->jury;
    if (src->nsubmissions) {
        dst->submissions = gv_malloc(src->nsubmissions * sizeof(*dst->submissions));
        if (!dst->submissions)
            return -ENOMEM;
        memcpy(dst->submissions, src->submissions, src->nsubmissions * sizeof(*dst->submissions));
        dst->nsubmissions = dst->submissions_cap = src->nsubmissions;
    }
    return 0;
}

static void remove_at(struct srv_subs *s, unsigned i)
{
    s->pending_bytes -= s->pending[i].len;
    srv_frame_unref(s->pending[i].frame);
    memmove(&s->pending[i], &s->pending[i + 1], (s->npending - i - 1) * sizeof(*s->pending));
    s->npending--;
}

/* Everything pending goes; one resync takes its place. */
static void overflow(struct srv_subs *s, int64_t now_ms)
{
    drop_pending(s);
    s->resync = true;
    s->resync_since_ms = now_ms;
    s->discarded = 0;
}

/* Whether one of `p` and `q` makes the other moot, by the rule of their
 * type (cst_event_coalesce): the latest test or state of a submission, the
 * latest row of a contestant (a row is the whole state of that row).
 * Replayed pushes are exact and never coalesce. */
static bool supersedes(const struct srv_subs_push *p, const struct srv_subs_push *q)
{
    if (p->exact || q->exact || p->type != q->type)
        return false;
    switch (cst_event_info(p->type)->coalesce) {
    case CST_COALESCE_SUBMISSION:
        return q->submission_id == p->submission_id;
    case CST_COALESCE_CONTESTANT:
        return q->contest_id == p->contest_id && q->user_id == p->user_id;
    case CST_COALESCE_NEVER:
        break;
    }
    return false;
}

static int64_t oldest_since(const struct srv_subs *s)
{
    int64_t t = s->resync ? s->resync_since_ms : INT64_MAX;

    for (unsigned i = 0; i < s->npending; i++)
        if (s->pending[i].since_ms < t)
            t = s->pending[i].since_ms;
    return t;
}

enum srv_subs_verdict srv_subs_offer(struct srv_subs *s, const struct srv_live_event *e,
                                     int64_t now_ms)
{
    struct srv_subs_push p = {0};
    unsigned at;
    int64_t oldest;

    if (!srv_subs_wants(s, e))
        return SRV_SUBS_OK;
    oldest = oldest_since(s);
    if (oldest != INT64_MAX && now_ms - oldest > SRV_SUBS_BEHIND_MAX_MS)
        return SRV_SUBS_DROP;
    if (s->resync) {
        /* Not even the resync was read: what follows it is moot, and a
         * client that keeps ignoring it is cut off. */
        if (++s->discarded > SRV_SUBS_DISCARD_MAX)
            return SRV_SUBS_DROP;
        return SRV_SUBS_OK;
    }
    if (srv_subs_id_parse(e->id, &p.id_ms, &p.id_seq) < 0 || !e->frame)
        return SRV_SUBS_OK; /* not from the stream: nothing we could order */
    p.submission_id = e->submission_id;
    p.user_id = e->user_id;
    p.contest_id = e->contest_id;
    p.type = e->type;
    p.since_ms = now_ms;
    p.exact = e->exact;

    for (unsigned i = 0; i < s->npending; i++) {
        struct srv_subs_push *q = &s->pending[i];
        int c = srv_subs_id_cmp(p.id_ms, p.id_seq, q->id_ms, q->id_seq);

        if (c == 0)
            return SRV_SUBS_OK; /* a replay of what the live thread queued */
        if (supersedes(&p, q)) {
            if (c < 0)
                return SRV_SUBS_OK; /* a newer one already waits */
            /* The client has been behind since the older one came. */
            p.since_ms = q->since_ms;
            remove_at(s, i);
            break;
        }
    }
    if (s->npending + 1 > SRV_SUBS_PENDING_MAX ||
        s->pending_bytes + e->frame_len > SRV_SUBS_PENDING_BYTES) {
        overflow(s, now_ms);
        return SRV_SUBS_OK;
    }
    if (s->npending == s->pending_cap) {
        unsigned cap = s->pending_cap ? s->pending_cap * 2 : 4;
        struct srv_subs_push *a;

        if (cap > SRV_SUBS_PENDING_MAX)
            cap = SRV_SUBS_PENDING_MAX;
        a = gv_realloc(s->pending, cap * sizeof(*a));
        if (!a) {
            overflow(s, now_ms);
            return SRV_SUBS_OK;
        }
        s->pending = a;
        s->pending_cap = cap;
    }
    /* Live events share one frame among all their connections; an event
     * built by hand (tests) gets a frame of its own. */
    p.frame = e->shared ? srv_frame_ref(e->shared) : srv_frame_new(e->frame, e->frame_len);
    if (!p.frame) {
        overflow(s, now_ms);
        return SRV_SUBS_OK;
    }
    p.len = e->frame_len;
    /* Usually an append: search from the tail. */
    at = s->npending;
    while (at > 0 && srv_subs_id_cmp(p.id_ms, p.id_seq, s->pending[at - 1].id_ms,
                                     s->pending[at - 1].id_seq) < 0)
        at--;
    memmove(&s->pending[at + 1], &s->pending[at], (s->npending - at) * sizeof(*s->pending));
    s->pending[at] = p;
    s->npending++;
    s->pending_bytes += p.len;
    return SRV_SUBS_OK;
}

struct srv_frame *srv_subs_next(struct srv_subs *s)
{
    struct srv_frame *frame;

    if (s->resync) {
        frame = srv_frame_new(SRV_SUBS_RESYNC_FRAME, sizeof(SRV_SUBS_RESYNC_FRAME) - 1);
        if (!frame)
            return NULL; /* stays pending; the next call tries again */
        s->resync = false;
        s->discarded = 0;
        return frame;
    }
    if (!s->npending)
        return NULL;
    frame = s->pending[0].frame;
    s->pending_bytes -= s->pending[0].len;
    memmove(&s->pending[0], &s->pending[1], (s->npending - 1) * sizeof(*s->pending));
    s->npending--;
    if (!s->npending)
        drop_pending(s); /* an idle connection holds no heap memory */
    return frame;
}

unsigned srv_subs_pending(const struct srv_subs *s)
{
    return s->npending + (s->resync ? 1 : 0);
}
