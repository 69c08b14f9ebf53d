/* SPDX-License-Identifier: MIT
 * srv_proto_clics.c - the CLICS Contest API (ICPC ccs-specs 2023-06),
 * read-only, under /api/clics/ (docs/PROTOCOL.md, "CLICS Contest API").
 *
 * One request type, clics.get, whose "path" is the route below /api/clics:
 * srv_http.c turns a GET into it (and HTTP basic auth's credentials into
 * its "username" and "password"); this file finds out who calls, routes
 * the path, and leaves the body in the job. The objects come from db/
 * (db_clics.h) for the caller's view: the jury's for organizers and admins,
 * by their cookie or by basic auth checked with the login's own code
 * (db_login: argon2id, the same answer for a wrong name and a wrong
 * password) or by an API token (db_token.h: the user's role of the
 * moment); the public's for everyone else. */
#include "srv_proto_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_clics.h"
#include "db_session.h"
#include "db_token.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define CLICS_VERSION "2023-06"

/* --- A stored zip of one file ------------------------------------------------ */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static unsigned char *put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    return put16(put16(p, v & 0xffff), v >> 16);
}

/* The spec serves a submission's files as a zip. One file, stored (not
 * deflated: sources are small and every unzip reads method 0), dated
 * 1980-01-01 as zips without a date are. *out is gv_malloc'd. */
static int zip_one(unsigned char **out, size_t *out_len, const char *name, const void *data,
                   size_t len)
{
    size_t nlen = strlen(name), local = 30 + nlen, central = 46 + nlen, total;
    uint32_t crc = crc32_of(data, len);
    unsigned char *z, *p;

    if (len > 0xfffffffeu || nlen > 0xffff)
        return GV_ETOOBIG; /* sources are at most 1 MiB */
    total = local + len + central + 22;
    z = gv_malloc(total);
    if (!z)
        return -ENOMEM;
    p = put32(z, 0x04034b50u);            /* local file header */
    p = put16(put16(put16(p, 20), 0), 0); /* version, flags, stored */
    p = put16(put16(p, 0), 0x21);         /* time, date */
    p = put32(put32(put32(p, crc), (uint32_t)len), (uint32_t)len);
    p = put16(put16(p, (unsigned)nlen), 0);
    memcpy(p, name, nlen);
    p += nlen;
    memcpy(p, data, len);
    p += len;
    p = put32(p, 0x02014b50u); /* central directory entry */
    p = put16(put16(put16(put16(p, 20), 20), 0), 0);
    p = put16(put16(p, 0), 0x21);
    p = put32(put32(put32(p, crc), (uint32_t)len), (uint32_t)len);
    p = put16(put16(put16(put16(put16(p, (unsigned)nlen), 0), 0), 0), 0);
    p = put32(put32(p, 0), 0); /* attributes, local header at 0 */
    memcpy(p, name, nlen);
    p += nlen;
    p = put32(p, 0x06054b50u); /* end of central directory */
    p = put16(put16(put16(put16(p, 0), 0), 1), 1);
    p = put32(put32(p, (uint32_t)central), (uint32_t)(local + len));
    put16(p, 0);
    *out = z;
    *out_len = total;
    return 0;
}

/* --- Routes ------------------------------------------------------------------ */

/* GET /api/clics: what the spec's "/" says, which version this is. */
static void api_info(struct srv_req_job *job)
{
    cJSON *o = cJSON_CreateObject(), *prov = cJSON_CreateObject();

    if (!o || !prov || !cJSON_AddItemToObject(o, "provider", prov)) {
        cJSON_Delete(prov);
        cJSON_Delete(o);
        srv__set_data(job, NULL);
        return;
    }
    if (!cJSON_AddStringToObject(o, "version", CLICS_VERSION) ||
        !cJSON_AddStringToObject(o, "version_url",
                                 "https://ccs-specs.icpc.io/" CLICS_VERSION "/contest_api") ||
        !cJSON_AddStringToObject(prov, "name", "Gavel") ||
        !cJSON_AddStringToObject(prov, "version", job->cfg->version)) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}

/* Takes `text` (JSON, gv_malloc'd) as the job's body. */
static void set_text(struct srv_req_job *job, char *text)
{
    job->data = text;
}

/* The source of a submission as a zip: the jury's alone. */
static void submission_files(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                             int64_t cid, int64_t sid, bool jury)
{
    unsigned char *zip = NULL;
    char name[64];
    void *src = NULL;
    size_t len = 0, zlen = 0;
    int err;

    if (!jury) {
        /* Whoever is not on the jury, a contestant included, is told to
         * authenticate as someone who is. */
        srv__fail(job, SRV_ERR_UNAUTHENTICATED, "sources are for organizers: authenticate");
        return;
    }
    err = db_clics_source(&src, &len, name, sizeof(name), pg, cid, sid);
    if (err == 0)
        err = zip_one(&zip, &zlen, name, src, len);
    gv_free(src);
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no submission %" PRId64 " in contest %" PRId64, sid,
                  cid);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "submission files");
        return;
    }
    job->data = (char *)zip;
    job->data_len = zlen;
    job->content_type = "application/zip";
}

/* --- The event feed ----------------------------------------------------------- */

/* Log rows one read turns into notifications: a streamed feed reads on
 * when its reader has taken these (srv_feed.c), so a reader that is far
 * behind costs one bounded read at a time. */
#define FEED_ROWS_PER_READ 256
#define FEED_BYTES_MAX ((size_t)64 << 20)

/* GET /contests/{id}/event-feed[?since_token=T]: the snapshot (unless T
 * is past it), then the log's notifications after it; streamed, one read
 * of rows (the connection reads on), else all of them. A continuation
 * (job->feed_next) is the rows after job->feed_pos. */
static int event_feed(struct gv_buf *out, struct srv_req_job *job, struct db_pg *pg, int64_t cid,
                      bool jury)
{
    const char *since = job->req.p.since_token;
    bool snapshot = true, more = false;
    int64_t from = 1, pos = 0;
    int skip = 0, err = 0;

    if (job->feed_next) {
        from = job->feed_pos + 1;
        snapshot = false;
    } else if (since) {
        err = db_clics_feed_token_parse(&from, &skip, &snapshot, since);
        if (err < 0)
            return err;
    }
    pos = from - 1;
    if (job->feed && !job->feed_next && !snapshot && !skip) {
        /* A streamed feed resumed at a row's end reads nothing here: its
         * connection reads next, with the feeds at the same position
         * (srv_feed.c), so a thousand readers resuming from one token make
         * one read of the log, not a thousand. */
        job->feed_pos = pos;
        job->feed_more = true;
        job->feed_jury = jury;
        job->feed_contest = cid;
        return 0;
    }
    if (snapshot) {
        err = db_clics_feed_snapshot(out, &pos, pg, cid, jury);
        from = pos + 1;
        skip = 0;
    }
    do {
        if (err == 0)
            err = db_clics_feed_events(out, &pos, &more, pg, cid, jury, from, skip,
                                       FEED_ROWS_PER_READ);
        from = pos + 1;
        skip = 0;
    } while (err == 0 && more && !job->feed);
    job->feed_pos = pos;
    job->feed_more = more;
    job->feed_jury = jury;
    job->feed_contest = cid;
    return err;
}

/* Splits "/contests/{id}/{collection}/{object}/{extra}" (each part after
 * the id optional) into its parts, copied into `buf`; false when the path
 * is not of that form or its id is not one of ours. */
struct route {
    int64_t contest_id; /* 0: /contests itself */
    const char *collection, *object, *extra;
};

static bool route_parse(struct route *out, char *buf, size_t cap, const char *path)
{
    char *parts[4] = {NULL, NULL, NULL, NULL}, *s, *end = NULL;
    size_t n = 0, len = strlen(path);

    memset(out, 0, sizeof(*out));
    if (len >= cap)
        return false;
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0'; /* "/contests/" is "/contests" */
    if (strncmp(buf, "/contests", 9) || (buf[9] && buf[9] != '/'))
        return false;
    if (!buf[9] || !buf[10])
        return true;
    s = buf + 10;
    while (s && n < 4) {
        parts[n++] = s;
        s = strchr(s, '/');
        if (s)
            *s++ = '\0';
    }
    if (s || parts[0][0] < '1' || parts[0][0] > '9')
        return false;
    out->contest_id = strtoll(parts[0], &end, 10);
    if (*end || out->contest_id <= 0 || out->contest_id > INT64_MAX / 2)
        return false;
    for (size_t i = 1; i < n; i++)
        if (!parts[i][0])
            return false;
    out->collection = parts[1];
    out->object = parts[2];
    out->extra = parts[3];
    return true;
}

/* Who calls: an API token's user (with the role the users table holds
 * now) or basic auth's when credentials came (checked here, as a login
 * is), else the cookie's (run() looked it up). False when the credentials
 * are wrong: the job has failed with 401. */
static bool caller(struct db_user_info *out, struct srv_req_job *job, struct srv_job_env *env,
                   struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    int err;

    *out = job->user;
    if (p->api_token) {
        err = db_token_check(out, pg, p->api_token);
        if (err == 0)
            return true;
        if (err == GV_ENOTFOUND)
            srv__fail(job, SRV_ERR_UNAUTHENTICATED, "unknown API token");
        else if (err == -EKEYREVOKED)
            srv__fail(job, SRV_ERR_UNAUTHENTICATED, "this API token was revoked");
        else if (err == -EKEYEXPIRED)
            srv__fail(job, SRV_ERR_UNAUTHENTICATED, "this API token has expired");
        else
            srv__fail_store(job, env, err, 0, "api token");
        return false;
    }
    if (!p->username)
        return true;
    if (!srv__login_throttle(job, env, p->username))
        return false;
    err = db_login(out, pg, p->username, p->password ? p->password : "");
    srv__login_done(job, env, p->username, err);
    if (err == GV_EINVAL) {
        srv__fail(job, SRV_ERR_UNAUTHENTICATED, "wrong username or password");
        return false;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "login");
        return false;
    }
    return true;
}

/* A jury read rechecks the credentials of its channel's feeds
 * (srv_feed.c): a demoted organizer's stream, or one whose API token was
 * revoked, loses the jury's view at the next read. */
static int feed_creds_check(struct srv_req_job *job, struct db_pg *pg)
{
    size_t n = job->feed_ncreds;
    int64_t *uids = gv_calloc(n ? n : 1, sizeof(*uids));
    const char **tokens = gv_calloc(n ? n : 1, sizeof(*tokens));
    bool *ok = gv_calloc(n ? n : 1, sizeof(*ok));
    int err = uids && tokens && ok ? 0 : -ENOMEM;

    for (size_t i = 0; err == 0 && i < n; i++) {
        uids[i] = job->feed_creds[i].user_id;
        tokens[i] = job->feed_creds[i].token;
    }
    if (err == 0)
        err = db_token_jury_check(ok, pg, uids, tokens, n);
    for (size_t i = 0; err == 0 && i < n; i++)
        job->feed_creds[i].ok = ok[i];
    gv_free(uids);
    gv_free(tokens);
    gv_free(ok);
    return err;
}

/* A streamed jury feed's credentials, checked once more after its read of
 * the log returned (feed_read_us): the lines read are given only to feeds
 * whose check began after that. A read for open feeds checks each of
 * them; an opening feed checks its caller, -EACCES when the jury's view
 * went meanwhile. */
static int feed_recheck(struct srv_req_job *job, struct db_pg *pg, int64_t user_id)
{
    const char *token = job->feed_token;
    bool ok = false;
    int err;

    job->feed_checked_us = gv_time_mono_us();
    if (job->feed_next)
        return job->feed_ncreds ? feed_creds_check(job, pg) : 0;
    err = db_token_jury_check(&ok, pg, &user_id, &token, 1);
    if (err < 0)
        return err;
    return ok ? 0 : -EACCES;
}

void srv__req_clics(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    struct db_user_info who;
    struct route rt;
    char buf[272], *text = NULL;
    bool jury;
    int err;

    if (job->feed_next) {
        who = job->user;
        jury = job->feed_jury;
    } else {
        job->feed_checked_us = gv_time_mono_us();
        if (!caller(&who, job, env, pg))
            return;
        jury = srv__privileged(&who);
        job->feed_user_id = who.id;
        if (job->req.p.api_token)
            snprintf(job->feed_token, sizeof(job->feed_token), "%s", job->req.p.api_token);
        else if (!job->req.p.username)
            snprintf(job->feed_token, sizeof(job->feed_token), "%s", job->token);
    }
    if (!strcmp(job->req.p.path, "/") || !strcmp(job->req.p.path, "")) {
        api_info(job);
        return;
    }
    if (!route_parse(&rt, buf, sizeof(buf), job->req.p.path)) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "no such CLICS endpoint");
        return;
    }
    if (rt.extra) {
        /* The one route four deep: /contests/{id}/submissions/{sid}/files. */
        char *end = NULL;
        long long sid = strtoll(rt.object, &end, 10);

        if (strcmp(rt.collection, "submissions") || strcmp(rt.extra, "files") || *end || sid <= 0) {
            srv__fail(job, SRV_ERR_NOT_FOUND, "no such CLICS endpoint");
            return;
        }
        submission_files(job, env, pg, rt.contest_id, (int64_t)sid, jury);
        return;
    }
    if (rt.collection && !strcmp(rt.collection, "event-feed") && !rt.object) {
        struct gv_buf feed;

        gv_buf_init(&feed, FEED_BYTES_MAX);
        err = event_feed(&feed, job, pg, rt.contest_id, jury);
        if (err == GV_EINVAL) {
            gv_buf_release(&feed);
            job->feed = false;
            srv__fail(job, SRV_ERR_INVALID, "since_token must be a token of this feed");
            return;
        }
        if (err == 0 && job->feed && jury) {
            job->feed_read_us = gv_time_mono_us();
            err = feed_recheck(job, pg, who.id);
            if (err == -EACCES) {
                gv_buf_release(&feed);
                job->feed = false;
                srv__fail(job, SRV_ERR_UNAUTHENTICATED,
                          "these credentials lost the jury's view while the feed opened");
                return;
            }
            if (err < 0) {
                gv_buf_release(&feed);
                job->feed = false;
                srv__fail_store(job, env, err, 0, "clics jury check");
                return;
            }
        }
        if (err == 0 && !feed.len && !job->feed)
            err = gv_buf_append(&feed, "\n", 1); /* an empty body is a keep-alive line */
        if (err == 0) {
            job->data_len = feed.len;
            job->data = gv_malloc(feed.len + 1);
            if (job->data) {
                if (feed.len)
                    memcpy(job->data, feed.data, feed.len);
                job->data[feed.len] = '\0';
            } else {
                err = -ENOMEM;
            }
            job->content_type = "application/x-ndjson";
        }
        if (err < 0)
            job->feed = false;
        gv_buf_release(&feed);
    } else if (!rt.contest_id) {
        err = db_clics_contests(&text, pg);
    } else {
        err = db_clics_get(&text, pg, rt.contest_id, rt.collection, rt.object, jury,
                           gv_time_real_ms());
    }
    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND, "not found (or not visible yet): %s", job->req.p.path);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "clics");
        return;
    }
    if (text)
        set_text(job, text);
}
