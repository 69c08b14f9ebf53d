/* SPDX-License-Identifier: MIT
 * cmd_judge.c - `gavel judge` (one source against a package, no server)
 * and `gavel problem verify` (every example submission of a package gets
 * the verdict its folder promises, like Kattis' verifyproblem).
 *
 * Both judge through jdg_judge(), the function the gavel-judge worker
 * calls, in a two-slot pool: one slot for the contestant's program, one
 * for the jury's validator. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_judge.h"
#include "cli_util.h"
#include "commands.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "jdg.h"
#include "banned.h"

#define SOURCE_MAX (1u << 20)

int cli_judge_env_open(struct cli_judge_env *e, char *msg, size_t msg_len)
{
    int err;

    memset(e, 0, sizeof(*e));
    if (sbx_check_host(msg, msg_len) < 0)
        return GV_EUNAVAIL;
    err = sbx_pool_new(&e->pool, 2);
    if (err < 0) {
        snprintf(msg, msg_len, "cannot start the sandbox pool: %s", gv_strerror(err));
        return err;
    }
    e->slots.run = sbx_pool_acquire(e->pool);
    e->slots.check = sbx_pool_acquire(e->pool);
    return 0;
}

/* Both slots are wiped, so the next judging starts from empty boxes. */
int cli_judge_env_reset(struct cli_judge_env *e)
{
    int err = sbx_slot_reset(e->slots.run);

    if (err == 0)
        err = sbx_slot_reset(e->slots.check);
    return err;
}

void cli_judge_env_close(struct cli_judge_env *e)
{
    if (e->slots.run)
        sbx_pool_release(e->pool, e->slots.run);
    if (e->slots.check)
        sbx_pool_release(e->pool, e->slots.check);
    sbx_pool_free(e->pool);
    memset(e, 0, sizeof(*e));
}

static cJSON *outcome_json(const struct jdg_problem *prob, const struct jdg_outcome *o)
{
    cJSON *j = cJSON_CreateObject(), *tests = cJSON_CreateArray();

    cJSON_AddStringToObject(j, "verdict", jdg_verdict_name(o->verdict));
    cJSON_AddNumberToObject(j, "score", o->score);
    cJSON_AddNumberToObject(j, "max_cpu_ms", (double)o->max_cpu_ms);
    cJSON_AddNumberToObject(j, "max_memory_kb", (double)o->max_memory_kb);
    cJSON_AddNumberToObject(j, "tests_total", (double)prob->ntests);
    cJSON_AddNumberToObject(j, "tests_run", (double)o->nrun);
    if (o->verdict == JDG_CE || o->compile_output.len)
        cli_json_add_text(j, "compile_output", o->compile_output.data, o->compile_output.len);
    if (o->message[0])
        cJSON_AddStringToObject(j, "message", o->message);
    for (size_t i = 0; i < o->ntests; i++) {
        cJSON *t;
        if (!o->ran[i])
            continue;
        t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", prob->tests[i].name);
        cJSON_AddStringToObject(t, "verdict", jdg_verdict_name(o->tests[i].verdict));
        cJSON_AddNumberToObject(t, "cpu_ms", (double)o->tests[i].cpu_ms);
        cJSON_AddNumberToObject(t, "wall_ms", (double)o->tests[i].wall_ms);
        cJSON_AddNumberToObject(t, "memory_kb", (double)o->tests[i].memory_kb);
        if (o->tests[i].message[0])
            cli_json_add_text(t, "message", o->tests[i].message, strlen(o->tests[i].message));
        cJSON_AddItemToArray(tests, t);
    }
    cJSON_AddItemToObject(j, "tests", tests);
    return j;
}

static void judge_usage(FILE *f)
{
    fprintf(f, "usage: gavel judge --problem DIR [--lang ID] SOURCE\n");
    cli_lang_usage(f);
}

int cli_cmd_judge(int argc, char **argv)
{
    const char *dir = NULL, *lang_name = NULL, *source = NULL;
    const struct gv_lang *lang;
    struct jdg_problem prob;
    struct jdg_outcome out;
    struct cli_judge_env env = {0};
    struct gv_buf src;
    char msg[1024];
    int err, rc = CLI_EXIT_FAIL;
    cJSON *j;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--problem") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
            lang_name = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            judge_usage(stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-' || source) {
            fprintf(stderr, "gavel judge: unexpected argument '%s'\n", argv[i]);
            judge_usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            source = argv[i];
        }
    }
    if (!dir || !source) {
        judge_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    lang = cli_lang("judge", lang_name, source);
    if (!lang)
        return CLI_EXIT_USAGE;
    jdg_problem_init(&prob);
    jdg_outcome_init(&out);
    gv_buf_init(&src, SOURCE_MAX);
    err = cli_read_file(&src, source);
    if (err < 0) {
        fprintf(stderr, "gavel judge: cannot read source '%s': %s\n", source,
                err == GV_ETOOBIG ? "larger than 1 MiB" : gv_strerror(err));
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (src.len == 0) {
        fprintf(stderr, "gavel judge: source '%s' is empty\n", source);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    err = jdg_package_load(&prob, dir, msg, sizeof(msg));
    if (err < 0) {
        fprintf(stderr, "gavel judge: broken package: %s\n", msg);
        goto out;
    }
    err = cli_judge_env_open(&env, msg, sizeof(msg));
    if (err < 0) {
        fprintf(stderr, "gavel judge: %s\n", msg);
        goto out;
    }
    err = jdg_judge(&out, &env.slots, &prob, lang, src.data, src.len, NULL, NULL);
    j = outcome_json(&prob, &out);
    cli_json_print(j);
    cJSON_Delete(j);
    rc = err < 0 || out.verdict == JDG_JE ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
    cli_judge_env_close(&env);
    jdg_outcome_release(&out);
    jdg_problem_release(&prob);
    gv_buf_release(&src);
    fflush(stdout);
    return rc;
}

/* --- verify ---------------------------------------------------------------- */

static const struct {
    const char *folder;
    enum jdg_verdict expect;
} verify_folders[] = {
    {"accepted", JDG_AC},
    {"wrong_answer", JDG_WA},
    {"time_limit_exceeded", JDG_TLE},
    {"run_time_error", JDG_RE},
    {"memory_limit_exceeded", JDG_MLE},
    {"output_limit_exceeded", JDG_OLE},
    {"compile_error", JDG_CE},
};

struct verify_tally {
    int judged, mismatched, skipped;
};

static int verify_one(struct verify_tally *t, struct cli_judge_env *env,
                      struct jdg_problem *prob, const char *path, const char *shown,
                      enum jdg_verdict expect)
{
    const struct gv_lang *lang = gv_lang_for_path(path);
    struct jdg_outcome out;
    struct gv_buf src;
    int err;
    bool ok;

    if (!lang) {
        printf("  skip     %-48s unknown language\n", shown);
        t->skipped++;
        return 0;
    }
    gv_buf_init(&src, SOURCE_MAX);
    err = cli_read_file(&src, path);
    if (err < 0) {
        printf("  FAIL     %-48s cannot read: %s\n", shown, gv_strerror(err));
        gv_buf_release(&src);
        t->mismatched++;
        return 0;
    }
    err = jdg_judge(&out, &env->slots, prob, lang, src.data, src.len, NULL, NULL);
    gv_buf_release(&src);
    ok = err == 0 && out.verdict == expect;
    /* A scored problem's accepted solutions must earn every point. */
    if (ok && expect == JDG_AC && prob->scored) {
        double total = 0;
        for (size_t g = 0; g < prob->ngroups; g++)
            total += prob->groups[g].points;
        ok = out.score + 1e-9 >= total;
    }
    printf("  %-8s %-48s %-3s (expected %s) %5lld ms %7lld KiB%s%s\n", ok ? "ok" : "MISMATCH",
           shown, jdg_verdict_name(out.verdict), jdg_verdict_name(expect),
           (long long)out.max_cpu_ms, (long long)out.max_memory_kb, out.message[0] ? "  " : "",
           out.message);
    if (ok && expect == JDG_AC && out.max_cpu_ms * 2 > prob->time_limit_ms)
        printf("           warning: an accepted solution used more than half the time limit\n");
    t->judged++;
    if (!ok)
        t->mismatched++;
    jdg_outcome_release(&out);
    err = cli_judge_env_reset(env);
    if (err < 0)
        fprintf(stderr, "gavel problem verify: cannot reset the sandbox: %s\n", gv_strerror(err));
    return err;
}

static int verify_package(struct verify_tally *t, struct cli_judge_env *env, const char *dir)
{
    struct jdg_problem prob;
    char msg[1024], path[4096];
    int err;

    jdg_problem_init(&prob);
    err = jdg_package_load(&prob, dir, msg, sizeof(msg));
    if (err < 0) {
        printf("%s: broken package: %s\n", dir, msg);
        t->mismatched++;
        return 0;
    }
    printf("%s: %s, %zu tests, time limit %lld ms, memory %lld MiB\n", prob.slug, prob.name,
           prob.ntests, (long long)prob.time_limit_ms, (long long)(prob.memory_limit_kb / 1024));
    for (size_t f = 0; f < sizeof(verify_folders) / sizeof(verify_folders[0]) && err == 0; f++) {
        struct dirent **names = NULL;
        int n;
        snprintf(path, sizeof(path), "%s/submissions/%s", dir, verify_folders[f].folder);
        n = scandir(path, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            char file[4096 + 256], shown[300];
            struct stat st;
            if (err == 0 && names[i]->d_name[0] != '.') {
                snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
                snprintf(shown, sizeof(shown), "%s/%s", verify_folders[f].folder,
                         names[i]->d_name);
                if (lstat(file, &st) == 0 && S_ISREG(st.st_mode))
                    err = verify_one(t, env, &prob, file, shown, verify_folders[f].expect);
            }
            free(names[i]);
        }
        free(names);
    }
    jdg_problem_release(&prob);
    return err;
}

static int problem_verify(int argc, char **argv)
{
    struct verify_tally t = {0};
    struct cli_judge_env env;
    char msg[1024];
    int err = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: gavel problem verify DIR...\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_judge_env_open(&env, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "gavel problem verify: %s\n", msg);
        cli_judge_env_close(&env);
        return CLI_EXIT_FAIL;
    }
    for (int i = 1; i < argc && err == 0; i++) {
        struct stat st;
        /* A glob over a problems folder also catches its README. */
        if (stat(argv[i], &st) == 0 && !S_ISDIR(st.st_mode)) {
            printf("%s: not a directory, skipped\n", argv[i]);
            continue;
        }
        err = verify_package(&t, &env, argv[i]);
    }
    cli_judge_env_close(&env);
    printf("%d submissions judged, %d mismatched, %d skipped\n", t.judged, t.mismatched,
           t.skipped);
    if (err < 0)
        return CLI_EXIT_FAIL;
    return t.mismatched || t.judged == 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cli_cmd_problem(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "verify"))
        return problem_verify(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "import"))
        return cli_problem_import(argc - 1, argv + 1);
    fprintf(stderr, "usage: gavel problem verify DIR... | gavel problem import [--public] "
                    "[--difficulty N] DIR...\n");
    return CLI_EXIT_USAGE;
}
