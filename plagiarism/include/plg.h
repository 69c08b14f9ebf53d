/* SPDX-License-Identifier: MIT
 * plg.h - source-code similarity: tokens, winnowing fingerprints, a compact
 * stored form, and all-pairs comparison through an inverted index.
 *
 * The pipeline, each step usable on its own:
 *
 *     struct plg_tokens t;          // plg_tokenize: source -> normalized tokens
 *     struct plg_doc d;             // plg_doc_build: tokens -> fingerprints
 *     char *blob; size_t n;         // plg_doc_encode / plg_doc_decode: stored form
 *     struct plg_index *ix;         // plg_index_add per document, then
 *     struct plg_report r;          // plg_index_compare: pairs and clusters
 *
 * Pure logic: no files, no database. docs/PLAGIARISM.md has the design and
 * the measurements behind the defaults. */
#ifndef PLG_H
#define PLG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Tokens --------------------------------------------------------------- */

enum plg_lang { PLG_LANG_C, PLG_LANG_CPP, PLG_LANG_PYTHON, PLG_LANG_JAVA };

/* "c", "cpp", "python", "java" (the ids of gv_lang.h): 0, or GV_EINVAL. */
int plg_lang_parse(enum plg_lang *out, const char *id);
const char *plg_lang_id(enum plg_lang lang);

/* Token kinds. Identifiers and literals collapse to one class each, so that
 * renaming and changed constants do not hide a copy; keywords, operators and
 * punctuation each keep a kind of their own (plg_kind_of), which has the top
 * bit set and so never equals a class. */
#define PLG_TOK_IDENT 1u
#define PLG_TOK_NUMBER 2u
#define PLG_TOK_STRING 3u
#define PLG_TOK_CHAR 4u
#define PLG_TOK_NEWLINE 5u /* Python only: the end of a logical line, C's ';' */

struct plg_token {
    uint32_t kind;
    uint32_t line; /* 1-based line of the token's first byte */
};

/* A growable token array. Lifecycle: plg_tokens_init (no allocation),
 * plg_tokenize (appends), plg_tokens_release. */
struct plg_tokens {
    struct plg_token *v;
    size_t len;
    size_t cap;
};

void plg_tokens_init(struct plg_tokens *t);
void plg_tokens_release(struct plg_tokens *t);

/* Appends the tokens of `src` (any bytes: NUL, invalid UTF-8, CRLF, an
 * unterminated comment or string are all accepted) to `out`. Comments,
 * whitespace and C/C++ preprocessor lines are dropped. Linear in `len`.
 * 0, or -ENOMEM (with `out` holding what was appended so far). */
int plg_tokenize(struct plg_tokens *out, enum plg_lang lang, const char *src, size_t len);

/* The kind a keyword, operator or punctuator spelled `text` gets. */
uint32_t plg_kind_of(const char *text, size_t len);

/* ---- Fingerprints ------------------------------------------------------------ */

/* Defaults chosen by measurement (docs/PLAGIARISM.md): k tokens per k-gram,
 * a window of w k-grams. Any run of w + k - 1 tokens shared by two documents
 * yields at least one shared fingerprint. */
#define PLG_K_DEFAULT 8u
#define PLG_W_DEFAULT 8u
#define PLG_K_MAX 64u
#define PLG_W_MAX 256u

struct plg_fp {
    uint64_t hash; /* of the k-gram's token kinds */
    uint32_t pos;  /* the k-gram's first token: it spans tokens [pos, pos + k) */
};

/* One document's fingerprints and what is needed to show them: the line of
 * every token. fp[] is in increasing pos order. */
struct plg_doc {
    uint32_t k;
    uint32_t w;
    uint32_t ntokens;
    uint32_t *lines; /* ntokens entries, non-decreasing */
    size_t nfp;
    struct plg_fp *fp;
};

void plg_doc_init(struct plg_doc *d);
void plg_doc_release(struct plg_doc *d);

/* Robust winnowing (Schleimer, Wilkerson and Aiken 2003, section 4.1) of
 * `t`'s k-grams with windows of `w`. A document of fewer than w k-grams
 * keeps its smallest one; one of fewer than k tokens has no fingerprint.
 * 0, GV_EINVAL (k or w out of range, more than UINT32_MAX tokens), -ENOMEM. */
int plg_doc_build(struct plg_doc *out, const struct plg_tokens *t, uint32_t k, uint32_t w);

/* plg_tokenize then plg_doc_build. */
int plg_doc_from_source(struct plg_doc *out, enum plg_lang lang, const char *src, size_t len,
                        uint32_t k, uint32_t w);

/* The line range [*from, *to] of tokens [pos, pos + ntok) of `d`. */
void plg_doc_lines(uint32_t *from, uint32_t *to, const struct plg_doc *d, uint32_t pos,
                   uint32_t ntok);

/* ---- Stored form -------------------------------------------------------------- */

/* The stored form's version: plg_doc_decode reads this one only, so a
 * store keeps it beside each blob and recomputes the others. It also
 * versions what the fingerprints mean: 2 normalizes declarations
 * (plg_tokenize), so version 1's do not compare with them. */
#define PLG_BLOB_VERSION 2u

/* Refused by plg_doc_decode: what no real source produces. */
#define PLG_BLOB_RAW_MAX (64u * 1024 * 1024)

/* A zstd frame of: magic, version, k, w, the token count, the line map
 * (varint deltas) and the fingerprints (varint position deltas, 64-bit
 * hashes). `*out` is gv_malloc'd, the caller's. 0, -ENOMEM, GV_EINTERNAL. */
int plg_doc_encode(char **out, size_t *out_len, const struct plg_doc *d);

/* The inverse; every field is checked, so any bytes may be passed in.
 * 0, GV_EPARSE (not a blob of this version, or inconsistent), -ENOMEM. */
int plg_doc_decode(struct plg_doc *out, const void *blob, size_t len);

/* ---- Comparison ------------------------------------------------------------------ */

struct plg_opts {
    /* Pairs below this similarity are not reported (they still cost little:
     * only pairs that share fingerprints are ever looked at). */
    double min_similarity;
    /* A fingerprint present in more than this fraction of a group's
     * documents is ignored, as boilerplate nobody needs to copy; 1 = off.
     * Only applied in groups of at least common_min_docs documents, where
     * a fraction means something. */
    double common_fraction;
    uint32_t common_min_docs;
    /* Pairs at or above this similarity join their documents' cluster. */
    double cluster_similarity;
    /* At most this many pairs listed per cluster, strongest first. */
    uint32_t cluster_top_pairs;
    /* Only the strongest this many pairs are reported, and only they get
     * their details (fragments, regions): every pair is scored, but the
     * details cost 15-20 us a pair and nobody reads half a million of them.
     * Each cluster's listed pairs are reported too, past this count.
     * 0 = every pair from min_similarity. */
    size_t max_pairs;
};

#define PLG_MAX_PAIRS_DEFAULT 10000u

void plg_opts_default(struct plg_opts *o);

struct plg_region {
    uint32_t left_from, left_to; /* lines, inclusive */
    uint32_t right_from, right_to;
};

struct plg_pair {
    uint32_t group;
    uint32_t left, right; /* document ids (the order of plg_index_add), left < right */
    double similarity;     /* plg_similarity of the two sides */
    double left_coverage;  /* covered left / total left */
    double right_coverage; /* covered right / total right */
    uint32_t longest;      /* tokens in the longest shared fragment */
    size_t nregions;
    struct plg_region *regions; /* by left_from */
};

struct plg_cluster {
    uint32_t group;
    size_t nmembers;
    uint32_t *members; /* document ids, increasing */
    double max_similarity;
    size_t npairs;
    size_t *pairs; /* indices into plg_report.pairs, strongest first */
};

struct plg_report {
    size_t npairs_found; /* pairs that reached min_similarity: npairs or more */
    size_t npairs;
    struct plg_pair *pairs; /* by similarity, decreasing */
    size_t nclusters;
    struct plg_cluster *clusters; /* by max_similarity, decreasing */
    size_t npairs_cap, nclusters_cap; /* the module's bookkeeping */
};

void plg_report_release(struct plg_report *r);

/* A pair's similarity from each side's covered fingerprints (those whose
 * hash the other side has) and its total: the larger of the two coverages,
 * 0 when a side has no fingerprint. Why the larger: a copy keeps most of its
 * source and adds to it (dead code, helpers), so the side that was copied is
 * covered whatever the other side adds; the mean of the two let such
 * padding dilute the score (IR-Plag ROC-AUC 0.685 with the mean, 0.699 with
 * the larger; docs/PLAGIARISM.md). SIM ranks by the larger of its two
 * percentages for the same reason. */
double plg_similarity(uint32_t cov_left, uint32_t total_left, uint32_t cov_right,
                      uint32_t total_right);

struct plg_index;

/* 0, -ENOMEM; `*out` is the caller's: plg_index_free. */
int plg_index_new(struct plg_index **out, const struct plg_opts *o);
void plg_index_free(struct plg_index *ix);

/* Template or base code: its fingerprints are ignored in every document,
 * on both sides of every pair and in the totals. The document may be
 * released as soon as this returns. 0, GV_EINVAL (other k or w), -ENOMEM. */
int plg_index_add_base(struct plg_index *ix, const struct plg_doc *base);

/* The same for the documents of `group` alone: a problem's template code
 * (from its package) is no evidence within that problem, and says nothing
 * about another's. */
int plg_index_add_group_base(struct plg_index *ix, uint32_t group, const struct plg_doc *base);

/* Adds a document to `group`; its id is the number of documents added
 * before it. The document is borrowed: it must outlive plg_index_compare.
 * All documents must share one k and w (GV_EINVAL otherwise). */
int plg_index_add(struct plg_index *ix, uint32_t group, const struct plg_doc *d);

/* Every pair of documents of the same group whose similarity reaches
 * opts.min_similarity is scored and counted (npairs_found); the strongest
 * opts.max_pairs of them, and each cluster's listed pairs, are reported
 * with their details. The clusters' members come from every pair found.
 * 0, -ENOMEM. */
int plg_index_compare(struct plg_report *out, struct plg_index *ix);

#endif
