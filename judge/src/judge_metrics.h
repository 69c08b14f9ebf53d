/* SPDX-License-Identifier: MIT
 * judge_metrics.h - gavel-judge's GET /metrics listener. */
#ifndef JUDGE_METRICS_H
#define JUDGE_METRICS_H

struct judge_metrics;

/* Listens on `addr` (a numeric address or a host name) port `port` and
 * answers GET /metrics from a thread of its own. The bind happens here, so
 * a port in use is an error now, not a log line later. -errno, or
 * -EADDRNOTAVAIL for an address that does not resolve. */
int judge_metrics_start(struct judge_metrics **out, const char *addr, int port);

/* Stops and joins the thread (at most one client's timeout), closes the
 * socket, frees `m`. NULL is a no-op. */
void judge_metrics_stop(struct judge_metrics *m);

#endif
