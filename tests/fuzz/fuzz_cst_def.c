/* SPDX-License-Identifier: MIT
 * fuzz_cst_def.c - contest definitions from arbitrary bytes: no crash, no
 * leak, and whatever parses is a schedule the rest of the code accepts. */
#include <stdint.h>
#include <stdlib.h>

#include "cst_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cst_def d;
    struct cst_schedule s;
    char err[256];

    if (cst_def_parse(&d, "fuzz.yaml", (const char *)data, size, err, sizeof(err)) != 0)
        return 0;
    cst_def_schedule(&s, &d);
    if (!cst_schedule_valid(&s) || d.nproblems < 1 || d.nproblems > CST_DEF_PROBLEMS_MAX)
        abort();
    cst_def_release(&d);
    return 0;
}
