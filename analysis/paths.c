/*
 * paths.c: where the programs of analysis/ find the published table.
 */
#include "analysis.h"

#include <string.h>
#include <unistd.h>

const char *default_reference(void)
{
    static char installed[4096];
    if (access(REFERENCE_IN_TREE, F_OK) == 0)
        return REFERENCE_IN_TREE;
    ssize_t n = readlink("/proc/self/exe", installed, sizeof installed - 1);
    if (n <= 0)
        return REFERENCE_IN_TREE; /* the error will name the usual place */
    installed[n] = '\0';
    char *slash = strrchr(installed, '/');
    size_t dir_length = (size_t)(slash - installed) + 1;
    snprintf(slash + 1, sizeof installed - dir_length, "%s",
             REFERENCE_INSTALLED);
    return installed;
}
