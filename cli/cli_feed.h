/* SPDX-License-Identifier: MIT
 * cli_feed.h - reading a CLICS event feed file for `gavel contest replay`
 * and `gavel contest import`: one reader, one parser (contest/'s). */
#ifndef GAVEL_CLI_FEED_H
#define GAVEL_CLI_FEED_H

struct cst_feed;

/* Applies every line of the file at `path` (NDJSON, plain or zstd, told
 * apart by its magic number) to `feed`, in order. The first bad line stops
 * the read: stderr gets "WHO: PATH:LINE: why" (a last line without its
 * newline is said to be truncated) and its error is returned. On success,
 * a count of the events of unknown types skipped goes to stderr when there
 * were any. */
int cli_feed_read(struct cst_feed *feed, const char *path, const char *who);

#endif
