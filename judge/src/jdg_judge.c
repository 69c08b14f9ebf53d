/* SPDX-License-Identifier: MIT
 * jdg_judge.c - judging one source: compile, run every test, check.
 *
 * The offline `gavel judge`, `gavel problem verify` and the gavel-judge
 * worker all come through jdg_judge(), so a verdict given offline is the
 * verdict the contest gives. Everything the contestant's program produces
 * is treated as hostile: its output is only ever read from the capture
 * buffer the sandbox filled (bounded by the output limit), never from a
 * file it could have turned into a link or a FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "jdg.h"
#include "jdg_metrics.h"
#include "banned.h"

#define COMPILE_OUTPUT_MAX (64 * 1024)
#define VALIDATOR_INPUT_MAX (256u << 20)
#define FEEDBACK_MAX 4096

/* Sealed memfd copy of a host file: the program's stdin. A descriptor of
 * the test file itself would let the program learn its host path via
 * /proc/self/fd and hold a file of the jury open. One per test, on purpose:
 * a memfd shared between tests would carry its file offset and anything a
 * run left in it (it is sealed, but one test's input must not be another's);
 * the copy is in-kernel (sendfile), tens of microseconds, and is made while
 * the test before runs (struct overlap), so it is not on the run's path. */
static int stdin_from_file(int *out_fd, const char *path)
{
    struct stat st;
    int in = -1, fd = -1, err = 0;
    off_t off = 0;

    in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return -errno;
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
        err = GV_EINVAL;
        goto out;
    }
    fd = memfd_create("jdg-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        err = -errno;
        goto out;
    }
    while (off < st.st_size) {
        ssize_t n = sendfile(fd, in, &off, (size_t)(st.st_size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? -errno : GV_EINTERNAL;
            goto out;
        }
    }
    if (lseek(fd, 0, SEEK_SET) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        err = -errno;
        goto out;
    }
    *out_fd = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    close(in);
    return err;
}

static int read_host_file(char **out, size_t *out_len, const char *path, size_t max)
{
    struct gv_buf b;
    char chunk[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = 0;
    ssize_t n;

    if (fd < 0)
        return -errno;
    gv_buf_init(&b, max);
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        err = gv_buf_append(&b, chunk, (size_t)n);
        if (err < 0)
            break;
    }
    close(fd);
    if (err < 0) {
        gv_buf_release(&b);
        return err;
    }
    *out = gv_buf_detach(&b, out_len);
    return 0;
}

static void run_limits(struct sbx_limits *l, const struct jdg_problem *prob,
                       const struct gv_lang *lang)
{
    sbx_limits_init(l);
    l->cpu_ms = prob->time_limit_ms;
    /* A program that sleeps or blocks is stopped at the wall limit; a
     * generous multiple, since a loaded judge host slows wall time only. */
    l->wall_ms = 2 * prob->time_limit_ms + 1000;
    l->memory_bytes = prob->memory_limit_kb * 1024;
    l->output_bytes = prob->output_limit_kb * 1024;
    if (l->fsize_bytes > l->output_bytes)
        l->fsize_bytes = l->output_bytes;
    if (lang->runtime != GV_LANG_NATIVE)
        l->nofile = 256;
}

/* Compiles `src` in `slot`. Returns 1 when it compiled, 0 for a compile
 * error (message appended to `msg`), < 0 when the sandbox failed. */
/* Every sandbox run of a judging goes through here, to be counted: a
 * failure is the sandbox's (< 0, or SBX_SE), never the program's. */
static int slot_run(struct sbx_result *out, struct sbx_slot *slot, const struct sbx_job *job)
{
    int err = sbx_slot_run(out, slot, job);

    gv_counter_add(&jdg_metrics.sandbox_runs, 1);
    if (err < 0 || out->status == SBX_SE)
        gv_counter_add(&jdg_metrics.sandbox_failures, 1);
    /* The slot never answered and was replaced (the box is empty now): the
     * worker puts the submission back on the queue. */
    if (err == GV_EGIVEUP)
        gv_counter_add(&jdg_metrics.sandbox_giveups, 1);
    return err;
}

static int compile_in(struct sbx_slot *slot, const struct gv_lang *lang,
                      const struct sbx_lang_cmds *cmds, const char *src, size_t len,
                      struct gv_buf *msg, char *why, size_t why_len)
{
    struct sbx_job job;
    struct sbx_result res;
    int err;

    err = sbx_slot_put_file(slot, cmds->src_name, src, len, 0);
    if (err < 0) {
        snprintf(why, why_len, "cannot copy the source into the box: %s", gv_strerror(err));
        return err;
    }
    memset(&job, 0, sizeof(job));
    job.argv = cmds->compile;
    job.profile = SBX_PROFILE_COMPILER;
    job.stdin_fd = -1;
    job.capture_max = COMPILE_OUTPUT_MAX;
    sbx_lang_compile_limits(&job.limits, lang);
    err = slot_run(&res, slot, &job);
    if (err < 0) {
        snprintf(why, why_len, "the sandbox failed while compiling: %s", gv_strerror(err));
        return err;
    }
    if (res.status == SBX_SE) {
        snprintf(why, why_len, "the sandbox failed while compiling: %s", res.message);
        sbx_result_release(&res);
        return GV_EINTERNAL;
    }
    /* gv_buf refuses an append past its max as a whole: cut first. */
    {
        size_t room = msg->max > msg->len ? msg->max - msg->len : 0;
        gv_buf_append(msg, res.err.data, res.err.len < room ? res.err.len : room);
        room = msg->max > msg->len ? msg->max - msg->len : 0;
        gv_buf_append(msg, res.out.data, res.out.len < room ? res.out.len : room);
    }
    if (res.status != SBX_OK && res.status != SBX_RE)
        gv_buf_printf(msg, "%scompiler stopped: %s%s%s\n", msg->len ? "\n" : "",
                      sbx_status_name(res.status), res.syscall[0] ? " " : "", res.syscall);
    err = res.status == SBX_OK ? 1 : 0;
    sbx_result_release(&res);
    return err;
}

static enum jdg_verdict verdict_of(enum sbx_status st)
{
    switch (st) {
    case SBX_OK:
        return JDG_AC;
    case SBX_TLE:
        return JDG_TLE;
    case SBX_MLE:
        return JDG_MLE;
    case SBX_RE:
        return JDG_RE;
    case SBX_OLE:
        return JDG_OLE;
    case SBX_SE:
        break;
    }
    return JDG_JE;
}

/* The custom validator, compiled once per judging into the check slot,
 * whose /box then holds only the validator and the files of one test. */
struct validator {
    bool ready;
    struct sbx_lang_cmds cmds;
    const char *argv[GV_LANG_ARGV_MAX + 3]; /* the run command, 3 arguments, NULL */
};

#define VALIDATOR_BIN_MAX (256u << 20)

static int validator_prepare(struct validator *v, struct sbx_slot *slot, struct jdg_problem *prob,
                             char *why, size_t why_len)
{
    bool native = prob->validator_lang->runtime == GV_LANG_NATIVE;
    struct sbx_limits l;
    struct gv_buf msg;
    size_t n = 0;
    int err;

    sbx_limits_init(&l);
    err = sbx_lang_cmds(&v->cmds, prob->validator_lang, prob->validator_src, prob->validator_len,
                        &l);
    if (err < 0) {
        snprintf(why, why_len, "cannot build the validator's command line");
        return err;
    }
    if (native && prob->validator_bin) {
        /* Compiled by an earlier judging: the binary is all it needs. */
        err = sbx_slot_put_file(slot, "main", prob->validator_bin, prob->validator_bin_len, 1);
        if (err < 0) {
            snprintf(why, why_len, "cannot copy the validator into the box: %s",
                     gv_strerror(err));
            return err;
        }
    } else {
        gv_buf_init(&msg, 2048);
        err = compile_in(slot, prob->validator_lang, &v->cmds, prob->validator_src,
                         prob->validator_len, &msg, why, why_len);
        if (err == 0) {
            snprintf(why, why_len, "the output validator %s does not compile: %.180s",
                     prob->validator_name, msg.data ? msg.data : "");
            err = GV_EPARSE;
        }
        gv_buf_release(&msg);
        if (err < 0)
            return err;
        if (native) {
            struct gv_buf bin;
            gv_buf_init(&bin, VALIDATOR_BIN_MAX);
            if (sbx_slot_get_file(&bin, slot, "main") == 0)
                prob->validator_bin = gv_buf_detach(&bin, &prob->validator_bin_len);
            gv_buf_release(&bin);
        }
    }
    while (v->cmds.run[n])
        v->argv[n] = v->cmds.run[n], n++;
    v->argv[n++] = "/box/testdata.in";
    v->argv[n++] = "/box/testdata.ans";
    v->argv[n++] = "/box/";
    v->argv[n] = NULL;
    v->ready = true;
    return 0;
}

/* Runs the validator on one test: the package convention (arguments
 * input, answer, feedback dir; the output on stdin; 42 accepts, 43
 * rejects, anything else is the jury's fault). */
static int validate(struct jdg_test_result *tr, struct validator *v, struct sbx_slot *slot,
                    const struct jdg_problem *prob, const struct jdg_test *t, const char *output,
                    size_t output_len)
{
    struct sbx_job job;
    struct sbx_result res;
    struct gv_buf fb;
    char *in = NULL, *ans = NULL;
    size_t in_len = 0, ans_len = 0;
    int fd = -1, err;

    /* A feedback file of the previous test must not speak for this one. */
    err = sbx_slot_remove_file(slot, "judgemessage.txt");
    if (err == 0)
        err = read_host_file(&in, &in_len, t->in_path, VALIDATOR_INPUT_MAX);
    if (err == 0)
        err = read_host_file(&ans, &ans_len, t->ans_path, VALIDATOR_INPUT_MAX);
    if (err == 0)
        err = sbx_slot_put_file(slot, "testdata.in", in, in_len, 0);
    if (err == 0)
        err = sbx_slot_put_file(slot, "testdata.ans", ans, ans_len, 0);
    if (err == 0)
        err = sbx_stdin_from_buf(&fd, output, output_len);
    if (err < 0) {
        snprintf(tr->message, sizeof(tr->message), "cannot prepare the validator: %s",
                 gv_strerror(err));
        goto out;
    }
    memset(&job, 0, sizeof(job));
    job.argv = v->argv;
    job.profile = sbx_lang_profile(prob->validator_lang);
    job.stdin_fd = fd;
    /* The package convention has it write its feedback into the box. It
     * is the jury's program, in a slot of its own, never the contestant's
     * (whose runs see /box read-only). */
    job.box_writable = 1;
    sbx_limits_init(&job.limits);
    /* The jury's program gets generous limits: its slowness is not the
     * contestant's, and a validator TLE is a judge error. */
    job.limits.cpu_ms = 10000 + 2 * prob->time_limit_ms;
    job.limits.wall_ms = 2 * job.limits.cpu_ms;
    job.limits.memory_bytes = 1024ll << 20;
    job.limits.nofile = 256;
    err = slot_run(&res, slot, &job);
    if (err < 0) {
        snprintf(tr->message, sizeof(tr->message), "the sandbox failed running the validator: %s",
                 gv_strerror(err));
        goto out;
    }
    if (res.status == SBX_RE && (res.exit_code == 42 || res.exit_code == 43)) {
        tr->verdict = res.exit_code == 42 ? JDG_AC : JDG_WA;
        gv_buf_init(&fb, FEEDBACK_MAX);
        if (sbx_slot_get_file(&fb, slot, "judgemessage.txt") == 0 && fb.len)
            snprintf(tr->message, sizeof(tr->message), "%.*s", (int)fb.len, fb.data);
        gv_buf_release(&fb);
    } else if (res.status == SBX_OK && res.exit_code == 42) {
        tr->verdict = JDG_AC;
    } else {
        tr->verdict = JDG_JE;
        snprintf(tr->message, sizeof(tr->message),
                 "validator failed: %s, exit code %d, signal %d: %.120s", sbx_status_name(res.status),
                 res.exit_code, res.signal, res.err.data ? res.err.data : "");
    }
    sbx_result_release(&res);
out:
    if (fd >= 0)
        close(fd);
    gv_free(in);
    gv_free(ans);
    return err;
}

/* One buffer for the answers of a whole judging: the answer is read with a
 * read sized by fstat into memory reused from test to test, instead of a
 * fresh buffer grown in 64 KiB chunks copied through the stack per test. */
struct ans_buf {
    char *data;
    size_t len, cap;
};

#define ANSWER_MAX ((size_t)1 << 30)

static int read_answer(struct ans_buf *b, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = 0;
    size_t want;

    if (fd < 0)
        return -errno;
    b->len = 0;
    if (fstat(fd, &st) < 0) {
        err = -errno;
        goto out;
    }
    want = (size_t)st.st_size + 1;
    for (;;) {
        ssize_t n;
        if (b->len + 1 >= b->cap || want > b->cap) {
            size_t cap = want > b->cap ? want : b->cap * 2;
            char *d;
            if (cap > ANSWER_MAX + 1) {
                err = GV_ETOOBIG;
                goto out;
            }
            d = gv_realloc(b->data, cap);
            if (!d) {
                err = -ENOMEM;
                goto out;
            }
            b->data = d;
            b->cap = cap;
        }
        n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            goto out;
        }
        b->len += (size_t)n;
    }
    b->data[b->len] = '\0';
out:
    close(fd);
    return err;
}

/* `ans_err` is how reading the answer went while the program ran (see
 * struct overlap); ANS_UNREAD when it was not read then. */
#define ANS_UNREAD 1

static int check_default(struct jdg_test_result *tr, struct ans_buf *ans, int ans_err,
                         const struct jdg_problem *prob, const struct jdg_test *t,
                         const char *output, size_t output_len)
{
    int err = ans_err == ANS_UNREAD ? read_answer(ans, t->ans_path) : ans_err;

    if (err < 0) {
        snprintf(tr->message, sizeof(tr->message), "cannot read the answer %s: %s", t->name,
                 gv_strerror(err));
        return err;
    }
    tr->verdict = jdg_check_default(&prob->flags, ans->data, ans->len, output,
                                    output_len, tr->message, sizeof(tr->message));
    return 0;
}

static void finish_scores(struct jdg_outcome *out, const struct jdg_problem *prob)
{
    out->verdict = JDG_AC;
    for (size_t i = 0; i < out->ntests; i++) {
        if (!out->ran[i] || out->tests[i].verdict == JDG_AC)
            continue;
        /* A judge error (validator crash, sandbox SE) voids the judging
         * even after an earlier failure: a scored problem runs on past a
         * WA, and reporting that WA would commit a score missing the
         * groups never judged (the worker retries only a JE). */
        if (out->tests[i].verdict == JDG_JE) {
            out->verdict = JDG_JE;
            break;
        }
        if (out->verdict == JDG_AC)
            out->verdict = out->tests[i].verdict;
    }
    if (!prob->scored) {
        out->score = out->verdict == JDG_AC ? 1 : 0;
        return;
    }
    out->score = 0;
    for (size_t g = 0; g < prob->ngroups; g++) {
        bool all = true, any = false;
        for (size_t i = 0; i < prob->ntests; i++) {
            if (prob->tests[i].group != (int)g)
                continue;
            any = true;
            all = all && out->ran[i] && out->tests[i].verdict == JDG_AC;
        }
        if (any && all)
            out->score += prob->groups[g].points;
    }
}

/* The judge's own work for the tests around the one running, done in the
 * sandbox's `meanwhile` hook while the program starts instead of between
 * runs: the running test's answer, the next test's stdin, and the
 * progress report of the test before (the worker publishes it to Redis).
 * Each result waits here for the loop; ANS_UNREAD and NEXT_UNMADE say that
 * the hook did not run (a run that failed before it started). */
#define NEXT_UNMADE 1

struct overlap {
    const struct jdg_problem *prob;
    size_t i; /* the test running */
    struct ans_buf *ans;
    int ans_err;
    int next_fd, next_err;
    jdg_progress_fn *progress;
    void *ctx;
    const struct jdg_test_result *pending; /* a finished test not reported yet */
    size_t pending_i;
};

static void flush_progress(struct overlap *o)
{
    if (o->pending && o->progress)
        o->progress(o->ctx, JDG_PROGRESS_TEST, o->pending_i, o->pending);
    o->pending = NULL;
}

static void meanwhile(void *arg)
{
    struct overlap *o = arg;

    flush_progress(o);
    if (!o->prob->custom)
        o->ans_err = read_answer(o->ans, o->prob->tests[o->i].ans_path);
    if (o->i + 1 < o->prob->ntests)
        o->next_err = stdin_from_file(&o->next_fd, o->prob->tests[o->i + 1].in_path);
}

int jdg_judge(struct jdg_outcome *out, const struct jdg_slots *slots, struct jdg_problem *prob,
              const struct gv_lang *lang, const char *src, size_t src_len,
              jdg_progress_fn *progress, void *ctx)
{
    struct sbx_lang_cmds cmds;
    struct sbx_job job;
    struct validator val = {0};
    struct ans_buf ans = {0};
    struct overlap ov = {.prob = prob, .ans = &ans, .next_fd = -1, .progress = progress, .ctx = ctx};
    int err = 0, compiled;

    jdg_outcome_init(out);
    out->verdict = JDG_JE;
    out->tests = gv_calloc(prob->ntests ? prob->ntests : 1, sizeof(*out->tests));
    out->ran = gv_calloc(prob->ntests ? prob->ntests : 1, sizeof(*out->ran));
    if (!out->tests || !out->ran) {
        snprintf(out->message, sizeof(out->message), "out of memory");
        return -ENOMEM;
    }
    out->ntests = prob->ntests;
    gv_buf_init(&out->compile_output, COMPILE_OUTPUT_MAX);

    memset(&job, 0, sizeof(job));
    run_limits(&job.limits, prob, lang);
    err = sbx_lang_cmds(&cmds, lang, src, src_len, &job.limits);
    if (err < 0) {
        snprintf(out->message, sizeof(out->message), "cannot build the command line");
        return err;
    }
    if (progress)
        progress(ctx, JDG_PROGRESS_COMPILING, 0, NULL);
    compiled = compile_in(slots->run, lang, &cmds, src, src_len, &out->compile_output,
                          out->message, sizeof(out->message));
    if (compiled < 0)
        return compiled;
    if (compiled == 0) {
        out->verdict = JDG_CE;
        out->score = 0;
        return 0;
    }
    if (progress)
        progress(ctx, JDG_PROGRESS_RUNNING, 0, NULL);

    job.argv = cmds.run;
    job.profile = sbx_lang_profile(lang);
    job.capture_max = (size_t)job.limits.output_bytes;
    job.meanwhile = meanwhile;
    job.meanwhile_ctx = &ov;
    ov.next_err = NEXT_UNMADE;
    for (size_t i = 0; i < prob->ntests; i++) {
        const struct jdg_test *t = &prob->tests[i];
        struct jdg_test_result *tr = &out->tests[i];
        struct sbx_result res;
        int fd = ov.next_fd;

        err = ov.next_err == NEXT_UNMADE ? stdin_from_file(&fd, t->in_path) : ov.next_err;
        ov.next_fd = -1;
        ov.next_err = NEXT_UNMADE;
        if (err < 0) {
            snprintf(out->message, sizeof(out->message), "cannot read test input %s: %s",
                     t->name, gv_strerror(err));
            flush_progress(&ov);
            gv_free(ans.data);
            return err;
        }
        ov.i = i;
        ov.ans_err = ANS_UNREAD;
        job.stdin_fd = fd;
        err = slot_run(&res, slots->run, &job);
        close(fd);
        if (err < 0) {
            snprintf(out->message, sizeof(out->message), "the sandbox failed on test %s: %s",
                     t->name, gv_strerror(err));
            flush_progress(&ov);
            if (ov.next_fd >= 0)
                close(ov.next_fd);
            gv_free(ans.data);
            return err;
        }
        out->ran[i] = true;
        out->nrun++;
        tr->cpu_ms = res.cpu_ms;
        tr->wall_ms = res.wall_ms;
        tr->memory_kb = res.memory_kb;
        tr->verdict = verdict_of(res.status);
        if (res.status == SBX_SE)
            snprintf(tr->message, sizeof(tr->message), "sandbox: %.200s", res.message);
        else if (res.status == SBX_RE && res.syscall[0])
            snprintf(tr->message, sizeof(tr->message), "forbidden system call %s", res.syscall);
        else if (res.status == SBX_RE)
            snprintf(tr->message, sizeof(tr->message), "exit code %d, signal %d", res.exit_code,
                     res.signal);
        if (tr->verdict == JDG_AC) {
            if (!prob->custom) {
                err = check_default(tr, &ans, ov.ans_err, prob, t,
                                    res.out.data ? res.out.data : "", res.out.len);
            } else {
                if (!val.ready)
                    err = validator_prepare(&val, slots->check, prob, tr->message,
                                            sizeof(tr->message));
                if (err == 0)
                    err = validate(tr, &val, slots->check, prob, t,
                                   res.out.data ? res.out.data : "", res.out.len);
            }
            if (err < 0) {
                tr->verdict = JDG_JE;
                snprintf(out->message, sizeof(out->message), "%s", tr->message);
            }
        }
        sbx_result_release(&res);
        if (tr->cpu_ms > out->max_cpu_ms)
            out->max_cpu_ms = tr->cpu_ms;
        if (tr->memory_kb > out->max_memory_kb)
            out->max_memory_kb = tr->memory_kb;
        /* Reported while the next test runs, or after the loop. */
        flush_progress(&ov);
        ov.pending = tr;
        ov.pending_i = i;
        if (err < 0)
            break;
        if (tr->verdict == JDG_JE && !out->message[0])
            snprintf(out->message, sizeof(out->message), "test %.60s: %.180s", t->name, tr->message);
        /* ICPC problems stop at the first failure; a judge error stops
         * any problem, since the rest could not be trusted either. */
        if ((tr->verdict != JDG_AC && !prob->scored) || tr->verdict == JDG_JE)
            break;
    }
    flush_progress(&ov);
    if (ov.next_fd >= 0)
        close(ov.next_fd);
    gv_free(ans.data);
    finish_scores(out, prob);
    if (err < 0)
        out->verdict = JDG_JE;
    return 0;
}

int jdg_validator_check(struct sbx_slot *slot, struct jdg_problem *prob, char *msg,
                        size_t msg_len)
{
    struct validator val = {0};

    if (!prob->custom)
        return 0;
    return validator_prepare(&val, slot, prob, msg, msg_len);
}
