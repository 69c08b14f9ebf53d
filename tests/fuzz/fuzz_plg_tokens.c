/* SPDX-License-Identifier: MIT
 * fuzz_plg_tokens.c - arbitrary bytes as a source in each language: the
 * tokenizer and winnowing never crash or leak, every token's line is within
 * the input's, the stored form reads back to the same document, and the
 * same bytes taken as a stored blob are refused or decode to a document
 * that keeps the decoder's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "plg.h"

static void check_round_trip(const struct plg_doc *d)
{
    struct plg_doc back;
    char *blob = NULL;
    size_t len = 0;

    if (plg_doc_encode(&blob, &len, d) != 0)
        abort();
    if (plg_doc_decode(&back, blob, len) != 0)
        abort();
    if (back.k != d->k || back.w != d->w || back.ntokens != d->ntokens || back.nfp != d->nfp)
        abort();
    if (d->ntokens && memcmp(back.lines, d->lines, d->ntokens * sizeof(*d->lines)))
        abort();
    for (size_t i = 0; i < d->nfp; i++)
        if (back.fp[i].hash != d->fp[i].hash || back.fp[i].pos != d->fp[i].pos)
            abort();
    plg_doc_release(&back);
    gv_free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t lines = 1;
    struct plg_doc d;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
    for (int l = 0; l < 4; l++) {
        struct plg_tokens t;

        plg_tokens_init(&t);
        if (plg_tokenize(&t, (enum plg_lang)l, (const char *)data, size) != 0)
            abort();
        for (size_t i = 0; i < t.len; i++)
            if (t.v[i].line < 1 || t.v[i].line > lines || (i && t.v[i].line < t.v[i - 1].line))
                abort();
        /* Small k and w: short inputs still make fingerprints. */
        if (plg_doc_build(&d, &t, 3 + (uint32_t)l, 2 + (uint32_t)l) != 0)
            abort();
        check_round_trip(&d);
        plg_doc_release(&d);
        plg_tokens_release(&t);
    }
    if (plg_doc_decode(&d, data, size) == 0) {
        for (size_t i = 0; i < d.nfp; i++)
            if (d.fp[i].pos + d.k > d.ntokens || (i && d.fp[i].pos <= d.fp[i - 1].pos))
                abort();
        plg_doc_release(&d);
    }
    return 0;
}
