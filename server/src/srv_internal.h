/* SPDX-License-Identifier: MIT
 * srv_internal.h - what the files of gavel-server's front end share.
 *
 * Everything here runs on the single lws service thread (Debian's lws is
 * built with LWS_MAX_SMP=1), so none of it needs locks. The files, by job:
 *   srv_server.c    the lws context and vhost, the protocol table, our own
 *                   SO_REUSEPORT listener, srv_server_new/run/stop/free, and
 *                   the loop's wake-up (finished jobs and live events)
 *   srv_registry.c  connections by id, so that a finished job finds its
 *                   connection, and WebSocket sessions by topic, so that a
 *                   live event finds the sessions that may want it
 *   srv_http.c      the "http" protocol: /healthz, /metrics and the JSON
 *                   API (/api/)
 *   srv_session.c   the "gavel.v1" protocol: WebSocket sessions, their
 *                   requests and replies, and the fan-out of live events
 * Each file keeps its own structures (struct http_pss, struct srv__session)
 * to itself; the others reach them through the functions below. */
#ifndef SRV_INTERNAL_H
#define SRV_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "srv_proto.h"

#define SRV__WS_PROTOCOL "gavel.v1"
/* The session cookie: set by the HTTP API's login, carried by upgrades. */
#define SRV__COOKIE_NAME "gavel_session"

struct srv_health;
struct srv_jobs;
struct srv_live;
struct srv_clock;
struct srv_live_event;
struct srv__session; /* a WebSocket connection's state (srv_session.c) */
struct srv__feed;    /* a streamed CLICS event feed (srv_feed.c) */
struct srv__feedw;   /* the thread that writes them (srv_feedw.c) */
struct srv__topic;   /* srv_registry.c */

/* An entry of one of the registry's hash tables, which it embeds. */
struct srv__hnode {
    struct srv__hnode *next; /* in its bucket's chain */
    uint64_t key;
};

/* A chained hash table of srv__hnodes (srv_registry.c). */
struct srv__htable {
    struct srv__hnode **buckets; /* nbuckets (a power of two) chains */
    size_t nbuckets, count;
};

/* Whose registry entry a srv__conn is: what a finished job is given to. */
enum srv__conn_kind {
    SRV__CONN_HTTP, /* an HTTP API request (srv_http.c) */
    SRV__CONN_WS,   /* a WebSocket session (srv_session.c) */
    SRV__CONN_FEED, /* a streamed feed's read (srv_feed.c): no wsi once lws let it go */
};

/* What WebSocket sessions, HTTP API connections and streamed feeds share:
 * the registry entry that lets a finished job find its connection again
 * (it may have closed meanwhile: then the id is simply not found). */
struct srv__conn {
    struct srv__hnode h; /* in srv__registry.conns, by id */
    struct lws *wsi;     /* NULL for a feed */
    uint64_t id;         /* 0 while not registered */
    enum srv__conn_kind kind;
};

/* The topics a session can be found by (see srv_registry.c). */
enum srv__topic_kind {
    SRV__TOPIC_USER,
    SRV__TOPIC_SUBMISSION,
    SRV__TOPIC_CONTEST,
    SRV__TOPIC_CONTESTS, /* the list of contests: one topic, id SRV__CONTESTS_TOPIC_ID */
};
#define SRV__CONTESTS_TOPIC_ID 1

/* One session in one topic: a small allocation, in two lists at once. */
struct srv__member {
    struct lws_dll2 node;     /* in its topic's members */
    struct srv__member *next; /* in its session's list */
    struct srv__topic *topic;
    struct srv__session *ss;
};

/* The connection registry and the topic index; srv_registry.c alone reads
 * these fields. */
struct srv__registry {
    struct srv__htable conns;  /* struct srv__conn by id */
    struct srv__htable topics; /* struct srv__topic by kind and id */
    uint64_t next_conn_id;
};

struct srv_server {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws *listener;                /* our listening socket, adopted as a raw fd */
    lws_sorted_usec_list_t accept_retry; /* resumes accepting after EMFILE */
    int accept_fd_max;                   /* an accepted fd at or above this is refused */
    int64_t accept_warn_ms;              /* when the last refusal was logged */
    struct lws_protocols protocols[4];   /* the vhost's table: lws keeps a pointer to it */
    struct srv_health *health;
    struct lws_http_mount mount_root, mount_healthz, mount_metrics;
    struct lws_http_mount mount_api, mount_node_modules;
    char *web_root;
    char *version;
    char *allowed_origins; /* comma-separated, "" for none */
    volatile sig_atomic_t stop;
    struct srv_jobs *jobs;
    struct srv_live *live;
    /* The newest stream entry handed to the sessions: where a subscription
     * made now starts to be live (srv_subs_mark). */
    struct srv_subs_mark live_pos;
    struct srv_clock *clock;
    struct srv_proto_cfg proto;
    char *rate_prefix;
    struct srv__registry reg;
    uint64_t stamp; /* srv__deliver_events: one per batch and one per event */
    struct lws_dll2_owner feeds; /* struct srv__feed: streamed CLICS event feeds */
    struct lws_dll2_owner feed_chans; /* their channels: one per contest and view */
    long feed_max;               /* GAVEL_CLICS_FEED_MAX */
    long feed_keepalive_ms;      /* GAVEL_CLICS_KEEPALIVE_MS */
    long feed_poll_ms;           /* GAVEL_CLICS_POLL_MS */
    long feed_batch_ms;          /* GAVEL_CLICS_BATCH_MS */
    long feed_yield_ms;          /* GAVEL_CLICS_YIELD_MS (srv_feed_yield.h) */
    int64_t ws_push_ms; /* when a fan-out to many WebSocket sessions last began (monotonic) */
    long feed_stall_ms;          /* GAVEL_CLICS_STALL_MS */
    long feed_nice;              /* GAVEL_CLICS_WRITER_NICE */
    struct srv__feedw *feedw;    /* the feeds' writer thread (srv_feedw.h) */
    lws_sorted_usec_list_t feed_kick; /* wakes it after the callback that gave it commands */
    int feed_spare_fd;           /* a socket of no connection (srv_feed.c), or -1 */
};

static inline struct srv_server *srv__server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- srv_registry.c ---------------------------------------------------------- */

/* Allocates the first buckets up front, so that registering a connection
 * cannot fail. -ENOMEM (nothing is left allocated). */
int srv__registry_init(struct srv__registry *r);
/* Frees the buckets; every connection and topic must be gone already. */
void srv__registry_release(struct srv__registry *r);

/* The registered connection with this id, or NULL. */
struct srv__conn *srv__conn_find(struct srv__registry *r, uint64_t id);
/* Registers `c` under a new id (c->id). */
void srv__conn_add(struct srv__registry *r, struct srv__conn *c, struct lws *wsi,
                   enum srv__conn_kind kind);
/* Unregisters `c`; a no-op when it is not registered. */
void srv__conn_remove(struct srv__registry *r, struct srv__conn *c);

/* Adds the session `ss`, whose memberships are the list `*list`, to the
 * topic (kind, id), creating the topic; idempotent. -ENOMEM. */
int srv__topic_join(struct srv__registry *r, struct srv__member **list, struct srv__session *ss,
                    enum srv__topic_kind kind, int64_t id);
/* Removes the memberships in `*list` of `kind` (all of them when kind < 0),
 * and the topics left without members. */
void srv__topic_leave(struct srv__registry *r, struct srv__member **list, int kind);
/* Removes the one membership in `*list` of the topic (kind, id), if any,
 * and the topic when it is left without members. */
void srv__topic_leave_one(struct srv__registry *r, struct srv__member **list,
                          enum srv__topic_kind kind, int64_t id);
/* The members (struct srv__member.node) of the topic (kind, id), or NULL
 * when nobody is in it. Borrowed: valid until the next join or leave. */
struct lws_dll2_owner *srv__topic_members(struct srv__registry *r, enum srv__topic_kind kind,
                                          int64_t id);

/* --- srv_http.c -------------------------------------------------------------- */

extern const struct lws_protocols srv__http_protocol;

/* An API job of the connection `c` finished: its reply goes out next. */
void srv__http_done(struct srv__conn *c, struct srv_req_job *job);

/* Copies into `token` the session token of the request's cookie; false when
 * there is none, or none of the right length. */
bool srv__cookie_token(struct lws *wsi, char token[DB_TOKEN_HEX_LEN + 1]);

/* The request's Origin is this server (http(s)://<its Host>) or one of
 * GAVEL_ALLOWED_ORIGINS, or it sent none (not a browser). srv_session.c. */
bool srv__origin_ok(struct lws *wsi);

/* --- srv_session.c ----------------------------------------------------------- */

extern const struct lws_protocols srv__session_protocol;

/* A job of the session of the connection `c` finished: apply it, reply,
 * start the next request. Returns true when the session kept `job` to run
 * it again (a snapshot that an event overtook, srv_cache.h): the caller
 * then neither counts nor frees it. */
bool srv__session_done(struct srv__conn *c, struct srv_req_job *job);

/* Offers a batch of live events (taken) to the sessions that may want them. */
void srv__deliver_events(struct srv_server *s, struct srv_live_event *events);

/* --- srv_feed.c -------------------------------------------------------------- */

/* Starts the feeds' writer thread (s->feedw). -errno. */
int srv__feed_writer_start(struct srv_server *s);
/* Ends it, and frees the feeds it let go; feeds closed later release their
 * sockets themselves. Before the context is destroyed. */
void srv__feed_writer_stop(struct srv_server *s);
/* Whether the process serves as many streamed feeds as it may. */
bool srv__feed_full(struct srv_server *s);
/* The first read of a streamed feed (`job`, a clics.get that set `feed`)
 * finished: the connection `wsi` becomes a feed: headers, the backlog,
 * then what the log gets. GV_EUNAVAIL when the process has its maximum of
 * feeds, -ENOMEM. */
int srv__feed_start(struct srv__feed **out, struct lws *wsi, const struct srv_req_job *job);
/* A read of the feed whose registry entry is `c` (kind SRV__CONN_FEED)
 * finished. */
void srv__feed_done(struct srv__conn *c, const struct srv_req_job *job);
/* HTTP_WRITEABLE of a feed's connection. -1: close it; 1: the feed left
 * lws for good (its writer has the socket), so close the wsi, whose
 * descriptor is no longer the connection, and forget the feed. */
int srv__feed_writable(struct srv__feed *f);
/* The feed's connection closed (lws's CLOSED_HTTP, or the feed's own
 * timer once it left lws). NULL is a no-op. */
void srv__feed_free(struct srv_server *s, struct srv__feed *f);
/* Ends the feeds that left lws (lws ends the others): before the writer
 * stops and the context is destroyed. */
void srv__feed_close_all(struct srv_server *s);
/* Tells the feeds of the events' contests that the log has new rows. */
void srv__feed_offer(struct srv_server *s, const struct srv_live_event *events);
/* Takes what the writer thread reported: readers that took their bytes
 * read on, readers that left or stalled end, closed feeds are freed. */
void srv__feed_wakeup(struct srv_server *s);

/* --- srv_server.c ------------------------------------------------------------ */

/* The loop was woken (LWS_CALLBACK_EVENT_WAIT_CANCELLED): takes the
 * finished jobs and the live events and hands them on. */
void srv__server_wakeup(struct srv_server *s);

#endif
