/* SPDX-License-Identifier: MIT
 * gv_config.c - settings from the environment, then GAVEL_CONFIG, then defaults. */
#include "gv_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

struct config_entry {
    char *key;
    char *value;
};

static struct config_entry *entries;
static size_t n_entries;

void gv_config_release(void)
{
    for (size_t i = 0; i < n_entries; i++) {
        gv_free(entries[i].key);
        gv_free(entries[i].value);
    }
    gv_free(entries);
    entries = NULL;
    n_entries = 0;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int config_add(const char *key, const char *value)
{
    struct config_entry *grown = gv_realloc(entries, (n_entries + 1) * sizeof(*entries));

    if (!grown)
        return -ENOMEM;
    entries = grown;
    entries[n_entries].key = gv_strdup(key);
    entries[n_entries].value = gv_strdup(value);
    if (!entries[n_entries].key || !entries[n_entries].value) {
        gv_free(entries[n_entries].key);
        gv_free(entries[n_entries].value);
        return -ENOMEM;
    }
    n_entries++;
    return 0;
}

int gv_config_load(void)
{
    const char *path = getenv("GAVEL_CONFIG");
    char line[4096];
    int lineno = 0, err = 0;
    FILE *f;

    if (!path || !*path)
        return 0;
    f = fopen(path, "re");
    if (!f) {
        err = -errno;
        gv_log(GV_LOG_ERROR, "config", "cannot read config file '%s': %s", path, strerror(-err));
        return err;
    }
    while (fgets(line, sizeof(line), f)) {
        char *s = trim(line), *eq;

        lineno++;
        if (!*s || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            gv_log(GV_LOG_ERROR, "config", "malformed line %d in '%s': expected KEY=VALUE", lineno,
                   path);
            err = GV_ECONFIG;
            break;
        }
        *eq = '\0';
        err = config_add(trim(s), trim(eq + 1));
        if (err < 0)
            break;
    }
    fclose(f);
    if (err < 0)
        gv_config_release();
    return err;
}

const char *gv_config_get(const char *key, const char *def)
{
    const char *env = getenv(key);

    if (env && *env)
        return env;
    /* Later lines of the file override earlier ones. */
    for (size_t i = n_entries; i-- > 0;)
        if (!strcmp(entries[i].key, key))
            return entries[i].value;
    return def;
}

int gv_config_get_long(long *out, const char *key, long def, long min, long max)
{
    const char *s = gv_config_get(key, NULL);
    char *end;
    long v;

    if (!s) {
        *out = def;
        return 0;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        gv_log(GV_LOG_ERROR, "config", "invalid %s '%s': expected an integer in [%ld, %ld]", key,
               s, min, max);
        return GV_ECONFIG;
    }
    *out = v;
    return 0;
}
