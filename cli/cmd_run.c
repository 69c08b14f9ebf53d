/* SPDX-License-Identifier: MIT
 * cmd_run.c - `gavel run`: compile and run one source in a one-slot sandbox
 * pool and print the verdict as a single JSON object.
 *
 * Exit status: 0 whenever the sandbox worked (whatever the program did),
 * 2 for bad usage, 1 with status SE when the sandbox itself failed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "commands.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "sbx.h"
#include "banned.h"

#define RUN_SOURCE_MAX (1u << 20)
#define RUN_INPUT_MAX (512u << 20)

struct run_opts {
    const char *lang_id, *source, *input;
    const struct gv_lang *lang;
    double time_s, wall_s, mem_mb, out_mb;
};

static void run_usage(FILE *f)
{
    fprintf(f, "usage: gavel run --lang ID [--time-limit SEC] [--wall-limit SEC]\n"
               "                 [--memory-limit MB] [--output-limit MB] [--input FILE] SOURCE\n");
    cli_lang_usage(f);
}

/* A number within [min, max], or -1 with a message. */
static int parse_num(double *out, const char *opt, const char *s, double min, double max)
{
    char *end;
    double v;

    errno = 0;
    v = s ? strtod(s, &end) : 0;
    if (!s || errno || end == s || *end || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "gavel run: %s needs a number in [%g, %g], got '%s'\n", opt, min, max,
                s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
    o->time_s = 1;
    o->wall_s = 0;
    o->mem_mb = 256;
    o->out_mb = 64;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int r = 0;
        if (!strcmp(a, "--lang")) {
            o->lang_id = v;
        } else if (!strcmp(a, "--time-limit")) {
            r = parse_num(&o->time_s, a, v, 0.01, 60);
        } else if (!strcmp(a, "--wall-limit")) {
            r = parse_num(&o->wall_s, a, v, 0.01, 600);
        } else if (!strcmp(a, "--memory-limit")) {
            r = parse_num(&o->mem_mb, a, v, 16, 16384);
        } else if (!strcmp(a, "--output-limit")) {
            r = parse_num(&o->out_mb, a, v, 0.001, 1024);
        } else if (!strcmp(a, "--input")) {
            o->input = v;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            run_usage(stdout);
            exit(CLI_EXIT_OK);
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "gavel run: unknown option '%s'\n", a);
            return -1;
        } else if (!o->source) {
            o->source = a;
            continue;
        } else {
            fprintf(stderr, "gavel run: more than one SOURCE ('%s')\n", a);
            return -1;
        }
        if (r < 0)
            return -1;
        if (!v) {
            fprintf(stderr, "gavel run: %s needs a value\n", a);
            return -1;
        }
        i++;
    }
    o->lang = cli_lang("run", o->lang_id, NULL);
    if (!o->lang)
        return -1;
    if (!o->source) {
        fprintf(stderr, "gavel run: no SOURCE given\n");
        return -1;
    }
    if (o->wall_s == 0)
        o->wall_s = 3 * o->time_s + 1;
    return 0;
}

static int report_se(const char *msg)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "status", "SE");
    cJSON_AddStringToObject(o, "message", msg);
    cli_json_print(o);
    cJSON_Delete(o);
    return CLI_EXIT_FAIL;
}

static void add_result(cJSON *o, const struct sbx_result *r, const char *status)
{
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
    cJSON_AddNumberToObject(o, "signal", r->signal);
    cJSON_AddNumberToObject(o, "cpu_ms", (double)r->cpu_ms);
    cJSON_AddNumberToObject(o, "wall_ms", (double)r->wall_ms);
    cJSON_AddNumberToObject(o, "memory_kb", (double)r->memory_kb);
    cli_json_add_text(o, "stdout", r->out.data ? r->out.data : "", r->out.len);
    cli_json_add_text(o, "stderr", r->err.data ? r->err.data : "", r->err.len);
    if (r->syscall[0])
        cJSON_AddStringToObject(o, "syscall", r->syscall);
}

/* Runs one step of the job. On a sandbox failure prints the SE report and
 * returns its exit status; else 0, and *res is the caller's to release. */
static int run_step(struct sbx_result *res, struct sbx_slot *slot, const struct sbx_job *job,
                    const char *what)
{
    char msg[512];
    int err = sbx_slot_run(res, slot, job), rc;

    if (err < 0) {
        snprintf(msg, sizeof(msg), "the sandbox failed %s: %s", what, gv_strerror(err));
        return report_se(msg);
    }
    if (res->status != SBX_SE)
        return 0;
    rc = report_se(res->message);
    sbx_result_release(res);
    return rc;
}

/* Appends what fits of `len` bytes, keeping `reserve` bytes free. */
static void append_cut(struct gv_buf *b, const char *s, size_t len, size_t reserve)
{
    size_t room = b->max > b->len + reserve ? b->max - b->len - reserve : 0;

    gv_buf_append(b, s ? s : "", len < room ? len : room);
}

/* CE: the compiler's own messages, then why it stopped if it did not end
 * by itself. The whole is cut to the field's bound with room left for that
 * last line, so a flood of diagnostics cannot hide it. */
static void report_ce(const struct sbx_result *res)
{
    cJSON *json = cJSON_CreateObject();
    struct gv_buf co;

    gv_buf_init(&co, CLI_FIELD_MAX);
    append_cut(&co, res->err.data, res->err.len, 128);
    append_cut(&co, res->out.data, res->out.len, 128);
    if (res->status != SBX_RE)
        gv_buf_printf(&co, "%scompiler stopped: %s%s%s\n", co.len ? "\n" : "",
                      sbx_status_name(res->status), res->syscall[0] ? " " : "", res->syscall);
    add_result(json, res, "CE");
    cli_json_add_text(json, "compile_output", co.data, co.len);
    gv_buf_release(&co);
    cli_json_print(json);
    cJSON_Delete(json);
}

int cli_cmd_run(int argc, char **argv)
{
    struct run_opts o = {0};
    struct gv_buf src, input;
    struct sbx_slot *slot = NULL;
    struct sbx_result res;
    struct sbx_lang_cmds cmds;
    struct sbx_job job;
    const struct gv_lang *lang;
    char msg[512];
    int err, rc = CLI_EXIT_FAIL, stdin_fd = -1, have_res = 0;
    cJSON *json = NULL;

    if (parse_args(&o, argc, argv) < 0) {
        run_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    lang = o.lang;
    gv_buf_init(&src, RUN_SOURCE_MAX);
    gv_buf_init(&input, RUN_INPUT_MAX);
    err = cli_read_file(&src, o.source);
    if (err < 0) {
        fprintf(stderr, "gavel run: cannot read source '%s': %s\n", o.source, gv_strerror(err));
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (o.input) {
        err = cli_read_file(&input, o.input);
        if (err < 0) {
            fprintf(stderr, "gavel run: cannot read input '%s': %s\n", o.input, gv_strerror(err));
            rc = CLI_EXIT_USAGE;
            goto out;
        }
    }
    if (sbx_check_host(msg, sizeof(msg)) < 0) {
        rc = report_se(msg);
        goto out;
    }
    if (access(lang->compile[0], X_OK) != 0) {
        snprintf(msg, sizeof(msg), "toolchain for %s is missing: %s not found", lang->id,
                 lang->compile[0]);
        rc = report_se(msg);
        goto out;
    }
    err = sbx_slot_new(&slot, -1);
    if (err < 0) {
        snprintf(msg, sizeof(msg), "cannot start a sandbox slot: %s", gv_strerror(err));
        rc = report_se(msg);
        goto out;
    }

    memset(&job, 0, sizeof(job));
    job.stdin_fd = -1;
    sbx_limits_init(&job.limits);
    job.limits.cpu_ms = (int64_t)(o.time_s * 1000 + 0.5);
    job.limits.wall_ms = (int64_t)(o.wall_s * 1000 + 0.5);
    job.limits.memory_bytes = (int64_t)(o.mem_mb * 1048576);
    job.limits.output_bytes = (int64_t)(o.out_mb * 1048576);
    if (job.limits.output_bytes < job.limits.fsize_bytes)
        job.limits.fsize_bytes = job.limits.output_bytes;
    err = sbx_lang_cmds(&cmds, lang, src.data, src.len, &job.limits);
    if (err < 0) {
        rc = report_se("cannot build the command line");
        goto out;
    }
    err = sbx_slot_put_file(slot, cmds.src_name, src.data, src.len, 0);
    if (err < 0) {
        snprintf(msg, sizeof(msg), "cannot copy the source into the box: %s", gv_strerror(err));
        rc = report_se(msg);
        goto out;
    }

    /* The compiler is untrusted too: the source chooses what it reads and
     * how long it works (#include "/dev/urandom"). */
    {
        struct sbx_job cj = job;
        cj.argv = cmds.compile;
        cj.profile = SBX_PROFILE_COMPILER;
        sbx_lang_compile_limits(&cj.limits, lang);
        cj.capture_max = CLI_FIELD_MAX;
        rc = run_step(&res, slot, &cj, "while compiling");
        if (rc != CLI_EXIT_OK)
            goto out;
        int ce = res.status != SBX_OK;
        if (ce)
            report_ce(&res);
        sbx_result_release(&res);
        if (ce)
            goto out;
    }

    err = sbx_stdin_from_buf(&stdin_fd, input.data ? input.data : "", input.len);
    if (err < 0) {
        rc = report_se("cannot prepare stdin");
        goto out;
    }
    job.argv = cmds.run;
    job.profile = sbx_lang_profile(lang);
    job.stdin_fd = stdin_fd;
    job.capture_max = CLI_FIELD_MAX;
    if (lang->runtime != GV_LANG_NATIVE)
        job.limits.nofile = 256;
    rc = run_step(&res, slot, &job, "while running");
    if (rc != CLI_EXIT_OK)
        goto out;
    have_res = 1;
    json = cJSON_CreateObject();
    add_result(json, &res, sbx_status_name(res.status));
    cli_json_print(json);
    rc = CLI_EXIT_OK;
out:
    cJSON_Delete(json);
    if (have_res)
        sbx_result_release(&res);
    if (stdin_fd >= 0)
        close(stdin_fd);
    sbx_slot_free(slot);
    gv_buf_release(&src);
    gv_buf_release(&input);
    fflush(stdout);
    return rc;
}
