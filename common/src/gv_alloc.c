/* SPDX-License-Identifier: MIT
 * gv_alloc.c - allocation wrappers with a fault-injection countdown. */
#include "gv_alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* 0 = injection off; otherwise allocations left before failures begin. */
static atomic_long fail_countdown;

static int should_fail(void)
{
    long left = atomic_load(&fail_countdown);

    if (left == 0)
        return 0;
    if (left == 1)
        return 1;
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void gv_alloc_fail_after(long countdown)
{
    atomic_store(&fail_countdown, countdown);
}

void gv_alloc_fail_reset(void)
{
    atomic_store(&fail_countdown, 0);
}

void *gv_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size ? size : 1);
}

void *gv_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *gv_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

char *gv_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = gv_malloc(len + 1);

    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *gv_strdup(const char *s)
{
    return gv_strndup(s, strlen(s));
}

void gv_free(void *ptr)
{
    free(ptr);
}
