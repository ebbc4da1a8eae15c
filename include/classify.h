/*
 * classify: the platform catalogue (platforms.d/NAME.conf, see
 * schoolgate-platforms(5)) and domain -> platform lookup by longest
 * label-suffix match.
 *
 * The catalogue is immutable once loaded: built at start or reload,
 * swapped by pointer, looked up on the packet path without allocation.
 */
#ifndef SG_CLASSIFY_H
#define SG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum category {
	CAT_SOCIAL = 0,
	CAT_CIRCUMVENTION,
	CAT_OTHER,		/* any other category a catalogue names */
};

/* Why a circumvention platform is one (its catalogue `reason` key). */
enum circ_reason {
	CIRC_NONE = 0,
	CIRC_DOH,
	CIRC_DOT,
	CIRC_DOQ,
	CIRC_ECH,
	CIRC_RELAY,
	CIRC_VPN,
};

struct platform {
	uint16_t		 index;		/* dense id: 0..nplatforms-1 */
	uint32_t		 mark;		/* firewall mark: from the id,
						   stable across catalogues */
	char			*id;		/* section name: "instagram" */
	char			*name;		/* display name: "Instagram" */
	char			*category;	/* category text: "social" */
	enum category		 cat;
	enum circ_reason	 reason;
	bool			 shared_infra;
	size_t			 ncidrs;
	struct cidr		*cidrs;		/* static ranges, nameless traffic */
	size_t			 ndomains;	/* domains it has */
};

struct catalog;

/*
 * Load every *.conf in dir (sorted by name).  Errors are returned, not
 * logged: on failure returns NULL and *cause (caller frees) holds one
 * "file:line: message" line per error.
 */
struct catalog	*catalog_load_dir(const char *dir, char **cause);

/* Load from a list of files, for tests and -P with a file. */
struct catalog	*catalog_load_files(const char *const *paths, size_t n,
		    char **cause);

/* NULL-safe. */
void		 catalog_free(struct catalog *);

/*
 * Longest label-suffix match of name (len bytes, need not be
 * NUL-terminated): "m.facebook.com" matches "facebook.com", never
 * "notfacebook.com".  Case-insensitive; one trailing dot ignored.
 * Returns the platform or NULL.  No allocation; safe on any bytes.
 */
const struct platform *catalog_lookup(const struct catalog *, const char *name,
		    size_t len);

/*
 * catalog_lookup() of n names at once (names[i] of lens[i] bytes), the
 * platform or NULL in ret[i]; returns how many were found.  Overlaps the
 * memory accesses of several names, for bulk work: the names of a DNS
 * answer, a replay, a benchmark.
 */
size_t		 catalog_lookup_many(const struct catalog *, size_t n,
		    const char *const *names, const size_t *lens,
		    const struct platform **ret);

/* The platform whose static CIDRs contain a, or NULL. */
const struct platform *catalog_lookup_addr(const struct catalog *,
		    const struct addr *a);

size_t		 catalog_nplatforms(const struct catalog *);
const struct platform *catalog_platform(const struct catalog *, size_t index);
const struct platform *catalog_find(const struct catalog *, const char *id);
/* The platform with this firewall mark (see struct platform), or NULL. */
const struct platform *catalog_by_mark(const struct catalog *, uint32_t mark);
size_t		 catalog_ndomains(const struct catalog *);

const char	*circ_reason_str(enum circ_reason);

/*
 * Call fn for every catalogue domain, normalised (lower case, no trailing
 * dot) and not NUL-terminated, in the table's order: fixed for a given
 * catalogue, but not the order of the files (sort to print).  For -nv
 * printing and reports; not for the packet path.
 */
void		 catalog_foreach_domain(const struct catalog *,
		    void (*fn)(const struct platform *, const char *domain,
		    size_t len, void *arg), void *arg);

/* Bytes the catalogue holds (tables, names, platforms): for a metric. */
size_t		 catalog_memsize(const struct catalog *);

#endif
