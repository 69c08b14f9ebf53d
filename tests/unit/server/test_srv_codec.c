/* SPDX-License-Identifier: MIT
 * test_srv_codec.c - gavel.v1 decoding and reply encoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void test_fields_validated(void **state)
{
    static const struct {
        const char *in, *msg; /* msg: a substring of the invalid message, or NULL for success */
    } cases[] = {
        {"{\"type\":\"login\"}", "\"username\" is missing"},
        {"{\"type\":\"login\",\"username\":1,\"password\":\"x\"}", "\"username\" must be a string"},
        {"{\"type\":\"register\",\"username\":\"ab\",\"password\":\"12345678\"}", "\"username\""},
        {"{\"type\":\"register\",\"username\":\"a b\",\"password\":\"12345678\"}", "letters"},
        {"{\"type\":\"register\",\"username\":\"abc\",\"password\":\"1234567\"}", "\"password\""},
        {"{\"type\":\"register\",\"username\":\"abc\",\"password\":\"12345678\"}", NULL},
        {"{\"type\":\"problems.list\",\"page_size\":101}", "\"page_size\""},
        {"{\"type\":\"problems.list\",\"page\":1.5}", "\"page\""},
        {"{\"type\":\"problems.list\",\"sort\":\"weird\"}", "\"sort\" must be one of"},
        {"{\"type\":\"problems.list\",\"sort\":\"likes\",\"order\":\"desc\"}", NULL},
        {"{\"type\":\"problem.get\",\"slug\":\"Bad Slug\"}", "\"slug\""},
        {"{\"type\":\"problem.like\",\"slug\":\"a\",\"like\":1}", "\"like\" must be true or false"},
        {"{\"type\":\"submit\",\"problem\":\"a\",\"language\":\"rust\",\"source\":\"x\"}",
         "\"language\""},
        {"{\"type\":\"submit\",\"problem\":\"a\",\"language\":\"c\",\"source\":\"\"}",
         "\"source\" must not be empty"},
        {"{\"type\":\"submit\",\"problem\":\"a\",\"language\":\"c\",\"source\":\"x\",\"contest\":0}",
         "\"contest\""},
        {"{\"type\":\"submit\",\"problem\":\"a\",\"language\":\"c\",\"source\":\"x\"}", NULL},
        {"{\"type\":\"submission.get\"}", "\"submission\" is missing"},
        /* Only a number makes the deprecated form: a string id is the
         * client's own, and the submission is then missing. */
        {"{\"type\":\"submission.get\",\"id\":\"7\"}", "\"submission\" is missing"},
        {"{\"type\":\"submission.get\",\"id\":1.5}", "\"id\" must be an integer"},
        {"{\"type\":\"submission.get\",\"id\":1,\"submission\":\"42\"}",
         "\"submission\" must be an integer"},
        {"{\"type\":\"submission.get\",\"id\":1,\"submission\":null}",
         "\"submission\" must be an integer"},
        {"{\"type\":\"submission.get\",\"submission\":0}",
         "\"submission\" must be an integer from 1"},
        {"{\"type\":\"subscribe\",\"topic\":\"scoreboard\",\"id\":1}", "\"topic\""},
        {"{\"type\":\"subscribe\",\"topic\":\"contest\",\"submission\":3}",
         "\"contest\" is missing"},
        {"{\"type\":\"subscribe\",\"topic\":\"submission\",\"contest\":3}",
         "\"submission\" is missing"},
        {"{\"type\":\"resume\"}", "\"last_event_id\" is missing"},
        {"{\"type\":\"resume\",\"last_event_id\":\"12-x\"}", "\"last_event_id\" must be an event id"},
        {"{\"type\":\"resume\",\"last_event_id\":\"12-\"}", "\"last_event_id\""},
        {"{\"type\":\"resume\",\"last_event_id\":\"18446744073709551616\"}", "\"last_event_id\""},
        {"{\"type\":\"resume\",\"last_event_id\":\"18446744073709551615-7\"}", NULL},
        {"{\"type\":\"resume\",\"last_event_id\":\"1764100000000\"}", NULL},
        {"{\"type\":\"subscribe\",\"topic\":\"contests\"}", NULL},
        {"{\"type\":\"unsubscribe\",\"topic\":\"contests\"}", NULL},
        {"{\"type\":\"unsubscribe\",\"topic\":\"contest\"}", "\"contest\" is missing"},
        {"{\"type\":\"unsubscribe\",\"topic\":\"board\",\"contest\":3}", "\"topic\""},
        {"{\"type\":\"clar.ask\",\"contest\":3,\"text\":\"May n be 0?\"}", NULL},
        {"{\"type\":\"clar.ask\",\"contest\":3,\"problem\":\"A\",\"text\":\"?\"}", NULL},
        {"{\"type\":\"clar.ask\",\"contest\":3,\"problem\":\"ABCDE\",\"text\":\"?\"}",
         "\"problem\""},
        {"{\"type\":\"clar.ask\",\"contest\":3,\"text\":\"\"}", "\"text\""},
        {"{\"type\":\"clar.ask\",\"text\":\"x\"}", "\"contest\" is missing"},
        {"{\"type\":\"clar.answer\",\"clarification\":4,\"text\":\"No.\",\"public\":true}",
         NULL},
        {"{\"type\":\"clar.answer\",\"clarification\":4,\"text\":\"No.\",\"public\":1}",
         "\"public\" must be true or false"},
        {"{\"type\":\"clar.answer\",\"text\":\"No.\"}", "\"clarification\" is missing"},
        {"{\"type\":\"clar.broadcast\",\"contest\":3,\"text\":\"All: n >= 1.\"}", NULL},
        {"{\"type\":\"clar.list\",\"contest\":3}", NULL},
        {"{\"type\":\"clar.list\"}", "\"contest\" is missing"},
    };
    struct srv_request req;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int err = srv_codec_decode(&req, cases[i].in, strlen(cases[i].in));

        if (!cases[i].msg) {
            assert_int_equal(err, 0);
        } else {
            assert_int_equal(err, GV_EPARSE);
            assert_string_equal(req.err_code, SRV_ERR_INVALID);
            if (!strstr(req.err_message, cases[i].msg))
                fail_msg("%s: message '%s' lacks '%s'", cases[i].in, req.err_message, cases[i].msg);
        }
        srv_request_release(&req);
    }
}

/* submission.get and subscribe name their object in "submission" or
 * "contest", and "id" is the client's request id, as in every request. The
 * deprecated form names the object by a numeric "id" alone, which is then
 * the echoed id as well; with both, the named field is the object. */
static void test_object_named_or_by_id(void **state)
{
    static const struct {
        const char *in;
        enum srv_req_type type;
        int64_t submission, contest;
        const char *reply; /* the ok reply's echo of the id */
    } cases[] = {
        /* New form. */
        {"{\"type\":\"submission.get\",\"id\":\"c1\",\"submission\":42}", SRV_REQ_SUBMISSION_GET,
         42, 0, "\"c1\""},
        {"{\"type\":\"submission.get\",\"submission\":42}", SRV_REQ_SUBMISSION_GET, 42, 0, "null"},
        {"{\"type\":\"subscribe\",\"id\":\"s\",\"topic\":\"submission\",\"submission\":42}",
         SRV_REQ_SUBSCRIBE, 42, 0, "\"s\""},
        {"{\"type\":\"subscribe\",\"id\":\"t\",\"topic\":\"contest\",\"contest\":3}",
         SRV_REQ_SUBSCRIBE, 0, 3, "\"t\""},
        {"{\"type\":\"unsubscribe\",\"id\":\"u\",\"topic\":\"contest\",\"contest\":3}",
         SRV_REQ_UNSUBSCRIBE, 0, 3, "\"u\""},
        {"{\"type\":\"unsubscribe\",\"id\":\"v\",\"topic\":\"submission\",\"submission\":42}",
         SRV_REQ_UNSUBSCRIBE, 42, 0, "\"v\""},
        /* Deprecated form. */
        {"{\"type\":\"submission.get\",\"id\":42}", SRV_REQ_SUBMISSION_GET, 42, 0, "42"},
        {"{\"type\":\"subscribe\",\"topic\":\"submission\",\"id\":42}", SRV_REQ_SUBSCRIBE, 42, 0,
         "42"},
        {"{\"type\":\"subscribe\",\"topic\":\"contest\",\"id\":3}", SRV_REQ_SUBSCRIBE, 0, 3, "3"},
        /* Both: the named field is the object, "id" only the request's. */
        {"{\"type\":\"submission.get\",\"id\":7,\"submission\":42}", SRV_REQ_SUBMISSION_GET, 42, 0,
         "7"},
        {"{\"type\":\"subscribe\",\"id\":7,\"topic\":\"submission\",\"submission\":42}",
         SRV_REQ_SUBSCRIBE, 42, 0, "7"},
        {"{\"type\":\"subscribe\",\"id\":7,\"topic\":\"contest\",\"contest\":3}", SRV_REQ_SUBSCRIBE,
         0, 3, "7"},
    };
    struct srv_request req;
    char want[64], *out = NULL;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        decode(&req, cases[i].in, 0, NULL);
        assert_int_equal(req.type, cases[i].type);
        assert_int_equal(req.p.submission_id, cases[i].submission);
        assert_int_equal(req.p.contest_id, cases[i].contest);
        if (req.type == SRV_REQ_SUBSCRIBE)
            assert_int_equal(req.p.topic,
                             cases[i].contest ? SRV_TOPIC_CONTEST : SRV_TOPIC_SUBMISSION);
        assert_int_equal(srv_codec_ok(&out, &len, req.id, NULL), 0);
        snprintf(want, sizeof(want), "{\"type\":\"ok\",\"id\":%s,\"data\":{}}", cases[i].reply);
        assert_string_equal(out, want);
        gv_free(out);
        srv_request_release(&req);
    }
}

/* The organizers' requests: their fields, and that every one of them
 * needs a login (the role itself is checked on the job thread). */
static void test_org_requests(void **state)
{
    static const struct {
        const char *in, *code, *msg; /* code NULL: decodes */
    } cases[] = {
        {"{\"type\":\"contest.create\"}", SRV_ERR_INVALID, "\"definition\" is missing"},
        {"{\"type\":\"contest.create\",\"definition\":\"\"}", SRV_ERR_INVALID,
         "\"definition\" must not be empty"},
        {"{\"type\":\"contest.create\",\"definition\":7}", SRV_ERR_INVALID,
         "\"definition\" must be a string"},
        {"{\"type\":\"contest.create\",\"definition\":\"name: x\\n\"}", NULL, NULL},
        {"{\"type\":\"contest.update\",\"definition\":\"x\"}", SRV_ERR_INVALID,
         "\"contest\" is missing"},
        {"{\"type\":\"contest.update\",\"contest\":3}", SRV_ERR_INVALID,
         "\"definition\" is missing"},
        {"{\"type\":\"contest.update\",\"contest\":3,\"definition\":\"x\",\"force\":1}",
         SRV_ERR_INVALID, "\"force\" must be true or false"},
        {"{\"type\":\"contest.update\",\"contest\":3,\"definition\":\"x\",\"force\":true}",
         NULL, NULL},
        {"{\"type\":\"contest.definition\",\"contest\":0}", SRV_ERR_INVALID, "\"contest\""},
        {"{\"type\":\"contest.definition\",\"contest\":\"weekly-1\"}", SRV_ERR_INVALID,
         "\"contest\" must be an integer"},
        {"{\"type\":\"contest.definition\",\"contest\":3}", NULL, NULL},
        {"{\"type\":\"contest.unfreeze\"}", SRV_ERR_INVALID, "\"contest\" is missing"},
        {"{\"type\":\"contest.unfreeze\",\"contest\":3}", NULL, NULL},
        {"{\"type\":\"user.set\",\"role\":\"admin\"}", SRV_ERR_INVALID, "\"username\" is missing"},
        {"{\"type\":\"user.set\",\"username\":\"a b\",\"role\":\"admin\"}", SRV_ERR_INVALID,
         "\"username\" may contain only"},
        {"{\"type\":\"user.set\",\"username\":\"alice\"}", SRV_ERR_INVALID,
         "\"role\" or \"tier\" is needed"},
        {"{\"type\":\"user.set\",\"username\":\"alice\",\"role\":\"root\"}", SRV_ERR_INVALID,
         "\"role\" must be one of contestant, jury, organizer, admin"},
        {"{\"type\":\"user.set\",\"username\":\"alice\",\"tier\":\"gold\"}", SRV_ERR_INVALID,
         "\"tier\" must be one of free, paid"},
        {"{\"type\":\"user.set\",\"username\":\"alice\",\"role\":\"jury\"}", NULL, NULL},
        {"{\"type\":\"user.set\",\"username\":\"alice\",\"tier\":\"paid\"}", NULL, NULL},
        {"{\"type\":\"users.list\",\"page\":0}", SRV_ERR_INVALID, "\"page\""},
        {"{\"type\":\"users.list\"}", NULL, NULL},
        {"{\"type\":\"ops.status\"}", NULL, NULL},
    };
    struct srv_request req;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int err = srv_codec_decode(&req, cases[i].in, strlen(cases[i].in));

        if (!cases[i].code) {
            if (err != 0)
                fail_msg("%s: %s", cases[i].in, req.err_message);
            assert_true(srv_request_needs_user(&req));
        } else {
            assert_int_equal(err, GV_EPARSE);
            assert_string_equal(req.err_code, cases[i].code);
            if (!strstr(req.err_message, cases[i].msg))
                fail_msg("%s: message '%s' lacks '%s'", cases[i].in, req.err_message, cases[i].msg);
        }
        srv_request_release(&req);
    }

    decode(&req,
           "{\"type\":\"contest.update\",\"id\":\"u\",\"contest\":3,\"definition\":\"name: x\\n\"}",
           0, NULL);
    assert_int_equal(req.type, SRV_REQ_CONTEST_UPDATE);
    assert_int_equal(req.p.contest_id, 3);
    assert_string_equal(req.p.definition, "name: x\n");
    assert_int_equal(req.p.definition_len, 8);
    assert_false(req.p.force);
    srv_request_release(&req);
    decode(&req, "{\"type\":\"user.set\",\"username\":\"Alice\",\"role\":\"jury\",\"tier\":null}",
           0, NULL);
    assert_string_equal(req.p.username, "Alice");
    assert_string_equal(req.p.role, "jury");
    assert_null(req.p.tier);
    srv_request_release(&req);
    decode(&req, "{\"type\":\"users.list\",\"page\":3}", 0, NULL);
    assert_int_equal(req.p.page, 3);
    srv_request_release(&req);
}

/* A definition over SRV_DEFINITION_MAX inside a message under SRV_MSG_MAX is
 * too_large, like a message over the limit, not invalid. */
static void test_definition_size(void **state)
{
    static const char head[] = "{\"type\":\"contest.create\",\"definition\":\"";
    size_t h = sizeof(head) - 1;
    char *text = gv_malloc(h + SRV_DEFINITION_MAX + 4);
    struct srv_request req;

    (void)state;
    assert_non_null(text);
    memcpy(text, head, h);
    memset(text + h, 'x', SRV_DEFINITION_MAX + 1);
    memcpy(text + h + SRV_DEFINITION_MAX + 1, "\"}", 3);
    assert_true(h + SRV_DEFINITION_MAX + 3 <= SRV_MSG_MAX);
    decode(&req, text, GV_EPARSE, SRV_ERR_TOO_LARGE);
    srv_request_release(&req);
    /* One byte less fits. */
    memcpy(text + h + SRV_DEFINITION_MAX, "\"}", 3);
    decode(&req, text, 0, NULL);
    assert_int_equal(req.p.definition_len, SRV_DEFINITION_MAX);
    srv_request_release(&req);
    gv_free(text);
}

static void test_ok_and_retry_replies(void **state)
{
    char *out = NULL;
    size_t len;

    (void)state;
    assert_int_equal(srv_codec_ok(&out, &len, NULL, "{\"a\":1}"), 0);
    assert_string_equal(out, "{\"type\":\"ok\",\"id\":null,\"data\":{\"a\":1}}");
    gv_free(out);
    assert_int_equal(srv_codec_error_retry(&out, &len, NULL, SRV_ERR_RATE_LIMITED, "slow", 1500), 0);
    assert_string_equal(out, "{\"type\":\"error\",\"id\":null,\"code\":\"rate_limited\","
                             "\"message\":\"slow\",\"retry_after_ms\":1500}");
    gv_free(out);
    /* The HTTP API's body: the message escaped as JSON, quotes and all. */
    assert_int_equal(srv_codec_http_error(&out, &len, SRV_ERR_INVALID, "\"page\" \\ 1", -1), 0);
    assert_string_equal(out, "{\"code\":\"invalid\",\"message\":\"\\\"page\\\" \\\\ 1\"}");
    assert_int_equal(len, strlen(out));
    gv_free(out);
    assert_int_equal(srv_codec_http_error(&out, &len, SRV_ERR_RATE_LIMITED, "slow", 1500), 0);
    assert_string_equal(out,
                        "{\"code\":\"rate_limited\",\"message\":\"slow\",\"retry_after_ms\":1500}");
    gv_free(out);
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
        cmocka_unit_test(test_fields_validated),
        cmocka_unit_test(test_object_named_or_by_id),
        cmocka_unit_test(test_ok_and_retry_replies),
        cmocka_unit_test(test_org_requests),
        cmocka_unit_test(test_definition_size),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
