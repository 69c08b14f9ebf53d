/* SPDX-License-Identifier: MIT
 * Two threads each burn 400 ms of CPU: cpu_ms sums them (>= 800). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
static void *spin(void *arg)
{
    struct timespec t;
    volatile unsigned long x = 0;
    (void)arg;
    do {
        for (int i = 0; i < 100000; i++)
            x++;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    } while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < 400);
    return NULL;
}
int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, spin, NULL);
    pthread_create(&b, NULL, spin, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    puts("done");
    return 0;
}
