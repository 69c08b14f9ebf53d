/* SPDX-License-Identifier: MIT
 * sbx_lang.c - how each language is compiled and run inside a slot.
 *
 * Paths are absolute and fixed: the box has no PATH search worth trusting
 * and the toolchain must be the Debian one the slot bind-mounts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gv_err.h"
#include "sbx.h"
#include "banned.h"

#define JDK "/usr/lib/jvm/default-java/bin/"

static const struct sbx_lang langs[] = {
    {"c", "main.c", SBX_PROFILE_NATIVE, "/usr/bin/gcc"},
    {"cpp", "main.cpp", SBX_PROFILE_NATIVE, "/usr/bin/g++"},
    {"python", "main.py", SBX_PROFILE_PYTHON, "/usr/bin/python3"},
    {"java", NULL, SBX_PROFILE_JAVA, JDK "javac"},
};

const struct sbx_lang *sbx_lang_find(const char *name)
{
    for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
        if (!strcmp(langs[i].name, name))
            return &langs[i];
    }
    return NULL;
}

static int ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '$';
}

/* The class that holds main: the public top-level class if there is one
 * (javac insists the file be named after it), else the first class. A
 * light scan that skips comments and string literals; javac has the last
 * word and reports CE if we guessed wrong. */
static int java_class(char *out, size_t out_len, const char *src, size_t len)
{
    int saw_public = 0, found = 0;
    char first[128] = "";

    for (size_t i = 0; i < len;) {
        if (src[i] == '/' && i + 1 < len && src[i + 1] == '/') {
            while (i < len && src[i] != '\n')
                i++;
        } else if (src[i] == '/' && i + 1 < len && src[i + 1] == '*') {
            i += 2;
            while (i + 1 < len && !(src[i] == '*' && src[i + 1] == '/'))
                i++;
            i += 2;
        } else if (src[i] == '"' || src[i] == '\'') {
            char q = src[i++];
            while (i < len && src[i] != q) {
                if (src[i] == '\\')
                    i++;
                i++;
            }
            i++;
        } else if (ident_char((unsigned char)src[i])) {
            size_t s = i;
            while (i < len && ident_char((unsigned char)src[i]))
                i++;
            size_t n = i - s;
            if (n == 6 && !memcmp(src + s, "public", 6)) {
                saw_public = 1;
            } else if ((n == 5 && !memcmp(src + s, "class", 5)) ||
                       (n == 6 && !memcmp(src + s, "record", 6)) ||
                       (n == 4 && !memcmp(src + s, "enum", 4)) ||
                       (n == 9 && !memcmp(src + s, "interface", 9))) {
                while (i < len && isspace((unsigned char)src[i]))
                    i++;
                size_t ns = i;
                while (i < len && ident_char((unsigned char)src[i]))
                    i++;
                if (i > ns && i - ns < sizeof(first)) {
                    if (!first[0])
                        snprintf(first, sizeof(first), "%.*s", (int)(i - ns), src + ns);
                    if (saw_public) {
                        snprintf(out, out_len, "%.*s", (int)(i - ns), src + ns);
                        found = 1;
                        break;
                    }
                }
                saw_public = 0;
            } else if (!(n == 5 && !memcmp(src + s, "final", 5)) &&
                       !(n == 8 && !memcmp(src + s, "abstract", 8)) &&
                       !(n == 6 && !memcmp(src + s, "static", 6)) &&
                       !(n == 8 && !memcmp(src + s, "strictfp", 8))) {
                saw_public = 0;
            }
        } else if (src[i] == '{') {
            /* Only top-level declarations: skip the body. */
            int depth = 0;
            saw_public = 0;
            while (i < len) {
                if (src[i] == '{')
                    depth++;
                else if (src[i] == '}' && --depth == 0)
                    break;
                else if (src[i] == '"' || src[i] == '\'') {
                    char q = src[i++];
                    while (i < len && src[i] != q) {
                        if (src[i] == '\\')
                            i++;
                        i++;
                    }
                } else if (src[i] == '/' && i + 1 < len && src[i + 1] == '/') {
                    while (i < len && src[i] != '\n')
                        i++;
                    continue;
                } else if (src[i] == '/' && i + 1 < len && src[i + 1] == '*') {
                    i += 2;
                    while (i + 1 < len && !(src[i] == '*' && src[i + 1] == '/'))
                        i++;
                }
                i++;
            }
            i++;
        } else {
            i++;
        }
    }
    if (!found) {
        if (!first[0])
            return GV_EPARSE;
        snprintf(out, out_len, "%s", first);
    }
    return 0;
}

void sbx_lang_compile_limits(struct sbx_limits *l, const struct sbx_lang *lang)
{
    int java = !strcmp(lang->name, "java");

    /* Every field set here (no sbx_limits_init): sbx_lang.c stays free of
     * the slot code, so the package fuzzer can link it alone. */
    /* javac is a JVM: it needs threads, heap and time a C compiler does
     * not. Generous, but bounded: #include "/dev/urandom" ends here. */
    l->cpu_ms = java ? 20000 : 10000;
    l->wall_ms = java ? 30000 : 20000;
    l->memory_bytes = (java ? 1024ll : 512ll) << 20;
    l->output_bytes = 4 << 20;
    l->fsize_bytes = 64 << 20;
    l->pids = java ? 256 : 64;
    l->nofile = 256;
}

int sbx_lang_cmds(struct sbx_lang_cmds *out, const struct sbx_lang *lang, const char *src,
                  size_t src_len, const struct sbx_limits *run_limits)
{
    char cls[128];
    char *p = out->store;
    size_t left = sizeof(out->store);
    int n, err;

/* Arguments may be strings stored earlier in out->store; they always lie
 * before `p`, so they never overlap the bytes being written. GCC's -O2
 * analysis cannot see that and warns. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#define STORE(...)                                                                                 \
    ({                                                                                             \
        char *s_ = p;                                                                              \
        n = snprintf(p, left, __VA_ARGS__);                                                        \
        if (n < 0 || (size_t)n >= left)                                                            \
            return GV_ETOOBIG;                                                                     \
        p += n + 1;                                                                                \
        left -= (size_t)n + 1;                                                                     \
        s_;                                                                                        \
    })

    memset(out->compile, 0, sizeof(out->compile));
    memset(out->run, 0, sizeof(out->run));
    if (!strcmp(lang->name, "c") || !strcmp(lang->name, "cpp")) {
        int c = lang->name[1] == '\0';
        out->src_name = lang->src_name;
        const char *cc[] = {c ? "/usr/bin/gcc" : "/usr/bin/g++",
                            "-O2",
                            c ? "-std=gnu17" : "-std=gnu++20",
                            "-o",
                            "/box/main",
                            c ? "/box/main.c" : "/box/main.cpp",
                            "-lm",
                            NULL};
        memcpy(out->compile, cc, sizeof(cc));
        out->run[0] = "/box/main";
        return 0;
    }
    if (!strcmp(lang->name, "python")) {
        out->src_name = lang->src_name;
        const char *cc[] = {"/usr/bin/python3", "-m", "py_compile", "/box/main.py", NULL};
        memcpy(out->compile, cc, sizeof(cc));
        out->run[0] = "/usr/bin/python3";
        out->run[1] = "/box/main.py";
        return 0;
    }
    /* java */
    err = java_class(cls, sizeof(cls), src, src_len);
    if (err < 0)
        snprintf(cls, sizeof(cls), "Main");
    int64_t mb = run_limits->memory_bytes >> 20;
    int64_t heap = mb >= 160 ? mb - 64 : mb / 2;
    int64_t stack = mb / 2 < 256 ? mb / 2 : 256;
    out->src_name = STORE("%s.java", cls);
    const char *cc[] = {JDK "javac",
                        "-J-XX:+UseSerialGC",
                        "-J-XX:TieredStopAtLevel=1",
                        "-J-XX:-UsePerfData",
                        "-J-Xmx512m",
                        "-encoding",
                        "UTF-8",
                        "-d",
                        "/box",
                        STORE("/box/%s", out->src_name),
                        NULL};
    memcpy(out->compile, cc, sizeof(cc));
    const char *rc[] = {JDK "java",
                        "-XX:+UseSerialGC",
                        "-XX:-UsePerfData",
                        "-XX:TieredStopAtLevel=4",
                        STORE("-Xmx%lldm", (long long)(heap < 16 ? 16 : heap)),
                        STORE("-Xss%lldm", (long long)(stack < 8 ? 8 : stack)),
                        "-cp",
                        "/box",
                        STORE("%s", cls),
                        NULL};
    memcpy(out->run, rc, sizeof(rc));
#undef STORE
    return 0;
}
