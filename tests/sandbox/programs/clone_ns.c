/* SPDX-License-Identifier: MIT
 * clone with a namespace flag: RE naming clone. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    long r = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    printf("clone returned %ld\n", r);
    return 0;
}
