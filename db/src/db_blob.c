/* SPDX-License-Identifier: MIT
 * db_blob.c - the content-addressed blob store: SHA-256 keys, zstd bytes. */
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

/* Level 3 is zstd's default: test data compresses well at a speed that
 * keeps problem import I/O-bound. */
#define BLOB_ZSTD_LEVEL 3
/* Refuse to inflate anything claiming to be larger: no test file is. */
#define BLOB_MAX_SIZE (1ULL << 30)

void db_sha256_hex(char *hex, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;

    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[DB_SHA256_HEX_LEN] = '\0';
}

int db_blob_put(char *out_hex, struct db_pg *pg, const void *data, size_t len)
{
    size_t bound = ZSTD_compressBound(len), zlen;
    char size[24];
    char *z;
    int err;

    db_sha256_hex(out_hex, data, len);
    z = gv_malloc(bound);
    if (!z)
        return -ENOMEM;
    zlen = ZSTD_compress(z, bound, data, len, BLOB_ZSTD_LEVEL);
    if (ZSTD_isError(zlen)) {
        gv_log(GV_LOG_ERROR, "db", "cannot compress blob: %s", ZSTD_getErrorName(zlen));
        err = GV_EINTERNAL;
        goto out;
    }
    snprintf(size, sizeof(size), "%zu", len);
    {
        const char *params[] = {out_hex, size, z};
        const int lengths[] = {0, 0, (int)zlen};
        const int binary[] = {0, 0, 1};

        err = db_pg_exec_binary(NULL, pg,
                                "INSERT INTO blobs (sha256, size, zstd) "
                                "VALUES (decode($1, 'hex'), $2, $3) ON CONFLICT DO NOTHING",
                                3, params, lengths, binary);
    }
out:
    gv_free(z);
    return err;
}

int db_blob_get(void **out, size_t *out_len, struct db_pg *pg, const char *hex)
{
    const char *params[] = {hex};
    char actual[DB_SHA256_HEX_LEN + 1];
    PGresult *res;
    unsigned long long size;
    char *data = NULL;
    size_t n;
    int err = 0;

    *out = NULL;
    *out_len = 0;
    res = PQexecParams(pg->conn, "SELECT size, zstd FROM blobs WHERE sha256 = decode($1, 'hex')",
                       1, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = db__pg_result_error(pg, res, "blob get");
        goto out;
    }
    if (PQntuples(res) != 1) {
        err = GV_ENOTFOUND;
        goto out;
    }
    /* Binary results: int8 in network byte order. */
    size = 0;
    for (int i = 0; i < 8; i++)
        size = (size << 8) | (unsigned char)PQgetvalue(res, 0, 0)[i];
    if (size > BLOB_MAX_SIZE) {
        err = GV_ETOOBIG;
        goto out;
    }
    data = gv_malloc((size_t)size + 1);
    if (!data) {
        err = -ENOMEM;
        goto out;
    }
    n = ZSTD_decompress(data, (size_t)size, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    if (ZSTD_isError(n) || n != size) {
        gv_log(GV_LOG_ERROR, "db", "blob '%s' does not decompress to its recorded size", hex);
        err = GV_ECHECKSUM;
        goto out;
    }
    data[n] = '\0';
    db_sha256_hex(actual, data, n);
    if (strcmp(actual, hex)) {
        gv_log(GV_LOG_ERROR, "db", "blob '%s' is corrupt: its bytes hash to '%s'", hex, actual);
        err = GV_ECHECKSUM;
        goto out;
    }
    *out = data;
    *out_len = n;
    data = NULL;
out:
    gv_free(data);
    PQclear(res);
    return err;
}
