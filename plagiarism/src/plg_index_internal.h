/* SPDX-License-Identifier: MIT
 * plg_index_internal.h - the index's state, shared by the pair search
 * (plg_index.c) and the pairs' details and clusters (plg_pair.c). */
#ifndef PLG_INDEX_INTERNAL_H
#define PLG_INDEX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plg.h"

/* One fingerprint of a document, in the document's hash order. */
struct plg__ent {
    uint64_t hash;
    uint32_t fpi; /* index in doc->fp */
};

struct plg__docx {
    const struct plg_doc *doc; /* borrowed */
    uint32_t group;
    struct plg__ent *ents; /* the fingerprints minus the base's, by hash */
    size_t nents;
    uint32_t total; /* nents minus the group's common hashes */
};

struct plg__gbase {
    uint32_t group;
    uint64_t hash;
};

struct plg_index {
    struct plg_opts o;
    uint32_t k, w;
    bool have_params;
    /* Base code's hashes by (group, hash), sorted once base_sorted; a
     * base of every group (plg_index_add_base) has group UINT32_MAX. */
    struct plg__gbase *gbase;
    size_t ngbase;
    bool base_sorted;
    struct plg__docx *docs;
    size_t ndocs, cap;
};

/* A pair found by the accumulator, before its details: 24 bytes, so half a
 * million pairs found cost 12 MB, not a plg_pair and its regions each. */
struct plg__cand {
    double sim;
    uint32_t left, right; /* document ids, left < right */
    uint32_t cov_left, cov_right;
};

/* The pairs found so far that may still be reported. Past `limit` of them,
 * plg__cands_prune keeps the strongest o.max_pairs (and every pair that
 * joins a cluster) and raises `floor`: a later pair in a lower similarity
 * bucket is beaten by max_pairs others, so it is only counted. Memory then
 * follows the report's size, not the number of pairs found. */
struct plg__cands {
    struct plg__cand *v;
    size_t n, cap;
    size_t limit;
    size_t dropped; /* found but never to be reported: counted only */
    uint32_t floor; /* a plg__sim_bucket */
};

/* Similarities into 65536 ordered buckets: a < b when bucket(a) < bucket(b). */
uint32_t plg__sim_bucket(double sim);

/* Moves to the front of c->v, and keeps, the pairs that can be reported:
 * the strongest `max` and all from `csim` on, with, at most, others of
 * their bucket; raises c->floor. Linear (a histogram). 0, -ENOMEM. */
int plg__cands_prune(struct plg__cands *c, size_t max, double csim);

bool plg__has_hash(const uint64_t *v, size_t n, uint64_t h);

/* From the pairs found (`c`, pruned and reordered in place): the clusters, the pairs
 * to report (the strongest o.max_pairs and each cluster's listed ones) and
 * their details. Needs each document's ents without its group's common
 * hashes. */
int plg__report_build(struct plg_report *r, const struct plg_index *ix, struct plg__cands *c);

#endif
