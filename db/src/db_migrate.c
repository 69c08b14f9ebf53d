/* SPDX-License-Identifier: MIT
 * db_migrate.c - versioned schema migrations.
 *
 * Theory of operation: the SQL files in db/migrations/ are compiled into the
 * binary (db_migrations_gen.c), so a deployed `gavel` carries exactly the
 * schema it was built for. schema_migrations records each applied version
 * with the SHA-256 of its text. Each migration runs in its own transaction
 * together with its bookkeeping row, so a failure leaves the database at the
 * previous version, never half-way. A session-level advisory lock serializes
 * concurrent migrators (two servers starting together); the loser waits and
 * then finds nothing left to do. */
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

/* An arbitrary constant that names "gavel schema migration" among advisory locks. */
#define MIGRATE_LOCK_KEY "7243508621"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL CHECK (length(checksum) = 64),"
    " applied_at timestamptz NOT NULL DEFAULT now())";

int db_schema_version(int *version, struct db_pg *pg)
{
    char *value = NULL;
    int err;

    *version = 0;
    err = db_pg_query_value(&value, pg, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0,
                            NULL);
    if (err < 0 || !value || strcmp(value, "t"))
        goto out;
    gv_free(value);
    value = NULL;
    err = db_pg_query_value(&value, pg, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                            0, NULL);
    if (err == 0 && value)
        *version = (int)strtol(value, NULL, 10);
out:
    gv_free(value);
    return err;
}

/* Returns 1 when `m` is already applied (and its checksum matches), 0 when
 * it is not, or a negative code. */
static int migration_applied(struct db_pg *pg, const struct db_migration *m, const char *checksum)
{
    char version[16];
    const char *params[] = {version};
    char *recorded = NULL;
    int err;

    snprintf(version, sizeof(version), "%d", m->version);
    err = db_pg_query_value(&recorded, pg,
                            "SELECT checksum FROM schema_migrations WHERE version = $1", 1, params);
    if (err < 0)
        return err;
    if (!recorded)
        return 0;
    if (strcmp(recorded, checksum)) {
        gv_log(GV_LOG_ERROR, "db",
               "migration %04d_%s was changed after it was applied (recorded %.12s, built-in "
               "%.12s): add a new migration instead of editing an applied one",
               m->version, m->name, recorded, checksum);
        err = GV_ECHECKSUM;
    } else {
        err = 1;
    }
    gv_free(recorded);
    return err;
}

static int migration_apply(struct db_pg *pg, const struct db_migration *m, const char *checksum)
{
    char version[16];
    const char *params[] = {version, m->name, checksum};
    int err;

    snprintf(version, sizeof(version), "%d", m->version);
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    err = db_pg_exec_script(pg, m->sql);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "db", "migration %04d_%s failed: %s", m->version, m->name,
               db_pg_last_error(pg));
        goto rollback;
    }
    err = db_pg_exec(NULL, pg,
                     "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     3, params);
    if (err < 0)
        goto rollback;
    err = db_pg_exec_script(pg, "COMMIT");
    if (err == 0)
        gv_log(GV_LOG_INFO, "db", "applied migration %04d_%s", m->version, m->name);
    return err;
rollback:
    db_pg_exec_script(pg, "ROLLBACK");
    return err;
}

int db_migrate(int *applied, struct db_pg *pg)
{
    const struct db_migration *all;
    size_t count;
    int err, unlock_err;

    *applied = 0;
    all = db_migrations(&count);
    err = db_pg_exec_script(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")");
    if (err < 0)
        return err;
    err = db_pg_exec_script(pg, create_table_sql);
    if (err < 0)
        goto unlock;
    for (size_t i = 0; i < count; i++) {
        char checksum[DB_SHA256_HEX_LEN + 1];

        db_sha256_hex(checksum, all[i].sql, strlen(all[i].sql));
        err = migration_applied(pg, &all[i], checksum);
        if (err < 0)
            goto unlock;
        if (err == 1)
            continue;
        err = migration_apply(pg, &all[i], checksum);
        if (err < 0)
            goto unlock;
        (*applied)++;
    }
    err = 0;
unlock:
    unlock_err = db_pg_exec_script(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
    return err < 0 ? err : unlock_err;
}
