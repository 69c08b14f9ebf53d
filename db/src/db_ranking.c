/* SPDX-License-Identifier: MIT
 * db_ranking.c - the incremental scoreboard in Redis (db_ranking.h).
 *
 * Theory of operation. A verdict rewrites one participant's row in each
 * view: its attempts come from PostgreSQL (the record), contest/ computes
 * the row and its key, and one pipelined round trip moves the member in the
 * sorted set (O(log n)), stores the row and its solves. A window is one
 * Lua script, so one round trip and one consistent moment: the members and
 * keys at the positions asked for, the count of keys below the first (its
 * rank; cst_rank_window ranks the rest), the rows, their names, the board's
 * size and each problem's earliest solve.
 *
 * The board is valid for what it was built from: meta's `fp` names the
 * contest's board_version (bumped by PostgreSQL triggers when participants,
 * problems or the contest's rules change), its rules and problem ids. A
 * reader that finds it missing or different rebuilds it (one at a time per
 * contest: a lock key; a reader that does not get it computes the board in
 * full, as before). A rebuild WATCHes the `gen` counter before it reads
 * PostgreSQL and every update increments it, so a rebuild that raced a
 * verdict is thrown away and redone rather than installed without it. */
#include "db_ranking.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst_event.h"
#include "db_board.h"
#include "db_internal.h"
#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

#define KEY_MAX 128
#define MEMBER_MAX 24
#define FP_MAX (256 + CST_EVENT_CELLS_MAX * 24)
/* Rows per ZADD/HSET while rebuilding: big enough to amortize a command,
 * small enough not to stall Redis. */
#define BUILD_BATCH 1000
#define BUILD_TRIES 3
#define LOCK_MS "60000"

static const char *view_name(enum db_ranking_view v)
{
    return v == DB_RANKING_JURY ? "jury" : "public";
}

/* <prefix>:<cid>:<what>, with `build` naming the rebuild's staging copy. */
static void key_of(char *buf, int64_t cid, bool build, const char *what)
{
    snprintf(buf, KEY_MAX, "%.40s:%" PRId64 ":%s%s", db_ranking_prefix(), cid,
             build ? "build:" : "", what);
}

const char *db_ranking_prefix(void)
{
    return gv_config_get("GAVEL_BOARD_PREFIX", "gavel:board");
}

static void view_key(char *buf, int64_t cid, bool build, enum db_ranking_view v, const char *what)
{
    char w[48];

    snprintf(w, sizeof(w), "%s:%s", view_name(v), what);
    key_of(buf, cid, build, w);
}

static void first_key(char *buf, int64_t cid, bool build, enum db_ranking_view v, size_t p)
{
    char w[48];

    snprintf(w, sizeof(w), "%s:first:%zu", view_name(v), p);
    key_of(buf, cid, build, w);
}

/* Zero-padded so that the sorted set's order among equal keys (bytes) is
 * the board's (user ids ascending). */
static void member_of(char *buf, int64_t uid)
{
    snprintf(buf, MEMBER_MAX, "%019" PRId64, uid);
}

static void fmt_double(char *buf, size_t cap, const char *prefix, double v)
{
    snprintf(buf, cap, "%s%.17g", prefix, v);
}

/* Reads `n` pipelined replies, freeing each; the first error is returned,
 * and a lost connection stops the reading at once. */
static int drain(struct db_redis *r, size_t n)
{
    int err = 0;

    for (size_t i = 0; i < n; i++) {
        redisReply *rep = NULL;
        int e = db__redis_reply(&rep, r);

        if (rep)
            freeReplyObject(rep);
        if (e == GV_EUNAVAIL)
            return e;
        if (e < 0 && err == 0)
            err = e;
    }
    return err;
}

/* Appends a command of up to 5 string arguments; counts it in *queued. */
static int cmd(struct db_redis *r, size_t *queued, int argc, const char *a0, const char *a1,
               const char *a2, const char *a3, const char *a4)
{
    const char *argv[] = {a0, a1, a2, a3, a4};
    int err = db__redis_append(r, argc, argv, NULL);

    if (err == 0)
        (*queued)++;
    return err;
}

int db_ranking_put(struct db_redis *r, int64_t contest_id, int64_t user_id, const char *names,
                   const struct db_ranking_entry *e, size_t n)
{
    char member[MEMBER_MAX], key[KEY_MAX], score[40], text[CST_RANK_ROW_TEXT_MAX];
    double keys[4];
    size_t queued = 0;
    int err = 0;

    assert(n <= 4);
    for (size_t i = 0; i < n; i++) {
        err = cst_rank_key(&keys[i], e[i].layout, e[i].row);
        if (err < 0)
            return err; /* nothing written: the row does not fit */
    }
    member_of(member, user_id);
    for (size_t i = 0; err == 0 && i < n; i++) {
        const struct cst_row *row = e[i].row;

        err = cst_rank_row_encode(text, sizeof(text), row, e[i].nproblems);
        if (err < 0)
            break;
        view_key(key, contest_id, false, e[i].view, "rank");
        fmt_double(score, sizeof(score), "", keys[i]);
        err = cmd(r, &queued, 4, "ZADD", key, score, member, NULL);
        view_key(key, contest_id, false, e[i].view, "rows");
        if (err == 0)
            err = cmd(r, &queued, 4, "HSET", key, member, text, NULL);
        for (size_t p = 0; err == 0 && p < e[i].nproblems; p++) {
            if (e[i].problem != DB_RANKING_ALL_PROBLEMS && e[i].problem != p)
                continue;
            first_key(key, contest_id, false, e[i].view, p);
            if (row->cells[p].solved) {
                snprintf(score, sizeof(score), "%" PRId64, row->cells[p].solved_at_ms);
                err = cmd(r, &queued, 4, "ZADD", key, score, member, NULL);
            } else {
                err = cmd(r, &queued, 3, "ZREM", key, member, NULL, NULL);
            }
        }
    }
    if (err == 0 && names) {
        key_of(key, contest_id, false, "teams");
        err = cmd(r, &queued, 4, "HSET", key, member, names, NULL);
    }
    /* Whatever was queued is sent and read, also after a failure, so the
     * connection stays in step. */
    {
        int e2 = drain(r, queued);
        if (err == 0)
            err = e2;
    }
    return err;
}

void db_ranking_rows_release(struct db_ranking_rows *w)
{
    if (w->names)
        for (size_t i = 0; i < w->n; i++)
            gv_free(w->names[i]);
    gv_free(w->names);
    gv_free(w->user_ids);
    gv_free(w->ranks);
    gv_free(w->rows);
    gv_free(w->cells);
    memset(w, 0, sizeof(*w));
}

static bool reply_is_array(const redisReply *rep, size_t n)
{
    return rep && rep->type == REDIS_REPLY_ARRAY && (n == SIZE_MAX || rep->elements == n);
}

/* A window in one round trip, atomic: positions, the count below the first
 * key (its rank), the rows, their names, each problem's earliest solve.
 * KEYS: rank, rows, teams, then the problems' first-solve sets. ARGV: "pos"
 * FROM COUNT, or "member" MEMBER RADIUS. Returns false for a member that is
 * not on the board, else {from, total, below, {member, key, ...}, rows,
 * names, {earliest solve or "", ...}}. */
static const char window_lua[] =
    "local from, count\n"
    "if ARGV[1] == 'member' then\n"
    "  local p = redis.call('ZRANK', KEYS[1], ARGV[2])\n"
    "  if not p then return false end\n"
    "  local r = tonumber(ARGV[3])\n"
    "  if p > r then from = p - r else from = 0 end\n"
    "  count = p - from + r + 1\n"
    "else\n"
    "  from = tonumber(ARGV[2])\n"
    "  count = tonumber(ARGV[3])\n"
    "end\n"
    "local z = redis.call('ZRANGE', KEYS[1], from, from + count - 1, 'WITHSCORES')\n"
    "local m = {}\n"
    "for i = 1, #z, 2 do m[#m + 1] = z[i] end\n"
    "local below, rows, names = 0, {}, {}\n"
    "if #m > 0 then\n"
    "  below = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. z[2])\n"
    "  rows = redis.call('HMGET', KEYS[2], unpack(m))\n"
    "  names = redis.call('HMGET', KEYS[3], unpack(m))\n"
    "end\n"
    "local first = {}\n"
    "for k = 4, #KEYS do\n"
    "  local f = redis.call('ZRANGE', KEYS[k], 0, 0, 'WITHSCORES')\n"
    "  first[#first + 1] = f[2] or ''\n"
    "end\n"
    "return {from, redis.call('ZCARD', KEYS[1]), below, z, rows, names, first}\n";

/* The script's answer into `w`. */
static int window_parse(struct db_ranking_rows *w, const redisReply *rep)
{
    const redisReply *z, *rows, *names, *first;
    int64_t earliest[CST_EVENT_CELLS_MAX];
    double *keys = NULL;
    size_t n;
    int err = 0;

    if (rep->type == REDIS_REPLY_NIL)
        return GV_ENOTFOUND;
    if (!reply_is_array(rep, 7) || rep->element[0]->type != REDIS_REPLY_INTEGER ||
        rep->element[1]->type != REDIS_REPLY_INTEGER ||
        rep->element[2]->type != REDIS_REPLY_INTEGER || !reply_is_array(rep->element[3], SIZE_MAX) ||
        rep->element[3]->elements % 2)
        return GV_EREDIS;
    z = rep->element[3];
    n = z->elements / 2;
    rows = rep->element[4];
    names = rep->element[5];
    first = rep->element[6];
    if ((n && (!reply_is_array(rows, n) || !reply_is_array(names, n))) ||
        !reply_is_array(first, w->nproblems))
        return GV_EREDIS;
    w->from = (size_t)rep->element[0]->integer;
    w->total = (size_t)rep->element[1]->integer;
    for (size_t p = 0; p < w->nproblems; p++)
        earliest[p] = first->element[p]->type == REDIS_REPLY_STRING && first->element[p]->len
                          ? (int64_t)strtod(first->element[p]->str, NULL)
                          : INT64_MAX;
    w->user_ids = gv_calloc(n ? n : 1, sizeof(*w->user_ids));
    w->ranks = gv_calloc(n ? n : 1, sizeof(*w->ranks));
    w->rows = gv_calloc(n ? n : 1, sizeof(*w->rows));
    w->cells = gv_calloc(n * w->nproblems > 0 ? n * w->nproblems : 1, sizeof(*w->cells));
    w->names = gv_calloc(n ? n : 1, sizeof(*w->names));
    keys = gv_calloc(n ? n : 1, sizeof(*keys));
    if (!w->user_ids || !w->ranks || !w->rows || !w->cells || !w->names || !keys) {
        gv_free(keys);
        return -ENOMEM;
    }
    w->n = n;
    for (size_t i = 0; i < n; i++) {
        w->user_ids[i] = strtoll(z->element[2 * i]->str, NULL, 10);
        keys[i] = strtod(z->element[2 * i + 1]->str, NULL);
    }
    cst_rank_window(w->ranks, keys, n, w->from, (size_t)rep->element[2]->integer);
    for (size_t i = 0; err == 0 && i < n; i++) {
        const redisReply *row = rows->element[i], *nm = names->element[i];

        w->rows[i].cells = w->cells + i * w->nproblems;
        /* A member without a decodable row: a board damaged by hand. */
        if (row->type != REDIS_REPLY_STRING ||
            cst_rank_row_decode(&w->rows[i], w->nproblems, row->str) < 0) {
            err = GV_EPARSE;
            break;
        }
        w->rows[i].rank = w->ranks[i];
        cst_board_mark_first(&w->rows[i], w->nproblems, earliest);
        w->names[i] = gv_strdup(nm->type == REDIS_REPLY_STRING ? nm->str : "");
        if (!w->names[i])
            err = -ENOMEM;
    }
    gv_free(keys);
    return err;
}

static int read_window(struct db_ranking_rows *out, struct db_redis *r, int64_t cid,
                       enum db_ranking_view view, size_t nproblems, const char *mode,
                       const char *arg1, size_t arg2)
{
    char keys[3 + CST_EVENT_CELLS_MAX][KEY_MAX], nkeys[16], a2[24];
    const char *argv[3 + 3 + CST_EVENT_CELLS_MAX + 3];
    redisReply *rep = NULL;
    int argc = 0, err;

    if (nproblems > CST_EVENT_CELLS_MAX)
        return GV_ETOOBIG;
    out->nproblems = nproblems;
    view_key(keys[0], cid, false, view, "rank");
    view_key(keys[1], cid, false, view, "rows");
    key_of(keys[2], cid, false, "teams");
    for (size_t p = 0; p < nproblems; p++)
        first_key(keys[3 + p], cid, false, view, p);
    snprintf(nkeys, sizeof(nkeys), "%zu", 3 + nproblems);
    snprintf(a2, sizeof(a2), "%zu", arg2);
    argv[argc++] = "EVAL";
    argv[argc++] = window_lua;
    argv[argc++] = nkeys;
    for (size_t k = 0; k < 3 + nproblems; k++)
        argv[argc++] = keys[k];
    argv[argc++] = mode;
    argv[argc++] = arg1;
    argv[argc++] = a2;
    err = db__redis_call(&rep, r, argc, argv, NULL, 0);
    if (err < 0)
        return err;
    err = window_parse(out, rep);
    freeReplyObject(rep);
    return err;
}

int db_ranking_window(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, size_t from, size_t count)
{
    char f[24];

    memset(out, 0, sizeof(*out));
    if (count == 0 || count > DB_RANKING_WINDOW_MAX || from > (size_t)INT32_MAX)
        return GV_EINVAL;
    snprintf(f, sizeof(f), "%zu", from);
    return read_window(out, r, contest_id, view, nproblems, "pos", f, count);
}

int db_ranking_around(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, int64_t user_id,
                      size_t radius)
{
    char member[MEMBER_MAX];

    memset(out, 0, sizeof(*out));
    if (radius > DB_RANKING_WINDOW_MAX / 2)
        return GV_EINVAL;
    member_of(member, user_id);
    return read_window(out, r, contest_id, view, nproblems, "member", member, radius);
}

/* --- From PostgreSQL ------------------------------------------------------ */

/* What a board is built from, as text: two boards with the same one are the
 * same function of the attempts. `s` holds every problem (the jury's load). */
static void fingerprint(char *fp, const struct db__board *s)
{
    size_t len;

    len = (size_t)snprintf(fp, FP_MAX, "v1|%s|%s|%s|%s|%s|%s|%zu",
                           PQgetvalue(s->contest, 0, 6), PQgetvalue(s->contest, 0, 0),
                           PQgetvalue(s->contest, 0, 1), PQgetvalue(s->contest, 0, 2),
                           PQgetvalue(s->contest, 0, 3), PQgetvalue(s->contest, 0, 5),
                           s->nproblems);
    for (size_t p = 0; p < s->nproblems && len < FP_MAX; p++)
        len += (size_t)snprintf(fp + len, FP_MAX - len, "|%s", PQgetvalue(s->problems, (int)p, 0));
}

static int64_t contest_length(const struct db__board *s)
{
    return strtoll(PQgetvalue(s->contest, 0, 5), NULL, 10) - s->starts_at;
}

/* meta's fp, gv_malloc'd, or NULL when there is none. */
static int meta_fp(char **out, struct db_redis *r, int64_t cid)
{
    char key[KEY_MAX];
    const char *argv[] = {"HGET", key, "fp"};
    redisReply *rep = NULL;
    int err;

    *out = NULL;
    key_of(key, cid, false, "meta");
    err = db__redis_call(&rep, r, 3, argv, NULL, 0);
    if (err < 0)
        return err;
    if (rep->type == REDIS_REPLY_STRING && !(*out = gv_strdup(rep->str)))
        err = -ENOMEM;
    freeReplyObject(rep);
    return err;
}

static int simple(struct db_redis *r, int argc, const char **argv)
{
    redisReply *rep = NULL;
    int err = db__redis_call(&rep, r, argc, argv, NULL, 0);

    if (rep)
        freeReplyObject(rep);
    return err;
}

static int bump_gen(struct db_redis *r, int64_t cid)
{
    char key[KEY_MAX];
    const char *argv[] = {"INCR", key};

    key_of(key, cid, false, "gen");
    return simple(r, 2, argv);
}

/* Records that the board built from `fp` does not fit the keys, so that
 * readers compute it in full without trying to rebuild it each time. */
static int mark_unfit(struct db_redis *r, int64_t cid, const char *fp)
{
    char key[KEY_MAX], val[FP_MAX + 8];
    const char *argv[] = {"HSET", key, "fp", val};

    key_of(key, cid, false, "meta");
    snprintf(val, sizeof(val), "range|%s", fp);
    return simple(r, 4, argv);
}

/* "username\x1fdisplay name" of s->teams' row `t`. */
static void names_of(char *buf, size_t cap, const struct db__board *s, int t)
{
    snprintf(buf, cap, "%s\x1f%s", PQgetvalue(s->teams, t, 1), PQgetvalue(s->teams, t, 2));
}

/* Appends one batch of a view's rows to the staging keys. */
static int build_batch(struct db_redis *r, size_t *queued, int64_t cid, enum db_ranking_view v,
                       const struct db__board *s, const struct cst_board *b,
                       const struct cst_rank_layout *l, size_t lo, size_t hi, bool *has_first)
{
    size_t n = hi - lo, argc;
    const char **argv = gv_calloc(2 + 2 * n, sizeof(*argv));
    char (*a)[40] = gv_calloc(n ? n : 1, sizeof(*a));
    char (*m)[MEMBER_MAX] = gv_calloc(n ? n : 1, sizeof(*m));
    char *texts = gv_malloc(n * CST_RANK_ROW_TEXT_MAX + 1);
    char key[KEY_MAX];
    int err = 0;

    if (!argv || !a || !m || !texts) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; err == 0 && i < n; i++) {
        const struct cst_row *row = &b->rows[lo + i];
        double k = 0;

        member_of(m[i], s->team_ids[row->team]);
        err = cst_rank_key(&k, l, row);
        if (err == 0)
            err = cst_rank_row_encode(texts + i * CST_RANK_ROW_TEXT_MAX, CST_RANK_ROW_TEXT_MAX, row,
                                      b->nproblems);
        fmt_double(a[i], sizeof(a[i]), "", k);
    }
    if (err < 0)
        goto out;
    view_key(key, cid, true, v, "rank");
    argv[0] = "ZADD";
    argv[1] = key;
    for (size_t i = 0; i < n; i++) {
        argv[2 + 2 * i] = a[i];
        argv[3 + 2 * i] = m[i];
    }
    if ((err = db__redis_append(r, (int)(2 + 2 * n), argv, NULL)) < 0)
        goto out;
    (*queued)++;
    view_key(key, cid, true, v, "rows");
    argv[0] = "HSET";
    for (size_t i = 0; i < n; i++) {
        argv[2 + 2 * i] = m[i];
        argv[3 + 2 * i] = texts + i * CST_RANK_ROW_TEXT_MAX;
    }
    if ((err = db__redis_append(r, (int)(2 + 2 * n), argv, NULL)) < 0)
        goto out;
    (*queued)++;
    for (size_t p = 0; p < b->nproblems; p++) {
        first_key(key, cid, true, v, p);
        argv[0] = "ZADD";
        argc = 2;
        for (size_t i = 0; i < n; i++) {
            const struct cst_cell *c = &b->rows[lo + i].cells[p];
            if (!c->solved)
                continue;
            snprintf(a[i], sizeof(a[i]), "%" PRId64, c->solved_at_ms);
            argv[argc++] = a[i];
            argv[argc++] = m[i];
        }
        if (argc == 2)
            continue;
        has_first[p] = true;
        if ((err = db__redis_append(r, (int)argc, argv, NULL)) < 0)
            goto out;
        (*queued)++;
    }
    if (v == DB_RANKING_JURY) { /* the names, once */
        key_of(key, cid, true, "teams");
        argv[0] = "HSET";
        for (size_t i = 0; i < n; i++) {
            names_of(texts + i * CST_RANK_ROW_TEXT_MAX, CST_RANK_ROW_TEXT_MAX, s,
                     (int)b->rows[lo + i].team);
            argv[2 + 2 * i] = m[i];
            argv[3 + 2 * i] = texts + i * CST_RANK_ROW_TEXT_MAX;
        }
        if ((err = db__redis_append(r, (int)(2 + 2 * n), argv, NULL)) < 0)
            goto out;
        (*queued)++;
    }
out:
    gv_free(argv);
    gv_free(a);
    gv_free(m);
    gv_free(texts);
    return err;
}

/* Clears the staging keys (a failed rebuild may have left some). */
static int build_clear(struct db_redis *r, int64_t cid)
{
    char keys[2 * (2 + CST_EVENT_CELLS_MAX) + 1][KEY_MAX];
    const char *argv[2 * (2 + CST_EVENT_CELLS_MAX) + 2] = {"DEL"};
    int argc = 1;

    for (int v = 0; v < 2; v++) {
        view_key(keys[argc - 1], cid, true, (enum db_ranking_view)v, "rank");
        argv[argc] = keys[argc - 1];
        argc++;
        view_key(keys[argc - 1], cid, true, (enum db_ranking_view)v, "rows");
        argv[argc] = keys[argc - 1];
        argc++;
        for (size_t p = 0; p < CST_EVENT_CELLS_MAX; p++) {
            first_key(keys[argc - 1], cid, true, (enum db_ranking_view)v, p);
            argv[argc] = keys[argc - 1];
            argc++;
        }
    }
    key_of(keys[argc - 1], cid, true, "teams");
    argv[argc] = keys[argc - 1];
    argc++;
    return simple(r, argc, argv);
}

/* MULTI: the live keys replaced by the staging ones, and meta; EXEC. 1 when
 * installed, 0 when an update ran since the WATCH. */
static int build_install(struct db_redis *r, int64_t cid, const char *fp, size_t nteams,
                         size_t nproblems, const bool has_first[2][CST_EVENT_CELLS_MAX])
{
    char from[KEY_MAX], to[KEY_MAX], np[24];
    size_t queued = 0;
    redisReply *rep = NULL;
    int err;

    err = cmd(r, &queued, 1, "MULTI", NULL, NULL, NULL, NULL);
    for (int v = 0; err == 0 && v < 2; v++) {
        static const char *const what[] = {"rank", "rows"};
        for (int k = 0; err == 0 && k < 2; k++) {
            view_key(from, cid, true, (enum db_ranking_view)v, what[k]);
            view_key(to, cid, false, (enum db_ranking_view)v, what[k]);
            err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
            if (err == 0 && nteams)
                err = cmd(r, &queued, 3, "RENAME", from, to, NULL, NULL);
        }
        for (size_t p = 0; err == 0 && p < CST_EVENT_CELLS_MAX; p++) {
            first_key(from, cid, true, (enum db_ranking_view)v, p);
            first_key(to, cid, false, (enum db_ranking_view)v, p);
            err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
            if (err == 0 && p < nproblems && has_first[v][p])
                err = cmd(r, &queued, 3, "RENAME", from, to, NULL, NULL);
        }
    }
    key_of(from, cid, true, "teams");
    key_of(to, cid, false, "teams");
    if (err == 0)
        err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
    if (err == 0 && nteams)
        err = cmd(r, &queued, 3, "RENAME", from, to, NULL, NULL);
    key_of(to, cid, false, "meta");
    snprintf(np, sizeof(np), "%zu", nproblems);
    if (err == 0)
        err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
    if (err == 0) {
        const char *argv[] = {"HSET", to, "fp", fp, "np", np};
        err = db__redis_append(r, 6, argv, NULL);
        queued += err == 0;
    }
    if (err == 0)
        err = cmd(r, &queued, 1, "EXEC", NULL, NULL, NULL, NULL);
    if (err < 0) {
        drain(r, queued);
        return err;
    }
    err = drain(r, queued - 1); /* +OK and +QUEUED */
    {
        int e = db__redis_reply(&rep, r);
        if (err == 0)
            err = e;
    }
    if (err == 0)
        err = rep->type == REDIS_REPLY_NIL ? 0 : 1;
    if (err == 1) /* a command inside failed: an error among the array */
        for (size_t i = 0; i < rep->elements; i++)
            if (rep->element[i]->type == REDIS_REPLY_ERROR)
                err = GV_EREDIS;
    if (rep)
        freeReplyObject(rep);
    return err;
}

/* One attempt at a rebuild: 1 installed, 0 raced by an update. */
static int rebuild_once(struct db_pg *pg, struct db_redis *r, int64_t cid, int64_t now_ms)
{
    struct cst_board boards[2] = {{0}, {0}};
    bool has_first[2][CST_EVENT_CELLS_MAX] = {{false}};
    struct cst_rank_layout layout;
    struct db__board s;
    char key[KEY_MAX], fp[FP_MAX];
    const char *watch[] = {"WATCH", key};
    size_t queued = 0, nteams;
    int err;

    memset(&s, 0, sizeof(s));
    key_of(key, cid, false, "gen");
    err = simple(r, 2, watch);
    if (err < 0)
        return err;
    err = db__board_load(&s, pg, cid, true, now_ms);
    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err < 0)
        goto out;
    fingerprint(fp, &s);
    err = cst_rank_layout_for(&layout, s.rules.scoring, s.nproblems, contest_length(&s));
    if (err == -ERANGE)
        mark_unfit(r, cid, fp);
    if (err < 0)
        goto out;
    nteams = (size_t)PQntuples(s.teams);
    for (int v = 0; err == 0 && v < 2; v++) {
        struct cst_board_rules rules = s.rules;

        rules.reveal = v == DB_RANKING_JURY;
        err = cst_board_compute(&boards[v], &rules, nteams, s.nproblems, s.attempts, s.nattempts);
    }
    if (err == 0)
        err = build_clear(r, cid);
    for (int v = 0; err == 0 && v < 2; v++) {
        for (size_t lo = 0; err == 0 && lo < nteams; lo += BUILD_BATCH) {
            size_t hi = lo + BUILD_BATCH < nteams ? lo + BUILD_BATCH : nteams;
            err = build_batch(r, &queued, cid, (enum db_ranking_view)v, &s, &boards[v], &layout,
                              lo, hi, has_first[v]);
            /* Read as we go: the replies of a 100,000-row board would
             * otherwise pile up in both buffers. */
            {
                int e = drain(r, queued);
                queued = 0;
                if (err == 0)
                    err = e;
            }
        }
    }
    if (err == 0)
        err = build_install(r, cid, fp, nteams, s.nproblems, has_first);
    if (err == -ERANGE)
        mark_unfit(r, cid, fp);
out:
    if (err <= 0) {
        const char *unwatch[] = {"UNWATCH"};
        if (r && err != GV_EUNAVAIL)
            simple(r, 1, unwatch);
    }
    cst_board_release(&boards[0]);
    cst_board_release(&boards[1]);
    db__board_release(&s);
    return err;
}

int db_ranking_rebuild(struct db_pg *pg, struct db_redis *r, int64_t contest_id, int64_t now_ms)
{
    for (int i = 0; i < BUILD_TRIES; i++) {
        int err = rebuild_once(pg, r, contest_id, now_ms);
        if (err != 0)
            return err < 0 ? err : 0;
    }
    return -EAGAIN;
}

int db_ranking_update(struct db_pg *pg, struct db_redis *r, int64_t contest_id, int64_t user_id,
                      int64_t now_ms)
{
    struct cst_cell cells[2][CST_EVENT_CELLS_MAX];
    int64_t none[CST_EVENT_CELLS_MAX];
    struct cst_row rows[2];
    struct db_ranking_entry e[2];
    struct cst_rank_layout layout;
    struct db__board s;
    char cid[24], uid[24], fp[FP_MAX], names[320], *have = NULL;
    int err;

    memset(&s, 0, sizeof(s));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    err = db__board_rules_load(&s, pg, cid, true, now_ms);
    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err == 0)
        err = meta_fp(&have, r, contest_id);
    if (err < 0)
        goto out;
    fingerprint(fp, &s);
    if (!have || strcmp(have, fp) != 0 ||
        cst_rank_layout_for(&layout, s.rules.scoring, s.nproblems, contest_length(&s)) < 0)
        goto mark; /* no board, or a stale one: the next reader rebuilds */
    err = db__board_load_one(&s, pg, cid, uid);
    if (err < 0)
        goto out;
    for (size_t p = 0; p < s.nproblems; p++)
        none[p] = INT64_MAX;
    for (int v = 0; err == 0 && v < 2; v++) {
        struct cst_board_rules rules = s.rules;

        rules.reveal = v == DB_RANKING_JURY;
        err = cst_board_row(&rows[v], cells[v], &rules, s.nproblems, s.attempts, s.nattempts,
                            none);
        e[v] = (struct db_ranking_entry){(enum db_ranking_view)v, &layout, s.nproblems, &rows[v],
                                         DB_RANKING_ALL_PROBLEMS};
    }
    names_of(names, sizeof(names), &s, 0);
    if (err == 0)
        err = db_ranking_put(r, contest_id, user_id, names, e, 2);
    if (err == -ERANGE) /* this row outgrew the keys: readers compute from now on */
        err = mark_unfit(r, contest_id, fp);
mark:
    if (err == 0)
        err = bump_gen(r, contest_id);
out:
    gv_free(have);
    db__board_release(&s);
    return err;
}

int db_ranking_invalidate(struct db_redis *r, int64_t contest_id)
{
    char key[KEY_MAX];
    const char *argv[] = {"DEL", key};

    key_of(key, contest_id, false, "meta");
    return simple(r, 2, argv);
}

/* --- Serving windows ------------------------------------------------------ */

static cJSON *row_json(const struct db__board *s, const struct db_ranking_rows *w, size_t i,
                       bool cells_shown)
{
    struct cst_event_cell cells[CST_EVENT_CELLS_MAX];
    struct cst_event_row er;
    const char *sep = strchr(w->names[i], '\x1f');
    cJSON *o;

    memset(&er, 0, sizeof(er));
    snprintf(er.username, sizeof(er.username), "%.*s",
             (int)(sep ? (size_t)(sep - w->names[i]) : strlen(w->names[i])), w->names[i]);
    snprintf(er.display_name, sizeof(er.display_name), "%s", sep ? sep + 1 : "");
    er.solved = w->rows[i].solved;
    er.penalty = w->rows[i].penalty_min;
    er.score = w->rows[i].score;
    er.ncells = cells_shown ? w->nproblems : 0;
    er.cells = cells;
    for (size_t p = 0; p < er.ncells; p++)
        db__board_cell(&cells[p], s, p, &w->rows[i].cells[p]);
    o = cst_event_row_to_json(w->user_ids[i], &er);
    if (o && !cJSON_AddNumberToObject(o, "rank", w->ranks[i])) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

/* The header (scoring, penalty, frozen, problems) with an empty "rows". */
static cJSON *header_json(struct db__board *s, bool shown, bool frozen)
{
    struct cst_board none = {0};
    size_t np = s->nproblems;
    cJSON *o;

    s->nproblems = shown ? np : 0;
    o = db__board_json(s, &none, frozen);
    s->nproblems = np;
    return o;
}

static bool add_window_fields(cJSON *o, int64_t cid, size_t total, size_t from)
{
    return cJSON_AddNumberToObject(o, "contest_id", (double)cid) &&
           cJSON_AddNumberToObject(o, "total", (double)total) &&
           cJSON_AddNumberToObject(o, "from", (double)from);
}

static int window_from_redis(cJSON **out, struct db__board *s, struct db_redis *r, int64_t cid,
                             enum db_ranking_view view, const struct db_ranking_query *q,
                             bool shown, bool frozen)
{
    struct db_ranking_rows w;
    cJSON *o = NULL, *rows;
    int err;

    err = q->user_id > 0
              ? db_ranking_around(&w, r, cid, view, s->nproblems, q->user_id, q->radius)
              : db_ranking_window(&w, r, cid, view, s->nproblems, q->from, q->count);
    if (err == 0 && !(o = header_json(s, shown, frozen)))
        err = -ENOMEM;
    rows = o ? cJSON_GetObjectItemCaseSensitive(o, "rows") : NULL;
    if (err == 0 && !add_window_fields(o, cid, w.total, w.from))
        err = -ENOMEM;
    for (size_t i = 0; err == 0 && i < w.n; i++) {
        cJSON *row = row_json(s, &w, i, shown);
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            err = -ENOMEM;
        }
    }
    db_ranking_rows_release(&w);
    if (err < 0) {
        cJSON_Delete(o);
        return err;
    }
    *out = o;
    return 0;
}

/* The same answer from the full computation: when Redis is down, the
 * contest does not fit the keys, or another reader is rebuilding. */
static int window_computed(cJSON **out, struct db_pg *pg, int64_t cid, bool jury,
                           const struct db_ranking_query *q, int64_t now_ms)
{
    struct cst_board board = {0}, part;
    struct db__board s;
    size_t from = q->from, count = q->count, n;
    cJSON *o = NULL;
    int err = db__board_load(&s, pg, cid, jury, now_ms);

    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err == 0)
        err = cst_board_compute(&board, &s.rules, (size_t)PQntuples(s.teams), s.nproblems,
                                s.attempts, s.nattempts);
    if (err < 0)
        goto out;
    n = board.nteams;
    if (q->user_id > 0) {
        const int64_t *t = NULL;
        size_t pos = 0;
        for (size_t i = 0; i < n && !t; i++)
            if (s.team_ids[board.rows[i].team] == q->user_id)
                t = &s.team_ids[board.rows[(pos = i)].team];
        if (!t) {
            err = GV_ENOTFOUND;
            goto out;
        }
        from = pos > q->radius ? pos - q->radius : 0;
        count = pos - from + q->radius + 1;
    }
    part = board;
    part.rows = board.rows + (from < n ? from : n);
    part.nteams = from < n ? (n - from < count ? n - from : count) : 0;
    o = db__board_json(&s, &part, s.frozen);
    if (!o || !add_window_fields(o, cid, n, from)) {
        err = -ENOMEM;
        goto out;
    }
    *out = o;
    o = NULL;
out:
    cJSON_Delete(o);
    cst_board_release(&board);
    db__board_release(&s);
    return err;
}

/* Takes the contest's rebuild lock: 1 taken, 0 someone else holds it. */
static int rebuild_lock(struct db_redis *r, int64_t cid, bool take)
{
    char key[KEY_MAX];
    const char *set[] = {"SET", key, "1", "NX", "PX", LOCK_MS};
    const char *del[] = {"DEL", key};
    redisReply *rep = NULL;
    int err;

    key_of(key, cid, false, "lock");
    if (!take)
        return simple(r, 2, del);
    err = db__redis_call(&rep, r, 6, set, NULL, 0);
    if (err < 0)
        return err;
    err = rep->type == REDIS_REPLY_STATUS;
    freeReplyObject(rep);
    return err;
}

int db_ranking_window_json(char **json, struct db_pg *pg, struct db_redis *r, int64_t contest_id,
                           bool jury, const struct db_ranking_query *q, int64_t now_ms)
{
    struct db__board s;
    struct cst_schedule sched;
    enum db_ranking_view view;
    char cid[24], fp[FP_MAX], *have = NULL;
    bool shown, frozen;
    cJSON *o = NULL;
    int err;

    *json = NULL;
    if (q->user_id > 0 ? q->radius > DB_RANKING_WINDOW_MAX / 2
                       : q->count == 0 || q->count > DB_RANKING_WINDOW_MAX ||
                             q->from > (size_t)INT32_MAX)
        return GV_EINVAL;
    memset(&s, 0, sizeof(s));
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    err = db__board_rules_load(&s, pg, cid, true, now_ms);
    if (err < 0)
        goto out;
    sched = (struct cst_schedule){s.starts_at, strtoll(PQgetvalue(s.contest, 0, 3), NULL, 10),
                                  strtoll(PQgetvalue(s.contest, 0, 5), NULL, 10),
                                  strtoll(PQgetvalue(s.contest, 0, 4), NULL, 10)};
    shown = cst_contest_problems_shown(&sched, jury, now_ms);
    /* After the final standings are published the public sees the jury's. */
    view = jury || s.public_reveal ? DB_RANKING_JURY : DB_RANKING_PUBLIC;
    frozen = view == DB_RANKING_PUBLIC && s.rules.freeze_at_ms >= 0 &&
             now_ms >= s.starts_at + s.rules.freeze_at_ms;
    fingerprint(fp, &s);
    err = r ? meta_fp(&have, r, contest_id) : GV_EUNAVAIL;
    if (err == 0 && have && !strncmp(have, "range|", 6) && !strcmp(have + 6, fp))
        err = -ERANGE;
    if (err == 0 && (!have || strcmp(have, fp) != 0)) {
        err = rebuild_lock(r, contest_id, true);
        if (err == 1) {
            err = db_ranking_rebuild(pg, r, contest_id, now_ms);
            rebuild_lock(r, contest_id, false);
        } else if (err == 0) {
            err = -EBUSY;
        }
    }
    if (err == 0) {
        err = window_from_redis(&o, &s, r, contest_id, view, q, shown, frozen);
        if (err == GV_ENOTFOUND || err == GV_EINVAL)
            goto out;
    }
    if (err < 0) {
        if (err != -ERANGE && err != -EBUSY)
            gv_log(GV_LOG_WARN, "db", "board of contest %" PRId64 " computed in full: %s",
                   contest_id, gv_strerror(err));
        err = window_computed(&o, pg, contest_id, jury, q, now_ms);
    }
    if (err == 0)
        err = db__json_print(json, o);
    else
        cJSON_Delete(o);
    o = NULL;
out:
    gv_free(have);
    db__board_release(&s);
    return err;
}
