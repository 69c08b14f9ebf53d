/* SPDX-License-Identifier: MIT
 * gv_lang.h - the programming languages Gavel judges: one table that every
 * module reads.
 *
 * A language's id ("cpp") is what a submission stores (the database's
 * submission_language enum), what a client sends and what `--lang` takes;
 * the rest of an entry says how people know it, which file names are
 * written in it, and how its source becomes a running program. The table is
 * data only: the sandbox turns an entry into jobs (sbx_lang_cmds: the
 * seccomp profile, the compiler's limits, the JVM's sizing), and the judge
 * decides which languages a custom validator may be written in.
 *
 *     const struct gv_lang *l = gv_lang_for_path("sol.cc");   // "cpp"
 *     for (size_t i = 0; (l = gv_lang_at(i)); i++)
 *         printf("%-8s %s (%s)\n", l->id, l->name, l->toolchain);
 */
#ifndef GV_LANG_H
#define GV_LANG_H

#include <stddef.h>

/* What runs once the source is compiled. */
enum gv_lang_runtime {
    GV_LANG_NATIVE, /* a machine-code executable, /box/main */
    GV_LANG_PYTHON, /* the source, under CPython */
    GV_LANG_JVM,    /* class files in /box, on the Java virtual machine */
};

#define GV_LANG_EXTS_MAX 8  /* per language, with the NULL that ends them */
#define GV_LANG_ARGV_MAX 16 /* per command line, with the NULL that ends it */

/* The source's file name and the command lines are templates. Their
 * placeholders, filled in by sbx_lang_cmds:
 *   {src}       the source's file name (src_name, filled in);
 *   {class}     the class that holds main, read from a Java source;
 *   {heap_mb}   the JVM heap for the run's memory limit, in MiB;
 *   {stack_mb}  the JVM thread stack size for that limit, in MiB. */
struct gv_lang {
    const char *id;        /* "c", "cpp", "python", "java" */
    const char *name;      /* for people: "C++" */
    const char *toolchain; /* what builds and runs it here: "g++ 12, -std=gnu++20" */
    /* File name endings, matched exactly (".C" is C++, ".c" is C). The
     * first is the usual one. */
    const char *exts[GV_LANG_EXTS_MAX];
    const char *src_name; /* the source's file name in /box: "main.cpp" */
    enum gv_lang_runtime runtime;
    const char *compile[GV_LANG_ARGV_MAX]; /* run in /box; argv[0] an absolute path */
    const char *run[GV_LANG_ARGV_MAX];
};

/* The language with this id; NULL for an unknown id or NULL. */
const struct gv_lang *gv_lang_find(const char *id);

/* The language a file is written in, from the ending of its name (the last
 * path component; a name that is all extension, like ".py", has none);
 * NULL when no language claims it. */
const struct gv_lang *gv_lang_for_path(const char *path);

/* The i-th language in the table's order (the order to list them in);
 * NULL past the last. */
const struct gv_lang *gv_lang_at(size_t i);

/* Writes every id in table order, joined by `sep`: "c, cpp, python, java"
 * for ", ". For messages that list the choices. GV_ETOOBIG (with `out` cut
 * but terminated) when `len` is too small. */
int gv_lang_ids(char *out, size_t len, const char *sep);

#endif
