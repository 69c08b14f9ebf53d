/* test_srv_codec.c - gavel.v1 decoding and reply encoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_codec.h"
#include "banned.h"

static int setup(void **state)
{
    srv_codec_init();
    return 0;
}

/* Decodes `text`, expecting `want_err`; on a GV_EPARSE, the error code. */
static void decode(struct srv_request *req, const char *text, int want_err, const char *want_code)
{
    int err = srv_codec_decode(req, text, strlen(text));

    assert_int_equal(err, want_err);
    if (want_code)
        assert_string_equal(req->err_code, want_code);
}

/* Builds the reply the server would send and compares it with `want`. */
static void expect_reply(struct srv_request *req, const char *want)
{
    char *out = NULL;
    size_t len = 0;

    if (req->err_code)
        assert_int_equal(srv_codec_error(&out, &len, req->id, req->err_code, req->err_message), 0);
    else
        assert_int_equal(srv_codec_pong(&out, &len, req->id), 0);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    gv_free(out);
}

static void test_ping_echoes_scalar_ids(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{\"type\":\"ping\",\"id\":7}", "{\"type\":\"pong\",\"id\":7}"},
        {"{\"id\":\"abc\",\"type\":\"ping\"}", "{\"type\":\"pong\",\"id\":\"abc\"}"},
        {"{\"type\":\"ping\",\"id\":null}", "{\"type\":\"pong\",\"id\":null}"},
        {"{\"type\":\"ping\",\"id\":true}", "{\"type\":\"pong\",\"id\":true}"},
        {"{\"type\":\"ping\",\"id\":-2.5}", "{\"type\":\"pong\",\"id\":-2.5}"},
        {"{\"type\":\"ping\",\"id\":9007199254740992}",
         "{\"type\":\"pong\",\"id\":9007199254740992}"},
        {"{\"type\":\"ping\",\"id\":0.1}", "{\"type\":\"pong\",\"id\":0.1}"},
        {"{\"type\":\"ping\",\"id\":1e300}", "{\"type\":\"pong\",\"id\":1e+300}"},
        {"{\"type\":\"ping\",\"id\":1e999}", "{\"type\":\"pong\",\"id\":null}"},
        {" \n{\"type\":\"ping\"} \r\n", "{\"type\":\"pong\",\"id\":null}"},
        {"{\"type\":\"ping\",\"id\":\"\\u00e9\\\"\"}",
         "{\"type\":\"pong\",\"id\":\"\xc3\xa9\\\"\"}"},
    };
    struct srv_request req;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        decode(&req, cases[i].in, 0, NULL);
        assert_int_equal(req.type, SRV_REQ_PING);
        expect_reply(&req, cases[i].out);
        srv_request_release(&req);
    }
}

static void test_malformed_is_bad_request(void **state)
{
    static const char *const cases[] = {
        "",      "   ", "{",        "not json", "{\"type\":\"ping\",}", "{} x", "{}{}",
        "[1,2]", "42",  "\"ping\"", "null",
    };
    struct srv_request req;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        decode(&req, cases[i], GV_EPARSE, SRV_ERR_BAD_REQUEST);
        assert_null(req.id);
        assert_int_equal(req.type, SRV_REQ_NONE);
        assert_true(req.err_message[0] != '\0');
        srv_request_release(&req);
    }
}

static void test_type_rules(void **state)
{
    struct srv_request req;

    decode(&req, "{\"id\":3}", GV_EPARSE, SRV_ERR_BAD_REQUEST);
    assert_string_equal(req.err_message, "missing \"type\"");
    /* The id is known, so the error reply carries it. */
    expect_reply(&req, "{\"type\":\"error\",\"id\":3,\"code\":\"bad_request\","
                       "\"message\":\"missing \\\"type\\\"\"}");
    srv_request_release(&req);

    decode(&req, "{\"type\":5,\"id\":\"x\"}", GV_EPARSE, SRV_ERR_BAD_REQUEST);
    assert_string_equal(req.id->valuestring, "x");
    srv_request_release(&req);

    decode(&req, "{\"type\":\"Ping\",\"id\":1}", GV_EPARSE, SRV_ERR_UNKNOWN_TYPE);
    expect_reply(&req, "{\"type\":\"error\",\"id\":1,\"code\":\"unknown_type\","
                       "\"message\":\"unknown message type 'Ping'\"}");
    srv_request_release(&req);
}

static void test_id_must_be_scalar(void **state)
{
    struct srv_request req;

    decode(&req, "{\"type\":\"ping\",\"id\":{\"a\":1}}", GV_EPARSE, SRV_ERR_BAD_REQUEST);
    assert_null(req.id);
    srv_request_release(&req);
    decode(&req, "{\"type\":\"ping\",\"id\":[1]}", GV_EPARSE, SRV_ERR_BAD_REQUEST);
    assert_null(req.id);
    srv_request_release(&req);
}

static void test_oversized_message(void **state)
{
    size_t len = SRV_MSG_MAX + 1;
    char *big = gv_malloc(len);
    struct srv_request req;

    assert_non_null(big);
    memset(big, ' ', len);
    assert_int_equal(srv_codec_decode(&req, big, len), GV_EPARSE);
    assert_string_equal(req.err_code, SRV_ERR_TOO_LARGE);
    srv_request_release(&req);
    gv_free(big);
}

static void test_not_nul_terminated(void **state)
{
    /* The frame is exactly the bytes given: what follows must not be read. */
    const char buf[] = "{\"type\":\"ping\",\"id\":1}GARBAGE";
    struct srv_request req;

    assert_int_equal(srv_codec_decode(&req, buf, strlen("{\"type\":\"ping\",\"id\":1}")), 0);
    srv_request_release(&req);
}

static void test_allocation_failures(void **state)
{
    const char *msg = "{\"type\":\"ping\",\"id\":\"some id\"}";
    struct srv_request req;
    char *out;
    size_t len;

    /* Every allocation in turn fails; each call must fail cleanly (the test
     * runs under ASan/LSan in CI, which catches a leak on any path). */
    for (long n = 1; n < 40; n++) {
        int err;

        gv_alloc_fail_after(n);
        err = srv_codec_decode(&req, msg, strlen(msg));
        if (err == 0) {
            err = srv_codec_pong(&out, &len, req.id);
            if (err == 0)
                gv_free(out);
            else
                assert_int_equal(err, -ENOMEM);
        }
        srv_request_release(&req);
        out = NULL;
        err = srv_codec_error(&out, &len, NULL, SRV_ERR_BAD_REQUEST, "m");
        if (err == 0)
            gv_free(out);
        else
            assert_int_equal(err, -ENOMEM);
        gv_alloc_fail_reset();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_echoes_scalar_ids),
        cmocka_unit_test(test_malformed_is_bad_request),
        cmocka_unit_test(test_type_rules),
        cmocka_unit_test(test_id_must_be_scalar),
        cmocka_unit_test(test_oversized_message),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_allocation_failures),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
