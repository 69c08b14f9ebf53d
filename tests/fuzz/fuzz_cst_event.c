/* SPDX-License-Identifier: MIT
 * fuzz_cst_event.c - the events' decoder on arbitrary input.
 *
 * The first byte picks a type, the rest is the data. Whatever decodes must
 * be valid, encode, and decode again to an event that encodes to the same
 * text: a reader never accepts what a writer could not have written, and
 * the one definition stays symmetric. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cst_event.h"
#include "gv_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cst_event ev, again;
    char *text = NULL, *text2 = NULL;
    size_t len = 0, len2 = 0;

    if (size < 1)
        return 0;
    if (cst_event_decode(&ev, cst_event_info((enum cst_event_type)(data[0] % CST_EVENT_TYPE_COUNT))
                                  ->name,
                         (const char *)data + 1, size - 1) != 0)
        return 0;
    if (!cst_event_valid(&ev) || cst_event_encode(&text, &len, &ev) != 0)
        abort();
    if (cst_event_decode(&again, cst_event_info(ev.type)->name, text, len) != 0)
        abort();
    if (cst_event_encode(&text2, &len2, &again) != 0 || len != len2 || memcmp(text, text2, len))
        abort();
    gv_free(text);
    gv_free(text2);
    cst_event_release(&again);
    cst_event_release(&ev);
    return 0;
}
