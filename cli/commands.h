/* SPDX-License-Identifier: MIT
 * commands.h - the subcommands of the `gavel` CLI.
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef GAVEL_CLI_COMMANDS_H
#define GAVEL_CLI_COMMANDS_H

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef int cli_command_fn(int argc, char **argv);

cli_command_fn cli_cmd_db;
cli_command_fn cli_cmd_demo;
cli_command_fn cli_cmd_run;
cli_command_fn cli_cmd_judge;
cli_command_fn cli_cmd_problem;
cli_command_fn cli_cmd_submit;
cli_command_fn cli_cmd_rejudge;
cli_command_fn cli_cmd_contest;
cli_command_fn cli_cmd_user;
cli_command_fn cli_cmd_plag;
cli_command_fn cli_cmd_token;
/* `gavel problem import`, reached through cli_cmd_problem. */
cli_command_fn cli_problem_import;
/* `gavel contest replay`, reached through cli_cmd_contest. */
cli_command_fn cli_contest_replay;
/* `gavel contest import`, reached through cli_cmd_contest. */
cli_command_fn cli_contest_import;

#endif
