/* db_internal.h - shared inside db/ only. */
#ifndef DB_INTERNAL_H
#define DB_INTERNAL_H

#include <libpq-fe.h>

#include "db.h"

struct db_pg {
    PGconn *conn;
    char sqlstate[6];
};

/* Maps a failed result to GV_EUNAVAIL (connection lost) or GV_EDB, records
 * the SQLSTATE and logs the server's message. */
int db__pg_result_error(struct db_pg *pg, const PGresult *res, const char *what);

#endif
