/* SPDX-License-Identifier: MIT
 * One byte per possible value: a table of 10^9 + 1 bytes (about 954 MiB).
 * It is filled with 1 ("not seen yet"), so every page is really touched
 * (a memset to 0 right after malloc would be turned into a lazy calloc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 1000000000

int main(void)
{
    unsigned char *unseen = malloc((size_t)MAXV + 1);
    if (!unseen)
        return 1;
    memset(unseen, 1, (size_t)MAXV + 1);
    int n, distinct = 0;
    if (scanf("%d", &n) != 1)
        return 1;
    for (int i = 0; i < n; i++) {
        int x;
        if (scanf("%d", &x) != 1)
            return 1;
        distinct += unseen[x];
        unseen[x] = 0;
    }
    printf("%d\n", distinct);
    return 0;
}
