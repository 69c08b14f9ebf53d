#include <cstdio>
#include <cstring>

char g[1005][1005];
int dist_[1005][1005];
int qx[1005 * 1005], qy[1005 * 1005];

int main() {
    int h, w;
    if (scanf("%d %d", &h, &w) != 2) return 0;
    for (int i = 0; i < h; ++i) scanf("%s", g[i]);
    memset(dist_, -1, sizeof dist_);
    int head = 0, tail = 0, ex = -1, ey = -1;
    for (int i = 0; i < h; ++i)
        for (int j = 0; j < w; ++j) {
            if (g[i][j] == 'S') { qx[tail] = i; qy[tail++] = j; dist_[i][j] = 0; }
            else if (g[i][j] == 'T') { ex = i; ey = j; }
        }
    static const int mv[4][2] = {{0, 1}, {1, 0}, {0, -1}, {-1, 0}};
    while (head < tail) {
        int x = qx[head], y = qy[head++];
        for (auto &m : mv) {
            int a = x + m[0], b = y + m[1];
            if (a >= 0 && a < h && b >= 0 && b < w && g[a][b] != '#' && dist_[a][b] < 0) {
                dist_[a][b] = dist_[x][y] + 1;
                qx[tail] = a; qy[tail++] = b;
            }
        }
    }
    printf("%d\n", ex < 0 ? -1 : dist_[ex][ey]);
}
