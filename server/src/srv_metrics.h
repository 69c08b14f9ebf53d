/* SPDX-License-Identifier: MIT
 * srv_metrics.h - gavel-server's metrics, scraped as GET /metrics.
 *
 * One process-wide registry: the lws service thread, the job threads and
 * the live thread each bump what they see with one relaxed atomic add
 * (gv_metrics.h), and the service thread formats the whole registry on a
 * scrape. What is only known at scrape time (store availability, the job
 * threads' queue) is passed in by the caller, which keeps this file free of
 * the server's internals and testable alone.
 *
 * The families (docs/ARCHITECTURE.md, "Operations", lists them for
 * operators):
 *   gavel_websocket_connections             gauge, WebSocket sessions open
 *   gavel_connections_accepted_total        counter, TCP connections accepted
 *   gavel_websocket_messages_received_total counter, complete client messages
 *   gavel_websocket_messages_sent_total     counter, frames sent (replies and pushes)
 *   gavel_live_events_received_total        counter, live stream entries decoded
 *   gavel_pushes_sent_total                 counter, push frames written
 *   gavel_clics_feed_reads_total            counter, event-log reads for streamed CLICS feeds
 *   gavel_clics_feed_holds_total            counter, their batches held for WebSocket pushes
 *   gavel_push_lag_seconds                  histogram, stream id time to push
 *   gavel_job_queue_length                  gauge, requests waiting for a job thread
 *   gavel_requests_total{type,code}         counter, requests answered
 *   gavel_store_up{store}                   gauge, 1 when the health probe succeeds */
#ifndef SRV_METRICS_H
#define SRV_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "gv_metrics.h"
#include "srv_codec.h"

/* Request types are indexed by enum srv_req_type; index 0 (SRV_REQ_NONE)
 * counts messages that never decoded into a type. Checklist: a type added
 * after SRV_REQ_CONTEST_BOARD_WINDOW moves this bound too (srv_codec.h). */
#define SRV_METRICS_TYPES (SRV_REQ_CONTEST_BOARD_WINDOW + 1)
/* "ok" and the SRV_ERR_* codes of srv_codec.h (srv_metrics.c lists them). */
#define SRV_METRICS_CODES 12

struct srv_metrics {
    atomic_int_fast64_t ws_open;
    atomic_int_fast64_t feeds_open; /* streamed CLICS event feeds open now */
    atomic_uint_fast64_t accepted;
    atomic_uint_fast64_t ws_in, ws_out;
    atomic_uint_fast64_t live_events, pushes;
    atomic_uint_fast64_t feed_reads; /* event-log reads made for streamed CLICS feeds */
    atomic_uint_fast64_t feed_holds; /* their batches held for the WebSocket pushes */
    struct gv_hist push_lag; /* seconds */
    atomic_uint_fast64_t requests[SRV_METRICS_TYPES][SRV_METRICS_CODES];
};

extern struct srv_metrics srv_metrics;

/* Counts one answered request of `type` with outcome `code` (one of the
 * SRV_ERR_* strings; NULL for success). Any thread. */
void srv_metrics_request(enum srv_req_type type, const char *code);

/* A push of the event published as stream entry time `event_ms` (Unix ms,
 * the id's first part) was written now. Any thread. */
void srv_metrics_push_lag(int64_t event_ms);

/* What only the caller knows, read at scrape time. */
struct srv_metrics_now {
    bool pg_up, redis_up;
    unsigned jobs_queued;
};

/* The whole registry in the Prometheus text format (0.0.4), gv_malloc'd
 * into *out (caller frees). -ENOMEM, or GV_ETOOBIG past the text's bound. */
int srv_metrics_text(char **out, size_t *out_len, const struct srv_metrics_now *now);

#endif
