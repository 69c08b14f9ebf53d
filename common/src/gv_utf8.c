/* SPDX-License-Identifier: MIT
 * gv_utf8.c - see gv_utf8.h. */
#include <string.h>

#include "gv_alloc.h"
#include "gv_utf8.h"
#include "banned.h"

/* Length of the valid UTF-8 sequence at s[0..len), or 0 (RFC 3629 table:
 * the second byte's range depends on the first). */
static size_t valid_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t n;

    if (c > 0 && c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

size_t gv_utf8_seq_len(const char *s, size_t len)
{
    return valid_seq((const unsigned char *)s, len);
}

char *gv_utf8_sanitize(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = gv_malloc(len * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = valid_seq(u + i, len - i);
        if (n) {
            memcpy(o, u + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    return out;
}
