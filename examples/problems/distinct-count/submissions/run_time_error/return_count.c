/* SPDX-License-Identifier: MIT
 * Correct count, but main returns it instead of 0: a nonzero exit status is
 * a run-time error (the first sample's answer is 4). */
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

int main(void)
{
    int n;
    if (scanf("%d", &n) != 1)
        return 1;
    int *a = malloc((size_t)n * sizeof(*a));
    for (int i = 0; i < n; i++)
        if (scanf("%d", &a[i]) != 1)
            return 1;
    qsort(a, (size_t)n, sizeof(*a), cmp);
    int distinct = 0;
    for (int i = 0; i < n; i++)
        distinct += i == 0 || a[i] != a[i - 1];
    printf("%d\n", distinct);
    return distinct;
}
