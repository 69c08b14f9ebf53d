/* SPDX-License-Identifier: MIT
 * db_queue.c - the judge queue on Redis Streams (see docs/QUEUE.md).
 *
 * Streams are FIFO, so fairness cannot live in them: a submission first
 * waits in a per-user list of its level, and a Lua script moves the next
 * one (by the fairness rules) into the level's stream and reads it for the
 * taking consumer in the same atomic step. The entry is in that consumer's
 * pending list from the moment it leaves the waiting lists, so a worker
 * that dies at any point leaves it reclaimable, never lost.
 *
 * Keys under the prefix P (all built inside the scripts from P, so a test
 * can use a prefix of its own; standalone Redis only, or a hash-tagged
 * prefix such as "{gavel}:queue" on a cluster):
 *   P:<L>           stream of level L, consumer group "judges"
 *   P:<L>:ring      users with waiting entries at L, in round-robin order
 *   P:<L>:u:<user>  that user's waiting submission ids at L, oldest first
 *   P:wait          every waiting id, scored by push order (global FIFO)
 *   P:known         id -> "L|user|push_ms|entry" for waiting and taken ids
 *   P:seq, P:takes  counters: push order, dispatches (the k-th rule)
 *   P:wake          tokens that wake one blocked taker per push */
#include "db_queue.h"
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

/* A blocked taker wakes at least this often, so an entry of a dead worker
 * is reclaimed within reclaim_idle_ms plus this, even when no push comes. */
#define TAKE_WAIT_SLICE_MS 1000
/* Tokens kept for takers that are not blocked yet; more than there are
 * workers buys nothing, and an empty take clears them anyway. */
#define WAKE_TOKENS_MAX 256

/* The scripts read best one Lua line per C line. */
// clang-format off
/* Shared by the scripts: the time from Redis (one clock for every worker)
 * and a stream entry's fields. */
#define LUA_PRELUDE                                                                                \
    "local P = ARGV[1]\n"                                                                          \
    "local t = redis.call('TIME')\n"                                                               \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/* ARGV: prefix, submission id, level, user id, wake tokens max.
 * Returns 1 when queued, 0 when the id was known already. */
static const char LUA_PUSH[] =
    LUA_PRELUDE
    "local sid, l, uid = ARGV[2], ARGV[3], ARGV[4]\n"
    "local known = P .. ':known'\n"
    "if redis.call('HEXISTS', known, sid) == 1 then return 0 end\n"
    "local seq = redis.call('INCR', P .. ':seq')\n"
    "redis.call('HSET', known, sid, l .. '|' .. uid .. '|' .. string.format('%d', now) .. '|')\n"
    /* A user enters the ring when their list goes from empty to one. */
    "if redis.call('RPUSH', P .. ':' .. l .. ':u:' .. uid, sid) == 1 then\n"
    "  redis.call('RPUSH', P .. ':' .. l .. ':ring', uid)\n"
    "end\n"
    "redis.call('ZADD', P .. ':wait', seq, sid)\n"
    "redis.call('RPUSH', P .. ':wake', '1')\n"
    "redis.call('LTRIM', P .. ':wake', -tonumber(ARGV[5]), -1)\n"
    "return 1\n";

/* ARGV: prefix, group, consumer, reclaim idle ms (<= 0: none), k, max wait
 * ms (0: none), levels, dispatch (1) or reclaim only (0).
 * Returns {0} for nothing, else {kind (1 new, 2 reclaimed), level, entry id,
 * submission id, user id, deliveries, ms since push}. */
static const char LUA_TAKE[] =
    LUA_PRELUDE
    "local G, C = ARGV[2], ARGV[3]\n"
    "local idle, every, maxwait = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])\n"
    "local levels, dispatch = tonumber(ARGV[7]), ARGV[8] == '1'\n"
    "local function field(kv, name)\n"
    "  for i = 1, #kv, 2 do if kv[i] == name then return kv[i + 1] end end\n"
    "  return ''\n"
    "end\n"
    "local function job(kind, l, e, deliveries)\n"
    "  local enq = tonumber(field(e[2], 'enq')) or now\n"
    "  return {kind, l, e[1], field(e[2], 'sid'), field(e[2], 'user'), deliveries, now - enq}\n"
    "end\n"
    /* Self-healing after a flush or a restart of Redis: the group exists
     * before anything is read or added. BUSYGROUP is the normal case. */
    "for l = 0, levels - 1 do\n"
    "  redis.pcall('XGROUP', 'CREATE', P .. ':' .. l, G, '$', 'MKSTREAM')\n"
    "end\n"
    "if idle > 0 then\n"
    "  for l = 0, levels - 1 do\n"
    "    local s = P .. ':' .. l\n"
    "    local cursor = '0-0'\n"
    "    repeat\n"
    "      local r = redis.call('XAUTOCLAIM', s, G, C, idle, cursor, 'COUNT', 1)\n"
    "      cursor = r[1]\n"
    "      local e = r[2][1]\n"
    "      if e then\n"
    "        local p = redis.call('XPENDING', s, G, e[1], e[1], 1)\n"
    "        return job(2, l, e, p[1][4])\n"
    "      end\n"
    "    until cursor == '0-0'\n"
    "  end\n"
    "end\n"
    "if not dispatch then return {0} end\n"
    "local known, wait = P .. ':known', P .. ':wait'\n"
    "local oldest = redis.call('ZRANGE', wait, 0, 0)[1]\n"
    /* Nothing waits: tokens of earlier pushes were for entries already
     * taken; dropping them keeps the next BLPOP from waking for nothing. */
    "if not oldest then\n"
    "  redis.call('DEL', P .. ':wake')\n"
    "  return {0}\n"
    "end\n"
    "local info = redis.call('HGET', known, oldest)\n"
    "if not info then\n"
    "  return redis.error_reply('queue ' .. P .. ' is inconsistent: waiting id ' .. oldest ..\n"
    "    ' is not known; flush it and recover')\n"
    "end\n"
    "local ol, ouid, oenq = string.match(info, '^(%d+)|([^|]*)|(%d+)|')\n"
    "local n = redis.call('INCR', P .. ':takes')\n"
    "local fifo = every > 0 and n % every == 0\n"
    "if not fifo and maxwait > 0 and now - tonumber(oenq) >= maxwait then fifo = true end\n"
    "local sid, l, uid\n"
    "if fifo then\n"
    /* The oldest entry of all is the head of its user's list at its level:
     * each list is in push order. The user keeps their place in the ring. */
    "  sid, l, uid = oldest, tonumber(ol), ouid\n"
    "  local ul = P .. ':' .. l .. ':u:' .. uid\n"
    "  redis.call('LREM', ul, 1, sid)\n"
    "  if redis.call('LLEN', ul) == 0 then\n"
    "    redis.call('LREM', P .. ':' .. l .. ':ring', 1, uid)\n"
    "  end\n"
    "else\n"
    "  for lv = 0, levels - 1 do\n"
    "    local ring = P .. ':' .. lv .. ':ring'\n"
    "    local u = redis.call('LPOP', ring)\n"
    "    if u then\n"
    "      local ul = P .. ':' .. lv .. ':u:' .. u\n"
    "      sid, l, uid = redis.call('LPOP', ul), lv, u\n"
    "      if redis.call('LLEN', ul) > 0 then redis.call('RPUSH', ring, u) end\n"
    "      break\n"
    "    end\n"
    "  end\n"
    "  if not sid then\n"
    "    return redis.error_reply('queue ' .. P .. ' is inconsistent: ids wait but no user' ..\n"
    "      ' does; flush it and recover')\n"
    "  end\n"
    "end\n"
    "redis.call('ZREM', wait, sid)\n"
    "info = redis.call('HGET', known, sid)\n"
    "local enq = info and string.match(info, '^%d+|[^|]*|(%d+)|') or string.format('%d', now)\n"
    "local s = P .. ':' .. l\n"
    "local id = redis.call('XADD', s, '*', 'sid', sid, 'user', uid, 'enq', enq)\n"
    "redis.call('HSET', known, sid, l .. '|' .. uid .. '|' .. enq .. '|' .. id)\n"
    /* Non-blocking XREADGROUP is allowed in scripts (Redis 7): this is what
     * puts the entry into C's pending list atomically with leaving the
     * waiting lists. Every XADD is read at once, so '>' yields ours. */
    "local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT', 1, 'STREAMS', s, '>')\n"
    "return job(1, l, r[1][2][1], 1)\n";

/* ARGV: prefix, group, level, entry id, submission id. Returns XACK's count. */
static const char LUA_ACK[] =
    LUA_PRELUDE
    "local s = P .. ':' .. ARGV[3]\n"
    "local id, sid = ARGV[4], ARGV[5]\n"
    "local n = redis.call('XACK', s, ARGV[2], id)\n"
    "redis.call('XDEL', s, id)\n"
    /* Forget the id only if the record is this entry's: after a reclaim
     * and a rejudge push, a late ack must not unlock the new entry. */
    "local info = redis.call('HGET', P .. ':known', sid)\n"
    "if info and string.sub(info, -#id - 1) == '|' .. id then\n"
    "  redis.call('HDEL', P .. ':known', sid)\n"
    "end\n"
    "return n\n";

/* ARGV: prefix, group, consumer, level, entry id. 1 when touched. */
static const char LUA_TOUCH[] =
    LUA_PRELUDE
    "local s = P .. ':' .. ARGV[4]\n"
    "local p = redis.call('XPENDING', s, ARGV[2], ARGV[5], ARGV[5], 1)\n"
    "if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end\n"
    /* JUSTID: resets the idle time without counting a delivery. */
    "redis.call('XCLAIM', s, ARGV[2], ARGV[3], 0, ARGV[5], 'JUSTID')\n"
    "return 1\n";

/* ARGV: prefix, group, consumer, level, entry id, wake tokens max. 1 when
 * released. The entry stays pending (its delivery count, which bounds the
 * retries, goes on), but its idle time is set far beyond any reclaim
 * timeout (Redis caps it at the epoch): the next take of any worker
 * reclaims it, and a token wakes one that waits. */
static const char LUA_RELEASE[] =
    LUA_PRELUDE
    "local s = P .. ':' .. ARGV[4]\n"
    "local p = redis.call('XPENDING', s, ARGV[2], ARGV[5], ARGV[5], 1)\n"
    "if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end\n"
    "redis.call('XCLAIM', s, ARGV[2], ARGV[3], 0, ARGV[5], 'IDLE', now, 'JUSTID')\n"
    "redis.call('RPUSH', P .. ':wake', '1')\n"
    "redis.call('LTRIM', P .. ':wake', -tonumber(ARGV[6]), -1)\n"
    "return 1\n";

/* ARGV: prefix, group, levels. {waiting, users, pending} per level. */
static const char LUA_STATS[] =
    LUA_PRELUDE
    "local out = {}\n"
    "for l = 0, tonumber(ARGV[3]) - 1 do\n"
    "  local users = redis.call('LRANGE', P .. ':' .. l .. ':ring', 0, -1)\n"
    "  local w = 0\n"
    "  for _, u in ipairs(users) do w = w + redis.call('LLEN', P .. ':' .. l .. ':u:' .. u) end\n"
    "  local pend = 0\n"
    "  if redis.call('EXISTS', P .. ':' .. l) == 1 then\n"
    "    local x = redis.pcall('XPENDING', P .. ':' .. l, ARGV[2])\n"
    "    if type(x) == 'table' and not x.err then pend = x[1] end\n"
    "  end\n"
    "  out[#out + 1] = w; out[#out + 1] = #users; out[#out + 1] = pend\n"
    "end\n"
    "return out\n";

// clang-format on

enum script_id { SC_PUSH, SC_TAKE, SC_ACK, SC_TOUCH, SC_STATS, SC_RELEASE, SC_COUNT };

static const char *const script_text[SC_COUNT] = {LUA_PUSH,  LUA_TAKE,  LUA_ACK,
                                                  LUA_TOUCH, LUA_STATS, LUA_RELEASE};

struct db_queue {
    struct db_redis *r;
    char prefix[DB_QUEUE_PREFIX_MAX + 1];
    unsigned fifo_every;
    int64_t max_wait_ms;
    int64_t reclaim_idle_ms;
    char sha[SC_COUNT][41];
};

/* Keys are built inside scripts and matched by SCAN in flush: glob
 * characters or spaces in the prefix would reach other keys. */
static bool prefix_ok(const char *p)
{
    size_t n = strlen(p);

    if (n == 0 || n > DB_QUEUE_PREFIX_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr(":_.-{}", c)))
            return false;
    }
    return true;
}

static int sha1_hex(char out[41], const char *text)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha1(), NULL) || len != 20)
        return GV_EINTERNAL;
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* EVALSHA, falling back to EVAL when Redis has lost its script cache
 * (restart, SCRIPT FLUSH); EVAL caches the script for the next call. */
static int run_script(redisReply **out, struct db_queue *q, enum script_id id, int nargs,
                      const char **args)
{
    const char *argv[16];
    int err;

    if (nargs + 3 > (int)(sizeof(argv) / sizeof(argv[0])))
        return GV_EINTERNAL;
    argv[0] = "EVALSHA";
    argv[1] = q->sha[id];
    argv[2] = "0";
    memcpy(argv + 3, args, (size_t)nargs * sizeof(*args));
    err = db__redis_call(out, q->r, nargs + 3, argv, NULL, 0);
    if (err == GV_EREDIS && !strncmp(db_redis_last_error(q->r), "NOSCRIPT", 8)) {
        argv[0] = "EVAL";
        argv[1] = script_text[id];
        err = db__redis_call(out, q->r, nargs + 3, argv, NULL, 0);
    }
    if (err == GV_EREDIS)
        gv_log(GV_LOG_WARN, "queue", "redis script failed: %s", db_redis_last_error(q->r));
    return err;
}

static int reply_int64(const redisReply *e, int64_t *v)
{
    char *end;

    if (e->type == REDIS_REPLY_INTEGER) {
        *v = e->integer;
        return 0;
    }
    if (e->type == REDIS_REPLY_STRING && e->len > 0) {
        errno = 0;
        *v = strtoll(e->str, &end, 10);
        if (!errno && *end == '\0')
            return 0;
    }
    return GV_EPARSE;
}

static int create_groups(struct db_queue *q)
{
    char key[DB_QUEUE_PREFIX_MAX + 16];
    const char *argv[6] = {"XGROUP", "CREATE", key, DB_QUEUE_GROUP, "$", "MKSTREAM"};
    redisReply *reply;
    int err;

    for (int l = 0; l < DB_QUEUE_LEVELS; l++) {
        snprintf(key, sizeof(key), "%s:%d", q->prefix, l);
        err = db__redis_call(&reply, q->r, 6, argv, NULL, 0);
        if (err == GV_EREDIS && !strncmp(db_redis_last_error(q->r), "BUSYGROUP", 9))
            continue;
        if (err < 0) {
            gv_log(GV_LOG_WARN, "queue", "cannot create group of %s: %s", key,
                   db_redis_last_error(q->r));
            return err;
        }
        freeReplyObject(reply);
    }
    return 0;
}

int db_queue_open(struct db_queue **out, struct db_redis *r, const struct db_queue_opts *opts)
{
    const char *prefix =
        opts && opts->prefix && *opts->prefix ? opts->prefix : DB_QUEUE_PREFIX_DEFAULT;
    struct db_queue *q;
    int err;

    *out = NULL;
    if (!prefix_ok(prefix))
        return GV_EINVAL;
    q = gv_calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->r = r;
    snprintf(q->prefix, sizeof(q->prefix), "%s", prefix);
    q->fifo_every = opts && opts->fifo_every ? opts->fifo_every : DB_QUEUE_FIFO_EVERY_DEFAULT;
    q->max_wait_ms = opts && opts->max_wait_ms > 0 ? opts->max_wait_ms : 0;
    q->reclaim_idle_ms =
        opts && opts->reclaim_idle_ms ? opts->reclaim_idle_ms : DB_QUEUE_RECLAIM_IDLE_MS_DEFAULT;
    for (int i = 0; i < SC_COUNT; i++) {
        err = sha1_hex(q->sha[i], script_text[i]);
        if (err < 0)
            goto out;
    }
    err = create_groups(q);
    if (err < 0)
        goto out;
    *out = q;
    q = NULL;
out:
    gv_free(q);
    return err;
}

void db_queue_close(struct db_queue *q)
{
    gv_free(q);
}

const char *db_queue_prefix(const struct db_queue *q)
{
    return q->prefix;
}

int db_queue_push(bool *queued, struct db_queue *q, int64_t submission_id, int level,
                  int64_t user_id)
{
    char sid[24], lvl[8], uid[24], wake[16];
    const char *args[5] = {q->prefix, sid, lvl, uid, wake};
    redisReply *reply = NULL;
    int err;

    if (queued)
        *queued = false;
    if (submission_id <= 0 || level < 0 || level >= DB_QUEUE_LEVELS)
        return GV_EINVAL;
    snprintf(sid, sizeof(sid), "%lld", (long long)submission_id);
    snprintf(lvl, sizeof(lvl), "%d", level);
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(wake, sizeof(wake), "%d", WAKE_TOKENS_MAX);
    err = run_script(&reply, q, SC_PUSH, 5, args);
    if (err < 0)
        return err;
    if (reply->type != REDIS_REPLY_INTEGER) {
        err = GV_EPARSE;
        goto out;
    }
    if (queued)
        *queued = reply->integer == 1;
out:
    freeReplyObject(reply);
    return err;
}

/* Runs the take script; 1 with *job filled, 0 for nothing. */
static int take_once(struct db_queue_job *job, struct db_queue *q, const char *consumer,
                     int64_t idle_ms, bool dispatch)
{
    char idle[24], every[16], maxwait[24], levels[8];
    const char *args[8] = {q->prefix, DB_QUEUE_GROUP, consumer, idle,
                           every,     maxwait,        levels,   dispatch ? "1" : "0"};
    redisReply *reply = NULL, **e;
    int64_t kind = 0, level = 0;
    int err;

    if (!consumer || !*consumer || strlen(consumer) > DB_QUEUE_CONSUMER_MAX)
        return GV_EINVAL;
    snprintf(idle, sizeof(idle), "%lld", (long long)(idle_ms > 0 ? idle_ms : 0));
    snprintf(every, sizeof(every), "%u", q->fifo_every);
    snprintf(maxwait, sizeof(maxwait), "%lld", (long long)q->max_wait_ms);
    snprintf(levels, sizeof(levels), "%d", DB_QUEUE_LEVELS);
    err = run_script(&reply, q, SC_TAKE, 8, args);
    if (err < 0)
        return err;
    err = GV_EPARSE;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply_int64(reply->element[0], &kind) < 0)
        goto out;
    if (kind == 0) {
        err = 0;
        goto out;
    }
    e = reply->element;
    if (reply->elements != 7 || e[2]->type != REDIS_REPLY_STRING ||
        e[2]->len >= sizeof(job->entry_id) || reply_int64(e[1], &level) < 0 ||
        reply_int64(e[3], &job->submission_id) < 0 || reply_int64(e[4], &job->user_id) < 0 ||
        reply_int64(e[5], &job->deliveries) < 0 || reply_int64(e[6], &job->waited_ms) < 0 ||
        level < 0 || level >= DB_QUEUE_LEVELS)
        goto out;
    job->level = (int)level;
    memcpy(job->entry_id, e[2]->str, e[2]->len);
    job->entry_id[e[2]->len] = '\0';
    err = 1;
out:
    if (err == GV_EPARSE)
        gv_log(GV_LOG_ERROR, "queue", "unexpected reply from the take script of %s", q->prefix);
    freeReplyObject(reply);
    return err;
}

int db_queue_take(struct db_queue_job *job, struct db_queue *q, const char *consumer, int block_ms)
{
    int64_t deadline = gv_time_mono_ms() + (block_ms > 0 ? block_ms : 0), left;
    char key[DB_QUEUE_PREFIX_MAX + 8], secs[32];
    const char *argv[3] = {"BLPOP", key, secs};
    redisReply *reply;
    int err;

    memset(job, 0, sizeof(*job));
    snprintf(key, sizeof(key), "%s:wake", q->prefix);
    for (;;) {
        err = take_once(job, q, consumer, q->reclaim_idle_ms, true);
        if (err != 0)
            return err;
        left = deadline - gv_time_mono_ms();
        if (left <= 0)
            return 0;
        if (left > TAKE_WAIT_SLICE_MS)
            left = TAKE_WAIT_SLICE_MS;
        /* Whether a token or the timeout ended the wait, the next take
         * decides: another taker may have been faster. */
        snprintf(secs, sizeof(secs), "%.3f", (double)left / 1000.0);
        err = db__redis_call(&reply, q->r, 3, argv, NULL, (int)left);
        if (err < 0)
            return err;
        freeReplyObject(reply);
    }
}

int db_queue_reclaim(struct db_queue_job *job, struct db_queue *q, const char *consumer,
                     int64_t min_idle_ms)
{
    memset(job, 0, sizeof(*job));
    if (min_idle_ms <= 0)
        return GV_EINVAL;
    return take_once(job, q, consumer, min_idle_ms, false);
}

/* ack, touch and release: one script over one queued entry, 0 when it was
 * ours, GV_ENOTFOUND when the entry is gone or belongs to someone else. */
static int job_script(struct db_queue *q, enum script_id id, const char *consumer,
                      const struct db_queue_job *job)
{
    char lvl[8], sid[24], wake[16];
    const char *ack_args[] = {q->prefix, DB_QUEUE_GROUP, lvl, job->entry_id, sid};
    const char *touch_args[] = {q->prefix, DB_QUEUE_GROUP, consumer, lvl, job->entry_id};
    const char *release_args[] = {q->prefix, DB_QUEUE_GROUP, consumer, lvl, job->entry_id, wake};
    redisReply *reply = NULL;
    int err;

    if (job->level < 0 || job->level >= DB_QUEUE_LEVELS || !job->entry_id[0])
        return GV_EINVAL;
    snprintf(lvl, sizeof(lvl), "%d", job->level);
    snprintf(sid, sizeof(sid), "%lld", (long long)job->submission_id);
    snprintf(wake, sizeof(wake), "%d", WAKE_TOKENS_MAX);
    if (id == SC_ACK)
        err = run_script(&reply, q, id, 5, ack_args);
    else if (id == SC_TOUCH)
        err = run_script(&reply, q, id, 5, touch_args);
    else
        err = run_script(&reply, q, id, 6, release_args);
    if (err < 0)
        return err;
    if (reply->type != REDIS_REPLY_INTEGER)
        err = GV_EPARSE;
    else if (reply->integer == 0)
        err = GV_ENOTFOUND;
    freeReplyObject(reply);
    return err;
}

int db_queue_ack(struct db_queue *q, const struct db_queue_job *job)
{
    return job_script(q, SC_ACK, NULL, job);
}

int db_queue_touch(struct db_queue *q, const char *consumer, const struct db_queue_job *job)
{
    if (!consumer || !*consumer)
        return GV_EINVAL;
    return job_script(q, SC_TOUCH, consumer, job);
}

int db_queue_release(struct db_queue *q, const char *consumer, const struct db_queue_job *job)
{
    if (!consumer || !*consumer)
        return GV_EINVAL;
    return job_script(q, SC_RELEASE, consumer, job);
}

int db_queue_requeue_missing(size_t *requeued, struct db_queue *q,
                             const struct db_queue_item *items, size_t count)
{
    size_t added = 0;
    bool queued;
    int err = 0;

    for (size_t i = 0; i < count; i++) {
        err = db_queue_push(&queued, q, items[i].submission_id, items[i].level, items[i].user_id);
        if (err < 0)
            break;
        added += queued;
    }
    if (requeued)
        *requeued = added;
    return err;
}

int db_queue_recover(size_t *requeued, struct db_queue *q, struct db_pg *pg)
{
    PGresult *res;
    struct db_queue_item *items = NULL;
    size_t n = 0;
    char *end;
    long long prio;
    int err = 0;

    if (requeued)
        *requeued = 0;
    /* Unjudged submissions at their own level, and requested rejudges
     * (recorded in PostgreSQL by `gavel rejudge`) at the rejudge level;
     * served by submissions_pending_idx and submissions_rejudge_idx. An
     * imported submission (external_id) has no source to judge. */
    res = PQexec(pg->conn, "SELECT id, CASE WHEN status = 'judged' THEN 4 ELSE priority END,"
                           " user_id FROM submissions WHERE (status <> 'judged'"
                           " OR rejudge_requested_at IS NOT NULL) AND external_id IS NULL"
                           " ORDER BY id");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "queue recover");
        goto out;
    }
    n = (size_t)PQntuples(res);
    if (n == 0)
        goto out;
    items = gv_calloc(n, sizeof(*items));
    if (!items) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].submission_id = strtoll(PQgetvalue(res, (int)i, 0), &end, 10);
        prio = strtoll(PQgetvalue(res, (int)i, 1), &end, 10);
        items[i].user_id = strtoll(PQgetvalue(res, (int)i, 2), &end, 10);
        /* The column allows 0..9 for levels to come; this queue has five. */
        items[i].level = prio < 0 ? 0 : prio >= DB_QUEUE_LEVELS ? DB_QUEUE_LEVELS - 1 : (int)prio;
    }
    err = db_queue_requeue_missing(requeued, q, items, n);
    if (err == 0 && requeued && *requeued)
        gv_log(GV_LOG_INFO, "queue", "recovered %zu of %zu unjudged submissions into %s", *requeued,
               n, q->prefix);
out:
    gv_free(items);
    PQclear(res);
    return err;
}

int db_queue_stats(struct db_queue_stats *out, struct db_queue *q)
{
    char levels[8];
    const char *args[3] = {q->prefix, DB_QUEUE_GROUP, levels};
    redisReply *reply = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    snprintf(levels, sizeof(levels), "%d", DB_QUEUE_LEVELS);
    err = run_script(&reply, q, SC_STATS, 3, args);
    if (err < 0)
        return err;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 * DB_QUEUE_LEVELS) {
        err = GV_EPARSE;
        goto out;
    }
    for (int l = 0; l < DB_QUEUE_LEVELS; l++) {
        if (reply_int64(reply->element[3 * l], &out->waiting[l]) < 0 ||
            reply_int64(reply->element[3 * l + 1], &out->users[l]) < 0 ||
            reply_int64(reply->element[3 * l + 2], &out->pending[l]) < 0) {
            err = GV_EPARSE;
            goto out;
        }
    }
out:
    freeReplyObject(reply);
    return err;
}

int db_queue_flush(struct db_queue *q)
{
    char cursor[32] = "0", match[DB_QUEUE_PREFIX_MAX + 4];
    const char *scan[6] = {"SCAN", cursor, "MATCH", match, "COUNT", "1000"};
    const char **del = NULL;
    redisReply *reply = NULL, *keys, *dreply;
    int err;

    /* prefix_ok() admits no glob characters, so this matches only ours. */
    snprintf(match, sizeof(match), "%s:*", q->prefix);
    do {
        err = db__redis_call(&reply, q->r, 6, scan, NULL, 0);
        if (err < 0)
            goto out;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[1]->type != REDIS_REPLY_ARRAY ||
            reply->element[0]->len >= sizeof(cursor)) {
            err = GV_EPARSE;
            goto out;
        }
        keys = reply->element[1];
        if (keys->elements) {
            del = gv_calloc(keys->elements + 1, sizeof(*del));
            if (!del) {
                err = -ENOMEM;
                goto out;
            }
            del[0] = "UNLINK";
            for (size_t i = 0; i < keys->elements; i++)
                del[i + 1] = keys->element[i]->str;
            err = db__redis_call(&dreply, q->r, (int)keys->elements + 1, del, NULL, 0);
            gv_free(del);
            del = NULL;
            if (err < 0)
                goto out;
            freeReplyObject(dreply);
        }
        memcpy(cursor, reply->element[0]->str, reply->element[0]->len);
        cursor[reply->element[0]->len] = '\0';
        freeReplyObject(reply);
        reply = NULL;
    } while (strcmp(cursor, "0"));
    /* No groups recreated: the take script makes them on demand, and a
     * flush before throwing a prefix away must leave nothing behind. */
out:
    if (reply)
        freeReplyObject(reply);
    return err;
}
