// SPDX-License-Identifier: MIT
// Scans right to left with a hash map: yet another valid pair.
#include <cstdio>
#include <unordered_map>
#include <vector>

int main()
{
    int n;
    long long t;
    if (scanf("%d %lld", &n, &t) != 2)
        return 1;
    std::vector<long long> a(n + 1);
    for (int i = 1; i <= n; i++)
        if (scanf("%lld", &a[i]) != 1)
            return 1;
    std::unordered_map<long long, int> seen;
    seen.reserve(2 * n);
    for (int i = n; i >= 1; i--) {
        auto it = seen.find(t - a[i]);
        if (it != seen.end()) {
            printf("%d %d\n", it->second, i);
            return 0;
        }
        seen.emplace(a[i], i);
    }
    printf("-1\n");
}
