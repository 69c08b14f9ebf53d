/* SPDX-License-Identifier: MIT
 * test_gv_config.c - settings from env, file and defaults; backoff bounds. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gv_config.h"
#include "gv_err.h"
#include "gv_time.h"

static char config_path[64];

static void write_config(const char *text)
{
    int fd;
    FILE *f;

    snprintf(config_path, sizeof(config_path), "/tmp/gv_config_test_XXXXXX");
    fd = mkstemp(config_path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    setenv("GAVEL_CONFIG", config_path, 1);
}

static void env_overrides_file_which_overrides_default(void **state)
{
    long port;

    write_config("# comment\nGAVEL_A = from-file\nGAVEL_PORT=8081\nGAVEL_B=first\nGAVEL_B=last\n");
    assert_int_equal(gv_config_load(), 0);
    assert_string_equal(gv_config_get("GAVEL_A", "def"), "from-file");
    assert_string_equal(gv_config_get("GAVEL_B", "def"), "last");
    assert_string_equal(gv_config_get("GAVEL_MISSING", "def"), "def");
    setenv("GAVEL_A", "from-env", 1);
    assert_string_equal(gv_config_get("GAVEL_A", "def"), "from-env");
    unsetenv("GAVEL_A");
    assert_int_equal(gv_config_get_long(&port, "GAVEL_PORT", 1, 1, 65535), 0);
    assert_int_equal(port, 8081);
    gv_config_release();
    unlink(config_path);
    unsetenv("GAVEL_CONFIG");
}

static void malformed_file_and_numbers_are_errors(void **state)
{
    long v = 42;

    write_config("GOOD=1\nthis line has no equals sign\n");
    assert_int_equal(gv_config_load(), GV_ECONFIG);
    unlink(config_path);
    setenv("GAVEL_CONFIG", "/nonexistent/gavel.conf", 1);
    assert_true(gv_config_load() < 0);
    unsetenv("GAVEL_CONFIG");

    setenv("GAVEL_N", "12x", 1);
    assert_int_equal(gv_config_get_long(&v, "GAVEL_N", 5, 0, 100), GV_ECONFIG);
    setenv("GAVEL_N", "101", 1);
    assert_int_equal(gv_config_get_long(&v, "GAVEL_N", 5, 0, 100), GV_ECONFIG);
    assert_int_equal(v, 42);
    unsetenv("GAVEL_N");
    assert_int_equal(gv_config_get_long(&v, "GAVEL_N", 5, 0, 100), 0);
    assert_int_equal(v, 5);
}

static void backoff_doubles_within_bounds_and_resets(void **state)
{
    struct gv_backoff b;
    int64_t ceiling = 100;

    gv_backoff_init(&b, 100, 5000);
    for (int i = 0; i < 20; i++) {
        int64_t d = gv_backoff_next(&b);

        assert_true(d >= ceiling / 2 && d <= ceiling);
        ceiling = ceiling * 2 > 5000 ? 5000 : ceiling * 2;
    }
    assert_int_equal(b.attempts, 20);
    gv_backoff_reset(&b);
    assert_true(gv_backoff_next(&b) <= 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(env_overrides_file_which_overrides_default),
        cmocka_unit_test(malformed_file_and_numbers_are_errors),
        cmocka_unit_test(backoff_doubles_within_bounds_and_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
