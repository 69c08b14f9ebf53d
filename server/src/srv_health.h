/* SPDX-License-Identifier: MIT
 * srv_health.h - the health monitor behind GET /healthz.
 *
 * The monitor owns one PostgreSQL and one Redis connection on a thread of
 * its own. It pings each store every second and, while a store is down,
 * reconnects with jittered exponential backoff (100 ms doubling to 5 s).
 * The lws service thread only ever copies the last published state, so a
 * store that hangs or refuses connections never stalls HTTP or WebSocket
 * traffic. */
#ifndef SRV_HEALTH_H
#define SRV_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_store_state {
    bool up;
    int64_t since_ms; /* Unix time (ms) at which the store entered this state */
    char error[256];  /* why the store is down; "" when up */
};

struct srv_health_state {
    struct srv_store_state pg;
    struct srv_store_state redis;
};

struct srv_health;

/* Starts the monitor thread; it connects in the background, so this returns
 * at once even when neither store is reachable. The URLs are copied. */
int srv_health_start(struct srv_health **out, const char *pg_url, const char *redis_url);

/* Copies the latest published state (thread-safe, never blocks on I/O). */
void srv_health_get(struct srv_health *h, struct srv_health_state *out);

/* Stops and joins the thread (waiting at most for one connect timeout),
 * closes the connections, frees `h`. NULL is a no-op. */
void srv_health_stop(struct srv_health *h);

/* The /healthz body:
 *   {"status":"ok"|"degraded",
 *    "postgres":{"up":true,"error":null,"since_ms":...},
 *    "redis":{"up":false,"error":"...","since_ms":...},
 *    "version":"0.1.0"}
 * *out is gv_malloc'd (caller frees). *out_ok is true when both are up,
 * which the caller maps to 200 (else 503). */
int srv_health_to_json(char **out, size_t *out_len, bool *out_ok, const struct srv_health_state *st,
                       const char *version);

#endif
