/* SPDX-License-Identifier: MIT
 * Fills one file in /tmp (the box is read-only to a run) without end: RLIMIT_FSIZE stops it (OLE). */
#include <stdio.h>
#include <string.h>
int main(void)
{
    static char buf[1 << 20];
    FILE *f = fopen("/tmp/flood", "w");
    memset(buf, 'x', sizeof(buf));
    if (!f)
        return 1;
    for (;;)
        fwrite(buf, 1, sizeof(buf), f);
}
