/* SPDX-License-Identifier: MIT
 * Looks for host secrets and the judge's environment. Prints what it finds. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
static void dump(const char *path)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("no %s\n", path);
        return;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 0)
            buf[i] = '\n';
    printf("READ %s: %s\n", path, buf);
    fclose(f);
}
static void list(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (!d) {
        printf("no dir %s\n", path);
        return;
    }
    while ((e = readdir(d)))
        printf("LS %s/%s\n", path, e->d_name);
    closedir(d);
}
int main(void)
{
    dump("/etc/shadow");
    dump("/etc/hostname");
    dump("/proc/1/environ");
    dump("/proc/1/cmdline");
    dump("/proc/self/environ");
    for (char **e = environ; *e; e++)
        printf("ENV %s\n", *e);
    list("/root");
    list("/home");
    list("/var");
    list("/sys");
    list("/proc/1/fd");
    list("/proc/1/root");
    /* /etc holds only what toolchains need: not the host's TLS keys. */
    static const char *const present[] = {"/etc/ssl/private", "/etc/shadow", "/etc/ssh", "/var",
                                          "/home", "/root", "/run"};
    for (unsigned i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
        if (access(present[i], F_OK) == 0)
            printf("EXISTS %s\n", present[i]);
    }
    return 0;
}
