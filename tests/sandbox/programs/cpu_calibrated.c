/* SPDX-License-Identifier: MIT
 * Burns exactly 700 ms of its own CPU time (as the kernel counts it for
 * the process) and exits: cpu_ms must be within 10% of that. */
#include <stdio.h>
#include <time.h>
int main(void)
{
    struct timespec t;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x++;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < 700);
    printf("%ld\n", (long)(t.tv_sec * 1000 + t.tv_nsec / 1000000));
    return 0;
}
