/*
 * metrics: the daemon's figures in the Prometheus text format (0.0.4) at
 * http://ADDR:PORT/metrics, the config's metrics address (loopback by
 * default).  libmicrohttpd in external epoll mode, driven from the
 * daemon's loop: metrics_fd() goes into the loop's epoll and
 * metrics_run() is called when it is readable, so the figures are read
 * in the loop's thread and need no locking.
 */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define METRICS_BODY_MAX	(1024 * 1024)

/* The body being built. */
struct metrics_body;

/* One metric family: HELP and TYPE lines ("counter" or "gauge"). */
void	metrics_family(struct metrics_body *, const char *name,
	    const char *type, const char *help);
/* One sample: name{labels} value; labels is NULL or `key="value",...`
 * with values escaped by metrics_label(). */
void	metrics_sample(struct metrics_body *, const char *name,
	    const char *labels, uint64_t value);
/* A label value escaped as the format wants (\\, \", \n) into buf. */
void	metrics_label(const char *v, char *buf, size_t len);

/* Fill the body: called for each scrape, in the loop's thread. */
typedef void (*metrics_fill)(struct metrics_body *, void *arg);

struct metrics;

/* Listen at a:port.  NULL with *cause (malloc'd). */
struct metrics	*metrics_open(const struct addr *a, uint16_t port,
		    metrics_fill fn, void *arg, char **cause);
void		 metrics_close(struct metrics *);
int		 metrics_fd(const struct metrics *);
void		 metrics_run(struct metrics *);

/* The text of a scrape, for tests: malloc'd, NUL-terminated. */
char		*metrics_render(metrics_fill fn, void *arg, size_t *lenp);

#endif
