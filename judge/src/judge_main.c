/* judge_main.c - gavel-judge, the judging worker.
 *
 * This is the worker's outer shell: it reaches PostgreSQL and Redis with
 * backoff (a judge host may boot before the stores), announces itself with
 * a heartbeat key that expires when the process dies, and stops cleanly on
 * SIGINT/SIGTERM. The queue consumer, the sandbox pool and the judging
 * itself plug into the loop below (see docs/ARCHITECTURE.md). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "banned.h"

/* A heartbeat outlives three missed beats, so a busy worker is never
 * mistaken for a dead one, and a dead one drops out within 15 s. */
#define HEARTBEAT_MS 5000
#define HEARTBEAT_TTL_S "15"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    stopping = 1;
}

struct judge {
    struct db_pg *pg;
    struct db_redis *redis;
    struct gv_backoff pg_backoff, redis_backoff;
    int64_t pg_retry_at, redis_retry_at;
    char id[300];
};

/* Keeps both connections up; returns 1 when both are usable. */
static int judge_connect(struct judge *j)
{
    char why[512];
    int64_t now = gv_time_mono_ms();

    if (j->pg && db_pg_ping(j->pg) < 0) {
        gv_log(GV_LOG_WARN, "judge", "lost PostgreSQL: %s", db_pg_last_error(j->pg));
        db_pg_close(j->pg);
        j->pg = NULL;
    }
    if (!j->pg && now >= j->pg_retry_at) {
        if (db_pg_open(&j->pg, db_pg_url(), 2, why, sizeof(why)) == 0) {
            gv_log(GV_LOG_INFO, "judge", "connected to PostgreSQL");
            gv_backoff_reset(&j->pg_backoff);
        } else {
            int64_t delay = gv_backoff_next(&j->pg_backoff);

            gv_log(GV_LOG_WARN, "judge", "cannot reach PostgreSQL (retry in %lld ms): %s",
                   (long long)delay, why);
            j->pg_retry_at = now + delay;
        }
    }
    if (j->redis && db_redis_ping(j->redis) < 0) {
        gv_log(GV_LOG_WARN, "judge", "lost Redis");
        db_redis_close(j->redis);
        j->redis = NULL;
    }
    if (!j->redis && now >= j->redis_retry_at) {
        if (db_redis_open(&j->redis, db_redis_url(), 1000, why, sizeof(why)) == 0) {
            gv_log(GV_LOG_INFO, "judge", "connected to Redis");
            gv_backoff_reset(&j->redis_backoff);
        } else {
            int64_t delay = gv_backoff_next(&j->redis_backoff);

            gv_log(GV_LOG_WARN, "judge", "cannot reach Redis (retry in %lld ms): %s",
                   (long long)delay, why);
            j->redis_retry_at = now + delay;
        }
    }
    return j->pg && j->redis;
}

static void judge_heartbeat_key(char *key, size_t len, const struct judge *j)
{
    snprintf(key, len, "gavel:judge:%s", j->id);
}

static void judge_heartbeat(struct judge *j)
{
    char now[32];
    const char *argv[] = {"SET", NULL, now, "EX", HEARTBEAT_TTL_S};
    char key[sizeof(j->id) + 32];

    judge_heartbeat_key(key, sizeof(key), j);
    snprintf(now, sizeof(now), "%lld", (long long)gv_time_real_ms());
    argv[1] = key;
    if (db_redis_command(j->redis, 5, argv) < 0)
        gv_log(GV_LOG_WARN, "judge", "cannot write heartbeat '%s'", key);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_signal};
    struct judge j = {0};
    char host[256] = "unknown";

    gv_log_init("gavel-judge");
    if (argc > 1) {
        fprintf(stderr, "usage: gavel-judge (settings: GAVEL_PG_URL, GAVEL_REDIS_URL, "
                        "GAVEL_CONFIG)\n");
        return 2;
    }
    if (gv_config_load() < 0)
        return 1;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    gethostname(host, sizeof(host) - 1);
    snprintf(j.id, sizeof(j.id), "%s:%d", host, (int)getpid());
    gv_backoff_init(&j.pg_backoff, 100, 5000);
    gv_backoff_init(&j.redis_backoff, 100, 5000);
    gv_log(GV_LOG_INFO, "judge", "worker '%s' starting", j.id);

    /* A 100 ms tick honours stop signals and reconnect deadlines promptly;
     * the heartbeat goes out every HEARTBEAT_MS while both stores answer. */
    for (int64_t next_beat = 0; !stopping; gv_time_sleep_ms(100)) {
        int64_t now = gv_time_mono_ms();

        if ((!j.pg || !j.redis || now >= next_beat) && judge_connect(&j) && now >= next_beat) {
            judge_heartbeat(&j);
            next_beat = now + HEARTBEAT_MS;
        }
    }
    gv_log(GV_LOG_INFO, "judge", "worker '%s' stopping", j.id);
    if (j.redis) {
        char key[sizeof(j.id) + 32];
        const char *del[] = {"DEL", key};

        judge_heartbeat_key(key, sizeof(key), &j);
        db_redis_command(j.redis, 2, del);
    }
    db_pg_close(j.pg);
    db_redis_close(j.redis);
    gv_config_release();
    return 0;
}
