/* SPDX-License-Identifier: MIT
 * TIOCSTI would push keystrokes into a terminal: RE naming ioctl. */
#include <stdio.h>
#include <sys/ioctl.h>
int main(void)
{
    char c = 'x';
    printf("tiocsti %d\n", ioctl(0, TIOCSTI, &c));
    return 0;
}
