/* SPDX-License-Identifier: MIT
 * Stops itself: a stopped process must still be killed at the wall limit. */
#include <signal.h>
int main(void)
{
    raise(SIGSTOP);
    return 0;
}
