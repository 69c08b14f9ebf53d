/* SPDX-License-Identifier: MIT
 * Queues as many real-time signals to itself as the kernel takes (all
 * blocked, so none is delivered) and holds them. Each queued signal counts
 * against RLIMIT_SIGPENDING of its user and of the owner of every user
 * namespace above it: a run's user namespace made by root charged them to
 * the host's root, whose own timer_create and sigqueue then failed with
 * EAGAIN for as long as the run lasted. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    sigset_t all;
    long sent = 0;

    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    for (int i = 0; i < 150000; i++)
        sent += kill(getpid(), SIGRTMIN + i % 8) == 0;
    printf("queued %ld\n", sent);
    fflush(stdout);
    sleep(2);
    return 0;
}
