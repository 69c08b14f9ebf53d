/* SPDX-License-Identifier: MIT
 * Forks forever; pids.max must stop it and nothing may survive. */
#include <unistd.h>
int main(void)
{
    for (;;)
        fork();
}
