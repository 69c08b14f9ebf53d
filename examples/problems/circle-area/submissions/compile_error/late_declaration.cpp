// SPDX-License-Identifier: MIT
// area() is used before it is declared: fine in old C, an error in C++.
#include <cstdio>

int main()
{
    int n;
    if (scanf("%d", &n) != 1)
        return 1;
    for (int i = 0; i < n; i++) {
        double r;
        if (scanf("%lf", &r) != 1)
            return 1;
        printf("%.10f\n", area(r));
    }
    return 0;
}

double area(double r)
{
    return 3.14159265358979323846 * r * r;
}
