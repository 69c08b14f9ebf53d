/* SPDX-License-Identifier: MIT
 * db_redis.c - synchronous Redis connections (hiredis) for tools, probes
 * and workers. The server's event loop will use hiredis' async API. */
#include "db.h"
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

struct db_redis {
    redisContext *ctx;
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

int db_redis_open(struct db_redis **out, const char *url, int timeout_ms, char *errbuf,
                  size_t errlen)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    struct db_redis *r = NULL;
    redisReply *reply = NULL;
    char host[256];
    int port, dbnum, err;

    *out = NULL;
    err = db_redis_parse_url(host, sizeof(host), &port, &dbnum, url);
    if (err < 0) {
        if (errbuf)
            snprintf(errbuf, errlen, "malformed redis url '%s' (want redis://host:port/db)", url);
        return err;
    }
    r = gv_calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->ctx = redisConnectWithTimeout(host, port, tv);
    if (!r->ctx || r->ctx->err) {
        if (errbuf)
            snprintf(errbuf, errlen, "cannot connect to redis at %s:%d: %s", host, port,
                     r->ctx ? r->ctx->errstr : "out of memory");
        err = GV_EUNAVAIL;
        goto out;
    }
    redisSetTimeout(r->ctx, tv);
    r->timeout = tv;
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
        err = GV_EREDIS;
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
        redis_note_error(r, reply);
        freeReplyObject(reply);
        return GV_EREDIS;
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
