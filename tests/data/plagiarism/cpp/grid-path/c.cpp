#include <bits/stdc++.h>
using namespace std;

struct Cell { int r, c; };

int solve(const vector<string>& m) {
    int n = m.size(), k = m[0].size();
    vector<int> seen(n * k, INT_MAX);
    deque<Cell> dq;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j)
            if (m[i][j] == 'S') { seen[i * k + j] = 0; dq.push_back({i, j}); }
    while (dq.size()) {
        Cell cur = dq.front(); dq.pop_front();
        if (m[cur.r][cur.c] == 'T') return seen[cur.r * k + cur.c];
        for (int d = 0; d < 4; ++d) {
            int r = cur.r + (d == 0) - (d == 1), c = cur.c + (d == 2) - (d == 3);
            if (r < 0 || r >= n || c < 0 || c >= k || m[r][c] == '#') continue;
            if (seen[r * k + c] <= seen[cur.r * k + cur.c] + 1) continue;
            seen[r * k + c] = seen[cur.r * k + cur.c] + 1;
            dq.push_back({r, c});
        }
    }
    return -1;
}

int main() {
    int n, k;
    cin >> n >> k;
    vector<string> m(n);
    for (auto& row : m) cin >> row;
    cout << solve(m) << endl;
}
