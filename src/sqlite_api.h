/*
** sqlite_api.h: how engine files reach the SQLite C API.
**
** Inside tito.so every call goes through the routine table SQLite hands to
** sqlite3_tito_init (SQLITE_EXTENSION_INIT3 here, INIT1 in ext/tito.c). The
** unit tests link the same sources against libsqlite3 directly, built
** without TITO_EXTENSION.
*/
#ifndef TITO_SQLITE_API_H
#define TITO_SQLITE_API_H
#ifdef TITO_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
/* Linked into a program (fuzz targets): the extension macros do nothing. */
#define SQLITE_EXTENSION_INIT1
#define SQLITE_EXTENSION_INIT2(v) (void)(v)
#endif
#endif
