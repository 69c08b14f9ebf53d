/* SPDX-License-Identifier: MIT
 * cmd_db.c - `gavel db migrate | status | wait`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

static int db_usage(void)
{
    fprintf(stderr, "usage: gavel db migrate      apply pending schema migrations\n"
                    "       gavel db status       show the schema version\n"
                    "       gavel db wait [SECS]  wait until PostgreSQL and Redis answer "
                    "(default 30 s)\n");
    return CLI_EXIT_USAGE;
}

static int open_pg(struct db_pg **pg)
{
    char why[512];

    if (db_pg_open(pg, db_pg_url(), 5, why, sizeof(why)) < 0) {
        char url[512];

        fprintf(stderr, "gavel: cannot connect to PostgreSQL (GAVEL_PG_URL=%s): %s\n",
                db_pg_url_redact(url, sizeof(url), db_pg_url()), why);
        return -1;
    }
    return 0;
}

static int db_migrate_cmd(void)
{
    struct db_pg *pg;
    int applied, version, err;

    if (open_pg(&pg) < 0)
        return CLI_EXIT_FAIL;
    err = db_migrate(&applied, pg);
    if (err == 0)
        err = db_schema_version(&version, pg);
    if (err < 0) {
        fprintf(stderr, "gavel: migration failed: %s\n%s", gv_strerror(err), db_pg_last_error(pg));
        db_pg_close(pg);
        return CLI_EXIT_FAIL;
    }
    if (applied)
        printf("applied %d migration%s; schema is at version %d\n", applied,
               applied == 1 ? "" : "s", version);
    else
        printf("schema is up to date at version %d\n", version);
    db_pg_close(pg);
    return CLI_EXIT_OK;
}

static int db_status_cmd(void)
{
    const struct db_migration *all;
    struct db_pg *pg;
    size_t count;
    int version, err;

    if (open_pg(&pg) < 0)
        return CLI_EXIT_FAIL;
    all = db_migrations(&count);
    err = db_schema_version(&version, pg);
    db_pg_close(pg);
    if (err < 0) {
        fprintf(stderr, "gavel: cannot read schema version: %s\n", gv_strerror(err));
        return CLI_EXIT_FAIL;
    }
    printf("schema version %d, built-in migrations up to %d%s\n", version,
           count ? all[count - 1].version : 0,
           count && version < all[count - 1].version ? " (run: gavel db migrate)" : "");
    return CLI_EXIT_OK;
}

/* Scripts start the stores and then need to know when they answer; polling
 * here beats a shell loop around psql and redis-cli (which may be missing). */
static int db_wait_cmd(const char *secs)
{
    char *end = NULL;
    long limit = secs ? strtol(secs, &end, 10) : 30;
    int64_t deadline;
    char pg_why[512] = "", redis_why[512] = "";

    if (secs && (*end || limit < 1 || limit > 3600)) {
        fprintf(stderr, "gavel: db wait: '%s' is not a number of seconds in [1, 3600]\n", secs);
        return CLI_EXIT_USAGE;
    }
    deadline = gv_time_mono_ms() + limit * 1000;
    for (;;) {
        struct db_pg *pg = NULL;
        struct db_redis *r = NULL;
        int pg_ok =
            db_pg_open(&pg, db_pg_url(), 2, pg_why, sizeof(pg_why)) == 0 && db_pg_ping(pg) == 0;
        int redis_ok = db_redis_open(&r, db_redis_url(), 1000, redis_why, sizeof(redis_why)) == 0 &&
                       db_redis_ping(r) == 0;

        db_pg_close(pg);
        db_redis_close(r);
        if (pg_ok && redis_ok)
            return CLI_EXIT_OK;
        if (gv_time_mono_ms() >= deadline) {
            char where[512];

            if (!pg_ok)
                fprintf(stderr, "gavel: PostgreSQL at %s did not answer within %ld s: %s\n",
                        db_pg_url_redact(where, sizeof(where), db_pg_url()), limit, pg_why);
            if (!redis_ok)
                fprintf(stderr, "gavel: Redis at %s did not answer within %ld s: %s\n",
                        db_redis_where(where, sizeof(where)), limit,
                        redis_why[0] ? redis_why : "PING failed");
            return CLI_EXIT_FAIL;
        }
        gv_time_sleep_ms(200);
    }
}

int cli_cmd_db(int argc, char **argv)
{
    if (argc < 2)
        return db_usage();
    if (!strcmp(argv[1], "migrate") && argc == 2)
        return db_migrate_cmd();
    if (!strcmp(argv[1], "status") && argc == 2)
        return db_status_cmd();
    if (!strcmp(argv[1], "wait") && argc <= 3)
        return db_wait_cmd(argc == 3 ? argv[2] : NULL);
    return db_usage();
}
