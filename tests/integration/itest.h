/* SPDX-License-Identifier: MIT
 * itest.h - helpers for integration tests against the real PostgreSQL and
 * Redis that scripts/test starts (GAVEL_PG_URL, GAVEL_REDIS_URL).
 *
 * Each test gets a database of its own, created from scratch and dropped
 * afterwards, so tests run in parallel and in any order. Without the
 * services (GAVEL_PG_URL unset) a test exits 77, which ctest reports as
 * skipped, never as passed. */
#ifndef GAVEL_ITEST_H
#define GAVEL_ITEST_H

#include <stddef.h>

#define ITEST_SKIP 77

/* Creates database "itest_<name>_<pid>" and writes a URL for it into
 * `url`. Exits 77 when GAVEL_PG_URL is unset, 1 on failure. */
void itest_db_create(char *url, size_t len, const char *name);
/* Drops the database made by itest_db_create (terminating its sessions). */
void itest_db_drop(void);

#endif
