/* SPDX-License-Identifier: MIT
 * fuzz_jdg_package.c - jdg_package_load on an arbitrary problem.yaml (and
 * the same bytes as a LaTeX statement) either loads a problem whose limits
 * are in range or refuses it with GV_EPARSE and a message; it never
 * crashes, leaks or overruns. The rest of the package is fixed: a secret
 * test, a scored group and a C validator, so every branch is reachable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_err.h"
#include "jdg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static char pkg[128];

static void write_file(const char *rel, const void *data, size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", pkg, rel);
    f = fopen(path, "w");
    if (!f)
        abort();
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

static void remove_root(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
}

static void setup(void)
{
    static const char *const dirs[] = {"",
                                       "/data",
                                       "/data/secret",
                                       "/data/secret/g1",
                                       "/problem_statement",
                                       "/output_validators",
                                       "/output_validators/v"};
    char path[512];

    snprintf(root, sizeof(root), "/tmp/gv-fuzz-pkg-XXXXXX");
    if (!mkdtemp(root))
        abort();
    atexit(remove_root);
    snprintf(pkg, sizeof(pkg), "%s/fuzzprob", root);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", pkg, dirs[i]);
        if (mkdir(path, 0755) != 0)
            abort();
    }
    write_file("data/secret/1.in", "1\n", 2);
    write_file("data/secret/1.ans", "1\n", 2);
    write_file("data/secret/g1/1.in", "1\n", 2);
    write_file("data/secret/g1/1.ans", "1\n", 2);
    write_file("data/secret/g1/testdata.yaml", "score: 10\n", 10);
    write_file("output_validators/v/check.c", "int main(void){return 42;}\n", 27);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jdg_problem p;
    char msg[256];
    int err;

    if (!pkg[0])
        setup();
    write_file("problem.yaml", data, size);
    write_file("problem_statement/problem.tex", data, size);
    err = jdg_package_load(&p, pkg, msg, sizeof(msg));
    if (err == 0) {
        if (p.time_limit_ms < 50 || p.time_limit_ms > 60000 || p.memory_limit_kb < 16 * 1024 ||
            p.memory_limit_kb > 4096 * 1024 || p.output_limit_kb < 1024 || !p.statement_md ||
            p.ntests != 2 || !p.name[0] || strcmp(p.slug, "fuzzprob") ||
            (p.custom && (!p.validator_src || !p.validator_lang)) || (p.scored && p.ngroups != 1))
            abort();
        jdg_problem_release(&p);
    } else if (err != GV_EPARSE || !msg[0] || p.tests || p.statement_md) {
        abort();
    }
    return 0;
}
