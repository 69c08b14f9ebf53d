/* SPDX-License-Identifier: MIT
 * Correct search, but prints 0-based positions. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int n;
    long long t;
    if (scanf("%d %lld", &n, &t) != 2)
        return 1;
    long long *a = malloc((size_t)n * sizeof(*a));
    for (int i = 0; i < n; i++)
        if (scanf("%lld", &a[i]) != 1)
            return 1;
    /* Small inputs first: quadratic is enough for the samples, and the
     * wrong indices are rejected there. */
    for (int j = 0; j < n; j++)
        for (int i = 0; i < j; i++)
            if (a[i] + a[j] == t) {
                printf("%d %d\n", i, j);
                return 0;
            }
    printf("-1\n");
    return 0;
}
