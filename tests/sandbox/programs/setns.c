/* SPDX-License-Identifier: MIT
 * setns is closed: RE naming setns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
int main(void)
{
    int fd = open("/proc/self/ns/net", O_RDONLY);
    int r = setns(fd, 0);
    printf("setns returned %d\n", r);
    return 0;
}
