/* SPDX-License-Identifier: MIT
 * test_server_plag.c - plagiarism from the judge to the console's requests,
 * on one gavel-server with a fresh database and the shared Redis.
 *
 * Three contest submissions (two near-copies of one solution and an
 * independent one) are judged as gavel-judge judges them
 * (db_judging_start, db_judging_finish) and fingerprinted by the very
 * function its worker calls after an accepted verdict (db_plag_fingerprint),
 * whose cost is measured and printed. Then plag.report ranks the copy pair
 * first with its regions, plag.review stores a mark that the next report
 * shows (and removes it), bad pairs are refused, and a contestant gets
 * `forbidden` for both requests.
 *
 * Usage: test_server_plag GAVEL-SERVER GAVEL EXAMPLES-DIR PLAG-DATA-DIR. Needs
 * GAVEL_PG_URL and GAVEL_REDIS_URL; exits 77 without them. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst_def.h"
#include "db.h"
#include "db_judging.h"
#include "db_plag.h"
#include "db_queue.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

static const char *server_path, *gavel_path, *examples, *plag_data;
static char pg_url[512], e_pg[600], e_queue[96], e_rate[96], e_port[40];
static struct db_pg *pg;
static struct db_redis *redis;
static int port;
static pid_t server;

struct user {
    const char *name;
    char token[80];
    int64_t id;
};
static struct user org = {.name = "org"}, mallory = {.name = "mallory"},
                   alice = {.name = "alice"}, bob = {.name = "bob"}, carol = {.name = "carol"};
static int64_t contest_id, sub_a, sub_b, sub_c;

static void sql(const char *q)
{
    ICHECK(db_pg_exec_script(pg, q) == 0, "%s: %s", q, db_pg_last_error(pg));
}

__attribute__((format(printf, 1, 2))) static char *fmt_req(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return strdup(buf);
}

static int connect_as(const struct user *u)
{
    char req[160];
    int fd = itest_ws_open(port);

    snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", u->token);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    return fd;
}

static void register_user(struct user *u)
{
    u->id = itest_register(port, u->name, "secret-pw", u->token, sizeof(u->token));
}

static char *read_file(size_t *len, const char *name)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/cpp/max-subarray/%s", plag_data, name);
    f = fopen(path, "rb");
    ICHECK(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ICHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n, "cannot read %s", path);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* Stores `file` as `u`'s submission, judges it AC as gavel-judge's worker
 * does, then fingerprints it with the worker's call. */
static int64_t submit_accepted(const struct user *u, const char *file)
{
    struct db_new_submission in = {0};
    struct db_submission sub;
    struct db_judging_result r = {.verdict = "AC", .score = 1};
    struct cst_event ev;
    int64_t id = 0, judging = 0;
    int prio = 0;
    size_t len;
    char *src = read_file(&len, file);

    in.user_id = u->id;
    in.problem_slug = "pair-sum";
    in.contest_id = contest_id;
    in.language = "cpp";
    in.source = src;
    in.source_len = len;
    ICHECK(db_submission_create(&id, &prio, pg, &in) == 0, "submit %s: %s", file,
           db_pg_last_error(pg));
    ICHECK(db_judging_start(&sub, &judging, pg, id, "itest", false) == 0, "judging start");
    ICHECK(db_judging_finish(&ev, pg, judging, &sub, &r) == 0, "judging finish");
    ICHECK(db_plag_fingerprint(pg, sub.id, sub.language, src, len) == 0, "fingerprint %s", file);
    free(src);
    return id;
}

static void test_judge_path(void)
{
    struct timespec t0, t1;
    size_t len;
    char *src;
    double ms;
    const int runs = 200;

    itest_step = "judge path";
    sub_a = submit_accepted(&alice, "a.cpp");
    sub_b = submit_accepted(&bob, "a_copy_rename.cpp");
    sub_c = submit_accepted(&carol, "b.cpp");
    ICHECK(itest_sql_int(pg, "SELECT count(*) FROM submission_fingerprints WHERE fp_count > 0 AND format = "
                   "%u AND language = 'cpp'",
                   PLG_BLOB_VERSION) == 3,
           "three fingerprints stored");
    /* What the worker adds after each accepted verdict: fingerprint and one
     * INSERT (an upsert here, as the row exists). */
    /* A source of about 200 lines: the set's max-subarray files one after
     * another. */
    {
        static const char *const parts[] = {"a.cpp", "a_copy_rename.cpp", "a_copy_reorder.cpp",
                                            "b.cpp", "b_copy_loops.cpp", "c.cpp",
                                            "c_copy_deadcode.cpp"};
        size_t lines = 0;

        src = NULL;
        len = 0;
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            size_t n;
            char *p = read_file(&n, parts[i]);

            src = realloc(src, len + n + 1);
            ICHECK(src, "oom");
            memcpy(src + len, p, n + 1);
            len += n;
            free(p);
        }
        for (size_t i = 0; i < len; i++)
            lines += src[i] == '\n';
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < runs; i++)
            ICHECK(db_plag_fingerprint(pg, sub_a, "cpp", src, len) == 0, "fingerprint again");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) /
             runs;
        printf("db_plag_fingerprint: %.3f ms per accepted submission (%zu lines, %zu bytes, %d "
               "runs, fingerprint + encode + INSERT)\n",
               ms, lines, len, runs);
        free(src);
        /* Restore alice's own fingerprints. */
        src = read_file(&len, "a.cpp");
        ICHECK(db_plag_fingerprint(pg, sub_a, "cpp", src, len) == 0, "fingerprint a.cpp");
        free(src);
    }
    /* The upsert turns off synchronous_commit for its own transaction only:
     * the verdicts this connection commits next keep the session's setting. */
    {
        struct db_plag_fp fp;

        src = read_file(&len, "a.cpp");
        ICHECK(db_plag_fp_compute(&fp, "cpp", src, len) == 0 && fp.nfp > 0, "compute a.cpp");
        sql("SET synchronous_commit = on");
        ICHECK(db_plag_fp_store(pg, sub_a, &fp) == 0, "store a.cpp: %s", db_pg_last_error(pg));
        ICHECK(itest_sql_int(pg, "SELECT (current_setting('synchronous_commit') = 'on')::int") == 1,
               "synchronous_commit left off on the judge's connection");
        ICHECK(itest_sql_int(pg, "SELECT fp_count FROM submission_fingerprints WHERE submission_id = %lld",
                       (long long)sub_a) == (int64_t)fp.nfp,
               "stored row is a.cpp's");
        sql("RESET synchronous_commit");
        db_plag_fp_release(&fp);
        free(src);
    }
    /* An unknown language is an error for the caller to log, never a crash. */
    ICHECK(db_plag_fingerprint(pg, sub_a, "cobol", "x", 1) < 0, "cobol fingerprinted");
    {
        struct db_plag_fp fp;

        ICHECK(db_plag_fp_compute(&fp, "cobol", "x", 1) == GV_EINVAL && !fp.blob,
               "cobol computed");
        db_plag_fp_release(&fp);
    }
}

static const cJSON *find_pair(const cJSON *pairs, int64_t a, int64_t b)
{
    const cJSON *p;

    cJSON_ArrayForEach(p, pairs)
    {
        int64_t l = (int64_t)itest_num(p, "left_id"), r = (int64_t)itest_num(p, "right_id");

        if ((l == a && r == b) || (l == b && r == a))
            return p;
    }
    return NULL;
}

static cJSON *report(int fd, const char *extra)
{
    char *req = fmt_req("{\"type\":\"plag.report\",\"contest\":%lld%s}", (long long)contest_id,
                        extra ? extra : "");
    cJSON *r = itest_rpc(fd, req, "ok", NULL);

    free(req);
    return r;
}

static void test_report_and_review(int fd)
{
    const cJSON *d, *pairs, *top, *mark, *regions;
    cJSON *r;
    char *req;
    const char *msg;

    itest_step = "report";
    r = report(fd, NULL);
    d = itest_data(r);
    pairs = cJSON_GetObjectItemCaseSensitive(d, "pairs");
    ICHECK(cJSON_GetArraySize(pairs) >= 1, "no pair");
    top = cJSON_GetArrayItem(pairs, 0);
    ICHECK(find_pair(pairs, sub_a, sub_b) == top, "the copy pair is not on top");
    ICHECK(itest_num(top, "similarity") > 0.8, "copy similarity %g", itest_num(top, "similarity"));
    ICHECK(!strcmp(itest_str(top, "group"), "pair-sum"), "group %s", itest_str(top, "group"));
    ICHECK(!strcmp(itest_str(top, "left_user"), "alice"), "left user");
    regions = cJSON_GetObjectItemCaseSensitive(top, "regions");
    ICHECK(cJSON_GetArraySize(regions) > 0, "no regions");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(regions, 0),
                                                                "left")) == 2,
           "a region is not [from, to]");
    ICHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(top, "mark")), "marked already");
    for (const cJSON *p = top->next; p; p = p->next)
        ICHECK(itest_num(p, "similarity") < 0.5, "an independent pair at %g",
               itest_num(p, "similarity"));
    ICHECK(itest_num(d, "files") == 3 && itest_num(d, "missing") == 0 &&
               itest_num(d, "templates") == 0,
           "files/missing/templates (no package template)");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "clusters")) == 1, "clusters");
    cJSON_Delete(r);

    itest_step = "review";
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":%lld,"
                  "\"status\":\"confirmed\",\"note\":\"same loop, renamed\"}",
                  (long long)contest_id, (long long)sub_b, (long long)sub_a);
    r = itest_rpc(fd, req, "ok", NULL);
    free(req);
    ICHECK(itest_num(itest_data(r), "left") == (double)sub_a, "left not the smaller id");
    cJSON_Delete(r);
    r = report(fd, ",\"problem\":\"A\",\"min_similarity\":0.8");
    pairs = cJSON_GetObjectItemCaseSensitive(itest_data(r), "pairs");
    ICHECK(cJSON_GetArraySize(pairs) == 1, "min_similarity 0.8: %d pairs",
           cJSON_GetArraySize(pairs));
    mark = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pairs, 0), "mark");
    ICHECK(cJSON_IsObject(mark), "the mark is not in the next report");
    ICHECK(!strcmp(itest_str(mark, "status"), "confirmed"), "status");
    ICHECK(!strcmp(itest_str(mark, "by"), "org"), "by");
    ICHECK(!strcmp(itest_str(mark, "note"), "same loop, renamed"), "note");
    cJSON_Delete(r);
    ICHECK(itest_sql_int(pg, "SELECT count(*) FROM plagiarism_reviews WHERE status = 'confirmed' AND "
                   "reviewed_by = %lld",
                   (long long)org.id) == 1,
           "stored");

    /* Changed, then removed. */
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":%lld,"
                  "\"status\":\"cleared\"}",
                  (long long)contest_id, (long long)sub_a, (long long)sub_c);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    free(req);
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":%lld,"
                  "\"status\":\"none\"}",
                  (long long)contest_id, (long long)sub_a, (long long)sub_b);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    free(req);
    ICHECK(itest_sql_int(pg, "SELECT count(*) FROM plagiarism_reviews") == 1, "one mark left");
    ICHECK(itest_sql_int(pg, "SELECT count(*) FROM plagiarism_reviews WHERE status = 'cleared' AND "
                   "note IS NULL") == 1,
           "the cleared one");

    itest_step = "refusals";
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":999999,"
                  "\"status\":\"cleared\"}",
                  (long long)contest_id, (long long)sub_a);
    msg = itest_rpc_error(fd, req, "not_found");
    ICHECK(strstr(msg, "999999"), "%s", msg);
    free(req);
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":%lld,"
                  "\"status\":\"guilty\"}",
                  (long long)contest_id, (long long)sub_a, (long long)sub_b);
    itest_rpc_error(fd, req, "invalid");
    free(req);
    req = fmt_req("{\"type\":\"plag.report\",\"contest\":%lld,\"problem\":\"zz\"}",
                  (long long)contest_id);
    itest_rpc_error(fd, req, "not_found");
    free(req);
    itest_rpc_error(fd, "{\"type\":\"plag.report\",\"contest\":999999}", "not_found");
}

static void test_contestant(void)
{
    int fd;
    char *req;
    const char *msg;

    itest_step = "contestant";
    fd = connect_as(&mallory);
    req = fmt_req("{\"type\":\"plag.report\",\"contest\":%lld}", (long long)contest_id);
    msg = itest_rpc_error(fd, req, "forbidden");
    ICHECK(strstr(msg, "organizers"), "%s", msg);
    free(req);
    req = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":%lld,\"right\":%lld,"
                  "\"status\":\"cleared\"}",
                  (long long)contest_id, (long long)sub_a, (long long)sub_b);
    itest_rpc_error(fd, req, "forbidden");
    free(req);
    ICHECK(itest_sql_int(pg, "SELECT count(*) FROM plagiarism_reviews") == 1, "a contestant marked");
    close(fd);
}

static void import(const char *slug)
{
    char path[1024];
    char *argv[] = {(char *)gavel_path, "problem", "import", "--public", path, NULL};
    const char *env[] = {e_pg, NULL};

    snprintf(path, sizeof(path), "%s/%s", examples, slug);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, "/dev/null"), 60000) == 0, "import %s", slug);
}

static void setup(void)
{
    char *argv[] = {(char *)server_path, NULL};
    const char *env[] = {e_port, e_pg, e_queue, e_rate, NULL};
    char why[256], q[512];
    int applied = 0;

    itest_step = "setup";
    itest_db_create(pg_url, sizeof(pg_url), "server_plag");
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", pg_url);
    snprintf(e_queue, sizeof(e_queue), "GAVEL_QUEUE_PREFIX=itest:%d:plagq", (int)getpid());
    snprintf(e_rate, sizeof(e_rate), "GAVEL_RATE_PREFIX=itest:%d:plagrl", (int)getpid());
    ICHECK(db_pg_open(&pg, pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_migrate(&applied, pg) == 0, "migrate: %s", db_pg_last_error(pg));
    ICHECK(db_redis_open(&redis, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0, "%s",
           why);
    import("pair-sum");

    port = itest_free_port();
    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", port);
    server = itest_spawn(argv, env, NULL);
    itest_wait_health(port, 200, NULL, 20000);
    register_user(&org);
    register_user(&mallory);
    register_user(&alice);
    register_user(&bob);
    register_user(&carol);
    sql("UPDATE users SET role = 'organizer' WHERE username = 'org'");
    sql("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('plag-round', 'Plag "
        "Round', now() - interval '1 hour', now() + interval '1 hour')");
    contest_id = itest_sql_int(pg, "SELECT id FROM contests WHERE slug = 'plag-round'");
    snprintf(q, sizeof(q),
             "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT %lld, "
             "id, 'A', 1 FROM problems WHERE slug = 'pair-sum'; INSERT INTO participants "
             "(contest_id, user_id) SELECT %lld, id FROM users WHERE role = 'contestant'",
             (long long)contest_id, (long long)contest_id);
    sql(q);
}

static void teardown(void)
{
    struct db_queue_opts o = {.prefix = e_queue + strlen("GAVEL_QUEUE_PREFIX=")};
    struct db_queue *q = NULL;
    int status;

    itest_step = "shutdown";
    kill(server, SIGTERM);
    status = itest_wait_exit(server, 10000);
    ICHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "gavel-server exited with wait status %#x", status);
    if (db_queue_open(&q, redis, &o) == 0)
        db_queue_flush(q);
    db_queue_close(q);
    db_redis_close(redis);
    db_pg_close(pg);
    itest_db_drop();
}

int main(int argc, char **argv)
{
    int fd;

    if (argc != 5) {
        fprintf(stderr, "usage: test_server_plag GAVEL-SERVER GAVEL EXAMPLES-DIR PLAG-DATA\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argv[2];
    examples = argv[3];
    plag_data = argv[4];
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        return ITEST_SKIP;
    }
    itest_deadline(120);
    setup();
    test_judge_path();
    fd = connect_as(&org);
    test_report_and_review(fd);
    close(fd);
    test_contestant();
    teardown();
    itest_kill_all();
    printf("test_server_plag: all passed\n");
    return 0;
}
