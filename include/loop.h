/*
 * loop: the daemon.  One thread, one epoll loop over the capture handles
 * (non-blocking, immediate mode), a signalfd (SIGHUP reload, SIGTERM and
 * SIGINT stop, SIGUSR1 reopen logs), a timerfd armed for the next thing
 * due (a meter tick or a verdict's end) and an inotify watch on
 * overrides.d.  The clock is read once per iteration and passed down;
 * nothing below the loop reads it.
 */
#ifndef SG_LOOP_H
#define SG_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_opts {
	const char	*conffile;
	const char	*platforms;	/* -P, or NULL: the config's */
	int		 verbose;
	/*
	 * The test clock (--clock START[,RATEx]): local time START in the
	 * configured zone, running RATE times faster than real time.
	 * NULL: the real clock.  Never on by default.
	 */
	const char	*clock;
};

/* Run until SIGTERM/SIGINT.  Returns the process exit status; errors
 * at start are logged and give 1. */
int		 loop_run(const struct loop_opts *);

/* Parse a --clock value in zone tz: *start (unix us) and *rate.  0, or
 * -EINVAL with why[whylen]. */
struct tz;
int		 loop_parse_clock(const char *s, const struct tz *tz,
		    uint64_t *start, double *rate, char *why, size_t whylen);

#endif
