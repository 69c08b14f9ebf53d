/* SPDX-License-Identifier: MIT
 * srv_cache.c - the session and snapshot caches (srv_cache.h).
 *
 * Both are direct-mapped: a key has one slot, a newcomer evicts whoever
 * held it. A storm asks for few distinct keys (one contest, the tokens of
 * the clients now connecting), so collisions cost a PostgreSQL read at
 * worst, and nothing ever needs a list or a rehash. Generations live apart
 * from the snapshots, as atomics, so that the loop bumps one without the
 * mutex; two contests sharing a generation slot only invalidate each other
 * more often. */
#include "srv_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define SESSION_SLOTS 4096
#define SNAPSHOT_SLOTS 64
#define GEN_SLOTS 1024

struct session_slot {
    char token[DB_TOKEN_HEX_LEN + 1]; /* "" when empty */
    struct db_user_info user;
    int64_t until_ms;
};

struct snapshot_slot {
    int64_t contest_id; /* 0 when empty */
    bool jury;
    int window;
    uint64_t gen;
    int64_t until_ms;
    struct srv_cache_snapshot snap;
};

struct srv_cache {
    pthread_mutex_t mu;
    int64_t session_ttl_ms, snapshot_ttl_ms;
    struct session_slot sessions[SESSION_SLOTS];
    struct snapshot_slot snapshots[SNAPSHOT_SLOTS];
    _Atomic uint64_t gens[GEN_SLOTS];
};

int srv_cache_new(struct srv_cache **out, long session_ttl_ms, long snapshot_ttl_ms)
{
    struct srv_cache *c = gv_calloc(1, sizeof(*c));

    *out = NULL;
    if (!c)
        return -ENOMEM;
    c->session_ttl_ms = session_ttl_ms;
    c->snapshot_ttl_ms = snapshot_ttl_ms;
    pthread_mutex_init(&c->mu, NULL);
    for (size_t i = 0; i < GEN_SLOTS; i++)
        atomic_init(&c->gens[i], 0);
    *out = c;
    return 0;
}

void srv_cache_snapshot_release(struct srv_cache_snapshot *s)
{
    gv_free(s->board);
    gv_free(s->announcements);
    gv_free(s->public_clars);
    db_contest_people_release(&s->people);
    memset(s, 0, sizeof(*s));
}

void srv_cache_view_release(struct srv_cache_view *v)
{
    gv_free(v->board);
    gv_free(v->announcements);
    gv_free(v->public_clars);
    memset(v, 0, sizeof(*v));
}

bool srv_cache_view_of(struct srv_cache_view *out, const struct srv_cache_snapshot *snap,
                       int64_t viewer_id)
{
    const struct db_contest_people *p = &snap->people;

    out->info = snap->info;
    out->board = gv_strdup(snap->board);
    out->announcements = gv_strdup(snap->announcements);
    out->public_clars = gv_strdup(snap->public_clars);
    out->registered = viewer_id && db_contest_people_has(p->participants, p->nparticipants,
                                                         viewer_id);
    out->asked = viewer_id && db_contest_people_has(p->askers, p->naskers, viewer_id);
    if (out->board && out->announcements && out->public_clars)
        return true;
    srv_cache_view_release(out);
    return false;
}

void srv_cache_free(struct srv_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SNAPSHOT_SLOTS; i++)
        srv_cache_snapshot_release(&c->snapshots[i].snap);
    pthread_mutex_destroy(&c->mu);
    gv_free(c);
}

/* FNV-1a over the whole token: a client's token is random, but nothing
 * stops one from choosing tokens that share a prefix. */
static size_t token_slot(const char *token)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (const char *p = token; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return (size_t)(h % SESSION_SLOTS);
}

static size_t id_slot(int64_t id, size_t n)
{
    return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 32) % n;
}

bool srv_cache_session_get(struct srv_cache *c, const char *token, int64_t now_ms,
                           struct db_user_info *out)
{
    struct session_slot *s = &c->sessions[token_slot(token)];
    bool hit;

    pthread_mutex_lock(&c->mu);
    hit = s->token[0] && !strcmp(s->token, token) && now_ms < s->until_ms;
    if (hit)
        *out = s->user;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void srv_cache_session_put(struct srv_cache *c, const char *token, const struct db_user_info *u,
                           int64_t now_ms)
{
    struct session_slot *s = &c->sessions[token_slot(token)];

    if (c->session_ttl_ms <= 0 || strcmp(u->role, "contestant") ||
        strlen(token) != DB_TOKEN_HEX_LEN)
        return;
    pthread_mutex_lock(&c->mu);
    snprintf(s->token, sizeof(s->token), "%s", token);
    s->user = *u;
    s->until_ms = now_ms + c->session_ttl_ms;
    pthread_mutex_unlock(&c->mu);
}

void srv_cache_session_drop_token(struct srv_cache *c, const char *token)
{
    struct session_slot *s = &c->sessions[token_slot(token)];

    pthread_mutex_lock(&c->mu);
    if (!strcmp(s->token, token))
        s->token[0] = '\0';
    pthread_mutex_unlock(&c->mu);
}

/* Rare (an admin's edit, a role seen changed): a pass over the slots. */
void srv_cache_session_drop_user(struct srv_cache *c, int64_t user_id)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SESSION_SLOTS; i++)
        if (c->sessions[i].token[0] && c->sessions[i].user.id == user_id)
            c->sessions[i].token[0] = '\0';
    pthread_mutex_unlock(&c->mu);
}

uint64_t srv_cache_contest_gen(struct srv_cache *c, int64_t contest_id)
{
    return atomic_load(&c->gens[id_slot(contest_id, GEN_SLOTS)]);
}

void srv_cache_contest_touch(struct srv_cache *c, int64_t contest_id)
{
    atomic_fetch_add(&c->gens[id_slot(contest_id, GEN_SLOTS)], 1);
}

static struct snapshot_slot *snapshot_slot(struct srv_cache *c, int64_t contest_id, bool jury)
{
    return &c->snapshots[(id_slot(contest_id, SNAPSHOT_SLOTS / 2) * 2 + jury) % SNAPSHOT_SLOTS];
}

bool srv_cache_snapshot_get(struct srv_cache *c, int64_t contest_id, bool jury, int window,
                            uint64_t gen, int64_t now_ms, int64_t viewer_id,
                            struct srv_cache_view *out)
{
    struct snapshot_slot *s = snapshot_slot(c, contest_id, jury);
    bool hit;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->mu);
    hit = s->contest_id == contest_id && s->jury == jury && s->window == window && s->gen == gen &&
          now_ms < s->until_ms && srv_cache_view_of(out, &s->snap, viewer_id);
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void srv_cache_snapshot_put(struct srv_cache *c, int64_t contest_id, bool jury, int window,
                            uint64_t gen, int64_t now_ms, int64_t valid_ms,
                            struct srv_cache_snapshot *snap)
{
    struct snapshot_slot *s = snapshot_slot(c, contest_id, jury);
    int64_t until = now_ms + c->snapshot_ttl_ms;
    struct srv_cache_snapshot old;

    pthread_mutex_lock(&c->mu);
    /* The old texts are freed outside the lock. */
    old = s->snap;
    s->contest_id = contest_id;
    s->jury = jury;
    s->window = window;
    s->gen = gen;
    s->until_ms = valid_ms < until ? valid_ms : until;
    s->snap = *snap;
    pthread_mutex_unlock(&c->mu);
    memset(snap, 0, sizeof(*snap));
    srv_cache_snapshot_release(&old);
}
