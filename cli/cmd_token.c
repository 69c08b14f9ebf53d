/* SPDX-License-Identifier: MIT
 * cmd_token.c - `gavel token create | list | revoke`: API tokens for
 * programs that read the CLICS API (`Authorization: Bearer <token>`;
 * db_token.h, docs/PROTOCOL.md "CLICS Contest API"). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "db.h"
#include "db_session.h"
#include "db_token.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define USAGE                                                                                      \
    "usage: gavel token create --user NAME [--name LABEL] [--expires 30d|12h|45m|TIME|never]\n"    \
    "       gavel token list [--user NAME]\n"                                                      \
    "       gavel token revoke ID\n"                                                               \
    "TIME is ISO 8601 with an offset (2027-01-31T18:00:00Z) or a date (2027-01-31, UTC);\n"        \
    "the token is printed once: only its SHA-256 is stored.\n"

/* --expires: a lifetime from now ("30d", "12h", "45m"), a time, a date,
 * or "never" (0). False, after saying why, for anything else or a time
 * already past. */
static bool parse_expiry(int64_t *out, const char *who, const char *s, int64_t now_ms)
{
    char buf[GV_TIME_ISO_MAX];
    size_t len = strlen(s);
    char *end = NULL;

    *out = 0;
    if (!strcmp(s, "never"))
        return true;
    if (len >= 2 && isdigit((unsigned char)s[0]) && strchr("dhm", s[len - 1])) {
        long long n = strtoll(s, &end, 10);
        int64_t unit = s[len - 1] == 'd' ? 86400000 : s[len - 1] == 'h' ? 3600000 : 60000;

        if (end == s + len - 1 && n > 0 && n <= 100LL * 366 * 86400000 / unit) {
            *out = now_ms + (int64_t)n * unit;
            return true;
        }
    } else if (len == 10 && snprintf(buf, sizeof(buf), "%sT00:00:00Z", s) > 0 &&
               gv_time_iso_parse(out, NULL, buf) == 0) {
        /* a date: its midnight, UTC */
    } else if (gv_time_iso_parse(out, NULL, s) != 0) {
        *out = 0;
    }
    if (*out > now_ms)
        return true;
    if (*out)
        fprintf(stderr, "%s: --expires '%s' is in the past\n", who, s);
    else
        fprintf(stderr,
                "%s: --expires takes 30d, 12h, 45m, an ISO 8601 time with an offset, a date "
                "(YYYY-MM-DD) or never, not '%s'\n",
                who, s);
    *out = 0;
    return false;
}

static int create(int argc, char **argv)
{
    const char *who = "gavel token create", *user = NULL, *name = "", *expires = "never";
    char token[DB_API_TOKEN_LEN + 1], when[GV_TIME_ISO_MAX];
    struct db_user_info u;
    struct db_pg *pg;
    int64_t expires_ms, id = 0;
    int rc;

    for (int i = 2; i < argc; i += 2) {
        const char **slot = !strcmp(argv[i], "--user")      ? &user
                            : !strcmp(argv[i], "--name")    ? &name
                            : !strcmp(argv[i], "--expires") ? &expires
                                                            : NULL;

        if (!slot || i + 1 >= argc) {
            fputs(USAGE, stderr);
            return CLI_EXIT_USAGE;
        }
        *slot = argv[i + 1];
    }
    if (!user) {
        fputs(USAGE, stderr);
        return CLI_EXIT_USAGE;
    }
    if (strlen(name) > DB_API_TOKEN_NAME_MAX) {
        fprintf(stderr, "%s: --name takes at most %d bytes\n", who, DB_API_TOKEN_NAME_MAX);
        return CLI_EXIT_USAGE;
    }
    if (!parse_expiry(&expires_ms, who, expires, gv_time_real_ms()))
        return CLI_EXIT_USAGE;
    pg = cli_pg_connect(who);
    if (!pg)
        return CLI_EXIT_FAIL;
    rc = db_user_find(&u, pg, user);
    if (rc == 0)
        rc = db_token_create(token, &id, pg, u.id, name, expires_ms);
    if (rc == GV_ENOTFOUND)
        fprintf(stderr, "%s: no user '%s'\n", who, user);
    else if (rc < 0)
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    db_pg_close(pg);
    if (rc < 0)
        return CLI_EXIT_FAIL;
    if (expires_ms)
        gv_time_iso_format(when, expires_ms, 0, true);
    /* The token alone on stdout, for a script; the rest for a person. */
    printf("%s\n", token);
    fflush(stdout);
    fprintf(stderr,
            "token %" PRId64 " for %s (%s, currently %s)%s%s%s: shown this once; send it as "
            "\"Authorization: Bearer <token>\"\n",
            id, u.username, *name ? name : "no name", u.role, expires_ms ? ", expires " : "",
            expires_ms ? when : "", expires_ms ? "" : ", never expires");
    return CLI_EXIT_OK;
}

static void put_time(int64_t ms, const char *none)
{
    char s[GV_TIME_ISO_MAX];

    if (ms)
        gv_time_iso_format(s, ms, 0, true);
    printf(" %-24s", ms ? s : none);
}

static int list(int argc, char **argv)
{
    const char *who = "gavel token list";
    struct db_api_token *v = NULL;
    struct db_user_info u = {0};
    struct db_pg *pg;
    int64_t now = gv_time_real_ms();
    size_t n = 0;
    int rc = 0;

    if (argc != 2 && (argc != 4 || strcmp(argv[2], "--user"))) {
        fputs(USAGE, stderr);
        return CLI_EXIT_USAGE;
    }
    pg = cli_pg_connect(who);
    if (!pg)
        return CLI_EXIT_FAIL;
    if (argc == 4) {
        rc = db_user_find(&u, pg, argv[3]);
        if (rc == GV_ENOTFOUND)
            fprintf(stderr, "%s: no user '%s'\n", who, argv[3]);
    }
    if (rc == 0)
        rc = db_token_list(&v, &n, pg, u.id);
    if (rc < 0 && rc != GV_ENOTFOUND)
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    db_pg_close(pg);
    if (rc < 0)
        return CLI_EXIT_FAIL;
    printf("%-6s %-16s %-20s %-24s %-24s %-24s %s\n", "id", "user", "name", "created", "expires",
           "last used", "status");
    for (size_t i = 0; i < n; i++) {
        printf("%-6" PRId64 " %-16s %-20s", v[i].id, v[i].username, v[i].name);
        put_time(v[i].created_ms, "-");
        put_time(v[i].expires_ms, "never");
        put_time(v[i].last_used_ms, "never");
        printf(" %s\n", v[i].revoked_ms                             ? "revoked"
                        : v[i].expires_ms && v[i].expires_ms <= now ? "expired"
                                                                    : "active");
    }
    gv_free(v);
    return CLI_EXIT_OK;
}

static int revoke(const char *arg)
{
    const char *who = "gavel token revoke";
    struct db_pg *pg;
    char *end = NULL;
    long long id = strtoll(arg, &end, 10);
    int rc;

    if (*end || id <= 0) {
        fprintf(stderr, "%s: ID is a token's number (gavel token list), not '%s'\n", who, arg);
        return CLI_EXIT_USAGE;
    }
    pg = cli_pg_connect(who);
    if (!pg)
        return CLI_EXIT_FAIL;
    rc = db_token_revoke(pg, (int64_t)id);
    if (rc == GV_ENOTFOUND)
        fprintf(stderr, "%s: no token %lld\n", who, id);
    else if (rc == GV_EEXIST)
        fprintf(stderr, "%s: token %lld was already revoked\n", who, id);
    else if (rc < 0)
        fprintf(stderr, "%s: %s\n", who, db_pg_last_error(pg));
    else
        printf("token %lld revoked\n", id);
    db_pg_close(pg);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_cmd_token(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";

    if (!strcmp(sub, "create"))
        return create(argc, argv);
    if (!strcmp(sub, "list"))
        return list(argc, argv);
    if (!strcmp(sub, "revoke") && argc == 3)
        return revoke(argv[2]);
    fputs(USAGE, stderr);
    return CLI_EXIT_USAGE;
}
