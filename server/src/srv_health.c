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

#include "db.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

#define PROBE_INTERVAL_MS 1000
#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 5000
#define PG_CONNECT_TIMEOUT_S 2 /* libpq's smallest useful connect_timeout */
#define REDIS_TIMEOUT_MS 1000

/* One store behind a small function table, so both share the probe logic. */
struct probe {
    const char *name; /* for logs: "postgres", "redis" */
    char *url;
    void *conn; /* NULL while disconnected */
    int (*open)(void **conn, const char *url, char *errbuf, size_t errlen);
    int (*ping)(void *conn, char *errbuf, size_t errlen);
    void (*close)(void *conn);
    struct gv_backoff backoff;
    int64_t next_ms;             /* monotonic time of the next probe or connect attempt */
    bool reported;               /* the first outcome has been logged */
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

static int pg_open(void **conn, const char *url, char *errbuf, size_t errlen)
{
    struct db_pg *pg = NULL;
    int err = db_pg_open(&pg, url, PG_CONNECT_TIMEOUT_S, errbuf, errlen);

    *conn = pg;
    return err;
}

static int pg_ping(void *conn, char *errbuf, size_t errlen)
{
    int err = db_pg_ping(conn);

    if (err < 0)
        snprintf(errbuf, errlen, "%s", db_pg_last_error(conn));
    return err;
}

static void pg_close(void *conn)
{
    db_pg_close(conn);
}

static int redis_open(void **conn, const char *url, char *errbuf, size_t errlen)
{
    struct db_redis *r = NULL;
    int err = db_redis_open(&r, url, REDIS_TIMEOUT_MS, errbuf, errlen);

    *conn = r;
    return err;
}

static int redis_ping(void *conn, char *errbuf, size_t errlen)
{
    int err = db_redis_ping(conn);

    if (err < 0)
        snprintf(errbuf, errlen, "ping failed: %s", db_redis_last_error(conn));
    return err;
}

static void redis_close(void *conn)
{
    db_redis_close(conn);
}

/* Makes a driver's message one line (libpq ends lines with "\n\t" hints and
 * a newline) and stands in for an empty one, so logs and /healthz always say
 * something useful on a single line. */
static void tidy_error(char *s, size_t size)
{
    size_t n = 0;

    for (char *p = s; *p; p++) {
        char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;

        if (c == ' ' && (n == 0 || s[n - 1] == ' '))
            continue;
        s[n++] = c;
    }
    while (n && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
    if (!n)
        snprintf(s, size, "unreachable");
}

static void publish(struct srv_health *h, struct probe *p, bool up, const char *error)
{
    struct srv_store_state *st = p->pub;
    bool changed;

    pthread_mutex_lock(&h->lock);
    changed = st->up != up;
    if (changed)
        st->since_ms = gv_time_real_ms();
    st->up = up;
    snprintf(st->error, sizeof(st->error), "%s", up ? "" : error);
    pthread_mutex_unlock(&h->lock);

    /* Log the first outcome and transitions only: a store that stays down
     * would otherwise log once per backoff step. */
    if (!changed && p->reported)
        return;
    p->reported = true;
    if (up)
        gv_log(GV_LOG_INFO, "health", "%s is up", p->name);
    else
        gv_log(GV_LOG_WARN, "health", "%s is down: %s (retrying with backoff)", p->name, error);
}

static void probe_step(struct srv_health *h, struct probe *p, int64_t now)
{
    char errbuf[sizeof(p->pub->error)] = "";
    int err;

    if (p->conn) {
        err = p->ping(p->conn, errbuf, sizeof(errbuf));
        if (err == 0) {
            publish(h, p, true, NULL);
            p->next_ms = now + PROBE_INTERVAL_MS;
            return;
        }
        /* The connection is gone; drop it and reconnect right away: most
         * failures are a restart, and the backoff paces the attempts after. */
        tidy_error(errbuf, sizeof(errbuf));
        publish(h, p, false, errbuf);
        p->close(p->conn);
        p->conn = NULL;
        errbuf[0] = '\0';
    }
    err = p->open(&p->conn, p->url, errbuf, sizeof(errbuf));
    if (err == 0) {
        gv_backoff_reset(&p->backoff);
        publish(h, p, true, NULL);
        p->next_ms = gv_time_mono_ms() + PROBE_INTERVAL_MS;
        return;
    }
    p->conn = NULL;
    if (!errbuf[0])
        snprintf(errbuf, sizeof(errbuf), "cannot connect: %s", gv_strerror(err));
    tidy_error(errbuf, sizeof(errbuf));
    publish(h, p, false, errbuf);
    p->next_ms = gv_time_mono_ms() + gv_backoff_next(&p->backoff);
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
                probe_step(h, probes[i], now);
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

static void probe_init(struct probe *p, const char *name, struct srv_store_state *pub)
{
    p->name = name;
    p->pub = pub;
    gv_backoff_init(&p->backoff, BACKOFF_BASE_MS, BACKOFF_MAX_MS);
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
    probe_init(&h->pg, "postgres", &h->state.pg);
    h->pg.open = pg_open;
    h->pg.ping = pg_ping;
    h->pg.close = pg_close;
    probe_init(&h->redis, "redis", &h->state.redis);
    h->redis.open = redis_open;
    h->redis.ping = redis_ping;
    h->redis.close = redis_close;
    h->pg.url = gv_strdup(pg_url);
    h->redis.url = gv_strdup(redis_url);
    if (!h->pg.url || !h->redis.url) {
        err = -ENOMEM;
        goto fail_alloc;
    }

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

    if (h->pg.conn)
        h->pg.close(h->pg.conn);
    if (h->redis.conn)
        h->redis.close(h->redis.conn);
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
