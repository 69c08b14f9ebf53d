/* SPDX-License-Identifier: MIT
 * A SysV shared memory segment: the IPC namespace is the slot's, shared by
 * all its runs, so a segment left by one run would be found by the next
 * (another contestant's). shmget is in no profile: the run ends. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
int main(void)
{
    int id = shmget(0x6761766c, 1 << 20, IPC_CREAT | 0666);
    printf("shmget %d\n", id);
    return 0;
}
