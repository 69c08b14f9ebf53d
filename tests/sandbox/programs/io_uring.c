/* SPDX-License-Identifier: MIT
 * io_uring_setup: RE naming it. */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    char params[120];
    memset(params, 0, sizeof(params));
    printf("io_uring %ld\n", syscall(425 /* io_uring_setup */, 8, params));
    return 0;
}
