/* SPDX-License-Identifier: MIT
 * cli_util.h - helpers the subcommands share: bounded file reads and JSON
 * output that a hostile program's bytes cannot break. */
#ifndef GAVEL_CLI_UTIL_H
#define GAVEL_CLI_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gv_buf.h"
#include "gv_lang.h"

/* Fields of program output in a report are cut here. */
#define CLI_FIELD_MAX (64 * 1024)

/* Appends the regular file at `path` to `b` (bounded by b->max):
 * -EINVAL for a directory or device, GV_ETOOBIG past the bound. */
int cli_read_file(struct gv_buf *b, const char *path);

/* Adds `s` (any bytes) as a JSON string, cut to CLI_FIELD_MAX; invalid
 * UTF-8 and NUL become U+FFFD. */
void cli_json_add_text(cJSON *obj, const char *key, const char *s, size_t len);

struct db_pg;

/* A PostgreSQL connection (GAVEL_PG_URL), or NULL after telling stderr
 * why, as "WHO: cannot connect to PostgreSQL: ...". */
struct db_pg *cli_pg_connect(const char *who);

/* Prints `obj` on one line of stdout. */
int cli_json_print(const cJSON *obj);

/* The language of a subcommand's SOURCE: the one `--lang` names, else (when
 * `path` is given) the one its file name ends in. NULL after telling stderr
 * why, as "gavel <cmd>: ...", with the ids --lang takes. */
const struct gv_lang *cli_lang(const char *cmd, const char *id, const char *path);

/* The languages table for a usage text: id, name, toolchain, endings. */
void cli_lang_usage(FILE *f);

#endif
