/* SPDX-License-Identifier: MIT
 * cmd_contest.c - `gavel contest create|update|list|show|unfreeze` and
 * `gavel user set`: what an organizer does from a terminal.
 *
 * A definition file is read whole (bounded), parsed by contest/ and stored
 * by db/ in one transaction; every refusal names the file and the line, and
 * leaves the database as it was. The server's timers announce what these
 * commands change (a new start, the final standings) within a second. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "commands.h"
#include "cst.h"
#include "cst_def.h"
#include "db.h"
#include "db_contest.h"
#include "db_contest_admin.h"
#include "db_event.h"
#include "db_session.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define USAGE                                                                                      \
    "usage: gavel contest create FILE\n"                                                           \
    "       gavel contest update ID|SLUG FILE [--force]\n"                                         \
    "       gavel contest list\n"                                                                  \
    "       gavel contest show ID|SLUG\n"                                                          \
    "       gavel contest unfreeze ID|SLUG\n"                                                      \
    "       gavel contest replay --event-feed FILE [--public] [--at CONTEST_TIME]\n"                \
    "       gavel contest import --event-feed FILE [--speed N] [--slug SLUG]\n"                     \
    "FILE is a contest definition (YAML): see examples/contests/ and docs/CONTESTS.md\n"

/* Reads and parses FILE; prints why not. */
static int load_def(struct cst_def *d, const char *who, const char *path)
{
    struct gv_buf b;
    char err[512];
    int rc;

    gv_buf_init(&b, CST_DEF_TEXT_MAX);
    rc = cli_read_file(&b, path);
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s\n", who, path,
                rc == GV_ETOOBIG ? "larger than 1 MiB" : gv_strerror(rc));
        gv_buf_release(&b);
        return rc;
    }
    rc = cst_def_parse(d, path, b.data, b.len, err, sizeof(err));
    gv_buf_release(&b);
    if (rc == GV_EPARSE)
        fprintf(stderr, "%s: %s\n", who, err);
    else if (rc < 0)
        fprintf(stderr, "%s: %s\n", who, gv_strerror(rc));
    return rc;
}

static int resolve(int64_t *id, struct db_pg *pg, const char *who, const char *key)
{
    int rc = db_contest_resolve(id, pg, key);

    if (rc == GV_ENOTFOUND)
        fprintf(stderr, "%s: no contest '%s' (gavel contest list)\n", who, key);
    else if (rc < 0)
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    return rc;
}

static int create(const char *path)
{
    const char *who = "gavel contest create";
    struct cst_def d;
    struct db_pg *pg = NULL;
    char err[512];
    int64_t id = 0;
    int rc;

    if (load_def(&d, who, path) < 0)
        return CLI_EXIT_FAIL;
    pg = cli_pg_connect(who);
    rc = pg ? db_contest_create(&id, err, sizeof(err), pg, &d, 0) : GV_EUNAVAIL;
    if (rc == GV_EINVAL || rc == GV_EEXIST)
        fprintf(stderr, "%s: %s: %s\n", who, path, err);
    else if (rc < 0 && pg)
        fprintf(stderr, "%s: %s\n", who, gv_strerror(rc));
    if (rc == 0)
        /* The id last, alone on its line: scripts take `| tail -n1`. */
        printf("created contest '%s' (%s), %zu problems\n%" PRId64 "\n", d.slug, d.name,
               d.nproblems, id);
    cst_def_release(&d);
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* Tells the running servers to drop what their caches hold for a contest
 * or a user (db_event_tell_servers). Best effort: without Redis they see
 * the change when their cache entries expire (GAVEL_SNAPSHOT_CACHE_MS,
 * GAVEL_SESSION_CACHE_MS). */
static void tell_servers(const char *who, enum cst_event_type type, int64_t id)
{
    struct db_redis *r = NULL;
    char why[256];
    int err;

    why[0] = '\0';
    err = db_redis_open(&r, db_redis_url(), 2000, why, sizeof(why));
    if (err == 0)
        err = db_event_tell_servers(r, type, id);
    if (err < 0)
        fprintf(stderr,
                "%s: warning: running servers not told (%s); their caches see it "
                "within their TTL\n",
                who, why[0] ? why : gv_strerror(err));
    db_redis_close(r);
}

static int update(const char *key, const char *path, bool force)
{
    const char *who = "gavel contest update";
    struct cst_def d;
    struct db_pg *pg = NULL;
    char err[512];
    int64_t id = 0;
    int rc;

    if (load_def(&d, who, path) < 0)
        return CLI_EXIT_FAIL;
    pg = cli_pg_connect(who);
    rc = pg ? resolve(&id, pg, who, key) : GV_EUNAVAIL;
    if (rc == 0) {
        rc = db_contest_update(err, sizeof(err), pg, id, &d, force, gv_time_real_ms());
        if (rc == GV_EINVAL)
            fprintf(stderr, "%s: %s: %s\n", who, path, err);
        else if (rc < 0)
            fprintf(stderr, "%s: %s\n", who, gv_strerror(rc));
    }
    if (rc == 0) {
        tell_servers(who, CST_EVENT_CONTEST_CHANGED, id);
        printf("updated contest %" PRId64 " (%s)\n", id, d.slug);
    }
    cst_def_release(&d);
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int64_t json_ms(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int list(void)
{
    const char *who = "gavel contest list";
    struct db_pg *pg = cli_pg_connect(who);
    char *json = NULL, when[CST_DEF_TIME_TEXT], length[CST_DEF_TIME_TEXT];
    int64_t now = gv_time_real_ms();
    cJSON *arr = NULL, *c;
    int rc;

    if (!pg)
        return CLI_EXIT_FAIL;
    rc = db_contest_list(&json, pg, 0);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
        db_pg_close(pg);
        return CLI_EXIT_FAIL;
    }
    arr = cJSON_Parse(json);
    printf("%6s  %-24s  %-10s  %-20s  %9s  %6s  %s\n", "id", "slug", "phase", "start (UTC)",
           "length", "people", "title");
    cJSON_ArrayForEach(c, arr)
    {
        struct cst_schedule s = {json_ms(c, "starts_at_ms"), json_ms(c, "freezes_at_ms"),
                                 json_ms(c, "ends_at_ms"), json_ms(c, "unfrozen_at_ms")};
        struct cst_state st;

        if (!cst_schedule_valid(&s))
            continue;
        cst_state_at(&st, &s, now);
        cst_def_format_time(when, s.starts_at);
        cst_def_format_duration(length, s.ends_at - s.starts_at);
        printf("%6" PRId64 "  %-24s  %-10s  %-20.19s  %9s  %6" PRId64 "  %s\n", json_ms(c, "id"),
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "slug")),
               cst_phase_name(st.phase), when, length, json_ms(c, "participants"),
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "title")));
    }
    cJSON_Delete(arr);
    gv_free(json);
    db_pg_close(pg);
    return CLI_EXIT_OK;
}

static int show(const char *key)
{
    const char *who = "gavel contest show";
    struct db_pg *pg = cli_pg_connect(who);
    struct cst_def d = {0};
    struct cst_schedule s;
    struct cst_state st;
    char *yaml = NULL;
    int64_t id = 0;
    int rc;

    if (!pg)
        return CLI_EXIT_FAIL;
    rc = resolve(&id, pg, who, key);
    if (rc == 0) {
        rc = db_contest_def_load(&d, pg, id);
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    }
    if (rc == 0)
        rc = cst_def_format(&yaml, &d);
    if (rc == 0) {
        cst_def_schedule(&s, &d);
        cst_state_at(&st, &s, gv_time_real_ms());
        /* Comments first, then a definition `gavel contest update` takes. */
        printf("# contest %" PRId64 ", %s\n%s", id, cst_phase_name(st.phase), yaml);
    }
    gv_free(yaml);
    cst_def_release(&d);
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int unfreeze(const char *key)
{
    const char *who = "gavel contest unfreeze";
    struct db_pg *pg = cli_pg_connect(who);
    int64_t id = 0;
    int rc;

    if (!pg)
        return CLI_EXIT_FAIL;
    rc = resolve(&id, pg, who, key);
    if (rc == 0) {
        rc = db_contest_unfreeze(pg, id, gv_time_real_ms());
        if (rc == -EACCES)
            fprintf(stderr, "%s: contest %" PRId64 " has not ended yet\n", who, id);
        else if (rc == GV_EEXIST)
            fprintf(stderr, "%s: contest %" PRId64 "'s final standings are already public\n",
                    who, id);
        else if (rc < 0)
            fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    }
    if (rc == 0) {
        tell_servers(who, CST_EVENT_CONTEST_CHANGED, id);
        printf("contest %" PRId64 ": the final standings are public\n", id);
    }
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_cmd_contest(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";

    if (!strcmp(sub, "create") && argc == 3)
        return create(argv[2]);
    if (!strcmp(sub, "update") && (argc == 4 || (argc == 5 && !strcmp(argv[4], "--force"))))
        return update(argv[2], argv[3], argc == 5);
    if (!strcmp(sub, "list") && argc == 2)
        return list();
    if (!strcmp(sub, "show") && argc == 3)
        return show(argv[2]);
    if (!strcmp(sub, "unfreeze") && argc == 3)
        return unfreeze(argv[2]);
    if (!strcmp(sub, "replay"))
        return cli_contest_replay(argc - 1, argv + 1);
    if (!strcmp(sub, "import"))
        return cli_contest_import(argc - 1, argv + 1);
    fputs(USAGE, stderr);
    return CLI_EXIT_USAGE;
}

int cli_cmd_user(int argc, char **argv)
{
    const char *who = "gavel user set", *role = NULL, *tier = NULL;
    struct db_pg *pg;
    int rc;

    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--role"))
            role = argv[i + 1];
        else if (!strcmp(argv[i], "--tier"))
            tier = argv[i + 1];
        else
            role = tier = NULL, argc = 0;
    }
    if (argc < 5 || argc % 2 == 0 || strcmp(argv[1], "set") || (!role && !tier)) {
        fputs("usage: gavel user set USERNAME [--role contestant|jury|admin] [--tier free|paid]\n",
              stderr);
        return CLI_EXIT_USAGE;
    }
    pg = cli_pg_connect(who);
    if (!pg)
        return CLI_EXIT_FAIL;
    rc = db_user_set(pg, argv[2], role, tier);
    if (rc == GV_ENOTFOUND)
        fprintf(stderr, "%s: no user '%s'\n", who, argv[2]);
    else if (rc == GV_EINVAL)
        fprintf(stderr, "%s: role is contestant, jury (or organizer) or admin; tier is free or "
                        "paid\n",
                who);
    else if (rc < 0)
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    else {
        struct db_user_info u;

        if (db_user_find(&u, pg, argv[2]) == 0)
            tell_servers(who, CST_EVENT_SESSION_ENDED, u.id);
        printf("%s:%s%s%s%s\n", argv[2], role ? " role " : "", role ? role : "",
               tier ? " tier " : "", tier ? tier : "");
    }
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
