#include <cstring>
#include <cstdio>

int queue_col[1005 * 1005], queue_row[1005 * 1005];
int steps[1005][1005];
char maze[1005][1005];

int main() {
    int height, width;
    if (scanf("%d %d", &height, &width) != 2) return 0;
    for (int r = 0; r < height; ++r) scanf("%s", maze[r]);
    memset(steps, -1, sizeof steps);
    int front = 0, back = 0, goal_r = -1, goal_c = -1;
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            if (maze[r][c] == 'S') { queue_row[back] = r; queue_col[back++] = c; steps[r][c] = 0; }
            else if (maze[r][c] == 'T') { goal_r = r; goal_c = c; }
        }
    static const int delta[4][2] = {{0, 1}, {1, 0}, {0, -1}, {-1, 0}};
    while (front < back) {
        int cr = queue_row[front], cc = queue_col[front++];
        for (auto &dd : delta) {
            int nr = cr + dd[0], nc = cc + dd[1];
            if (nr >= 0 && nr < height && nc >= 0 && nc < width && maze[nr][nc] != '#' && steps[nr][nc] < 0) {
                steps[nr][nc] = steps[cr][cc] + 1;
                queue_row[back] = nr; queue_col[back++] = nc;
            }
        }
    }
    printf("%d\n", goal_r < 0 ? -1 : steps[goal_r][goal_c]);
}
