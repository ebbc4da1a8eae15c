/*
 * inifile: the INI line reader shared by schoolgate.conf (config.c) and
 * the files of overrides.d (overrides.c), and the checks and quoting
 * their messages share.
 *
 * inih splits sections, keys and values, but passes the handler no line
 * number and lets some mistakes through silently.  So inifile_read()
 * hands inih one line per call through ini_parse_stream(): it counts
 * lines, so every handler call knows its line; it checks each line
 * (length, control bytes, UTF-8, a line without '=', a bad key name, an
 * indented line that is really a key) and hands inih a blank line in
 * place of a bad one; and it leaves sections, keys and every word of a
 * message that differs between the two files to the caller's hooks.
 * Syntax: ';' or '#' at the start of a line, after a blank or right
 * after the '=' starts a comment; an indented line continues the value
 * of the key above it.
 *
 * The catalogue of platforms.d (classify.c) is read its own way, with
 * inih's syntax and its own messages, and does not use the reader.
 */
#ifndef SG_INIFILE_H
#define SG_INIFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

#define INIFILE_KEY_MAX		40	/* inih keeps 50 bytes of a name */
#define INIFILE_QUOTE_MAX	100	/* the most a reader's quote_max is */

/* Why a line is not read as "key = value" (see struct inifile_ops). */
enum inifile_bad {
	INIFILE_NOT_KEY,	/* no '=' */
	INIFILE_KEY_EARLY,	/* a key before any "[...]" line */
	INIFILE_KEY_NAME,	/* not 1-40 of A-Z a-z 0-9 '_' '.' '-' */
};

struct inifile_badkey {
	enum inifile_bad	 why;
	const char		*text;	/* the line: no comment, no outer */
	size_t			 len;	/* blanks */
	const char		*hint;	/* NOT_KEY: " (write '=', ...)" or "" */
	const char		*name;	/* otherwise: the key as written */
	size_t			 nlen;
	const char		*value;
	size_t			 vlen;
};

/*
 * What the reader asks of the caller; arg is the reader's arg.  Lines
 * handed to section and badkey have no comment and no outer blanks.
 */
struct inifile_ops {
	/* A message about a line: "file:line: " goes before it. */
	void	(*error)(void *arg, unsigned line, const char *msg);
	/* A "[...]" line: check and open the section, and write into out
	 * (cap bytes) the line inih should see, "[]" for none. */
	void	(*section)(void *arg, const char *t, size_t tlen, char *out,
		    size_t cap);
	/* A line that cannot be a key line: report it. */
	void	(*badkey)(void *arg, const struct inifile_badkey *bk);
	/* An indented line reads "name = ...": the current section as
	 * messages show it if name is one of its keys, else NULL. */
	const char *(*is_key)(void *arg, const char *name);
	/* A bad line was dropped; in_value: it was indented inside a
	 * value, which goes on, else it ends the key above it. */
	void	(*bad)(void *arg, bool in_value);
	/* inih's handler call: a key's first line, or (cont) one more. */
	void	(*value)(void *arg, const char *name, const char *value,
		    bool cont);
};

struct inifile_reader {
	/* Set by the caller. */
	const struct inifile_ops *ops;
	void			*arg;
	const char		*buf;		/* the file */
	size_t			 len;
	size_t			 line_max;	/* longer lines are errors */
	size_t			 quote_max;	/* bytes a message quotes */
	const bool		*stop;		/* reading ends once set */

	/* Kept by the reader. */
	size_t			 off;
	unsigned		 lineno;	/* of the line being read */
	bool			 saw_section;	/* any "[...]" line */
	bool			 in_key;	/* an indented line continues */
	bool			 in_bad;	/* ... or goes with a bad line */
	bool			 expect;	/* inih owes a handler call */
	bool			 cont;		/* ... for a continuation */
	char			 lastname[INIFILE_KEY_MAX + 1];
};

/* Read r->buf with inih, one line a call, through r->ops.  Returns what
 * ini_parse_stream() does: 0, a line inih rejected, or -2 (no memory). */
int	 inifile_read(struct inifile_reader *r);

/* s (len bytes) made safe to quote in a message: log_escape()d and cut
 * at max bytes with "...", into buf[buflen >= max * 4 + 8]; returns buf. */
const char *inifile_quote(const char *s, size_t len, size_t max, char *buf,
	    size_t buflen);

/* Bytes in the well-formed UTF-8 sequence at p (len > 0 bytes left), or
 * 0 when there is none there (RFC 3629 4). */
size_t	 inifile_utf8_seq(const unsigned char *p, size_t len);

/* Why the bytes of a line (len) are not text (NUL, a control other than
 * tab, invalid UTF-8), or NULL; the message may be put in buf. */
const char *inifile_line_bad(const char *p, size_t len, char *buf,
	    size_t buflen);

/* A character of a key name: A-Z a-z 0-9 '_' '.' '-'.  Pure. */
bool	 inifile_key_char(int c);

/* An address or a prefix with its host bits clear into *ret: 0, or
 * -EINVAL with why set; a message quotes s up to quote_max bytes. */
int	 inifile_parse_prefix(const char *s, size_t quote_max,
	    struct cidr *ret, char *why, size_t whylen);

/* c as inifile_parse_prefix() reads it back, into buf[len]: "10.10.0.5"
 * for a host prefix, "10.10.0.0/24" otherwise. */
void	 inifile_format_prefix(const struct cidr *c, char *buf, size_t len);

#endif
