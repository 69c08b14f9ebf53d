/* SPDX-License-Identifier: MIT
 * fuzz_jdg_check.c - the default checker never reads past either buffer,
 * answers AC or WA, accepts any file against itself, and keeps its message
 * inside the buffer it was given; the flags parser never overruns either.
 *
 * Input: a flags line ("float_tolerance 1e-6\n"), then one byte that says
 * where the rest splits into answer and output. Each part is copied into
 * a buffer of exactly its size, so ASan sees any overread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gv_err.h"
#include "jdg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *copy(const uint8_t *p, size_t n)
{
    char *c = malloc(n ? n : 1);

    if (c && n)
        memcpy(c, p, n);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    struct jdg_check_flags f;
    char flags[257], why[64];
    const uint8_t *rest = data;
    size_t rest_len = size, split, msg_len;
    char *answer = NULL, *output = NULL, *msg = NULL;
    int err;

    flags[0] = '\0';
    if (nl) {
        memcpy(flags, data, (size_t)(nl - data));
        flags[nl - data] = '\0';
        rest = nl + 1;
        rest_len = size - (size_t)(nl - data) - 1;
    }
    err = jdg_check_flags_parse(&f, flags, why, sizeof(why));
    if (err != 0 && err != GV_EPARSE)
        abort();
    if (!memchr(why, 0, sizeof(why)) || (err && !why[0]))
        abort();
    if (err)
        jdg_check_flags_init(&f);
    if (!rest_len)
        return 0;
    split = (size_t)rest[0] * (rest_len - 1) / 255;
    msg_len = (size_t)(rest[0] % 64) + 1;
    answer = copy(rest + 1, split);
    output = copy(rest + 1 + split, rest_len - 1 - split);
    msg = malloc(msg_len);
    if (answer && output && msg) {
        enum jdg_verdict v =
            jdg_check_default(&f, answer, split, output, rest_len - 1 - split, msg, msg_len);

        if ((v != JDG_AC && v != JDG_WA) || !memchr(msg, 0, msg_len))
            abort();
        if (jdg_check_default(&f, answer, split, answer, split, msg, msg_len) != JDG_AC)
            abort();
        if (jdg_check_default(&f, output, rest_len - 1 - split, output, rest_len - 1 - split, msg,
                              msg_len) != JDG_AC)
            abort();
    }
    free(answer);
    free(output);
    free(msg);
    return 0;
}
