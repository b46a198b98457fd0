/*
 * environment.c: the environment of tests that run MPI programs.
 */
#define _GNU_SOURCE /* asprintf */
#include "testsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void mpi_test_environment(const char *lsan_suppressions)
{
    /* mpirun refuses root without these. */
    if (geteuid() == 0) {
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    }
    /* A sanitizer build: Open MPI's own allocations outlive MPI_Finalize;
     * its components stay loaded so their frames have names, and they are
     * suppressed by library. No effect otherwise. */
    setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 1);
    setenv("ASAN_OPTIONS", "fast_unwind_on_malloc=0", 0);
    char *lsan = NULL;
    if (asprintf(&lsan, "suppressions=%s:fast_unwind_on_malloc=0",
                 lsan_suppressions) > 0)
        setenv("LSAN_OPTIONS", lsan, 0);
    free(lsan);
}
