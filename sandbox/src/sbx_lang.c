/* SPDX-License-Identifier: MIT
 * sbx_lang.c - what the sandbox adds to a language of the table (gv_lang.h):
 * the seccomp profile its programs run under, the compiler's limits, and
 * its command lines with the table's placeholders filled in.
 *
 * The table's commands name absolute paths: the box has no PATH search
 * worth trusting and the toolchain must be the Debian one the slot
 * bind-mounts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gv_err.h"
#include "sbx.h"
#include "banned.h"

/* A runtime without a profile of its own needs one in sbx_seccomp.c first;
 * -Wswitch points here when gv_lang.h gains one. */
enum sbx_profile sbx_lang_profile(const struct gv_lang *lang)
{
    switch (lang->runtime) {
    case GV_LANG_PYTHON:
        return SBX_PROFILE_PYTHON;
    case GV_LANG_JVM:
        return SBX_PROFILE_JAVA;
    case GV_LANG_NATIVE:
        break;
    }
    return SBX_PROFILE_NATIVE;
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

void sbx_lang_compile_limits(struct sbx_limits *l, const struct gv_lang *lang)
{
    int jvm = lang->runtime == GV_LANG_JVM;

    /* Every field is set, so nothing of the run's limits (callers start
     * from a copy of the run job) carries over. javac is a JVM: it needs
     * threads, heap and time a C compiler does not. Generous, but bounded:
     * #include "/dev/urandom" ends here. */
    l->cpu_ms = jvm ? 20000 : 10000;
    l->wall_ms = jvm ? 30000 : 20000;
    l->memory_bytes = (jvm ? 1024ll : 512ll) << 20;
    l->output_bytes = 4 << 20;
    l->fsize_bytes = 64 << 20;
    l->pids = jvm ? 256 : 64;
    l->nofile = 256;
}

/* The values of the table's placeholders for one source. */
struct fill {
    const char *src_name; /* NULL while src_name itself is being filled in */
    const char *src;
    size_t src_len;
    char cls[128]; /* "" until a template asks for {class} */
    long long heap_mb, stack_mb;
};

/* The value of placeholder `name` (`n` bytes), numbers formatted into
 * `num`; NULL for a placeholder that is not known here. */
static const char *fill_value(struct fill *f, const char *name, size_t n, char *num, size_t num_len)
{
    if (n == 3 && !memcmp(name, "src", 3))
        return f->src_name;
    if (n == 5 && !memcmp(name, "class", 5)) {
        /* A source without a class is javac's to report: "Main" gets the
         * file written and the compile error shown. */
        if (!f->cls[0] && java_class(f->cls, sizeof(f->cls), f->src, f->src_len) < 0)
            snprintf(f->cls, sizeof(f->cls), "Main");
        return f->cls;
    }
    if ((n == 7 && !memcmp(name, "heap_mb", 7)) || (n == 8 && !memcmp(name, "stack_mb", 8))) {
        snprintf(num, num_len, "%lld", n == 7 ? f->heap_mb : f->stack_mb);
        return num;
    }
    return NULL;
}

/* Points *dst at `tmpl` with its placeholders filled in: `tmpl` itself when
 * it has none, else a copy appended to out->store at *used. */
static int fill_in(const char **dst, struct sbx_lang_cmds *out, size_t *used, const char *tmpl,
                   struct fill *f)
{
    char *start = out->store + *used, num[24];
    size_t left = sizeof(out->store) - *used, n = 0;

    if (!strchr(tmpl, '{')) {
        *dst = tmpl;
        return 0;
    }
    for (const char *t = tmpl; *t;) {
        const char *piece = t, *close;
        size_t k;

        if (*t == '{') {
            close = strchr(t, '}');
            piece = close ? fill_value(f, t + 1, (size_t)(close - t - 1), num, sizeof(num)) : NULL;
            if (!piece)
                return GV_EINVAL; /* the table is wrong, not the source */
            k = strlen(piece);
            t = close + 1;
        } else {
            k = strcspn(t, "{");
            t += k;
        }
        if (n + k >= left)
            return GV_ETOOBIG;
        /* A value may be an earlier string of out->store; it ends before
         * `start`, so the copy never overlaps. */
        memcpy(start + n, piece, k);
        n += k;
    }
    start[n] = '\0';
    *used += n + 1;
    *dst = start;
    return 0;
}

static int fill_argv(const char **argv, const char *const *tmpl, struct sbx_lang_cmds *out,
                     size_t *used, struct fill *f)
{
    size_t i;
    int err;

    for (i = 0; i < GV_LANG_ARGV_MAX && tmpl[i]; i++) {
        if (i == GV_LANG_ARGV_MAX - 1)
            return GV_ETOOBIG; /* no room left for the NULL */
        err = fill_in(&argv[i], out, used, tmpl[i], f);
        if (err < 0)
            return err;
    }
    argv[i] = NULL;
    return 0;
}

int sbx_lang_cmds(struct sbx_lang_cmds *out, const struct gv_lang *lang, const char *src,
                  size_t src_len, const struct sbx_limits *run_limits)
{
    /* The heap leaves the JVM's own memory (code, metaspace, threads) room
     * under the cgroup limit; stacks are large because contest solutions
     * recurse deeply. */
    long long mb = (long long)(run_limits->memory_bytes >> 20);
    long long heap = mb >= 160 ? mb - 64 : mb / 2, stack = mb / 2 < 256 ? mb / 2 : 256;
    struct fill f = {.src = src,
                     .src_len = src_len,
                     .heap_mb = heap < 16 ? 16 : heap,
                     .stack_mb = stack < 8 ? 8 : stack};
    size_t used = 0;
    int err;

    memset(out, 0, sizeof(*out));
    err = fill_in(&out->src_name, out, &used, lang->src_name, &f);
    if (err < 0)
        return err;
    f.src_name = out->src_name;
    err = fill_argv(out->compile, lang->compile, out, &used, &f);
    if (err == 0)
        err = fill_argv(out->run, lang->run, out, &used, &f);
    return err;
}
