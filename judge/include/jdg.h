/* SPDX-License-Identifier: MIT
 * jdg.h - problem packages, output checking, and judging one source.
 *
 * Three layers, each usable alone:
 *   - jdg_package_*: reads a problem in the ICPC/Kattis package format
 *     from a directory into a struct jdg_problem (limits, checker flags,
 *     the custom validator's source, the ordered list of tests);
 *   - jdg_check_*:   the default output checker (tokens, case, whitespace,
 *     float tolerance) as pure functions;
 *   - jdg_judge:     compiles a source and runs it on every test in warm
 *     sandbox slots, checking each output, and reports progress through a
 *     callback. The offline `gavel judge` and the gavel-judge worker call
 *     this same function; only where the test files come from differs
 *     (the package directory, or the worker's blob cache).
 *
 * Every function returns 0 or a negative code (-errno or GV_E*). */
#ifndef GV_JDG_H
#define GV_JDG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gv_buf.h"
#include "sbx.h"

/* Verdicts in the order a pass/fail judging reports the first failure. JE
 * (judge error) is never blamed on the contestant: the jury's validator
 * crashed, or the sandbox failed. */
enum jdg_verdict {
    JDG_AC,
    JDG_WA,
    JDG_TLE,
    JDG_MLE,
    JDG_RE,
    JDG_OLE,
    JDG_CE,
    JDG_JE,
};

const char *jdg_verdict_name(enum jdg_verdict v); /* "AC", "WA", ... */
/* Parses "AC", "WA", ...; -1 when unknown. */
int jdg_verdict_parse(const char *name);

/* --- The default checker ------------------------------------------------ */

/* validator_flags of problem.yaml. A tolerance < 0 is unset. With
 * float_tolerance ε both tolerances are ε; a token of the answer that
 * parses as a number then accepts any output number whose absolute OR
 * relative error is within its bound. */
struct jdg_check_flags {
    bool case_sensitive;         /* default: case-insensitive */
    bool space_change_sensitive; /* default: any run of whitespace equals any other */
    double float_abs_tol;
    double float_rel_tol;
};

void jdg_check_flags_init(struct jdg_check_flags *f);

/* Parses a validator_flags string ("float_tolerance 1e-6 case_sensitive");
 * GV_EPARSE with a message naming the bad word. */
int jdg_check_flags_parse(struct jdg_check_flags *out, const char *flags, char *msg,
                          size_t msg_len);

/* Compares the contestant's `output` with the jury's `answer`. Returns
 * JDG_AC or JDG_WA; on WA `msg` says where they differ (token index and
 * both tokens, cut), which goes into the jury's view, never the
 * contestant's. Binary-safe: neither input needs a NUL. */
enum jdg_verdict jdg_check_default(const struct jdg_check_flags *f, const char *answer,
                                   size_t answer_len, const char *output, size_t output_len,
                                   char *msg, size_t msg_len);

/* --- Problems and packages ---------------------------------------------- */

/* One test: host paths of its input and answer files. In a package they
 * point into the package; in the worker, into the blob cache. */
struct jdg_test {
    char name[128];     /* path under data/ without extension: "sample/1", "secret/g1/03" */
    char in_path[4096];
    char ans_path[4096];
    bool is_sample;
    int group;          /* index into jdg_problem.groups, or -1 */
    char in_sha256[65]; /* filled by whoever stores the test in the blob store */
    char ans_sha256[65];
};

/* Template code given to contestants (docs/PLAGIARISM.md, "Template code
 * from the package"): a source file of attachments/ or include/<language>/
 * whose ending names a language. Judging ignores it; plagiarism reports
 * do not count what a submission shares with it. */
struct jdg_template {
    char name[192]; /* the path in the package: "attachments/skeleton.cpp" */
    const struct gv_lang *lang;
    char *src; /* owned, NUL-terminated */
    size_t len;
};

/* At most this many template files, each at most this many bytes: a
 * template is a page of code, not a library. */
#define JDG_TEMPLATES_MAX 16
#define JDG_TEMPLATE_BYTES_MAX ((size_t)256 << 10)

/* A scored test group (IOI style): worth `points` when all its tests pass. */
struct jdg_group {
    char name[64];
    double points;
};

struct jdg_problem {
    char slug[65];     /* the directory name: [a-z0-9][a-z0-9-]{0,63}, as the database checks */
    char name[201];    /* problem.yaml name (or the slug) */
    int64_t time_limit_ms;
    int64_t memory_limit_kb;
    int64_t output_limit_kb;
    double time_multiplier; /* problem.yaml limits.time_multiplier; 0 when absent */
    struct jdg_check_flags flags;
    char validator_flags[512];
    /* Custom validation: the validator's single source file and language.
     * NULL/0 for the default checker. Owned (gv_malloc). */
    bool custom;
    char validator_name[129]; /* e.g. "validate.cpp" */
    const struct gv_lang *validator_lang;
    char *validator_src;
    size_t validator_len;
    /* The compiled validator (C and C++), kept by the first judging that
     * compiles it so later judgings of this problem only copy it into the
     * check slot. Owned; NULL until then. */
    char *validator_bin;
    size_t validator_bin_len;
    /* The statement (Markdown), owned; "" when the package has none. */
    char *statement_md;
    /* Tests in judging order: samples first, then secret, each in sorted
     * order of their paths. Owned. */
    struct jdg_test *tests;
    size_t ntests;
    /* Scored problems only (ngroups > 0): run every test, score = sum of
     * the points of the groups whose tests all passed. */
    struct jdg_group *groups;
    size_t ngroups;
    bool scored;
    /* Template code, in package order (attachments/, then include/). Owned. */
    struct jdg_template *templates;
    size_t ntemplates;
};

void jdg_problem_init(struct jdg_problem *p);
void jdg_problem_release(struct jdg_problem *p);

/* Reads the package in `dir`. A broken package (missing or unreadable
 * problem.yaml, an .in without .ans, no tests, a validator in an unknown
 * language, limits out of range, a template source that is binary, not
 * UTF-8 or larger than JDG_TEMPLATE_BYTES_MAX) is GV_EPARSE with `msg` naming the file
 * and what is wrong; *out is then left released. */
int jdg_package_load(struct jdg_problem *out, const char *dir, char *msg, size_t msg_len);

/* --- Judging ------------------------------------------------------------- */

struct jdg_test_result {
    enum jdg_verdict verdict;
    int64_t cpu_ms;
    int64_t wall_ms;
    int64_t memory_kb;
    char message[256]; /* checker or validator feedback for the jury */
};

struct jdg_outcome {
    enum jdg_verdict verdict;
    double score;             /* scored problems; else 1 for AC, 0 otherwise */
    int64_t max_cpu_ms;
    int64_t max_memory_kb;
    struct gv_buf compile_output; /* the compiler's message (cut), CE or warnings */
    struct jdg_test_result *tests; /* one per problem test; not-run tests stay JDG_JE with run=false */
    bool *ran;
    size_t ntests;
    size_t nrun;
    char message[256]; /* for JE: what failed */
};

void jdg_outcome_init(struct jdg_outcome *o);
void jdg_outcome_release(struct jdg_outcome *o);

enum jdg_progress_kind { JDG_PROGRESS_COMPILING, JDG_PROGRESS_RUNNING, JDG_PROGRESS_TEST };

/* Called as judging advances, on the judging thread. For
 * JDG_PROGRESS_TEST, `test` is the index of the test that just finished. */
typedef void jdg_progress_fn(void *ctx, enum jdg_progress_kind kind, size_t test,
                             const struct jdg_test_result *res);

/* The slots a judging uses: the contestant's program runs in `run`; a
 * custom validator (jury code, but still not trusted with the host) runs
 * in `check`, so nothing the program left in its box can reach it. */
struct jdg_slots {
    struct sbx_slot *run;
    struct sbx_slot *check;
};

/* Judges `src` in `lang` against `prob`. Pass/fail problems stop at the
 * first failing test; scored ones run every test. A compiled validator is
 * cached in `prob`. Returns < 0 only when it
 * could not judge at all (out->verdict is then JE with out->message). */
int jdg_judge(struct jdg_outcome *out, const struct jdg_slots *slots, struct jdg_problem *prob,
              const struct gv_lang *lang, const char *src, size_t src_len,
              jdg_progress_fn *progress, void *ctx);

/* Compiles the problem's custom validator in `slot` (then wiped by the
 * caller) to refuse a package whose validator does not build: GV_EPARSE
 * with the compiler's first words in `msg`. 0 for default validation. */
int jdg_validator_check(struct sbx_slot *slot, struct jdg_problem *prob, char *msg,
                        size_t msg_len);

#endif
