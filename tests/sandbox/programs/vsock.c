/* SPDX-License-Identifier: MIT
 * An AF_VSOCK socket reaches the hypervisor: RE naming socket. */
#include <stdio.h>
#include <sys/socket.h>
int main(void)
{
    printf("vsock %d\n", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
    return 0;
}
