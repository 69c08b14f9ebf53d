/* SPDX-License-Identifier: MIT
 * Tries to write where the host would notice. */
#include <stdio.h>
static void try(const char *path)
{
    FILE *f = fopen(path, "w");
    printf("%s %s\n", f ? "WROTE" : "cannot write", path);
    if (f)
        fclose(f);
}
int main(void)
{
    try("/tmp/gavel_sbx_pwned");
    try("/usr/gavel_sbx_pwned");
    try("/etc/gavel_sbx_pwned");
    try("/gavel_sbx_pwned");
    try("/proc/sys/kernel/hostname");
    try("/proc/sysrq-trigger");
    try("/dev/gavel_sbx_pwned");
    try("/box/fine");
    return 0;
}
