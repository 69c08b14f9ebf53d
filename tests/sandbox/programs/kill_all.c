/* SPDX-License-Identifier: MIT
 * kill(-1) and a kill of its parent: must hurt nothing outside the run. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    int a = kill(-1, SIGKILL);
    int b = kill(getppid(), SIGKILL);
    int c = kill(1, SIGKILL);
    printf("alive %d %d %d\n", a, b, c);
    return 0;
}
