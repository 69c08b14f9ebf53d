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
    uint64_t *common; /* the current group's cut hashes, sorted */
    size_t ncommon, capcommon;
};

/* A pair found by the accumulator, before its details. */
struct plg__cand {
    uint32_t left, right;
    uint32_t cov_left, cov_right;
};

struct plg__cands {
    struct plg__cand *v;
    size_t n, cap;
};

int plg__cands_push(struct plg__cands *c, uint32_t a, uint32_t b, uint32_t cov_a, uint32_t cov_b);
bool plg__has_hash(const uint64_t *v, size_t n, uint64_t h);

/* Appends the detailed pairs of `c` (one group, whose common hashes are in
 * ix->common) to r->pairs. */
int plg__pairs_detail(struct plg_report *r, struct plg_index *ix, const struct plg__cand *c,
                      size_t n);

/* Sorts the pairs and builds the clusters. */
int plg__report_finish(struct plg_report *r, const struct plg_index *ix);

#endif
