/*
 * environment.c: what the run ran on, so its output can say so.
 *
 * The file system's kind comes from statfs() of the database directory
 * (the kernel's answer, not a guess from the path); its name, mount point
 * and options from /proc/self/mountinfo, which names a FUSE file system by
 * its subtype (fuse.glusterfs, fuse.sshfs: statfs says only "fuse") and
 * gives the mount's own options apart from the file system's (a bind
 * mount's and a namespace's view included); the kernel release from
 * uname(), as FUSE and page-cache behaviour differ between kernels.
 */
#include "trackhammer.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Magic numbers of statfs.f_type (linux/magic.h and the vendors'). */
static const struct fs_magic {
    unsigned long magic;
    const char *name;
    bool shared; /* one file system seen by many nodes */
} fs_magics[] = {
    { 0x0BD00BD0ul, "lustre", true }, { 0x6969ul, "nfs", true },
    { 0x47504653ul, "gpfs", true },   { 0x19830326ul, "beegfs", true },
    { 0x00C36400ul, "ceph", true },   { 0xAAD7AAEAul, "panfs", true },
    { 0xFF534D42ul, "cifs", true },   { 0x65735546ul, "fuse", true },
    { 0xEF53ul, "ext4", false },      { 0x58465342ul, "xfs", false },
    { 0x01021994ul, "tmpfs", false }, { 0x794C7630ul, "overlayfs", false },
    { 0x9123683Eul, "btrfs", false }, { 0x2FC12FC1ul, "zfs", false },
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

/* A mountinfo field in place: the kernel writes a space, tab, newline or
 * backslash in a path as \ and three octal digits. */
static void unescape_octal(char *field)
{
    char *out = field;
    for (const char *in = field; *in; out++) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' &&
            in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
            *out =
                (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 4;
        } else {
            *out = *in++;
        }
    }
    *out = '\0';
}

/* One mountinfo line's fields: the mount point, the mount's options, the
 * file system's name and its own (super block) options; false when the
 * line is not one. */
static bool mountinfo_fields(char *line, char **point, char **own, char **type,
                             char **super_options)
{
    char *save = NULL, *field = strtok_r(line, " \n", &save);
    for (int i = 0; field && i < 4; i++) /* id, parent, dev, root */
        field = strtok_r(NULL, " \n", &save);
    *point = field;
    *own = strtok_r(NULL, " \n", &save);
    /* optional fields until the lone "-" */
    while ((field = strtok_r(NULL, " \n", &save)) && strcmp(field, "-"))
        ;
    *type = field ? strtok_r(NULL, " \n", &save) : NULL;
    if (*type)
        strtok_r(NULL, " \n", &save); /* the source */
    *super_options = *type ? strtok_r(NULL, " \n", &save) : NULL;
    if (!*point || !*own || !*type)
        return false;
    unescape_octal(*point);
    return true;
}

/* The mount's options and then its file system's, as /proc/mounts joins
 * them ("rw,relatime" and "rw,size=12k" give "rw,relatime,size=12k"):
 * each of the file system's not already among the mount's. */
static void join_options(environment *env, const char *own,
                         const char *super_options)
{
    char *joined = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&joined, &size);
    if (f == NULL)
        return;
    fputs(own, f);
    char *copy = strdup(super_options ? super_options : "");
    char *save = NULL;
    for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item;
         item = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(item);
        bool known = false;
        for (const char *at = strstr(own, item); at && !known;
             at = strstr(at + 1, item))
            known = (at == own || at[-1] == ',') &&
                    (at[n] == ',' || at[n] == '\0');
        if (!known)
            fprintf(f, ",%s", item);
    }
    free(copy);
    fclose(f);
    fit_field(env->mount_options, sizeof env->mount_options, joined);
    free(joined);
}

/* The mount of `path`: the longest mount point that is a prefix of it (the
 * last such line, where mounts stack). Lines are read whole, whatever
 * their length (an overlay's options run to kilobytes). */
static void find_mount(const char *path, environment *env)
{
    FILE *mounts = fopen("/proc/self/mountinfo", "r");
    if (mounts == NULL)
        return;
    char *line = NULL;
    size_t cap = 0, best = 0;
    while (getline(&line, &cap, mounts) > 0) {
        char *point, *own, *type, *super_options;
        if (!mountinfo_fields(line, &point, &own, &type, &super_options))
            continue;
        size_t n = strlen(point);
        bool prefix = strncmp(path, point, n) == 0 &&
                      (path[n] == '/' || path[n] == '\0' || n == 1);
        if (prefix && n >= best) {
            best = n;
            fit_field(env->mount_point, sizeof env->mount_point, point);
            join_options(env, own, super_options);
            fit_field(env->mount_type, sizeof env->mount_type, type);
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
    /* The mount's own name where statfs knows only the kind: "fuse" is
     * fuse.glusterfs or fuse.sshfs, and that is the file system. */
    if (strncmp(env->mount_type, env->fs_type, strlen(env->fs_type)) == 0 &&
        env->mount_type[strlen(env->fs_type)] == '.')
        fit_field(env->fs_type, sizeof env->fs_type, env->mount_type);
    struct utsname host;
    if (uname(&host) == 0)
        text_format(env->kernel, sizeof env->kernel, "%s %s %s", host.sysname,
                    host.release, host.machine);
}
