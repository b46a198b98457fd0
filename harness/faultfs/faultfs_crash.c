/*
 * faultfs_crash.c: power loss, across processes (crash=on; README.md,
 * "Power loss", says what is modelled and what is left out).
 *
 * The state of one database lives in "<database>-faultfs-crash/", shared
 * by every process that opens the database through faultfs. For each of
 * the main, journal and WAL files (KIND = main, journal, wal):
 *   KIND.image          what the last sync made durable; absent while the
 *                       file's name is not durable (crash.names=dirsync)
 *   KIND.pending        the writes and truncates since, in order
 *   KIND.ghost-image    crash.names=dirsync: an unlinked file whose unlink
 *   KIND.ghost-pending  is not durable yet, as it stood when unlinked
 *   lock                flock()ed around every change of the state
 * A pending record is a record_header followed, for a write, by its bytes;
 * its checksum tells a whole record from one a kill cut short, which other
 * processes' records may follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs_internal.h"

#define STATE_SUFFIX "-faultfs-crash"
#define RECORD_MAGIC 0x66666372u /* "ffcr" */

typedef enum record_type { RECORD_WRITE = 1, RECORD_TRUNCATE = 2 } record_type;

typedef struct record_header {
    uint32_t magic;
    uint32_t type;  /* record_type */
    int64_t offset; /* write: where; truncate: the new size */
    int64_t length; /* write: bytes that follow; truncate: 0 */
    uint64_t check; /* record_check() of the fields above and the bytes */
} record_header;

/* No padding: record_check() hashes the fields as bytes. */
_Static_assert(sizeof(record_header) == 32, "record_header has no padding");

/* A file's bytes in memory. */
typedef struct buffer {
    unsigned char *data;
    size_t size;
} buffer;

/* The three files the crash rewrites, by kind. */
static const faultfs_file_kind crash_kinds[] = { FAULTFS_FILE_MAIN,
                                                 FAULTFS_FILE_JOURNAL,
                                                 FAULTFS_FILE_WAL };

/* ----------------------------------------------------------------- paths */

/* Is this call about a file the crash model follows? */
static bool followed(faultfs_file_kind kind)
{
    return faultfs_g.config.crash.enabled &&
           (kind == FAULTFS_FILE_MAIN || kind == FAULTFS_FILE_JOURNAL ||
            kind == FAULTFS_FILE_WAL);
}

/* "<database>-faultfs-crash/<name>" for a file of the database at path,
 * where name is "" (the directory), "lock" or KIND.what. */
static void state_path(const char *path, faultfs_file_kind kind,
                       const char *what, char *out, size_t size)
{
    int len = (int)faultfs_database_path_len(path);
    if (!what) {
        snprintf(out, size, "%.*s%s", len, path, STATE_SUFFIX);
    } else if (kind == FAULTFS_FILE_KIND_COUNT) {
        snprintf(out, size, "%.*s%s/%s", len, path, STATE_SUFFIX, what);
    } else {
        snprintf(out, size, "%.*s%s/%s.%s", len, path, STATE_SUFFIX,
                 faultfs_file_kind_name(kind), what);
    }
}

/* The path of the database's file of a kind. */
static void file_path(const char *db_path, faultfs_file_kind kind, char *out,
                      size_t size)
{
    int len = (int)faultfs_database_path_len(db_path);
    snprintf(out, size, "%.*s%s", len, db_path, faultfs_file_suffix(kind));
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool faultfs_crash_exists(const char *path)
{
    return faultfs_g.config.crash.enabled && path && exists(path);
}

/* ------------------------------------------------------------ file bytes */

/* A whole file of the state into b; false (errno set) if it cannot be
 * read. */
static bool read_file(const char *path, buffer *b)
{
    struct stat st;
    b->data = NULL;
    b->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = fstat(fd, &st) == 0;
    if (ok && st.st_size > 0) {
        b->data = malloc((size_t)st.st_size);
        ok = b->data != NULL;
        while (ok && b->size < (size_t)st.st_size) {
            ssize_t n =
                read(fd, b->data + b->size, (size_t)st.st_size - b->size);
            ok = n > 0;
            b->size += ok ? (size_t)n : 0;
        }
    }
    close(fd);
    if (!ok) {
        free(b->data);
        b->data = NULL;
    }
    return ok;
}

/* Write size bytes to "<path>.tmp" (named in tmp), for a rename over
 * path; false, with nothing left behind, if it cannot be written. */
static bool write_temp(const char *path, const void *data, size_t size,
                       char *tmp, size_t tmp_size)
{
    snprintf(tmp, tmp_size, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return false;
    }
    const unsigned char *p = data;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
    bool ok = close(fd) == 0 && done == size;
    return ok || (unlink(tmp), false);
}

/* Put a written temporary file in place of path. */
static bool rename_temp(const char *tmp, const char *path)
{
    return rename(tmp, path) == 0 || (unlink(tmp), false);
}

/* Replace path with size bytes, through a temporary file and rename, so a
 * process killed meanwhile leaves the old contents or the new. */
static bool write_file(const char *path, const void *data, size_t size)
{
    char tmp[FAULTFS_PATH_MAX + 64];
    return write_temp(path, data, size, tmp, sizeof tmp) &&
           rename_temp(tmp, path);
}

/* A database file's whole contents, read through the caller's own open
 * handle. Never open and close the path instead: closing any descriptor
 * of a file drops every POSIX lock this process holds on it, so a writer
 * would lose its EXCLUSIVE lock in the middle of a commit and another
 * process could take the database and its journal from under it. The size
 * comes from stat(), which opens nothing (unixFileSize reports a one-byte
 * file as empty); xRead takes an int, so large files are read in parts. */
static bool read_handle(sqlite3_file *real, const char *path, buffer *b)
{
    enum { PART = 1 << 30 };
    struct stat st;
    b->data = NULL;
    b->size = 0;
    if (stat(path, &st) != 0 || st.st_size < 0) {
        return false;
    }
    size_t size = (size_t)st.st_size;
    if (size > 0 && (b->data = malloc(size)) == NULL) {
        return false;
    }
    while (b->size < size) {
        int part = size - b->size > PART ? PART : (int)(size - b->size);
        if (real->pMethods->xRead(real, b->data + b->size, part,
                                  (sqlite3_int64)b->size) != SQLITE_OK) {
            free(b->data);
            b->data = NULL;
            b->size = 0;
            return false;
        }
        b->size += (size_t)part;
    }
    return true;
}

/* Remove a file of the state, if it is there. */
static void remove_state(const char *path, faultfs_file_kind kind,
                         const char *what)
{
    char p[FAULTFS_PATH_MAX + 64];
    state_path(path, kind, what, p, sizeof p);
    unlink(p);
}

/* Does the state hold this file of a kind? */
static bool state_has(const char *path, faultfs_file_kind kind,
                      const char *what)
{
    char p[FAULTFS_PATH_MAX + 64];
    state_path(path, kind, what, p, sizeof p);
    return exists(p);
}

/* Move one file of the state to another name of it. */
static void rename_state(const char *path, faultfs_file_kind kind,
                         const char *from, const char *to)
{
    char a[FAULTFS_PATH_MAX + 64], b[FAULTFS_PATH_MAX + 64];
    state_path(path, kind, from, a, sizeof a);
    state_path(path, kind, to, b, sizeof b);
    rename(a, b);
}

/* ------------------------------------------------------------------ lock */

int faultfs_crash_lock(const char *path, faultfs_file_kind kind)
{
    char p[FAULTFS_PATH_MAX + 64];
    if (!followed(kind)) {
        return -1;
    }
    state_path(path, kind, NULL, p, sizeof p);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        return -1;
    }
    state_path(path, FAULTFS_FILE_KIND_COUNT, "lock", p, sizeof p);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0 && errno == EINTR) {
        /* interrupted: ask again */
    }
    return fd;
}

void faultfs_crash_unlock(int lock_fd)
{
    if (lock_fd >= 0) {
        close(lock_fd); /* releases the flock */
    }
}

/* ------------------------------------------------------------ the hooks */

/* Make the file's current bytes its durable image and clear its pending
 * list. The new image is written aside first, then the pending list goes,
 * then the image takes its place: a process killed between the last two
 * steps leaves the older image alone, as if this sync had never been asked
 * for (its caller never learnt that it was), never pending writes that
 * would be replayed a second time over the newer image. */
static bool save_image(const char *path, faultfs_file_kind kind,
                       sqlite3_file *real)
{
    char image[FAULTFS_PATH_MAX + 64], tmp[FAULTFS_PATH_MAX + 128];
    buffer contents;
    state_path(path, kind, "image", image, sizeof image);
    bool saved =
        read_handle(real, path, &contents) &&
        write_temp(image, contents.data, contents.size, tmp, sizeof tmp);
    free(contents.data);
    if (saved) {
        remove_state(path, kind, "pending");
        saved = rename_temp(tmp, image);
    }
    return saved;
}

bool faultfs_crash_opened(const char *path, faultfs_file_kind kind,
                          bool existed, sqlite3_file *real)
{
    if (!followed(kind)) {
        return true;
    }
    int lock = faultfs_crash_lock(path, kind);
    char image[FAULTFS_PATH_MAX + 64], pending[FAULTFS_PATH_MAX + 64];
    state_path(path, kind, "image", image, sizeof image);
    state_path(path, kind, "pending", pending, sizeof pending);
    bool known = exists(image) || exists(pending);
    bool recorded = lock >= 0;
    if (recorded && !known && existed) {
        /* a file from before faultfs saw it is taken as durable */
        recorded = save_image(path, kind, real);
    } else if (recorded && !known) {
        /* created by this open: durable and empty at once, or only a
         * pending name until a directory sync */
        bool named =
            faultfs_g.config.crash.names == FAULTFS_CRASH_NAMES_IMMEDIATE ||
            kind == FAULTFS_FILE_MAIN;
        int fd = open(named ? image : pending,
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        recorded = fd >= 0 && close(fd) == 0;
    }
    if (!recorded) {
        faultfs_record_crash(FAULTFS_OPEN, kind, 0, "unrecorded", path);
    }
    faultfs_crash_unlock(lock);
    return recorded;
}

/* FNV-1a over a record's fields and bytes. */
static uint64_t record_check(const record_header *h, const void *data)
{
    const record_header fields = { h->magic, h->type, h->offset, h->length,
                                   0 };
    const unsigned char *parts[2] = { (const unsigned char *)&fields, data };
    size_t sizes[2] = { sizeof fields, data ? (size_t)h->length : 0 };
    uint64_t x = 0xcbf29ce484222325ULL;
    for (int part = 0; part < 2; part++) {
        for (size_t i = 0; i < sizes[part]; i++) {
            x = (x ^ parts[part][i]) * 0x100000001b3ULL;
        }
    }
    return x;
}

/* Append one record (and its bytes) to the file's pending list. */
static void append_record(const char *path, faultfs_file_kind kind,
                          const record_header *h, const void *data)
{
    char pending[FAULTFS_PATH_MAX + 64];
    state_path(path, kind, "pending", pending, sizeof pending);
    int fd = open(pending, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    size_t size = sizeof *h + (size_t)h->length;
    unsigned char *rec = malloc(size);
    if (rec) {
        memcpy(rec, h, sizeof *h);
        if (h->length > 0) {
            memcpy(rec + sizeof *h, data, (size_t)h->length);
        }
        /* one write: a record is whole or absent */
        if (write(fd, rec, size) != (ssize_t)size) {
            faultfs_record_crash(FAULTFS_WRITE, kind, 0, "unjournaled", path);
        }
        free(rec);
    }
    close(fd);
}

void faultfs_crash_note_write(const char *path, faultfs_file_kind kind,
                              const void *buf, int amt, int64_t offset)
{
    if (!followed(kind) || amt <= 0) {
        return;
    }
    record_header h = { RECORD_MAGIC, RECORD_WRITE, offset, amt, 0 };
    h.check = record_check(&h, buf);
    append_record(path, kind, &h, buf);
}

void faultfs_crash_note_truncate(const char *path, faultfs_file_kind kind,
                                 int64_t size)
{
    if (!followed(kind)) {
        return;
    }
    record_header h = { RECORD_MAGIC, RECORD_TRUNCATE, size, 0, 0 };
    h.check = record_check(&h, NULL);
    append_record(path, kind, &h, NULL);
}

/* A directory sync: every name operation so far is durable, so no unlinked
 * file can come back. */
static void forget_ghosts(const char *path)
{
    for (size_t i = 0; i < sizeof crash_kinds / sizeof crash_kinds[0]; i++) {
        remove_state(path, crash_kinds[i], "ghost-image");
        remove_state(path, crash_kinds[i], "ghost-pending");
    }
}

bool faultfs_crash_synced(const char *path, faultfs_file_kind kind,
                          bool dir_synced, sqlite3_file *real)
{
    if (!followed(kind)) {
        return true;
    }
    int lock = faultfs_crash_lock(path, kind);
    bool named = dir_synced || state_has(path, kind, "image") ||
                 faultfs_g.config.crash.names == FAULTFS_CRASH_NAMES_IMMEDIATE;
    bool recorded = lock >= 0;
    if (recorded && dir_synced) {
        forget_ghosts(path);
    }
    /* fsync made the file's current bytes durable, whoever wrote them; a
     * file whose name is not durable keeps its writes pending */
    if (recorded && named) {
        recorded = save_image(path, kind, real);
    }
    if (!recorded) {
        faultfs_record_crash(FAULTFS_SYNC, kind, 0, "unrecorded", path);
    }
    faultfs_crash_unlock(lock);
    return recorded;
}

void faultfs_crash_deleted(const char *path, faultfs_file_kind kind,
                           bool dir_synced)
{
    if (!followed(kind)) {
        return;
    }
    bool keep_ghost = !dir_synced && faultfs_g.config.crash.names ==
                                         FAULTFS_CRASH_NAMES_DIRSYNC;
    if (dir_synced) {
        forget_ghosts(path);
    }
    if (keep_ghost && state_has(path, kind, "image") &&
        !state_has(path, kind, "ghost-image")) {
        /* the durable name still points at this file */
        rename_state(path, kind, "image", "ghost-image");
        rename_state(path, kind, "pending", "ghost-pending");
    }
    remove_state(path, kind, "image");
    remove_state(path, kind, "pending");
}

/* ------------------------------------------------------------- the crash */

/* Uniform in [0, 1) for record `index` of a kind's list, draw `which`:
 * a pure function of the seed, so the same seed gives the same crash. */
static double crash_draw(faultfs_file_kind kind, uint64_t index, int which)
{
    uint64_t h = splitmix64_mix(faultfs_g.config.seed ^ 0x6372617368ULL);
    h = splitmix64_mix(h ^ (uint64_t)kind);
    h = splitmix64_mix(h ^ index);
    h = splitmix64_mix(h ^ (uint64_t)which);
    return unit_interval(h);
}

/* Make b exactly size bytes long, zero-filling what it gains. */
static bool resize(buffer *b, size_t size)
{
    if (size > b->size) {
        unsigned char *grown = realloc(b->data, size);
        if (!grown) {
            return false;
        }
        memset(grown + b->size, 0, size - b->size);
        b->data = grown;
    }
    b->size = size;
    return true;
}

/* How many bytes of a write at offset survive a tear: up to a sector
 * boundary strictly inside it, chosen by draw u; 0 if there is none. */
static size_t torn_length(int64_t offset, int64_t length, double u)
{
    uint64_t sector = faultfs_g.config.crash.sector;
    uint64_t first = ((uint64_t)offset / sector + 1) * sector;
    uint64_t end = (uint64_t)(offset + length);
    if (first >= end) {
        return 0;
    }
    uint64_t boundaries = (end - 1 - first) / sector + 1;
    uint64_t pick = (uint64_t)(u * (double)boundaries);
    return (size_t)(first + pick * sector - (uint64_t)offset);
}

/* Decide one pending write and apply what survives to b. */
static bool replay_write(buffer *b, const record_header *h,
                         const unsigned char *data, faultfs_file_kind kind,
                         uint64_t index, const char *path,
                         faultfs_crash_report *r)
{
    const faultfs_crash_config *c = &faultfs_g.config.crash;
    double u = crash_draw(kind, index, 0);
    size_t keep = (size_t)h->length;
    char effect[64];
    r->writes++;
    if (u >= c->drop && u < c->drop + c->torn) {
        keep = torn_length(h->offset, h->length, crash_draw(kind, index, 1));
        if (keep > 0) {
            r->torn++;
            snprintf(effect, sizeof effect, "torn:%zu/%lld", keep,
                     (long long)h->length);
            faultfs_record_crash(FAULTFS_WRITE, kind, index, effect, path);
        }
    } else if (u < c->drop) {
        keep = 0;
    }
    if (keep == 0) {
        r->dropped++;
        faultfs_record_crash(FAULTFS_WRITE, kind, index, "dropped", path);
        return true;
    }
    r->kept += keep == (size_t)h->length;
    size_t end = (size_t)h->offset + keep;
    if (end > b->size && !resize(b, end)) {
        return false;
    }
    memcpy(b->data + h->offset, data, keep);
    return true;
}

/* Does a whole record, as append_record wrote it, start at `at` of the
 * pending list? Its header into h (type 0 if the header itself is cut). */
static bool whole_record(const buffer *list, size_t at, record_header *h)
{
    if (list->size - at < sizeof *h) {
        h->type = 0;
        return false;
    }
    memcpy(h, list->data + at, sizeof *h);
    const unsigned char *data = list->data + at + sizeof *h;
    return h->magic == RECORD_MAGIC && h->offset >= 0 && h->length >= 0 &&
           (size_t)h->length <= list->size - at - sizeof *h &&
           (h->type == RECORD_WRITE || h->type == RECORD_TRUNCATE) &&
           h->check == record_check(h, h->type == RECORD_WRITE ? data : NULL);
}

/* Rebuild a file: its durable image plus the pending records the crash
 * keeps, in order. false if the state cannot be read. */
static bool rebuild(const char *db_path, faultfs_file_kind kind,
                    const char *image_name, const char *pending_name,
                    buffer *out, faultfs_crash_report *r)
{
    char image[FAULTFS_PATH_MAX + 64], pending[FAULTFS_PATH_MAX + 64];
    char path[FAULTFS_PATH_MAX + 16];
    buffer list;
    state_path(db_path, kind, image_name, image, sizeof image);
    state_path(db_path, kind, pending_name, pending, sizeof pending);
    file_path(db_path, kind, path, sizeof path);
    if (!read_file(image, out) && errno != ENOENT) {
        return false;
    }
    if (!read_file(pending, &list)) {
        return errno == ENOENT;
    }
    bool ok = true;
    size_t at = 0;
    for (uint64_t index = 1; ok && at < list.size; index++) {
        record_header h;
        if (!whole_record(&list, at, &h)) {
            /* a record a kill cut short: it and every record after it are
             * changes never synced, which a crash may lose together */
            faultfs_record_crash(h.type == RECORD_TRUNCATE ? FAULTFS_TRUNCATE
                                                           : FAULTFS_WRITE,
                                 kind, index, "cut-short", path);
            break;
        }
        const unsigned char *data = list.data + at + sizeof h;
        if (h.type == RECORD_WRITE) {
            ok = replay_write(out, &h, data, kind, index, path, r);
        } else if (crash_draw(kind, index, 0) <
                   faultfs_g.config.crash.drop + faultfs_g.config.crash.torn) {
            r->truncates++;
            r->truncates_dropped++;
            faultfs_record_crash(FAULTFS_TRUNCATE, kind, index, "dropped",
                                 path);
        } else {
            r->truncates++;
            ok = resize(out, (size_t)h.offset);
        }
        at += sizeof h + (size_t)h.length;
    }
    free(list.data);
    return ok;
}

/* Leave the state as the crash left the file: durable as it now is. */
static void reset_state(const char *db_path, faultfs_file_kind kind,
                        const buffer *contents, bool present)
{
    char image[FAULTFS_PATH_MAX + 64];
    remove_state(db_path, kind, "pending");
    remove_state(db_path, kind, "ghost-image");
    remove_state(db_path, kind, "ghost-pending");
    state_path(db_path, kind, "image", image, sizeof image);
    if (present) {
        write_file(image, contents->data, contents->size);
    } else {
        unlink(image);
    }
}

/* Write an error message; returns rc. */
static int crash_error(char *err, size_t err_size, int rc, const char *what,
                       const char *path)
{
    if (err && err_size) {
        snprintf(err, err_size, "faultfs: crash: %s '%s': %s", what, path,
                 strerror(errno));
    }
    return rc;
}

/* The crash, for one file of the database. */
static int crash_file(const char *db_path, faultfs_file_kind kind,
                      faultfs_crash_report *r, char *err, size_t err_size)
{
    char path[FAULTFS_PATH_MAX + 16];
    buffer contents = { NULL, 0 };
    file_path(db_path, kind, path, sizeof path);
    bool present = exists(path);
    bool ghost = state_has(db_path, kind, "ghost-image");
    /* with immediate names an absent file stays absent: its unlink was
     * durable at once (the state forgets a file before its unlink) */
    bool durable = ghost || (state_has(db_path, kind, "image") &&
                             (present || faultfs_g.config.crash.names ==
                                             FAULTFS_CRASH_NAMES_DIRSYNC));
    int rc = SQLITE_OK;
    if (durable) {
        if (!(ghost ? rebuild(db_path, kind, "ghost-image", "ghost-pending",
                              &contents, r)
                    : rebuild(db_path, kind, "image", "pending", &contents,
                              r))) {
            rc = crash_error(err, err_size, SQLITE_IOERR, "cannot rebuild",
                             path);
        } else if (!write_file(path, contents.data, contents.size)) {
            rc =
                crash_error(err, err_size, SQLITE_IOERR, "cannot write", path);
        } else {
            r->files_rebuilt++;
            /* back in place of whatever file now has its name */
            r->files_resurrected += ghost;
        }
    } else if (present && state_has(db_path, kind, "pending")) {
        /* created, never made durable by a directory sync */
        unlink(path);
        r->files_removed++;
        faultfs_record_crash(FAULTFS_OPEN, kind, 0, "removed", path);
    }
    if (rc == SQLITE_OK) {
        reset_state(db_path, kind, &contents, durable);
    }
    free(contents.data);
    return rc;
}

int faultfs_crash_apply(const char *db_path, faultfs_crash_report *report,
                        char *err, size_t err_size)
{
    faultfs_crash_report scratch;
    faultfs_crash_report *r = report ? report : &scratch;
    memset(r, 0, sizeof *r);
    if (!faultfs_g.config.crash.enabled) {
        if (err && err_size) {
            snprintf(err, err_size,
                     "faultfs: crash: crash mode is off "
                     "(install a configuration with crash=on)");
        }
        return SQLITE_MISUSE;
    }
    int lock = faultfs_crash_lock(db_path, FAULTFS_FILE_MAIN);
    if (lock < 0) {
        return crash_error(err, err_size, SQLITE_IOERR,
                           "cannot lock the state of", db_path);
    }
    int rc = SQLITE_OK;
    for (size_t i = 0;
         rc == SQLITE_OK && i < sizeof crash_kinds / sizeof crash_kinds[0];
         i++) {
        rc = crash_file(db_path, crash_kinds[i], r, err, err_size);
    }
    if (rc == SQLITE_OK) {
        char shm[FAULTFS_PATH_MAX + 16];
        file_path(db_path, FAULTFS_FILE_SHM, shm, sizeof shm);
        if (unlink(shm) != 0 && errno != ENOENT) {
            rc =
                crash_error(err, err_size, SQLITE_IOERR, "cannot remove", shm);
        }
    }
    faultfs_crash_unlock(lock);
    return rc;
}

void faultfs_crash_report_format(const faultfs_crash_report *r, char *buf,
                                 size_t buf_size)
{
    snprintf(buf, buf_size,
             "writes=%llu kept=%llu dropped=%llu torn=%llu truncates=%llu "
             "truncates_dropped=%llu rebuilt=%llu resurrected=%llu "
             "removed=%llu",
             (unsigned long long)r->writes, (unsigned long long)r->kept,
             (unsigned long long)r->dropped, (unsigned long long)r->torn,
             (unsigned long long)r->truncates,
             (unsigned long long)r->truncates_dropped,
             (unsigned long long)r->files_rebuilt,
             (unsigned long long)r->files_resurrected,
             (unsigned long long)r->files_removed);
}
