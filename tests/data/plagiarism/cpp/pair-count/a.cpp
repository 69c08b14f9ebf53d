// Count pairs i < j with v[i] + v[j] == target: sort, two pointers.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    int n;
    long long target;
    if (scanf("%d %lld", &n, &target) != 2) return 1;
    std::vector<long long> v(n);
    for (auto &x : v) scanf("%lld", &x);
    std::sort(v.begin(), v.end());
    long long count = 0;
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        long long s = v[lo] + v[hi];
        if (s < target) {
            lo++;
        } else if (s > target) {
            hi--;
        } else if (v[lo] == v[hi]) {
            long long m = hi - lo + 1;
            count += m * (m - 1) / 2;
            break;
        } else {
            int a = lo, b = hi;
            while (a < hi && v[a] == v[lo]) a++;
            while (b > lo && v[b] == v[hi]) b--;
            count += (long long)(a - lo) * (hi - b);
            lo = a;
            hi = b;
        }
    }
    printf("%lld\n", count);
    return 0;
}
