/* SPDX-License-Identifier: MIT
 * gv_config.h - connection settings and other knobs.
 *
 * A setting comes from the environment (GAVEL_PG_URL, ...) or, failing that,
 * from the file named by GAVEL_CONFIG (lines of KEY=VALUE, '#' comments), or
 * the caller's default. The environment wins so a deployment can override
 * one value without editing the file. */
#ifndef GV_CONFIG_H
#define GV_CONFIG_H

/* Loads GAVEL_CONFIG if set. Returns 0, or < 0 when the file is named but
 * unreadable or malformed (a clear message is logged). */
int gv_config_load(void);

/* Borrowed string, valid until gv_config_release(); `def` when unset. */
const char *gv_config_get(const char *key, const char *def);

/* Parses an integer setting within [min, max]; GV_ECONFIG when malformed or
 * out of range (and logs which key). */
int gv_config_get_long(long *out, const char *key, long def, long min, long max);

void gv_config_release(void);

#endif
