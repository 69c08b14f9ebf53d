/* SPDX-License-Identifier: MIT
 * test_srv_live.c - the live thread and resume on a real Redis.
 *
 *   - entries XADDed to the stream reach srv_live_drain in order, with their
 *     ids and parsed fields;
 *   - a Redis restart mid-stream (a redis-server of our own, on a free port,
 *     with an append-only file so the stream survives) is survived, and
 *     delivery continues after the last id: nothing lost, nothing twice;
 *   - srv_live_replay after an id returns exactly the later wanted events;
 *     from a trimmed id, from a vanished stream, or past the replay bound it
 *     is GV_ENOTFOUND.
 *
 * Needs GAVEL_REDIS_URL (scripts/test sets it); exits 77 without it. Uses
 * stream keys of its own (GAVEL_LIVE_STREAM), deleted at the end. No lws
 * context: srv_live_start takes NULL and the test polls srv_live_drain. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "db_event.h"
#include "db_stream.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "itest_ws.h"
#include "srv_live.h"
#include "srv_subs.h"
/* Not live anywhere: these tests are about what is wanted, not when. */
#define NOMARK SRV_SUBS_MARK_UNKNOWN

#include "banned.h"

#define WAIT_MS 15000
#define DEADLINE_S 120

static pid_t redis_child;
static char tmpdir[128];

/* Also registered with atexit: a failed check exits through itest_fail,
 * which has already killed the redis-server writing here. */
static void remove_tmpdir(void)
{
    if (tmpdir[0]) {
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

static struct db_redis *redis_connect(const char *url)
{
    struct db_redis *r = NULL;
    char errbuf[256] = "";
    int err = db_redis_open(&r, url, 2000, errbuf, sizeof(errbuf));

    ICHECK(err == 0, "redis %s: %s", url, errbuf);
    return r;
}

static void del_key(struct db_redis *r, const char *key)
{
    const char *argv[] = {"DEL", key};

    ICHECK(db_redis_command(r, 2, argv) == 0, "DEL: %s", db_redis_last_error(r));
}

/* Publishes one event as gavel-judge does (db_event_publish, to the key
 * GAVEL_LIVE_STREAM names, which must be `key`); its id into `id`. The
 * marker `n` rides in a numeric field of its type (none for a state). */
static void add_event(struct db_redis *r, char *id, const char *key, const char *type, int64_t sub,
                      int64_t user, int64_t contest, int n)
{
    struct cst_event ev;
    int err;

    ICHECK(!strcmp(key, db_stream_live_key()), "GAVEL_LIVE_STREAM is not %s", key);
    ICHECK(cst_event_type_parse(&ev.type, type) == 0, "type %s", type);
    cst_event_init(&ev, ev.type);
    ev.submission_id = sub;
    ev.user_id = user;
    ev.contest_id = contest;
    switch (ev.type) {
    case CST_EVENT_JUDGING_TEST:
        ev.u.test.test = ev.u.test.tests = 1;
        snprintf(ev.u.test.verdict, sizeof(ev.u.test.verdict), "AC");
        ev.u.test.cpu_ms = n;
        break;
    case CST_EVENT_JUDGING_VERDICT:
        ev.seq = 1000 + n;
        ev.u.verdict.problem_id = ev.u.verdict.judging_id = 1;
        snprintf(ev.u.verdict.verdict, sizeof(ev.u.verdict.verdict), "WA");
        ev.u.verdict.max_time_ms = n;
        break;
    default:
        break;
    }
    err = db_event_publish(id, r, &ev);
    ICHECK(err == 0, "XADD %s: %s (%s)", key, gv_strerror(err), db_redis_last_error(r));
}

/* The marker add_event put in, or -1 for a type that has none. */
static int marker_of(const struct cst_event *ev)
{
    if (ev->type == CST_EVENT_JUDGING_TEST)
        return (int)ev->u.test.cpu_ms;
    if (ev->type == CST_EVENT_JUDGING_VERDICT)
        return (int)ev->u.verdict.max_time_ms;
    return -1;
}

/* Collected deliveries, in order. */
struct got {
    struct srv_live_event *head, *tail;
    size_t n;
    struct srv_subs_mark pos; /* where the last drain said delivery stands */
};

static void got_take(struct got *g, struct srv_live *l)
{
    struct srv_live_event *e = srv_live_drain(l, &g->pos);

    while (e) {
        struct srv_live_event *next = e->next;

        e->next = NULL;
        if (g->tail)
            g->tail->next = e;
        else
            g->head = e;
        g->tail = e;
        g->n++;
        e = next;
    }
}

static void got_release(struct got *g)
{
    srv_live_event_free_list(g->head);
    memset(g, 0, sizeof(*g));
}

static void wait_for(struct got *g, struct srv_live *l, size_t n)
{
    int64_t deadline = gv_time_mono_ms() + WAIT_MS;

    while (g->n < n && gv_time_mono_ms() < deadline) {
        gv_time_sleep_ms(20);
        got_take(g, l);
    }
    ICHECK(g->n >= n, "got %zu of %zu events", g->n, n);
}

/* The live thread pins its start at the stream's newest entry once
 * connected; until then nothing we add is guaranteed to reach it. Adds
 * "test.sync" entries until one arrives, then forgets what came. */
static void sync_thread(struct srv_live *l, struct db_redis *r, const char *key)
{
    int64_t deadline = gv_time_mono_ms() + WAIT_MS;
    struct got g = {0};
    char id[DB_STREAM_ID_MAX];

    while (!g.n && gv_time_mono_ms() < deadline) {
        add_event(r, id, key, "judging.state", 1, 1, 0, 0);
        gv_time_sleep_ms(100);
        got_take(&g, l);
    }
    ICHECK(g.n, "the live thread never delivered");
    gv_time_sleep_ms(100);
    got_take(&g, l);
    got_release(&g);
}

static void check_event(const struct srv_live_event *e, const char *id, const char *type,
                        int64_t sub, int64_t user, int64_t contest, int n)
{
    struct cst_event ev;
    cJSON *f;
    const cJSON *v;

    ICHECK(!strcmp(e->id, id), "id %s, want %s", e->id, id);
    ICHECK(!strcmp(cst_event_info(e->type)->name, type), "type %s, want %s",
           cst_event_info(e->type)->name, type);
    ICHECK(e->submission_id == sub && e->user_id == user && e->contest_id == contest,
           "%s: ids %" PRId64 "/%" PRId64 "/%" PRId64, id, e->submission_id, e->user_id,
           e->contest_id);
    ICHECK(e->frame && e->frame_len == strlen(e->frame), "frame length");
    f = cJSON_Parse(e->frame);
    ICHECK(f, "frame is not JSON: %s", e->frame);
    v = cJSON_GetObjectItemCaseSensitive(f, "type");
    ICHECK(cJSON_IsString(v) && !strcmp(v->valuestring, "event"), "%s", e->frame);
    v = cJSON_GetObjectItemCaseSensitive(f, "event");
    ICHECK(cJSON_IsString(v) && !strcmp(v->valuestring, type), "%s", e->frame);
    v = cJSON_GetObjectItemCaseSensitive(f, "event_id");
    ICHECK(cJSON_IsString(v) && !strcmp(v->valuestring, id), "%s", e->frame);
    /* The push's data is the event's one encoding: it decodes back. */
    ICHECK(cst_event_from_json(&ev, e->type, cJSON_GetObjectItemCaseSensitive(f, "data")) == 0,
           "data does not decode: %s", e->frame);
    ICHECK(marker_of(&ev) < 0 || marker_of(&ev) == n, "marker %d, want %d: %s", marker_of(&ev),
           n, e->frame);
    cst_event_release(&ev);
    cJSON_Delete(f);
}

/* --- Delivery in order ------------------------------------------------------ */

#define ORDER_N 50

static void test_order(const char *url, const char *key)
{
    struct srv_live *l = NULL;
    struct db_redis *r = redis_connect(url);
    char ids[ORDER_N][DB_STREAM_ID_MAX], last[DB_STREAM_ID_MAX];
    struct got g = {0};
    struct srv_live_event *e;
    int err;

    itest_step = "order";
    err = srv_live_start(&l, url, NULL);
    ICHECK(err == 0, "start: %s", gv_strerror(err));
    sync_thread(l, r, key);
    for (int i = 0; i < ORDER_N; i++)
        add_event(r, ids[i], key, i % 3 == 2 ? "judging.verdict" : "judging.test", 100 + i % 5,
                  7 + i % 2, i % 4 ? 0 : 3, i);
    /* An entry the server cannot use is skipped, not fatal. */
    {
        const char *fv[] = {"type", "judging.test", "data", "not json"};
        ICHECK(db_stream_add(NULL, r, key, 0, 2, fv) == 0, "XADD bad");
    }
    add_event(r, last, key, "judging.state", 1, 2, 0, 999);
    wait_for(&g, l, ORDER_N + 1);
    e = g.head;
    for (int i = 0; i < ORDER_N; i++, e = e->next)
        check_event(e, ids[i], i % 3 == 2 ? "judging.verdict" : "judging.test", 100 + i % 5,
                    7 + i % 2, i % 4 ? 0 : 3, i);
    check_event(e, last, "judging.state", 1, 2, 0, 999);
    ICHECK(!e->next, "extra events");
    /* The position a subscription starts from (srv_subs_mark) follows the
     * stream, unusable entries included: a resume must not count them as
     * ahead of the loop. */
    {
        const char *fv[] = {"type", "judging.test", "data", "not json either"};
        char bad[DB_STREAM_ID_MAX];
        uint64_t ms, seq;
        int64_t deadline = gv_time_mono_ms() + WAIT_MS;

        ICHECK(db_stream_add(bad, r, key, 0, 2, fv) == 0, "XADD bad");
        ICHECK(srv_subs_id_parse(bad, &ms, &seq) == 0, "id %s", bad);
        do {
            gv_time_sleep_ms(20);
            got_take(&g, l);
        } while ((g.pos.ms != ms || g.pos.seq != seq) && gv_time_mono_ms() < deadline);
        ICHECK(g.pos.ms == ms && g.pos.seq == seq,
               "position %" PRIu64 "-%" PRIu64 ", want %s", g.pos.ms, g.pos.seq, bad);
    }
    /* Nothing more trickles in. */
    gv_time_sleep_ms(300);
    got_take(&g, l);
    ICHECK(g.n == ORDER_N + 1, "%zu events", g.n);
    got_release(&g);
    srv_live_stop(l);
    db_redis_close(r);
}

/* --- Redis restarts under the thread --------------------------------------- */

static void redis_start(const char *bin, int port)
{
    char portbuf[16];
    char *argv[] = {(char *)bin, "--port", portbuf,        "--bind", "127.0.0.1",
                    "--save",    "",       "--appendonly", "yes",    "--appendfsync",
                    "always",    "--dir",  tmpdir,         NULL};

    snprintf(portbuf, sizeof(portbuf), "%d", port);
    redis_child = itest_spawn(argv, NULL, "/dev/null");
}

static struct db_redis *redis_wait(const char *url)
{
    int64_t deadline = gv_time_mono_ms() + WAIT_MS;

    while (gv_time_mono_ms() < deadline) {
        struct db_redis *r = NULL;

        if (db_redis_open(&r, url, 500, NULL, 0) == 0) {
            if (db_redis_ping(r) == 0)
                return r;
            db_redis_close(r);
        }
        gv_time_sleep_ms(50);
    }
    itest_fail("redis at %s never came up", url);
}

static void redis_stop(void)
{
    kill(redis_child, SIGTERM);
    /* No SIGKILL after a while (itest_stop): the restart is meant to be a
     * clean shutdown, however long it takes; the deadline bounds it. */
    ICHECK(itest_wait_exit(redis_child, DEADLINE_S * 1000) >= 0, "redis-server ignored SIGTERM");
    redis_child = 0;
}

static void test_restart(const char *key)
{
    const char *bin = itest_find_redis_server();
    char url[64], ids[6][DB_STREAM_ID_MAX];
    struct srv_live *l = NULL;
    struct db_redis *r;
    struct got g = {0};
    struct srv_live_event *e;
    int port, i;

    itest_step = "restart";
    if (!bin) {
        fprintf(stderr, "skip [restart]: no redis-server\n");
        return;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_srv_live.%d", (int)getpid());
    ICHECK(mkdir(tmpdir, 0700) == 0 || errno == EEXIST, "mkdir %s", tmpdir);
    port = itest_free_port();
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
    redis_start(bin, port);
    r = redis_wait(url);
    ICHECK(srv_live_start(&l, url, NULL) == 0, "start");
    sync_thread(l, r, key);
    for (i = 0; i < 3; i++)
        add_event(r, ids[i], key, "judging.test", 5, 6, 0, i);
    wait_for(&g, l, 3);

    /* Down for a while: the thread's XREAD fails, it backs off. */
    db_redis_close(r);
    redis_stop();
    gv_time_sleep_ms(700);
    redis_start(bin, port);
    r = redis_wait(url);
    /* Added as soon as Redis is back, quite possibly before the thread
     * reconnects: it must continue after its last id, not from the end. */
    for (; i < 6; i++)
        add_event(r, ids[i], key, i == 5 ? "judging.verdict" : "judging.test", 5, 6, 0, i);
    wait_for(&g, l, 6);
    gv_time_sleep_ms(300);
    got_take(&g, l);
    ICHECK(g.n == 6, "%zu events after the restart (want 6: none lost, none twice)", g.n);
    e = g.head;
    for (i = 0; i < 6; i++, e = e->next)
        check_event(e, ids[i], i == 5 ? "judging.verdict" : "judging.test", 5, 6, 0, i);
    got_release(&g);
    srv_live_stop(l);
    db_redis_close(r);
    redis_stop();
    remove_tmpdir();
}

/* --- Replay ----------------------------------------------------------------- */

static void test_replay(const char *url, const char *key)
{
    struct db_redis *r = redis_connect(url);
    struct srv_live_event *list = NULL, *e;
    char ids[8][DB_STREAM_ID_MAX], id[DB_STREAM_ID_MAX];
    struct srv_subs subs;
    int err;

    itest_step = "replay";
    del_key(r, key);
    srv_subs_init(&subs);
    srv_subs_set_user(&subs, 7, false, NOMARK);
    ICHECK(srv_subs_add_submission(&subs, 99, NOMARK) == 0, "subscribe");
    /* Wanted: user 7's (0, 2, 5, 6) and submission 99's (4); not 1, 3, 7. */
    add_event(r, ids[0], key, "judging.state", 1, 7, 0, 0);
    add_event(r, ids[1], key, "judging.test", 2, 8, 0, 1);
    add_event(r, ids[2], key, "judging.test", 1, 7, 0, 2);
    add_event(r, ids[3], key, "judging.verdict", 3, 9, 4, 3);
    add_event(r, ids[4], key, "judging.verdict", 99, 9, 0, 4);
    add_event(r, ids[5], key, "judging.verdict", 1, 7, 4, 5);
    add_event(r, ids[6], key, "judging.state", 11, 7, 0, 6);
    add_event(r, ids[7], key, "judging.verdict", 12, 8, 0, 7);

    err = srv_live_replay(r, ids[1], &subs, &list);
    ICHECK(err == 0, "replay: %s", gv_strerror(err));
    {
        const int want[] = {2, 4, 5, 6};
        const char *types[] = {
            "", "", "judging.test", "", "judging.verdict", "judging.verdict", "judging.state"};
        const int64_t subsid[] = {0, 0, 1, 0, 99, 1, 11}, users[] = {0, 0, 7, 0, 9, 7, 7},
                      contests[] = {0, 0, 0, 0, 0, 4, 0};

        e = list;
        for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++, e = e->next) {
            int i = want[k];

            ICHECK(e, "replay ended after %zu events", k);
            check_event(e, ids[i], types[i], subsid[i], users[i], contests[i], i);
        }
        ICHECK(!e, "replay has extra events: %s", e ? e->id : "");
    }
    srv_live_event_free_list(list);

    /* From the first entry itself: everything wanted after it. */
    err = srv_live_replay(r, ids[0], &subs, &list);
    ICHECK(err == 0 && list && !strcmp(list->id, ids[2]), "from the first: %s", gv_strerror(err));
    srv_live_event_free_list(list);
    /* Up to date: nothing, and no error. */
    err = srv_live_replay(r, ids[7], &subs, &list);
    ICHECK(err == 0 && !list, "up to date: %s", gv_strerror(err));
    /* Not an id. */
    ICHECK(srv_live_replay(r, "yesterday", &subs, &list) == GV_EINVAL && !list, "bad id");
    ICHECK(srv_live_replay(r, "$", &subs, &list) == GV_EINVAL, "$");

    /* Trimmed past the client's id: resync. */
    {
        const char *argv[] = {"XTRIM", key, "MAXLEN", "=", "3"};

        ICHECK(db_redis_command(r, 5, argv) == 0, "XTRIM: %s", db_redis_last_error(r));
    }
    err = srv_live_replay(r, ids[1], &subs, &list);
    ICHECK(err == GV_ENOTFOUND && !list, "trimmed: %s", gv_strerror(err));
    /* The first kept entry (5) is still a fine place to resume from. */
    err = srv_live_replay(r, ids[5], &subs, &list);
    ICHECK(err == 0 && list && !strcmp(list->id, ids[6]) && !list->next, "after trim: %s",
           gv_strerror(err));
    srv_live_event_free_list(list);

    /* The stream is gone (a Redis that lost its data): resync. */
    del_key(r, key);
    err = srv_live_replay(r, ids[6], &subs, &list);
    ICHECK(err == GV_ENOTFOUND && !list, "no stream: %s", gv_strerror(err));

    /* More wanted events than a replay may carry: resync. */
    add_event(r, id, key, "judging.test", 1, 7, 0, 0);
    {
        char first[DB_STREAM_ID_MAX];

        snprintf(first, sizeof(first), "%s", id);
        for (int i = 0; i < SRV_LIVE_REPLAY_MAX; i++)
            add_event(r, id, key, "judging.test", 1, 7, 0, i);
        err = srv_live_replay(r, first, &subs, &list);
        ICHECK(err == 0 && list, "at the bound: %s", gv_strerror(err));
        srv_live_event_free_list(list);
        add_event(r, id, key, "judging.test", 1, 7, 0, 0);
        err = srv_live_replay(r, first, &subs, &list);
        ICHECK(err == GV_ENOTFOUND && !list, "past the bound: %s", gv_strerror(err));
        /* Unwanted events do not count toward the bound. */
        srv_subs_set_user(&subs, 1234, false, NOMARK);
        err = srv_live_replay(r, first, &subs, &list);
        ICHECK(err == 0 && !list, "unwanted: %s", gv_strerror(err));
    }
    del_key(r, key);
    srv_subs_release(&subs);
    db_redis_close(r);
}

int main(void)
{
    const char *url = getenv("GAVEL_REDIS_URL");
    char key[96];

    if (!url || !*url) {
        fprintf(stderr, "skip: GAVEL_REDIS_URL is not set\n");
        return 77;
    }
    itest_deadline(DEADLINE_S);
    atexit(remove_tmpdir);
    gv_log_init("test_srv_live");

    snprintf(key, sizeof(key), "gavel:test:live:%d", (int)getpid());
    setenv("GAVEL_LIVE_STREAM", key, 1);
    {
        struct db_redis *r = redis_connect(url);

        del_key(r, key);
        db_redis_close(r);
    }
    test_order(url, key);
    test_replay(url, key);
    test_restart(key);
    {
        struct db_redis *r = redis_connect(url);

        del_key(r, key);
        db_redis_close(r);
    }
    printf("test_srv_live: all passed\n");
    return 0;
}
