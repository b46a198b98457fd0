/*
 * faultfs_ext.c: the loadable-extension entry point (build/faultfs.so).
 *
 * `.load ./build/faultfs` in the sqlite3 shell, or load_extension() from
 * Python, registers "faultfs" as the default VFS with the configuration in
 * the environment variable FAULTFS_CONFIG (unset: the `none` model).
 * Connections opened afterwards run under the model.
 */
#include <stdlib.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "faultfs.h"

int sqlite3_faultfs_init(sqlite3 *db, char **err_msg,
                         const sqlite3_api_routines *api)
{
    char err[512];
    (void)db;
    SQLITE_EXTENSION_INIT2(api);
    int rc =
        faultfs_register(getenv(FAULTFS_CONFIG_ENV), true, err, sizeof err);
    if (rc != SQLITE_OK) {
        *err_msg = sqlite3_mprintf("%s", err);
        return rc;
    }
    /* The VFS must outlive the connection that loaded it. */
    return SQLITE_OK_LOAD_PERMANENTLY;
}
