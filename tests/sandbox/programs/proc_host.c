/* SPDX-License-Identifier: MIT
 * Reads host facts from /proc: with subset=pid none of these exist. */
#include <stdio.h>
int main(void)
{
    static const char *const paths[] = {"/proc/cmdline", "/proc/loadavg",
                                        "/proc/uptime",  "/proc/sys/kernel/random/boot_id",
                                        "/proc/meminfo", "/proc/1/cmdline"};
    char buf[256];

    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        FILE *f = fopen(paths[i], "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        buf[n] = '\0';
        printf(f ? "READ %s: %s\n" : "no %s%s\n", paths[i], f ? buf : "");
        if (f)
            fclose(f);
    }
    printf("self %s\n", fopen("/proc/self/status", "r") ? "ok" : "missing");
    return 0;
}
