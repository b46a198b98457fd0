/*
 * environment.c: what the run ran on, so its output can say so.
 *
 * The file-system type comes from statfs() of the database directory (the
 * kernel's answer, not a guess from the path), its mount point and options
 * from /proc/self/mounts.
 */
#include "trackhammer.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Magic numbers of statfs.f_type (linux/magic.h and the vendors'). */
static const struct fs_magic {
    unsigned long magic;
    const char *name;
    bool shared; /* one file system seen by many nodes */
} fs_magics[] = {
    { 0x0BD00BD0ul, "lustre", true },  { 0x6969ul, "nfs", true },
    { 0x47504653ul, "gpfs", true },    { 0x19830326ul, "beegfs", true },
    { 0x00C36400ul, "ceph", true },    { 0xAAD7AAEAul, "panfs", true },
    { 0xFF534D42ul, "cifs", true },    { 0x65735546ul, "fuse", true },
    { 0xEF53ul, "ext4", false },       { 0x58465342ul, "xfs", false },
    { 0x01021994ul, "tmpfs", false },  { 0x794C7630ul, "overlayfs", false },
    { 0x9123683Eul, "btrfs", false },  { 0x2FC12FC1ul, "zfs", false },
};

/* `text` into a field of `size` bytes; a text too long keeps its start
 * and says how much was cut, never silently shorter. */
static void fit_field(char *field, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (n < size) {
        memcpy(field, text, n + 1);
        return;
    }
    /* The tail's length depends on the count's digits, the count on the
     * tail's length: settle them (a few rounds at most). */
    char tail[48];
    size_t kept = size - 1, settled = 0;
    while (kept != settled) {
        settled = kept;
        int t = snprintf(tail, sizeof tail, "...[%zu more characters]",
                         n - settled);
        kept = size - 1 - (size_t)t;
    }
    snprintf(field, size, "%.*s%s", (int)kept, text, tail);
}

/* The mount of `path`: the longest mount point that is a prefix of it.
 * Lines of /proc/self/mounts are read whole, whatever their length (an
 * overlay's options run to kilobytes). */
static void find_mount(const char *path, environment *env)
{
    FILE *mounts = fopen("/proc/self/mounts", "r");
    if (mounts == NULL)
        return;
    char *line = NULL;
    size_t cap = 0, best = 0;
    while (getline(&line, &cap, mounts) > 0) {
        char *save = NULL;
        strtok_r(line, " \n", &save); /* the device */
        char *point = strtok_r(NULL, " \n", &save);
        char *type = strtok_r(NULL, " \n", &save);
        char *opts = strtok_r(NULL, " \n", &save);
        if (point == NULL || type == NULL || opts == NULL)
            continue;
        size_t n = strlen(point);
        bool prefix = strncmp(path, point, n) == 0 &&
                      (path[n] == '/' || path[n] == '\0' || n == 1);
        if (prefix && n >= best) {
            best = n;
            fit_field(env->mount_point, sizeof env->mount_point, point);
            fit_field(env->mount_options, sizeof env->mount_options, opts);
        }
    }
    free(line);
    fclose(mounts);
}

void environment_probe(const char *db_dir, environment *env)
{
    memset(env, 0, sizeof *env);
    if (gethostname(env->hostname, sizeof env->hostname - 1) != 0)
        snprintf(env->hostname, sizeof env->hostname, "unknown");
    snprintf(env->sqlite_version, sizeof env->sqlite_version, "%s",
             sqlite3_libversion());
    snprintf(env->fs_type, sizeof env->fs_type, "unknown");
    env->fs_is_local = true;

    struct statfs st;
    if (statfs(db_dir, &st) == 0) {
        snprintf(env->fs_type, sizeof env->fs_type, "0x%lx",
                 (unsigned long)st.f_type);
        for (size_t i = 0; i < sizeof fs_magics / sizeof *fs_magics; i++)
            if ((unsigned long)st.f_type == fs_magics[i].magic) {
                snprintf(env->fs_type, sizeof env->fs_type, "%s",
                         fs_magics[i].name);
                env->fs_is_local = !fs_magics[i].shared;
            }
    }
    char real[PATH_MAX];
    if (realpath(db_dir, real) != NULL)
        find_mount(real, env);
}
