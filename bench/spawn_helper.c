/* SPDX-License-Identifier: MIT
 * spawn_helper.c - the baseline of sandbox_bench, timed from a process of
 * its own. sandbox_bench holds a slot pool (threads, a large address space,
 * libseccomp's filters), which makes its own fork dearer: a plain spawn
 * measured there flatters the sandbox's ratio. This small process is
 * exec'd fresh and does nothing but spawn on request.
 *
 * usage: spawn_helper PROGRAM   (started by sandbox_bench, never by hand)
 * Reads one command byte at a time from stdin: 'p' runs PROGRAM with
 * fork+execve+waitpid, 'b' runs it under bubblewrap (`bwrap --unshare-all
 * --ro-bind / / --dev /dev --proc /proc PROGRAM`); for each it writes the
 * run's time in microseconds (a double, negative if the run failed) to
 * stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double spawn(char *const argv[])
{
    char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
    double t0 = now_us();
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(argv[0], argv, envp);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return now_us() - t0;
}

int main(int argc, char **argv)
{
    char *plain[] = {argv[1], NULL};
    char *bwrap[] = {"/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
                     "--proc", "/proc", argv[1], NULL};
    char c;

    if (argc != 2)
        return 2;
    while (read(0, &c, 1) == 1) {
        double t = c == 'b' ? spawn(bwrap) : spawn(plain);
        if (write(1, &t, sizeof(t)) != (ssize_t)sizeof(t))
            return 1;
    }
    return 0;
}
