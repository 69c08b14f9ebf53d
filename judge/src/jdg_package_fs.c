/* SPDX-License-Identifier: MIT
 * jdg_package_fs.c - how the package reader reaches anything inside the
 * package, in one place so that the rules in jdg_package.c's header hold
 * for all of it: paths opened one component at a time with O_NOFOLLOW
 * below the package's directory, files read up to a ceiling, directories
 * listed in test order with their links refused; and the messages of the
 * refusals. */
#include "jdg_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

/* Entries of one directory, ignored files (.hint, .desc, images) included. */
#define DIR_ENTRIES_MAX 65536

int jdg__pkg_fail(struct jdg__pkg *k, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(k->msg, k->msg_len, fmt, ap);
    va_end(ap);
    return GV_EPARSE;
}

int jdg__pkg_fail_fs(struct jdg__pkg *k, const char *rel, size_t n, int err)
{
    int len = (int)(n < 4096 ? n : 4096);

    switch (err) {
    case -ENOMEM:
        jdg__pkg_fail(k, "%.*s: out of memory", len, rel);
        return -ENOMEM;
    case -ENOENT:
        return jdg__pkg_fail(k, "%.*s: missing", len, rel);
    case -ELOOP:
        return jdg__pkg_fail(k, "%.*s: is a symbolic link; links are refused in a package", len,
                             rel);
    case -ENOTDIR: {
        /* O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR; tell the jury
         * which it is. Only the message depends on this lstat. */
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%.*s", len, rel);
        if (fstatat(k->root, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return jdg__pkg_fail(k, "%s: is a symbolic link; links are refused in a package", path);
        return jdg__pkg_fail(k, "%s: is not a directory", path);
    }
    default:
        return jdg__pkg_fail(k, "%.*s: %s", len, rel, strerror(-err));
    }
}

int jdg__pkg_join(struct jdg__pkg *k, char *dst, size_t size, const char *a, const char *b)
{
    int r = snprintf(dst, size, "%s/%s", a, b);

    if (r < 0 || (size_t)r >= size)
        return jdg__pkg_fail(k, "%.200s/%.200s: path too long", a, b);
    return 0;
}

bool jdg__ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Opens `rel` under the package root one component at a time, each with
 * O_NOFOLLOW, so a link anywhere on the way fails with ELOOP instead of
 * leading outside the package. On failure *bad is the length of the prefix
 * of `rel` that failed. */
static int open_rel(struct jdg__pkg *k, const char *rel, int flags, size_t *bad)
{
    char path[4096];
    size_t len = strlen(rel);
    char *comp;
    int fd = k->root;

    if (len >= sizeof(path)) {
        *bad = len;
        return -ENAMETOOLONG;
    }
    memcpy(path, rel, len + 1);
    comp = path;
    for (;;) {
        char *slash = strchr(comp, '/');
        int next, e;

        if (slash)
            *slash = '\0';
        next = openat(fd, comp, O_CLOEXEC | O_NOFOLLOW | (slash ? O_RDONLY | O_DIRECTORY : flags));
        e = errno;
        if (fd != k->root)
            close(fd);
        if (next < 0) {
            *bad = slash ? (size_t)(slash - path) : len;
            return -e;
        }
        if (!slash)
            return next;
        fd = next;
        comp = slash + 1;
    }
}

int jdg__pkg_read_text(struct jdg__pkg *k, const char *rel, size_t max, char **out, size_t *out_len)
{
    struct stat st;
    size_t bad = 0, n = 0;
    char *buf = NULL;
    int fd, err = 0;

    *out = NULL;
    *out_len = 0;
    /* O_NONBLOCK: a FIFO planted in the package must not hang the import. */
    fd = open_rel(k, rel, O_RDONLY | O_NONBLOCK, &bad);
    if (fd == -ENOENT)
        return 1;
    if (fd < 0)
        return jdg__pkg_fail_fs(k, rel, bad, fd);
    if (fstat(fd, &st) < 0) {
        err = jdg__pkg_fail_fs(k, rel, strlen(rel), -errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = jdg__pkg_fail(k, "%s: is not a regular file", rel);
        goto out;
    }
    if ((unsigned long long)st.st_size > max) {
        err = jdg__pkg_fail(k, "%s: larger than the limit of %zu KiB", rel, max / 1024);
        goto out;
    }
    buf = gv_malloc((size_t)st.st_size + 1);
    if (!buf) {
        err = jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
        goto out;
    }
    /* Stop at the size fstat saw: a file growing under us stays bounded. */
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = jdg__pkg_fail_fs(k, rel, strlen(rel), -errno);
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    buf = NULL;
out:
    gv_free(buf);
    close(fd);
    return err;
}

static size_t key_len(const char *name)
{
    size_t n = strlen(name);

    if (jdg__ends_with(name, ".in"))
        return n - 3;
    if (jdg__ends_with(name, ".ans"))
        return n - 4;
    return n;
}

/* Kattis orders tests and groups by base name, so "1" < "1-a" < "2" even
 * though "1-a.in" < "1.in" bytewise; ties keep x, x.ans, x.in adjacent. */
static int ent_cmp(const void *x, const void *y)
{
    const struct jdg__ent *a = x, *b = y;
    size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = memcmp(a->name, b->name, n);

    if (c)
        return c;
    if (a->keylen != b->keylen)
        return a->keylen < b->keylen ? -1 : 1;
    return strcmp(a->name, b->name);
}

void jdg__ents_free(struct jdg__ent *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gv_free(e[i].name);
    gv_free(e);
}

int jdg__pkg_list_dir(struct jdg__pkg *k, const char *rel, struct jdg__ent **out, size_t *out_n)
{
    struct jdg__ent *e = NULL;
    size_t n = 0, cap = 0, bad = 0;
    struct dirent *de;
    DIR *d;
    int fd, err = 0;

    *out = NULL;
    *out_n = 0;
    fd = open_rel(k, rel, O_RDONLY | O_DIRECTORY, &bad);
    if (fd == -ENOENT)
        return 1;
    if (fd < 0)
        return jdg__pkg_fail_fs(k, rel, bad, fd);
    d = fdopendir(fd);
    if (!d) {
        err = jdg__pkg_fail_fs(k, rel, strlen(rel), -errno);
        close(fd);
        return err;
    }
    for (;;) {
        struct stat st;

        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                err = jdg__pkg_fail_fs(k, rel, strlen(rel), -errno);
            break;
        }
        if (de->d_name[0] == '.')
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            err = jdg__pkg_fail(k, "%s/%s: %s", rel, de->d_name, strerror(errno));
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            err = jdg__pkg_fail(k, "%s/%s: is a symbolic link; links are refused in a package", rel,
                                de->d_name);
            break;
        }
        if (n == DIR_ENTRIES_MAX) {
            err = jdg__pkg_fail(k, "%s: more than %d entries", rel, DIR_ENTRIES_MAX);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 32;
            struct jdg__ent *ne = gv_realloc(e, ncap * sizeof(*e));

            if (!ne) {
                err = jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
                break;
            }
            e = ne;
            cap = ncap;
        }
        e[n].name = gv_strdup(de->d_name);
        if (!e[n].name) {
            err = jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
            break;
        }
        e[n].keylen = key_len(de->d_name);
        e[n].kind = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
        n++;
    }
    closedir(d);
    if (err) {
        jdg__ents_free(e, n);
        return err;
    }
    if (n)
        qsort(e, n, sizeof(*e), ent_cmp);
    *out = e;
    *out_n = n;
    return 0;
}
