/*
 * log: the daemon's one logging facility (stderr, or syslog/journal when
 * daemonised).  Attacker-controlled text must go through log_escape()
 * before it reaches a log line.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* verbose: 0 info, 1 debug.  to_syslog: send to syslog (journal). */
void	log_init(int verbose, int to_syslog, const char *ident);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Copy src (len bytes, any content) into dst as printable ASCII: bytes
 * outside 0x20..0x7e and the backslash become \xHH.  Always NUL-terminates;
 * returns dst. */
char	*log_escape(const char *src, size_t len, char *dst, size_t dstlen);

#endif
