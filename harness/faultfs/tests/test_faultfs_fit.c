/*
 * test_faultfs_fit.c: fit files (fit=PATH): applied after the model's table
 * and before the overrides, validated line by line, and the project's own
 * fit (lustre-fitted.conf) loads and keeps one multiplier per group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

/* dir/name written with text; its path into path. */
static void write_file(const char *name, const char *text, char *path,
                       size_t size)
{
    scratch_path(&test_dir, name, path, size);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* "lustre,fit=PATH" followed by rest. */
static int parse_with_fit(const char *path, const char *rest,
                          faultfs_config *c, char *err, size_t err_size)
{
    char text[1024];
    snprintf(text, sizeof text, "lustre,fit=%s%s", path, rest);
    return faultfs_config_parse(text, c, err, err_size);
}

static void test_fit_applies_after_the_table_and_before_overrides(void **state)
{
    char path[512], err[512] = "";
    faultfs_config table, c;
    (void)state;
    write_file("fit.conf", "# provenance\n\n  sync.p = 0.2 \nopen.p=0.01\r\n",
               path, sizeof path);
    assert_int_equal(faultfs_config_model("lustre", &table), SQLITE_OK);
    assert_int_equal(parse_with_fit(path, ",open.p=0.5", &c, err, sizeof err),
                     SQLITE_OK);
    assert_true(c.cls[FAULTFS_SYNC].probability == 0.2);
    assert_true(c.cls[FAULTFS_OPEN].probability == 0.5); /* override wins */
    assert_true(c.cls[FAULTFS_ACCESS].probability ==
                table.cls[FAULTFS_ACCESS].probability);
    char *real = realpath(path, NULL);
    assert_string_equal(c.fit_path, real);
    free(real);
}

static void test_fit_none_is_the_unfitted_table(void **state)
{
    faultfs_config plain, none;
    (void)state;
    assert_int_equal(faultfs_config_parse("lustre", &plain, NULL, 0),
                     SQLITE_OK);
    assert_int_equal(faultfs_config_parse("lustre,fit=none", &none, NULL, 0),
                     SQLITE_OK);
    assert_memory_equal(&plain.cls, &none.cls, sizeof plain.cls);
    assert_string_equal(none.fit_path, "");
}

static void test_describe_names_the_fit_and_parses_back(void **state)
{
    char path[512], text[8192], again[8192];
    faultfs_config a, b;
    (void)state;
    write_file("fit.conf", "sync.p=0.03\n", path, sizeof path);
    assert_int_equal(parse_with_fit(path, ",sync.p=0.04", &a, NULL, 0),
                     SQLITE_OK);
    faultfs_config_describe(&a, text, sizeof text);
    assert_non_null(strstr(text, ",fit="));
    assert_non_null(strstr(text, "fit.conf,"));
    assert_int_equal(faultfs_config_parse(text, &b, NULL, 0), SQLITE_OK);
    faultfs_config_describe(&b, again, sizeof again);
    assert_string_equal(text, again);
    assert_true(b.cls[FAULTFS_SYNC].probability == 0.04);
}

static void test_fit_must_follow_the_model(void **state)
{
    char path[512], text[1024], err[512] = "";
    faultfs_config c;
    (void)state;
    write_file("fit.conf", "sync.p=0.03\n", path, sizeof path);
    snprintf(text, sizeof text, "lustre,sync.p=0.1,fit=%s", path);
    assert_int_not_equal(faultfs_config_parse(text, &c, err, sizeof err),
                         SQLITE_OK);
    assert_non_null(strstr(err, "fit"));
    assert_non_null(strstr(err, "right after the model"));
}

/* A fit file holding text is refused with a message naming the file and,
 * when line > 0, "line N", and saying what. */
static void assert_fit_rejected(const char *text, unsigned line,
                                const char *what)
{
    char path[512], err[1024] = "", expected[64];
    faultfs_config c;
    write_file("bad.conf", text, path, sizeof path);
    int rc = parse_with_fit(path, "", &c, err, sizeof err);
    if (rc == SQLITE_OK || !strstr(err, path) || !strstr(err, what)) {
        print_error("fit file '%s': rc %d, message '%s'\n", text, rc, err);
    }
    assert_int_not_equal(rc, SQLITE_OK);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, what));
    if (line) {
        snprintf(expected, sizeof expected, "line %u:", line);
        assert_non_null(strstr(err, expected));
    }
}

static void test_bad_fit_files_name_file_and_line(void **state)
{
    (void)state;
    assert_fit_rejected("# fitted\nsync.p=0.1\nsnyc.p=0.1\n", 3,
                        "unknown key");
    assert_fit_rejected("sync.p=2\n", 1, "probability outside [0,1]");
    assert_fit_rejected("sync.p=0.1x\n", 1, "malformed number");
    assert_fit_rejected("sync.p=0.1\n\nopen.p=\n", 3, "missing value");
    assert_fit_rejected("sync.p 0.1\n", 1, "is not key=value");
    assert_fit_rejected("seed=7\n", 1, "a run setting");
    assert_fit_rejected("fit=/elsewhere\n", 1, "a run setting");
    assert_fit_rejected("model=none\n", 1, "a run setting");
    assert_fit_rejected("# only provenance\n\n", 0, "no key=value line");
}

static void test_unreadable_fit_files_are_named(void **state)
{
    char err[1024] = "";
    faultfs_config c;
    (void)state;
    assert_int_not_equal(
        parse_with_fit("/nonexistent/fit.conf", "", &c, err, sizeof err),
        SQLITE_OK);
    assert_non_null(strstr(err, "/nonexistent/fit.conf"));
    assert_int_not_equal(parse_with_fit(test_dir.dir, "", &c, err, sizeof err),
                         SQLITE_OK);
    assert_non_null(strstr(err, "not a regular file"));
}

/* The project's fit: it loads, says which rows it was fitted to, and every
 * class of a group has the table's rate times one multiplier. */
static void test_project_fit_loads_with_one_multiplier_per_group(void **state)
{
    static const faultfs_class groups[][6] = {
        { FAULTFS_SYNC },
        { FAULTFS_OPEN, FAULTFS_DELETE, FAULTFS_ACCESS, FAULTFS_TRUNCATE,
          FAULTFS_LOCK, FAULTFS_SHM_OPEN },
        { FAULTFS_READ, FAULTFS_WRITE },
    };
    static const size_t sizes[] = { 1, 6, 2 };
    char err[1024] = "", line[256];
    faultfs_config table, fitted;
    bool provenance = false;
    (void)state;
    assert_int_equal(faultfs_config_model("lustre", &table), SQLITE_OK);
    int rc = parse_with_fit(PROJECT_FIT, "", &fitted, err, sizeof err);
    if (rc != SQLITE_OK) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, SQLITE_OK);
    for (size_t g = 0; g < 3; g++) {
        double multiplier = fitted.cls[groups[g][0]].probability /
                            table.cls[groups[g][0]].probability;
        for (size_t i = 1; i < sizes[g]; i++) {
            double m = fitted.cls[groups[g][i]].probability /
                       table.cls[groups[g][i]].probability;
            assert_true(fabs(m - multiplier) <= 1e-5 * multiplier + 1e-12);
        }
    }
    assert_true(fitted.cls[FAULTFS_SHM_MAP].probability == 0.0);
    FILE *f = fopen(PROJECT_FIT, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        provenance =
            provenance ||
            strcmp(line, "# fitted rows: test_2 test_3 test_4\n") == 0;
    }
    fclose(f);
    assert_true(provenance);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_fit_applies_after_the_table_and_before_overrides, test_setup,
            test_teardown),
        cmocka_unit_test(test_fit_none_is_the_unfitted_table),
        cmocka_unit_test_setup_teardown(
            test_describe_names_the_fit_and_parses_back, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_fit_must_follow_the_model,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_bad_fit_files_name_file_and_line,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_fit_files_are_named,
                                        test_setup, test_teardown),
        cmocka_unit_test(test_project_fit_loads_with_one_multiplier_per_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
