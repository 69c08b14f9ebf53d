/* SPDX-License-Identifier: MIT
 * Prints what a program inherits besides its environment variables: the
 * signal mask and ignored signals, descriptors, rlimits, personality,
 * nice value, scheduling policy, OOM adjustment. The suite runs `gavel
 * run` from a deliberately unusual parent and expects fixed values. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>

static void status_line(const char *key)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, key, strlen(key)))
            fputs(line, stdout);
    }
    if (f)
        fclose(f);
}

/* nice (field 19) and policy (field 41) of /proc/self/stat. */
static void stat_fields(void)
{
    char line[1024], *p;
    FILE *f = fopen("/proc/self/stat", "r");
    int field = 3;
    long nice = -99, policy = -1;

    if (!f || !fgets(line, sizeof(line), f)) {
        if (f)
            fclose(f);
        return;
    }
    fclose(f);
    p = strrchr(line, ')');
    for (p = p ? p + 2 : line; p && *p; field++) {
        if (field == 19)
            nice = strtol(p, NULL, 10);
        if (field == 41)
            policy = strtol(p, NULL, 10);
        p = strchr(p, ' ');
        p = p ? p + 1 : NULL;
    }
    printf("nice %ld\npolicy %ld\n", nice, policy);
}

static void limit(const char *name, int res)
{
    struct rlimit rl;
    getrlimit(res, &rl);
    if (rl.rlim_cur == RLIM_INFINITY)
        printf("%s unlimited\n", name);
    else
        printf("%s %llu\n", name, (unsigned long long)rl.rlim_cur);
}

int main(void)
{
    char buf[64] = "";
    FILE *f;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int nfd = 0;

    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.')
            nfd++;
    }
    if (d)
        closedir(d);
    printf("fds %d\n", nfd - 1); /* minus the one opendir holds */
    status_line("SigBlk:");
    status_line("SigIgn:");
    status_line("NoNewPrivs:");
    status_line("CapEff:");
    status_line("CapBnd:");
    limit("as", RLIMIT_AS);
    limit("data", RLIMIT_DATA);
    limit("rtprio", RLIMIT_RTPRIO);
    limit("core", RLIMIT_CORE);
    /* From /proc: personality() and sched_getscheduler() are not in the
     * native allow-list. */
    f = fopen("/proc/self/personality", "r");
    if (f && fgets(buf, sizeof(buf), f))
        printf("personality %s", buf);
    if (f)
        fclose(f);
    stat_fields();
    f = fopen("/proc/self/oom_score_adj", "r");
    if (f && fgets(buf, sizeof(buf), f))
        printf("oom_score_adj %s", buf);
    if (f)
        fclose(f);
    return 0;
}
