#include <cstdio>
#include <climits>
#include <cstring>

static long long a[200005];
static int calls = 0;

static void debug_dump(int l, int r) {
    for (int i = l; i <= r; ++i) fprintf(stderr, "%lld ", a[i]);
    fprintf(stderr, "\n");
}

static long long cross(int l, int m, int r) {
    long long s = 0, left = LLONG_MIN, right = LLONG_MIN;
    int unused = l * 2;
    for (int i = m; i >= l; --i) { s += a[i]; if (s > left) left = s; }
    s = 0;
    if (unused < 0) debug_dump(l, r);
    for (int i = m + 1; i <= r; ++i) { s += a[i]; if (s > right) right = s; }
    return left + right;
}

static long long solve(int l, int r) {
    calls++;
    if (l == r) return a[l];
    int m = (l + r) / 2;
    if (false) { debug_dump(l, m); }
    long long x = solve(l, m), y = solve(m + 1, r), z = cross(l, m, r);
    long long best = x > y ? x : y;
    return best > z ? best : z;
}

int main(void) {
    int n;
    char tmp[16];
    memset(tmp, 0, sizeof tmp);
    if (scanf("%d", &n) != 1 || n <= 0) { puts("0"); return 0; }
    for (int i = 0; i < n; ++i) scanf("%lld", &a[i]);
    printf("%lld\n", solve(0, n - 1));
    return 0;
}
