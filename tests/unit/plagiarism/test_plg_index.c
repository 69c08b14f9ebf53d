/* SPDX-License-Identifier: MIT
 * test_plg_index.c - the pairs the index finds and what it says of them:
 * metrics against a brute-force reference, regions and the longest
 * fragment on hand-made documents, base code and common code left out,
 * groups kept apart, clusters. */
#include "../test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "plg.h"

#define K 5
#define W 4

static uint32_t rng = 88172645u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* A document from kinds; token i is on line i + 1, so lines name tokens. */
static void doc_of(struct plg_doc *d, const uint32_t *kinds, size_t n)
{
    struct plg_tokens t;

    plg_tokens_init(&t);
    t.v = gv_malloc(n * sizeof(*t.v));
    assert_non_null(t.v);
    t.len = t.cap = n;
    for (size_t i = 0; i < n; i++) {
        t.v[i].kind = kinds[i];
        t.v[i].line = (uint32_t)i + 1;
    }
    assert_int_equal(plg_doc_build(d, &t, K, W), 0);
    plg_tokens_release(&t);
}

static void fill_random(uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = 100 + next() % 1000;
}

static struct plg_opts opts(double min)
{
    struct plg_opts o;

    plg_opts_default(&o);
    o.min_similarity = min;
    return o;
}

static const struct plg_pair *find_pair(const struct plg_report *r, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < r->npairs; i++)
        if (r->pairs[i].left == a && r->pairs[i].right == b)
            return &r->pairs[i];
    return NULL;
}

static void identical_documents(void **state)
{
    uint32_t v[200];
    struct plg_doc a, b;
    struct plg_opts o = opts(0.1);
    struct plg_index *ix;
    struct plg_report r;

    fill_random(v, 200);
    doc_of(&a, v, 200);
    doc_of(&b, v, 200);
    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_add(ix, 0, &a), 0);
    assert_int_equal(plg_index_add(ix, 0, &b), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    assert_int_equal(r.npairs, 1);
    assert_true(r.pairs[0].similarity == 1.0);
    assert_true(r.pairs[0].left_coverage == 1.0 && r.pairs[0].right_coverage == 1.0);
    /* From the first fingerprint to the end of the last k-gram. */
    assert_int_equal(r.pairs[0].longest,
                     a.fp[a.nfp - 1].pos + K - a.fp[0].pos);
    assert_int_equal(r.pairs[0].nregions, 1);
    assert_int_equal(r.pairs[0].regions[0].left_from, a.fp[0].pos + 1);
    assert_int_equal(r.pairs[0].regions[0].right_to, a.fp[a.nfp - 1].pos + K);
    assert_int_equal(r.nclusters, 1);
    assert_int_equal(r.clusters[0].nmembers, 2);
    plg_report_release(&r);
    plg_index_free(ix);
    plg_doc_release(&a);
    plg_doc_release(&b);
}

/* Left: X Y; right: Z X, with X of 120 tokens. The region is X on both
 * sides, shifted, and the longest fragment is about X's length. */
static void shared_block_moved(void **state)
{
    uint32_t x[120], y[100], z[80], l[220], rt[200];
    struct plg_doc a, b;
    struct plg_opts o = opts(0.05);
    struct plg_index *ix;
    struct plg_report r;
    const struct plg_pair *p;

    fill_random(x, 120);
    fill_random(y, 100);
    fill_random(z, 80);
    memcpy(l, x, sizeof(x));
    memcpy(l + 120, y, sizeof(y));
    memcpy(rt, z, sizeof(z));
    memcpy(rt + 80, x, sizeof(x));
    doc_of(&a, l, 220);
    doc_of(&b, rt, 200);
    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_add(ix, 7, &a), 0);
    assert_int_equal(plg_index_add(ix, 7, &b), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    p = find_pair(&r, 0, 1);
    assert_non_null(p);
    assert_int_equal(p->group, 7);
    assert_true(p->similarity > 0.45 && p->similarity < 0.8);
    assert_true(p->left_coverage > 0.4 && p->left_coverage < 0.7);
    assert_true(p->right_coverage > 0.45 && p->right_coverage < 0.8);
    assert_true(p->longest >= 120 - 2 * (W + K) && p->longest <= 120);
    assert_int_equal(p->nregions, 1);
    assert_true(p->regions[0].left_from <= 1 + W && p->regions[0].left_to <= 120);
    assert_true(p->regions[0].left_to >= 120 - W);
    assert_true(p->regions[0].right_from >= 81 && p->regions[0].right_from <= 81 + W);
    assert_true(p->regions[0].right_to >= 200 - W);
    assert_true(p->similarity == fmax(p->left_coverage, p->right_coverage));
    plg_report_release(&r);
    plg_index_free(ix);
    plg_doc_release(&a);
    plg_doc_release(&b);
}

/* Brute force: covered = fingerprints whose hash the other side has. */
static uint32_t covered(const struct plg_doc *a, const struct plg_doc *b)
{
    uint32_t n = 0;

    for (size_t i = 0; i < a->nfp; i++)
        for (size_t j = 0; j < b->nfp; j++)
            if (a->fp[i].hash == b->fp[j].hash) {
                n++;
                break;
            }
    return n;
}

static void metrics_match_brute_force(void **state)
{
    enum { N = 30, LEN = 150 };
    uint32_t pool[4][60], v[LEN];
    struct plg_doc d[N];
    struct plg_opts o = opts(0.0);
    struct plg_index *ix;
    struct plg_report r;
    size_t expected = 0;

    for (int p = 0; p < 4; p++)
        fill_random(pool[p], 60);
    assert_int_equal(plg_index_new(&ix, &o), 0);
    for (int i = 0; i < N; i++) {
        fill_random(v, LEN);
        /* Some documents carry one or two of four shared blocks. */
        if (i % 3)
            memcpy(v + next() % 80, pool[i % 4], sizeof(pool[0]));
        if (i % 5 == 0)
            memcpy(v + 5, pool[(i + 1) % 4], 30 * sizeof(uint32_t));
        doc_of(&d[i], v, LEN);
        assert_int_equal(plg_index_add(ix, 0, &d[i]), 0);
    }
    assert_int_equal(plg_index_compare(&r, ix), 0);
    for (int i = 0; i < N; i++) {
        for (int j = i + 1; j < N; j++) {
            uint32_t cl = covered(&d[i], &d[j]), cr = covered(&d[j], &d[i]);
            const struct plg_pair *p = find_pair(&r, (uint32_t)i, (uint32_t)j);

            if (!cl) {
                assert_null(p);
                continue;
            }
            expected++;
            assert_non_null(p);
            assert_true(fabs(p->similarity - fmax((double)cl / (double)d[i].nfp,
                                                  (double)cr / (double)d[j].nfp)) < 1e-12);
            assert_true(fabs(p->left_coverage - (double)cl / (double)d[i].nfp) < 1e-12);
            assert_true(fabs(p->right_coverage - (double)cr / (double)d[j].nfp) < 1e-12);
        }
    }
    assert_int_equal(r.npairs, expected);
    for (size_t i = 1; i < r.npairs; i++)
        assert_true(r.pairs[i - 1].similarity >= r.pairs[i].similarity);
    plg_report_release(&r);
    plg_index_free(ix);
    for (int i = 0; i < N; i++)
        plg_doc_release(&d[i]);
}

/* A template of 150 tokens and two documents of 250 that hold it (at 0 and
 * at 100) and are otherwise random: alike only through it. */
static void on_template(struct plg_doc *base, struct plg_doc *da, struct plg_doc *db)
{
    uint32_t t[150], a[250], b[250];

    fill_random(t, 150);
    fill_random(a, 250);
    fill_random(b, 250);
    memcpy(a, t, sizeof(t));
    memcpy(b + 100, t, sizeof(t));
    doc_of(base, t, 150);
    doc_of(da, a, 250);
    doc_of(db, b, 250);
}

/* Two solutions on one contest template: alike only through it. With the
 * template as base code, nothing is left to match. */
static void base_code_is_excluded(void **state)
{
    struct plg_doc base, da, db;
    struct plg_opts o = opts(0.01);
    struct plg_index *ix;
    struct plg_report r;

    on_template(&base, &da, &db);

    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_add(ix, 0, &da), 0);
    assert_int_equal(plg_index_add(ix, 0, &db), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    assert_int_equal(r.npairs, 1);
    assert_true(r.pairs[0].similarity > 0.4);
    plg_report_release(&r);
    plg_index_free(ix);

    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_add_base(ix, &base), 0);
    plg_doc_release(&base); /* the index keeps what it needs */
    assert_int_equal(plg_index_add(ix, 0, &da), 0);
    assert_int_equal(plg_index_add(ix, 0, &db), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    assert_true(r.npairs == 0 || r.pairs[0].similarity < 0.05);
    plg_report_release(&r);
    plg_index_free(ix);
    plg_doc_release(&da);
    plg_doc_release(&db);
}

/* A group's base (a problem's template) is left out of that group only: the
 * same shared block still counts in another group. */
static void group_base_is_excluded_in_its_group(void **state)
{
    struct plg_doc base, d[2];
    struct plg_opts o = opts(0.01);
    struct plg_index *ix;
    struct plg_report r;

    /* Groups 7 and 2 hold the same two documents (an index borrows them). */
    on_template(&base, &d[0], &d[1]);

    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_add_group_base(ix, 7, &base), 0);
    plg_doc_release(&base);
    assert_int_equal(plg_index_add(ix, 7, &d[0]), 0);
    assert_int_equal(plg_index_add(ix, 7, &d[1]), 0);
    assert_int_equal(plg_index_add(ix, 2, &d[0]), 0);
    assert_int_equal(plg_index_add(ix, 2, &d[1]), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    for (size_t i = 0; i < r.npairs; i++) {
        if (r.pairs[i].group == 7)
            assert_true(r.pairs[i].similarity < 0.05);
    }
    assert_true(r.npairs >= 1);
    assert_int_equal(r.pairs[0].group, 2);
    assert_true(r.pairs[0].similarity > 0.4);
    plg_report_release(&r);
    plg_index_free(ix);
    plg_doc_release(&d[0]);
    plg_doc_release(&d[1]);
}

/* Twelve files share a library block; two of them also share their own
 * code. With the common cut at half the group, only that pair remains, and
 * the block no longer counts in its similarity. */
static void common_code_is_cut(void **state)
{
    enum { N = 12 };
    uint32_t lib[100], own[100], v[300];
    struct plg_doc d[N];
    struct plg_opts o = opts(0.05);
    struct plg_index *ix;
    struct plg_report r;

    fill_random(lib, 100);
    fill_random(own, 100);
    o.common_fraction = 0.5;
    assert_int_equal(plg_index_new(&ix, &o), 0);
    for (int i = 0; i < N; i++) {
        fill_random(v, 300);
        memcpy(v, lib, sizeof(lib));
        if (i == 3 || i == 8)
            memcpy(v + 200, own, sizeof(own));
        doc_of(&d[i], v, 300);
        assert_int_equal(plg_index_add(ix, 1, &d[i]), 0);
    }
    assert_int_equal(plg_index_compare(&r, ix), 0);
    assert_int_equal(r.npairs, 1);
    assert_int_equal(r.pairs[0].left, 3);
    assert_int_equal(r.pairs[0].right, 8);
    assert_true(r.pairs[0].similarity > 0.4);
    assert_int_equal(r.pairs[0].nregions, 1);
    assert_true(r.pairs[0].regions[0].left_from > 200);
    plg_report_release(&r);
    plg_index_free(ix);
    for (int i = 0; i < N; i++)
        plg_doc_release(&d[i]);
}

static void groups_and_clusters(void **state)
{
    uint32_t x[200], y[200], v[200];
    struct plg_doc d[6];
    struct plg_opts o = opts(0.1);
    struct plg_index *ix;
    struct plg_report r;
    struct plg_doc other;

    fill_random(x, 200);
    fill_random(y, 200);
    assert_int_equal(plg_index_new(&ix, &o), 0);
    /* Group 0: 0 ~ 1 ~ 2 (a chain), 3 alone. Group 1: 4 = 5 = copies of x,
     * which must not pair with group 0's copies of x. */
    for (int i = 0; i < 6; i++) {
        memcpy(v, i == 3 ? y : x, sizeof(v));
        if (i == 1)
            fill_random(v + 150, 50);
        if (i == 2)
            fill_random(v + 100, 100);
        doc_of(&d[i], v, 200);
        assert_int_equal(plg_index_add(ix, i < 4 ? 0 : 1, &d[i]), 0);
    }
    assert_int_equal(plg_index_compare(&r, ix), 0);
    for (size_t i = 0; i < r.npairs; i++) {
        assert_true(r.pairs[i].left != 3 && r.pairs[i].right != 3);
        assert_true((r.pairs[i].left < 4) == (r.pairs[i].right < 4));
    }
    assert_int_equal(r.nclusters, 2);
    /* The copies in group 1 are identical: strongest first. */
    assert_int_equal(r.clusters[0].group, 1);
    assert_int_equal(r.clusters[0].nmembers, 2);
    assert_int_equal(r.clusters[1].nmembers, 3);
    assert_int_equal(r.clusters[1].members[2], 2);
    assert_true(r.clusters[1].npairs >= 2);
    assert_true(r.pairs[r.clusters[1].pairs[0]].similarity >=
                r.pairs[r.clusters[1].pairs[1]].similarity);
    plg_report_release(&r);

    /* Another k or w is refused. */
    {
        struct plg_tokens t;

        plg_tokens_init(&t);
        assert_int_equal(plg_tokenize(&t, PLG_LANG_C, "int a = 1;", 10), 0);
        assert_int_equal(plg_doc_build(&other, &t, K + 1, W), 0);
        assert_int_equal(plg_index_add(ix, 0, &other), GV_EINVAL);
        plg_doc_release(&other);
        plg_tokens_release(&t);
    }
    plg_index_free(ix);
    for (int i = 0; i < 6; i++)
        plg_doc_release(&d[i]);
}

/* plg_similarity by hand: the larger side's coverage. */
static void similarity_is_larger_coverage(void **state)
{
    (void)state;
    /* 3 of 4 on the left, 1 of 10 on the right: 0.75 (the mean of the
     * fingerprints would give 4 / 14). */
    assert_true(plg_similarity(3, 4, 1, 10) == 0.75);
    assert_true(plg_similarity(1, 10, 3, 4) == 0.75);
    /* A copy padded to twice its size: its source is covered whole. */
    assert_true(plg_similarity(50, 50, 50, 100) == 1.0);
    assert_true(plg_similarity(0, 5, 0, 7) == 0.0);
    /* A side without fingerprints (all of it base code): nothing to score. */
    assert_true(plg_similarity(0, 0, 3, 3) == 0.0);
    assert_true(plg_similarity(2, 2, 0, 0) == 0.0);
}

/* The strongest max_pairs pairs, in detail, are exactly the head of the
 * full report; what lies beyond is still counted, and the clusters (their
 * members and their listed pairs) do not depend on the cut. Over 4096
 * pairs, so that the pairs found are pruned while they are found. */
static void max_pairs_is_a_prefix(void **state)
{
    enum { N = 140, LEN = 200 };
    static const size_t cuts[] = {1, 5, 17, 60, 3000};
    uint32_t v[LEN];
    struct plg_doc d[N];
    struct plg_report full, part;
    struct plg_opts o = opts(0.05);

    (void)state;
    for (int i = 0; i < N; i++) {
        /* A 3-letter alphabet: pairs share fingerprints by chance, so
         * similarities spread; every fifth document copies the one before. */
        if (i % 5 != 4)
            for (size_t t = 0; t < LEN; t++)
                v[t] = 100 + next() % 3;
        else
            fill_random(v + LEN - 30, 30);
        doc_of(&d[i], v, LEN);
    }
    for (size_t c = 0; c <= sizeof(cuts) / sizeof(cuts[0]); c++) {
        struct plg_index *ix;
        struct plg_report *r = c ? &part : &full;

        o.max_pairs = c ? cuts[c - 1] : 0;
        o.cluster_top_pairs = 2;
        o.cluster_similarity = 0.8; /* the copies, not the chance likeness */
        assert_int_equal(plg_index_new(&ix, &o), 0);
        for (int i = 0; i < N; i++)
            assert_int_equal(plg_index_add(ix, (uint32_t)(i / 70), &d[i]), 0);
        assert_int_equal(plg_index_compare(r, ix), 0);
        plg_index_free(ix);
        if (!c) {
            assert_int_equal(full.npairs_found, full.npairs);
            assert_true(full.npairs > 4096); /* pruning starts there */
            assert_int_equal(full.nclusters, N / 5); /* each copy with its source */
            continue;
        }
        assert_int_equal(part.npairs_found, full.npairs);
        assert_true(part.npairs >= cuts[c - 1]);
        /* Past the cut, only the clusters' listed pairs (2 each). */
        assert_true(part.npairs <= cuts[c - 1] + 2 * full.nclusters);
        for (size_t i = 0; i < part.npairs; i++) {
            const struct plg_pair *p = &part.pairs[i];
            const struct plg_pair *f = find_pair(&full, p->left, p->right);

            assert_non_null(f);
            if (i < cuts[c - 1])
                assert_ptr_equal(f, &full.pairs[i]);
            assert_true(p->similarity == f->similarity);
            assert_int_equal(p->longest, f->longest);
            assert_int_equal(p->nregions, f->nregions);
            assert_memory_equal(p->regions, f->regions, p->nregions * sizeof(*p->regions));
            if (i)
                assert_true(part.pairs[i - 1].similarity >= p->similarity);
        }
        assert_int_equal(part.nclusters, full.nclusters);
        for (size_t k = 0; k < full.nclusters; k++) {
            const struct plg_cluster *a = &full.clusters[k], *b = &part.clusters[k];

            assert_int_equal(a->nmembers, b->nmembers);
            assert_memory_equal(a->members, b->members, a->nmembers * sizeof(*a->members));
            assert_int_equal(a->npairs, b->npairs);
            for (size_t j = 0; j < a->npairs; j++) {
                assert_int_equal(full.pairs[a->pairs[j]].left, part.pairs[b->pairs[j]].left);
                assert_int_equal(full.pairs[a->pairs[j]].right, part.pairs[b->pairs[j]].right);
            }
        }
        plg_report_release(&part);
    }
    plg_report_release(&full);
    for (int i = 0; i < N; i++)
        plg_doc_release(&d[i]);
}

static void empty_index(void **state)
{
    struct plg_opts o = opts(0.1);
    struct plg_index *ix;
    struct plg_report r;

    assert_int_equal(plg_index_new(&ix, &o), 0);
    assert_int_equal(plg_index_compare(&r, ix), 0);
    assert_int_equal(r.npairs, 0);
    assert_int_equal(r.nclusters, 0);
    plg_report_release(&r);
    plg_index_free(ix);
    plg_index_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_documents),
        cmocka_unit_test(shared_block_moved),
        cmocka_unit_test(metrics_match_brute_force),
        cmocka_unit_test(base_code_is_excluded),
        cmocka_unit_test(common_code_is_cut),
        cmocka_unit_test(groups_and_clusters),
        cmocka_unit_test(similarity_is_larger_coverage),
        cmocka_unit_test(max_pairs_is_a_prefix),
        cmocka_unit_test(empty_index),
        /* Last: the tests share one random sequence, and the ones above
         * were tuned on theirs. */
        cmocka_unit_test(group_base_is_excluded_in_its_group),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
