/* SPDX-License-Identifier: MIT
 * test_clics_feed.c - the CLICS event feed (docs/PROTOCOL.md, "Event
 * feed") on the fixture of clics_fixture.h: the snapshot per view, the
 * round trip through `gavel contest replay`, resuming from every token of
 * the log (no gap, no duplicate), and the streamed feed: live
 * notifications per view, keep-alives, reads shared by the readers at one
 * position, and resuming after a server restart.
 *
 * Usage: test_clics_feed GAVEL-SERVER GAVEL EXAMPLES-DIR. Needs
 * GAVEL_PG_URL and GAVEL_REDIS_URL; exits 77 without them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clics_fixture.h"
#include "db_stream.h"
#include "db_token.h"
#include "banned.h"

/* The event feed's snapshot: NDJSON notifications of every object the
 * view sees, tokens in order, resumable by ?since_token=. */
static char nth_token[64]; /* feed(): the 5th line's token */

static int feed(enum ct_auth a, const char *query, bool *late_judged)
{
    struct itest_http r;
    char path[160], v[64], *line, *save = NULL;
    int n = 0;

    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false%s", (long long)ct.live,
             query);
    ct_get(&r, path, a);
    ICHECK(r.status == 200 && itest_header(r.head, "content-type", v, sizeof(v)) &&
               !strcmp(v, "application/x-ndjson"),
           "event feed: %d", r.status);
    *late_judged = false;
    for (line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *t;

        ICHECK(j && cJSON_IsString(ct_field(j, "type")) && cJSON_IsObject(ct_field(j, "data")) &&
                   cJSON_IsString(ct_field(j, "token")),
               "notification: %s", line);
        t = ct_field(j, "type");
        ICHECK(!strcmp(t->valuestring, "state") || cJSON_IsString(ct_field(j, "id")), "id: %s",
               line);
        if (!strcmp(t->valuestring, "judgements") &&
            !strcmp(cJSON_GetStringValue(ct_field(ct_field(j, "data"), "submission_id")),
                    ct_idstr(ct.s_late)))
            *late_judged = true;
        if (++n == 5)
            snprintf(nth_token, sizeof(nth_token), "%s", ct_field(j, "token")->valuestring);
        cJSON_Delete(j);
    }
    itest_http_release(&r);
    return n;
}

static void test_event_feed(void)
{
    bool late = true;
    char q[96];
    int all, pub;

    itest_step = "event feed";
    pub = feed(CT_ANON, "", &late);
    ICHECK(!late, "public feed: no judgement of the post-freeze attempt");
    all = feed(CT_BASIC_ORG, "", &late);
    ICHECK(late && all > pub,
           "jury feed: every judgement (post-freeze judgement %s, %d lines, the public %d)",
           late ? "seen" : "missing", all, pub);
    snprintf(q, sizeof(q), "&since_token=%s", nth_token);
    /* The 5th line is inside the snapshot: resuming there restarts it
     * (test_feed_resume checks the log's tokens). */
    ICHECK(feed(CT_BASIC_ORG, q, &late) == all, "a snapshot token restarts the snapshot");
}

/* The round trip: the jury's feed, replayed by `gavel contest replay`,
 * gives the jury's scoreboard (solved and time of every team). */
static void test_feed_replay(void)
{
    char path[160], feed_file[64], out_file[64];
    char *argv[] = {(char *)ct.gavel_path, "contest", "replay", "--event-feed", feed_file, NULL};
    const char *env[] = {NULL};
    struct itest_http r;
    cJSON *api, *rep;
    const cJSON *row;
    FILE *f;
    char *text;
    long n;

    itest_step = "feed round trip";
    snprintf(feed_file, sizeof(feed_file), "/tmp/itest-clics-%d.ndjson", (int)getpid());
    snprintf(out_file, sizeof(out_file), "/tmp/itest-clics-%d.out", (int)getpid());
    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false", (long long)ct.live);
    ct_get(&r, path, CT_BASIC_ORG);
    ICHECK(r.status == 200, "feed");
    f = fopen(feed_file, "w");
    ICHECK(f && fputs(r.body, f) >= 0 && fclose(f) == 0, "write %s", feed_file);
    itest_http_release(&r);
    unlink(out_file);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, out_file), 30000) == 0, "replay failed");
    f = fopen(out_file, "r");
    ICHECK(f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0, "replay output");
    text = calloc(1, (size_t)n + 1);
    ICHECK(text && fseek(f, 0, SEEK_SET) == 0 && fread(text, 1, (size_t)n, f) == (size_t)n, "read");
    fclose(f);
    rep = cJSON_Parse(text);
    ICHECK(rep, "replay output is not JSON: %s", text);
    free(text);
    api = ct_coll("scoreboard", CT_BASIC_ORG);
    ICHECK(cJSON_GetArraySize(ct_field(rep, "rows")) == cJSON_GetArraySize(ct_field(api, "rows")),
           "rows");
    cJSON_ArrayForEach(row, ct_field(api, "rows"))
    {
        const cJSON *other = ct_by_id(ct_field(rep, "rows"), "team_id",
                                      cJSON_GetStringValue(ct_field(row, "team_id")));

        ICHECK(other &&
                   itest_num(ct_field(row, "score"), "num_solved") ==
                       itest_num(ct_field(other, "score"), "num_solved") &&
                   itest_num(ct_field(row, "score"), "total_time") ==
                       itest_num(ct_field(other, "score"), "total_time") &&
                   itest_num(row, "rank") == itest_num(other, "rank"),
               "replayed row differs: %s vs %s", cJSON_PrintUnformatted(row),
               cJSON_PrintUnformatted(other));
    }
    cJSON_Delete(api);
    cJSON_Delete(rep);
    unlink(feed_file);
    unlink(out_file);
}

/* --- The event feed from the log, streamed ------------------------------------ */

/* A one-shot feed (?stream=false) as its lines (gv_malloc'd, *n of them). */
static char **feed_lines(int *n, enum ct_auth a, const char *since)
{
    struct itest_http r;
    char path[200], *line, *save = NULL, **lines = NULL;

    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false%s%s", (long long)ct.live,
             since ? "&since_token=" : "", since ? since : "");
    ct_get(&r, path, a);
    ICHECK(r.status == 200, "GET %s: %d %s", path, r.status, r.body);
    *n = 0;
    for (line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines = realloc(lines, sizeof(*lines) * (size_t)(*n + 1));
        ICHECK(lines && (lines[*n] = strdup(line)), "oom");
        (*n)++;
    }
    itest_http_release(&r);
    return lines;
}

static void lines_free(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* A notification's field as a string ("" when it is not one). */
static const char *nfield(const char *line, const char *key, char *out, size_t cap)
{
    cJSON *j = cJSON_Parse(line);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));

    ICHECK(j, "notification is not JSON: %s", line);
    snprintf(out, cap, "%s", v ? v : "");
    cJSON_Delete(j);
    return out;
}

/* A log token's order: "<E>.<k>" is inside row E, "<E>" after all of it. */
static double token_key(const char *tok)
{
    char *end = NULL;
    double e = (double)strtoll(tok, &end, 10);

    return *end == '.' ? e + (double)strtoll(end + 1, NULL, 10) / 1e6 : e + 0.999999;
}

/* The snapshot ends at "<E>", the log's row it was taken at. Token "0"
 * (before the log's first row) is the whole log's part; resuming from any
 * of its tokens gives exactly the lines after it: no gap, no duplicate;
 * tokens increase. */
static void test_feed_resume(void)
{
    char tok[64], prev[64] = "", type[32];
    char **all, **rest;
    int n, m, verdict_lines = 0;

    itest_step = "feed resume";
    all = feed_lines(&n, CT_BASIC_ORG, NULL);
    for (int i = 0; i < n; i++) {
        nfield(all[i], "token", tok, sizeof(tok));
        ICHECK((i == n - 1) == (tok[0] != 's'), "snapshot line %d of %d: token %s", i, n, tok);
    }
    /* A snapshot line's token restarts the snapshot. */
    nfield(all[2], "token", tok, sizeof(tok));
    rest = feed_lines(&m, CT_BASIC_ORG, tok);
    ICHECK(m == n, "since_token=%s (snapshot): %d lines, want %d", tok, m, n);
    lines_free(rest, m);
    lines_free(all, n);

    all = feed_lines(&n, CT_BASIC_ORG, "0");
    for (int i = 0; i < n; i++) {
        nfield(all[i], "token", tok, sizeof(tok));
        ICHECK(tok[0] != 's' && (!prev[0] || token_key(tok) > token_key(prev)),
               "tokens of the log increase: %s after %s", tok, prev);
        nfield(all[i], "type", type, sizeof(type));
        verdict_lines += !strcmp(type, "judgements");
        snprintf(prev, sizeof(prev), "%s", tok);
    }
    /* Four teams' verdicts (the hidden tester's makes none): a submission,
     * a judgement and a run each; and the phases the server's clock
     * logged (the start with the problems, the freeze). */
    ICHECK(n >= 12 && verdict_lines == 4, "the log: %d lines, %d judgements", n, verdict_lines);
    for (int k = 0; k < n; k++) {
        nfield(all[k], "token", tok, sizeof(tok));
        rest = feed_lines(&m, CT_BASIC_ORG, tok);
        ICHECK(m == n - k - 1, "since_token=%s: %d lines, want %d", tok, m, n - k - 1);
        for (int i = 0; i < m; i++)
            ICHECK(!strcmp(rest[i], all[k + 1 + i]), "since_token=%s: line %d differs: %s vs %s",
                   tok, i, rest[i], all[k + 1 + i]);
        lines_free(rest, m);
    }
    lines_free(all, n);
    /* The public's log: the post-freeze attempt's submission, not its
     * judgement or run. */
    all = feed_lines(&n, CT_ANON, "0");
    verdict_lines = 0;
    for (int i = 0; i < n; i++)
        verdict_lines += !strcmp(nfield(all[i], "type", type, sizeof(type)), "judgements");
    ICHECK(verdict_lines == 3, "the public's log: %d judgements, want 3", verdict_lines);
    lines_free(all, n);
    ICHECK(ct_get_status("/contests/1/event-feed?stream=false&since_token=x1", CT_ANON, NULL) ==
               400,
           "a malformed token is a 400");
}

/* A streamed feed: an HTTP connection that stays open. */
struct reader {
    int fd;
    char buf[1 << 16];
    size_t len;
};

/* Opens a streamed feed of `contest` from `since` (NULL: the snapshot)
 * with the header lines `extra`. */
static void reader_open_with(struct reader *rd, int64_t contest, const char *extra,
                             const char *since)
{
    char req[1024], v[64];
    char *end;
    int64_t deadline = itest_now_ms() + 10000;

    rd->len = 0;
    rd->fd = itest_tcp_connect(ct.port);
    ICHECK(rd->fd >= 0, "connect");
    snprintf(req, sizeof(req),
             "GET /api/clics/contests/%lld/event-feed%s%s HTTP/1.1\r\nHost: localhost\r\n%s\r\n",
             (long long)contest, since ? "?since_token=" : "", since ? since : "", extra);
    ICHECK(write(rd->fd, req, strlen(req)) == (ssize_t)strlen(req), "send");
    while (!(end = memmem(rd->buf, rd->len, "\r\n\r\n", 4))) {
        struct pollfd p = {.fd = rd->fd, .events = POLLIN};
        ssize_t got;

        ICHECK(itest_now_ms() < deadline && poll(&p, 1, 1000) >= 0, "feed headers: timeout");
        got = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len - 1);
        ICHECK(got > 0, "feed closed before its headers");
        rd->len += (size_t)got;
    }
    rd->buf[rd->len] = '\0';
    ICHECK(!strncmp(rd->buf, "HTTP/1.1 200", 12) &&
               itest_header(rd->buf, "content-type", v, sizeof(v)) &&
               !strcmp(v, "application/x-ndjson") &&
               !itest_header(rd->buf, "content-length", v, sizeof(v)),
           "feed headers: %s", rd->buf);
    end += 4;
    rd->len -= (size_t)(end - rd->buf);
    memmove(rd->buf, end, rd->len);
}

static void reader_open(struct reader *rd, enum ct_auth a, const char *since)
{
    char extra[256];

    ct_auth_header(extra, a);
    reader_open_with(rd, ct.live, extra, since);
}

/* The next line within `ms` ("" for a keep-alive); false on timeout. */
static bool reader_line(struct reader *rd, char *out, size_t cap, int ms)
{
    int64_t deadline = itest_now_ms() + ms;
    char *nl;

    while (!(nl = memchr(rd->buf, '\n', rd->len))) {
        struct pollfd p = {.fd = rd->fd, .events = POLLIN};
        int left = (int)(deadline - itest_now_ms());
        ssize_t got;

        if (left <= 0 || poll(&p, 1, left) <= 0)
            return false;
        got = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len);
        ICHECK(got > 0, "the feed closed");
        rd->len += (size_t)got;
    }
    *nl = '\0';
    ICHECK((size_t)(nl - rd->buf) < cap, "a feed line of %zu bytes", (size_t)(nl - rd->buf));
    memcpy(out, rd->buf, (size_t)(nl - rd->buf) + 1);
    rd->len -= (size_t)(nl + 1 - rd->buf);
    memmove(rd->buf, nl + 1, rd->len);
    return true;
}

/* The next notification within `ms`, keep-alives skipped; false on
 * timeout. *keepalives counts the skipped ones. */
static bool reader_note(struct reader *rd, char *out, size_t cap, int ms, int *keepalives)
{
    int64_t deadline = itest_now_ms() + ms;

    for (;;) {
        int left = (int)(deadline - itest_now_ms());

        if (left <= 0 || !reader_line(rd, out, cap, left))
            return false;
        if (out[0])
            return true;
        ++*keepalives;
    }
}

/* The notifications of one verdict: exactly these (type, id) lines, in
 * this order, then nothing but keep-alives for a while. */
static void expect_notes(struct reader *rd, const char *const *want, int nwant, char *last_token)
{
    char line[8192], type[32], id[64];
    int ka = 0;

    for (int i = 0; i < nwant; i += 2) {
        ICHECK(reader_note(rd, line, sizeof(line), 10000, &ka), "no %s %s within 10 s", want[i],
               want[i + 1]);
        nfield(line, "type", type, sizeof(type));
        nfield(line, "id", id, sizeof(id));
        ICHECK(!strcmp(type, want[i]) && !strcmp(id, want[i + 1]), "got %s %s, want %s %s", type,
               id, want[i], want[i + 1]);
        nfield(line, "token", last_token, 64);
    }
    ICHECK(!reader_note(rd, line, sizeof(line), 1000, &ka), "unexpected notification: %s", line);
    /* GAVEL_CLICS_KEEPALIVE_MS is 300 here. */
    ICHECK(ka >= 1, "no keep-alive newline in a quiet second");
}

static void restart_server(void)
{
    ct_server_stop();
    /* While it is down, the judge logs another verdict. */
    ct_verdict_event(ct_judged(&ct.bob, "pair-sum", 118, "WA"), "WA");
    ct_server_start();
}

/* An unlabelled series of the server's /metrics. */
static long metric(const char *name)
{
    struct itest_http r;
    char key[96];
    const char *at;
    long n = -1;

    itest_http_get(&r, ct.port, "/metrics");
    ICHECK(r.status == 200 && r.body, "/metrics -> %d", r.status);
    snprintf(key, sizeof(key), "\n%s ", name);
    at = strstr(r.body, key);
    ICHECK(at && sscanf(at + strlen(key), "%ld", &n) == 1, "no %s in /metrics", name);
    itest_http_release(&r);
    return n;
}

static long feed_reads(void)
{
    return metric("gavel_clics_feed_reads_total");
}

/* A verdict's notifications in the jury's view: (type, id) pairs. */
struct verdict_notes {
    char ids[3][40];
    const char *want[6];
};

/* A judged submission and its verdict's row of the log; *v the
 * notifications it makes. */
static int64_t logged_verdict(struct verdict_notes *v, const struct ct_user *u, const char *slug,
                              int minute, const char *verdict)
{
    int64_t sid = ct_judged(u, slug, minute, verdict);
    int64_t jid = itest_sql_int(ct.pg, "SELECT max(id) FROM judgings WHERE submission_id = %lld",
                                (long long)sid);

    snprintf(v->ids[0], sizeof(v->ids[0]), "%lld", (long long)sid);
    snprintf(v->ids[1], sizeof(v->ids[1]), "%lld", (long long)jid);
    snprintf(v->ids[2], sizeof(v->ids[2]), "%lld-1", (long long)jid);
    v->want[0] = "submissions", v->want[1] = v->ids[0];
    v->want[2] = "judgements", v->want[3] = v->ids[1];
    v->want[4] = "runs", v->want[5] = v->ids[2];
    ct_verdict_event(sid, verdict);
    return sid;
}

static void test_feed_stream(void)
{
    struct reader jury, pub, more_pub[4];
    struct verdict_notes v;
    char **all, **rest, last[64], tok[64], line[8192];
    int n, m, ka = 0;
    long reads;

    itest_step = "feed stream";
    all = feed_lines(&n, CT_BASIC_ORG, NULL);
    nfield(all[n - 1], "token", last, sizeof(last));
    lines_free(all, n);
    reader_open(&jury, CT_BASIC_ORG, last);
    reader_open(&pub, CT_ANON, NULL);
    /* The public reader's backlog: the snapshot and the log so far. */
    for (m = 0; reader_note(&pub, line, sizeof(line), 1500, &ka); m++)
        ;
    ICHECK(m > 10, "public backlog: %d lines", m);
    /* More public readers, each through its backlog: caught up, all at
     * the same position. */
    for (int i = 0; i < 4; i++) {
        reader_open(&more_pub[i], CT_ANON, NULL);
        while (reader_note(&more_pub[i], line, sizeof(line), 1500, &ka))
            ;
    }
    /* Idle for longer than lws's keep-alive timeout (5 s): still open,
     * with nothing but keep-alives. */
    ICHECK(!reader_note(&jury, line, sizeof(line), 6000, &ka), "unexpected: %s", line);
    ICHECK(ka >= 10, "%d keep-alives in 6 s", ka);

    /* A verdict before the freeze: both see it. */
    reads = feed_reads();
    logged_verdict(&v, &ct.alice, "circle-area", 40, "WA");
    expect_notes(&jury, v.want, 6, last);
    expect_notes(&pub, v.want, 6, tok);
    ICHECK(!strcmp(last, tok), "the same token in both views: %s, %s", last, tok);
    for (int i = 0; i < 4; i++) {
        char t[64];

        expect_notes(&more_pub[i], v.want, 6, t);
        ICHECK(!strcmp(t, tok), "public reader %d: token %s, want %s", i, t, tok);
        close(more_pub[i].fd);
    }
    /* Six readers, two views: one read of the log per view, shared. */
    reads = feed_reads() - reads;
    ICHECK(reads == 2, "%ld reads of the log for one verdict and six readers, want 2", reads);

    /* One during the freeze: the public gets the submission only. */
    logged_verdict(&v, &ct.bob, "pair-sum", 100, "AC");
    expect_notes(&jury, v.want, 6, last);
    expect_notes(&pub, v.want, 2, tok);
    close(pub.fd);
    close(jury.fd);

    /* A restart, and a verdict logged while no server ran: resuming from
     * the last token gets exactly it. */
    itest_step = "feed after restart";
    restart_server();
    rest = feed_lines(&m, CT_BASIC_ORG, last);
    ICHECK(m == 3, "after the restart: %d lines since %s, want 3", m, last);
    nfield(rest[0], "type", line, sizeof(line));
    ICHECK(!strcmp(line, "submissions"), "first: %s", rest[0]);
    nfield(rest[2], "token", tok, sizeof(tok));
    lines_free(rest, m);
    /* And streamed from there: nothing more until something happens. */
    reader_open(&jury, CT_BASIC_ORG, tok);
    ICHECK(!reader_note(&jury, line, sizeof(line), 1000, &ka), "unexpected: %s", line);
    close(jury.fd);
}

/* The newest token of the jury's feed. */
static void newest_token(char tok[64])
{
    char **all;
    int n;

    all = feed_lines(&n, CT_BASIC_ORG, NULL);
    nfield(all[n - 1], "token", tok, 64);
    lines_free(all, n);
}

/* A rejudge's judging of `sid`: the old one no longer valid. */
static int64_t rejudged(int64_t sid, const char *verdict)
{
    itest_sqlf(ct.pg, "UPDATE judgings SET is_valid = false WHERE submission_id = %lld",
               (long long)sid);
    itest_sqlf(ct.pg, "UPDATE submissions SET verdict = '%s' WHERE id = %lld", verdict,
               (long long)sid);
    itest_sqlf(
        ct.pg,
        "WITH j AS (INSERT INTO judgings (submission_id, judge_host, verdict, max_time_ms, "
        "started_at, finished_at) SELECT id, 'itest-rejudge', '%s', 80, judged_at, judged_at + "
        "interval '1 second' FROM submissions WHERE id = %lld RETURNING id) INSERT INTO "
        "judging_tests (judging_id, test_case_id, verdict, cpu_ms, wall_ms, memory_kb) SELECT "
        "j.id, tc.id, '%s', 80, 90, 2048 FROM j, submissions s JOIN test_cases tc ON "
        "tc.problem_version_id = s.problem_version_id AND tc.ordinal = 1 WHERE s.id = %lld",
        verdict, (long long)sid, verdict, (long long)sid);
    return itest_sql_int(ct.pg, "SELECT max(id) FROM judgings WHERE submission_id = %lld",
                         (long long)sid);
}

/* A read of the log reads only the objects its rows name: a batch of rows
 * (a submission's first verdict, its rejudge, another submission's
 * verdict) makes exactly their notifications, each object as its
 * endpoint serves it now; a resume from any token of them gives exactly
 * the lines after it, streamed or not. */
static void test_feed_incremental(void)
{
    struct reader rd, other;
    char start[64], line[8192], type[32], id[64], path[160], tok[64];
    char *got[8], **rest;
    const char *want[16];
    char ids[8][40];
    int64_t s1, s2, j1, j1b, j2;
    int ka = 0, m;

    itest_step = "feed incremental";
    newest_token(start);
    /* A feed of another contest open meanwhile: its channel is passed
     * over by these rows (the server once looped there for good). */
    reader_open_with(&other, ct.future, "", NULL);
    reader_open(&rd, CT_BASIC_ORG, start);
    /* Every row first, then the log rows: each read sees the final state,
     * so the lines can be compared with the endpoints afterwards. */
    s1 = ct_judged(&ct.alice, "circle-area", 42, "WA");
    j1 = itest_sql_int(ct.pg, "SELECT max(id) FROM judgings WHERE submission_id = %lld",
                       (long long)s1);
    j1b = rejudged(s1, "AC");
    s2 = ct_judged(&ct.bob, "circle-area", 43, "WA");
    j2 = itest_sql_int(ct.pg, "SELECT max(id) FROM judgings WHERE submission_id = %lld",
                       (long long)s2);
    ct_verdict_event_of(s1, j1, "WA");
    ct_verdict_event_of(s1, j1b, "AC");
    ct_verdict_event_of(s2, j2, "WA");
    snprintf(ids[0], 40, "%lld", (long long)s1);
    snprintf(ids[1], 40, "%lld", (long long)j1);
    snprintf(ids[2], 40, "%lld-1", (long long)j1);
    snprintf(ids[3], 40, "%lld", (long long)j1b);
    snprintf(ids[4], 40, "%lld-1", (long long)j1b);
    snprintf(ids[5], 40, "%lld", (long long)s2);
    snprintf(ids[6], 40, "%lld", (long long)j2);
    snprintf(ids[7], 40, "%lld-1", (long long)j2);
    /* The rejudge's row is no creation of its submission. */
    want[0] = "submissions", want[1] = ids[0], want[2] = "judgements", want[3] = ids[1];
    want[4] = "runs", want[5] = ids[2], want[6] = "judgements", want[7] = ids[3];
    want[8] = "runs", want[9] = ids[4], want[10] = "submissions", want[11] = ids[5];
    want[12] = "judgements", want[13] = ids[6], want[14] = "runs", want[15] = ids[7];
    for (int i = 0; i < 8; i++) {
        cJSON *n, *obj;

        ICHECK(reader_note(&rd, line, sizeof(line), 10000, &ka), "no %s %s within 10 s",
               want[2 * i], want[2 * i + 1]);
        nfield(line, "type", type, sizeof(type));
        nfield(line, "id", id, sizeof(id));
        ICHECK(!strcmp(type, want[2 * i]) && !strcmp(id, want[2 * i + 1]),
               "line %d: %s %s, want %s %s", i, type, id, want[2 * i], want[2 * i + 1]);
        /* The object as its endpoint serves it. */
        snprintf(path, sizeof(path), "/contests/%lld/%s/%s", (long long)ct.live, type, id);
        obj = ct_get_json(path, CT_BASIC_ORG);
        n = cJSON_Parse(line);
        ICHECK(n && cJSON_Compare(cJSON_GetObjectItemCaseSensitive(n, "data"), obj, true),
               "line %d: %s is not what %s serves", i, line, path);
        cJSON_Delete(n);
        cJSON_Delete(obj);
        ICHECK((got[i] = strdup(line)), "oom");
    }
    ICHECK(!reader_note(&rd, line, sizeof(line), 1000, &ka), "unexpected notification: %s", line);
    close(rd.fd);
    close(other.fd);
    /* Resuming: from the start, and from each line's token, exactly the
     * lines after it, byte for byte; streamed from the middle too. */
    for (int k = -1; k < 8; k++) {
        if (k >= 0)
            nfield(got[k], "token", tok, sizeof(tok));
        rest = feed_lines(&m, CT_BASIC_ORG, k < 0 ? start : tok);
        ICHECK(m == 7 - k, "since_token=%s: %d lines, want %d", k < 0 ? start : tok, m, 7 - k);
        for (int i = 0; i < m; i++)
            ICHECK(!strcmp(rest[i], got[k + 1 + i]), "since_token=%s: line %d differs: %s vs %s",
                   k < 0 ? start : tok, i, rest[i], got[k + 1 + i]);
        lines_free(rest, m);
    }
    nfield(got[3], "token", tok, sizeof(tok));
    reader_open(&rd, CT_BASIC_ORG, tok);
    for (int i = 4; i < 8; i++) {
        ICHECK(reader_note(&rd, line, sizeof(line), 10000, &ka) && !strcmp(line, got[i]),
               "streamed from %s: line %d: %s, want %s", tok, i, line, got[i]);
    }
    ICHECK(!reader_note(&rd, line, sizeof(line), 1000, &ka), "unexpected notification: %s", line);
    close(rd.fd);
    for (int i = 0; i < 8; i++)
        free(got[i]);
}

/* Whether the feed ends within `ms` (the server closed it); *notes counts
 * the notifications that came first. */
static bool reader_ends(struct reader *rd, int ms, int *notes)
{
    int64_t deadline = itest_now_ms() + ms;

    *notes = 0;
    for (;;) {
        struct pollfd p = {.fd = rd->fd, .events = POLLIN};
        int left = (int)(deadline - itest_now_ms());
        ssize_t got;
        char *nl;

        while ((nl = memchr(rd->buf, '\n', rd->len))) {
            *notes += nl > rd->buf;
            rd->len -= (size_t)(nl + 1 - rd->buf);
            memmove(rd->buf, nl + 1, rd->len);
        }
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return false;
        got = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len);
        if (got <= 0)
            return true;
        rd->len += (size_t)got;
    }
}

/* A streamed jury feed keeps the jury's view only while its user has it:
 * demoting the organizer ends their open feeds (by password and by API
 * token) at the next read, before any line of the jury's view; revoking
 * an API token, or logging a session out, ends the feed it opened and no
 * other. */
static void test_feed_demotion(void)
{
    struct reader basic, bearer, pub, revoked, still;
    struct verdict_notes v;
    char start[64], tok1[DB_API_TOKEN_LEN + 1], tok2[DB_API_TOKEN_LEN + 1], hdr[256];
    char last[64], session[DB_TOKEN_HEX_LEN + 1];
    int64_t tid2;
    int notes;

    itest_step = "feed demotion";
    ICHECK(db_token_create(tok1, NULL, ct.pg, ct.org.id, "itest-feed", 0) == 0 &&
               db_token_create(tok2, &tid2, ct.pg, ct.org.id, "itest-feed-2", 0) == 0,
           "tokens: %s", db_pg_last_error(ct.pg));
    newest_token(start);
    reader_open(&basic, CT_BASIC_ORG, start);
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok1);
    reader_open_with(&bearer, ct.live, hdr, start);
    reader_open(&pub, CT_ANON, start);

    /* A verdict during the freeze: the jury's view has its judgement and
     * run, the public's its submission only. Still an organizer: the
     * jury's lines. */
    logged_verdict(&v, &ct.bob, "circle-area", 95, "WA");
    expect_notes(&basic, v.want, 6, last);
    expect_notes(&bearer, v.want, 6, last);
    expect_notes(&pub, v.want, 2, last);

    /* Demoted: the next verdict ends both jury feeds, without a line. */
    itest_sqlf(ct.pg, "UPDATE users SET role = 'contestant' WHERE id = %lld", (long long)ct.org.id);
    logged_verdict(&v, &ct.alice, "circle-area", 96, "AC");
    ICHECK(reader_ends(&basic, 10000, &notes) && notes == 0,
           "a demoted organizer's feed (basic auth): %d lines", notes);
    ICHECK(reader_ends(&bearer, 10000, &notes) && notes == 0,
           "a demoted organizer's feed (API token): %d lines", notes);
    close(basic.fd);
    close(bearer.fd);
    /* The public's goes on. */
    expect_notes(&pub, v.want, 2, last);
    close(pub.fd);
    itest_sqlf(ct.pg, "UPDATE users SET role = 'organizer' WHERE id = %lld", (long long)ct.org.id);

    /* A revoked token ends its feed; the same user's other feed goes on. */
    itest_step = "feed token revoked";
    newest_token(start);
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok2);
    reader_open_with(&revoked, ct.live, hdr, start);
    reader_open(&still, CT_BASIC_ORG, start);
    itest_sqlf(ct.pg, "UPDATE api_tokens SET revoked_at = now() WHERE id = %lld", (long long)tid2);
    logged_verdict(&v, &ct.alice, "circle-area", 97, "WA");
    expect_notes(&still, v.want, 6, last);
    ICHECK(reader_ends(&revoked, 10000, &notes) && notes == 0, "a revoked token's feed: %d lines",
           notes);
    close(still.fd);
    close(revoked.fd);

    /* A feed opened with a session's cookie ends when that session does
     * (a logout anywhere); one of another session of the same user goes
     * on. */
    itest_step = "feed session logged out";
    ICHECK(db_session_create(session, NULL, ct.pg, ct.org.id) == 0, "session: %s",
           db_pg_last_error(ct.pg));
    newest_token(start);
    snprintf(hdr, sizeof(hdr), "Cookie: gavel_session=%s\r\n", session);
    reader_open_with(&revoked, ct.live, hdr, start);
    reader_open(&still, CT_COOKIE_ORG, start);
    ICHECK(db_session_delete(ct.pg, session) == 0, "logout: %s", db_pg_last_error(ct.pg));
    logged_verdict(&v, &ct.alice, "circle-area", 98, "AC");
    expect_notes(&still, v.want, 6, last);
    ICHECK(reader_ends(&revoked, 10000, &notes) && notes == 0,
           "a logged-out session's feed: %d lines", notes);
    close(still.fd);
    close(revoked.fd);
}

/* The open feeds' gauge once it reads `want`, within 15 s; the last
 * reading otherwise. */
static long feeds_open_settled(long want)
{
    int64_t deadline = itest_now_ms() + 15000;
    long now;

    while ((now = metric("gavel_clics_feeds")) != want && itest_now_ms() < deadline)
        usleep(100 * 1000);
    return now;
}

/* A reader that hangs up gives its feed back at once (the feeds' writer
 * thread watches each socket for the hang-up), not two keep-alives later:
 * lws reads nothing while it answers, so once only a failed write told,
 * the second keep-alive after the hang-up (40 s and more with the 20 s
 * keep-alive set here). The bound below is generous for a loaded CI. */
/* How many sockets the server holds under more than one descriptor. */
static int sockets_held_twice(void)
{
    char path[64], link[64], seen[512][64];
    int nseen = 0, twice = 0;
    struct dirent *e;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/fd", (int)ct.server);
    d = opendir(path);
    ICHECK(d, "cannot list %s", path);
    while ((e = readdir(d))) {
        char fd_path[600];
        ssize_t n;

        snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
        n = readlink(fd_path, link, sizeof(link) - 1);
        if (n <= 0 || strncmp(link, "socket:", 7))
            continue;
        link[n] = '\0';
        for (int i = 0; i < nseen; i++)
            twice += !strcmp(seen[i], link);
        if (nseen < 512)
            snprintf(seen[nseen++], sizeof(seen[0]), "%s", link);
    }
    closedir(d);
    return twice;
}

/* The fan-out the test's pusher makes: more WebSocket clients than a push
 * must reach to hold the feeds (SRV_FEED_YIELD_MIN_PUSHES, 64). */
#define YIELD_CLIENTS 80

struct pusher_arg {
    int ready; /* write end: a byte once the clients are subscribed */
};

/* A child: YIELD_CLIENTS WebSocket clients of bob's subscribed to the
 * contest, and an announcement to them all every 20 ms (non-durable: no
 * row of the log, no feed line), read and dropped, until killed. */
static void pusher(void *p)
{
    struct pusher_arg *a = p;
    struct db_redis *redis;
    int ws[YIELD_CLIENTS];
    char req[256], data[128], why[256];
    const char *fv[4] = {"type", "contest.announcement", "data", data};

    ICHECK(db_redis_open(&redis, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0, "%s",
           why);
    for (int i = 0; i < YIELD_CLIENTS; i++) {
        ws[i] = itest_ws_open(ct.port);
        snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", ct.bob.token);
        cJSON_Delete(itest_rpc(ws[i], req, "ok", NULL));
        snprintf(req, sizeof(req),
                 "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%lld}",
                 (long long)ct.live);
        cJSON_Delete(itest_rpc(ws[i], req, "ok", NULL));
    }
    ICHECK(write(a->ready, "r", 1) == 1, "pusher ready");
    for (long n = 0;; n++) {
        char sink[65536];

        snprintf(data, sizeof(data), "{\"contest_id\":%lld,\"text\":\"push %ld\"}",
                 (long long)ct.live, n);
        ICHECK(db_stream_add(NULL, redis, getenv("GAVEL_LIVE_STREAM"), 100000, 2, fv) == 0,
               "XADD: %s", db_redis_last_error(redis));
        usleep(20000);
        for (int i = 0; i < YIELD_CLIENTS; i++)
            while (recv(ws[i], sink, sizeof(sink), MSG_DONTWAIT) > 0)
                ;
    }
}

/* While the server pushes to many WebSocket clients, a contest's feeds
 * wait for a pause (srv_feed_yield.h): a verdict's batch is held (counted
 * in /metrics) and still comes, whole; without the pushes it is not held. */
static void test_feed_yield(void)
{
    struct reader rd;
    struct verdict_notes v;
    struct pusher_arg arg;
    char start[64], last[64];
    int ready[2], held = 0;
    long holds;
    pid_t child;
    char c;

    itest_step = "feed yield";
    newest_token(start);
    reader_open(&rd, CT_BASIC_ORG, start);
    ICHECK(pipe(ready) == 0, "pipe");
    arg.ready = ready[1];
    child = itest_fork(pusher, &arg);
    ICHECK(read(ready[0], &c, 1) == 1, "the pusher's clients did not subscribe");
    usleep(200000);
    /* A pusher late by more than the quiet window (50 ms) at that very
     * moment lets one through: a few verdicts, one of them held. */
    for (int i = 0; i < 3 && !held; i++) {
        holds = metric("gavel_clics_feed_holds_total");
        logged_verdict(&v, &ct.alice, "circle-area", 41 + i, "WA");
        expect_notes(&rd, v.want, 6, last);
        held = metric("gavel_clics_feed_holds_total") > holds;
    }
    itest_kill(child);
    close(ready[0]);
    close(ready[1]);
    ICHECK(held, "no verdict's batch held while 80 WebSocket clients got a push every 20 ms");

    /* No pushes now (alice has no WebSocket session): not held. */
    usleep(300000);
    holds = metric("gavel_clics_feed_holds_total");
    logged_verdict(&v, &ct.alice, "circle-area", 44, "WA");
    expect_notes(&rd, v.want, 6, last);
    holds = metric("gavel_clics_feed_holds_total") - holds;
    ICHECK(holds == 0, "%ld batches held without WebSocket pushes", holds);
    close(rd.fd);
}

static void test_feed_hangup(void)
{
    struct reader rd[3];
    char start[64];
    long now;

    itest_step = "feed hang-up";
    ct_server_stop();
    ct_server_keepalive(20000);
    ct_server_start();
    /* Every earlier test's readers have hung up. */
    now = feeds_open_settled(0);
    ICHECK(now == 0, "feeds open after every reader hung up: %ld", now);
    newest_token(start);
    for (int i = 0; i < 3; i++)
        reader_open(&rd[i], CT_ANON, start);
    now = metric("gavel_clics_feeds");
    ICHECK(now == 3, "three feeds open: %ld", now);
    /* Once the writer has a feed's socket, lws lets its descriptor go: a
     * feed costs the loop's poll nothing (srv_feed.c, feed_leave_lws). */
    {
        int64_t deadline = itest_now_ms() + 5000;
        int twice;

        while ((twice = sockets_held_twice()) && itest_now_ms() < deadline)
            usleep(20000);
        ICHECK(twice == 0, "%d sockets of the server held twice with three feeds open", twice);
    }
    for (int i = 0; i < 3; i++)
        close(rd[i].fd);
    now = feeds_open_settled(0);
    ICHECK(now == 0, "feeds open 15 s after their readers hung up: %ld", now);
    ct_server_stop();
    ct_server_keepalive(300);
    ct_server_start();
}

int main(int argc, char **argv)
{
    ct_setup(argc, argv, "clics_feed");
    test_event_feed();
    test_feed_replay();
    test_feed_resume();
    test_feed_stream();
    test_feed_incremental();
    test_feed_demotion();
    test_feed_yield();
    test_feed_hangup();
    ct_teardown();
    printf("test_clics_feed: all passed\n");
    return 0;
}
