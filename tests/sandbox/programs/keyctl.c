/* SPDX-License-Identifier: MIT
 * The kernel keyring (keyctl) is closed: RE naming keyctl. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    long r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
    printf("keyctl returned %ld\n", r);
    return 0;
}
