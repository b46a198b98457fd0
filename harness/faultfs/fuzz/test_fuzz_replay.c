/*
 * test_fuzz_replay.c: every regression input of every fuzz target, through
 * the target's own entry point, built with the normal compiler (no
 * libFuzzer): the faultfs configuration, the tracker profile, trackhammer's
 * command line and th-report's results reader. A target that aborts or
 * trips a sanitizer fails the test; each folder must hold inputs.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

/* The targets, renamed at compile time (fuzz.mk). */
int fuzz_faultfs_config(const uint8_t *data, size_t size);
int fuzz_profile(const uint8_t *data, size_t size);
int fuzz_options(const uint8_t *data, size_t size);
int fuzz_results(const uint8_t *data, size_t size);

typedef int (*fuzz_target)(const uint8_t *data, size_t size);

/* Feed every regular file of dir to target; returns how many. */
static int replay_folder(const char *dir, fuzz_target target)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int replayed = 0;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t *bytes = malloc((size_t)st.st_size + 1);
        assert_non_null(bytes);
        size_t n = fread(bytes, 1, (size_t)st.st_size, f);
        fclose(f);
        assert_int_equal(n, (size_t)st.st_size);
        assert_int_equal(target(bytes, n), 0);
        free(bytes);
        replayed++;
    }
    closedir(d);
    return replayed;
}

static void test_faultfs_config_inputs(void **state)
{
    (void)state;
    assert_true(replay_folder(FUZZ_DIR_FAULTFS_CONFIG, fuzz_faultfs_config) >
                0);
}

static void test_profile_inputs(void **state)
{
    (void)state;
    assert_true(replay_folder(FUZZ_DIR_PROFILE, fuzz_profile) > 0);
}

static void test_options_inputs(void **state)
{
    (void)state;
    assert_true(replay_folder(FUZZ_DIR_OPTIONS, fuzz_options) > 0);
}

static void test_results_inputs(void **state)
{
    (void)state;
    assert_true(replay_folder(FUZZ_DIR_RESULTS, fuzz_results) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faultfs_config_inputs),
        cmocka_unit_test(test_profile_inputs),
        cmocka_unit_test(test_options_inputs),
        cmocka_unit_test(test_results_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
