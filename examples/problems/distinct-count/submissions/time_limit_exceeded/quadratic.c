/* SPDX-License-Identifier: MIT
 * Compares every value with all earlier ones: n^2/2 = 2e10 comparisons for
 * n = 200000 distinct values, several seconds, far over the limit. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int n;
    if (scanf("%d", &n) != 1)
        return 1;
    int *a = malloc((size_t)n * sizeof(*a));
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        if (scanf("%d", &a[i]) != 1)
            return 1;
        int j = 0;
        while (j < i && a[j] != a[i])
            j++;
        distinct += j == i;
    }
    printf("%d\n", distinct);
    return 0;
}
