/* SPDX-License-Identifier: MIT
 * unshare of a user namespace: RE naming unshare. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
int main(void)
{
    int r = unshare(CLONE_NEWUSER);
    printf("unshare returned %d\n", r);
    return 0;
}
