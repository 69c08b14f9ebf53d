/* SPDX-License-Identifier: MIT
 * cmd_replay.c - `gavel contest replay --event-feed FILE [--public]
 * [--at CONTEST_TIME]`: a contest's scoreboard from its CLICS event feed.
 *
 * cli_feed_read reads the file into contest/'s feed (cst_feed.h), which
 * computes the board with the live server's code. The first bad line stops
 * the replay with its number: a board from half a feed would look right and
 * be wrong. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_feed.h"
#include "commands.h"
#include "cst_clics.h"
#include "cst_feed.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define WHO "gavel contest replay"
#define REPLAY_USAGE                                                                               \
    "usage: gavel contest replay --event-feed FILE [--public] [--at CONTEST_TIME]\n"               \
    "FILE is a CLICS event feed (NDJSON, plain or .zst); CONTEST_TIME is h:mm:ss[.uuu].\n"         \
    "Prints the scoreboard as GET /contests/{id}/scoreboard serves it: the jury's view,\n"         \
    "or with --public the frozen public view.\n"

int cli_contest_replay(int argc, char **argv)
{
    const char *path = NULL;
    struct cst_feed *feed = NULL;
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
    rc = cst_feed_new(&feed);
    if (rc == 0)
        rc = cli_feed_read(feed, path, WHO);
    if (rc == 0) {
        rc = cst_feed_scoreboard(&board, feed, !public, at);
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
    cst_feed_free(feed);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
