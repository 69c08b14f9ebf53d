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

struct plg_index {
    struct plg_opts o;
    uint32_t k, w;
    bool have_params;
    uint64_t *base; /* the base code's hashes; sorted once base_sorted */
    size_t nbase;
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

struct plg__cands {
    struct plg__cand *v;
    size_t n, cap;
};

bool plg__has_hash(const uint64_t *v, size_t n, uint64_t h);

/* From every pair found (`c`, reordered in place): the clusters, the pairs
 * to report (the strongest o.max_pairs and each cluster's listed ones) and
 * their details. Needs each document's ents without its group's common
 * hashes. */
int plg__report_build(struct plg_report *r, const struct plg_index *ix, struct plg__cand *c,
                      size_t n);

#endif
