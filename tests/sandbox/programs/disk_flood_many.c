/* SPDX-License-Identifier: MIT
 * Fills /tmp with many files (the box is read-only to a run), each under RLIMIT_FSIZE: the tmpfs
 * size and the memory cgroup stop it; the host disk never sees a byte. */
#include <stdio.h>
#include <string.h>
int main(void)
{
    static char buf[1 << 20];
    char name[64];
    long mb = 0;
    memset(buf, 'x', sizeof(buf));
    for (int i = 0; i < 4096; i++) {
        snprintf(name, sizeof(name), "/tmp/f%d", i);
        FILE *f = fopen(name, "w");
        if (!f)
            break;
        int ok = 1;
        for (int k = 0; k < 8 && ok; k++) {
            ok = fwrite(buf, 1, sizeof(buf), f) == sizeof(buf);
            mb += ok;
        }
        if (fclose(f) != 0 || !ok)
            break;
    }
    printf("wrote %ld MB\n", mb);
    return 0;
}
