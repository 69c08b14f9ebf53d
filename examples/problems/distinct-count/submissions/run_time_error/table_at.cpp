// SPDX-License-Identifier: MIT
// Sizes its table by n instead of by the largest value: vector::at throws
// std::out_of_range (uncaught, so abort) as soon as a value is >= n.
#include <cstdio>
#include <vector>

int main()
{
    int n, distinct = 0;
    if (scanf("%d", &n) != 1)
        return 1;
    std::vector<char> seen(n);
    for (int i = 0; i < n; i++) {
        int x;
        if (scanf("%d", &x) != 1)
            return 1;
        if (!seen.at(x)) {
            seen.at(x) = 1;
            distinct++;
        }
    }
    printf("%d\n", distinct);
}
