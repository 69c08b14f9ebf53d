/* SPDX-License-Identifier: MIT */
#include <cstdio>
#include <unordered_set>

int main()
{
    int n;
    if (scanf("%d", &n) != 1)
        return 1;
    std::unordered_set<int> seen;
    seen.reserve(n);
    for (int i = 0; i < n; i++) {
        int x;
        if (scanf("%d", &x) != 1)
            return 1;
        seen.insert(x);
    }
    printf("%zu\n", seen.size());
}
