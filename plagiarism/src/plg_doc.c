/* SPDX-License-Identifier: MIT
 * plg_doc.c - winnowing fingerprints of a token stream, and their stored
 * form.
 *
 * Theory of operation. Every k consecutive tokens (a k-gram) get a 64-bit
 * hash, rolled in O(1) per position. Of every window of w consecutive
 * k-gram hashes, the smallest is kept (Schleimer, Wilkerson and Aiken 2003):
 * two documents sharing w + k - 1 consecutive tokens share a whole window,
 * hence its minimum, so a copy of that length cannot go unseen, while only
 * about 2/(w + 1) of the k-grams are stored. "Robust" winnowing keeps the
 * previous choice while it stays in the window and is not beaten by a
 * strictly smaller hash, which avoids recording runs of equal hashes (a long
 * block of identical statements) once per position; when the choice leaves
 * the window the rightmost minimum is taken.
 *
 * The stored form is columnar (all line deltas, then all positions, then all
 * hashes) because zstd then sees long runs of small, alike numbers: the line
 * map of a 200-line file costs a few hundred bytes. */
#include "plg.h"

#include <errno.h>
#include <string.h>

#include <zstd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define BLOB_MAGIC "PLG\x02" /* the last byte is PLG_BLOB_VERSION: change both together */
#define BLOB_ZSTD_LEVEL 3

void plg_doc_init(struct plg_doc *d)
{
    memset(d, 0, sizeof(*d));
}

void plg_doc_release(struct plg_doc *d)
{
    gv_free(d->lines);
    gv_free(d->fp);
    plg_doc_init(d);
}

/* splitmix64's finalizer: token kinds are small, alike numbers, and the
 * window minimum is only a fair sample when the hashes look random. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

#define ROLL_BASE 0x100000001b3ull /* odd, so multiplication by it is invertible mod 2^64 */

static int push_fp(struct plg_doc *d, size_t *cap, uint64_t hash, uint32_t pos)
{
    if (d->nfp == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct plg_fp *v = gv_realloc(d->fp, ncap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        d->fp = v;
        *cap = ncap;
    }
    d->fp[d->nfp].hash = hash;
    d->fp[d->nfp].pos = pos;
    d->nfp++;
    return 0;
}

/* Robust winnowing of h[0..nk) (see the theory above). */
static int winnow(struct plg_doc *d, const uint64_t *h, size_t nk, size_t w)
{
    size_t cap = 0, win = nk < w ? nk : w, m = 0;
    int err;

    for (size_t j = 1; j < win; j++)
        if (h[j] <= h[m])
            m = j;
    err = push_fp(d, &cap, h[m], (uint32_t)m);
    for (size_t r = win; r < nk && err == 0; r++) {
        size_t left = r - win + 1;

        if (m < left) {
            m = r;
            for (size_t j = r; j-- > left;)
                if (h[j] < h[m])
                    m = j;
            err = push_fp(d, &cap, h[m], (uint32_t)m);
        } else if (h[r] < h[m]) {
            m = r;
            err = push_fp(d, &cap, h[m], (uint32_t)m);
        }
    }
    return err;
}

int plg_doc_build(struct plg_doc *out, const struct plg_tokens *t, uint32_t k, uint32_t w)
{
    struct plg_doc d;
    uint64_t *h = NULL, x, hk = 0, top = 1;
    size_t nk;
    int err = 0;

    if (k < 1 || k > PLG_K_MAX || w < 1 || w > PLG_W_MAX || t->len >= UINT32_MAX)
        return GV_EINVAL;
    plg_doc_init(&d);
    d.k = k;
    d.w = w;
    d.ntokens = (uint32_t)t->len;
    if (t->len) {
        d.lines = gv_malloc(t->len * sizeof(*d.lines));
        if (!d.lines) {
            err = -ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < t->len; i++)
            d.lines[i] = t->v[i].line;
    }
    if (t->len < k)
        goto out;
    nk = t->len - k + 1;
    h = gv_malloc(nk * sizeof(*h));
    if (!h) {
        err = -ENOMEM;
        goto out;
    }
    for (uint32_t j = 1; j < k; j++)
        top *= ROLL_BASE; /* ROLL_BASE^(k-1): the weight of the token that leaves */
    for (size_t i = 0; i < t->len; i++) {
        x = mix64(t->v[i].kind);
        if (i >= k)
            hk -= mix64(t->v[i - k].kind) * top;
        hk = hk * ROLL_BASE + x;
        if (i + 1 >= k)
            h[i + 1 - k] = mix64(hk);
    }
    err = winnow(&d, h, nk, w);
out:
    gv_free(h);
    if (err < 0)
        plg_doc_release(&d);
    else
        *out = d;
    return err;
}

int plg_doc_from_source(struct plg_doc *out, enum plg_lang lang, const char *src, size_t len,
                        uint32_t k, uint32_t w)
{
    struct plg_tokens t;
    int err;

    plg_tokens_init(&t);
    err = plg_tokenize(&t, lang, src, len);
    if (err == 0)
        err = plg_doc_build(out, &t, k, w);
    plg_tokens_release(&t);
    return err;
}

void plg_doc_lines(uint32_t *from, uint32_t *to, const struct plg_doc *d, uint32_t pos,
                   uint32_t ntok)
{
    uint64_t end = (uint64_t)pos + (ntok ? ntok : 1);

    if (!d->ntokens) {
        *from = *to = 0;
        return;
    }
    if (pos >= d->ntokens)
        pos = d->ntokens - 1;
    if (end > d->ntokens)
        end = d->ntokens;
    *from = d->lines[pos];
    *to = d->lines[end - 1];
}

/* ---- Stored form ------------------------------------------------------------------ */

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

struct reader {
    const unsigned char *p;
    size_t len;
    size_t off;
};

static int get_varint(uint64_t *out, struct reader *r)
{
    uint64_t v = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        unsigned char b;

        if (r->off >= r->len)
            return GV_EPARSE;
        b = r->p[r->off++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return GV_EPARSE;
}

/* ZSTD_compress makes and frees a context per call: for a blob of a few
 * KB that was two thirds of the encoding's time (~50 of 80 us, measured by
 * bench/plag/fp_cost.c). One context per thread, kept for the thread's life
 * (gavel-judge encodes on one thread; a context is ~1 MB at level 3 for
 * inputs this small, reused, never shared). */
static _Thread_local ZSTD_CCtx *enc_cctx;

int plg_doc_encode(char **out, size_t *out_len, const struct plg_doc *d)
{
    /* Worst case: 10 bytes per varint, 8 per hash. */
    size_t bound = 4 + 10 * 4 + 10 * (size_t)d->ntokens + 18 * d->nfp, n = 0, zbound, zlen;
    unsigned char *raw = gv_malloc(bound);
    char *z = NULL;
    int err = 0;

    if (!raw)
        return -ENOMEM;
    memcpy(raw, BLOB_MAGIC, 4);
    n = 4;
    n += put_varint(raw + n, d->k);
    n += put_varint(raw + n, d->w);
    n += put_varint(raw + n, d->ntokens);
    for (uint32_t i = 0; i < d->ntokens; i++)
        n += put_varint(raw + n, d->lines[i] - (i ? d->lines[i - 1] : 0));
    n += put_varint(raw + n, d->nfp);
    for (size_t i = 0; i < d->nfp; i++)
        n += put_varint(raw + n, d->fp[i].pos - (i ? d->fp[i - 1].pos : 0));
    for (size_t i = 0; i < d->nfp; i++)
        for (int b = 0; b < 8; b++)
            raw[n++] = (unsigned char)(d->fp[i].hash >> (8 * b));
    zbound = ZSTD_compressBound(n);
    z = gv_malloc(zbound);
    if (!z) {
        err = -ENOMEM;
        goto out;
    }
    if (!enc_cctx)
        enc_cctx = ZSTD_createCCtx();
    zlen = enc_cctx ? ZSTD_compressCCtx(enc_cctx, z, zbound, raw, n, BLOB_ZSTD_LEVEL)
                    : ZSTD_compress(z, zbound, raw, n, BLOB_ZSTD_LEVEL);
    if (ZSTD_isError(zlen)) {
        err = GV_EINTERNAL;
        goto out;
    }
    *out = z; /* the caller's: gv_free */
    *out_len = zlen;
    z = NULL;
out:
    gv_free(raw);
    gv_free(z);
    return err;
}

/* Parses the decompressed form into `d`, checking every invariant that the
 * comparison relies on: lines non-decreasing from 1, positions strictly
 * increasing and inside the token stream. */
static int parse_raw(struct plg_doc *d, struct reader *r)
{
    uint64_t k, w, ntok, v, line = 0, nfp, pos = 0;

    if (r->len < 4 || memcmp(r->p, BLOB_MAGIC, 4))
        return GV_EPARSE;
    r->off = 4;
    if (get_varint(&k, r) || get_varint(&w, r) || get_varint(&ntok, r))
        return GV_EPARSE;
    /* Each token costs at least one byte: a count beyond the bytes left is
     * a lie, refused before it becomes an allocation. */
    if (k < 1 || k > PLG_K_MAX || w < 1 || w > PLG_W_MAX || ntok > r->len - r->off)
        return GV_EPARSE;
    d->k = (uint32_t)k;
    d->w = (uint32_t)w;
    d->ntokens = (uint32_t)ntok;
    if (ntok) {
        d->lines = gv_malloc(ntok * sizeof(*d->lines));
        if (!d->lines)
            return -ENOMEM;
    }
    for (uint64_t i = 0; i < ntok; i++) {
        if (get_varint(&v, r) || v > UINT32_MAX - line || (i == 0 && v == 0))
            return GV_EPARSE;
        line += v;
        d->lines[i] = (uint32_t)line;
    }
    if (get_varint(&nfp, r) || nfp > ntok || (nfp && ntok < k) || nfp > (r->len - r->off) / 9)
        return GV_EPARSE;
    if (nfp) {
        d->fp = gv_malloc(nfp * sizeof(*d->fp));
        if (!d->fp)
            return -ENOMEM;
    }
    d->nfp = (size_t)nfp;
    for (uint64_t i = 0; i < nfp; i++) {
        if (get_varint(&v, r) || (i > 0 && v == 0) || v > ntok)
            return GV_EPARSE;
        pos += v;
        if (pos + k > ntok)
            return GV_EPARSE;
        d->fp[i].pos = (uint32_t)pos;
    }
    if (r->len - r->off != 8 * nfp)
        return GV_EPARSE;
    for (uint64_t i = 0; i < nfp; i++) {
        uint64_t h = 0;

        for (int b = 0; b < 8; b++)
            h |= (uint64_t)r->p[r->off++] << (8 * b);
        d->fp[i].hash = h;
    }
    return 0;
}

int plg_doc_decode(struct plg_doc *out, const void *blob, size_t len)
{
    struct plg_doc d;
    struct reader r = {0};
    unsigned long long size = ZSTD_getFrameContentSize(blob, len);
    unsigned char *raw = NULL;
    size_t got;
    int err;

    plg_doc_init(&d);
    /* The encoder always records the size: unknown or huge is not ours. */
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size > PLG_BLOB_RAW_MAX || size < 4)
        return GV_EPARSE;
    raw = gv_malloc((size_t)size);
    if (!raw)
        return -ENOMEM;
    got = ZSTD_decompress(raw, (size_t)size, blob, len);
    if (ZSTD_isError(got) || got != size) {
        err = GV_EPARSE;
        goto out;
    }
    r.p = raw;
    r.len = got;
    err = parse_raw(&d, &r);
out:
    gv_free(raw);
    if (err < 0)
        plg_doc_release(&d);
    else
        *out = d;
    return err;
}
