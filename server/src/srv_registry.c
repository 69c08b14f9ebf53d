/* SPDX-License-Identifier: MIT
 * srv_registry.c - connections by id and WebSocket sessions by topic.
 *
 * The registry is hashed by id: every reply and every subscription looks a
 * connection up, and a scan of 10k connections per lookup made connecting
 * 10k clients quadratic.
 *
 * Who may want an event: the sessions are indexed by topic - the logged-in
 * user, each subscribed submission, each subscribed contest - so a live
 * event is offered only to the members of the (at most three) topics it
 * names, not to every connection (srv__deliver_events). The index may name
 * more sessions than want an event (srv_subs_offer decides, with
 * srv_subs_wants), never fewer. A topic exists while it has members; each
 * membership is a small allocation made when the session logs in or
 * subscribes.
 *
 * Both are chained hash tables with 64-bit keys whose buckets double at two
 * entries per bucket; the first buckets are allocated by
 * srv__registry_init, so that registering a connection cannot fail. */
#include "srv_internal.h"

#include <errno.h>
#include <string.h>

#include "gv_alloc.h"
#include "banned.h"

#define BUCKETS_MIN 1024

struct srv__topic {
    struct srv__hnode h; /* in srv__registry.topics, by topic_key() */
    enum srv__topic_kind kind;
    struct lws_dll2_owner members; /* struct srv__member.node */
};

/* --- Hash tables ------------------------------------------------------------- */

static size_t bucket_of(uint64_t key, size_t nbuckets)
{
    /* Keys are sequential or nearly: a multiplicative hash spreads them anyway. */
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (nbuckets - 1);
}

static struct srv__hnode *ht_find(const struct srv__htable *t, uint64_t key)
{
    for (struct srv__hnode *e = t->buckets[bucket_of(key, t->nbuckets)]; e; e = e->next)
        if (e->key == key)
            return e;
    return NULL;
}

/* Rehashes into twice the buckets; on failure the chains just get longer. */
static void ht_grow(struct srv__htable *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : BUCKETS_MIN;
    struct srv__hnode **b = gv_calloc(n, sizeof(*b));

    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++)
        while (t->buckets[i]) {
            struct srv__hnode *e = t->buckets[i];
            size_t h = bucket_of(e->key, n);

            t->buckets[i] = e->next;
            e->next = b[h];
            b[h] = e;
        }
    gv_free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

/* Adds `e`, whose key is set. */
static void ht_add(struct srv__htable *t, struct srv__hnode *e)
{
    size_t h;

    if (t->count + 1 > t->nbuckets * 2)
        ht_grow(t);
    h = bucket_of(e->key, t->nbuckets);
    e->next = t->buckets[h];
    t->buckets[h] = e;
    t->count++;
}

static void ht_remove(struct srv__htable *t, struct srv__hnode *e)
{
    struct srv__hnode **pp = &t->buckets[bucket_of(e->key, t->nbuckets)];

    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = e->next;
        t->count--;
    }
    e->next = NULL;
}

/* --- Connections ------------------------------------------------------------- */

struct srv__conn *srv__conn_find(struct srv__registry *r, uint64_t id)
{
    struct srv__hnode *e = ht_find(&r->conns, id);

    return e ? lws_container_of(e, struct srv__conn, h) : NULL;
}

void srv__conn_add(struct srv__registry *r, struct srv__conn *c, struct lws *wsi,
                   enum srv__conn_kind kind)
{
    c->wsi = wsi;
    c->id = ++r->next_conn_id;
    c->kind = kind;
    c->h.key = c->id;
    ht_add(&r->conns, &c->h);
}

void srv__conn_remove(struct srv__registry *r, struct srv__conn *c)
{
    if (!c->id)
        return;
    ht_remove(&r->conns, &c->h);
    c->id = 0;
}

/* --- The topic index --------------------------------------------------------- */

/* Ids are positive and below 2^62 (the codec's bound, and the database's
 * serials), so the key is unique per topic. */
static uint64_t topic_key(enum srv__topic_kind kind, int64_t id)
{
    return (uint64_t)id * 4 + (uint64_t)kind;
}

static struct srv__topic *topic_find(struct srv__registry *r, enum srv__topic_kind kind, int64_t id)
{
    struct srv__hnode *e = id > 0 ? ht_find(&r->topics, topic_key(kind, id)) : NULL;

    return e ? lws_container_of(e, struct srv__topic, h) : NULL;
}

struct lws_dll2_owner *srv__topic_members(struct srv__registry *r, enum srv__topic_kind kind,
                                          int64_t id)
{
    struct srv__topic *t = topic_find(r, kind, id);

    return t ? &t->members : NULL;
}

int srv__topic_join(struct srv__registry *r, struct srv__member **list, struct srv__session *ss,
                    enum srv__topic_kind kind, int64_t id)
{
    uint64_t key = topic_key(kind, id);
    struct srv__topic *t;
    struct srv__member *m;

    for (m = *list; m; m = m->next)
        if (m->topic->h.key == key)
            return 0;
    t = topic_find(r, kind, id);
    if (!t) {
        t = gv_calloc(1, sizeof(*t));
        if (!t)
            return -ENOMEM;
        t->kind = kind;
        t->h.key = key;
        ht_add(&r->topics, &t->h);
    }
    m = gv_calloc(1, sizeof(*m));
    if (!m) {
        if (!t->members.count) {
            ht_remove(&r->topics, &t->h);
            gv_free(t);
        }
        return -ENOMEM;
    }
    m->topic = t;
    m->ss = ss;
    lws_dll2_add_tail(&m->node, &t->members);
    m->next = *list;
    *list = m;
    return 0;
}

static void member_free(struct srv__registry *r, struct srv__member *m)
{
    struct srv__topic *t = m->topic;

    lws_dll2_remove(&m->node);
    gv_free(m);
    if (!t->members.count) {
        ht_remove(&r->topics, &t->h);
        gv_free(t);
    }
}

void srv__topic_leave(struct srv__registry *r, struct srv__member **list, int kind)
{
    struct srv__member **pp = list;

    while (*pp) {
        struct srv__member *m = *pp;

        if (kind < 0 || m->topic->kind == (enum srv__topic_kind)kind) {
            *pp = m->next;
            member_free(r, m);
        } else {
            pp = &m->next;
        }
    }
}

void srv__topic_leave_one(struct srv__registry *r, struct srv__member **list,
                          enum srv__topic_kind kind, int64_t id)
{
    struct srv__topic *t = topic_find(r, kind, id);

    for (struct srv__member **pp = list; t && *pp; pp = &(*pp)->next) {
        struct srv__member *m = *pp;

        if (m->topic == t) {
            *pp = m->next;
            member_free(r, m);
            return;
        }
    }
}

/* --- Lifecycle --------------------------------------------------------------- */

int srv__registry_init(struct srv__registry *r)
{
    memset(r, 0, sizeof(*r));
    ht_grow(&r->conns);
    ht_grow(&r->topics);
    if (!r->conns.buckets || !r->topics.buckets) {
        srv__registry_release(r);
        return -ENOMEM;
    }
    return 0;
}

void srv__registry_release(struct srv__registry *r)
{
    gv_free(r->conns.buckets);
    gv_free(r->topics.buckets);
    memset(r, 0, sizeof(*r));
}
