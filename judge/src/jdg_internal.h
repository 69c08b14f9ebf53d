/* SPDX-License-Identifier: MIT
 * jdg_internal.h - judge/ internals shared by its sources and its tests. */
#ifndef GV_JDG_INTERNAL_H
#define GV_JDG_INTERNAL_H

#include <stddef.h>

#include "gv_buf.h"

/* Appends a readable Markdown rendering of a LaTeX problem statement to
 * `out`: \problemname, \section, itemize/enumerate, \textbf, \emph,
 * \texttt, verbatim; math ($...$, $$...$$) is kept as written. Returns 0 or
 * the gv_buf error (GV_ETOOBIG, -ENOMEM). */
int jdg__tex_to_md(struct gv_buf *out, const char *tex, size_t len);

#endif
