/* SPDX-License-Identifier: MIT
 * cli_util.c - see cli_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "db.h"
#include "gv_alloc.h"
#include "gv_utf8.h"
#include "banned.h"

int cli_read_file(struct gv_buf *b, const char *path)
{
    char buf[65536];
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        err = gv_buf_append(b, buf, (size_t)n);
        if (err < 0)
            break;
    }
    close(fd);
    return err;
}

void cli_json_add_text(cJSON *obj, const char *key, const char *s, size_t len)
{
    char *u = gv_utf8_sanitize(s ? s : "", s ? (len < CLI_FIELD_MAX ? len : CLI_FIELD_MAX) : 0);

    cJSON_AddStringToObject(obj, key, u ? u : "");
    gv_free(u);
}

int cli_json_print(const cJSON *obj)
{
    char *txt = cJSON_PrintUnformatted(obj);

    if (!txt)
        return -ENOMEM;
    printf("%s\n", txt);
    cJSON_free(txt);
    return 0;
}

const struct gv_lang *cli_lang(const char *cmd, const char *id, const char *path)
{
    const struct gv_lang *l = id ? gv_lang_find(id) : path ? gv_lang_for_path(path) : NULL;
    char ids[64];

    if (l)
        return l;
    gv_lang_ids(ids, sizeof(ids), ", ");
    if (id)
        fprintf(stderr, "gavel %s: unknown language '%s'; --lang takes one of %s\n", cmd, id, ids);
    else if (path)
        fprintf(stderr,
                "gavel %s: cannot tell the language of '%s' from its name; use --lang "
                "with one of %s\n",
                cmd, path, ids);
    else
        fprintf(stderr, "gavel %s: --lang is missing; it takes one of %s\n", cmd, ids);
    return NULL;
}

void cli_lang_usage(FILE *f)
{
    const struct gv_lang *l;

    fprintf(f, "\nlanguages (--lang ID):\n");
    for (size_t i = 0; (l = gv_lang_at(i)); i++) {
        fprintf(f, "  %-7s %s (%s):", l->id, l->name, l->toolchain);
        for (size_t e = 0; e < GV_LANG_EXTS_MAX && l->exts[e]; e++)
            fprintf(f, " %s", l->exts[e]);
        fprintf(f, "\n");
    }
}

struct db_pg *cli_pg_connect(const char *who)
{
    struct db_pg *pg = NULL;
    char msg[512];

    if (db_pg_open(&pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: cannot connect to PostgreSQL: %s\n", who, msg);
        return NULL;
    }
    return pg;
}
