/* SPDX-License-Identifier: MIT
 * What one test of a submission may leave for the next. The input is
 * "N MODE DIR": test N=1 leaves a mark and 48 MB in DIR (either may fail:
 * the box may be read-only, which is the point); a later test either
 * reports whether it sees the mark (MODE "files") or maps what test 1
 * left and holds 90 MB in all (MODE "memory"), which a 64 MB limit must
 * stop whatever test 1 managed to leave. In MODE "procs" test 1 leaves a
 * process of its own behind instead, and a later test reports whether any
 * process but itself is in /proc. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MB (1024L * 1024L)

static void leave(const char *dir)
{
    static char chunk[1 << 20];
    char path[256];
    int fd;

    snprintf(path, sizeof(path), "%s/mark", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof(path), "%s/big", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0)
        return;
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 48; i++) {
        if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
            break;
    }
    close(fd);
}

static void hold(const char *dir)
{
    char path[256];
    long have = 0, want = 90 * MB;
    volatile char sum = 0;
    struct stat st;
    int fd;

    snprintf(path, sizeof(path), "%s/big", dir);
    fd = open(path, O_RDONLY);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
        char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
        if (p != MAP_FAILED) {
            for (long i = 0; i < st.st_size; i += 4096)
                sum += p[i];
            have = st.st_size;
        }
    }
    if (want > have) {
        char *q = malloc((size_t)(want - have));
        if (!q)
            exit(3);
        for (long i = 0; i < want - have; i += 4096)
            q[i] = 1;
        sum += q[0];
    }
    (void)sum;
}

int main(void)
{
    char mode[16], dir[128], path[256];
    int n;

    if (scanf("%d %15s %127s", &n, mode, dir) != 3)
        return 2;
    if (n == 1 && !strcmp(mode, "procs")) {
        if (fork() == 0) {
            setsid();
            sleep(30);
            _exit(0);
        }
        puts("ok");
        return 0;
    }
    if (!strcmp(mode, "procs")) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        int others = 0;
        while (d && (e = readdir(d)))
            others += isdigit((unsigned char)e->d_name[0]) && atoi(e->d_name) != getpid();
        puts(others ? "seen" : "ok");
        return 0;
    }
    if (n == 1) {
        leave(dir);
        puts("ok");
        return 0;
    }
    if (!strcmp(mode, "files")) {
        snprintf(path, sizeof(path), "%s/mark", dir);
        puts(access(path, F_OK) == 0 ? "seen" : "ok");
        return 0;
    }
    hold(dir);
    puts("ok");
    return 0;
}
