/* SPDX-License-Identifier: MIT
 * mount is closed: RE naming mount. */
#include <stdio.h>
#include <sys/mount.h>
int main(void)
{
    int r = mount("none", "/tmp", "tmpfs", 0, NULL);
    printf("mount returned %d\n", r);
    return 0;
}
