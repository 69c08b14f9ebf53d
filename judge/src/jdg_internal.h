/* SPDX-License-Identifier: MIT
 * jdg_internal.h - judge/ internals shared by its sources and its tests. */
#ifndef GV_JDG_INTERNAL_H
#define GV_JDG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "gv_buf.h"
#include "gv_lang.h"

struct jdg_problem;
/* libyaml's yaml_document_t and yaml_node_t by their struct tags, so that
 * including this header needs no libyaml headers. */
struct yaml_document_s;
struct yaml_node_s;

/* The language of a custom validator's source file, from its name; NULL
 * for a file no validator may be written as (the rule lives with the
 * package reader, jdg_package.c; the worker applies it again to a stored
 * version's validator_name). */
const struct gv_lang *jdg__validator_lang(const char *file_name);

/* Appends a readable Markdown rendering of a LaTeX problem statement to
 * `out`: \problemname, \section, itemize/enumerate, \textbf, \emph,
 * \texttt, verbatim; math ($...$, $$...$$) is kept as written. Returns 0 or
 * the gv_buf error (GV_ETOOBIG, -ENOMEM). */
int jdg__tex_to_md(struct gv_buf *out, const char *tex, size_t len);

/* --- The package reader ---------------------------------------------------
 * jdg_package_load() spans three files: jdg_package.c (the walk,
 * problem.yaml, the statement, the validator), jdg_package_fs.c (every file
 * access, confined to the package) and jdg_package_tests.c (data/: tests
 * and groups). What they share is below. The int functions return 0 or a
 * negative code with k->msg set (GV_EPARSE when the package is at fault);
 * the readers also return 1 for a file or directory that is absent. */

/* One jdg_package_load() call's state. */
struct jdg__pkg {
    struct jdg_problem *p;
    char dir[4096]; /* the package path as given, trailing slashes removed */
    int root;
    char *msg;
    size_t msg_len;
    size_t tests_cap;
    size_t groups_cap;
    /* limits as read; NAN when absent */
    double time_s, memory_mib, output_mib, multiplier;
    const char *time_from; /* which file set time_s */
};

/* A directory entry (jdg__pkg_list_dir). */
struct jdg__ent {
    char *name;
    size_t keylen; /* the name without .in/.ans: what tests sort by */
    char kind;     /* 'd' directory, 'f' regular file, 'o' anything else */
};

/* Sets the message, returns GV_EPARSE. */
int jdg__pkg_fail(struct jdg__pkg *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A file-system error on the first `n` bytes of `rel`. */
int jdg__pkg_fail_fs(struct jdg__pkg *k, const char *rel, size_t n, int err);

/* dst = a/b, refused rather than cut. */
int jdg__pkg_join(struct jdg__pkg *k, char *dst, size_t size, const char *a, const char *b);

bool jdg__ends_with(const char *s, const char *suffix);

/* Reads `rel` (at most `max` bytes) into a NUL-terminated gv_malloc'd
 * buffer. Returns 1 when it does not exist, so callers can try the next
 * candidate; any other problem is an error with the message set. */
int jdg__pkg_read_text(struct jdg__pkg *k, const char *rel, size_t max, char **out,
                       size_t *out_len);

/* Lists `rel` in test order, hidden entries left out; free the list with
 * jdg__ents_free. Returns 1 when the directory does not exist. A symbolic
 * link among the entries is refused here, whether or not the caller would
 * have used it. */
int jdg__pkg_list_dir(struct jdg__pkg *k, const char *rel, struct jdg__ent **out, size_t *out_n);
void jdg__ents_free(struct jdg__ent *e, size_t n);

/* Loads `rel` as one YAML document. Returns 1 when the file is absent. */
int jdg__pkg_yaml_load(struct jdg__pkg *k, const char *rel, struct yaml_document_s *doc);

/* The value of `key` in the mapping `map`; NULL when `map` is not a
 * mapping, or the key is absent or null (which means the default). */
struct yaml_node_s *jdg__yaml_get(struct yaml_document_s *d, struct yaml_node_s *map,
                                  const char *key);

/* The scalar as a C string (libyaml NUL-terminates them); NULL for
 * anything else, and for a scalar with a NUL inside ("\0" in quotes). */
const char *jdg__yaml_scalar(struct yaml_node_s *n);

/* A finite number in decimal, blanks around it allowed. */
bool jdg__parse_double(const char *s, double *out);

/* Reads data/sample and data/secret (and the groups of a scoring problem)
 * into k->p's tests and groups. */
int jdg__pkg_read_tests(struct jdg__pkg *k);

/* Reads the template code of attachments/ and include/<language>/ into
 * k->p's templates (jdg_package_templates.c). */
int jdg__pkg_read_templates(struct jdg__pkg *k);

#endif
