/* SPDX-License-Identifier: MIT
 * srv_live.c - the live thread and resume (see srv_live.h).
 *
 * Theory of operation. The thread owns its Redis connection and is the only
 * one to touch it. Each XREAD returns a batch; its entries become events,
 * appended under `lock` to a list the loop thread takes whole. The loop is
 * woken once per batch, not per event. If the loop stops draining (it never
 * should for long), the thread stops reading at SRV_LIVE_QUEUE_MAX events
 * and waits: the stream itself is the buffer, so the server's memory stays
 * bounded and nothing is lost unless the stream is trimmed past us.
 *
 * Stopping sets `stopping` and signals `wake`; the thread notices between
 * two XREADs (each blocks at most LIVE_BLOCK_MS) or during a backoff sleep. */
#include "srv_live.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "db.h"
#include "db_event.h"
#include "db_link.h"
#include "db_stream.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "srv_metrics.h"
#include "srv_subs.h"
#include "banned.h"

#define LIVE_BLOCK_MS 1000
#define LIVE_BATCH 256
#define LIVE_REDIS_TIMEOUT_MS 1000
/* The pause after a failure that is neither Redis' nor its connection's. */
#define LIVE_PAUSE_MS 100
/* Undrained events at which the thread pauses reading. */
#define SRV_LIVE_QUEUE_MAX 4096
#define REPLAY_PAGE 512

struct srv_live {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;                /* on CLOCK_MONOTONIC: stop, or the loop drained */
    bool stopping;                      /* under lock */
    struct srv_live_event *head, *tail; /* under lock */
    size_t queued;                      /* under lock */
    /* Under lock: every entry up to this id is in the list above or was
     * drained; "" until the first connect. */
    char posted_id[DB_STREAM_ID_MAX];
    struct lws_context *ctx;
    char *url;
    char key[128];
    /* Thread only. */
    struct db_link redis;
    char last_id[DB_STREAM_ID_MAX]; /* "" until the first connect */
};

static const char *stream_key(void)
{
    return db_stream_live_key();
}

void srv_live_event_free(struct srv_live_event *e)
{
    if (!e)
        return;
    if (e->shared)
        srv_frame_unref(e->shared);
    else
        gv_free(e->frame);
    gv_free(e);
}

void srv_live_event_free_list(struct srv_live_event *e)
{
    while (e) {
        struct srv_live_event *next = e->next;

        srv_live_event_free(e);
        e = next;
    }
}

int srv_live_event_new(struct srv_live_event **out, const char *id, const struct cst_event *ev)
{
    struct srv_live_event *e = NULL;
    cJSON *frame = NULL, *data = NULL;
    uint64_t ms, seq;
    char *text = NULL;
    int err = GV_EPARSE;

    *out = NULL;
    if (!id || strlen(id) >= sizeof(e->id) || srv_subs_id_parse(id, &ms, &seq) < 0 ||
        !cst_event_valid(ev))
        return GV_EPARSE;
    err = -ENOMEM;
    e = gv_calloc(1, sizeof(*e));
    frame = cJSON_CreateObject();
    data = cst_event_to_json(ev);
    if (!e || !frame || !data)
        goto out;
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->type = ev->type;
    e->audience = cst_event_audience(ev);
    e->submission_id = ev->submission_id;
    e->user_id = ev->user_id;
    e->contest_id = ev->contest_id;
    e->seq = ev->seq;
    /* A public clarification goes to every subscriber of its contest, and
     * who asked it is the jury's to know (clar.list and the CLICS API name
     * the asker to the jury only): the frame, shared by every connection,
     * leaves the asker out. `e->user_id` still routes it to the asker. */
    if (ev->type == CST_EVENT_CONTEST_CLAR && e->audience == CST_AUDIENCE_CONTEST)
        cJSON_DeleteItemFromObjectCaseSensitive(data, "user_id");
    if (!cJSON_AddStringToObject(frame, "type", "event") ||
        !cJSON_AddStringToObject(frame, "event", cst_event_info(ev->type)->name) ||
        !cJSON_AddStringToObject(frame, "event_id", id) ||
        !cJSON_AddItemToObject(frame, "data", data))
        goto out;
    data = NULL;
    text = cJSON_PrintUnformatted(frame);
    if (!text)
        goto out;
    /* cJSON's buffer is not ours to gv_free; the one copy goes where every
     * connection can share it. */
    e->frame_len = strlen(text);
    e->shared = srv_frame_new(text, e->frame_len);
    if (!e->shared)
        goto out;
    e->frame = (char *)srv_frame_payload(e->shared);
    e->shared->event_ms = (int64_t)ms;
    *out = e;
    e = NULL;
    err = 0;
out:
    if (text)
        cJSON_free(text);
    cJSON_Delete(frame);
    cJSON_Delete(data);
    srv_live_event_free(e);
    return err;
}

static int event_from_entry(struct srv_live_event **out, const struct db_stream_entry *en)
{
    struct cst_event ev;
    int err = db_event_from_entry(&ev, en);

    if (err == 0)
        err = srv_live_event_new(out, en->id, &ev);
    cst_event_release(&ev);
    return err;
}

/* --- The thread ------------------------------------------------------------ */

/* Sleeps up to `ms` unless stopped; true when stopping. */
static bool wait_or_stop(struct srv_live *l, int64_t ms)
{
    struct timespec ts;
    bool stop;

    gv_time_mono_deadline(&ts, ms);
    pthread_mutex_lock(&l->lock);
    if (!l->stopping)
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
    stop = l->stopping;
    pthread_mutex_unlock(&l->lock);
    return stop;
}

/* Connects, and the first time also finds where to start reading. */
static int connect_redis(struct srv_live *l)
{
    int err = db_link_connect(&l->redis);

    if (err < 0)
        return err;
    if (!l->last_id[0]) {
        /* Like "$", but pinned: events added between two XREADs must not
         * fall into the gap that a literal "$" would leave each time. */
        err = db_stream_last_id(l->last_id, db_link_redis(&l->redis), l->key);
        if (err == GV_ENOTFOUND) {
            snprintf(l->last_id, sizeof(l->last_id), "0-0");
            err = 0;
        }
        if (err < 0) {
            l->last_id[0] = '\0';
            db_link_fail(&l->redis, NULL);
            return err;
        }
    }
    pthread_mutex_lock(&l->lock);
    snprintf(l->posted_id, sizeof(l->posted_id), "%s", l->last_id);
    pthread_mutex_unlock(&l->lock);
    gv_log(GV_LOG_INFO, "live", "reading %s after %s", l->key, l->last_id);
    return 0;
}

/* Hands a batch to the loop; true when stopping. */
static bool post(struct srv_live *l, struct srv_live_event *first, struct srv_live_event *last,
                 size_t n)
{
    bool stop;

    pthread_mutex_lock(&l->lock);
    if (first) {
        if (l->tail)
            l->tail->next = first;
        else
            l->head = first;
        l->tail = last;
        l->queued += n;
    }
    /* Skipped entries move the position too, in the same step as the
     * events before them. */
    snprintf(l->posted_id, sizeof(l->posted_id), "%s", l->last_id);
    pthread_mutex_unlock(&l->lock);
    if (l->ctx && first)
        lws_cancel_service(l->ctx);
    pthread_mutex_lock(&l->lock);
    while (!l->stopping && l->queued >= SRV_LIVE_QUEUE_MAX) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
    }
    stop = l->stopping;
    pthread_mutex_unlock(&l->lock);
    return stop;
}

static int read_once(struct srv_live *l)
{
    struct db_stream_batch b;
    struct srv_live_event *first = NULL, *last = NULL;
    size_t n = 0;
    int err;

    err =
        db_stream_read(&b, db_link_redis(&l->redis), l->key, l->last_id, LIVE_BATCH, LIVE_BLOCK_MS);
    if (err < 0)
        return err;
    for (size_t i = 0; i < b.count; i++) {
        struct srv_live_event *e = NULL;

        err = event_from_entry(&e, &b.entries[i]);
        if (err == -ENOMEM) {
            /* Retry the rest of the batch later, from the last one kept. */
            break;
        }
        snprintf(l->last_id, sizeof(l->last_id), "%s", b.entries[i].id);
        if (err < 0) {
            gv_log(GV_LOG_WARN, "live", "skipping unusable entry %s of %s", b.entries[i].id,
                   l->key);
            continue;
        }
        if (last)
            last->next = e;
        else
            first = e;
        last = e;
        n++;
    }
    db_stream_batch_release(&b);
    gv_counter_add(&srv_metrics.live_events, n);
    if (post(l, first, last, n))
        return 1;
    return err == -ENOMEM ? err : 0;
}

static void *live_main(void *arg)
{
    struct srv_live *l = arg;

    for (;;) {
        int err;

        pthread_mutex_lock(&l->lock);
        if (l->stopping) {
            pthread_mutex_unlock(&l->lock);
            break;
        }
        pthread_mutex_unlock(&l->lock);
        if (!db_link_redis(&l->redis) && connect_redis(l) < 0) {
            if (wait_or_stop(l, db_link_retry_in_ms(&l->redis)))
                break;
            continue;
        }
        err = read_once(l);
        if (err == 1)
            break;
        if (err == GV_EUNAVAIL) {
            /* Most often a restart: reconnect at once, and continue after
             * the last id delivered. */
            db_link_lost(&l->redis, NULL);
        } else if (err == GV_EREDIS) {
            /* A WRONGTYPE key, say: a new connection would meet it again
             * at once, so start afresh after a backoff step. */
            char why[256];

            snprintf(why, sizeof(why), "XREAD %s failed: %s", l->key,
                     db_redis_last_error(db_link_redis(&l->redis)));
            db_link_fail(&l->redis, why);
            if (wait_or_stop(l, db_link_retry_in_ms(&l->redis)))
                break;
        } else if (err < 0) {
            if (wait_or_stop(l, LIVE_PAUSE_MS))
                break;
        }
    }
    return NULL;
}

int srv_live_start(struct srv_live **out, const char *redis_url, struct lws_context *ctx)
{
    struct srv_live *l;
    pthread_condattr_t ca;
    int err;

    *out = NULL;
    l = gv_calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->ctx = ctx;
    l->url = gv_strdup(redis_url);
    if (!l->url) {
        gv_free(l);
        return -ENOMEM;
    }
    if ((size_t)snprintf(l->key, sizeof(l->key), "%s", stream_key()) >= sizeof(l->key) ||
        !l->key[0]) {
        gv_log(GV_LOG_ERROR, "live", "GAVEL_LIVE_STREAM is empty or too long");
        gv_free(l->url);
        gv_free(l);
        return GV_ECONFIG;
    }
    db_link_init(&l->redis, DB_LINK_REDIS, l->url, LIVE_REDIS_TIMEOUT_MS, "live");
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &ca);
    pthread_condattr_destroy(&ca);
    err = pthread_create(&l->thread, NULL, live_main, l);
    if (err) {
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->lock);
        gv_free(l->url);
        gv_free(l);
        return -err;
    }
    *out = l;
    return 0;
}

void srv_live_stop(struct srv_live *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    db_link_release(&l->redis);
    srv_live_event_free_list(l->head);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    gv_free(l->url);
    gv_free(l);
}

struct srv_live_event *srv_live_drain(struct srv_live *l, struct srv_subs_mark *pos)
{
    struct srv_live_event *list;
    bool was_full;

    pthread_mutex_lock(&l->lock);
    if (srv_subs_id_parse(l->posted_id, &pos->ms, &pos->seq) < 0)
        *pos = SRV_SUBS_MARK_UNKNOWN;
    list = l->head;
    was_full = l->queued >= SRV_LIVE_QUEUE_MAX;
    l->head = l->tail = NULL;
    l->queued = 0;
    if (was_full)
        pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->lock);
    return list;
}

/* --- Resume ---------------------------------------------------------------- */

/* GV_ENOTFOUND when entries after `last` may have been trimmed already:
 * `last` is before the stream's first entry, or the stream is gone. */
static int check_not_trimmed(struct db_redis *r, const char *key, uint64_t ms, uint64_t seq)
{
    char first[DB_STREAM_ID_MAX];
    uint64_t fms, fseq;
    int err = db_stream_first_id(first, r, key);

    if (err < 0)
        return err;
    if (srv_subs_id_parse(first, &fms, &fseq) < 0)
        return GV_EREDIS;
    return srv_subs_id_cmp(ms, seq, fms, fseq) < 0 ? GV_ENOTFOUND : 0;
}

int srv_live_replay(struct db_redis *r, const char *last_id, const struct srv_subs *subs,
                    struct srv_live_event **out)
{
    const char *key = stream_key();
    struct srv_live_event *first = NULL, *last = NULL;
    struct db_stream_batch b = {0};
    char start[DB_STREAM_ID_MAX + 2];
    uint64_t ms, seq;
    size_t n = 0;
    int err;

    *out = NULL;
    if (srv_subs_id_parse(last_id, &ms, &seq) < 0)
        return GV_EINVAL;
    /* Fail fast before reading anything... */
    err = check_not_trimmed(r, key, ms, seq);
    if (err < 0)
        return err;
    snprintf(start, sizeof(start), "(%" PRIu64 "-%" PRIu64, ms, seq);
    for (;;) {
        err = db_stream_range(&b, r, key, start, "+", REPLAY_PAGE);
        if (err < 0)
            goto out;
        for (size_t i = 0; i < b.count; i++) {
            struct srv_live_event *e = NULL;

            err = event_from_entry(&e, &b.entries[i]);
            if (err == GV_EPARSE)
                continue;
            if (err < 0)
                goto out;
            if (!srv_subs_wants(subs, e)) {
                srv_live_event_free(e);
                continue;
            }
            if (++n > SRV_LIVE_REPLAY_MAX) {
                srv_live_event_free(e);
                err = GV_ENOTFOUND;
                goto out;
            }
            if (last)
                last->next = e;
            else
                first = e;
            last = e;
        }
        if (b.count < REPLAY_PAGE)
            break;
        snprintf(start, sizeof(start), "(%s", b.entries[b.count - 1].id);
        db_stream_batch_release(&b);
    }
    /* ...and check again after: the stream may have been trimmed past
     * `last_id` while we read, taking entries we never saw. */
    err = check_not_trimmed(r, key, ms, seq);
out:
    db_stream_batch_release(&b);
    if (err < 0) {
        srv_live_event_free_list(first);
        return err;
    }
    *out = first;
    return 0;
}
