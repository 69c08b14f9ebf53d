/* SPDX-License-Identifier: MIT
 * clone3 must fail with ENOSYS (so libc falls back to clone) and not kill. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    unsigned long args[11];
    memset(args, 0, sizeof(args));
    long r = syscall(435 /* clone3 */, args, sizeof(args));
    printf("clone3 %ld %s\n", r, r < 0 && errno == ENOSYS ? "ENOSYS" : "other");
    return 0;
}
