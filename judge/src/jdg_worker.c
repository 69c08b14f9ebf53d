/* SPDX-License-Identifier: MIT
 * jdg_worker.c - see jdg_worker.h.
 *
 * Order of effects for one submission, and why:
 *   1. db_judging_start: a new valid judging; any unfinished one of a dead
 *      worker is retired, so only this judging can write a result.
 *   2. judge, publishing progress events on the live stream as it goes
 *      (best effort: a watcher that misses a test still gets the verdict
 *      from step 4).
 *   3. db_judging_finish: verdict, per-test rows, counters and the logged
 *      judging.verdict event, one transaction. Fails harmlessly if this
 *      judging was superseded.
 *   4. the verdict event on the live stream (every gavel-server reads it
 *      and clients resume from it), then the author's scoreboard row for a
 *      contest submission (db_contest_row_publish).
 *   5. an accepted source's plagiarism fingerprints (db_plag_fingerprint):
 *      after the verdict is committed and published, so that it can neither
 *      change nor delay it; a failure is logged and `gavel plag backfill`
 *      computes what is missing.
 * The caller acknowledges the queue entry only after all of this. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db_contest.h"
#include "db_event.h"
#include "db_judging.h"
#include "db_plag.h"
#include "db_problem.h"
#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "gv_log.h"
#include "gv_time.h"
#include "gv_utf8.h"
#include "jdg_internal.h"
#include "jdg_metrics.h"
#include "jdg_worker.h"
#include "banned.h"

#define PROBLEM_CACHE 8
#define SOURCE_MAX (1u << 20)

struct cached_problem {
    int64_t version_id;
    uint64_t used;
    struct jdg_problem prob;
    int64_t *test_ids; /* test_cases.id, parallel to prob.tests */
};

struct jdg_worker {
    struct db_pg *pg;
    struct db_redis *redis;
    struct jdg_slots slots;
    char cache_dir[3072];
    char host_id[256];
    struct cached_problem problems[PROBLEM_CACHE];
    uint64_t clock;
};

static int mkdir_p(const char *path)
{
    char tmp[4096];
    size_t len = strlen(path);

    if (len >= sizeof(tmp))
        return GV_ETOOBIG;
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int jdg_worker_new(struct jdg_worker **out, struct db_pg *pg, struct db_redis *redis,
                   const struct jdg_slots *slots, const char *cache_dir, const char *host_id)
{
    struct jdg_worker *w;
    int err;

    *out = NULL;
    w = gv_calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->pg = pg;
    w->redis = redis;
    w->slots = *slots;
    snprintf(w->cache_dir, sizeof(w->cache_dir), "%s", cache_dir);
    snprintf(w->host_id, sizeof(w->host_id), "%s", host_id);
    err = mkdir_p(w->cache_dir);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "judge", "cannot create the blob cache %s: %s", cache_dir,
               gv_strerror(err));
        gv_free(w);
        return err;
    }
    *out = w;
    return 0;
}

static void drop_problem(struct cached_problem *c)
{
    jdg_problem_release(&c->prob);
    gv_free(c->test_ids);
    memset(c, 0, sizeof(*c));
}

void jdg_worker_free(struct jdg_worker *w)
{
    if (!w)
        return;
    for (int i = 0; i < PROBLEM_CACHE; i++)
        drop_problem(&w->problems[i]);
    gv_free(w);
}

void jdg_worker_set_stores(struct jdg_worker *w, struct db_pg *pg, struct db_redis *redis)
{
    w->pg = pg;
    w->redis = redis;
}

static bool is_sha256_hex(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    }
    return n == 64;
}

int jdg_worker_blob_path(struct jdg_worker *w, char *path, size_t path_len, const char *sha256)
{
    char dir[3200], tmp[4096];
    struct stat st;
    void *data = NULL;
    size_t len = 0, off = 0;
    int fd = -1, err;

    if (!is_sha256_hex(sha256))
        return GV_EINVAL;
    snprintf(dir, sizeof(dir), "%s/%.2s", w->cache_dir, sha256);
    if ((size_t)snprintf(path, path_len, "%s/%s", dir, sha256) >= path_len)
        return GV_ETOOBIG;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        return 0;
    /* db_blob_get checks the bytes against their hash; the file appears
     * under its final name only complete (rename), so a crash mid-write
     * never leaves a truncated test behind. */
    err = db_blob_get(&data, &len, w->pg, sha256);
    if (err < 0)
        return err;
    err = mkdir_p(dir);
    if (err < 0)
        goto out;
    snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, sha256, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        err = -errno;
        goto out;
    }
    while (off < len) {
        ssize_t n = write(fd, (char *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            goto out;
        }
        off += (size_t)n;
    }
    if (close(fd) < 0) {
        fd = -1;
        err = -errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        err = -errno;
out:
    if (fd >= 0)
        close(fd);
    if (err < 0)
        unlink(tmp);
    gv_free(data);
    return err;
}

/* Builds the judge's view of a stored version: the same struct a package
 * directory gives, with test paths pointing into the blob cache. */
static int problem_from_db(struct jdg_worker *w, struct cached_problem *c, int64_t version_id)
{
    struct db_problem_version v;
    struct jdg_problem *p = &c->prob;
    char msg[256];
    cJSON *groups = NULL;
    int err;

    jdg_problem_init(p);
    err = db_problem_load_version(&v, w->pg, version_id);
    if (err < 0)
        return err;
    snprintf(p->slug, sizeof(p->slug), "%s", v.slug);
    snprintf(p->name, sizeof(p->name), "%s", v.name);
    p->time_limit_ms = v.time_limit_ms;
    p->memory_limit_kb = v.memory_limit_kb;
    p->output_limit_kb = v.output_limit_kb;
    snprintf(p->validator_flags, sizeof(p->validator_flags), "%s", v.validator_flags);
    err = jdg_check_flags_parse(&p->flags, v.validator_flags, msg, sizeof(msg));
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "judge", "problem version %" PRId64 ": %s", version_id, msg);
        goto out;
    }
    if (v.custom) {
        size_t len = 0;
        void *src = NULL;
        p->custom = true;
        snprintf(p->validator_name, sizeof(p->validator_name), "%s", v.validator_name);
        p->validator_lang = jdg__validator_lang(v.validator_name);
        if (!p->validator_lang) {
            err = GV_EPARSE;
            goto out;
        }
        err = db_blob_get(&src, &len, w->pg, v.validator_sha256);
        if (err < 0)
            goto out;
        p->validator_src = src;
        p->validator_len = len;
    }
    p->scored = v.scoring;
    groups = cJSON_Parse(v.groups_json ? v.groups_json : "[]");
    if (p->scored && cJSON_IsArray(groups) && cJSON_GetArraySize(groups) > 0) {
        int n = cJSON_GetArraySize(groups);
        p->groups = gv_calloc((size_t)n, sizeof(*p->groups));
        if (!p->groups) {
            err = -ENOMEM;
            goto out;
        }
        for (int i = 0; i < n; i++) {
            cJSON *g = cJSON_GetArrayItem(groups, i);
            cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
            cJSON *pts = cJSON_GetObjectItemCaseSensitive(g, "points");
            snprintf(p->groups[i].name, sizeof(p->groups[i].name), "%s",
                     cJSON_IsString(name) ? name->valuestring : "");
            p->groups[i].points = cJSON_IsNumber(pts) ? pts->valuedouble : 0;
        }
        p->ngroups = (size_t)n;
    }
    p->tests = gv_calloc(v.ntests ? v.ntests : 1, sizeof(*p->tests));
    c->test_ids = gv_calloc(v.ntests ? v.ntests : 1, sizeof(*c->test_ids));
    if (!p->tests || !c->test_ids) {
        err = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < v.ntests; i++) {
        const struct db_test_row *row = &v.tests[i];
        struct jdg_test *t = &p->tests[i];
        snprintf(t->name, sizeof(t->name), "%s", row->name);
        t->is_sample = row->is_sample;
        t->group = -1;
        for (size_t g = 0; g < p->ngroups && row->group[0]; g++) {
            if (!strcmp(p->groups[g].name, row->group))
                t->group = (int)g;
        }
        snprintf(t->in_sha256, sizeof(t->in_sha256), "%s", row->in_sha256);
        snprintf(t->ans_sha256, sizeof(t->ans_sha256), "%s", row->ans_sha256);
        err = jdg_worker_blob_path(w, t->in_path, sizeof(t->in_path), row->in_sha256);
        if (err == 0)
            err = jdg_worker_blob_path(w, t->ans_path, sizeof(t->ans_path), row->ans_sha256);
        if (err < 0)
            goto out;
        c->test_ids[i] = row->id;
    }
    p->ntests = v.ntests;
    c->version_id = version_id;
out:
    cJSON_Delete(groups);
    db_problem_version_release(&v);
    if (err < 0)
        drop_problem(c);
    return err;
}

static int get_problem(struct jdg_worker *w, struct cached_problem **out, int64_t version_id)
{
    struct cached_problem *victim = &w->problems[0];
    int err;

    for (int i = 0; i < PROBLEM_CACHE; i++) {
        struct cached_problem *c = &w->problems[i];
        if (c->version_id == version_id) {
            c->used = ++w->clock;
            *out = c;
            return 0;
        }
        if (c->used < victim->used)
            victim = c;
    }
    drop_problem(victim);
    err = problem_from_db(w, victim, version_id);
    if (err < 0)
        return err;
    victim->used = ++w->clock;
    *out = victim;
    return 0;
}

/* Progress goes only to the live stream (the servers read it; nothing is
 * logged): best effort, since a watcher that misses a test still gets the
 * verdict, and a failure must not stall the judging. */
static void publish(struct jdg_worker *w, const struct cst_event *ev)
{
    if (w->redis && db_event_publish(NULL, w->redis, ev) < 0)
        gv_log(GV_LOG_WARN, "judge", "cannot publish %s of submission %" PRId64 ": %s",
               cst_event_info(ev->type)->name, ev->submission_id, db_redis_last_error(w->redis));
}

static void judging_event(struct cst_event *ev, enum cst_event_type type,
                          const struct db_submission *sub)
{
    cst_event_init(ev, type);
    ev->submission_id = sub->id;
    ev->user_id = sub->user_id;
    ev->contest_id = sub->contest_id;
}

struct progress_ctx {
    struct jdg_worker *w;
    const struct db_submission *sub;
    const struct jdg_problem *prob;
    jdg_worker_tick_fn *tick;
    void *tick_ctx;
};

static void on_progress(void *ctx, enum jdg_progress_kind kind, size_t test,
                        const struct jdg_test_result *res)
{
    struct progress_ctx *pc = ctx;
    struct cst_event ev;

    if (kind == JDG_PROGRESS_RUNNING)
        (void)db_judging_running(pc->w->pg, pc->sub->id);
    if (kind == JDG_PROGRESS_TEST) {
        judging_event(&ev, CST_EVENT_JUDGING_TEST, pc->sub);
        ev.u.test.test = (int)test + 1;
        ev.u.test.tests = (int)pc->prob->ntests;
        snprintf(ev.u.test.verdict, sizeof(ev.u.test.verdict), "%s",
                 jdg_verdict_name(res->verdict));
        ev.u.test.cpu_ms = res->cpu_ms;
        ev.u.test.memory_kb = res->memory_kb;
    } else {
        judging_event(&ev, CST_EVENT_JUDGING_STATE, pc->sub);
        ev.u.state.state =
            kind == JDG_PROGRESS_COMPILING ? CST_JUDGING_COMPILING : CST_JUDGING_RUNNING;
    }
    publish(pc->w, &ev);
    if (pc->tick)
        pc->tick(pc->tick_ctx);
}

/* Step 5: best effort. About 0.1 ms of CPU and one upsert that does not
 * wait for the WAL flush, for a 200-line source (docs/PLAGIARISM.md,
 * "Fingerprint cost per accepted submission"). */
static void fingerprint(struct jdg_worker *w, const struct db_submission *sub, const void *src,
                        size_t len)
{
    int err = db_plag_fingerprint(w->pg, sub->id, sub->language, src, len);

    if (err < 0)
        gv_log(GV_LOG_WARN, "judge",
               "submission %" PRId64 ": cannot store its plagiarism fingerprints: %s "
               "(gavel plag backfill computes them)",
               sub->id, gv_strerror(err));
}

static int write_result(struct jdg_worker *w, int64_t judging_id, const struct db_submission *sub,
                        const struct cached_problem *c, const struct jdg_outcome *o)
{
    struct db_test_result *rows = NULL;
    struct db_judging_result r = {0};
    char *compile_output = NULL;
    struct cst_event verdict;
    size_t n = 0;
    int err;

    rows = gv_calloc(o->ntests ? o->ntests : 1, sizeof(*rows));
    if (!rows)
        return -ENOMEM;
    for (size_t i = 0; i < o->ntests; i++) {
        if (!o->ran[i])
            continue;
        rows[n].test_case_id = c->test_ids[i];
        rows[n].verdict = jdg_verdict_name(o->tests[i].verdict);
        rows[n].cpu_ms = o->tests[i].cpu_ms;
        rows[n].wall_ms = o->tests[i].wall_ms;
        rows[n].memory_kb = o->tests[i].memory_kb;
        n++;
    }
    if (o->compile_output.len) {
        compile_output = gv_utf8_sanitize(o->compile_output.data, o->compile_output.len);
        if (!compile_output) {
            gv_free(rows);
            return -ENOMEM;
        }
    }
    r.verdict = jdg_verdict_name(o->verdict);
    r.score = o->score;
    r.max_time_ms = o->max_cpu_ms;
    r.max_memory_kb = o->max_memory_kb;
    r.compile_output = compile_output;
    r.tests = rows;
    r.ntests = n;
    err = db_judging_finish(&verdict, w->pg, judging_id, sub, &r);
    if (err == 0) {
        publish(w, &verdict);
        /* The author's row changed (during the freeze, only its pending
         * count): best effort like the rest, the next snapshot has it. */
        if (sub->contest_id && w->redis) {
            int e = db_contest_row_publish(w->pg, w->redis, sub->contest_id, sub->user_id,
                                           gv_time_real_ms());
            if (e < 0 && e != GV_ENOTFOUND) /* not on the board: hidden, or an organizer */
                gv_log(GV_LOG_WARN, "judge",
                       "cannot publish the scoreboard row of submission %" PRId64 ": %s",
                       sub->id, gv_strerror(e));
        }
    }
    gv_free(compile_output);
    gv_free(rows);
    return err;
}

int jdg_worker_judge(struct jdg_worker *w, int64_t id, bool rejudge, bool give_up,
                     jdg_worker_tick_fn *tick, void *tick_ctx)
{
    struct db_submission sub;
    struct cached_problem *c = NULL;
    struct jdg_outcome out;
    struct progress_ctx pc;
    const struct gv_lang *lang;
    void *src = NULL;
    size_t src_len = 0;
    int64_t judging_id = 0, started_ms = gv_time_mono_ms();
    /* One judging at a time per process: a change of the counter is a
     * give-up of this judging (a test, the validator or a reset). */
    uint64_t giveups = gv_counter_get(&jdg_metrics.sandbox_giveups);
    int err, e;

    jdg_outcome_init(&out);
    err = db_judging_start(&sub, &judging_id, w->pg, id, w->host_id, rejudge);
    if (err == GV_EEXIST)
        return 0; /* judged by an earlier delivery */
    if (err < 0)
        return err;
    lang = gv_lang_find(sub.language);
    if (!give_up && lang) {
        err = get_problem(w, &c, sub.version_id);
        if (err == 0)
            err = db_blob_get(&src, &src_len, w->pg, sub.source_sha256);
        if (err < 0)
            goto out;
        pc = (struct progress_ctx){w, &sub, &c->prob, tick, tick_ctx};
        err = jdg_judge(&out, &w->slots, &c->prob, lang, src, src_len, on_progress, &pc);
        /* The boxes are wiped whatever happened: the next submission must
         * not find this one's files. */
        for (int i = 0; i < 2; i++) {
            e = sbx_slot_reset(i == 0 ? w->slots.run : w->slots.check);
            if (e == GV_EGIVEUP)
                gv_counter_add(&jdg_metrics.sandbox_giveups, 1);
            if (e < 0) {
                gv_log(GV_LOG_ERROR, "judge", "cannot reset the sandbox slots: %s",
                       gv_strerror(e));
                err = err < 0 ? err : GV_EINTERNAL;
            }
        }
        if (gv_counter_get(&jdg_metrics.sandbox_giveups) != giveups) {
            /* A slot never answered (or died) and was replaced: whatever this
             * judging found is void, nothing of it is the contestant's. */
            gv_log(GV_LOG_WARN, "judge",
                   "submission %" PRId64 ": the sandbox gave up on a slot that never answered or "
                   "died (%s); it goes back on the queue",
                   id, out.message[0] ? out.message : "during a reset");
            err = GV_EGIVEUP;
            goto out;
        }
        if (err < 0 || out.verdict == JDG_JE) {
            /* The sandbox failed or the jury's validator did: never the
             * contestant's fault, so the entry stays pending for another
             * try unless the caller decides to give up. */
            gv_log(GV_LOG_ERROR, "judge", "submission %" PRId64 ": judge error: %s", id,
                   out.message);
            err = err < 0 ? err : GV_EINTERNAL;
            goto out;
        }
    } else {
        /* Giving up after repeated failures, or a language this worker
         * does not know: a JE verdict a human has to look at. */
        if (!c && get_problem(w, &c, sub.version_id) < 0)
            c = NULL;
        out.verdict = JDG_JE;
        snprintf(out.message, sizeof(out.message), "%s",
                 give_up ? "gave up after repeated judging failures" : "unknown language");
        if (!c) {
            static struct cached_problem empty;
            c = &empty;
        }
    }
    err = write_result(w, judging_id, &sub, c, &out);
    if (err == GV_EEXIST)
        gv_log(GV_LOG_INFO, "judge", "submission %" PRId64 ": superseded by another judging", id);
    if (err == 0) {
        jdg_metrics_judged(out.verdict, (double)(gv_time_mono_ms() - started_ms) / 1000);
        gv_log(GV_LOG_INFO, "judge", "submission %" PRId64 ": %s (%" PRId64 " ms, %" PRId64 " KiB)",
               id, jdg_verdict_name(out.verdict), out.max_cpu_ms, out.max_memory_kb);
    }
    if (err == 0 && out.verdict == JDG_AC && src)
        fingerprint(w, &sub, src, src_len);
out:
    gv_free(src);
    jdg_outcome_release(&out);
    return err;
}
