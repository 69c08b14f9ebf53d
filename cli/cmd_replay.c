/* SPDX-License-Identifier: MIT
 * cmd_replay.c - `gavel contest replay --event-feed FILE [--public]
 * [--at CONTEST_TIME]`: a contest's scoreboard from its CLICS event feed.
 *
 * The file (NDJSON, plain or zstd, told apart by its magic number) is read
 * in chunks and cut into lines; contest/ applies each line (cst_feed.h)
 * and computes the board with the live server's code. The first bad line
 * stops the replay with its number: a board from half a feed would look
 * right and be wrong. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zstd.h>

#include "commands.h"
#include "cst_clics.h"
#include "cst_feed.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "banned.h"

#define WHO "gavel contest replay"
#define REPLAY_USAGE                                                                               \
    "usage: gavel contest replay --event-feed FILE [--public] [--at CONTEST_TIME]\n"               \
    "FILE is a CLICS event feed (NDJSON, plain or .zst); CONTEST_TIME is h:mm:ss[.uuu].\n"         \
    "Prints the scoreboard as GET /contests/{id}/scoreboard serves it: the jury's view,\n"         \
    "or with --public the frozen public view.\n"

#define CHUNK (64 * 1024)

struct reader {
    const char *path;
    struct cst_feed *feed;
    struct gv_buf line; /* the current line's bytes so far */
    size_t lineno;
    int rc;
};

/* Applies one complete line. */
static int line_done(struct reader *r, bool truncated)
{
    char err[512];
    int rc;

    r->lineno++;
    rc = cst_feed_apply(r->feed, r->line.data ? r->line.data : "", r->line.len, err, sizeof(err));
    gv_buf_reset(&r->line);
    if (rc < 0)
        fprintf(stderr, "%s: %s:%zu: %s%s\n", WHO, r->path, r->lineno,
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
            fprintf(stderr, "%s: %s:%zu: line longer than %d bytes\n", WHO, r->path, r->lineno + 1,
                    CST_FEED_LINE_MAX);
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
                fprintf(stderr, "%s: %s: corrupt zstd data after line %zu: %s\n", WHO, r->path,
                        r->lineno, ZSTD_getErrorName(ret));
                rc = GV_EPARSE;
                break;
            }
            rc = take(r, out, ob.pos);
        }
    } while (rc == 0 && (n = fread(buf, 1, CHUNK, in)) > 0);
    if (rc == 0 && ret != 0) {
        fprintf(stderr, "%s: %s: the zstd stream is cut short after line %zu\n", WHO, r->path,
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
        fprintf(stderr, "%s: %s: %s\n", WHO, r->path, gv_strerror(rc));
        goto out;
    }
    n = fread(buf, 1, CHUNK, in);
    rc = n >= 4 && !memcmp(buf, zstd_magic, 4) ? read_zstd(r, in, buf, n)
                                               : read_plain(r, in, buf, n);
    if (rc == 0 && ferror(in)) {
        rc = -EIO;
        fprintf(stderr, "%s: %s: read error\n", WHO, r->path);
    }
    if (rc == 0 && r->line.len > 0)
        rc = line_done(r, true);
out:
    if (in)
        fclose(in);
    gv_free(buf);
    return rc;
}

int cli_contest_replay(int argc, char **argv)
{
    const char *path = NULL;
    struct reader r = {0};
    int64_t at = INT64_MAX;
    bool public = false;
    cJSON *board = NULL;
    char *text = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--event-feed") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(argv[i], "--public")) {
            public = true;
        } else if (!strcmp(argv[i], "--at") && i + 1 < argc) {
            if (cst_clics_reltime_parse(&at, argv[++i]) < 0) {
                fprintf(stderr, "%s: --at takes a contest time h:mm:ss[.uuu], not '%s'\n", WHO,
                        argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else {
            path = NULL;
            break;
        }
    }
    if (!path) {
        fputs(REPLAY_USAGE, stderr);
        return CLI_EXIT_USAGE;
    }
    r.path = path;
    gv_buf_init(&r.line, CST_FEED_LINE_MAX + 1);
    rc = cst_feed_new(&r.feed);
    if (rc == 0)
        rc = replay_file(&r);
    if (rc == 0 && cst_feed_unknown(r.feed) > 0)
        fprintf(stderr, "%s: %s: skipped %zu events of unknown types\n", WHO, path,
                cst_feed_unknown(r.feed));
    if (rc == 0) {
        rc = cst_feed_scoreboard(&board, r.feed, !public, at);
        if (rc == GV_EINVAL)
            fprintf(stderr, "%s: %s: the feed has no contest with a start time\n", WHO, path);
        else if (rc < 0)
            fprintf(stderr, "%s: %s\n", WHO, gv_strerror(rc));
    }
    if (rc == 0) {
        text = cJSON_PrintUnformatted(board);
        if (text)
            printf("%s\n", text);
        else
            rc = -ENOMEM;
    }
    cJSON_free(text);
    cJSON_Delete(board);
    cst_feed_free(r.feed);
    gv_buf_release(&r.line);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
