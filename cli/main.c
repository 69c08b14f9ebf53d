/* SPDX-License-Identifier: MIT
 * main.c - `gavel`, the command line for operators and organizers. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "gv_config.h"
#include "gv_log.h"
#include "banned.h"

struct cli_command {
    const char *name;
    cli_command_fn *fn;
    const char *summary;
};

static const struct cli_command commands[] = {
    {"db", cli_cmd_db, "db migrate | db status: apply or show the schema"},
    {"demo", cli_cmd_demo, "demo seed: load demo users, problems and a contest"},
    {"run", cli_cmd_run, "run --lang L SOURCE: compile and run in the sandbox, print JSON"},
    {"judge", cli_cmd_judge, "judge --problem DIR SOURCE: judge offline against a package"},
    {"problem", cli_cmd_problem, "problem import DIR... | problem verify DIR...: packages"},
    {"submit", cli_cmd_submit, "submit --user U --problem P SOURCE: store and queue"},
    {"rejudge", cli_cmd_rejudge, "rejudge --submission ID | --problem P | --contest C [--problem P] | --report BATCH"},
    {"contest", cli_cmd_contest, "contest create FILE | update ID FILE | list | show ID | unfreeze ID | replay --event-feed FILE"},
    {"plag", cli_cmd_plag, "plag --lang L --json F --html F PATH...: similar sources, offline"},
    {"user", cli_cmd_user, "user set NAME --role contestant|jury|admin --tier free|paid"},
    {"token", cli_cmd_token, "token create --user NAME [--name L] [--expires T] | list | revoke ID"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gavel <command> [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nsettings: GAVEL_PG_URL, GAVEL_REDIS_URL (or a GAVEL_CONFIG file)\n");
}

int main(int argc, char **argv)
{
    int rc;

    gv_log_init("gavel");
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("gavel %s\n", GAVEL_VERSION);
        return CLI_EXIT_OK;
    }
    if (gv_config_load() < 0)
        return CLI_EXIT_FAIL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            /* `gavel CMD --help`: every command prints its usage when called
             * bare, on stderr with status 2; asked for, it belongs on stdout
             * with status 0. */
            if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
                fflush(stderr);
                if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
                    return CLI_EXIT_FAIL;
                rc = commands[i].fn(1, argv + 1);
                gv_config_release();
                return rc == CLI_EXIT_USAGE ? CLI_EXIT_OK : rc;
            }
            rc = commands[i].fn(argc - 1, argv + 1);
            gv_config_release();
            return rc;
        }
    }
    fprintf(stderr, "gavel: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    gv_config_release();
    return CLI_EXIT_USAGE;
}
