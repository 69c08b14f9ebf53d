/* SPDX-License-Identifier: MIT
 * cli_feed.c - see cli_feed.h. The file is read in chunks, decompressed
 * when it is zstd, and cut into lines; each line goes to cst_feed_apply. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <zstd.h>

#include "cli_feed.h"
#include "cst_feed.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "banned.h"

struct reader {
    const char *path;
    const char *who;
    struct cst_feed *feed;
    struct gv_buf line; /* the current line's bytes so far */
    size_t lineno;
    int rc;
};

#define CHUNK (64 * 1024)

/* Applies one complete line. */
static int line_done(struct reader *r, bool truncated)
{
    char err[512];
    int rc;

    r->lineno++;
    rc = cst_feed_apply(r->feed, r->line.data ? r->line.data : "", r->line.len, err, sizeof(err));
    gv_buf_reset(&r->line);
    if (rc < 0)
        fprintf(stderr, "%s: %s:%zu: %s%s\n", r->who, r->path, r->lineno,
                truncated ? "truncated last line (no newline): " : "",
                rc == -ENOMEM ? gv_strerror(rc) : err);
    return rc;
}

/* Cuts decoded bytes into lines. */
static int take(struct reader *r, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        int rc = gv_buf_append(&r->line, p, k);

        if (rc == GV_ETOOBIG) {
            fprintf(stderr, "%s: %s:%zu: line longer than %d bytes\n", r->who, r->path,
                    r->lineno + 1, CST_FEED_LINE_MAX);
            return rc;
        }
        if (rc < 0)
            return rc;
        if (!nl)
            break;
        rc = line_done(r, false);
        if (rc < 0)
            return rc;
        p += k + 1;
        n -= k + 1;
    }
    return 0;
}

static int read_plain(struct reader *r, FILE *in, char *buf, size_t n0)
{
    size_t n = n0;
    int rc = 0;

    do {
        rc = take(r, buf, n);
    } while (rc == 0 && (n = fread(buf, 1, CHUNK, in)) > 0);
    return rc;
}

/* zstd's streaming decoder: frames may follow each other. */
static int read_zstd(struct reader *r, FILE *in, char *buf, size_t n0)
{
    ZSTD_DStream *z = ZSTD_createDStream();
    char *out = gv_malloc(CHUNK);
    size_t n = n0, ret = 1;
    int rc = 0;

    if (!z || !out) {
        rc = -ENOMEM;
        goto out;
    }
    ZSTD_initDStream(z);
    do {
        ZSTD_inBuffer ib = {buf, n, 0};
        while (rc == 0 && ib.pos < ib.size) {
            ZSTD_outBuffer ob = {out, CHUNK, 0};
            ret = ZSTD_decompressStream(z, &ob, &ib);
            if (ZSTD_isError(ret)) {
                fprintf(stderr, "%s: %s: corrupt zstd data after line %zu: %s\n", r->who, r->path,
                        r->lineno, ZSTD_getErrorName(ret));
                rc = GV_EPARSE;
                break;
            }
            rc = take(r, out, ob.pos);
        }
    } while (rc == 0 && (n = fread(buf, 1, CHUNK, in)) > 0);
    if (rc == 0 && ret != 0) {
        fprintf(stderr, "%s: %s: the zstd stream is cut short after line %zu\n", r->who, r->path,
                r->lineno);
        rc = GV_EPARSE;
    }
out:
    ZSTD_freeDStream(z);
    gv_free(out);
    return rc;
}

static int replay_file(struct reader *r)
{
    static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    FILE *in = fopen(r->path, "rb");
    char *buf = gv_malloc(CHUNK);
    size_t n;
    int rc;

    if (!in || !buf) {
        rc = in ? -ENOMEM : -errno;
        fprintf(stderr, "%s: %s: %s\n", r->who, r->path, gv_strerror(rc));
        goto out;
    }
    n = fread(buf, 1, CHUNK, in);
    rc = n >= 4 && !memcmp(buf, zstd_magic, 4) ? read_zstd(r, in, buf, n)
                                               : read_plain(r, in, buf, n);
    if (rc == 0 && ferror(in)) {
        rc = -EIO;
        fprintf(stderr, "%s: %s: read error\n", r->who, r->path);
    }
    if (rc == 0 && r->line.len > 0)
        rc = line_done(r, true);
out:
    if (in)
        fclose(in);
    gv_free(buf);
    return rc;
}

int cli_feed_read(struct cst_feed *feed, const char *path, const char *who)
{
    struct reader r = {.path = path, .who = who, .feed = feed};
    int rc;

    gv_buf_init(&r.line, CST_FEED_LINE_MAX + 1);
    rc = replay_file(&r);
    if (rc == 0 && cst_feed_unknown(feed) > 0)
        fprintf(stderr, "%s: %s: skipped %zu events of unknown types\n", who, path,
                cst_feed_unknown(feed));
    gv_buf_release(&r.line);
    return rc;
}
