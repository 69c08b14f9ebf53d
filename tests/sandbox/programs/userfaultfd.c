/* SPDX-License-Identifier: MIT
 * userfaultfd is closed: RE naming userfaultfd. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    long r = syscall(SYS_userfaultfd, 0);
    printf("userfaultfd returned %ld\n", r);
    return 0;
}
