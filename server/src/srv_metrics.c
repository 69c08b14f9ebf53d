/* SPDX-License-Identifier: MIT
 * srv_metrics.c - gavel-server's registry and its text (see srv_metrics.h). */
#include "srv_metrics.h"

#include <string.h>
#include <time.h>

#include "banned.h"

/* From a local push (a millisecond) to a client that is far behind (the
 * subscription drops it after SRV_SUBS_BEHIND_MAX_MS, 30 s). */
static const double push_lag_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10,   30};

/* Static storage starts at zero, which is a valid state for every atomic
 * here (C17 7.17.2.1): no init call, so any thread may count from main on. */
struct srv_metrics srv_metrics = {
    .push_lag = {.bounds = push_lag_bounds,
                 .nbounds = sizeof(push_lag_bounds) / sizeof(push_lag_bounds[0])},
};

static const char *const codes[SRV_METRICS_CODES] = {
    "ok",
    SRV_ERR_BAD_REQUEST,
    SRV_ERR_UNKNOWN_TYPE,
    SRV_ERR_TOO_LARGE,
    SRV_ERR_INVALID,
    SRV_ERR_UNAUTHENTICATED,
    SRV_ERR_FORBIDDEN,
    SRV_ERR_NOT_FOUND,
    SRV_ERR_CONFLICT,
    SRV_ERR_RATE_LIMITED,
    SRV_ERR_UNAVAILABLE,
    SRV_ERR_INTERNAL, /* also any code this table does not know */
};

void srv_metrics_request(enum srv_req_type type, const char *code)
{
    size_t t = (size_t)type < SRV_METRICS_TYPES ? (size_t)type : 0, c = 0;

    if (code) {
        for (c = 1; c < SRV_METRICS_CODES - 1; c++)
            if (!strcmp(code, codes[c]))
                break;
    }
    gv_counter_add(&srv_metrics.requests[t][c], 1);
}

void srv_metrics_push_lag(int64_t event_ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* In microseconds first: a double of Unix seconds keeps only about
     * 0.2 us, and subtracting two of them would keep less. */
    gv_hist_observe(&srv_metrics.push_lag,
                    (double)((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - event_ms * 1000) /
                        1e6);
}

static void counter(struct gv_metrics_out *m, const char *name, const char *help,
                    const atomic_uint_fast64_t *v)
{
    gv_metrics_family(m, name, "counter", help);
    gv_metrics_sample(m, name, NULL, 0, (double)gv_counter_get(v));
}

int srv_metrics_text(char **out, size_t *out_len, const struct srv_metrics_now *now)
{
    struct srv_metrics *s = &srv_metrics;
    struct gv_metrics_out m;
    struct gv_label l[2];

    /* About 40 families and at most 456 request series: well under 64 KiB. */
    gv_metrics_out_init(&m, 256 * 1024);
    gv_metrics_family(&m, "gavel_websocket_connections", "gauge",
                      "WebSocket connections open now.");
    gv_metrics_sample(&m, "gavel_websocket_connections", NULL, 0,
                      (double)gv_gauge_get(&s->ws_open));
    gv_metrics_family(&m, "gavel_clics_feeds", "gauge", "Streamed CLICS event feeds open now.");
    gv_metrics_sample(&m, "gavel_clics_feeds", NULL, 0, (double)gv_gauge_get(&s->feeds_open));
    counter(&m, "gavel_connections_accepted_total",
            "TCP connections accepted (HTTP and WebSocket alike).", &s->accepted);
    counter(&m, "gavel_websocket_messages_received_total",
            "Complete WebSocket messages received from clients.", &s->ws_in);
    counter(&m, "gavel_websocket_messages_sent_total",
            "WebSocket messages sent to clients: replies and pushes.", &s->ws_out);
    counter(&m, "gavel_live_events_received_total",
            "Events read from the live stream (judging progress, verdicts, scoreboard rows).",
            &s->live_events);
    counter(&m, "gavel_clics_feed_reads_total",
            "Reads of the event log for streamed CLICS event feeds (one serves every feed "
            "of a contest and view at the same position).",
            &s->feed_reads);
    counter(&m, "gavel_clics_feed_holds_total",
            "Batches of a contest's streamed CLICS feeds that waited for a pause in the "
            "WebSocket pushes (GAVEL_CLICS_YIELD_MS).",
            &s->feed_holds);
    counter(&m, "gavel_pushes_sent_total",
            "Live events (and resync notices) pushed to WebSocket clients.", &s->pushes);
    gv_metrics_family(&m, "gavel_push_lag_seconds", "histogram",
                      "Time from an event's stream id timestamp to its push to a client (replays "
                      "after a resume excluded).");
    gv_metrics_hist(&m, "gavel_push_lag_seconds", NULL, 0, &s->push_lag);
    gv_metrics_family(&m, "gavel_job_queue_length", "gauge", "Requests waiting for a job thread.");
    gv_metrics_sample(&m, "gavel_job_queue_length", NULL, 0, (double)now->jobs_queued);

    gv_metrics_family(&m, "gavel_requests_total", "counter",
                      "Requests handled, by type (\"unknown\": the message did not decode) and "
                      "outcome code (\"ok\" or the error code).");
    /* Only the series that moved: 38 types times 12 codes would be 456
     * lines of zeros, and a series that appears later is what Prometheus
     * client libraries do for labelled counters too. */
    for (size_t t = 0; t < SRV_METRICS_TYPES; t++) {
        for (size_t c = 0; c < SRV_METRICS_CODES; c++) {
            uint64_t v = gv_counter_get(&s->requests[t][c]);

            if (!v)
                continue;
            l[0] = (struct gv_label){"type", t ? srv_req_name((enum srv_req_type)t) : "unknown"};
            l[1] = (struct gv_label){"code", codes[c]};
            gv_metrics_sample(&m, "gavel_requests_total", l, 2, (double)v);
        }
    }

    gv_metrics_family(&m, "gavel_store_up", "gauge",
                      "Whether the store answered the health monitor's last probe (1) or not (0).");
    l[0] = (struct gv_label){"store", "postgres"};
    gv_metrics_sample(&m, "gavel_store_up", l, 1, now->pg_up);
    l[0] = (struct gv_label){"store", "redis"};
    gv_metrics_sample(&m, "gavel_store_up", l, 1, now->redis_up);
    return gv_metrics_out_finish(out, out_len, &m);
}
