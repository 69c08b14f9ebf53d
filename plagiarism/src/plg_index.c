/* SPDX-License-Identifier: MIT
 * plg_index.c - all pairs of a group through an inverted index.
 *
 * Theory of operation. Per group, every document contributes one posting
 * (hash, document, multiplicity) per distinct fingerprint; the postings
 * sorted by (hash, document) form the inverted index, one run per hash.
 * Excluded are the base code's hashes (before anything else) and the hashes
 * whose run is longer than the common cut: both leave the documents' totals
 * too, so that a template never counts for or against a pair.
 *
 * Then, document by document (a), each of its postings walks the rest of its
 * run, whose documents (b > a) are exactly those sharing that hash; two
 * counters per b accumulate the covered fingerprints on each side. That is
 * the classic accumulator of text retrieval: the cost is the number of
 * (posting, later posting) couples in shared runs, zero for documents that
 * share nothing, and memory stays linear in the group. A pair that reaches
 * the minimum similarity is counted and kept as 24 bytes, and the kept ones
 * are pruned to what can still be reported as they grow (plg__cands_prune);
 * once every group is done, only the pairs that will be reported are looked
 * at in detail (plg_pair.c): the details cost 15-20 us a pair, the scoring
 * well under one. */
#include "plg_index_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

void plg_opts_default(struct plg_opts *o)
{
    o->min_similarity = 0.1;
    o->common_fraction = 1.0;
    o->common_min_docs = 10;
    o->cluster_similarity = 0.5;
    o->cluster_top_pairs = 5;
    o->max_pairs = PLG_MAX_PAIRS_DEFAULT;
}

int plg_index_new(struct plg_index **out, const struct plg_opts *o)
{
    struct plg_index *ix = gv_calloc(1, sizeof(*ix));

    if (!ix)
        return -ENOMEM;
    ix->o = *o;
    *out = ix;
    return 0;
}

void plg_index_free(struct plg_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->ndocs; i++)
        gv_free(ix->docs[i].ents);
    gv_free(ix->docs);
    gv_free(ix->gbase);
    gv_free(ix);
}

static int check_params(struct plg_index *ix, const struct plg_doc *d)
{
    if (!ix->have_params) {
        ix->k = d->k;
        ix->w = d->w;
        ix->have_params = true;
        return 0;
    }
    return d->k == ix->k && d->w == ix->w ? 0 : GV_EINVAL;
}

/* A base of every group is filed under this group. */
#define ALL_GROUPS UINT32_MAX

int plg_index_add_group_base(struct plg_index *ix, uint32_t group, const struct plg_doc *base)
{
    struct plg__gbase *v;

    if (check_params(ix, base) < 0)
        return GV_EINVAL;
    if (!base->nfp)
        return 0;
    v = gv_realloc(ix->gbase, (ix->ngbase + base->nfp) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    ix->gbase = v;
    for (size_t i = 0; i < base->nfp; i++) {
        ix->gbase[ix->ngbase].group = group;
        ix->gbase[ix->ngbase++].hash = base->fp[i].hash;
    }
    ix->base_sorted = false;
    return 0;
}

int plg_index_add_base(struct plg_index *ix, const struct plg_doc *base)
{
    return plg_index_add_group_base(ix, ALL_GROUPS, base);
}

int plg_index_add(struct plg_index *ix, uint32_t group, const struct plg_doc *d)
{
    if (check_params(ix, d) < 0 || ix->ndocs >= UINT32_MAX - 1)
        return GV_EINVAL;
    if (ix->ndocs == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        struct plg__docx *v = gv_realloc(ix->docs, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        ix->docs = v;
        ix->cap = cap;
    }
    memset(&ix->docs[ix->ndocs], 0, sizeof(ix->docs[0]));
    ix->docs[ix->ndocs].doc = d;
    ix->docs[ix->ndocs].group = group;
    ix->ndocs++;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

double plg_similarity(uint32_t cov_left, uint32_t total_left, uint32_t cov_right,
                      uint32_t total_right)
{
    double l, r;

    if (!total_left || !total_right)
        return 0;
    l = (double)cov_left / total_left;
    r = (double)cov_right / total_right;
    return l > r ? l : r;
}

bool plg__has_hash(const uint64_t *v, size_t n, uint64_t h)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid] == h)
            return true;
        if (v[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int cmp_gbase(const void *a, const void *b)
{
    const struct plg__gbase *x = a, *y = b;

    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

static bool is_base(const struct plg_index *ix, uint32_t group, uint64_t h)
{
    struct plg__gbase mine = {group, h}, all = {ALL_GROUPS, h};

    return ix->ngbase && (bsearch(&mine, ix->gbase, ix->ngbase, sizeof(mine), cmp_gbase) ||
                          bsearch(&all, ix->gbase, ix->ngbase, sizeof(all), cmp_gbase));
}

static int cmp_ent(const void *a, const void *b)
{
    const struct plg__ent *x = a, *y = b;

    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->fpi > y->fpi) - (x->fpi < y->fpi);
}

/* The document's fingerprints minus the base's, sorted by hash. */
static int prepare_doc(struct plg_index *ix, struct plg__docx *x)
{
    const struct plg_doc *d = x->doc;

    gv_free(x->ents);
    x->ents = NULL;
    x->nents = 0;
    if (d->nfp) {
        x->ents = gv_malloc(d->nfp * sizeof(*x->ents));
        if (!x->ents)
            return -ENOMEM;
    }
    for (size_t i = 0; i < d->nfp; i++) {
        if (is_base(ix, x->group, d->fp[i].hash))
            continue;
        x->ents[x->nents].hash = d->fp[i].hash;
        x->ents[x->nents].fpi = (uint32_t)i;
        x->nents++;
    }
    if (x->nents > 1)
        qsort(x->ents, x->nents, sizeof(*x->ents), cmp_ent);
    x->total = (uint32_t)x->nents;
    return 0;
}

struct posting {
    uint64_t hash;
    uint32_t doc; /* index in the group */
    uint32_t mult;
};

static int cmp_posting(const void *a, const void *b)
{
    const struct posting *x = a, *y = b;

    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Scratch for one group, all of it freed by group_release. */
struct group {
    const uint32_t *ids; /* global document ids */
    size_t n;
    struct posting *post;
    size_t npost;
    uint32_t *run_end; /* per posting: one past the last posting of its hash */
    uint32_t *by_doc;  /* postings' positions grouped by document */
    uint32_t *doc_start;
    uint32_t *acc_left, *acc_right, *touched;
    uint64_t *common; /* the cut hashes, sorted */
    size_t ncommon;
};

static void group_release(struct group *g)
{
    gv_free(g->post);
    gv_free(g->run_end);
    gv_free(g->by_doc);
    gv_free(g->doc_start);
    gv_free(g->acc_left);
    gv_free(g->acc_right);
    gv_free(g->touched);
    gv_free(g->common);
}

/* Drops the cut hashes from the group's documents, so that the details
 * never look them up: they are in no total and no match. */
static void drop_common(struct plg_index *ix, const struct group *g)
{
    for (size_t a = 0; a < g->n && g->ncommon; a++) {
        struct plg__docx *x = &ix->docs[g->ids[a]];
        size_t out = 0;

        for (size_t i = 0; i < x->nents; i++)
            if (!plg__has_hash(g->common, g->ncommon, x->ents[i].hash))
                x->ents[out++] = x->ents[i];
        x->nents = out;
    }
}

/* Builds the postings and cuts the common hashes (into g->common). */
static int group_index(struct plg_index *ix, struct group *g)
{
    size_t cap = 0, capcommon = 0;
    double cut = ix->o.common_fraction * (double)g->n;
    bool cutting = ix->o.common_fraction < 1.0 && g->n >= ix->o.common_min_docs;

    for (size_t a = 0; a < g->n; a++)
        cap += ix->docs[g->ids[a]].nents;
    g->post = gv_malloc((cap ? cap : 1) * sizeof(*g->post));
    g->run_end = gv_malloc((cap ? cap : 1) * sizeof(*g->run_end));
    if (!g->post || !g->run_end)
        return -ENOMEM;
    for (size_t a = 0; a < g->n; a++) {
        const struct plg__docx *x = &ix->docs[g->ids[a]];

        for (size_t i = 0; i < x->nents;) {
            size_t j = i + 1;

            while (j < x->nents && x->ents[j].hash == x->ents[i].hash)
                j++;
            g->post[g->npost].hash = x->ents[i].hash;
            g->post[g->npost].doc = (uint32_t)a;
            g->post[g->npost].mult = (uint32_t)(j - i);
            g->npost++;
            i = j;
        }
    }
    qsort(g->post, g->npost, sizeof(*g->post), cmp_posting);
    for (size_t s = 0; s < g->npost;) {
        size_t e = s + 1;

        while (e < g->npost && g->post[e].hash == g->post[s].hash)
            e++;
        if (cutting && (double)(e - s) > cut) {
            /* Boilerplate: out of the totals, and never a match. */
            for (size_t p = s; p < e; p++) {
                ix->docs[g->ids[g->post[p].doc]].total -= g->post[p].mult;
                g->post[p].mult = 0;
            }
            if (g->ncommon == capcommon) {
                size_t c = capcommon ? capcommon * 2 : 64;
                uint64_t *v = gv_realloc(g->common, c * sizeof(*v));

                if (!v)
                    return -ENOMEM;
                g->common = v;
                capcommon = c;
            }
            g->common[g->ncommon++] = g->post[s].hash; /* sorted: the postings are */
        }
        for (size_t p = s; p < e; p++)
            g->run_end[p] = (uint32_t)e;
        s = e;
    }
    drop_common(ix, g);
    return 0;
}

static int cands_add(struct plg__cands *c, const struct plg_index *ix, double sim, uint32_t a,
                     uint32_t b, uint32_t cov_a, uint32_t cov_b)
{
    if (sim < ix->o.cluster_similarity && plg__sim_bucket(sim) < c->floor) {
        c->dropped++;
        return 0;
    }
    if (c->n == c->limit) {
        int err = plg__cands_prune(c, ix->o.max_pairs ? ix->o.max_pairs : SIZE_MAX,
                                   ix->o.cluster_similarity);

        if (err < 0)
            return err;
        if (c->n > c->limit / 2) /* mostly cluster pairs: let it grow */
            c->limit = c->limit > SIZE_MAX / 2 ? SIZE_MAX : c->limit * 2;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct plg__cand *v = gv_realloc(c->v, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].sim = sim;
    c->v[c->n].left = a;
    c->v[c->n].right = b;
    c->v[c->n].cov_left = cov_a;
    c->v[c->n].cov_right = cov_b;
    c->n++;
    return 0;
}

/* The accumulator pass; appends the pairs that reach the minimum. */
static int group_pairs(struct plg_index *ix, struct group *g, struct plg__cands *c)
{
    g->by_doc = gv_malloc((g->npost ? g->npost : 1) * sizeof(*g->by_doc));
    g->doc_start = gv_calloc(g->n + 1, sizeof(*g->doc_start));
    g->acc_left = gv_calloc(g->n, sizeof(*g->acc_left));
    g->acc_right = gv_calloc(g->n, sizeof(*g->acc_right));
    g->touched = gv_malloc(g->n * sizeof(*g->touched));
    if (!g->by_doc || !g->doc_start || !g->acc_left || !g->acc_right || !g->touched)
        return -ENOMEM;
    /* Counting sort of the postings by document. */
    for (size_t p = 0; p < g->npost; p++)
        g->doc_start[g->post[p].doc + 1]++;
    for (size_t a = 0; a < g->n; a++)
        g->doc_start[a + 1] += g->doc_start[a];
    {
        uint32_t *fill = g->touched; /* borrowed as the per-document cursor */

        memcpy(fill, g->doc_start, g->n * sizeof(*fill));
        for (size_t p = 0; p < g->npost; p++)
            g->by_doc[fill[g->post[p].doc]++] = (uint32_t)p;
    }
    for (size_t a = 0; a < g->n; a++) {
        size_t ntouched = 0;
        uint32_t ta = ix->docs[g->ids[a]].total;

        for (uint32_t i = g->doc_start[a]; i < g->doc_start[a + 1]; i++) {
            uint32_t p = g->by_doc[i];
            uint32_t ma = g->post[p].mult;

            if (!ma)
                continue;
            for (uint32_t q = p + 1; q < g->run_end[p]; q++) {
                uint32_t b = g->post[q].doc;

                if (!g->acc_left[b] && !g->acc_right[b])
                    g->touched[ntouched++] = b;
                g->acc_left[b] += ma;
                g->acc_right[b] += g->post[q].mult;
            }
        }
        for (size_t t = 0; t < ntouched; t++) {
            uint32_t b = g->touched[t];
            uint32_t tb = ix->docs[g->ids[b]].total;
            double sim = plg_similarity(g->acc_left[b], ta, g->acc_right[b], tb);

            if (sim >= ix->o.min_similarity && sim > 0) {
                int err = cands_add(c, ix, sim, g->ids[a], g->ids[b], g->acc_left[b],
                                    g->acc_right[b]);

                if (err < 0)
                    return err;
            }
            g->acc_left[b] = g->acc_right[b] = 0;
        }
    }
    return 0;
}

int plg_index_compare(struct plg_report *out, struct plg_index *ix)
{
    struct plg_report r = {0};
    struct plg__cands c = {0};
    uint64_t *keys = NULL;
    uint32_t *ids = NULL;
    int err = 0;

    /* Pruned at four times the report, and not below 4096 pairs (96 KB):
     * each pruning counts into a 256 KB histogram. */
    c.limit = !ix->o.max_pairs                 ? SIZE_MAX
              : ix->o.max_pairs < 1024         ? 4096
              : ix->o.max_pairs > SIZE_MAX / 4 ? SIZE_MAX
                                               : 4 * ix->o.max_pairs;

    if (!ix->base_sorted && ix->ngbase > 1) {
        qsort(ix->gbase, ix->ngbase, sizeof(*ix->gbase), cmp_gbase);
        ix->base_sorted = true;
    }
    for (size_t i = 0; i < ix->ndocs; i++) {
        err = prepare_doc(ix, &ix->docs[i]);
        if (err < 0)
            goto out;
    }
    /* Documents by (group, id): the group in the high half of a key. */
    keys = gv_malloc((ix->ndocs ? ix->ndocs : 1) * sizeof(*keys));
    ids = gv_malloc((ix->ndocs ? ix->ndocs : 1) * sizeof(*ids));
    if (!keys || !ids) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < ix->ndocs; i++)
        keys[i] = (uint64_t)ix->docs[i].group << 32 | i;
    if (ix->ndocs > 1)
        qsort(keys, ix->ndocs, sizeof(*keys), cmp_u64);
    for (size_t i = 0; i < ix->ndocs; i++)
        ids[i] = (uint32_t)keys[i];
    for (size_t s = 0; s < ix->ndocs;) {
        struct group g = {0};
        size_t e = s + 1;

        while (e < ix->ndocs && ix->docs[ids[e]].group == ix->docs[ids[s]].group)
            e++;
        g.ids = ids + s;
        g.n = e - s;
        if (g.n >= 2) {
            err = group_index(ix, &g);
            if (err == 0)
                err = group_pairs(ix, &g, &c);
        }
        group_release(&g);
        if (err < 0)
            goto out;
        s = e;
    }
    err = plg__report_build(&r, ix, &c);
out:
    gv_free(keys);
    gv_free(ids);
    gv_free(c.v);
    if (err < 0)
        plg_report_release(&r);
    else
        *out = r;
    return err;
}
