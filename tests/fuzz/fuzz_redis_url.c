/* SPDX-License-Identifier: MIT
 * fuzz_redis_url.c - db_redis_parse_url never overruns, and what it accepts
 * is well-formed: a non-empty host that fits, a port in range, a db in 0-15. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    char host[64];
    int port, dbnum;

    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    if (db_redis_parse_url(host, sizeof(host), &port, &dbnum, url) == 0) {
        if (!host[0] || strlen(host) >= sizeof(host) || port < 1 || port > 65535 || dbnum < 0 ||
            dbnum > 15)
            abort();
    }
    free(url);
    return 0;
}
