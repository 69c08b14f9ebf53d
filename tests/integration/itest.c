/* SPDX-License-Identifier: MIT
 * itest.c - throwaway databases for integration tests. */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

static char base_url[512];
static char db_name[128];

static int admin_exec(const char *sql)
{
    struct db_pg *pg;
    char why[512];
    int err;

    if (db_pg_open(&pg, base_url, 5, why, sizeof(why)) < 0) {
        fprintf(stderr, "itest: cannot connect to %s: %s\n", base_url, why);
        return -1;
    }
    err = db_pg_exec_script(pg, sql);
    if (err < 0)
        fprintf(stderr, "itest: '%s' failed: %s\n", sql, db_pg_last_error(pg));
    db_pg_close(pg);
    return err;
}

void itest_db_create(char *url, size_t len, const char *name)
{
    const char *env = getenv("GAVEL_PG_URL");
    char sql[256];
    char *slash;

    if (!env || !*env) {
        fprintf(stderr, "itest: GAVEL_PG_URL is unset; run through scripts/test\n");
        exit(ITEST_SKIP);
    }
    snprintf(base_url, sizeof(base_url), "%s", env);
    snprintf(db_name, sizeof(db_name), "itest_%s_%d", name, (int)getpid());
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db_name);
    if (admin_exec(sql) < 0)
        exit(1);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db_name);
    if (admin_exec(sql) < 0)
        exit(1);
    /* scripts/services hands out URLs of the form postgresql://user@host:port/db. */
    slash = strrchr(base_url, '/');
    if (!slash || slash < strstr(base_url, "://") + 3) {
        fprintf(stderr, "itest: GAVEL_PG_URL '%s' has no database part\n", base_url);
        exit(1);
    }
    snprintf(url, len, "%.*s/%s", (int)(slash - base_url), base_url, db_name);
}

void itest_db_drop(void)
{
    char sql[256];

    if (!db_name[0])
        return;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    admin_exec(sql);
    db_name[0] = '\0';
}
