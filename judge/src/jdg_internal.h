/* SPDX-License-Identifier: MIT
 * jdg_internal.h - judge/ internals shared by its sources and its tests. */
#ifndef GV_JDG_INTERNAL_H
#define GV_JDG_INTERNAL_H

#include <stddef.h>

#include "gv_buf.h"
#include "gv_lang.h"

/* The language of a custom validator's source file, from its name; NULL
 * for a file no validator may be written as (the rule lives with the
 * package reader, jdg_package.c; the worker applies it again to a stored
 * version's validator_name). */
const struct gv_lang *jdg__validator_lang(const char *file_name);

/* Appends a readable Markdown rendering of a LaTeX problem statement to
 * `out`: \problemname, \section, itemize/enumerate, \textbf, \emph,
 * \texttt, verbatim; math ($...$, $$...$$) is kept as written. Returns 0 or
 * the gv_buf error (GV_ETOOBIG, -ENOMEM). */
int jdg__tex_to_md(struct gv_buf *out, const char *tex, size_t len);

#endif
