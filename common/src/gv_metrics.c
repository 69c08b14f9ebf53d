/* SPDX-License-Identifier: MIT
 * gv_metrics.c - atomic histograms and the Prometheus text format writer
 * (see gv_metrics.h). The format's reference:
 * https://prometheus.io/docs/instrumenting/exposition_formats/ */
#include "gv_metrics.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "banned.h"

void gv_hist_init(struct gv_hist *h, const double *bounds, size_t nbounds)
{
    assert(nbounds <= GV_HIST_BOUNDS_MAX);
    for (size_t i = 1; i < nbounds; i++)
        assert(bounds[i - 1] < bounds[i]);
    h->bounds = bounds;
    h->nbounds = nbounds;
    for (size_t i = 0; i <= GV_HIST_BOUNDS_MAX; i++)
        atomic_init(&h->counts[i], 0);
    atomic_init(&h->sum_micro, 0);
}

void gv_hist_observe(struct gv_hist *h, double v)
{
    size_t i = 0;

    if (!(v > 0)) /* negative, or NaN */
        v = 0;
    else if (v > 1e12) /* keeps v * 1e6 within 64 bits: 30,000 years is a bug elsewhere */
        v = 1e12;
    /* A dozen bounds: a linear scan beats a binary search's branches. */
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    gv_counter_add(&h->counts[i], 1);
    gv_counter_add(&h->sum_micro, (uint64_t)llround(v * 1e6));
}

void gv_hist_read(struct gv_hist_snap *out, const struct gv_hist *h)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i <= h->nbounds; i++) {
        out->counts[i] = gv_counter_get(&h->counts[i]);
        out->count += out->counts[i];
    }
    out->sum = (double)gv_counter_get(&h->sum_micro) / 1e6;
}

/* --- The text format ------------------------------------------------------- */

__attribute__((unused)) /* only asserts call it */
static bool name_ok(const char *s, bool metric)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                     (*s >= '0' && *s <= '9') || *s == '_';

        if (!alnum && !(metric && *s == ':'))
            return false;
    }
    return true;
}

void gv_metrics_out_init(struct gv_metrics_out *m, size_t max)
{
    gv_buf_init(&m->buf, max);
    m->err = 0;
}

void gv_metrics_out_release(struct gv_metrics_out *m)
{
    gv_buf_release(&m->buf);
}

int gv_metrics_out_finish(char **out, size_t *out_len, struct gv_metrics_out *m)
{
    int err = m->err;

    *out = NULL;
    if (err == 0) {
        *out = gv_buf_detach(&m->buf, out_len);
        if (!*out)
            err = -ENOMEM; /* gv_buf_detach's copy of "" */
    }
    gv_metrics_out_release(m);
    return err;
}

static void put(struct gv_metrics_out *m, const char *s, size_t len)
{
    if (m->err == 0)
        m->err = gv_buf_append(&m->buf, s, len);
}

static void put_str(struct gv_metrics_out *m, const char *s)
{
    put(m, s, strlen(s));
}

/* HELP text escapes backslash and newline; label values quotes as well. */
static void put_escaped(struct gv_metrics_out *m, const char *s, bool quote)
{
    const char *run = s;

    for (; *s; s++) {
        const char *esc = *s == '\\'           ? "\\\\"
                          : *s == '\n'         ? "\\n"
                          : quote && *s == '"' ? "\\\""
                                               : NULL;

        if (!esc)
            continue;
        put(m, run, (size_t)(s - run));
        put_str(m, esc);
        run = s + 1;
    }
    put(m, run, (size_t)(s - run));
}

void gv_metrics_num(char out[GV_METRICS_NUM_MAX], double v)
{
    if (isnan(v)) {
        snprintf(out, GV_METRICS_NUM_MAX, "NaN");
    } else if (isinf(v)) {
        snprintf(out, GV_METRICS_NUM_MAX, "%s", v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, GV_METRICS_NUM_MAX, "%.0f", v);
    } else {
        /* The shortest that reads back exactly: 0.005, not 0.005000000000000001. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(out, GV_METRICS_NUM_MAX, "%.*g", prec, v);
            if (strtod(out, NULL) == v)
                break;
        }
    }
}

void gv_metrics_family(struct gv_metrics_out *m, const char *name, const char *type,
                       const char *help)
{
    assert(name_ok(name, true));
    assert(!strcmp(type, "counter") || !strcmp(type, "gauge") || !strcmp(type, "histogram"));
    put_str(m, "# HELP ");
    put_str(m, name);
    put_str(m, " ");
    put_escaped(m, help, false);
    put_str(m, "\n# TYPE ");
    put_str(m, name);
    put_str(m, " ");
    put_str(m, type);
    put_str(m, "\n");
}

/* name{labels[,le="le"]} value\n */
static void sample(struct gv_metrics_out *m, const char *name, const char *suffix,
                   const struct gv_label *labels, size_t nlabels, const char *le, double value)
{
    char num[GV_METRICS_NUM_MAX];

    put_str(m, name);
    put_str(m, suffix);
    if (nlabels || le) {
        put_str(m, "{");
        for (size_t i = 0; i < nlabels; i++) {
            assert(name_ok(labels[i].name, false) && strcmp(labels[i].name, "le"));
            if (i)
                put_str(m, ",");
            put_str(m, labels[i].name);
            put_str(m, "=\"");
            put_escaped(m, labels[i].value, true);
            put_str(m, "\"");
        }
        if (le) {
            put_str(m, nlabels ? ",le=\"" : "le=\"");
            put_str(m, le);
            put_str(m, "\"");
        }
        put_str(m, "}");
    }
    gv_metrics_num(num, value);
    put_str(m, " ");
    put_str(m, num);
    put_str(m, "\n");
}

void gv_metrics_sample(struct gv_metrics_out *m, const char *name, const struct gv_label *labels,
                       size_t nlabels, double value)
{
    assert(name_ok(name, true));
    sample(m, name, "", labels, nlabels, NULL, value);
}

void gv_metrics_hist(struct gv_metrics_out *m, const char *name, const struct gv_label *labels,
                     size_t nlabels, const struct gv_hist *h)
{
    struct gv_hist_snap s;
    char le[GV_METRICS_NUM_MAX];
    uint64_t cum = 0;

    assert(name_ok(name, true));
    gv_hist_read(&s, h);
    for (size_t i = 0; i < h->nbounds; i++) {
        cum += s.counts[i];
        gv_metrics_num(le, h->bounds[i]);
        sample(m, name, "_bucket", labels, nlabels, le, (double)cum);
    }
    sample(m, name, "_bucket", labels, nlabels, "+Inf", (double)s.count);
    sample(m, name, "_sum", labels, nlabels, NULL, s.sum);
    sample(m, name, "_count", labels, nlabels, NULL, (double)s.count);
}
