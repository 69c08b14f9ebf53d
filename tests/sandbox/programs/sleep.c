/* SPDX-License-Identifier: MIT
 * Sleeps: uses no CPU, so only the wall limit can end it. */
#include <unistd.h>
int main(void)
{
    sleep(1000);
    return 0;
}
