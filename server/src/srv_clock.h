/* SPDX-License-Identifier: MIT
 * srv_clock.h - the contests' timers: each phase change (start, freeze,
 * end, final standings) announced once across every gavel-server.
 *
 * Every process runs one clock thread with connections of its own. About
 * four times a second (sooner when a change is due sooner) it reads the
 * contests with a change still to announce (db_contest_phases_pending),
 * asks contest/ which change is due (cst_phase_due) and claims it
 * (db_contest_phase_claim): a conditional UPDATE that PostgreSQL lets
 * exactly one process win, which logs the contest.phase event in the same
 * transaction. The winner publishes it on the live stream, which every
 * server fans out to the contest's subscribers and the list's watchers.
 * Nothing is held in memory between ticks, so a restart, a second server or
 * a server that was down for the change changes nothing: whoever looks
 * first announces it, with the time it was due. */
#ifndef SRV_CLOCK_H
#define SRV_CLOCK_H

struct srv_clock;

/* Starts the thread (it connects in the background). The URLs are copied. */
int srv_clock_start(struct srv_clock **out, const char *pg_url, const char *redis_url);
/* Stops and joins it. NULL is a no-op. */
void srv_clock_stop(struct srv_clock *c);

#endif
