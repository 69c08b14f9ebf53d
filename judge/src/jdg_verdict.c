/* SPDX-License-Identifier: MIT
 * jdg_verdict.c - verdict names and the lifecycle of problems and outcomes. */
#include <string.h>

#include "gv_alloc.h"
#include "jdg.h"
#include "banned.h"

/* What the compiler may say ends up in JSON and in the database: 64 KiB is
 * more than any useful diagnostic, and bounds what a template bomb costs. */
#define COMPILE_OUTPUT_DEFAULT_MAX (64 * 1024)

/* The names are part of the JSON and database interface: never rename. */
static const char *const names[] = {
    [JDG_AC] = "AC", [JDG_WA] = "WA",   [JDG_TLE] = "TLE", [JDG_MLE] = "MLE",
    [JDG_RE] = "RE", [JDG_OLE] = "OLE", [JDG_CE] = "CE",   [JDG_JE] = "JE",
};

const char *jdg_verdict_name(enum jdg_verdict v)
{
    if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
        return "JE";
    return names[v];
}

int jdg_verdict_parse(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcmp(names[i], name))
            return (int)i;
    }
    return -1;
}

void jdg_outcome_init(struct jdg_outcome *o)
{
    memset(o, 0, sizeof(*o));
    /* Nothing judged yet is a judge error, never an accidental AC. */
    o->verdict = JDG_JE;
    gv_buf_init(&o->compile_output, COMPILE_OUTPUT_DEFAULT_MAX);
}

void jdg_outcome_release(struct jdg_outcome *o)
{
    gv_buf_release(&o->compile_output);
    gv_free(o->tests);
    gv_free(o->ran);
    jdg_outcome_init(o);
}

void jdg_problem_init(struct jdg_problem *p)
{
    memset(p, 0, sizeof(*p));
    jdg_check_flags_init(&p->flags);
    p->time_limit_ms = 1000;
    p->memory_limit_kb = 256 * 1024;
    p->output_limit_kb = 64 * 1024;
}

void jdg_problem_release(struct jdg_problem *p)
{
    gv_free(p->validator_src);
    gv_free(p->validator_bin);
    gv_free(p->statement_md);
    gv_free(p->tests);
    gv_free(p->groups);
    for (size_t i = 0; i < p->ntemplates; i++)
        gv_free(p->templates[i].src);
    gv_free(p->templates);
    jdg_problem_init(p);
}
