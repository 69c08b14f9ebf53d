/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int n, q;
    if (scanf("%d %d", &n, &q) != 2)
        return 1;
    long long *prefix = malloc((size_t)(n + 1) * sizeof(*prefix));
    prefix[0] = 0;
    for (int i = 1; i <= n; i++) {
        long long x;
        if (scanf("%lld", &x) != 1)
            return 1;
        prefix[i] = prefix[i - 1] + x;
    }
    while (q--) {
        int l, r;
        if (scanf("%d %d", &l, &r) != 2)
            return 1;
        printf("%lld\n", prefix[r] - prefix[l - 1]);
    }
    return 0;
}
