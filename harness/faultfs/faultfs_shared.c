/*
 * faultfs_shared.c: small state files that every process of a database
 * maps, for the parts of the model that span processes (the storm's load,
 * the nodes' views of a -wal file).
 *
 * Each file is mapped once per process and kept until the VFS is
 * unregistered. Its contents are updated with lock-free atomics only, so a
 * process that dies (SIGBUS) holds nothing that others wait for.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs_internal.h"

typedef struct shared_region shared_region;
struct shared_region {
    shared_region *next;
    void *addr;  /* mapped, or process-local memory */
    size_t size;
    bool mapped;
    char path[FAULTFS_PATH_MAX + 32];
};

static pthread_mutex_t regions_mutex = PTHREAD_MUTEX_INITIALIZER;
static shared_region *regions;

/* Map the file, creating it zeroed if needed; NULL if that is impossible. */
static void *map_file(const char *path, size_t size)
{
    struct stat st;
    void *p = MAP_FAILED;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return NULL;
    }
    /* Growing to the same size concurrently is harmless; never shrink, so
     * nobody's mapping loses its backing. */
    if (fstat(fd, &st) == 0 && (st.st_size >= (off_t)size ||
                                ftruncate(fd, (off_t)size) == 0)) {
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

void *faultfs_shared_state(const char *path, size_t size)
{
    pthread_mutex_lock(&regions_mutex);
    shared_region *r = regions;
    while (r && strcmp(r->path, path) != 0) {
        r = r->next;
    }
    if (!r && (r = calloc(1, sizeof *r)) != NULL) {
        snprintf(r->path, sizeof r->path, "%s", path);
        r->size = size;
        r->addr = map_file(path, size);
        r->mapped = r->addr != NULL;
        /* The state is then this process's alone: better than none. */
        if (!r->addr && (r->addr = calloc(1, size)) == NULL) {
            free(r);
            r = NULL;
        } else {
            r->next = regions;
            regions = r;
        }
    }
    pthread_mutex_unlock(&regions_mutex);
    return r && r->size >= size ? r->addr : NULL;
}

void faultfs_shared_path(const char *file_path, const char *suffix,
                         char *out, size_t size)
{
    size_t len = faultfs_database_path_len(file_path);
    snprintf(out, size, "%.*s%s", (int)len, file_path, suffix);
}

void faultfs_shared_release_all(void)
{
    pthread_mutex_lock(&regions_mutex);
    while (regions) {
        shared_region *r = regions;
        regions = r->next;
        if (r->mapped) {
            munmap(r->addr, r->size);
        } else {
            free(r->addr);
        }
        free(r);
    }
    pthread_mutex_unlock(&regions_mutex);
}
