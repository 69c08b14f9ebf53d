/* SPDX-License-Identifier: MIT
 * gv_utf8.h - making untrusted bytes safe for JSON and PostgreSQL text.
 *
 * Program output and compiler messages are arbitrary bytes; JSON strings
 * and PostgreSQL text must be UTF-8 without NUL. */
#ifndef GV_UTF8_H
#define GV_UTF8_H

#include <stddef.h>

/* A gv_malloc'd, NUL-terminated copy of the first `len` bytes of `s` in
 * which every NUL and every byte not part of a valid UTF-8 sequence
 * (overlong forms and surrogates included) became U+FFFD. NULL only when
 * out of memory. */
char *gv_utf8_sanitize(const char *s, size_t len);

/* The length of the valid UTF-8 sequence that starts `s` (of `len` bytes,
 * len > 0), or 0 when it is not one (NUL included): for writers that may
 * not allocate, such as the logger. */
size_t gv_utf8_seq_len(const char *s, size_t len);

#endif
