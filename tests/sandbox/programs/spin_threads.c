/* SPDX-License-Identifier: MIT
 * Four threads spin for 600 ms of wall time each. Pinned to one core, the
 * run's CPU time stays near its wall time; unpinned, on a host with more
 * cores, it would be up to four times that. Prints how many CPUs it may use. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void *spin(void *arg)
{
    long long end = now_ms() + 600;
    volatile unsigned long x = 0;
    (void)arg;
    while (now_ms() < end)
        for (int i = 0; i < 10000; i++)
            x++;
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    cpu_set_t set;

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, spin, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        printf("cpus=%d\n", CPU_COUNT(&set));
    return 0;
}
