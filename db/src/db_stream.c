/* SPDX-License-Identifier: MIT
 * db_stream.c - Redis Streams as plain C structs (see db_stream.h).
 *
 * Replies are copied out entirely before they are freed, so a batch lives on
 * after the connection dies or is reused. A reply of an unexpected shape is
 * GV_EREDIS rather than a crash: the stream key may be shared with tools. */
#include "db_stream.h"
#include "db_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "banned.h"

static void entry_release(struct db_stream_entry *e)
{
    for (size_t i = 0; i < e->npairs; i++) {
        gv_free(e->fields[i]);
        gv_free(e->values[i]);
    }
    gv_free(e->fields);
    gv_free(e->values);
    gv_free(e->value_lens);
    memset(e, 0, sizeof(*e));
}

void db_stream_batch_release(struct db_stream_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        entry_release(&b->entries[i]);
    gv_free(b->entries);
    b->entries = NULL;
    b->count = 0;
}

const char *db_stream_entry_get(const struct db_stream_entry *e, const char *field, size_t *len)
{
    for (size_t i = 0; i < e->npairs; i++) {
        if (!strcmp(e->fields[i], field)) {
            if (len)
                *len = e->value_lens[i];
            return e->values[i];
        }
    }
    return NULL;
}

static bool is_str(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

/* One [id, [field, value, ...]] element. */
static int entry_from_reply(struct db_stream_entry *e, const redisReply *r)
{
    const redisReply *kv;
    size_t n;

    memset(e, 0, sizeof(*e));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !is_str(r->element[0]) ||
        r->element[0]->len >= sizeof(e->id))
        return GV_EREDIS;
    memcpy(e->id, r->element[0]->str, r->element[0]->len);
    e->id[r->element[0]->len] = '\0';
    kv = r->element[1];
    /* A deleted entry still listed (XREADGROUP history) has no fields. */
    if (kv->type == REDIS_REPLY_NIL)
        return 0;
    if (kv->type != REDIS_REPLY_ARRAY || kv->elements % 2)
        return GV_EREDIS;
    n = kv->elements / 2;
    if (!n)
        return 0;
    e->fields = gv_calloc(n, sizeof(*e->fields));
    e->values = gv_calloc(n, sizeof(*e->values));
    e->value_lens = gv_calloc(n, sizeof(*e->value_lens));
    if (!e->fields || !e->values || !e->value_lens) {
        entry_release(e);
        return -ENOMEM;
    }
    e->npairs = n;
    for (size_t i = 0; i < n; i++) {
        const redisReply *f = kv->element[2 * i], *v = kv->element[2 * i + 1];

        if (!is_str(f) || !is_str(v)) {
            entry_release(e);
            return GV_EREDIS;
        }
        e->fields[i] = gv_strndup(f->str, f->len);
        e->values[i] = gv_malloc(v->len + 1);
        if (!e->fields[i] || !e->values[i]) {
            entry_release(e);
            return -ENOMEM;
        }
        memcpy(e->values[i], v->str, v->len);
        e->values[i][v->len] = '\0';
        e->value_lens[i] = v->len;
    }
    return 0;
}

/* An array of entries (XRANGE's reply, or one stream of XREAD's). */
static int batch_from_reply(struct db_stream_batch *out, const redisReply *r)
{
    int err;

    if (r->type == REDIS_REPLY_NIL)
        return 0;
    if (r->type != REDIS_REPLY_ARRAY)
        return GV_EREDIS;
    if (!r->elements)
        return 0;
    out->entries = gv_calloc(r->elements, sizeof(*out->entries));
    if (!out->entries)
        return -ENOMEM;
    for (size_t i = 0; i < r->elements; i++) {
        err = entry_from_reply(&out->entries[i], r->element[i]);
        if (err < 0) {
            db_stream_batch_release(out);
            return err;
        }
        out->count = i + 1;
    }
    return 0;
}

int db_stream_add(char *out_id, struct db_redis *r, const char *key, long maxlen, size_t npairs,
                  const char *const *fv)
{
    const char **argv = NULL;
    redisReply *reply = NULL;
    char maxbuf[24];
    int argc = 0, err;

    if (npairs == 0 || npairs > 1024)
        return GV_EINVAL;
    argv = gv_calloc(6 + 2 * npairs, sizeof(*argv));
    if (!argv)
        return -ENOMEM;
    argv[argc++] = "XADD";
    argv[argc++] = key;
    if (maxlen > 0) {
        snprintf(maxbuf, sizeof(maxbuf), "%ld", maxlen);
        argv[argc++] = "MAXLEN";
        argv[argc++] = "~";
        argv[argc++] = maxbuf;
    }
    argv[argc++] = "*";
    for (size_t i = 0; i < 2 * npairs; i++)
        argv[argc++] = fv[i];
    err = db__redis_call(&reply, r, argc, argv, NULL, 0);
    if (err == 0 && !is_str(reply))
        err = GV_EREDIS;
    if (err == 0 && out_id) {
        if (reply->len >= DB_STREAM_ID_MAX)
            err = GV_EREDIS;
        else
            snprintf(out_id, DB_STREAM_ID_MAX, "%s", reply->str);
    }
    if (reply)
        freeReplyObject(reply);
    gv_free(argv);
    return err;
}

int db_stream_read(struct db_stream_batch *out, struct db_redis *r, const char *key,
                   const char *after_id, size_t count, int block_ms)
{
    char countbuf[24], blockbuf[24];
    const char *argv[9];
    redisReply *reply = NULL, *s;
    int argc = 0, err;

    memset(out, 0, sizeof(*out));
    snprintf(countbuf, sizeof(countbuf), "%zu", count ? count : 1);
    argv[argc++] = "XREAD";
    if (block_ms > 0) {
        snprintf(blockbuf, sizeof(blockbuf), "%d", block_ms);
        argv[argc++] = "BLOCK";
        argv[argc++] = blockbuf;
    }
    argv[argc++] = "COUNT";
    argv[argc++] = countbuf;
    argv[argc++] = "STREAMS";
    argv[argc++] = key;
    argv[argc++] = after_id;
    err = db__redis_call(&reply, r, argc, argv, NULL, block_ms > 0 ? block_ms : 0);
    if (err < 0)
        return err;
    /* nil on timeout, else [[key, [entries...]]]. */
    if (reply->type == REDIS_REPLY_NIL) {
        err = 0;
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 ||
               (s = reply->element[0])->type != REDIS_REPLY_ARRAY || s->elements != 2) {
        err = GV_EREDIS;
    } else {
        err = batch_from_reply(out, s->element[1]);
    }
    freeReplyObject(reply);
    return err;
}

int db_stream_range(struct db_stream_batch *out, struct db_redis *r, const char *key,
                    const char *start, const char *end, size_t count)
{
    char countbuf[24];
    const char *argv[] = {"XRANGE", key, start, end, "COUNT", countbuf};
    redisReply *reply = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    snprintf(countbuf, sizeof(countbuf), "%zu", count ? count : 1);
    err = db__redis_call(&reply, r, 6, argv, NULL, 0);
    if (err < 0)
        return err;
    err = batch_from_reply(out, reply);
    freeReplyObject(reply);
    return err;
}

/* XRANGE/XREVRANGE with COUNT 1, for the ends of a stream. */
static int end_id(char *id, struct db_redis *r, const char *key, bool last)
{
    const char *argv[] = {
        last ? "XREVRANGE" : "XRANGE", key, last ? "+" : "-", last ? "-" : "+", "COUNT", "1"};
    struct db_stream_batch b = {0};
    redisReply *reply = NULL;
    int err;

    err = db__redis_call(&reply, r, 6, argv, NULL, 0);
    if (err < 0)
        return err;
    err = batch_from_reply(&b, reply);
    freeReplyObject(reply);
    if (err < 0)
        return err;
    if (b.count == 0)
        err = GV_ENOTFOUND;
    else
        snprintf(id, DB_STREAM_ID_MAX, "%s", b.entries[0].id);
    db_stream_batch_release(&b);
    return err;
}

int db_stream_first_id(char *id, struct db_redis *r, const char *key)
{
    return end_id(id, r, key, false);
}

int db_stream_last_id(char *id, struct db_redis *r, const char *key)
{
    return end_id(id, r, key, true);
}

const char *db_stream_live_key(void)
{
    return gv_config_get("GAVEL_LIVE_STREAM", DB_LIVE_STREAM_DEFAULT);
}
