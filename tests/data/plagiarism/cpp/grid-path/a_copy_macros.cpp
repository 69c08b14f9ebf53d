#include <iostream>
#include <queue>
#include <string>
#include <vector>
using namespace std;
#define FOR(i, n) for (int i = 0; i < (n); i++)
#define INSIDE(r, c) ((r) >= 0 && (c) >= 0 && (r) < rows && (c) < cols)
typedef vector<int> row_t;

int main() {
    int rows, cols;
    cin >> rows >> cols;
    vector<string> grid(rows);
    FOR(r, rows) cin >> grid[r];
    int sr = 0, sc = 0, tr = 0, tc = 0;
    FOR(r, rows)
        FOR(c, cols) {
            if (grid[r][c] == 'S') { sr = r; sc = c; }
            if (grid[r][c] == 'T') { tr = r; tc = c; }
        }
    vector<row_t> dist(rows, row_t(cols, -1));
    queue<pair<int, int>> q;
    dist[sr][sc] = 0;
    q.push({sr, sc});
    const int dr[4] = {1, -1, 0, 0}, dc[4] = {0, 0, 1, -1};
    while (!q.empty()) {
        auto [r, c] = q.front();
        q.pop();
        FOR(d, 4) {
            int nr = r + dr[d], nc = c + dc[d];
            if (!INSIDE(nr, nc)) continue;
            if (grid[nr][nc] == '#' || dist[nr][nc] != -1) continue;
            dist[nr][nc] = dist[r][c] + 1;
            q.push({nr, nc});
        }
    }
    cout << dist[tr][tc] << "\n";
    return 0;
}
