#include <bits/stdc++.h>
using namespace std;

struct Cell { int r, c; };

int solve(const vector<string>& m) {
    int n = m.size(), k = m[0].size();
    vector<int> seen(n * k, INT_MAX);
    deque<Cell> dq;
    int i = 0;
    while (i < n) {
        for (int j = 0; j < k; j++)
            if (m[i][j] == 'S') { seen[i * k + j] = 0; dq.push_back({i, j}); }
        i++;
    }
    while (!dq.empty()) {
        Cell cur = dq.front(); dq.pop_front();
        if (m[cur.r][cur.c] == 'T') return seen[cur.r * k + cur.c];
        int d = 0;
        do {
            int r = cur.r + (d == 0) - (d == 1), c = cur.c + (d == 2) - (d == 3);
            d++;
            if (r < 0 || r >= n || c < 0 || c >= k || m[r][c] == '#') continue;
            if (seen[r * k + c] <= seen[cur.r * k + cur.c] + 1) continue;
            seen[r * k + c] = seen[cur.r * k + cur.c] + 1;
            dq.push_back({r, c});
        } while (d < 4);
    }
    return -1;
}

int main() {
    int n, k;
    cin >> n >> k;
    vector<string> m(n);
    for (int t = 0; t < n; t++) cin >> m[t];
    cout << solve(m) << endl;
}
