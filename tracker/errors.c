/*
 * errors.c: naming and classifying SQLite result codes.
 *
 * Retry decisions and reports rest on the extended result code, never on
 * the message: "disk I/O error" is the text of two dozen different faults,
 * and only the code says which system call failed.
 */
#include "tracker_internal.h"
#include "results_schema.h"

#include <stdio.h>
#include <string.h>

#define CODE(c)                                                               \
    {                                                                         \
        c, #c                                                                 \
    }

/* Every result code of SQLite 3.40 (and the few later ones, where defined). */
static const struct code_name {
    int code;
    const char *name;
} code_names[] = {
    CODE(SQLITE_OK),
    CODE(SQLITE_ERROR),
    CODE(SQLITE_INTERNAL),
    CODE(SQLITE_PERM),
    CODE(SQLITE_ABORT),
    CODE(SQLITE_BUSY),
    CODE(SQLITE_LOCKED),
    CODE(SQLITE_NOMEM),
    CODE(SQLITE_READONLY),
    CODE(SQLITE_INTERRUPT),
    CODE(SQLITE_IOERR),
    CODE(SQLITE_CORRUPT),
    CODE(SQLITE_NOTFOUND),
    CODE(SQLITE_FULL),
    CODE(SQLITE_CANTOPEN),
    CODE(SQLITE_PROTOCOL),
    CODE(SQLITE_EMPTY),
    CODE(SQLITE_SCHEMA),
    CODE(SQLITE_TOOBIG),
    CODE(SQLITE_CONSTRAINT),
    CODE(SQLITE_MISMATCH),
    CODE(SQLITE_MISUSE),
    CODE(SQLITE_NOLFS),
    CODE(SQLITE_AUTH),
    CODE(SQLITE_FORMAT),
    CODE(SQLITE_RANGE),
    CODE(SQLITE_NOTADB),
    CODE(SQLITE_NOTICE),
    CODE(SQLITE_WARNING),
    CODE(SQLITE_ROW),
    CODE(SQLITE_DONE),
    CODE(SQLITE_ERROR_MISSING_COLLSEQ),
    CODE(SQLITE_ERROR_RETRY),
    CODE(SQLITE_ERROR_SNAPSHOT),
    CODE(SQLITE_IOERR_READ),
    CODE(SQLITE_IOERR_SHORT_READ),
    CODE(SQLITE_IOERR_WRITE),
    CODE(SQLITE_IOERR_FSYNC),
    CODE(SQLITE_IOERR_DIR_FSYNC),
    CODE(SQLITE_IOERR_TRUNCATE),
    CODE(SQLITE_IOERR_FSTAT),
    CODE(SQLITE_IOERR_UNLOCK),
    CODE(SQLITE_IOERR_RDLOCK),
    CODE(SQLITE_IOERR_DELETE),
    CODE(SQLITE_IOERR_BLOCKED),
    CODE(SQLITE_IOERR_NOMEM),
    CODE(SQLITE_IOERR_ACCESS),
    CODE(SQLITE_IOERR_CHECKRESERVEDLOCK),
    CODE(SQLITE_IOERR_LOCK),
    CODE(SQLITE_IOERR_CLOSE),
    CODE(SQLITE_IOERR_DIR_CLOSE),
    CODE(SQLITE_IOERR_SHMOPEN),
    CODE(SQLITE_IOERR_SHMSIZE),
    CODE(SQLITE_IOERR_SHMLOCK),
    CODE(SQLITE_IOERR_SHMMAP),
    CODE(SQLITE_IOERR_SEEK),
    CODE(SQLITE_IOERR_DELETE_NOENT),
    CODE(SQLITE_IOERR_MMAP),
    CODE(SQLITE_IOERR_GETTEMPPATH),
    CODE(SQLITE_IOERR_CONVPATH),
    CODE(SQLITE_IOERR_VNODE),
    CODE(SQLITE_IOERR_AUTH),
    CODE(SQLITE_IOERR_BEGIN_ATOMIC),
    CODE(SQLITE_IOERR_COMMIT_ATOMIC),
    CODE(SQLITE_IOERR_ROLLBACK_ATOMIC),
    CODE(SQLITE_IOERR_DATA),
    CODE(SQLITE_IOERR_CORRUPTFS),
    CODE(SQLITE_LOCKED_SHAREDCACHE),
    CODE(SQLITE_LOCKED_VTAB),
    CODE(SQLITE_BUSY_RECOVERY),
    CODE(SQLITE_BUSY_SNAPSHOT),
    CODE(SQLITE_BUSY_TIMEOUT),
    CODE(SQLITE_CANTOPEN_NOTEMPDIR),
    CODE(SQLITE_CANTOPEN_ISDIR),
    CODE(SQLITE_CANTOPEN_FULLPATH),
    CODE(SQLITE_CANTOPEN_CONVPATH),
    CODE(SQLITE_CANTOPEN_DIRTYWAL),
    CODE(SQLITE_CANTOPEN_SYMLINK),
    CODE(SQLITE_CORRUPT_VTAB),
    CODE(SQLITE_CORRUPT_SEQUENCE),
    CODE(SQLITE_CORRUPT_INDEX),
    CODE(SQLITE_READONLY_RECOVERY),
    CODE(SQLITE_READONLY_CANTLOCK),
    CODE(SQLITE_READONLY_ROLLBACK),
    CODE(SQLITE_READONLY_DBMOVED),
    CODE(SQLITE_READONLY_CANTINIT),
    CODE(SQLITE_READONLY_DIRECTORY),
    CODE(SQLITE_ABORT_ROLLBACK),
    CODE(SQLITE_CONSTRAINT_CHECK),
    CODE(SQLITE_CONSTRAINT_COMMITHOOK),
    CODE(SQLITE_CONSTRAINT_FOREIGNKEY),
    CODE(SQLITE_CONSTRAINT_FUNCTION),
    CODE(SQLITE_CONSTRAINT_NOTNULL),
    CODE(SQLITE_CONSTRAINT_PRIMARYKEY),
    CODE(SQLITE_CONSTRAINT_TRIGGER),
    CODE(SQLITE_CONSTRAINT_UNIQUE),
    CODE(SQLITE_CONSTRAINT_VTAB),
    CODE(SQLITE_CONSTRAINT_ROWID),
    CODE(SQLITE_CONSTRAINT_PINNED),
    CODE(SQLITE_CONSTRAINT_DATATYPE),
    CODE(SQLITE_NOTICE_RECOVER_WAL),
    CODE(SQLITE_NOTICE_RECOVER_ROLLBACK),
    CODE(SQLITE_WARNING_AUTOINDEX),
    CODE(SQLITE_AUTH_USER),
#ifdef SQLITE_IOERR_IN_PAGE
    CODE(SQLITE_IOERR_IN_PAGE),
#endif
};

const char *tracker_code_name(int extended_code)
{
    for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
        if (code_names[i].code == extended_code)
            return code_names[i].name;
    /* An extended code this table does not know: name its primary code. */
    for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
        if (code_names[i].code == (extended_code & 0xff))
            return code_names[i].name;
    return "SQLITE_UNKNOWN";
}

/* The class is results_code_class()'s: inline in results_schema.h, so
 * th-report classifies old runs' jobs by the same switch. */
tracker_error_class tracker_classify(int extended_code)
{
    return results_code_class(extended_code);
}

const char *tracker_error_class_name(tracker_error_class cls)
{
    static const char *const names[TRACKER_CLASS_COUNT] = {
        [TRACKER_CLASS_NONE] = "none",   [TRACKER_CLASS_BUSY] = "locked",
        [TRACKER_CLASS_IOERR] = "ioerr", [TRACKER_CLASS_CORRUPT] = "corrupt",
        [TRACKER_CLASS_OTHER] = "other",
    };
    return (unsigned)cls < TRACKER_CLASS_COUNT ? names[cls] : "invalid";
}

/* Fill an error record; the message is truncated, never overrun. */
void tracker_error_set(tracker_error *e, tracker_op op, int code, int attempts,
                       const char *message)
{
    e->op = op;
    e->code = code;
    e->cls = tracker_classify(code);
    e->attempts = attempts;
    snprintf(e->message, sizeof e->message, "%s", message ? message : "");
}

void tracker_error_format(const tracker_error *error, char *buf,
                          size_t buf_size)
{
    if (error->code == SQLITE_OK) {
        snprintf(buf, buf_size, "no error");
        return;
    }
    snprintf(buf, buf_size, "%s: %s (%d): %s (%d attempt%s)",
             tracker_op_name(error->op), tracker_code_name(error->code),
             error->code, error->message, error->attempts,
             error->attempts == 1 ? "" : "s");
}
