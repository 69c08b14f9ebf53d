/* SPDX-License-Identifier: MIT
 * gv_buf.h - a growable byte buffer with a ceiling.
 *
 * Whatever untrusted input can grow (sources, frames, captured output) is
 * read into a gv_buf whose `max` bounds it: an append past `max` fails with
 * GV_ETOOBIG and leaves the buffer as it was (curl's dynbuf). The contents
 * are always NUL-terminated, so a text buffer can be used as a C string;
 * `len` excludes that NUL.
 *
 * Lifecycle: gv_buf_init() (no allocation), appends, gv_buf_release().
 * gv_buf_detach() hands the bytes to the caller, who frees them with gv_free. */
#ifndef GV_BUF_H
#define GV_BUF_H

#include <stddef.h>

struct gv_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void gv_buf_init(struct gv_buf *b, size_t max);
void gv_buf_release(struct gv_buf *b);
void gv_buf_reset(struct gv_buf *b);

int gv_buf_append(struct gv_buf *b, const void *data, size_t len);
int gv_buf_puts(struct gv_buf *b, const char *s);
int gv_buf_printf(struct gv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the contents (never NULL, "" when empty); the buffer is reset. */
char *gv_buf_detach(struct gv_buf *b, size_t *out_len);

#endif
