/* SPDX-License-Identifier: MIT
 * gv_lang.c - the language table (see gv_lang.h).
 *
 * The toolchains are Debian 12's, at fixed absolute paths: the sandbox
 * bind-mounts the host's /usr read-only and searches no PATH, so these
 * paths and the versions named in `toolchain` change together with the
 * judge hosts' packages (scripts/install-deps).
 *
 * Adding a language is more than a row here:
 *   - a migration that extends the submission_language enum (ALTER TYPE
 *     ... ADD VALUE), or the database refuses its submissions;
 *   - a gv_lang_runtime the sandbox knows (sbx_lang.c maps it to a seccomp
 *     profile and compile limits), or a new one there and in sbx_seccomp.c;
 *   - the web client's list (web-client/js/views.js, LANGUAGES);
 *   - the toolchain in scripts/install-deps and docs/SANDBOX.md. */
#include "gv_lang.h"

#include <stdio.h>
#include <string.h>

#include "gv_err.h"
#include "banned.h"

#define JDK "/usr/lib/jvm/default-java/bin/"

static const struct gv_lang langs[] = {
    {
        .id = "c",
        .name = "C",
        .toolchain = "gcc 12, -std=gnu17",
        .exts = {".c"},
        .src_name = "main.c",
        .runtime = GV_LANG_NATIVE,
        .compile = {"/usr/bin/gcc", "-O2", "-std=gnu17", "-o", "/box/main", "/box/{src}", "-lm"},
        .run = {"/box/main"},
    },
    {
        .id = "cpp",
        .name = "C++",
        .toolchain = "g++ 12, -std=gnu++20",
        /* The endings gcc itself takes for C++. */
        .exts = {".cpp", ".cc", ".cxx", ".c++", ".C"},
        .src_name = "main.cpp",
        .runtime = GV_LANG_NATIVE,
        .compile = {"/usr/bin/g++", "-O2", "-std=gnu++20", "-o", "/box/main", "/box/{src}", "-lm"},
        .run = {"/box/main"},
    },
    {
        .id = "python",
        .name = "Python",
        .toolchain = "CPython 3.11",
        .exts = {".py"},
        .src_name = "main.py",
        .runtime = GV_LANG_PYTHON,
        /* Byte-compiling reports a syntax error as a compile error, before
         * any test runs. */
        .compile = {"/usr/bin/python3", "-m", "py_compile", "/box/{src}"},
        .run = {"/usr/bin/python3", "/box/{src}"},
    },
    {
        .id = "java",
        .name = "Java",
        .toolchain = "OpenJDK 17",
        .exts = {".java"},
        /* javac insists that a public class live in a file of its name. */
        .src_name = "{class}.java",
        .runtime = GV_LANG_JVM,
        /* One compiler thread and no perf file: javac is a JVM too, and
         * runs under the compiler's task and memory limits. */
        .compile = {JDK "javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
                    "-J-XX:-UsePerfData", "-J-Xmx512m", "-encoding", "UTF-8", "-d", "/box",
                    "/box/{src}"},
        .run = {JDK "java", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=4",
                "-Xmx{heap_mb}m", "-Xss{stack_mb}m", "-cp", "/box", "{class}"},
    },
};

#define NLANGS (sizeof(langs) / sizeof(langs[0]))

const struct gv_lang *gv_lang_find(const char *id)
{
    for (size_t i = 0; id && i < NLANGS; i++) {
        if (!strcmp(langs[i].id, id))
            return &langs[i];
    }
    return NULL;
}

const struct gv_lang *gv_lang_for_path(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        return NULL;
    for (size_t i = 0; i < NLANGS; i++) {
        for (size_t e = 0; e < GV_LANG_EXTS_MAX && langs[i].exts[e]; e++) {
            if (!strcmp(dot, langs[i].exts[e]))
                return &langs[i];
        }
    }
    return NULL;
}

const struct gv_lang *gv_lang_at(size_t i)
{
    return i < NLANGS ? &langs[i] : NULL;
}

int gv_lang_ids(char *out, size_t len, const char *sep)
{
    size_t n = 0;

    if (!len)
        return GV_ETOOBIG;
    out[0] = '\0';
    for (size_t i = 0; i < NLANGS; i++) {
        int k = snprintf(out + n, len - n, "%s%s", i ? sep : "", langs[i].id);

        if (k < 0 || (size_t)k >= len - n)
            return GV_ETOOBIG;
        n += (size_t)k;
    }
    return 0;
}
