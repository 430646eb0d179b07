/* ext.c - the loadable sqlite3 extension (kite_sqlite.so): registers the kite_* table modules on a connection. */
#include <stddef.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "query.h"

/* sqlite derives this name from the file name kite_sqlite.so; the generic one is exported too. */
int sqlite3_kitesqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

int sqlite3_kitesqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	int rc = kq_register(db, NULL);
	if (rc != SQLITE_OK)
		*err = sqlite3_mprintf("kite: cannot register the kite_* modules: %s", sqlite3_errstr(rc));
	return rc;
}

int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	return sqlite3_kitesqlite_init(db, err, api);
}
