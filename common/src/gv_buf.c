/* SPDX-License-Identifier: MIT
 * gv_buf.c - bounded growable buffer. */
#include "gv_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

void gv_buf_init(struct gv_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void gv_buf_release(struct gv_buf *b)
{
    gv_free(b->data);
    gv_buf_init(b, b->max);
}

void gv_buf_reset(struct gv_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the NUL, within `max`. */
static int buf_grow(struct gv_buf *b, size_t extra)
{
    size_t need, cap;
    char *data;

    if (extra > b->max || b->len > b->max - extra)
        return GV_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    data = gv_realloc(b->data, cap);
    if (!data)
        return -ENOMEM;
    b->data = data;
    b->cap = cap;
    return 0;
}

int gv_buf_append(struct gv_buf *b, const void *data, size_t len)
{
    int err = buf_grow(b, len);

    if (err < 0)
        return err;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int gv_buf_puts(struct gv_buf *b, const char *s)
{
    return gv_buf_append(b, s, strlen(s));
}

int gv_buf_printf(struct gv_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, err;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return GV_EINVAL;
    err = buf_grow(b, (size_t)n);
    if (err < 0)
        return err;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *gv_buf_detach(struct gv_buf *b, size_t *out_len)
{
    char *data = b->data;

    if (out_len)
        *out_len = b->len;
    if (!data)
        data = gv_strdup("");
    gv_buf_init(b, b->max);
    return data;
}
