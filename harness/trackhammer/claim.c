/*
 * claim.c: the database directory, held by one run and touched only where
 * trackhammer made what is there.
 *
 * A run (an MPI run, or a prepared single-job run from --prepare to
 * --merge) holds DB_DIR through DB_DIR/.trackhammer-holder, created with
 * O_CREAT|O_EXCL: one creator wins on a local disk, NFS (v3 and later) and
 * Lustre alike, with no flock, which Lustre may mount without. The file
 * names its holder (host, pid, run id, start time); an MPI run's rank 0
 * touches it every round and says how long a round can last, so a holder
 * on another node that stopped beating can be told from one at work. A
 * second run is refused and told who holds the directory; a holder that
 * died is reported as such, never taken over: only a person knows whether
 * its jobs are gone.
 *
 * What trackhammer makes is marked: every database it creates carries its
 * application_id in the header, and DB_DIR/.trackhammer-made says that
 * trackhammer has worked in the directory, so a journal, WAL or -shm left
 * there without a database is one of its own. Anything else at the
 * database's path is refused, never deleted.
 */
#include "trackhammer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOLDER_FILE ".trackhammer-holder"
#define MADE_FILE ".trackhammer-made"
#define HOLDER_MAGIC "trackhammer-holder 1"

/* The files kept beside the database: SQLite's rollback journal, WAL and
 * WAL index, and the fault model's shared state: the storm's load and the
 * nodes' views of the WAL (harness/faultfs/README.md). */
static const char *const side_suffixes[] = { "-journal", "-wal", "-shm",
                                             "-faultfs-storm",
                                             "-faultfs-wal-view" };
#define SIDE_COUNT (sizeof side_suffixes / sizeof *side_suffixes)

static void dir_file(const char *db_dir, const char *name, char *path,
                     size_t size)
{
    text_format(path, size, "%s/%s", db_dir, name);
}

/* The holder's fields from its file; false if it cannot be read. */
static bool read_holder(const char *path, db_holder *h)
{
    memset(h, 0, sizeof *h);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[TEXT_MAX + 32];
    bool magic = fgets(line, sizeof line, f) &&
                 strncmp(line, HOLDER_MAGIC, strlen(HOLDER_MAGIC)) == 0;
    while (magic && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *value = strchr(line, '=');
        if (value == NULL)
            continue;
        *value++ = '\0';
        if (strcmp(line, "host") == 0)
            text_format(h->host, sizeof h->host, "%s", value);
        else if (strcmp(line, "pid") == 0)
            h->pid = strtol(value, NULL, 10);
        else if (strcmp(line, "run_id") == 0)
            text_format(h->run_id, sizeof h->run_id, "%s", value);
        else if (strcmp(line, "run_dir") == 0)
            text_format(h->run_dir, sizeof h->run_dir, "%s", value);
        else if (strcmp(line, "started") == 0)
            text_format(h->started, sizeof h->started, "%s", value);
        else if (strcmp(line, "topology") == 0)
            text_format(h->topology, sizeof h->topology, "%s", value);
        else if (strcmp(line, "beat_within_s") == 0)
            h->beat_within_s = strtod(value, NULL);
    }
    fclose(f);
    return magic;
}

/* Whether the holder is a process on this host that is gone. */
static bool holder_is_gone(const db_holder *h)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    return strcmp(h->host, host) == 0 && h->pid > 0 &&
           kill((pid_t)h->pid, 0) != 0 && errno == ESRCH;
}

/* The refusal for a directory another run holds: who, and what to do. */
static void describe_holder(const char *path, char *err, size_t err_size)
{
    db_holder h;
    struct stat st;
    if (!read_holder(path, &h)) {
        text_format(err, err_size,
                    "database directory held: '%s' exists but "
                    "cannot be read as a holder (another trackhammer is "
                    "starting, or the file is damaged): wait, or remove it "
                    "if no run uses the directory",
                    path);
        return;
    }
    double age = stat(path, &st) == 0 ? difftime(time(NULL), st.st_mtime) : -1;
    const char *run = h.run_id[0] ? h.run_id : "(not yet named)";
    if (strcmp(h.topology, "single-job") == 0 && h.run_dir[0])
        text_format(err, err_size,
                    "database directory held by the prepared "
                    "single-job run %s (prepared on host %s by pid %ld at "
                    "%s) until its --merge %s; merge it, or remove '%s' if "
                    "that run is abandoned",
                    run, h.host, h.pid, h.started, h.run_dir, path);
    else if (h.beat_within_s > 0 && age > h.beat_within_s)
        text_format(err, err_size,
                    "database directory held by run %s (host "
                    "%s, pid %ld, started %s), which seems to have died: not "
                    "seen for %.0f s, longer than one of its rounds can last "
                    "(%.0f s). Once no job of it is left, remove '%s' and "
                    "run again",
                    run, h.host, h.pid, h.started, age, h.beat_within_s, path);
    else if (holder_is_gone(&h))
        text_format(err, err_size,
                    "database directory held by run %s (host "
                    "%s, pid %ld, started %s), which died: pid %ld is gone "
                    "from this host. Its database is left as it died; "
                    "once no job of it is left, remove '%s' and run again",
                    run, h.host, h.pid, h.started, h.pid, path);
    else
        text_format(err, err_size,
                    "database directory held by run %s (host "
                    "%s, pid %ld, started %s, last seen %.0f s ago): one run "
                    "at a time per --db-dir; choose another, or remove '%s' "
                    "if that run is dead",
                    run, h.host, h.pid, h.started, age, path);
}

/* Write the holder file's fields into fd. */
static bool write_holder(int fd, const db_holder *h)
{
    char text[4 * TEXT_MAX];
    int n =
        snprintf(text, sizeof text,
                 HOLDER_MAGIC "\nhost=%s\npid=%ld\nrun_id=%s\nrun_dir=%s\n"
                              "started=%s\ntopology=%s\nbeat_within_s=%.0f\n",
                 h->host, h->pid, h->run_id, h->run_dir, h->started,
                 h->topology, h->beat_within_s);
    if (n < 0 || (size_t)n >= sizeof text)
        return false;
    /* Written over, then cut to length: a reader never sees it empty. Not
     * synced: it matters only while the run lives, and a file system that
     * fails fsyncs (the thing under study) must not stop the run here. */
    return pwrite(fd, text, (size_t)n, 0) == n && ftruncate(fd, n) == 0;
}

/* Whether the first 100 bytes of `path` are an SQLite header carrying
 * trackhammer's application_id. Read as bytes: opening a foreign database
 * with SQLite could roll back its hot journal, changing it. */
static bool database_is_ours(const char *path)
{
    unsigned char header[100];
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return false;
    ssize_t got = pread(fd, header, sizeof header, 0);
    close(fd);
    if (got != (ssize_t)sizeof header ||
        memcmp(header, "SQLite format 3", 16) != 0)
        return false;
    uint32_t id = (uint32_t)header[68] << 24 | (uint32_t)header[69] << 16 |
                  (uint32_t)header[70] << 8 | header[71];
    return id == TRACKHAMMER_APPLICATION_ID;
}

/* Whether anything is at path (a file, a link, a directory). */
static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Refuse a database directory whose database or side files trackhammer did
 * not make. An empty database file is one a set-up of ours was cut short
 * in, where trackhammer has worked before. */
static bool check_foreign_files(const char *db_dir, char *err, size_t err_size)
{
    char db[TEXT_MAX + 32], made[TEXT_MAX + 32], side[TEXT_MAX + 48];
    text_format(db, sizeof db, "%s/" DATABASE_FILE, db_dir);
    dir_file(db_dir, MADE_FILE, made, sizeof made);
    bool worked_here = exists(made);
    struct stat st;
    if (lstat(db, &st) == 0) {
        bool ours = S_ISREG(st.st_mode) &&
                    (database_is_ours(db) || (st.st_size == 0 && worked_here));
        if (!ours) {
            text_format(err, err_size,
                        "'%s' is not a database trackhammer "
                        "made (no trackhammer application_id): it is left as "
                        "it is; move it away or choose another --db-dir",
                        db);
            return false;
        }
        return true;
    }
    for (size_t i = 0; i < SIDE_COUNT && !worked_here; i++) {
        text_format(side, sizeof side, "%s%s", db, side_suffixes[i]);
        if (exists(side)) {
            text_format(err, err_size,
                        "'%s' was not made by trackhammer (no "
                        "%s in the directory): it may be the journal of "
                        "someone's database; move it away or choose another "
                        "--db-dir",
                        side, MADE_FILE);
            return false;
        }
    }
    return true;
}

/* Mark the directory as one trackhammer works in: a regular file of its
 * own (a link there is refused, never written through). */
static bool mark_made(const char *db_dir, char *err, size_t err_size)
{
    char made[TEXT_MAX + 32];
    dir_file(db_dir, MADE_FILE, made, sizeof made);
    int fd =
        open(made, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) {
        struct stat st;
        if (lstat(made, &st) == 0 && S_ISREG(st.st_mode))
            return true;
        text_format(err, err_size,
                    "'%s' is not a regular file: trackhammer "
                    "did not make it; move it away",
                    made);
        return false;
    }
    if (fd < 0) {
        text_format(err, err_size, "cannot create '%s': %s", made,
                    strerror(errno));
        return false;
    }
    static const char note[] = "trackhammer made the tracking database "
                               "here and may delete and remake it\n";
    bool ok = write(fd, note, sizeof note - 1) == (ssize_t)sizeof note - 1;
    close(fd);
    if (!ok)
        text_format(err, err_size, "cannot write '%s'", made);
    return ok;
}

void database_remove(const char *db_path)
{
    char path[TEXT_MAX + 48];
    unlink(db_path);
    for (size_t i = 0; i < SIDE_COUNT; i++) {
        text_format(path, sizeof path, "%s%s", db_path, side_suffixes[i]);
        unlink(path);
    }
}

int db_dir_claim(const char *db_dir, const char *topology, db_claim *claim,
                 char *err, size_t err_size)
{
    memset(claim, 0, sizeof *claim);
    dir_file(db_dir, HOLDER_FILE, claim->path, sizeof claim->path);
    /* Foreign files refused before anything is written here, and again
     * once held (another run may have changed the directory meanwhile). */
    if (!check_foreign_files(db_dir, err, err_size))
        return 2;
    int fd = open(claim->path,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (errno == EEXIST) {
            describe_holder(claim->path, err, err_size);
            return 2;
        }
        text_format(err, err_size, "cannot create '%s': %s", claim->path,
                    strerror(errno));
        return 1;
    }
    db_holder *h = &claim->holder;
    gethostname(h->host, sizeof h->host - 1);
    h->pid = (long)getpid();
    time_t now = time(NULL);
    strftime(h->started, sizeof h->started, "%Y-%m-%dT%H:%M:%S%z",
             localtime(&now));
    text_format(h->topology, sizeof h->topology, "%s", topology);
    claim->fd = fd;
    claim->held = true;
    if (!write_holder(fd, h)) {
        text_format(err, err_size, "cannot write '%s': %s", claim->path,
                    strerror(errno));
        db_dir_release(claim);
        return 1;
    }
    if (!check_foreign_files(db_dir, err, err_size)) {
        db_dir_release(claim);
        return 2;
    }
    if (!mark_made(db_dir, err, err_size)) {
        db_dir_release(claim);
        return 1;
    }
    return 0;
}

int db_dir_claim_name_run(db_claim *claim, const char *run_dir,
                          double beat_within_s, char *err, size_t err_size)
{
    const char *slash = strrchr(run_dir, '/');
    db_holder *h = &claim->holder;
    text_format(h->run_id, sizeof h->run_id, "%s",
                slash ? slash + 1 : run_dir);
    text_format(h->run_dir, sizeof h->run_dir, "%s", run_dir);
    h->beat_within_s = beat_within_s;
    if (!write_holder(claim->fd, h)) {
        text_format(err, err_size, "cannot write '%s': %s", claim->path,
                    strerror(errno));
        return 1;
    }
    return 0;
}

void db_dir_heartbeat(const db_claim *claim)
{
    if (claim->held)
        futimens(claim->fd, NULL);
}

/* Close the holder's descriptor, leaving the file: the prepared run keeps
 * holding the directory after --prepare exits. */
void db_dir_keep(db_claim *claim)
{
    if (claim->held)
        close(claim->fd);
    claim->held = false;
}

/* Remove the holder file only while it is still the file this claim
 * holds (the same inode): a person may have removed it and another run
 * taken the directory. */
void db_dir_release(db_claim *claim)
{
    if (!claim->held)
        return;
    struct stat mine, there;
    if (fstat(claim->fd, &mine) == 0 && lstat(claim->path, &there) == 0 &&
        mine.st_dev == there.st_dev && mine.st_ino == there.st_ino)
        unlink(claim->path);
    close(claim->fd);
    claim->held = false;
}

int db_dir_claim_adopt(const char *db_dir, const char *run_dir,
                       db_claim *claim, char *err, size_t err_size)
{
    memset(claim, 0, sizeof *claim);
    dir_file(db_dir, HOLDER_FILE, claim->path, sizeof claim->path);
    if (!read_holder(claim->path, &claim->holder)) {
        text_format(err, err_size,
                    "the database directory '%s' is not held "
                    "by this run (no readable %s): was it merged already, or "
                    "taken by another run?",
                    db_dir, HOLDER_FILE);
        return 2;
    }
    char real[PATH_MAX];
    if (realpath(run_dir, real) == NULL)
        text_format(real, sizeof real, "%s", run_dir);
    if (strcmp(claim->holder.run_dir, real) != 0) {
        char held_by[TEXT_MAX];
        describe_holder(claim->path, held_by, sizeof held_by);
        text_format(err, err_size,
                    "the database directory is not the run "
                    "%s's any more: %s",
                    run_dir, held_by);
        return 2;
    }
    claim->fd = open(claim->path, O_RDONLY | O_CLOEXEC);
    if (claim->fd < 0) {
        text_format(err, err_size, "cannot open '%s': %s", claim->path,
                    strerror(errno));
        return 1;
    }
    claim->held = true;
    return 0;
}
