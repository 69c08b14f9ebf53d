/* SPDX-License-Identifier: MIT
 * Leaves a daemonised grandchild behind and exits at once: the run ends
 * promptly and the grandchild does not survive. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            for (;;)
                sleep(1);
        }
        return 0;
    }
    printf("parent done\n");
    return 0;
}
