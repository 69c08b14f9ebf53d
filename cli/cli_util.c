/* SPDX-License-Identifier: MIT
 * cli_util.c - see cli_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "gv_alloc.h"
#include "gv_utf8.h"
#include "banned.h"

int cli_read_file(struct gv_buf *b, const char *path)
{
    char buf[65536];
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        err = gv_buf_append(b, buf, (size_t)n);
        if (err < 0)
            break;
    }
    close(fd);
    return err;
}

void cli_json_add_text(cJSON *obj, const char *key, const char *s, size_t len)
{
    char *u = gv_utf8_sanitize(s ? s : "", s ? (len < CLI_FIELD_MAX ? len : CLI_FIELD_MAX) : 0);

    cJSON_AddStringToObject(obj, key, u ? u : "");
    gv_free(u);
}

int cli_json_print(const cJSON *obj)
{
    char *txt = cJSON_PrintUnformatted(obj);

    if (!txt)
        return -ENOMEM;
    printf("%s\n", txt);
    cJSON_free(txt);
    return 0;
}
