/* SPDX-License-Identifier: MIT
 * srv.h - gavel-server: the HTTP and WebSocket front end of Gavel.
 *
 * One libwebsockets context with one service thread serves:
 *   /          the web client (static files from `web_root`, index.html default)
 *   /healthz   JSON state of the PostgreSQL and Redis connections; 200 when
 *              both are up, 503 otherwise
 *   /api/...   the JSON API (docs/PROTOCOL.md): problems, register, login, logout
 *   /ws        WebSocket, subprotocol "gavel.v1" only (see srv_codec.h for
 *              the messages); an upgrade on another path or without that
 *              subprotocol is refused
 *
 * The listening socket is opened with SO_REUSEPORT so several gavel-server
 * processes can share one port and the kernel spreads connections among
 * them. Every server keeps its state in PostgreSQL and Redis, never only in
 * itself.
 *
 * Usage: srv_options_load(), srv_server_new(), srv_server_run() until
 * srv_server_stop() (from a signal handler), srv_server_free(). */
#ifndef SRV_H
#define SRV_H

struct srv_options {
    const char *http_addr; /* IP address or interface to bind; NULL = all */
    int http_port;
    const char *web_root; /* directory served at / */
    const char *pg_url;
    const char *redis_url;
    const char *version; /* reported by /healthz */
    int db_threads;            /* job threads (GAVEL_SERVER_DB_THREADS, default 2) */
    const char *queue_prefix;  /* judge queue keys (GAVEL_QUEUE_PREFIX) */
    const char *rate_prefix;   /* submit counters (GAVEL_RATE_PREFIX, "gavel:ratelimit") */
    int rate_free, rate_paid;  /* submissions a minute (GAVEL_SUBMIT_RATE_FREE 6, _PAID 20) */
    int login_rate;            /* logins a name may try in 10 minutes (GAVEL_LOGIN_RATE 20) */
    const char *allowed_origins; /* GAVEL_ALLOWED_ORIGINS: extra WebSocket origins, comma-separated */
    long clics_feed_max;         /* streamed CLICS event feeds (GAVEL_CLICS_FEED_MAX, 2000) */
    long clics_keepalive_ms;     /* their keep-alive newline (GAVEL_CLICS_KEEPALIVE_MS, 120000) */
    long clics_poll_ms;          /* their look at the log without a live event (GAVEL_CLICS_POLL_MS, 120000) */
    long clics_batch_ms; /* a channel's reads at most this often (GAVEL_CLICS_BATCH_MS, 100) */
    long clics_yield_ms; /* ... held at most this long while WebSocket pushes run
                            (GAVEL_CLICS_YIELD_MS, 2000; 0: never held) */
    long clics_stall_ms; /* a feed reader that takes nothing this long is let go
                            (GAVEL_CLICS_STALL_MS, 30000) */
    long clics_writer_nice; /* the feeds' writer thread's nice increment (GAVEL_CLICS_WRITER_NICE,
                               10) */
    long session_cache_ms;       /* a checked session token is believed this long (GAVEL_SESSION_CACHE_MS, 2000; 0: never) */
    long snapshot_cache_ms;      /* a contest snapshot no event changed, at most this long (GAVEL_SNAPSHOT_CACHE_MS, 1000; 0: never) */
};

/* Fills `out` from gv_config: GAVEL_HTTP_PORT (default 8080), GAVEL_HTTP_ADDR
 * (default all addresses), GAVEL_WEB_ROOT (default `default_web_root`),
 * GAVEL_PG_URL and GAVEL_REDIS_URL (see db.h). The strings are borrowed from
 * gv_config. GV_ECONFIG (already logged) when a value is malformed. */
int srv_options_load(struct srv_options *out, const char *default_web_root, const char *version);

struct srv_server;

/* Creates the context, opens the listening socket and starts the health
 * monitor. Fails with -EADDRINUSE when the port is taken by a listener that
 * does not share it, -EADDRNOTAVAIL when http_addr is not local, -ENOENT
 * when web_root is missing; each is logged with what to do about it. */
int srv_server_new(struct srv_server **out, const struct srv_options *opt);

/* Services connections until srv_server_stop(). Returns 0 after a requested
 * stop, < 0 when the event loop failed. */
int srv_server_run(struct srv_server *s);

/* Asks srv_server_run() to return. Async-signal-safe: it sets a flag and
 * wakes the event loop (lws_cancel_service writes to a pipe). */
void srv_server_stop(struct srv_server *s);

/* Closes every connection and frees `s`; NULL is a no-op. */
void srv_server_free(struct srv_server *s);

#endif
