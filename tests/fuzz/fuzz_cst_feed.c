/* SPDX-License-Identifier: MIT
 * fuzz_cst_feed.c - the CLICS feed reader on arbitrary input.
 *
 * The input is cut into lines and applied in order, bad lines refused as
 * `gavel contest replay` would, except that the fuzzer carries on past
 * them to reach more states. Whatever the feed became, the board must
 * compute in every view, and a refused line must have said why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cst_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    struct cst_feed *f = NULL;
    cJSON *board = NULL;
    char err[256];

    if (cst_feed_new(&f) != 0)
        return 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

        err[0] = '\0';
        if (cst_feed_apply(f, p, len, err, sizeof(err)) < 0 && !err[0])
            abort();
        p += len + (nl != NULL);
    }
    /* The jury's board, the public one, and one at a time the input picks. */
    for (int view = 0; view < 3; view++) {
        int64_t at = view < 2 ? INT64_MAX : (int64_t)(size * 7919) % (6 * 3600000) - 60000;

        if (cst_feed_scoreboard(&board, f, view != 1, at) == 0 && !board)
            abort();
        cJSON_Delete(board);
        board = NULL;
    }
    cst_feed_free(f);
    return 0;
}
