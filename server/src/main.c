/* SPDX-License-Identifier: MIT
 * main.c - gavel-server: configuration from the environment, signals, run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "srv.h"
#include "banned.h"

#ifndef GAVEL_WEB_ROOT_DEFAULT
#error "the build defines GAVEL_WEB_ROOT_DEFAULT (the web-client/ folder)"
#endif
#ifndef GAVEL_VERSION
#error "the build defines GAVEL_VERSION"
#endif

static struct srv_server *server;

static void on_signal(int sig)
{
    (void)sig;
    srv_server_stop(server);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gavel-server [--help | --version]\n"
            "Serves the Gavel web client, /healthz and the WebSocket at /ws.\n"
            "Settings (environment, or KEY=VALUE lines in the file named by GAVEL_CONFIG):\n"
            "  GAVEL_HTTP_PORT   port to listen on (default 8080)\n"
            "  GAVEL_HTTP_ADDR   address to bind (default: all)\n"
            "  GAVEL_WEB_ROOT    directory served at / (default %s)\n"
            "  GAVEL_PG_URL      PostgreSQL connection URL\n"
            "  GAVEL_REDIS_URL   Redis URL, redis://host:port/db\n"
            "  GAVEL_LOG_LEVEL   debug, info, warn or error (default info)\n",
            GAVEL_WEB_ROOT_DEFAULT);
}

int main(int argc, char **argv)
{
    struct srv_options opt;
    struct sigaction sa;
    sigset_t stop_set, old;
    int err;

    if (argc > 1) {
        if (!strcmp(argv[1], "--version")) {
            printf("gavel-server %s\n", GAVEL_VERSION);
            return 0;
        }
        usage(strcmp(argv[1], "--help") ? stderr : stdout);
        return strcmp(argv[1], "--help") ? 2 : 0;
    }

    gv_log_init("gavel-server");
    if (gv_config_load() < 0)
        return 2;
    if (srv_options_load(&opt, GAVEL_WEB_ROOT_DEFAULT, GAVEL_VERSION) < 0)
        return 2;

    /* Hold SIGINT/SIGTERM until `server` is set: a signal during startup is
     * then delivered right after, and stops the loop before it begins. */
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_set, &old);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A peer that vanishes mid-write must be an error code, not death. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    err = srv_server_new(&server, &opt);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (err < 0) {
        gv_config_release();
        return 1;
    }
    err = srv_server_run(server);
    srv_server_free(server);
    gv_config_release();
    return err < 0 ? 1 : 0;
}
