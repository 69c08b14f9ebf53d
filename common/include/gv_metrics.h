/* SPDX-License-Identifier: MIT
 * gv_metrics.h - counters and histograms that any thread may update, and a
 * writer of the Prometheus text exposition format (version 0.0.4).
 *
 * Values are C11 atomics updated with relaxed ordering: an increment is one
 * lock-free instruction on the hot path, and a scrape reads each value once.
 * A scrape therefore sees every value as it was at some instant, not all of
 * them at the same instant; a histogram's buckets, count and +Inf bucket are
 * made from the same reads, so they always agree with each other (the sum
 * may lag by the observations in flight).
 *
 * The writer appends to a bounded buffer and remembers the first failure,
 * so a scrape handler writes every family and checks once at the end:
 *
 *     struct gv_metrics_out m;
 *     gv_metrics_out_init(&m, 256 * 1024);
 *     gv_metrics_family(&m, "gavel_pushes_total", "counter", "Pushes sent.");
 *     gv_metrics_sample(&m, "gavel_pushes_total", NULL, 0, (double)n);
 *     err = gv_metrics_out_finish(&text, &len, &m);   // text: caller frees
 *
 * Names follow Prometheus' conventions (the caller's job, asserted here):
 * [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, [a-zA-Z_][a-zA-Z0-9_]* for labels;
 * base units (seconds, bytes); counters end in _total. */
#ifndef GV_METRICS_H
#define GV_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gv_buf.h"

/* What a scrape answers with: the format's version, and UTF-8 because label
 * values (request types, verdicts) are UTF-8. */
#define GV_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* --- Counters and gauges --------------------------------------------------- */

static inline void gv_counter_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t gv_counter_get(const atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* A gauge that goes up and down (connections open): signed, so a decrement
 * racing ahead of its increment never wraps to 2^64. */
static inline void gv_gauge_add(atomic_int_fast64_t *g, int64_t n)
{
    atomic_fetch_add_explicit(g, n, memory_order_relaxed);
}

static inline int64_t gv_gauge_get(const atomic_int_fast64_t *g)
{
    return atomic_load_explicit(g, memory_order_relaxed);
}

/* --- Histograms ------------------------------------------------------------ */

#define GV_HIST_BOUNDS_MAX 16

/* A Prometheus histogram: fixed upper bounds, one count per bucket (not
 * cumulative: the writer adds them up), and the sum in millionths of the
 * unit, so that it too is one atomic add. Zero it, then gv_hist_init(). */
struct gv_hist {
    const double *bounds; /* increasing; borrowed, usually a static array */
    size_t nbounds;       /* <= GV_HIST_BOUNDS_MAX; +Inf is implicit */
    atomic_uint_fast64_t counts[GV_HIST_BOUNDS_MAX + 1]; /* [nbounds]: above every bound */
    atomic_uint_fast64_t sum_micro;
};

void gv_hist_init(struct gv_hist *h, const double *bounds, size_t nbounds);
/* Counts `v` in the first bucket whose bound is >= v. A negative value
 * (clocks of two hosts disagree) counts as 0: durations are never negative,
 * and a histogram whose sum goes down breaks rate(). */
void gv_hist_observe(struct gv_hist *h, double v);

/* A copy read once, for the writer and for tests. */
struct gv_hist_snap {
    uint64_t counts[GV_HIST_BOUNDS_MAX + 1];
    uint64_t count; /* the sum of counts */
    double sum;
};
void gv_hist_read(struct gv_hist_snap *out, const struct gv_hist *h);

/* --- The text format ------------------------------------------------------- */

struct gv_label {
    const char *name;
    const char *value; /* any UTF-8; escaped by the writer */
};

struct gv_metrics_out {
    struct gv_buf buf;
    int err; /* the first failure (GV_ETOOBIG, -ENOMEM); later writes do nothing */
};

void gv_metrics_out_init(struct gv_metrics_out *m, size_t max);
void gv_metrics_out_release(struct gv_metrics_out *m);
/* The text (gv_malloc'd, caller frees) and its length, or the first error
 * (nothing to free then). Either way `m` is released. */
int gv_metrics_out_finish(char **out, size_t *out_len, struct gv_metrics_out *m);

/* "# HELP name help" and "# TYPE name type"; once per family, before its
 * samples. `type` is "counter", "gauge" or "histogram". */
void gv_metrics_family(struct gv_metrics_out *m, const char *name, const char *type,
                       const char *help);
/* "name{l1="v1",...} value"; no braces when nlabels is 0. */
void gv_metrics_sample(struct gv_metrics_out *m, const char *name, const struct gv_label *labels,
                       size_t nlabels, double value);
/* name_bucket{...,le="b"} (cumulative, the last with le="+Inf" equal to the
 * count), name_sum and name_count. `name` is the family's, without suffix. */
void gv_metrics_hist(struct gv_metrics_out *m, const char *name, const struct gv_label *labels,
                     size_t nlabels, const struct gv_hist *h);

/* A sample value or bound as the format writes it: integers without a
 * fraction, others as the shortest text that reads back as the same
 * double, and "+Inf", "-Inf", "NaN". */
#define GV_METRICS_NUM_MAX 32
void gv_metrics_num(char out[GV_METRICS_NUM_MAX], double v);

#endif
