/* SPDX-License-Identifier: MIT
 * db_user.c - accounts: argon2id password hashes and user rows. */
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

/* OWASP's argon2id recommendation (2023): 19 MiB, 2 passes, 1 lane is the
 * floor; we take 64 MiB and 3 passes, about 0.1 s here, which bounds a
 * login storm to what the server can afford while keeping offline guessing
 * expensive. */
#define PW_T_COST 3
#define PW_M_COST_KIB (64 * 1024)
#define PW_PARALLELISM 1
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32

int db_password_hash(char *out, size_t outlen, const char *password)
{
    unsigned char salt[PW_SALT_LEN];
    int rc;

    if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
        return -errno;
    rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST_KIB, PW_PARALLELISM, password,
                               strlen(password), salt, sizeof(salt), PW_HASH_LEN, out, outlen);
    if (rc != ARGON2_OK) {
        gv_log(GV_LOG_ERROR, "auth", "cannot hash password: %s", argon2_error_message(rc));
        return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? -ENOMEM : GV_EINTERNAL;
    }
    return 0;
}

int db_password_verify(const char *encoded, const char *password)
{
    int rc = argon2id_verify(encoded, password, strlen(password));

    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return GV_EINVAL;
    return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? -ENOMEM : GV_EINVAL;
}

int db_user_create(int64_t *out_id, struct db_pg *pg, const char *username,
                   const char *display_name, const char *password, const char *role,
                   const char *tier)
{
    char hash[DB_PASSWORD_HASH_MAX];
    const char *params[] = {username, display_name, hash, role, tier};
    char *id = NULL;
    int err;

    err = db_password_hash(hash, sizeof(hash), password);
    if (err < 0)
        return err;
    err = db_pg_query_value(&id, pg,
                            "INSERT INTO users (username, display_name, password_hash, role, tier)"
                            " VALUES ($1, $2, $3, $4, $5)"
                            " ON CONFLICT ((lower(username))) DO NOTHING RETURNING id",
                            5, params);
    if (err < 0)
        return err;
    if (!id)
        return GV_EEXIST;
    if (out_id)
        *out_id = strtoll(id, NULL, 10);
    gv_free(id);
    return 0;
}
