/* SPDX-License-Identifier: MIT
 * Fills one file in the box without end: RLIMIT_FSIZE stops it (OLE). */
#include <stdio.h>
#include <string.h>
int main(void)
{
    static char buf[1 << 20];
    FILE *f = fopen("/box/flood", "w");
    memset(buf, 'x', sizeof(buf));
    if (!f)
        return 1;
    for (;;)
        fwrite(buf, 1, sizeof(buf), f);
}
