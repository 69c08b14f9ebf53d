/* SPDX-License-Identifier: MIT
 * plg_pair.c - what a reported pair shows (its shared fragments, as token
 * runs and as line ranges) and the clusters of the report.
 *
 * A fragment is a run of matching fingerprints on one diagonal: the same
 * token offset between the two documents, consecutive matches at most w
 * tokens apart (winnowing leaves no gap wider than a window inside a shared
 * run). A fragment from fingerprints at p..q covers tokens [p, q + k) on
 * each side. Fragments become line ranges, and ranges that touch on both
 * sides merge into one region: what an organizer reads side by side. */
#include "plg_index_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

/* Repeated code makes a hash occur many times in one file; its matches are
 * all alike, and a few per side are enough to show them. */
#define MULT_CAP 16

struct match {
    int64_t diag; /* left position minus right position */
    uint32_t left, right;
};

struct scratch {
    struct match *m;
    size_t nm, capm;
    struct plg_region *reg;
    size_t nreg, capreg;
};

static int cmp_match(const void *a, const void *b)
{
    const struct match *x = a, *y = b;

    if (x->diag != y->diag)
        return x->diag < y->diag ? -1 : 1;
    return (x->left > y->left) - (x->left < y->left);
}

static int cmp_region(const void *a, const void *b)
{
    const struct plg_region *x = a, *y = b;

    if (x->left_from != y->left_from)
        return x->left_from < y->left_from ? -1 : 1;
    return (x->right_from > y->right_from) - (x->right_from < y->right_from);
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    p = gv_realloc(*v, c * size);
    if (!p)
        return -ENOMEM;
    *v = p;
    *cap = c;
    return 0;
}

/* The matching fingerprint positions of a and b (hash-sorted merge). */
static int collect_matches(struct scratch *s, const struct plg_index *ix,
                           const struct plg__docx *xa, const struct plg__docx *xb)
{
    size_t i = 0, j = 0;

    s->nm = 0;
    while (i < xa->nents && j < xb->nents) {
        uint64_t h = xa->ents[i].hash;
        size_t ie = i, je = j;

        if (h < xb->ents[j].hash) {
            i++;
            continue;
        }
        if (h > xb->ents[j].hash) {
            j++;
            continue;
        }
        while (ie < xa->nents && xa->ents[ie].hash == h)
            ie++;
        while (je < xb->nents && xb->ents[je].hash == h)
            je++;
        /* The group's common hashes are no longer in ents (plg_index.c). */
        {
            size_t na = ie - i < MULT_CAP ? ie - i : MULT_CAP;
            size_t nb = je - j < MULT_CAP ? je - j : MULT_CAP;

            if (grow((void **)&s->m, &s->capm, s->nm + na * nb, sizeof(*s->m)) < 0)
                return -ENOMEM;
            for (size_t a = i; a < i + na; a++) {
                for (size_t b = j; b < j + nb; b++) {
                    struct match *m = &s->m[s->nm++];

                    m->left = xa->doc->fp[xa->ents[a].fpi].pos;
                    m->right = xb->doc->fp[xb->ents[b].fpi].pos;
                    m->diag = (int64_t)m->left - (int64_t)m->right;
                }
            }
        }
        i = ie;
        j = je;
    }
    return 0;
}

/* Fragments into s->reg; returns the longest one's length in tokens. */
static uint32_t fragments(struct scratch *s, const struct plg_index *ix,
                          const struct plg_doc *da, const struct plg_doc *db)
{
    uint32_t longest = 0;

    if (s->nm > 1) /* qsort(NULL, 0) is undefined */
        qsort(s->m, s->nm, sizeof(*s->m), cmp_match);
    s->nreg = 0;
    for (size_t f = 0; f < s->nm;) {
        size_t e = f + 1;
        uint32_t len;
        struct plg_region *r;

        while (e < s->nm && s->m[e].diag == s->m[f].diag &&
               s->m[e].left - s->m[e - 1].left <= ix->w)
            e++;
        len = s->m[e - 1].left - s->m[f].left + ix->k;
        if (len > longest)
            longest = len;
        /* Shorter than the run winnowing guarantees to catch: a chance match
         * of an idiom (a loop header), which counts in the similarity but is
         * noise on screen. Shown only when nothing longer exists. */
        if (len < ix->k + ix->w - 1 && s->nm > 1) {
            f = e;
            continue;
        }
        /* Room was made for every match: a fragment holds at least one. */
        r = &s->reg[s->nreg++];
        plg_doc_lines(&r->left_from, &r->left_to, da, s->m[f].left, len);
        plg_doc_lines(&r->right_from, &r->right_to, db, s->m[f].right, len);
        f = e;
    }
    return longest;
}

/* Merges regions that touch or overlap on both sides. */
static size_t merge_regions(struct plg_region *reg, size_t n)
{
    size_t out = 0;

    if (n > 1)
        qsort(reg, n, sizeof(*reg), cmp_region);
    for (size_t i = 0; i < n; i++) {
        struct plg_region *cur = out ? &reg[out - 1] : NULL;

        if (cur && reg[i].left_from <= cur->left_to + 1 &&
            reg[i].right_from <= cur->right_to + 1 && reg[i].right_to + 1 >= cur->right_from) {
            if (reg[i].left_to > cur->left_to)
                cur->left_to = reg[i].left_to;
            if (reg[i].right_from < cur->right_from)
                cur->right_from = reg[i].right_from;
            if (reg[i].right_to > cur->right_to)
                cur->right_to = reg[i].right_to;
        } else {
            reg[out++] = reg[i];
        }
    }
    return out;
}

/* r->pairs from c[0..n), in that order, with their details. */
static int pairs_detail(struct plg_report *r, const struct plg_index *ix, const struct plg__cand *c,
                        size_t n)
{
    struct scratch s = {0};
    int err = 0;

    if (grow((void **)&r->pairs, &r->npairs_cap, r->npairs + n, sizeof(*r->pairs)) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct plg__docx *xa = &ix->docs[c[i].left], *xb = &ix->docs[c[i].right];
        struct plg_pair *p = &r->pairs[r->npairs];

        err = collect_matches(&s, ix, xa, xb);
        if (err == 0)
            err = grow((void **)&s.reg, &s.capreg, s.nm, sizeof(*s.reg));
        if (err < 0)
            break;
        memset(p, 0, sizeof(*p));
        p->group = xa->group;
        p->left = c[i].left;
        p->right = c[i].right;
        p->similarity = c[i].sim;
        p->left_coverage = xa->total ? (double)c[i].cov_left / xa->total : 0;
        p->right_coverage = xb->total ? (double)c[i].cov_right / xb->total : 0;
        p->longest = fragments(&s, ix, xa->doc, xb->doc);
        p->nregions = merge_regions(s.reg, s.nreg);
        if (p->nregions) {
            p->regions = gv_malloc(p->nregions * sizeof(*p->regions));
            if (!p->regions) {
                err = -ENOMEM;
                break;
            }
            memcpy(p->regions, s.reg, p->nregions * sizeof(*p->regions));
        }
        r->npairs++;
    }
    gv_free(s.m);
    gv_free(s.reg);
    return err;
}

/* The report's order: similarity decreasing, then document ids. */
static int cmp_cand(const void *a, const void *b)
{
    const struct plg__cand *x = a, *y = b;

    if (x->sim != y->sim)
        return x->sim > y->sim ? -1 : 1;
    if (x->left != y->left)
        return x->left < y->left ? -1 : 1;
    return (x->right > y->right) - (x->right < y->right);
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

#define SIM_BUCKETS 65536u

uint32_t plg__sim_bucket(double sim)
{
    return sim >= 1 ? SIM_BUCKETS - 1 : (uint32_t)(sim * (SIM_BUCKETS - 1));
}

/* Only what can be reported needs sorting, and keeping: sorting half a
 * million pairs took a quarter of the whole run, and keeping them 12 MB. */
int plg__cands_prune(struct plg__cands *c, size_t max, double csim)
{
    uint32_t *count, cut = plg__sim_bucket(csim), nth = 0;
    size_t above = 0, keep = 0;

    if (max >= c->n)
        return 0;
    count = gv_calloc(SIM_BUCKETS, sizeof(*count));
    if (!count)
        return -ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        count[plg__sim_bucket(c->v[i].sim)]++;
    /* The bucket that holds the max-th strongest pair. */
    for (uint32_t b = SIM_BUCKETS; b-- > 0;) {
        above += count[b];
        if (above >= max || b == 0) {
            nth = b;
            break;
        }
    }
    gv_free(count);
    if (nth > c->floor)
        c->floor = nth;
    if (c->floor < cut)
        cut = c->floor;
    for (size_t i = 0; i < c->n; i++) {
        if (plg__sim_bucket(c->v[i].sim) >= cut) {
            struct plg__cand t = c->v[keep];

            c->v[keep++] = c->v[i];
            c->v[i] = t;
        }
    }
    c->dropped += c->n - keep;
    c->n = keep;
    return 0;
}

int plg__report_build(struct plg_report *r, const struct plg_index *ix, struct plg__cands *cs)
{
    struct plg__cand *c = cs->v;
    uint32_t *parent = NULL;
    int32_t *cluster_of = NULL;
    size_t top = ix->o.cluster_top_pairs ? ix->o.cluster_top_pairs : 1;
    size_t max = ix->o.max_pairs ? ix->o.max_pairs : SIZE_MAX, nsel = 0, n;
    double csim = ix->o.cluster_similarity;
    int err = -ENOMEM;

    r->npairs_found = cs->n + cs->dropped;
    if (plg__cands_prune(cs, max, csim) < 0)
        return -ENOMEM;
    n = cs->n;
    if (n > 1)
        qsort(c, n, sizeof(*c), cmp_cand);
    if (!ix->ndocs)
        return 0;
    parent = gv_malloc(ix->ndocs * sizeof(*parent));
    cluster_of = gv_malloc(ix->ndocs * sizeof(*cluster_of));
    if (!parent || !cluster_of)
        goto out;
    for (size_t i = 0; i < ix->ndocs; i++) {
        parent[i] = (uint32_t)i;
        cluster_of[i] = -1;
    }
    for (size_t i = 0; i < n && c[i].sim >= csim; i++)
        parent[find(parent, c[i].left)] = find(parent, c[i].right);
    /* In pair order, so clusters come strongest first and so do their
     * pairs; the pairs kept move to the front of c, in the same order, so
     * that a kept pair's index in c is its index in the report. */
    for (size_t i = 0; i < n && (i < max || c[i].sim >= csim); i++) {
        bool keep = i < max;

        if (c[i].sim >= csim) {
            uint32_t root = find(parent, c[i].left);
            struct plg_cluster *cl;

            if (cluster_of[root] < 0) {
                if (grow((void **)&r->clusters, &r->nclusters_cap, r->nclusters + 1,
                         sizeof(*r->clusters)) < 0)
                    goto out;
                cl = &r->clusters[r->nclusters];
                memset(cl, 0, sizeof(*cl));
                cl->group = ix->docs[c[i].left].group;
                cl->max_similarity = c[i].sim;
                cl->pairs = gv_malloc(top * sizeof(*cl->pairs));
                if (!cl->pairs)
                    goto out;
                cluster_of[root] = (int32_t)r->nclusters++;
            }
            cl = &r->clusters[cluster_of[root]];
            if (cl->npairs < top) {
                cl->pairs[cl->npairs++] = nsel;
                keep = true;
            }
        }
        if (keep)
            c[nsel++] = c[i];
    }
    for (size_t d = 0; d < ix->ndocs; d++) {
        int32_t k = cluster_of[find(parent, (uint32_t)d)];

        if (k >= 0)
            r->clusters[k].nmembers++;
    }
    for (size_t k = 0; k < r->nclusters; k++) {
        r->clusters[k].members = gv_malloc(r->clusters[k].nmembers * sizeof(uint32_t));
        if (!r->clusters[k].members)
            goto out;
        r->clusters[k].nmembers = 0;
    }
    for (size_t d = 0; d < ix->ndocs; d++) {
        int32_t k = cluster_of[find(parent, (uint32_t)d)];

        if (k >= 0)
            r->clusters[k].members[r->clusters[k].nmembers++] = (uint32_t)d;
    }
    err = pairs_detail(r, ix, c, nsel);
out:
    gv_free(parent);
    gv_free(cluster_of);
    return err;
}

void plg_report_release(struct plg_report *r)
{
    for (size_t i = 0; i < r->npairs; i++)
        gv_free(r->pairs[i].regions);
    gv_free(r->pairs);
    for (size_t i = 0; i < r->nclusters; i++) {
        gv_free(r->clusters[i].members);
        gv_free(r->clusters[i].pairs);
    }
    gv_free(r->clusters);
    memset(r, 0, sizeof(*r));
}
