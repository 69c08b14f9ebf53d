/* SPDX-License-Identifier: MIT
 * db_redis.c - synchronous Redis connections (hiredis) for tools, probes
 * and workers. The server's event loop will use hiredis' async API. */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "db.h"
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

struct db_redis {
    redisContext *ctx;
    /* master_moves when the master was looked up through the sentinels;
     * the connection is stale once they have moved it since. */
    bool via_sentinels;
    unsigned moves_seen;
    /* The socket timeout chosen at open, restored after a blocking call. */
    struct timeval timeout;
    char last_error[256];
};

/* Remembers why a command failed, for db_redis_last_error(). */
static void redis_note_error(struct db_redis *r, const redisReply *reply)
{
    if (r->ctx->err)
        snprintf(r->last_error, sizeof(r->last_error), "%s", r->ctx->errstr);
    else if (reply && reply->type == REDIS_REPLY_ERROR)
        snprintf(r->last_error, sizeof(r->last_error), "%s", reply->str);
    else if (reply && reply->type == REDIS_REPLY_STATUS)
        snprintf(r->last_error, sizeof(r->last_error), "unexpected reply '%s'", reply->str);
    else
        snprintf(r->last_error, sizeof(r->last_error), "unexpected reply");
}

/* An error reply: GV_EUNAVAIL when the server cannot take writes as the
 * master now (a demoted master, a master cut off from its replicas, one
 * still loading), which a new connection through the sentinels cures;
 * GV_EREDIS for the command's own failure. */
static int reply_error(const redisReply *reply)
{
    static const char *const not_master[] = {"READONLY", "NOREPLICAS", "MASTERDOWN", "LOADING"};

    for (size_t i = 0; i < sizeof(not_master) / sizeof(not_master[0]); i++) {
        size_t n = strlen(not_master[i]);

        if (reply->len >= n && !strncmp(reply->str, not_master[i], n))
            return GV_EUNAVAIL;
    }
    return GV_EREDIS;
}

const char *db_redis_last_error(struct db_redis *r)
{
    return r->last_error;
}

int db_redis_parse_url(char *host, size_t hostlen, int *port, int *dbnum, const char *url)
{
    static const char scheme[] = "redis://";
    const char *p, *host_end, *colon;
    char *end;
    long v;

    *port = 6379;
    *dbnum = 0;
    if (strncmp(url, scheme, sizeof(scheme) - 1))
        return GV_ECONFIG;
    p = url + sizeof(scheme) - 1;
    host_end = p + strcspn(p, "/");
    colon = memchr(p, ':', (size_t)(host_end - p));
    if ((colon ? colon : host_end) == p)
        return GV_ECONFIG;
    if ((size_t)((colon ? colon : host_end) - p) >= hostlen)
        return GV_ECONFIG;
    snprintf(host, hostlen, "%.*s", (int)((colon ? colon : host_end) - p), p);
    if (colon) {
        errno = 0;
        v = strtol(colon + 1, &end, 10);
        if (errno || end != host_end || v < 1 || v > 65535)
            return GV_ECONFIG;
        *port = (int)v;
    }
    if (*host_end == '/' && host_end[1]) {
        errno = 0;
        v = strtol(host_end + 1, &end, 10);
        if (errno || *end || v < 0 || v > 15)
            return GV_ECONFIG;
        *dbnum = (int)v;
    }
    return 0;
}

int db_redis_parse_sentinels(struct db_redis_addr *out, size_t cap, size_t *n, const char *list)
{
    const char *p = list;

    *n = 0;
    for (;;) {
        const char *item, *end, *colon;
        char *num_end;
        long v;

        while (*p == ' ' || *p == '\t')
            p++;
        item = p;
        end = item + strcspn(item, ",");
        p = end;
        while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        colon = NULL;
        for (const char *c = item; c < end; c++)
            if (*c == ':')
                colon = c;
        if (!colon || colon == item || *n >= cap || (size_t)(colon - item) >= sizeof(out[0].host) ||
            colon + 1 == end || memchr(item, ' ', (size_t)(colon - item)) ||
            memchr(item, '\t', (size_t)(colon - item)))
            return GV_ECONFIG;
        errno = 0;
        v = strtol(colon + 1, &num_end, 10);
        if (errno || num_end != end || v < 1 || v > 65535 || colon[1] == '-' || colon[1] == '+' ||
            colon[1] == ' ')
            return GV_ECONFIG;
        snprintf(out[*n].host, sizeof(out[0].host), "%.*s", (int)(colon - item), item);
        out[*n].port = (int)v;
        (*n)++;
        if (!*p)
            return 0;
        p++; /* the comma */
    }
}

static redisContext *connect_to(const char *host, int port, struct timeval tv)
{
    redisContext *c = redisConnectWithTimeout(host, port, tv);

    if (c && !c->err)
        redisSetTimeout(c, tv);
    return c;
}

/* Asks one sentinel where `master` is: 0 and the address, or GV_EUNAVAIL
 * with the reason in `why`. */
static int ask_sentinel(char *host, size_t hostlen, int *port, const struct db_redis_addr *s,
                        const char *master, struct timeval tv, char *why, size_t whylen)
{
    redisContext *c = connect_to(s->host, s->port, tv);
    redisReply *reply = NULL;
    int err = GV_EUNAVAIL;

    if (!c || c->err) {
        snprintf(why, whylen, "sentinel %.200s:%d: %.200s", s->host, s->port,
                 c ? c->errstr : "out of memory");
        goto out;
    }
    reply = redisCommand(c, "SENTINEL get-master-addr-by-name %s", master);
    if (!reply) {
        snprintf(why, whylen, "sentinel %.200s:%d: %.200s", s->host, s->port, c->errstr);
    } else if (reply->type == REDIS_REPLY_NIL) {
        snprintf(why, whylen,
                 "sentinel %.200s:%d does not know master '%.200s' (GAVEL_REDIS_MASTER)", s->host,
                 s->port, master);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "sentinel %.200s:%d: %.200s", s->host, s->port, reply->str);
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
               reply->element[0]->type != REDIS_REPLY_STRING ||
               reply->element[1]->type != REDIS_REPLY_STRING || reply->element[0]->len >= hostlen) {
        snprintf(why, whylen, "sentinel %.200s:%d: an odd reply to get-master-addr-by-name",
                 s->host, s->port);
    } else {
        long v = strtol(reply->element[1]->str, NULL, 10);

        if (v < 1 || v > 65535) {
            snprintf(why, whylen, "sentinel %.200s:%d: master port '%.20s'", s->host, s->port,
                     reply->element[1]->str);
        } else {
            snprintf(host, hostlen, "%s", reply->element[0]->str);
            *port = (int)v;
            err = 0;
        }
    }
out:
    if (reply)
        freeReplyObject(reply);
    if (c)
        redisFree(c);
    return err;
}

/* The master's address from the first sentinel that knows it. The order is
 * the list's, every time: a sentinel that is down costs a refused connect
 * (or the timeout on a dead host) and the next one answers. */
static int find_master(char *host, size_t hostlen, int *port, const char *list, struct timeval tv,
                       char *errbuf, size_t errlen)
{
    struct db_redis_addr addrs[DB_REDIS_SENTINELS_MAX];
    const char *master = gv_config_get("GAVEL_REDIS_MASTER", DB_REDIS_MASTER_DEFAULT);
    char why[768] = "";
    size_t n;

    if (db_redis_parse_sentinels(addrs, DB_REDIS_SENTINELS_MAX, &n, list) < 0) {
        if (errbuf)
            snprintf(errbuf, errlen,
                     "malformed GAVEL_REDIS_SENTINELS '%s' (want host:port[,host:port...], at "
                     "most %d)",
                     list, DB_REDIS_SENTINELS_MAX);
        return GV_ECONFIG;
    }
    if (!*master) {
        if (errbuf)
            snprintf(errbuf, errlen, "GAVEL_REDIS_MASTER is empty");
        return GV_ECONFIG;
    }
    for (size_t i = 0; i < n; i++)
        if (ask_sentinel(host, hostlen, port, &addrs[i], master, tv, why, sizeof(why)) == 0)
            return 0;
    if (errbuf)
        snprintf(errbuf, errlen, "no sentinel gave the address of master '%.200s' (last: %s)",
                 master, why);
    return GV_EUNAVAIL;
}

/* --- Following +switch-master ----------------------------------------------
 *
 * A connection learns the master's address when it is made. If the
 * sentinels move the master while a connection stays open and never fails
 * (an old master cut off from the sentinels but not from us keeps taking
 * writes), the connection would stay with it. So each process keeps one
 * subscription to +switch-master on a sentinel, and every move of our
 * master bumps master_moves; db_redis_usable() then calls a connection
 * made before it stale, and db_link reconnects through the sentinels. A
 * move that happens while the subscription is being remade is caught by
 * comparing the master's address before and after. */

#define WATCH_IDLE_MS 15000 /* remake the subscription after this much silence */
#define WATCH_RETRY_MS 1000

static atomic_uint master_moves;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

static void note_move(const char *master, const char *from, const char *to)
{
    atomic_fetch_add(&master_moves, 1);
    gv_log(GV_LOG_INFO, "db", "redis: the sentinels moved master '%s' from %s to %s; reconnecting",
           master, from, to);
}

/* One subscription on sentinel `s`, until it fails or stays silent for
 * WATCH_IDLE_MS. `known` is the master's last address ("host:port", "" at
 * first). Returns false when the sentinel could not be used at all. */
static bool watch_one(const struct db_redis_addr *s, const char *master, char *known,
                      size_t knownlen)
{
    struct timeval tv = {.tv_sec = 2}, idle = {.tv_sec = WATCH_IDLE_MS / 1000};
    char host[256], why[256], now[300];
    redisContext *c = NULL;
    redisReply *reply = NULL;
    bool used = false;
    int port;

    if (ask_sentinel(host, sizeof(host), &port, s, master, tv, why, sizeof(why)) < 0)
        return false;
    snprintf(now, sizeof(now), "%s:%d", host, port);
    if (known[0] && strcmp(known, now))
        note_move(master, known, now);
    snprintf(known, knownlen, "%s", now);
    c = connect_to(s->host, s->port, tv);
    if (!c || c->err)
        goto out;
    reply = redisCommand(c, "SUBSCRIBE +switch-master");
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        goto out;
    freeReplyObject(reply);
    reply = NULL;
    used = true;
    redisSetTimeout(c, idle);
    /* "<name> <old-ip> <old-port> <new-ip> <new-port>" */
    while (redisGetReply(c, (void **)&reply) == REDIS_OK && reply) {
        char name[256], oh[64], np[16], nh[64], op[16];

        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[2]->type == REDIS_REPLY_STRING &&
            sscanf(reply->element[2]->str, "%255s %63s %15s %63s %15s", name, oh, op, nh, np) ==
                5 &&
            !strcmp(name, master)) {
            char from[96];

            snprintf(from, sizeof(from), "%s:%s", oh, op);
            snprintf(known, knownlen, "%s:%s", nh, np);
            note_move(master, from, known);
        }
        freeReplyObject(reply);
        reply = NULL;
    }
out:
    if (reply)
        freeReplyObject(reply);
    if (c)
        redisFree(c);
    return used;
}

static void *watch_main(void *arg)
{
    const char *list = gv_config_get("GAVEL_REDIS_SENTINELS", "");
    const char *master = gv_config_get("GAVEL_REDIS_MASTER", DB_REDIS_MASTER_DEFAULT);
    struct db_redis_addr addrs[DB_REDIS_SENTINELS_MAX];
    char known[300] = "";
    size_t n = 0;

    (void)arg;
    if (db_redis_parse_sentinels(addrs, DB_REDIS_SENTINELS_MAX, &n, list) < 0 || !n)
        return NULL;
    for (size_t i = 0;; i = (i + 1) % n) {
        /* The same sentinel again while it serves; the next one after a failure. */
        while (watch_one(&addrs[i], master, known, sizeof(known)))
            ;
        if (i == n - 1)
            usleep(WATCH_RETRY_MS * 1000);
    }
    return NULL;
}

static void watch_start(void)
{
    pthread_attr_t attr;
    pthread_t t;

    if (pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, watch_main, NULL) != 0)
        gv_log(GV_LOG_WARN, "db",
               "redis: cannot follow +switch-master; connections move only when they fail");
    pthread_attr_destroy(&attr);
}

/* Right after a failover a sentinel may still name the old master, which
 * may be back as a replica: only a server that says it is the master will
 * take our writes. In the same round trip the connection gets a name,
 * "gavel-judge:4242" in CLIENT LIST, so that an operator of a master that
 * many hosts share (or a test) can tell the processes' connections apart;
 * a Redis that refuses the name still serves us. */
static int check_master(struct db_redis *r, const char *host, int port, char *errbuf, size_t errlen)
{
    redisReply *reply = NULL, *named = NULL;
    int err = 0;

    if (redisAppendCommand(r->ctx, "ROLE") != REDIS_OK ||
        redisAppendCommand(r->ctx, "CLIENT SETNAME %s:%d", program_invocation_short_name,
                           (int)getpid()) != REDIS_OK ||
        redisGetReply(r->ctx, (void **)&reply) != REDIS_OK ||
        redisGetReply(r->ctx, (void **)&named) != REDIS_OK) {
        if (errbuf)
            snprintf(errbuf, errlen, "redis at %s:%d: %s", host, port, r->ctx->errstr);
        err = GV_EUNAVAIL;
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
               reply->element[0]->type != REDIS_REPLY_STRING ||
               strcmp(reply->element[0]->str, "master")) {
        if (errbuf)
            snprintf(errbuf, errlen, "redis at %s:%d is not the master (yet): %s", host, port,
                     reply->type == REDIS_REPLY_ERROR ? reply->str
                     : reply->type == REDIS_REPLY_ARRAY && reply->elements &&
                             reply->element[0]->type == REDIS_REPLY_STRING
                         ? reply->element[0]->str
                         : "an odd reply to ROLE");
        err = GV_EUNAVAIL;
    }
    if (reply)
        freeReplyObject(reply);
    if (named)
        freeReplyObject(named);
    return err;
}

const char *db_redis_url(void)
{
    return gv_config_get("GAVEL_REDIS_URL", DB_REDIS_URL_DEFAULT);
}

int db_redis_check_settings(void)
{
    struct db_redis_addr addrs[DB_REDIS_SENTINELS_MAX];
    const char *sentinels = gv_config_get("GAVEL_REDIS_SENTINELS", NULL);
    char host[256];
    int port, dbnum;
    size_t n;

    if (db_redis_parse_url(host, sizeof(host), &port, &dbnum, db_redis_url()) < 0) {
        gv_log(GV_LOG_ERROR, "config", "malformed GAVEL_REDIS_URL '%s' (want redis://host:port/db)",
               db_redis_url());
        return GV_ECONFIG;
    }
    if (!sentinels || !*sentinels)
        return 0;
    if (db_redis_parse_sentinels(addrs, DB_REDIS_SENTINELS_MAX, &n, sentinels) < 0) {
        gv_log(GV_LOG_ERROR, "config",
               "malformed GAVEL_REDIS_SENTINELS '%s' (want host:port[,host:port...], at most %d)",
               sentinels, DB_REDIS_SENTINELS_MAX);
        return GV_ECONFIG;
    }
    if (!*gv_config_get("GAVEL_REDIS_MASTER", DB_REDIS_MASTER_DEFAULT)) {
        gv_log(GV_LOG_ERROR, "config", "GAVEL_REDIS_MASTER is empty");
        return GV_ECONFIG;
    }
    return 0;
}

const char *db_redis_where(char *out, size_t len)
{
    const char *sentinels = gv_config_get("GAVEL_REDIS_SENTINELS", NULL);

    if (sentinels && *sentinels)
        snprintf(out, len, "master '%s' via sentinels %s",
                 gv_config_get("GAVEL_REDIS_MASTER", DB_REDIS_MASTER_DEFAULT), sentinels);
    else
        snprintf(out, len, "%s", db_redis_url());
    return out;
}

int db_redis_open(struct db_redis **out, const char *url, int timeout_ms, char *errbuf,
                  size_t errlen)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    const char *sentinels = gv_config_get("GAVEL_REDIS_SENTINELS", NULL);
    struct db_redis *r = NULL;
    redisReply *reply = NULL;
    unsigned moves = 0;
    char host[256];
    int port, dbnum, err;

    *out = NULL;
    err = db_redis_parse_url(host, sizeof(host), &port, &dbnum, url);
    if (err < 0) {
        if (errbuf)
            snprintf(errbuf, errlen, "malformed redis url '%s' (want redis://host:port/db)", url);
        return err;
    }
    if (sentinels && *sentinels) {
        pthread_once(&watch_once, watch_start);
        /* Read before the lookup: a move during it costs one reconnect,
         * never a stale connection. */
        moves = atomic_load(&master_moves);
        err = find_master(host, sizeof(host), &port, sentinels, tv, errbuf, errlen);
        if (err < 0)
            return err;
    }
    r = gv_calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->via_sentinels = sentinels && *sentinels;
    r->moves_seen = moves;
    r->ctx = connect_to(host, port, tv);
    if (!r->ctx || r->ctx->err) {
        if (errbuf)
            snprintf(errbuf, errlen, "cannot connect to redis at %s:%d: %s", host, port,
                     r->ctx ? r->ctx->errstr : "out of memory");
        err = GV_EUNAVAIL;
        goto out;
    }
    r->timeout = tv;
    if (sentinels && *sentinels) {
        err = check_master(r, host, port, errbuf, errlen);
        if (err < 0)
            goto out;
    }
    if (dbnum) {
        reply = redisCommand(r->ctx, "SELECT %d", dbnum);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            if (errbuf)
                snprintf(errbuf, errlen, "cannot select redis db %d: %s", dbnum,
                         reply ? reply->str : r->ctx->errstr);
            err = GV_EUNAVAIL;
            goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    if (reply)
        freeReplyObject(reply);
    db_redis_close(r);
    return err;
}

void db_redis_close(struct db_redis *r)
{
    if (!r)
        return;
    if (r->ctx)
        redisFree(r->ctx);
    gv_free(r);
}

bool db_redis_usable(struct db_redis *r)
{
    struct pollfd p = {.fd = r->ctx ? r->ctx->fd : -1, .events = POLLIN};
    char c;

    if (!r->ctx || r->ctx->err || p.fd < 0)
        return false;
    if (r->via_sentinels && r->moves_seen != atomic_load(&master_moves)) {
        snprintf(r->last_error, sizeof(r->last_error), "the sentinels moved the master");
        return false;
    }
    /* Redis sends nothing unasked outside Pub/Sub: something to read on an
     * idle connection is its EOF (or an error). */
    if (poll(&p, 1, 0) > 0) {
        ssize_t n = recv(p.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return false;
    }
    return true;
}

int db_redis_ping(struct db_redis *r)
{
    redisReply *reply;
    int err = 0;

    if (r->ctx->err) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    reply = redisCommand(r->ctx, "PING");
    if (!reply || reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "PONG")) {
        /* "-LOADING" while Redis reads its AOF counts as down, too. */
        redis_note_error(r, reply);
        err = GV_EUNAVAIL;
    }
    if (reply)
        freeReplyObject(reply);
    return err;
}

int db_redis_command(struct db_redis *r, int argc, const char **argv)
{
    redisReply *reply;
    int err = 0;

    if (r->ctx->err) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    reply = redisCommandArgv(r->ctx, argc, argv, NULL);
    if (!reply) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        redis_note_error(r, reply);
        gv_log(GV_LOG_WARN, "db", "redis %s failed: %s", argv[0], reply->str);
        err = reply_error(reply);
    }
    freeReplyObject(reply);
    return err;
}

int db__redis_call(struct redisReply **out, struct db_redis *r, int argc, const char **argv,
                   const size_t *lens, int block_ms)
{
    struct timeval longer = r->timeout;
    redisReply *reply;
    int64_t us;

    *out = NULL;
    if (r->ctx->err) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    /* A blocking command must not trip the socket timeout, which would
     * leave hiredis' context unusable; a zero timeout means none at all. */
    if (block_ms > 0 && (longer.tv_sec || longer.tv_usec)) {
        us = (int64_t)longer.tv_sec * 1000000 + longer.tv_usec + (int64_t)block_ms * 1000;
        longer.tv_sec = (time_t)(us / 1000000);
        longer.tv_usec = (suseconds_t)(us % 1000000);
        redisSetTimeout(r->ctx, longer);
    }
    reply = redisCommandArgv(r->ctx, argc, argv, lens);
    if (block_ms > 0 && (r->timeout.tv_sec || r->timeout.tv_usec) && !r->ctx->err)
        redisSetTimeout(r->ctx, r->timeout);
    if (!reply) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        int err = reply_error(reply);

        redis_note_error(r, reply);
        freeReplyObject(reply);
        return err;
    }
    *out = reply;
    return 0;
}

int db__redis_append(struct db_redis *r, int argc, const char **argv, const size_t *lens)
{
    if (r->ctx->err) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    if (redisAppendCommandArgv(r->ctx, argc, argv, lens) != REDIS_OK) {
        redis_note_error(r, NULL);
        return r->ctx->err ? GV_EUNAVAIL : -ENOMEM;
    }
    return 0;
}

int db__redis_reply(struct redisReply **out, struct db_redis *r)
{
    void *reply = NULL;

    *out = NULL;
    if (redisGetReply(r->ctx, &reply) != REDIS_OK || !reply) {
        redis_note_error(r, NULL);
        return GV_EUNAVAIL;
    }
    *out = reply;
    if (((redisReply *)reply)->type == REDIS_REPLY_ERROR) {
        redis_note_error(r, reply);
        return GV_EREDIS; /* *out is still the reply: a pipeline reads the rest */
    }
    return 0;
}
