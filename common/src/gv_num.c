/* SPDX-License-Identifier: MIT
 * gv_num.c - exact number text (gv_num.h). */
#include "gv_num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "banned.h"

bool gv_num_format(char text[GV_NUM_TEXT_MAX], double d)
{
    if (!isfinite(d)) {
        snprintf(text, GV_NUM_TEXT_MAX, "null");
        return false;
    }
    /* 17 significant digits always suffice for a double; fewer usually do
     * and read better ("0.1", not "0.10000000000000001"). */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, GV_NUM_TEXT_MAX, "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    return true;
}
