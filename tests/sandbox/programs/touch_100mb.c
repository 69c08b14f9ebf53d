/* SPDX-License-Identifier: MIT
 * Touches 100 MiB once: memory_kb must be within 10% of 102400. */
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    size_t n = 100u << 20;
    volatile char *p = malloc(n);
    unsigned long sum = 0;
    if (!p)
        return 1;
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (char)i;
    for (size_t i = 0; i < n; i += 4096)
        sum += (unsigned char)p[i];
    printf("%lu\n", sum);
    return 0;
}
