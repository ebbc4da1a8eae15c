/*
 * cause: errors for the user returned as data, in a char **cause (see
 * STYLE.md), formatted in one place.  Header-only, so that a module
 * using it links nothing more (tools such as statekill link state.o
 * alone).
 */
#ifndef SG_CAUSE_H
#define SG_CAUSE_H

#include <stdarg.h>
#include <stdio.h>

static inline void cause_set(char **, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Set *cause to a malloc'd message (the caller frees it), or to NULL
 * when memory ran out.  cause may be NULL: then nothing happens. */
static inline void
cause_set(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
}

#endif
