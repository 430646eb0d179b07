/* sqlite_api.h - the sqlite3 API for query/: direct in the kite binary, through sqlite3_api in the loadable extension. */
#ifndef KITE_QUERY_SQLITE_API_H
#define KITE_QUERY_SQLITE_API_H

#ifdef KQ_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#endif
