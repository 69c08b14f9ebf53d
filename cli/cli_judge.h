/* SPDX-License-Identifier: MIT
 * cli_judge.h - the two-slot sandbox the judging subcommands share. */
#ifndef GAVEL_CLI_JUDGE_H
#define GAVEL_CLI_JUDGE_H

#include <stddef.h>

#include "jdg.h"

struct cli_judge_env {
    struct sbx_pool *pool;
    struct jdg_slots slots;
};

/* Checks the host and starts a pool with a run slot and a check slot; on
 * failure `msg` says what is missing. Close it even after a failure. */
int cli_judge_env_open(struct cli_judge_env *e, char *msg, size_t msg_len);
/* Wipes both boxes for the next judging. */
int cli_judge_env_reset(struct cli_judge_env *e);
void cli_judge_env_close(struct cli_judge_env *e);

#endif
