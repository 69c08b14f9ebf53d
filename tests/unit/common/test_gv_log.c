/* SPDX-License-Identifier: MIT
 * test_gv_log.c - GAVEL_LOG_FORMAT=json writes one JSON object per line
 * that a collector can parse whatever the message holds: quotes, control
 * characters, bytes that are not UTF-8, a message longer than a line. */
#include "../test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gv_log.h"

/* Runs one gv_log call with stderr sent to a file; returns the line. */
static char *logged(const char *subsystem, const char *msg)
{
    char path[] = "/tmp/test_gv_log.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    static char line[8192];
    FILE *f;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    gv_log(GV_LOG_WARN, subsystem, "%s", msg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    f = fdopen(fd, "r");
    assert_non_null(f);
    rewind(f);
    line[0] = '\0';
    assert_non_null(fgets(line, sizeof(line), f));
    assert_null(fgets(line + strlen(line), (int)(sizeof(line) - strlen(line)), f)); /* one line */
    fclose(f);
    unlink(path);
    return line;
}

static cJSON *parsed(const char *subsystem, const char *msg)
{
    char *line = logged(subsystem, msg);
    size_t n = strlen(line);
    cJSON *o;

    assert_true(n > 0 && line[n - 1] == '\n');
    o = cJSON_Parse(line);
    if (!o)
        fail_msg("not JSON: %s", line);
    return o;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static void json_lines_parse(void **state)
{
    cJSON *o;

    (void)state;
    o = parsed("proto", "cannot connect to \"db\": a\\b\n\tnext\x01 caf\xc3\xa9 \xff\xfe end");
    assert_string_equal(str(o, "level"), "warn");
    assert_string_equal(str(o, "program"), "test_gv_log");
    assert_string_equal(str(o, "subsystem"), "proto");
    /* Every byte kept or escaped; the stray bytes became U+FFFD. */
    assert_string_equal(str(o, "msg"), "cannot connect to \"db\": a\\b\n\tnext\x01 caf\xc3\xa9 "
                                       "\xef\xbf\xbd\xef\xbf\xbd end");
    assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(o, "pid")->valuedouble, (int)getpid());
    assert_true(strlen(str(o, "ts")) == 24 && str(o, "ts")[23] == 'Z');
    cJSON_Delete(o);
}

static void long_messages_stay_json(void **state)
{
    static char msg[5000];
    cJSON *o;

    (void)state;
    /* Quotes double in size when escaped: the cut must fall between
     * escapes and still close the object. */
    memset(msg, '"', sizeof(msg) - 1);
    o = parsed("x", msg);
    assert_true(strlen(str(o, "msg")) > 500);
    cJSON_Delete(o);
    memset(msg, 'a', sizeof(msg) - 1);
    o = parsed("x", msg);
    assert_true(strlen(str(o, "msg")) > 1000);
    cJSON_Delete(o);
}

static void text_stays_the_default(void **state)
{
    char *line;

    (void)state;
    unsetenv("GAVEL_LOG_FORMAT");
    gv_log_init("test_gv_log");
    line = logged("proto", "plain");
    assert_non_null(strstr(line, " test_gv_log["));
    assert_non_null(strstr(line, "] warn proto: plain\n"));
    setenv("GAVEL_LOG_FORMAT", "json", 1);
    gv_log_init("test_gv_log");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_lines_parse),
        cmocka_unit_test(long_messages_stay_json),
        cmocka_unit_test(text_stays_the_default),
    };

    setenv("GAVEL_LOG_FORMAT", "json", 1);
    gv_log_init("test_gv_log");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
