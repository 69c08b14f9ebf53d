/* SPDX-License-Identifier: MIT
 * execveat of a shell: the run's one exec was its own. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    char *argv[] = {"sh", "-c", "echo PWNED", NULL}, *envp[] = {NULL};
    long r = syscall(SYS_execveat, AT_FDCWD, "/bin/sh", argv, envp, 0);
    printf("execveat returned %ld\n", r);
    return 1;
}
