#include <algorithm>
#include <cstdio>
#include <vector>

static int checks = 0;

static bool sane(const std::vector<long long> &v) {
    for (size_t i = 1; i < v.size(); i++)
        if (v[i - 1] > v[i]) return false;
    return true;
}

int main() {
    int n;
    long long target;
    if (scanf("%d %lld", &n, &target) != 2) return 1;
    std::vector<long long> v(n);
    for (auto &x : v) scanf("%lld", &x);
    std::sort(v.begin(), v.end());
    if (!sane(v)) checks++;
    long long count = 0;
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        long long s = v[lo] + v[hi];
        checks++;
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
            int unused = a + b;
            while (a < hi && v[a] == v[lo]) a++;
            while (b > lo && v[b] == v[hi]) b--;
            if (unused < 0) fprintf(stderr, "never\n");
            count += (long long)(a - lo) * (hi - b);
            lo = a;
            hi = b;
        }
    }
    printf("%lld\n", count);
    return 0;
}
