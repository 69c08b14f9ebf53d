/* SPDX-License-Identifier: MIT
 * gv_alloc.h - the one allocation hook of the project.
 *
 * Every allocation of ours goes through these, so a test can make the Nth
 * allocation fail (curl's torture tests, SQLite's malloc faults) and check
 * that each error path cleans up. gv_free(NULL) is a no-op. */
#ifndef GV_ALLOC_H
#define GV_ALLOC_H

#include <stddef.h>

void *gv_malloc(size_t size);
void *gv_calloc(size_t count, size_t size);
void *gv_realloc(void *ptr, size_t size);
char *gv_strdup(const char *s);
char *gv_strndup(const char *s, size_t n);
void gv_free(void *ptr);

/* Test hook: the next `countdown`-th allocation (1 = the next) and every
 * later one fail until gv_alloc_fail_reset(). */
void gv_alloc_fail_after(long countdown);
void gv_alloc_fail_reset(void);

#endif
