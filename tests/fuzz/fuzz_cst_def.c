/* SPDX-License-Identifier: MIT
 * fuzz_cst_def.c - contest definitions from arbitrary bytes: no crash, no
 * leak; whatever parses is a schedule the rest of the code accepts, and
 * prints (cst_def_format) as YAML that reads back to the same definition. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cst_def.h"
#include "gv_alloc.h"

static void check_same(const struct cst_def *a, const struct cst_def *b)
{
    if (strcmp(a->name, b->name) || strcmp(a->slug, b->slug) ||
        a->starts_at_ms != b->starts_at_ms || a->ends_at_ms != b->ends_at_ms ||
        a->freezes_at_ms != b->freezes_at_ms || a->penalty_minutes != b->penalty_minutes ||
        a->scoring != b->scoring || a->unfreeze_auto != b->unfreeze_auto ||
        a->unfreeze_delay_ms != b->unfreeze_delay_ms ||
        a->nproblems != b->nproblems || a->open_registration != b->open_registration ||
        a->nparticipants != b->nparticipants)
        abort();
    for (size_t i = 0; i < a->nproblems; i++)
        if (strcmp(a->problems[i].slug, b->problems[i].slug) ||
            strcmp(a->problems[i].label, b->problems[i].label) ||
            strcmp(a->problems[i].color, b->problems[i].color) ||
            a->problems[i].points != b->problems[i].points)
            abort();
    for (size_t i = 0; i < a->nparticipants; i++)
        if (strcmp(a->participants[i].username, b->participants[i].username))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cst_def d, again;
    struct cst_schedule s;
    char err[256], *yaml = NULL;

    if (cst_def_parse(&d, "fuzz.yaml", (const char *)data, size, err, sizeof(err)) != 0)
        return 0;
    cst_def_schedule(&s, &d);
    if (!cst_schedule_valid(&s) || d.nproblems < 1 || d.nproblems > CST_DEF_PROBLEMS_MAX)
        abort();
    if (cst_def_format(&yaml, &d) != 0)
        abort();
    if (cst_def_parse(&again, "again.yaml", yaml, strlen(yaml), err, sizeof(err)) != 0)
        abort();
    check_same(&d, &again);
    gv_free(yaml);
    cst_def_release(&again);
    cst_def_release(&d);
    return 0;
}
