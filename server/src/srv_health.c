/* SPDX-License-Identifier: MIT
 * srv_health.c - background probes of PostgreSQL and Redis for /healthz.
 *
 * Theory of operation. db_pg_open(), db_pg_ping() and their Redis twins are
 * blocking calls: a connect to a store that is down can take its whole
 * timeout, and a ping to a wedged server as long as the kernel lets it. The
 * lws service thread must never wait on them (every client would freeze
 * with it), so one small thread owns both connections and does all of this
 * I/O. After each probe it publishes a copy of the state under a mutex; the
 * HTTP handler takes the mutex only to copy that struct. Stopping signals a
 * condition variable the thread sleeps on, so shutdown waits at most for
 * the probe in flight (bounded by the connect timeouts below). */
#include "srv_health.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "db_link.h"
#include "gv_alloc.h"
#include "gv_time.h"
#include "banned.h"

#define PROBE_INTERVAL_MS 1000
#define PG_CONNECT_TIMEOUT_MS 2000 /* libpq's smallest useful connect_timeout */
#define REDIS_TIMEOUT_MS 1000

/* One store: its connection (which reconnects with backoff and logs the
 * ups and downs) and its place in the published state. */
struct probe {
    char *url;
    struct db_link link;
    int64_t next_ms;             /* monotonic time of the next probe or connect attempt */
    struct srv_store_state *pub; /* in h->state: written under h->lock only */
};

struct srv_health {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;           /* on CLOCK_MONOTONIC */
    bool stopping;                 /* under lock */
    struct srv_health_state state; /* under lock */
    struct probe pg, redis;
};

static void publish(struct srv_health *h, struct probe *p, bool up, const char *error)
{
    struct srv_store_state *st = p->pub;

    pthread_mutex_lock(&h->lock);
    if (st->up != up)
        st->since_ms = gv_time_real_ms();
    st->up = up;
    snprintf(st->error, sizeof(st->error), "%s", up ? "" : error);
    pthread_mutex_unlock(&h->lock);
}

/* A ping while connected; a connect when there is no connection and the
 * backoff allows one, at once after a lost connection (most failures are a
 * restart). */
static void probe_step(struct srv_health *h, struct probe *p)
{
    int err = db_link_ping(&p->link);

    if (err < 0)
        err = db_link_connect(&p->link);
    publish(h, p, err >= 0, db_link_error(&p->link));
    p->next_ms = gv_time_mono_ms() + (err >= 0 ? PROBE_INTERVAL_MS : db_link_retry_in_ms(&p->link));
}

static void *health_main(void *arg)
{
    struct srv_health *h = arg;
    struct probe *probes[] = {&h->pg, &h->redis};

    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        int64_t now, next = INT64_MAX;
        struct timespec ts;

        pthread_mutex_unlock(&h->lock);
        now = gv_time_mono_ms();
        for (size_t i = 0; i < 2; i++) {
            if (probes[i]->next_ms <= now)
                probe_step(h, probes[i]);
            if (probes[i]->next_ms < next)
                next = probes[i]->next_ms;
        }
        pthread_mutex_lock(&h->lock);
        if (h->stopping)
            break;
        /* The wake-up time is absolute on CLOCK_MONOTONIC (see the condattr in
         * srv_health_start), so a wall-clock jump neither stalls nor rushes us. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (next > now) {
            int64_t at = next;

            ts.tv_sec = (time_t)(at / 1000);
            ts.tv_nsec = (long)(at % 1000) * 1000000;
            pthread_cond_timedwait(&h->wake, &h->lock, &ts);
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static void probe_init(struct probe *p, struct srv_store_state *pub)
{
    p->pub = pub;
    pub->up = false;
    pub->since_ms = gv_time_real_ms();
    snprintf(pub->error, sizeof(pub->error), "not connected yet");
}

int srv_health_start(struct srv_health **out, const char *pg_url, const char *redis_url)
{
    struct srv_health *h;
    pthread_condattr_t ca;
    sigset_t all, old;
    int err;

    *out = NULL;
    h = gv_calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    probe_init(&h->pg, &h->state.pg);
    probe_init(&h->redis, &h->state.redis);
    h->pg.url = gv_strdup(pg_url);
    h->redis.url = gv_strdup(redis_url);
    if (!h->pg.url || !h->redis.url) {
        err = -ENOMEM;
        goto fail_alloc;
    }
    db_link_init(&h->pg.link, DB_LINK_PG, h->pg.url, PG_CONNECT_TIMEOUT_MS, "health");
    db_link_init(&h->redis.link, DB_LINK_REDIS, h->redis.url, REDIS_TIMEOUT_MS, "health");

    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);

    /* SIGINT and SIGTERM must reach the service thread, whose handler wakes
     * lws; the monitor thread inherits a mask that blocks them. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = -pthread_create(&h->thread, NULL, health_main, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err < 0)
        goto fail_thread;
    *out = h;
    return 0;

fail_thread:
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
fail_alloc:
    gv_free(h->pg.url);
    gv_free(h->redis.url);
    gv_free(h);
    return err;
}

void srv_health_get(struct srv_health *h, struct srv_health_state *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->state;
    pthread_mutex_unlock(&h->lock);
}

void srv_health_stop(struct srv_health *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);

    db_link_release(&h->pg.link);
    db_link_release(&h->redis.link);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    gv_free(h->pg.url);
    gv_free(h->redis.url);
    gv_free(h);
}

static cJSON *store_json(const struct srv_store_state *st)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddBoolToObject(o, "up", st->up) ||
        !(st->up ? cJSON_AddNullToObject(o, "error")
                 : cJSON_AddStringToObject(o, "error", st->error)) ||
        !cJSON_AddNumberToObject(o, "since_ms", (double)st->since_ms)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int srv_health_to_json(char **out, size_t *out_len, bool *out_ok, const struct srv_health_state *st,
                       const char *version)
{
    bool ok = st->pg.up && st->redis.up;
    cJSON *root = cJSON_CreateObject(), *item;
    char *text;
    int err = -ENOMEM;

    if (!root || !cJSON_AddStringToObject(root, "status", ok ? "ok" : "degraded"))
        goto out;
    item = store_json(&st->pg);
    if (!item || !cJSON_AddItemToObject(root, "postgres", item)) {
        cJSON_Delete(item);
        goto out;
    }
    item = store_json(&st->redis);
    if (!item || !cJSON_AddItemToObject(root, "redis", item)) {
        cJSON_Delete(item);
        goto out;
    }
    if (!cJSON_AddStringToObject(root, "version", version))
        goto out;
    text = cJSON_PrintUnformatted(root);
    if (!text)
        goto out;
    *out = text; /* cJSON allocates through gv_malloc (srv_codec_init) */
    *out_len = strlen(text);
    *out_ok = ok;
    err = 0;
out:
    cJSON_Delete(root);
    return err;
}
