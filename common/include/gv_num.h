/* SPDX-License-Identifier: MIT
 * gv_num.h - numbers as JSON text that reads back exactly.
 *
 * cJSON's printer accepts a relative error of DBL_EPSILON, which turns the
 * id 9007199254740991 into 9.00719925474099e+15 (…990): a client matching
 * by id would miss, a log position would move. Whoever writes a number that
 * must survive a round trip formats it here and adds it as raw JSON. */
#ifndef GV_NUM_H
#define GV_NUM_H

#include <stdbool.h>

/* Room for any double's shortest exact text ("-2.2250738585072014e-308"). */
#define GV_NUM_TEXT_MAX 32

/* Writes the shortest %g text of `d` that strtod reads back as `d` into
 * `text`. False (and "null" in `text`) when `d` is not finite: JSON has no
 * infinity, and "1e999" would parse back as one. */
bool gv_num_format(char text[GV_NUM_TEXT_MAX], double d);

#endif
