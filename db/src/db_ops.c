/* SPDX-License-Identifier: MIT
 * db_ops.c - the judges' heartbeats and the operators' reads (db_ops.h). */
#include "db_ops.h"
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define SCAN_STEP "1000"

/* --- Heartbeats ------------------------------------------------------------ */

/* A time or an id, or null for 0 (not said). */
static cJSON *number_or_null(int64_t v)
{
    return v ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

int db_judge_beat_format(char *buf, size_t len, const struct db_judge_beat *b)
{
    cJSON *o = cJSON_CreateObject();
    int err = -ENOMEM;

    if (o && cJSON_AddStringToObject(o, "host", b->host) &&
        cJSON_AddNumberToObject(o, "pid", (double)b->pid) &&
        cJSON_AddItemToObject(o, "started_at", number_or_null(b->started_at_ms)) &&
        cJSON_AddNumberToObject(o, "beat_at", (double)b->beat_at_ms) &&
        cJSON_AddItemToObject(o, "submission", number_or_null(b->submission_id)) &&
        cJSON_AddItemToObject(o, "judging_since", number_or_null(b->judging_since_ms)))
        /* Into the caller's buffer: the judge formats a beat every few
         * seconds and need not allocate the text. */
        err = cJSON_PrintPreallocated(o, buf, (int)(len > INT32_MAX ? INT32_MAX : len), 0)
                  ? 0
                  : GV_ETOOBIG;
    cJSON_Delete(o);
    return err;
}

/* A positive integer member (a time, an id), or 0. */
static int64_t member_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 9e15 ? (int64_t)v->valuedouble
                                                                             : 0;
}

int db_judge_beat_parse(struct db_judge_beat *out, const char *id, const char *text)
{
    const char *colon = strrchr(id, ':');
    cJSON *o = cJSON_Parse(text);
    const cJSON *host;

    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", id);
    /* The key says "<host>:<pid>" whatever the value holds. */
    snprintf(out->host, sizeof(out->host), "%.*s", colon ? (int)(colon - id) : 0, id);
    out->pid = colon ? strtoll(colon + 1, NULL, 10) : 0;
    if (cJSON_IsNumber(o)) {
        out->beat_at_ms = (int64_t)o->valuedouble; /* an older worker's value */
    } else if (cJSON_IsObject(o)) {
        host = cJSON_GetObjectItemCaseSensitive(o, "host");
        if (cJSON_IsString(host))
            snprintf(out->host, sizeof(out->host), "%s", host->valuestring);
        if (member_int(o, "pid"))
            out->pid = member_int(o, "pid");
        out->started_at_ms = member_int(o, "started_at");
        out->beat_at_ms = member_int(o, "beat_at");
        out->submission_id = member_int(o, "submission");
        out->judging_since_ms = out->submission_id ? member_int(o, "judging_since") : 0;
    }
    cJSON_Delete(o);
    return out->beat_at_ms > 0 ? 0 : GV_EPARSE;
}

int db_judge_beat_write(struct db_redis *r, const struct db_judge_beat *b)
{
    char key[sizeof(DB_JUDGE_BEAT_PREFIX) + DB_JUDGE_ID_MAX], value[DB_JUDGE_BEAT_TEXT_MAX];
    const char *argv[] = {"SET", key, value, "EX", NULL};
    char ttl[16];
    int err = db_judge_beat_format(value, sizeof(value), b);

    if (err < 0)
        return err;
    snprintf(key, sizeof(key), DB_JUDGE_BEAT_PREFIX "%s", b->id);
    snprintf(ttl, sizeof(ttl), "%d", DB_JUDGE_BEAT_TTL_S);
    argv[4] = ttl;
    return db_redis_command(r, 5, argv);
}

int db_judge_beat_delete(struct db_redis *r, const char *id)
{
    char key[sizeof(DB_JUDGE_BEAT_PREFIX) + DB_JUDGE_ID_MAX];
    const char *argv[] = {"DEL", key};

    snprintf(key, sizeof(key), DB_JUDGE_BEAT_PREFIX "%s", id);
    return db_redis_command(r, 2, argv);
}

/* Appends the judge ids of one SCAN reply's keys to `ids` (gv_strdup'd),
 * up to `max`. */
static int take_ids(char ***ids, size_t *n, size_t max, const redisReply *keys)
{
    const size_t plen = sizeof(DB_JUDGE_BEAT_PREFIX) - 1;

    for (size_t i = 0; i < keys->elements && *n < max; i++) {
        const redisReply *k = keys->element[i];
        char **grown;

        if (k->type != REDIS_REPLY_STRING || k->len <= plen || k->len - plen >= DB_JUDGE_ID_MAX)
            continue;
        grown = gv_realloc(*ids, (*n + 1) * sizeof(**ids));
        if (!grown)
            return -ENOMEM;
        *ids = grown;
        (*ids)[*n] = gv_strndup(k->str + plen, k->len - plen);
        if (!(*ids)[*n])
            return -ENOMEM;
        (*n)++;
    }
    return 0;
}

/* Every judge id with a heartbeat key, at most `max`. */
static int scan_ids(char ***ids, size_t *n, struct db_redis *r, size_t max)
{
    char cursor[32] = "0";
    const char *argv[] = {"SCAN", cursor, "MATCH", DB_JUDGE_BEAT_PREFIX "*", "COUNT", SCAN_STEP};
    redisReply *reply = NULL;
    int err;

    do {
        err = db__redis_call(&reply, r, 6, argv, NULL, 0);
        if (err < 0)
            return err;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[0]->len >= sizeof(cursor) ||
            reply->element[1]->type != REDIS_REPLY_ARRAY)
            err = GV_EPARSE;
        if (err == 0) {
            memcpy(cursor, reply->element[0]->str, reply->element[0]->len + 1);
            err = take_ids(ids, n, max, reply->element[1]);
        }
        freeReplyObject(reply);
    } while (err == 0 && strcmp(cursor, "0") != 0 && *n < max);
    return err;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct db_judge_beat *)a)->id, ((const struct db_judge_beat *)b)->id);
}

int db_judge_beats(struct db_judge_beat **out, size_t *count, struct db_redis *r, size_t max)
{
    char **ids = NULL, (*keys)[sizeof(DB_JUDGE_BEAT_PREFIX) + DB_JUDGE_ID_MAX] = NULL;
    const char **argv = NULL;
    struct db_judge_beat *beats = NULL;
    redisReply *reply = NULL;
    size_t n = 0, got = 0;
    int err;

    *out = NULL;
    *count = 0;
    err = scan_ids(&ids, &n, r, max);
    if (err < 0 || n == 0)
        goto out;
    keys = gv_calloc(n, sizeof(*keys));
    argv = gv_calloc(n + 1, sizeof(*argv));
    beats = gv_calloc(n, sizeof(*beats));
    if (!keys || !argv || !beats) {
        err = -ENOMEM;
        goto out;
    }
    argv[0] = "MGET";
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof(keys[i]), DB_JUDGE_BEAT_PREFIX "%s", ids[i]);
        argv[i + 1] = keys[i];
    }
    err = db__redis_call(&reply, r, (int)n + 1, argv, NULL, 0);
    if (err < 0)
        goto out;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
        err = GV_EPARSE;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *v = reply->element[i];

        /* nil: expired since the SCAN. */
        if (v->type == REDIS_REPLY_STRING && db_judge_beat_parse(&beats[got], ids[i], v->str) == 0)
            got++;
    }
    qsort(beats, got, sizeof(*beats), by_id);
    *out = got ? beats : NULL;
    *count = got;
    if (got)
        beats = NULL;
out:
    freeReplyObject(reply);
    for (size_t i = 0; i < n; i++)
        gv_free(ids[i]);
    gv_free(ids);
    gv_free(keys);
    gv_free(argv);
    gv_free(beats);
    return err;
}

/* --- PostgreSQL ------------------------------------------------------------ */

int db_ops_unjudged(char **json, struct db_pg *pg, int64_t now_ms)
{
    char last[8], now[24];
    const char *p[] = {last, now};

    snprintf(last, sizeof(last), "%d", DB_QUEUE_LEVELS - 1);
    snprintf(now, sizeof(now), "%" PRId64, now_ms);
    /* Both sets are small and indexed (submissions_pending_idx,
     * submissions_rejudge_idx) however many submissions were judged. */
    return db_pg_query_value(
        json, pg,
        "WITH u AS (SELECT id, status, least(priority, $1::int) AS level, created_at FROM "
        "submissions WHERE status <> 'judged') SELECT json_build_object("
        "'queued', (SELECT count(*) FROM u WHERE status = 'queued'), "
        "'compiling', (SELECT count(*) FROM u WHERE status = 'compiling'), "
        "'running', (SELECT count(*) FROM u WHERE status = 'running'), "
        "'rejudging', (SELECT count(*) FROM submissions WHERE rejudge_requested_at IS NOT NULL "
        "AND status = 'judged'), "
        "'levels', (SELECT json_agg(coalesce(c.n, 0) ORDER BY l.level) FROM generate_series(0, "
        "$1::int) AS l(level) LEFT JOIN (SELECT level, count(*) AS n FROM u GROUP BY level) c ON "
        "c.level = l.level), "
        "'oldest', (SELECT json_build_object('submission_id', id, 'status', status, 'created_at', "
        EPOCH_MS("created_at") ", 'age_ms', greatest($2::bigint - " EPOCH_MS("created_at") ", 0)) "
        "FROM u ORDER BY id LIMIT 1))::text",
        2, p);
}

int db_ops_judge_errors(char **json, struct db_pg *pg, int limit)
{
    char n[16];
    const char *p[] = {n};

    snprintf(n, sizeof(n), "%d", limit);
    /* submissions_judge_errors_idx (0004) holds only the JE rows. */
    return db_pg_query_value(
        json, pg,
        "SELECT coalesce(json_agg(json_build_object('submission_id', s.id, 'problem', p.slug, "
        "'contest_id', s.contest_id, 'user_id', s.user_id, 'username', u.username, 'judged_at', "
        EPOCH_MS("s.judged_at") ", 'judge_host', j.judge_host) ORDER BY s.judged_at DESC, s.id "
        "DESC), '[]'::json)::text FROM (SELECT id, problem_id, contest_id, user_id, judged_at FROM "
        "submissions WHERE verdict = 'JE' ORDER BY judged_at DESC, id DESC LIMIT $1::int) s JOIN "
        "problems p ON p.id = s.problem_id JOIN users u ON u.id = s.user_id LEFT JOIN judgings j "
        "ON j.submission_id = s.id AND j.is_valid",
        1, p);
}
