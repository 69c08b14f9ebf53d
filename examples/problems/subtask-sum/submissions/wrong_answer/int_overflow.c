/* SPDX-License-Identifier: MIT
 * Prefix sums in a 32-bit int: right for group 1 (|sum| <= 10^6), wrong as
 * soon as a sum leaves the int range (groups 2 and 3, the second sample).
 * Scores 20 of 100; the overall verdict of a partial score is WA. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int n, q;
    if (scanf("%d %d", &n, &q) != 2)
        return 1;
    int *prefix = malloc((size_t)(n + 1) * sizeof(*prefix));
    prefix[0] = 0;
    for (int i = 1; i <= n; i++) {
        int x;
        if (scanf("%d", &x) != 1)
            return 1;
        prefix[i] = (int)((unsigned)prefix[i - 1] + (unsigned)x); /* wraps */
    }
    while (q--) {
        int l, r;
        if (scanf("%d %d", &l, &r) != 2)
            return 1;
        printf("%d\n", (int)((unsigned)prefix[r] - (unsigned)prefix[l - 1]));
    }
    return 0;
}
