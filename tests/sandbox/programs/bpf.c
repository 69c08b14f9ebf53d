/* SPDX-License-Identifier: MIT
 * bpf is closed: RE naming bpf. */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    char attr[128];
    memset(attr, 0, sizeof(attr));
    long r = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr));
    printf("bpf returned %ld\n", r);
    return 0;
}
