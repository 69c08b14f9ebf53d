/* SPDX-License-Identifier: MIT
 * db_ranking.c - the incremental scoreboard in Redis (db_ranking.h).
 *
 * Theory of operation. A verdict rewrites one participant's row in each
 * view: its attempts come from PostgreSQL (the record), contest/ computes
 * the row and its key, and one pipelined round trip moves the member in the
 * sorted set (O(log n)), stores the row and its solves.
 *
 * A member carries its whole row: "<user id, 19 digits>|<row text>\n<names>",
 * so that a window is one ZRANGE, in one MULTI with a small script that
 * counts the keys below the first row (its rank; cst_rank_window ranks the
 * rest), the board's size and each problem's earliest solve: one round trip
 * and one consistent moment. It used to be one Lua script that also fetched
 * each row and its names from two hashes (HMGET): measured, a window asked
 * once every few thousand verdicts, as a page asks, cost 0.8-1.0 ms inside
 * Redis against 0.3 ms asked back to back, because Redis' memory for those
 * rows and the Lua interpreter were no longer in the CPU's caches (an idle
 * pause did the same as thousands of updates), and passing 400 strings
 * through Lua and back doubled even a plain ZRANGE's cost. Now a window
 * reads 100 skiplist nodes and their members, and no bulk data goes
 * through Lua (docs/CONTESTS.md, "Scale"). The `rows` hash only maps a
 * user id to its current member, for an update (which replaces the
 * member) and for the window around a participant (ZRANK needs it).
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
#define ID_DIGITS 19 /* a user id in members, zero-padded */
#define MEMBER_MAX 24
/* A member with its row: id, '|', row text, '\n', names. */
#define NAMES_MAX 320
#define ROW_MEMBER_MAX (MEMBER_MAX + CST_RANK_ROW_TEXT_MAX + NAMES_MAX)
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

/* The member that carries `row_text` and `names`. 0, or GV_ETOOBIG. */
static int row_member_of(char *buf, size_t cap, int64_t uid, const char *row_text,
                         const char *names)
{
    int n = snprintf(buf, cap, "%019" PRId64 "|%s\n%s", uid, row_text, names);

    return n < 0 || (size_t)n >= cap ? GV_ETOOBIG : 0;
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

/* One view's part of an update, atomic: the participant's member replaced
 * (the old one found through `rows`, removed; the new one added with its
 * key; `rows` pointed at it), then for each problem given its solve added
 * or removed and the problem's earliest solve copied into `firsts`, the one
 * small hash a window reads for its first-to-solve marks.
 * KEYS: rank, rows, firsts, then the given problems' solver sets.
 * ARGV: id, key, row text, names, "1" when names are given (else the old
 * member's are kept), then per given problem its index and its solve time
 * or "-". */
static const char put_lua[] = "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
                              "local names = ARGV[4]\n"
                              "if ARGV[5] ~= '1' then\n"
                              "  names = ''\n"
                              "  if old then\n"
                              "    local i = string.find(old, '\\n', 1, true)\n"
                              "    if i then names = string.sub(old, i + 1) end\n"
                              "  end\n"
                              "end\n"
                              "local m = ARGV[1] .. '|' .. ARGV[3] .. '\\n' .. names\n"
                              "if old and old ~= m then redis.call('ZREM', KEYS[1], old) end\n"
                              "redis.call('ZADD', KEYS[1], ARGV[2], m)\n"
                              "redis.call('HSET', KEYS[2], ARGV[1], m)\n"
                              "for k = 4, #KEYS do\n"
                              "  local p, t = ARGV[2 * k - 2], ARGV[2 * k - 1]\n"
                              "  if t == '-' then redis.call('ZREM', KEYS[k], ARGV[1])\n"
                              "  else redis.call('ZADD', KEYS[k], t, ARGV[1]) end\n"
                              "  local f = redis.call('ZRANGE', KEYS[k], 0, 0, 'WITHSCORES')\n"
                              "  if f[2] then redis.call('HSET', KEYS[3], p, f[2])\n"
                              "  else redis.call('HDEL', KEYS[3], p) end\n"
                              "end\n"
                              "return 0\n";

/* Appends one view's EVAL of put_lua. */
static int put_view(struct db_redis *r, int64_t cid, const char *member, const char *names,
                    const struct db_ranking_entry *e, double key)
{
    char keys[3 + CST_EVENT_CELLS_MAX][KEY_MAX], args[2 * CST_EVENT_CELLS_MAX][24];
    char text[CST_RANK_ROW_TEXT_MAX], score[40], nkeys[16];
    const char *argv[3 + 3 + CST_EVENT_CELLS_MAX + 5 + 2 * CST_EVENT_CELLS_MAX];
    size_t nk = 3, na = 0;
    int argc = 0, err;

    if (e->nproblems > CST_EVENT_CELLS_MAX)
        return GV_ETOOBIG;
    err = cst_rank_row_encode(text, sizeof(text), e->row, e->nproblems);
    if (err < 0)
        return err;
    view_key(keys[0], cid, false, e->view, "rank");
    view_key(keys[1], cid, false, e->view, "rows");
    view_key(keys[2], cid, false, e->view, "firsts");
    for (size_t p = 0; p < e->nproblems; p++) {
        const struct cst_cell *c = &e->row->cells[p];

        if (e->problem != DB_RANKING_ALL_PROBLEMS && e->problem != p)
            continue;
        first_key(keys[nk++], cid, false, e->view, p);
        snprintf(args[na++], sizeof(args[0]), "%zu", p);
        if (c->solved)
            snprintf(args[na++], sizeof(args[0]), "%" PRId64, c->solved_at_ms);
        else
            snprintf(args[na++], sizeof(args[0]), "-");
    }
    fmt_double(score, sizeof(score), "", key);
    snprintf(nkeys, sizeof(nkeys), "%zu", nk);
    argv[argc++] = "EVAL";
    argv[argc++] = put_lua;
    argv[argc++] = nkeys;
    for (size_t k = 0; k < nk; k++)
        argv[argc++] = keys[k];
    argv[argc++] = member;
    argv[argc++] = score;
    argv[argc++] = text;
    argv[argc++] = names ? names : "";
    argv[argc++] = names ? "1" : "0";
    for (size_t i = 0; i < na; i++)
        argv[argc++] = args[i];
    return db__redis_append(r, argc, argv, NULL);
}

int db_ranking_put(struct db_redis *r, int64_t contest_id, int64_t user_id, const char *names,
                   const struct db_ranking_entry *e, size_t n)
{
    char member[MEMBER_MAX];
    double keys[4];
    size_t queued = 0;
    int err = 0;

    assert(n <= 4);
    if (names && strlen(names) >= NAMES_MAX)
        return GV_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        err = cst_rank_key(&keys[i], e[i].layout, e[i].row);
        if (err < 0)
            return err; /* nothing written: the row does not fit */
    }
    member_of(member, user_id);
    for (size_t i = 0; err == 0 && i < n; i++) {
        err = put_view(r, contest_id, member, names, &e[i], keys[i]);
        queued += err == 0;
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

/* The count of keys below the key at position ARGV[1] of KEYS[1]: the rank
 * of a window's first row, less one. Small answers only: the rows never
 * pass through Lua (see the top). */
static const char below_lua[] =
    "local z = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[1], 'WITHSCORES')\n"
    "if #z == 0 then return 0 end\n"
    "return redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. z[2])\n";

/* The position of a participant's member: KEYS rank, rows; ARGV the id.
 * False when it is not on the board. */
static const char locate_lua[] = "local m = redis.call('HGET', KEYS[2], ARGV[1])\n"
                                 "if not m then return false end\n"
                                 "return redis.call('ZRANK', KEYS[1], m)\n";

/* One member of the rank set, "<id>|<row text>\n<names>", into row i. */
static int member_parse(struct db_ranking_rows *w, size_t i, const redisReply *m)
{
    char text[CST_RANK_ROW_TEXT_MAX];
    const char *nl;
    size_t len;

    if (m->type != REDIS_REPLY_STRING || m->len <= ID_DIGITS || m->str[ID_DIGITS] != '|')
        return GV_EPARSE;
    nl = memchr(m->str, '\n', m->len);
    len = nl ? (size_t)(nl - m->str) - (ID_DIGITS + 1) : 0;
    if (!nl || len >= sizeof(text))
        return GV_EPARSE;
    memcpy(text, m->str + ID_DIGITS + 1, len);
    text[len] = '\0';
    w->user_ids[i] = strtoll(m->str, NULL, 10);
    w->rows[i].cells = w->cells + i * w->nproblems;
    /* A member that does not decode: a board damaged by hand. */
    if (w->user_ids[i] <= 0 || cst_rank_row_decode(&w->rows[i], w->nproblems, text) < 0)
        return GV_EPARSE;
    w->names[i] = gv_strndup(nl + 1, m->len - (size_t)(nl + 1 - m->str));
    return w->names[i] ? 0 : -ENOMEM;
}

/* EXEC's answer, {ZRANGE's members and keys, ZCARD, HGETALL of the
 * earliest solves, and, past the top, the count below the first key},
 * into `w`. */
static int window_parse(struct db_ranking_rows *w, const redisReply *rep, size_t from)
{
    const redisReply *z, *firsts;
    int64_t earliest[CST_EVENT_CELLS_MAX];
    size_t below = 0, n;
    double *keys = NULL;
    int err = 0;

    if (!reply_is_array(rep, from ? 4 : 3) || !reply_is_array(rep->element[0], SIZE_MAX) ||
        rep->element[0]->elements % 2 || rep->element[1]->type != REDIS_REPLY_INTEGER ||
        !reply_is_array(rep->element[2], SIZE_MAX) || rep->element[2]->elements % 2 ||
        (from && rep->element[3]->type != REDIS_REPLY_INTEGER))
        return GV_EREDIS;
    z = rep->element[0];
    firsts = rep->element[2];
    n = z->elements / 2;
    w->from = from;
    w->total = (size_t)rep->element[1]->integer;
    if (from)
        below = (size_t)rep->element[3]->integer;
    for (size_t p = 0; p < w->nproblems; p++)
        earliest[p] = INT64_MAX;
    for (size_t i = 0; i + 1 < firsts->elements; i += 2) {
        const redisReply *f = firsts->element[i], *t = firsts->element[i + 1];
        size_t p;

        if (f->type != REDIS_REPLY_STRING || t->type != REDIS_REPLY_STRING)
            return GV_EREDIS;
        p = (size_t)strtoul(f->str, NULL, 10);
        if (p < w->nproblems)
            earliest[p] = strtoll(t->str, NULL, 10);
    }
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
    for (size_t i = 0; i < n; i++)
        keys[i] = strtod(z->element[2 * i + 1]->str, NULL);
    cst_rank_window(w->ranks, keys, n, w->from, below);
    for (size_t i = 0; err == 0 && i < n; i++) {
        err = member_parse(w, i, z->element[2 * i]);
        if (err == 0) {
            w->rows[i].rank = w->ranks[i];
            cst_board_mark_first(&w->rows[i], w->nproblems, earliest);
        }
    }
    gv_free(keys);
    return err;
}

/* The rows at [from, from + count) in one round trip and one moment:
 * MULTI, ZRANGE, ZCARD, HGETALL firsts, below_lua past the top, EXEC. */
static int read_window(struct db_ranking_rows *out, struct db_redis *r, int64_t cid,
                       enum db_ranking_view view, size_t from, size_t count)
{
    char rank[KEY_MAX], firsts[KEY_MAX], f[24], to[24];
    const char *range[] = {"ZRANGE", rank, f, to, "WITHSCORES"};
    const char *below[] = {"EVAL", below_lua, "1", rank, f};
    redisReply *rep = NULL;
    size_t queued = 0;
    int err;

    view_key(rank, cid, false, view, "rank");
    view_key(firsts, cid, false, view, "firsts");
    snprintf(f, sizeof(f), "%zu", from);
    snprintf(to, sizeof(to), "%zu", from + count - 1);
    err = cmd(r, &queued, 1, "MULTI", NULL, NULL, NULL, NULL);
    if (err == 0 && (err = db__redis_append(r, 5, range, NULL)) == 0)
        queued++;
    if (err == 0)
        err = cmd(r, &queued, 2, "ZCARD", rank, NULL, NULL, NULL);
    if (err == 0)
        err = cmd(r, &queued, 2, "HGETALL", firsts, NULL, NULL, NULL);
    /* The top's first row has nothing below it: no script to run. */
    if (err == 0 && from && (err = db__redis_append(r, 5, below, NULL)) == 0)
        queued++;
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
        err = window_parse(out, rep, from);
    if (rep)
        freeReplyObject(rep);
    return err;
}

int db_ranking_window(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, size_t from, size_t count)
{
    memset(out, 0, sizeof(*out));
    if (count == 0 || count > DB_RANKING_WINDOW_MAX || from > (size_t)INT32_MAX)
        return GV_EINVAL;
    if (nproblems > CST_EVENT_CELLS_MAX)
        return GV_ETOOBIG;
    out->nproblems = nproblems;
    return read_window(out, r, contest_id, view, from, count);
}

/* Tries at a window around a participant who keeps moving between finding
 * its position and reading the rows there. */
#define AROUND_TRIES 3

int db_ranking_around(struct db_ranking_rows *out, struct db_redis *r, int64_t contest_id,
                      enum db_ranking_view view, size_t nproblems, int64_t user_id,
                      size_t radius)
{
    char member[MEMBER_MAX], rank[KEY_MAX], rows[KEY_MAX];
    const char *argv[] = {"EVAL", locate_lua, "2", rank, rows, member};
    int err = 0;

    memset(out, 0, sizeof(*out));
    if (radius > DB_RANKING_WINDOW_MAX / 2)
        return GV_EINVAL;
    if (nproblems > CST_EVENT_CELLS_MAX)
        return GV_ETOOBIG;
    member_of(member, user_id);
    view_key(rank, contest_id, false, view, "rank");
    view_key(rows, contest_id, false, view, "rows");
    /* Two round trips: the position, then the rows there, atomically. A
     * verdict in between may move the participant out of what was read;
     * then it is read again (and, moving still, the last read is served:
     * a consistent window of the board, near where the participant was). */
    for (int t = 0; t < AROUND_TRIES; t++) {
        redisReply *rep = NULL;
        size_t pos, from;
        bool inside = false;

        err = db__redis_call(&rep, r, 6, argv, NULL, 0);
        if (err < 0)
            return err;
        if (rep->type == REDIS_REPLY_NIL) {
            freeReplyObject(rep);
            return GV_ENOTFOUND;
        }
        if (rep->type != REDIS_REPLY_INTEGER || rep->integer < 0) {
            freeReplyObject(rep);
            return GV_EREDIS;
        }
        pos = (size_t)rep->integer;
        freeReplyObject(rep);
        from = pos > radius ? pos - radius : 0;
        db_ranking_rows_release(out);
        out->nproblems = nproblems;
        err = read_window(out, r, contest_id, view, from, pos - from + radius + 1);
        for (size_t i = 0; err == 0 && i < out->n && !inside; i++)
            inside = out->user_ids[i] == user_id;
        if (err < 0 || inside)
            break;
    }
    return err;
}

/* --- From PostgreSQL ------------------------------------------------------ */

/* What a board is built from, as text: two boards with the same one are the
 * same function of the attempts. `s` holds every problem (the jury's load). */
static void fingerprint(char *fp, const struct db__board *s)
{
    size_t len;

    /* v3: ICPC keys hold the last solve's minute, not its ms (cst_rank_key);
     * a board built with v2's keys splits ties the rule makes, so it is
     * rebuilt. */
    len = (size_t)snprintf(fp, FP_MAX, "v3|%s|%s|%s|%s|%s|%s|%zu", PQgetvalue(s->contest, 0, 6),
                           PQgetvalue(s->contest, 0, 0), PQgetvalue(s->contest, 0, 1),
                           PQgetvalue(s->contest, 0, 2), PQgetvalue(s->contest, 0, 3),
                           PQgetvalue(s->contest, 0, 5), s->nproblems);
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
                       const struct cst_rank_layout *l, size_t lo, size_t hi, int64_t *first_at)
{
    size_t n = hi - lo, argc;
    const char **argv = gv_calloc(2 + 2 * n, sizeof(*argv));
    char (*a)[40] = gv_calloc(n ? n : 1, sizeof(*a));
    char (*m)[MEMBER_MAX] = gv_calloc(n ? n : 1, sizeof(*m));
    char *members = gv_malloc(n * ROW_MEMBER_MAX + 1);
    char key[KEY_MAX], text[CST_RANK_ROW_TEXT_MAX], names[NAMES_MAX];
    int err = 0;

    if (!argv || !a || !m || !members) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; err == 0 && i < n; i++) {
        const struct cst_row *row = &b->rows[lo + i];
        double k = 0;

        member_of(m[i], s->team_ids[row->team]);
        names_of(names, sizeof(names), s, (int)row->team);
        err = cst_rank_key(&k, l, row);
        if (err == 0)
            err = cst_rank_row_encode(text, sizeof(text), row, b->nproblems);
        if (err == 0)
            err = row_member_of(members + i * ROW_MEMBER_MAX, ROW_MEMBER_MAX,
                                s->team_ids[row->team], text, names);
        fmt_double(a[i], sizeof(a[i]), "", k);
    }
    if (err < 0)
        goto out;
    view_key(key, cid, true, v, "rank");
    argv[0] = "ZADD";
    argv[1] = key;
    for (size_t i = 0; i < n; i++) {
        argv[2 + 2 * i] = a[i];
        argv[3 + 2 * i] = members + i * ROW_MEMBER_MAX;
    }
    if ((err = db__redis_append(r, (int)(2 + 2 * n), argv, NULL)) < 0)
        goto out;
    (*queued)++;
    view_key(key, cid, true, v, "rows");
    argv[0] = "HSET";
    for (size_t i = 0; i < n; i++) {
        argv[2 + 2 * i] = m[i];
        argv[3 + 2 * i] = members + i * ROW_MEMBER_MAX;
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
            if (c->solved_at_ms < first_at[p])
                first_at[p] = c->solved_at_ms;
        }
        if (argc == 2)
            continue;
        if ((err = db__redis_append(r, (int)argc, argv, NULL)) < 0)
            goto out;
        (*queued)++;
    }
out:
    gv_free(argv);
    gv_free(a);
    gv_free(m);
    gv_free(members);
    return err;
}

/* Clears the staging keys (a failed rebuild may have left some). */
static int build_clear(struct db_redis *r, int64_t cid)
{
    char keys[2 * (2 + CST_EVENT_CELLS_MAX)][KEY_MAX];
    const char *argv[2 * (2 + CST_EVENT_CELLS_MAX) + 1] = {"DEL"};
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
    return simple(r, argc, argv);
}

/* MULTI: the live keys replaced by the staging ones, and meta; EXEC. 1 when
 * installed, 0 when an update ran since the WATCH. */
static int build_install(struct db_redis *r, int64_t cid, const char *fp, size_t nteams,
                         size_t nproblems, const int64_t first_at[2][CST_EVENT_CELLS_MAX])
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
            if (err == 0 && p < nproblems && first_at[v][p] != INT64_MAX)
                err = cmd(r, &queued, 3, "RENAME", from, to, NULL, NULL);
        }
        view_key(to, cid, false, (enum db_ranking_view)v, "firsts");
        if (err == 0)
            err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
        for (size_t p = 0; err == 0 && p < nproblems; p++) {
            char f[24], at[24];
            if (first_at[v][p] == INT64_MAX)
                continue;
            snprintf(f, sizeof(f), "%zu", p);
            snprintf(at, sizeof(at), "%" PRId64, first_at[v][p]);
            err = cmd(r, &queued, 4, "HSET", to, f, at, NULL);
        }
    }
    /* Boards built before names moved into the members had this hash. */
    key_of(to, cid, false, "teams");
    if (err == 0)
        err = cmd(r, &queued, 2, "DEL", to, NULL, NULL, NULL);
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
    int64_t first_at[2][CST_EVENT_CELLS_MAX];
    struct cst_rank_layout layout;
    struct db__board s;
    char key[KEY_MAX], fp[FP_MAX];
    const char *watch[] = {"WATCH", key};
    size_t queued = 0, nteams;
    int err;

    memset(&s, 0, sizeof(s));
    for (size_t p = 0; p < CST_EVENT_CELLS_MAX; p++)
        first_at[0][p] = first_at[1][p] = INT64_MAX;
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
            err = build_batch(r, &queued, cid, (enum db_ranking_view)v, &s, &boards[v], &layout, lo,
                              hi, first_at[v]);
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
        err = build_install(r, cid, fp, nteams, s.nproblems, first_at);
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
    char cid[24], uid[24], fp[FP_MAX], names[NAMES_MAX], *have = NULL;
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
