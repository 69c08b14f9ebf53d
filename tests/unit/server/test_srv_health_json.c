/* SPDX-License-Identifier: MIT
 * test_srv_health_json.c - the /healthz body and the status it implies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gv_alloc.h"
#include "srv_codec.h"
#include "srv_health.h"
#include "banned.h"

static void expect_json(const struct srv_health_state *st, bool want_ok, const char *want)
{
    char *out = NULL;
    size_t len = 0;
    bool ok = !want_ok;

    assert_int_equal(srv_health_to_json(&out, &len, &ok, st, "1.2.3"), 0);
    assert_int_equal(ok, want_ok);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    gv_free(out);
}

static void test_both_up(void **state)
{
    struct srv_health_state st = {
        .pg = {.up = true, .since_ms = 1700000000000},
        .redis = {.up = true, .since_ms = 1700000000001},
    };

    expect_json(&st, true,
                "{\"status\":\"ok\","
                "\"postgres\":{\"up\":true,\"error\":null,\"since_ms\":1700000000000},"
                "\"redis\":{\"up\":true,\"error\":null,\"since_ms\":1700000000001},"
                "\"version\":\"1.2.3\"}");
}

static void test_one_down(void **state)
{
    struct srv_health_state st = {
        .pg = {.up = true, .since_ms = 5},
        .redis = {.up = false, .since_ms = 6},
    };

    strncpy(st.redis.error, "Connection refused \"x\"", sizeof(st.redis.error) - 1);
    expect_json(&st, false,
                "{\"status\":\"degraded\","
                "\"postgres\":{\"up\":true,\"error\":null,\"since_ms\":5},"
                "\"redis\":{\"up\":false,\"error\":\"Connection refused \\\"x\\\"\","
                "\"since_ms\":6},\"version\":\"1.2.3\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_up),
        cmocka_unit_test(test_one_down),
    };

    srv_codec_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
