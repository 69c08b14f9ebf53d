// SPDX-License-Identifier: MIT
// Open addressing in a table of 200 million ints "so that there are never
// collisions": 800 MB, all written by the vector's constructor.
#include <cstdio>
#include <vector>

int main()
{
    const size_t SLOTS = 200000000;
    std::vector<int> table(SLOTS, -1);
    int n, distinct = 0;
    if (scanf("%d", &n) != 1)
        return 1;
    for (int i = 0; i < n; i++) {
        int x;
        if (scanf("%d", &x) != 1)
            return 1;
        size_t h = (size_t)x * 2654435761u % SLOTS;
        while (table[h] != -1 && table[h] != x)
            h = (h + 1) % SLOTS;
        if (table[h] == -1) {
            table[h] = x;
            distinct++;
        }
    }
    printf("%d\n", distinct);
}
