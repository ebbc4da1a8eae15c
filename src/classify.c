/*
 * classify: the platform catalogue (the *.conf files of platforms.d) and
 * domain -> platform lookup.
 *
 * Loading.  inih splits lines into keys and values, but in this build it
 * neither passes line numbers to the handler nor reports more than the
 * first syntax error.  So we hand inih one line at a time through
 * ini_parse_stream() with our own reader: the reader counts lines, checks
 * each one's syntax the way inih will read it (so every bad line is
 * reported, with its number, and replaced by a blank one), and opens
 * sections itself (so an empty section is still seen).  The handler then
 * knows the file and line of every key it is given.  All errors are
 * collected; the catalogue is built only when there are none.
 *
 * Lookup.  A name is matched by its longest label suffix in the table.
 * One right-to-left pass over the name, eight bytes at a time, lower-cases
 * it and yields the hash of every label suffix ("m.facebook.com",
 * "facebook.com", "com").  With a million domains the table is far larger
 * than the caches, and a memory access costs 100-150 ns, so the layout is
 * built around touching memory as little as possible:
 *
 *  - a Bloom filter, about 10 bits a domain (1.2 MiB for a million) and
 *    so cache-resident, rejects almost every suffix that is not in the
 *    table: names that match nothing, the common case, never leave the
 *    cache.  It is register-blocked: the bits of a domain share one
 *    64-bit word, so a test is one load and one compare;
 *  - the table is an array of 128-byte buckets, two adjacent cache lines
 *    fetched together, holding the domains themselves (fingerprint,
 *    length, platform, bytes), so a hit costs one memory access, not one
 *    for a slot and another for a string pool.  (A 64-byte bucket holds
 *    one name of 28 bytes or more: half the memory would go to waste.)
 *    A domain may live in either of two buckets and goes to the emptier
 *    ("two choices"), which keeps the buckets evenly full; both are
 *    prefetched and read in parallel.  In the rare case that both are
 *    full it goes to the next bucket with room after the first, and the
 *    buckets passed over say so.  A domain longer than 122 bytes lives in
 *    a separate pool;
 *  - a name's candidate buckets are prefetched before the first is read,
 *    and catalog_lookup_many() pipelines several names;
 *  - the big tables are 2 MiB-aligned and advised for huge pages.
 *
 * Nothing in a lookup allocates.  The catalogue is read-only once built.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "addr.h"
#include "classify.h"
#include "inifile.h"
#include "log.h"

/* Limits on what a catalogue may grow to; input never grows past them. */
#define CATALOG_MAX_FILES	1024	/* 10 bits of a packed source line */
#define CATALOG_MAX_PLATFORMS	4096	/* fits the 16-bit index in an entry */
#define CATALOG_MAX_DOMAINS	2000000
#define CATALOG_MAX_CIDRS	65536
#define CATALOG_MAX_POOL	(256u << 20)	/* bytes of names, loading */
#define CATALOG_MAX_LINES	4000000	/* per file: 22 bits of a source line */
#define CATALOG_MAX_ERRORS	100	/* error lines reported in full */
/*
 * inih reads into a 200-byte buffer (INI_MAX_LINE) that must also hold
 * "\r\n\0"; a longer line would be split silently, so it is an error.
 */
#define CATALOG_LINE_MAX	197
#define CATALOG_ID_MAX		32	/* inih keeps 49 bytes of a section */
#define CATALOG_NAME_MAX	64
#define CATALOG_CATEGORY_MAX	32
#define CATALOG_VALUE_SHOWN	80	/* bytes of a bad value quoted back */

#define DOMAIN_MAX		253	/* RFC 1035 2.3.4, presentation form */
#define LABEL_MAX		63
#define LOOKUP_MAX		255	/* longer names are never looked up */
#define LOOKUP_LABELS		128	/* 255 bytes hold at most 128 labels */
/* A name is copied right-aligned to here, with a word of room before it. */
#define NAME_END		264
#define LOOKUP_AHEAD		8	/* lookup_many: names between stages */

/*
 * A bucket: flags, bytes used, then entries packed back to back.  An
 * entry is fingerprint, length, platform (2 bytes, little-endian) and the
 * domain, or for a domain longer than INLINE_MAX its offset in the long
 * pool (4 bytes, little-endian).
 */
#define CACHE_LINE		64
#define BUCKET_SIZE		128	/* two cache lines */
#define BUCKET_HDR		2
#define BUCKET_ROOM		(BUCKET_SIZE - BUCKET_HDR)
#define ENTRY_HDR		4
#define INLINE_MAX		(BUCKET_ROOM - ENTRY_HDR)
#define B_OVERFLOW		0x01	/* probe the next bucket as well */
#define FILL_PERCENT		70	/* of bucket room, on average */
#define SLACK			8	/* readable bytes after a table's end */

#define FILTER_BITS		10	/* per domain: ~2% false positives */

#define REC_HDR			3	/* loading pool: len, platform lo, hi */
#define HUGE_PAGE		(2u << 20)

/* One address range of a static CIDR, for binary search. */
struct range {
	uint8_t		lo[16];
	uint8_t		hi[16];
	uint16_t	platform;
};

struct catalog {
	struct platform	*platforms;
	size_t		 nplatforms;
	uint16_t	*byid;		/* platform indexes sorted by id */
	uint16_t	*bymark;	/* platform indexes sorted by mark */
	size_t		 ndomains;
	size_t		 minlabels;	/* of any domain in the table */
	size_t		 maxlabels;

	unsigned char	*buckets;
	size_t		 nbuckets;
	size_t		 bucketmap;	/* bytes mapped */
	uint64_t	*filter;
	size_t		 nwords;
	size_t		 filtermap;
	unsigned char	*longpool;	/* domains longer than INLINE_MAX */
	size_t		 longsize;

	struct range	*ranges[2];	/* [0] IPv4, [1] IPv6, sorted by lo */
	size_t		 nranges[2];
};

/* Where a platform was defined, and which single-valued keys it had. */
struct pmeta {
	uint16_t	file;
	unsigned	line;
	unsigned	name_line;
	unsigned	category_line;
	unsigned	shared_line;
	unsigned	reason_line;
	size_t		cidrcap;
	size_t		first_off;	/* its first domain in the pool */
	size_t		first_ord;	/* and that domain's ordinal */
};

/* Where a CIDR was written, for overlap errors. */
struct srcloc {
	unsigned	line;
	uint16_t	file;
};

struct cidrloc {
	struct cidr	c;
	struct srcloc	at;
	uint16_t	platform;
};

struct errs {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 n;		/* errors seen, shown or not */
	int		 nomem;
};

struct loader {
	struct catalog	*cat;
	struct errs	 errs;
	size_t		 platcap;
	struct pmeta	*meta;
	size_t		 metacap;
	/*
	 * Domains as read, before the table is built: records of length,
	 * platform and bytes, and for each one where it was written, packed
	 * as file << 22 | line, for duplicate errors.
	 */
	unsigned char	*pool;
	size_t		 poolsize;
	size_t		 poolcap;
	uint32_t	*dloc;
	size_t		 dloccap;
	struct cidrloc	*cidrs;
	size_t		 ncidrs;
	size_t		 cidrcap;
	char		**paths;	/* files, for messages */
	size_t		 npaths;
	int		 toomany;	/* a limit was hit and reported */

	/* The file being read. */
	FILE		*fp;
	uint16_t	 file;
	unsigned	 lineno;
	int		 in_section;	/* a section header has been seen */
	int		 have_key;	/* inih would take an indented line as
					   the continuation of a value */
	long		 cur;		/* platform of this section, or -1 */
};

/* A name being looked up: its candidate suffixes, shortest first. */
struct probe {
	unsigned char	buf[NAME_END + SLACK];	/* the name, lower case,
						   right-aligned */
	uint64_t	h[LOOKUP_LABELS];
	uint8_t		len[LOOKUP_LABELS];
	size_t		n;
};

static const char *const circ_reasons[] = {
	[CIRC_NONE] = "none",
	[CIRC_DOH] = "doh",
	[CIRC_DOT] = "dot",
	[CIRC_DOQ] = "doq",
	[CIRC_ECH] = "ech",
	[CIRC_RELAY] = "relay",
	[CIRC_VPN] = "vpn",
};

/*
 * Where a domain was written: file << 22 | line, 4 bytes a domain while
 * loading (CATALOG_MAX_FILES and CATALOG_MAX_LINES fit).
 */
#define LOC_LINE_BITS	22

static uint32_t
loc_pack(uint16_t file, unsigned line)
{
	return (uint32_t)file << LOC_LINE_BITS | line;
}

static uint16_t
loc_file(uint32_t loc)
{
	return (uint16_t)(loc >> LOC_LINE_BITS);
}

static unsigned
loc_line(uint32_t loc)
{
	return loc & ((1u << LOC_LINE_BITS) - 1);
}

_Static_assert(CATALOG_MAX_LINES < 1u << LOC_LINE_BITS &&
    CATALOG_MAX_FILES <= 1u << (32 - LOC_LINE_BITS),
    "a source location must fit 32 bits");
_Static_assert(CATALOG_MAX_PLATFORMS <= 65536, "platform index is 16 bits");

/*
 * Errors.
 */

static void	errs_add(struct errs *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
errs_add(struct errs *e, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *nbuf;
	int n;

	e->n++;
	if (e->nomem || e->n > CATALOG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	need = e->len + (size_t)n + 2;
	if (need > e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 1024;

		while (ncap < need)
			ncap *= 2;
		if ((nbuf = realloc(e->buf, ncap)) == NULL) {
			e->nomem = 1;
			return;
		}
		e->buf = nbuf;
		e->cap = ncap;
	}
	if (e->len > 0)
		e->buf[e->len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	e->len += (size_t)n;
}

static void
errs_nomem(struct errs *e)
{
	e->nomem = 1;
	e->n++;
}

/* Hand the collected errors to the caller as one string, or free them. */
static void
errs_finish(struct errs *e, char **cause)
{
	if (cause == NULL) {
		free(e->buf);
		return;
	}
	if (e->nomem) {
		free(e->buf);
		*cause = strdup("out of memory");
		return;
	}
	if (e->n > CATALOG_MAX_ERRORS) {
		size_t more = e->n - CATALOG_MAX_ERRORS;

		/* Past the limit errs_add() only counts: lift it once. */
		e->n = 0;
		errs_add(e, "(%zu more errors not shown)", more);
	}
	if (e->nomem) {
		free(e->buf);
		*cause = strdup("out of memory");
		return;
	}
	*cause = e->buf;
}

/* Quote a value back to the user: printable, and not too long.  buf has
 * 4 * CATALOG_VALUE_SHOWN + 8 bytes. */
static const char *
shown(const char *v, size_t len, char *buf, size_t size)
{
	return inifile_quote(v, len, CATALOG_VALUE_SHOWN, buf, size);
}

static const char *
ld_path(const struct loader *ld, uint16_t file)
{
	return ld->paths[file];
}

static void	ld_err(struct loader *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	ld_perr(struct loader *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	ld_kerr(struct loader *, const char *, const char *, size_t,
		    const char *, ...) __attribute__((format(printf, 5, 6)));

/* "file:line: message" */
static void
ld_err(struct loader *ld, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errs_add(&ld->errs, "%s:%u: %s", ld_path(ld, ld->file), line, msg);
}

/* "file:line: [platform ID]: message", about the current platform. */
static void
ld_perr(struct loader *ld, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errs_add(&ld->errs, "%s:%u: [platform %s]: %s", ld_path(ld, ld->file),
	    line, ld->cat->platforms[ld->cur].id, msg);
}

/* "file:line: [platform ID] key = value: message", at the current line. */
static void
ld_kerr(struct loader *ld, const char *key, const char *value, size_t vlen,
    const char *fmt, ...)
{
	char msg[512], k[4 * CATALOG_VALUE_SHOWN + 8];
	char v[4 * CATALOG_VALUE_SHOWN + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errs_add(&ld->errs, "%s:%u: [platform %s] %s = %s: %s",
	    ld_path(ld, ld->file), ld->lineno, ld->cat->platforms[ld->cur].id,
	    shown(key, strlen(key), k, sizeof(k)),
	    shown(value, vlen, v, sizeof(v)), msg);
}

/*
 * Memory for the big tables.
 */

/*
 * Zeroed memory for a table that lookups read at random.  Tables of 2 MiB
 * or more are 2 MiB-aligned and advised for transparent huge pages (the
 * Debian default is THP on request only): with 4 KiB pages nearly every
 * probe of a million-entry table misses the TLB, and under a hypervisor a
 * TLB miss costs several memory reads.  Returns NULL or the table, and
 * the bytes mapped in *ret_len for table_free().
 */
/* AddressSanitizer checks heap blocks, not mappings: give it heap. */
#if defined(__SANITIZE_ADDRESS__)
#define TABLE_ON_HEAP	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TABLE_ON_HEAP	1
#endif
#endif

static void *
table_alloc(size_t size, size_t *ret_len)
{
	size_t len, head;
	uintptr_t a;
	char *p;

#ifdef TABLE_ON_HEAP
	*ret_len = size;
	return calloc(1, size ? size : 1);
#endif
	if (size < HUGE_PAGE) {
		len = size ? size : 1;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		*ret_len = len;
		return p;
	}
	len = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uintptr_t)p;
	head = (HUGE_PAGE - (a & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
	if (head > 0)
		munmap(p, head);
	if (HUGE_PAGE - head > 0)
		munmap(p + head + len, HUGE_PAGE - head);
	p += head;
	/* Only advice: without THP the table works, just slower. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	*ret_len = len;
	return p;
}

static void
table_free(void *p, size_t len)
{
#ifdef TABLE_ON_HEAP
	(void)len;
	free(p);
#else
	if (p != NULL && len > 0)
		munmap(p, len);
#endif
}

/*
 * Hashing.
 */

#define H_K1	0x9e3779b97f4a7c15ULL
#define H_K2	0xc2b2ae3d27d4eb4fULL
#define ONES	0x0101010101010101ULL

/* Only ASCII folds: catalogue names are ASCII (IDNs in xn-- form). */
static inline unsigned char
lower_ascii(unsigned char c)
{
	return (unsigned char)(c + (((unsigned)c - 'A' < 26u) << 5));
}

/* Little-endian words whatever the host: the masks below count on it. */
static inline uint64_t
load_le64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return le64toh(w);
}

static inline void
store_le64(unsigned char *p, uint64_t w)
{
	w = htole64(w);
	memcpy(p, &w, sizeof(w));
}

/*
 * Lower-case the ASCII letters among 8 bytes.  Only ASCII folds:
 * catalogue names are ASCII (IDNs in their xn-- form), and a byte >= 0x80
 * must never become a letter.
 */
static inline uint64_t
swar_lower(uint64_t w)
{
	uint64_t b = w & ~(0x80 * ONES), up;

	/* Bit 7 of a byte: b >= 'A', and not b > 'Z', and w < 0x80. */
	up = (b + 0x3f * ONES) & ~(b + 0x25 * ONES) & ~w & (0x80 * ONES);
	return w | up >> 2;
}

/* Bit 7 set in exactly the bytes of w that are '.'. */
static inline uint64_t
swar_dots(uint64_t w)
{
	uint64_t x = w ^ ('.' * ONES), t;

	t = (x & (0x7f * ONES)) + 0x7f * ONES;
	return ~(t | x | 0x7f * ONES);
}

/* The top n bytes of a word (the last n bytes of the text in it). */
static inline uint64_t
top_bytes(uint64_t w, size_t n)
{
	return n == 0 ? 0 : w & ~0ULL << (64 - 8 * n);
}

static inline uint64_t
hash_chain(uint64_t c, uint64_t w)
{
	c = (c ^ w) * H_K1;
	return c ^ c >> 29;
}

/*
 * The hash of a suffix: the chain, the suffix's first bytes (the top of
 * a word: its low byte is free) and its length, mixed once more so that
 * every part of the result is usable (bucket, fingerprint, filter).
 */
static inline uint64_t
hash_final(uint64_t c, uint64_t partial, size_t len)
{
	uint64_t x = c ^ partial ^ len;

	x ^= x >> 32;
	x *= H_K2;
	return x ^ x >> 29;
}

/*
 * Copy name (len 1..255 bytes, any content) lower-cased and right-aligned
 * to buf[NAME_END], a word at a time (the bytes before the name in its
 * first word are zero), and put in h[] and slen[] the hash and length of
 * each label suffix, shortest first, at most maxlabels of them and
 * leaving out the skip shortest.
 *
 * Words are taken from the end of the name, so every suffix shares them
 * with the name: the hash of a suffix of L bytes is a chain over its
 * L / 8 last whole words and then its L % 8 remaining bytes and L.  A
 * domain hashed alone gives the same value as the same bytes at the end
 * of a longer name.  Returns the number of suffixes.
 */
static inline size_t
hash_suffixes(const unsigned char *name, size_t len, unsigned char *buf,
    uint64_t *h, uint8_t *slen, size_t skip, size_t maxlabels)
{
	unsigned char *end = buf + NAME_END;
	size_t nw = (len + 7) / 8, rest = len % 8, kw, n = 0, l, i;
	uint64_t c = H_K2, w = 0, dots;
	int bit;

	for (kw = 0; kw < nw; kw++) {
		/*
		 * Whole words straight from the name; the first few bytes,
		 * if any, one at a time, into the top of a word.  (A small
		 * memcpy here becomes a slow `rep movs`.)
		 */
		if (kw == nw - 1 && rest != 0) {
			for (w = 0, i = rest; i-- > 0;)
				w = w << 8 | name[i];
			w <<= 8 * (8 - rest);
		} else
			w = load_le64(name + len - 8 * (kw + 1));
		w = swar_lower(w);
		store_le64(end - 8 * (kw + 1), w);
		dots = swar_dots(w);
		if (kw == nw - 1 && rest != 0)
			dots = top_bytes(dots, rest);
		/* The dot nearest the end first: shortest suffix first. */
		while (dots != 0) {
			bit = 63 - __builtin_clzll(dots);
			l = 8 * kw + 7 - (size_t)(bit >> 3);
			dots &= ~(0xffULL << (bit & ~7));
			if (l == 0)
				continue;	/* after a final dot: empty */
			if (skip > 0) {
				/* Shorter than any domain: not hashed. */
				skip--;
				maxlabels--;
				continue;
			}
			h[n] = hash_final(c, top_bytes(w, l - 8 * kw), l);
			slen[n++] = (uint8_t)l;
			if (n == maxlabels)
				return n;
		}
		if (kw == nw - 1 && rest != 0)
			break;
		c = hash_chain(c, w);
	}
	/* The whole name. */
	if (skip > 0)
		return n;
	h[n] = hash_final(c, rest ? top_bytes(w, rest) : 0, len);
	slen[n++] = (uint8_t)len;
	return n;
}

/* Hash of one whole name; buf is scratch of NAME_END bytes. */
static uint64_t
hash_name(const unsigned char *name, size_t len, unsigned char *buf,
    size_t *ret_labels)
{
	uint64_t h[LOOKUP_LABELS];
	uint8_t slen[LOOKUP_LABELS];
	size_t n;

	n = hash_suffixes(name, len, buf, h, slen, 0, LOOKUP_LABELS);
	*ret_labels = n;
	return h[n - 1];
}

/*
 * The filter and the buckets.
 */

static inline const uint64_t *
filter_word(const struct catalog *cat, uint64_t h)
{
	/* Range reduction by multiplication: any number of words. */
	return cat->filter + (((uint64_t)(uint32_t)h * cat->nwords) >> 32);
}

/* Four bits of the word, chosen by bits the word index did not use. */
static inline uint64_t
filter_mask(uint64_t h)
{
	return 1ULL << (h >> 58) | 1ULL << (h >> 52 & 63) |
	    1ULL << (h >> 46 & 63) | 1ULL << (h >> 40 & 63);
}

static inline int
filter_test(const struct catalog *cat, uint64_t h)
{
	uint64_t m = filter_mask(h);

	return (*filter_word(cat, h) & m) == m;
}

static void
filter_add(struct catalog *cat, uint64_t h)
{
	*(uint64_t *)(uintptr_t)filter_word(cat, h) |= filter_mask(h);
}

static inline size_t
bucket_of(const struct catalog *cat, uint64_t h)
{
	return (size_t)(((h >> 32) * cat->nbuckets) >> 32);
}

/* The second choice, from a remix of the hash: independent of the first. */
static inline size_t
bucket2_of(const struct catalog *cat, uint64_t h)
{
	return (size_t)((((h * H_K1) >> 32) * cat->nbuckets) >> 32);
}

/* A fingerprint from bits that chose neither bucket nor filter word. */
static inline uint8_t
fingerprint(uint64_t h)
{
	return (uint8_t)(h >> 24);
}

static inline size_t
entry_size(const unsigned char *e)
{
	return ENTRY_HDR + (e[1] <= INLINE_MAX ? e[1] : 4);
}

static inline const unsigned char *
entry_name(const struct catalog *cat, const unsigned char *e)
{
	uint32_t off;

	if (e[1] <= INLINE_MAX)
		return e + ENTRY_HDR;
	memcpy(&off, e + ENTRY_HDR, sizeof(off));
	return cat->longpool + le32toh(off);
}

static inline uint16_t
entry_platform(const unsigned char *e)
{
	return (uint16_t)(e[2] | e[3] << 8);
}

/*
 * a and b equal over len bytes, read a word at a time: both may be read
 * up to 7 bytes past len (tables and name buffers have SLACK after them).
 */
static inline int
key_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	uint64_t x;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		if (load_le64(a + i) != load_le64(b + i))
			return 0;
	if (i == len)
		return 1;
	x = load_le64(a + i) ^ load_le64(b + i);
	return (x & (~0ULL >> (64 - 8 * (len - i)))) == 0;
}

/* The entry for name in one bucket, or NULL. */
static inline const unsigned char *
bucket_scan(const struct catalog *cat, const unsigned char *bk, uint8_t fp,
    const unsigned char *name, size_t len)
{
	const unsigned char *e, *stop = bk + BUCKET_HDR + bk[1];

	for (e = bk + BUCKET_HDR; e < stop; e += entry_size(e))
		if (e[0] == fp && e[1] == len &&
		    key_equal(entry_name(cat, e), name, len))
			return e;
	return NULL;
}

/* The entry for name (len bytes, lower case) with hash h, or NULL. */
static const unsigned char *
bucket_find(const struct catalog *cat, uint64_t h, const unsigned char *name,
    size_t len)
{
	const unsigned char *bk, *e;
	size_t b = bucket_of(cat, h), n;
	uint8_t fp = fingerprint(h);

	bk = cat->buckets + bucket2_of(cat, h) * BUCKET_SIZE;
	if ((e = bucket_scan(cat, bk, fp, name, len)) != NULL)
		return e;
	for (n = 0; n < cat->nbuckets; n++) {
		bk = cat->buckets + b * BUCKET_SIZE;
		if ((e = bucket_scan(cat, bk, fp, name, len)) != NULL)
			return e;
		if (!(bk[0] & B_OVERFLOW))
			break;
		if (++b == cat->nbuckets)
			b = 0;
	}
	return NULL;
}

/*
 * Lookup.
 */

/*
 * A lookup in stages, so that memory accesses overlap rather than follow
 * one another: hash the name's suffixes; test the filter and prefetch the
 * buckets of the suffixes it lets through; read the buckets.  The filter
 * is usually in cache, but is prefetched too; catalog_lookup_many() runs
 * the stages of different names in a pipeline.
 */
static inline void
lookup_hash(const struct catalog *cat, const char *name, size_t len,
    struct probe *pr)
{
	size_t i;

	pr->n = 0;
	if (cat == NULL || name == NULL || len == 0 || len > LOOKUP_MAX ||
	    cat->ndomains == 0)
		return;
	if (name[len - 1] == '.')
		len--;
	if (len == 0)
		return;
	/*
	 * No domain has more labels than maxlabels or fewer than minlabels:
	 * other suffixes are not hashed.
	 */
	pr->n = hash_suffixes((const unsigned char *)name, len, pr->buf,
	    pr->h, pr->len, cat->minlabels - 1, cat->maxlabels);
	/*
	 * Here and not in a function of its own: GCC takes a function that
	 * only prefetches for a pure one and drops the call.
	 */
	for (i = 0; i < pr->n; i++)
		__builtin_prefetch(filter_word(cat, pr->h[i]));
}

static inline void
lookup_filter(const struct catalog *cat, struct probe *pr)
{
	const unsigned char *b1, *b2;
	size_t i, o, n = 0;

	for (i = 0; i < pr->n; i++) {
		if (!filter_test(cat, pr->h[i]))
			continue;
		b1 = cat->buckets + bucket_of(cat, pr->h[i]) * BUCKET_SIZE;
		b2 = cat->buckets + bucket2_of(cat, pr->h[i]) * BUCKET_SIZE;
		for (o = 0; o < BUCKET_SIZE; o += CACHE_LINE) {
			__builtin_prefetch(b1 + o);
			__builtin_prefetch(b2 + o);
		}
		pr->h[n] = pr->h[i];
		pr->len[n++] = pr->len[i];
	}
	pr->n = n;
}

/* The longest suffix in the table wins. */
static inline const struct platform *
lookup_finish(const struct catalog *cat, const struct probe *pr)
{
	const unsigned char *e;
	size_t i;

	for (i = pr->n; i-- > 0;) {
		e = bucket_find(cat, pr->h[i], pr->buf + NAME_END - pr->len[i],
		    pr->len[i]);
		if (e != NULL)
			return &cat->platforms[entry_platform(e)];
	}
	return NULL;
}

const struct platform *
catalog_lookup(const struct catalog *cat, const char *name, size_t len)
{
	struct probe pr;

	lookup_hash(cat, name, len, &pr);
	lookup_filter(cat, &pr);
	return lookup_finish(cat, &pr);
}

size_t
catalog_lookup_many(const struct catalog *cat, size_t n,
    const char *const *names, const size_t *lens, const struct platform **ret)
{
	struct probe pr[2 * LOOKUP_AHEAD];
	size_t i, k, hits = 0;

	/*
	 * A software pipeline: at step i, finish name i - 2 * AHEAD, test
	 * the filter of name i - AHEAD and hash name i.  Each prefetch then
	 * has AHEAD whole lookups' time to arrive.  Finishing first frees
	 * the slot that hashing fills.
	 */
	for (i = 0; i < n + 2 * LOOKUP_AHEAD; i++) {
		if (i >= 2 * LOOKUP_AHEAD) {
			k = i - 2 * LOOKUP_AHEAD;
			ret[k] = lookup_finish(cat,
			    &pr[k % (2 * LOOKUP_AHEAD)]);
			hits += ret[k] != NULL;
		}
		if (i >= LOOKUP_AHEAD && i - LOOKUP_AHEAD < n)
			lookup_filter(cat, &pr[(i - LOOKUP_AHEAD) %
			    (2 * LOOKUP_AHEAD)]);
		if (i < n)
			lookup_hash(cat, names[i], lens[i],
			    &pr[i % (2 * LOOKUP_AHEAD)]);
	}
	return hits;
}

static int
range_family(const struct addr *a)
{
	return a->family == AF_INET6;
}

static size_t
range_bytes(int fam)
{
	return fam ? 16 : 4;
}

const struct platform *
catalog_lookup_addr(const struct catalog *cat, const struct addr *a)
{
	const struct range *r;
	size_t lo, hi, mid, nb;
	int fam;

	if (cat == NULL || a == NULL ||
	    (a->family != AF_INET && a->family != AF_INET6))
		return NULL;
	fam = range_family(a);
	nb = range_bytes(fam);
	r = cat->ranges[fam];
	/* Ranges never overlap: find the last one starting at or below a. */
	lo = 0;
	hi = cat->nranges[fam];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(r[mid].lo, a->bytes, nb) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || memcmp(a->bytes, r[lo - 1].hi, nb) > 0)
		return NULL;
	return &cat->platforms[r[lo - 1].platform];
}

size_t
catalog_nplatforms(const struct catalog *cat)
{
	return cat ? cat->nplatforms : 0;
}

const struct platform *
catalog_platform(const struct catalog *cat, size_t index)
{
	if (cat == NULL || index >= cat->nplatforms)
		return NULL;
	return &cat->platforms[index];
}

const struct platform *
catalog_by_mark(const struct catalog *cat, uint32_t mark)
{
	size_t lo, hi, mid;
	uint32_t m;

	if (cat == NULL || cat->bymark == NULL || mark == 0)
		return NULL;
	lo = 0;
	hi = cat->nplatforms;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = cat->platforms[cat->bymark[mid]].mark;
		if (m == mark)
			return &cat->platforms[cat->bymark[mid]];
		if (mark < m)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct platform *
catalog_find(const struct catalog *cat, const char *id)
{
	size_t lo, hi, mid;
	int c;

	if (cat == NULL || id == NULL)
		return NULL;
	lo = 0;
	hi = cat->nplatforms;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(id, cat->platforms[cat->byid[mid]].id);
		if (c == 0)
			return &cat->platforms[cat->byid[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t
catalog_ndomains(const struct catalog *cat)
{
	return cat ? cat->ndomains : 0;
}

const char *
circ_reason_str(enum circ_reason r)
{
	if ((size_t)r >= sizeof(circ_reasons) / sizeof(circ_reasons[0]))
		return "unknown";
	return circ_reasons[r];
}

void
catalog_foreach_domain(const struct catalog *cat,
    void (*fn)(const struct platform *, const char *, size_t, void *),
    void *arg)
{
	const unsigned char *bk, *e, *stop;
	size_t b;

	if (cat == NULL)
		return;
	for (b = 0; b < cat->nbuckets; b++) {
		bk = cat->buckets + b * BUCKET_SIZE;
		stop = bk + BUCKET_HDR + bk[1];
		for (e = bk + BUCKET_HDR; e < stop; e += entry_size(e))
			fn(&cat->platforms[entry_platform(e)],
			    (const char *)entry_name(cat, e), e[1], arg);
	}
}

size_t
catalog_memsize(const struct catalog *cat)
{
	size_t i, n;

	if (cat == NULL)
		return 0;
	n = sizeof(*cat) + cat->bucketmap + cat->filtermap + cat->longsize +
	    (cat->nranges[0] + cat->nranges[1]) * sizeof(struct range) +
	    cat->nplatforms * (sizeof(struct platform) + sizeof(uint16_t));
	for (i = 0; i < cat->nplatforms; i++) {
		const struct platform *p = &cat->platforms[i];

		n += strlen(p->id) + 1 + strlen(p->name ? p->name : "") + 1 +
		    strlen(p->category ? p->category : "") + 1 +
		    p->ncidrs * sizeof(struct cidr);
	}
	return n;
}

void
catalog_free(struct catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->nplatforms; i++) {
		free(cat->platforms[i].id);
		free(cat->platforms[i].name);
		free(cat->platforms[i].category);
		free(cat->platforms[i].cidrs);
	}
	free(cat->platforms);
	free(cat->byid);
	free(cat->bymark);
	table_free(cat->buckets, cat->bucketmap);
	table_free(cat->filter, cat->filtermap);
	free(cat->longpool);
	free(cat->ranges[0]);
	free(cat->ranges[1]);
	free(cat);
}

/*
 * Value syntax.
 */

/*
 * An array (of *cap elements of size) grown by doubling to hold need:
 * returns it, moved or not, or NULL with the old one still valid.
 */
static void *
grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return arr;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if ((n = reallocarray(arr, ncap, size)) == NULL)
		return NULL;
	*cap = ncap;
	return n;
}

static int
is_ident(const char *s, size_t max)
{
	size_t n = 0;

	if (!isalnum((unsigned char)*s))
		return 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return 0;
	return n <= max;
}

/* Display names are shown on the block page: printable UTF-8 only. */
static int
is_display_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	if (*p == '\0' || strlen(s) > CATALOG_NAME_MAX)
		return 0;
	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

/*
 * Check and normalise one domain in place: lower case, one trailing dot
 * removed.  Returns NULL and sets *len, or a message.
 */
static const char *
domain_normalise(char *d, size_t *len)
{
	struct addr a;
	size_t n = *len, i, lab = 0;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty domain";
	for (i = 0; i < n; i++)
		if ((unsigned char)d[i] >= 0x80)
			return "not ASCII: write an international name in its "
			    "xn-- form";
	if (memchr(d, '/', n) != NULL || memchr(d, ':', n) != NULL) {
		char tmp[DOMAIN_MAX + 1];
		struct cidr c;

		if (n < sizeof(tmp)) {
			memcpy(tmp, d, n);
			tmp[n] = '\0';
			if (cidr_parse(tmp, &c) == 0)
				return "an address: list it in cidrs";
		}
		return "a URL or path, not a domain";
	}
	if (d[0] == '*')
		return "no wildcards: a domain already matches every name "
		    "under it";
	if (n > DOMAIN_MAX)
		return "longer than 253 characters";
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)d[i] : '.';

		if (c == '.') {
			if (lab == 0)
				return "empty label";
			if (lab > LABEL_MAX)
				return "label longer than 63 characters";
			if (d[i - 1] == '-' || d[i - lab] == '-')
				return "label starts or ends with '-'";
			lab = 0;
			continue;
		}
		c = lower_ascii(c);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return "bad character: use letters, digits, '-', '_' "
			    "and '.'";
		d[i] = (char)c;
		lab++;
	}
	{
		char tmp[DOMAIN_MAX + 1];

		memcpy(tmp, d, n);
		tmp[n] = '\0';
		if (addr_parse(tmp, &a) == 0)
			return "an address: list it in cidrs";
	}
	*len = n;
	return NULL;
}

/*
 * Building the catalogue while reading.
 */

static struct platform *
cur_platform(struct loader *ld)
{
	return &ld->cat->platforms[ld->cur];
}

static void
add_domain(struct loader *ld, char *d, size_t len)
{
	struct catalog *cat = ld->cat;
	struct platform *p = cur_platform(ld);
	struct pmeta *m = &ld->meta[ld->cur];
	const char *why;
	unsigned char *rec;
	size_t n = len;
	void *np;

	if ((why = domain_normalise(d, &n)) != NULL) {
		ld_kerr(ld, "domains", d, len, "%s", why);
		return;
	}
	if (cat->ndomains >= CATALOG_MAX_DOMAINS ||
	    ld->poolsize + REC_HDR + n > CATALOG_MAX_POOL) {
		if (!ld->toomany)
			ld_kerr(ld, "domains", d, n, "too many domains "
			    "(at most %d, %u MiB of names)",
			    CATALOG_MAX_DOMAINS, CATALOG_MAX_POOL >> 20);
		ld->toomany = 1;
		return;
	}
	if ((np = grow(ld->pool, &ld->poolcap, ld->poolsize + REC_HDR + n,
	    1)) == NULL) {
		errs_nomem(&ld->errs);
		return;
	}
	ld->pool = np;
	if ((np = grow(ld->dloc, &ld->dloccap, cat->ndomains + 1,
	    sizeof(*ld->dloc))) == NULL) {
		errs_nomem(&ld->errs);
		return;
	}
	ld->dloc = np;
	if (p->ndomains == 0) {
		m->first_off = ld->poolsize;
		m->first_ord = cat->ndomains;
	}
	rec = ld->pool + ld->poolsize;
	rec[0] = (unsigned char)n;
	rec[1] = (unsigned char)(ld->cur & 0xff);
	rec[2] = (unsigned char)(ld->cur >> 8);
	memcpy(rec + REC_HDR, d, n);
	ld->dloc[cat->ndomains] = loc_pack(ld->file, ld->lineno);
	ld->poolsize += REC_HDR + n;
	cat->ndomains++;
	p->ndomains++;
}

static int
is_separator(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

/*
 * Call fn for each item of a list separated by commas or blanks, with a
 * writable, NUL-terminated copy of the item.  Empty items are skipped, so
 * that a line may end with a comma before its continuation.
 */
static void
list_each(struct loader *ld, const char *value,
    void (*fn)(struct loader *, char *, size_t))
{
	char buf[CATALOG_LINE_MAX + 1];
	size_t i = 0, start, n = strlen(value);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, value, n);
	buf[n] = '\0';
	while (i < n) {
		while (i < n && is_separator(buf[i]))
			i++;
		start = i;
		while (i < n && !is_separator(buf[i]))
			i++;
		if (i > start) {
			buf[i] = '\0';
			fn(ld, buf + start, i - start);
			i++;
		}
	}
}

/* A range of the current platform, and where it was written: 0 or -1. */
static int
add_cidr(struct loader *ld, const struct cidr *c)
{
	struct platform *p = cur_platform(ld);
	struct pmeta *m = &ld->meta[ld->cur];
	struct cidrloc *cl;
	void *np;

	if ((np = grow(p->cidrs, &m->cidrcap, p->ncidrs + 1,
	    sizeof(*p->cidrs))) == NULL)
		return -1;
	p->cidrs = np;
	if ((np = grow(ld->cidrs, &ld->cidrcap, ld->ncidrs + 1,
	    sizeof(*ld->cidrs))) == NULL)
		return -1;
	ld->cidrs = np;
	p->cidrs[p->ncidrs++] = *c;
	cl = &ld->cidrs[ld->ncidrs++];
	cl->c = *c;
	cl->at.line = ld->lineno;
	cl->at.file = ld->file;
	cl->platform = (uint16_t)ld->cur;
	return 0;
}

static void
add_cidr_text(struct loader *ld, char *text, size_t len)
{
	struct cidr c;

	if (cidr_parse(text, &c) < 0)
		ld_kerr(ld, "cidrs", text, len, "not an address or prefix "
		    "(ADDR/LEN with the host bits zero)");
	else if (ld->ncidrs >= CATALOG_MAX_CIDRS) {
		if (!ld->toomany)
			ld_kerr(ld, "cidrs", text, len, "too many CIDRs (at "
			    "most %d)", CATALOG_MAX_CIDRS);
		ld->toomany = 1;
	} else if (add_cidr(ld, &c) == -1)
		errs_nomem(&ld->errs);
}

/* A key that may be given once: 1 if this is the first time. */
static int
key_once(struct loader *ld, unsigned *line, const char *key, const char *value)
{
	if (*line != 0) {
		ld_kerr(ld, key, value, strlen(value),
		    "given twice (first at line %u)", *line);
		return 0;
	}
	*line = ld->lineno;
	return 1;
}

static int
loader_key(void *arg, const char *section, const char *key, const char *value)
{
	struct loader *ld = arg;
	struct platform *p;
	struct pmeta *m;
	size_t i;

	(void)section;	/* the reader opened it: ld->cur */
	if (ld->cur < 0) {
		char k[4 * CATALOG_VALUE_SHOWN + 8];

		if (!ld->in_section)
			ld_err(ld, ld->lineno, "%s: outside a [platform ID] "
			    "section", shown(key, strlen(key), k, sizeof(k)));
		return 1;
	}
	p = cur_platform(ld);
	m = &ld->meta[ld->cur];
	if (strcmp(key, "domains") == 0) {
		list_each(ld, value, add_domain);
	} else if (strcmp(key, "cidrs") == 0) {
		list_each(ld, value, add_cidr_text);
	} else if (strcmp(key, "name") == 0) {
		if (!key_once(ld, &m->name_line, key, value))
			return 1;
		if (!is_display_name(value)) {
			ld_kerr(ld, key, value, strlen(value), "not 1 to %d "
			    "bytes of printable UTF-8", CATALOG_NAME_MAX);
			return 1;
		}
		if ((p->name = strdup(value)) == NULL)
			errs_nomem(&ld->errs);
	} else if (strcmp(key, "category") == 0) {
		if (!key_once(ld, &m->category_line, key, value))
			return 1;
		if (!is_ident(value, CATALOG_CATEGORY_MAX)) {
			ld_kerr(ld, key, value, strlen(value), "not 1 to %d of "
			    "a-z, 0-9, '-' and '_'", CATALOG_CATEGORY_MAX);
			return 1;
		}
		if ((p->category = strdup(value)) == NULL)
			errs_nomem(&ld->errs);
		if (strcmp(value, "social") == 0)
			p->cat = CAT_SOCIAL;
		else if (strcmp(value, "circumvention") == 0)
			p->cat = CAT_CIRCUMVENTION;
		else
			p->cat = CAT_OTHER;
	} else if (strcmp(key, "shared_infra") == 0) {
		if (!key_once(ld, &m->shared_line, key, value))
			return 1;
		if (strcmp(value, "yes") == 0)
			p->shared_infra = true;
		else if (strcmp(value, "no") == 0)
			p->shared_infra = false;
		else
			ld_kerr(ld, key, value, strlen(value),
			    "not yes or no");
	} else if (strcmp(key, "reason") == 0) {
		if (!key_once(ld, &m->reason_line, key, value))
			return 1;
		for (i = CIRC_NONE + 1; i < sizeof(circ_reasons) /
		    sizeof(circ_reasons[0]); i++)
			if (strcmp(value, circ_reasons[i]) == 0)
				p->reason = (enum circ_reason)i;
		if (p->reason == CIRC_NONE)
			ld_kerr(ld, key, value, strlen(value), "unknown reason "
			    "(doh, dot, doq, ech, relay or vpn)");
	} else
		ld_kerr(ld, key, value, strlen(value), "unknown key (name, "
		    "category, domains, cidrs, shared_infra, reason)");
	return 1;
}

/* The end of a section: what must be there, and what goes together. */
static void
section_end(struct loader *ld)
{
	struct platform *p;
	struct pmeta *m;

	if (ld->cur < 0)
		return;
	p = cur_platform(ld);
	m = &ld->meta[ld->cur];
	if (m->name_line == 0)
		ld_perr(ld, m->line, "missing name");
	if (m->category_line == 0)
		ld_perr(ld, m->line, "missing category");
	if (p->ndomains == 0)
		ld_perr(ld, m->line, "missing domains");
	if (p->cat == CAT_CIRCUMVENTION && m->reason_line == 0)
		ld_perr(ld, m->line, "category circumvention needs a reason "
		    "(doh, dot, doq, ech, relay or vpn)");
	if (p->reason != CIRC_NONE && m->category_line != 0 &&
	    p->cat != CAT_CIRCUMVENTION)
		errs_add(&ld->errs, "%s:%u: [platform %s] reason = %s: only a "
		    "circumvention platform has a reason",
		    ld_path(ld, ld->file), m->reason_line, p->id,
		    circ_reason_str(p->reason));
	ld->cur = -1;
}

/* A section header: text is what is between the brackets. */
static void
section_begin(struct loader *ld, const char *header, size_t len)
{
	struct catalog *cat = ld->cat;
	struct platform *p;
	char buf[CATALOG_LINE_MAX + 1], *text = buf, *id, *e;
	char v[4 * CATALOG_VALUE_SHOWN + 8];
	size_t i;
	void *np;

	section_end(ld);
	/* A copy: inih has yet to read the line. */
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, header, len);
	buf[len] = '\0';
	ld->in_section = 1;
	ld->have_key = 0;
	while (isspace((unsigned char)*text))
		text++;
	e = text + strlen(text);
	while (e > text && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (strncmp(text, "platform", 8) != 0 ||
	    (text[8] != '\0' && !isspace((unsigned char)text[8]))) {
		ld_err(ld, ld->lineno, "[%s]: unknown section, expected "
		    "[platform ID]", shown(text, strlen(text), v, sizeof(v)));
		return;
	}
	for (id = text + 8; isspace((unsigned char)*id); id++)
		;
	if (!is_ident(id, CATALOG_ID_MAX)) {
		ld_err(ld, ld->lineno, "[platform %s]: bad platform id: 1 to "
		    "%d of a-z, 0-9, '-' and '_', starting with a letter or "
		    "digit", shown(id, strlen(id), v, sizeof(v)),
		    CATALOG_ID_MAX);
		return;
	}
	for (i = 0; i < cat->nplatforms; i++) {
		if (strcmp(cat->platforms[i].id, id) == 0) {
			ld_err(ld, ld->lineno, "[platform %s]: duplicate "
			    "platform, first defined at %s:%u", id,
			    ld_path(ld, ld->meta[i].file), ld->meta[i].line);
			return;
		}
	}
	if (cat->nplatforms >= CATALOG_MAX_PLATFORMS) {
		if (!ld->toomany)
			ld_err(ld, ld->lineno, "[platform %s]: too many "
			    "platforms (at most %d)", id,
			    CATALOG_MAX_PLATFORMS);
		ld->toomany = 1;
		return;
	}
	if ((np = grow(cat->platforms, &ld->platcap, cat->nplatforms + 1,
	    sizeof(*cat->platforms))) == NULL) {
		errs_nomem(&ld->errs);
		return;
	}
	cat->platforms = np;
	if ((np = grow(ld->meta, &ld->metacap, cat->nplatforms + 1,
	    sizeof(*ld->meta))) == NULL) {
		errs_nomem(&ld->errs);
		return;
	}
	ld->meta = np;
	p = &cat->platforms[cat->nplatforms];
	memset(p, 0, sizeof(*p));
	memset(&ld->meta[cat->nplatforms], 0, sizeof(*ld->meta));
	if ((p->id = strdup(id)) == NULL) {
		errs_nomem(&ld->errs);
		return;
	}
	p->index = (uint16_t)cat->nplatforms;
	p->cat = CAT_OTHER;
	ld->meta[cat->nplatforms].file = ld->file;
	ld->meta[cat->nplatforms].line = ld->lineno;
	ld->cur = (long)cat->nplatforms++;
}

/*
 * The reader: lines to inih.
 */

/*
 * inih's scan for a character of chars, stopping at an inline comment
 * (';' after a blank), as in its find_chars_or_comment().
 */
static char *
ini_scan(char *s, const char *chars)
{
	int was_space = 0;

	while (*s && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/*
 * Check a line the way inih will read it (ini.c, ini_parse_stream): 0
 * and an error if inih would reject it.  A section header opens the
 * section here, so that sections without keys are seen too.
 */
static int
check_line(struct loader *ld, char *line)
{
	char *s = line, *e, *rest;

	/* inih skips a UTF-8 byte order mark at the start of the file. */
	if (ld->lineno == 1 && (unsigned char)s[0] == 0xef &&
	    (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf)
		s += 3;
	line = s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return 1;
	/* An indented line after a key continues that key's value. */
	if (ld->have_key && s > line)
		return 1;
	if (*s == '[') {
		e = ini_scan(s + 1, "]");
		if (*e != ']') {
			ld_err(ld, ld->lineno, "section header without ']'");
			return 0;
		}
		for (rest = e + 1; isspace((unsigned char)*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			ld_err(ld, ld->lineno, "text after the section header");
			return 0;
		}
		section_begin(ld, s + 1, (size_t)(e - (s + 1)));
		return 1;
	}
	e = ini_scan(s, "=:");
	if (*e != '=' && *e != ':') {
		ld_err(ld, ld->lineno, "expected key = value");
		return 0;
	}
	ld->have_key = 1;
	return 1;
}

/* inih's fgets: one line, counted and checked; a bad line reads blank. */
static char *
loader_read(char *str, int num, void *arg)
{
	struct loader *ld = arg;
	size_t n = 0, max = CATALOG_LINE_MAX;
	int c, nul = 0, toolong = 0;

	if (num < 4)
		return NULL;
	if ((size_t)num - 3 < max)
		max = (size_t)num - 3;
	if ((c = getc_unlocked(ld->fp)) == EOF)
		return NULL;
	if (++ld->lineno > CATALOG_MAX_LINES) {
		ld_err(ld, ld->lineno, "more than %d lines", CATALOG_MAX_LINES);
		return NULL;
	}
	while (c != EOF && c != '\n') {
		if (c == '\0')
			nul = 1;
		if (n < max)
			str[n++] = (char)c;
		else
			toolong = 1;
		c = getc_unlocked(ld->fp);
	}
	str[n] = '\0';
	if (toolong) {
		ld_err(ld, ld->lineno, "line longer than %zu bytes: continue "
		    "a long list on indented lines", max);
		str[0] = '\0';
	} else if (nul) {
		ld_err(ld, ld->lineno, "NUL byte in line");
		str[0] = '\0';
	} else if (!check_line(ld, str))
		str[0] = '\0';
	n = strlen(str);
	str[n++] = '\n';
	str[n] = '\0';
	return str;
}

/* A path as messages show it: control bytes escaped.  Caller frees. */
static char *
path_shown(const char *path)
{
	size_t len = strlen(path);
	char *s;

	if ((s = malloc(4 * len + 1)) == NULL)
		return NULL;
	return log_escape(path, len, s, 4 * len + 1);
}

static void
load_file(struct loader *ld, const char *path)
{
	char **np, *copy;
	struct stat st;
	int fd, rc;

	if ((copy = path_shown(path)) == NULL ||
	    (np = reallocarray(ld->paths, ld->npaths + 1,
	    sizeof(*ld->paths))) == NULL) {
		free(copy);
		errs_nomem(&ld->errs);
		return;
	}
	ld->paths = np;
	ld->paths[ld->npaths] = copy;
	ld->file = (uint16_t)ld->npaths++;
	ld->lineno = 0;
	ld->in_section = 0;
	ld->have_key = 0;
	ld->cur = -1;

	/* Not blocking: a FIFO named *.conf must not hang the daemon. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		errs_add(&ld->errs, "%s: %s", copy, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errs_add(&ld->errs, "%s: not a regular file", copy);
		close(fd);
		return;
	}
	if ((ld->fp = fdopen(fd, "r")) == NULL) {
		errs_add(&ld->errs, "%s: %s", copy, strerror(errno));
		close(fd);
		return;
	}
	rc = ini_parse_stream(loader_read, ld, loader_key, ld);
	section_end(ld);
	if (ferror(ld->fp))
		errs_add(&ld->errs, "%s: %s", copy, strerror(errno));
	else if (rc != 0 && ld->errs.n == 0)
		/* Cannot happen when check_line() mirrors inih; be safe. */
		ld_err(ld, (unsigned)(rc > 0 ? rc : 0), "syntax error");
	fclose(ld->fp);
	ld->fp = NULL;
}

/*
 * Building the lookup structures.
 */

/*
 * Where a name of platform plat was first written.  A platform's domains
 * were read one after another, so only its own stretch of the pool is
 * scanned; this runs for duplicates only.
 */
static uint32_t
first_written(const struct loader *ld, uint16_t plat,
    const unsigned char *name, size_t len)
{
	const struct pmeta *m = &ld->meta[plat];
	const unsigned char *rec;
	size_t off = m->first_off, ord = m->first_ord;

	for (; off < ld->poolsize; off += REC_HDR + rec[0], ord++) {
		rec = ld->pool + off;
		if ((rec[1] | rec[2] << 8) != plat)
			break;
		if (rec[0] == len && memcmp(rec + REC_HDR, name, len) == 0)
			return ld->dloc[ord];
	}
	return 0;
}

static void
dup_error(struct loader *ld, size_t ord, const unsigned char *rec,
    const unsigned char *e)
{
	struct catalog *cat = ld->cat;
	uint16_t plat = (uint16_t)(rec[1] | rec[2] << 8);
	uint16_t other = entry_platform(e);
	uint32_t at = ld->dloc[ord], first;

	if (ld->errs.n >= CATALOG_MAX_ERRORS) {
		ld->errs.n++;	/* counted, not shown: skip the scan */
		return;
	}
	first = first_written(ld, other, rec + REC_HDR, rec[0]);
	if (plat == other)
		errs_add(&ld->errs, "%s:%u: [platform %s] domains = %.*s: "
		    "listed twice, first at %s:%u", ld_path(ld, loc_file(at)),
		    loc_line(at), cat->platforms[plat].id, (int)rec[0],
		    rec + REC_HDR, ld_path(ld, loc_file(first)),
		    loc_line(first));
	else
		errs_add(&ld->errs, "%s:%u: [platform %s] domains = %.*s: "
		    "already in [platform %s] at %s:%u",
		    ld_path(ld, loc_file(at)), loc_line(at),
		    cat->platforms[plat].id, (int)rec[0], rec + REC_HDR,
		    cat->platforms[other].id, ld_path(ld, loc_file(first)),
		    loc_line(first));
}

/*
 * Fill nbuckets buckets, the filter and the long pool: 0, or -1 if the
 * buckets are too few after all (entries do not split across buckets,
 * so how many fit depends on their sizes, not only on their total).
 */
static int
build_table(struct loader *ld, size_t nbuckets)
{
	struct catalog *cat = ld->cat;
	unsigned char scratch[NAME_END + SLACK], *bk, *e;
	const unsigned char *rec, *name, *dup;
	size_t off, ord, longbytes = 0, len, esz, b, b2, n, labels;
	uint32_t loff;
	uint64_t h;

	for (off = 0; off < ld->poolsize; off += REC_HDR + len)
		if ((len = ld->pool[off]) > INLINE_MAX)
			longbytes += len;
	cat->nbuckets = nbuckets;
	cat->nwords = cat->ndomains * FILTER_BITS / 64 + 1;
	if ((cat->buckets = table_alloc(cat->nbuckets * BUCKET_SIZE + SLACK,
	    &cat->bucketmap)) == NULL ||
	    (cat->filter = table_alloc(cat->nwords * sizeof(uint64_t),
	    &cat->filtermap)) == NULL ||
	    (longbytes > 0 &&
	    (cat->longpool = calloc(1, longbytes + SLACK)) == NULL)) {
		errs_nomem(&ld->errs);
		return 0;
	}
	cat->minlabels = LOOKUP_LABELS;
	cat->maxlabels = 1;
	for (off = 0, ord = 0; off < ld->poolsize; off += REC_HDR + len,
	    ord++) {
		rec = ld->pool + off;
		len = rec[0];
		h = hash_name(rec + REC_HDR, len, scratch, &labels);
		/* The copy hashing left in scratch has SLACK after it. */
		name = scratch + NAME_END - len;
		if ((dup = bucket_find(cat, h, name, len)) != NULL) {
			dup_error(ld, ord, rec, dup);
			continue;
		}
		/*
		 * The emptier of the two choices; if neither has room, the
		 * first bucket with room after the first choice, and the
		 * buckets passed over overflow.
		 */
		esz = ENTRY_HDR + (len <= INLINE_MAX ? len : 4);
		b = bucket_of(cat, h);
		b2 = bucket2_of(cat, h);
		if (cat->buckets[b2 * BUCKET_SIZE + 1] <
		    cat->buckets[b * BUCKET_SIZE + 1] &&
		    cat->buckets[b2 * BUCKET_SIZE + 1] + esz <= BUCKET_ROOM)
			b = b2;
		for (n = 0; n < cat->nbuckets; n++) {
			bk = cat->buckets + b * BUCKET_SIZE;
			if (bk[1] + esz <= BUCKET_ROOM)
				break;
			bk[0] |= B_OVERFLOW;
			if (++b == cat->nbuckets)
				b = 0;
		}
		if (n == cat->nbuckets)
			return -1;
		bk = cat->buckets + b * BUCKET_SIZE;
		e = bk + BUCKET_HDR + bk[1];
		e[0] = fingerprint(h);
		e[1] = (unsigned char)len;
		e[2] = rec[1];
		e[3] = rec[2];
		if (len <= INLINE_MAX)
			memcpy(e + ENTRY_HDR, name, len);
		else {
			memcpy(cat->longpool + cat->longsize, name, len);
			loff = htole32((uint32_t)cat->longsize);
			memcpy(e + ENTRY_HDR, &loff, sizeof(loff));
			cat->longsize += len;
		}
		bk[1] = (unsigned char)(bk[1] + esz);
		filter_add(cat, h);
		if (labels < cat->minlabels)
			cat->minlabels = labels;
		if (labels > cat->maxlabels)
			cat->maxlabels = labels;
	}
	return 0;
}

/*
 * Build the table, FILL_PERCENT full on average, with more buckets each
 * time the entries turn out not to fit.  With as many buckets as entries
 * they always do, so this ends.
 */
static void
build_lookup(struct loader *ld)
{
	struct catalog *cat = ld->cat;
	size_t off, len, need = 0, nbuckets, errlen, nerr;

	for (off = 0; off < ld->poolsize; off += REC_HDR + len) {
		len = ld->pool[off];
		need += ENTRY_HDR + (len <= INLINE_MAX ? len : 4);
	}
	nbuckets = need * 100 / (BUCKET_ROOM * FILL_PERCENT) + 1;
	errlen = ld->errs.len;
	nerr = ld->errs.n;
	while (build_table(ld, nbuckets) == -1) {
		table_free(cat->buckets, cat->bucketmap);
		table_free(cat->filter, cat->filtermap);
		free(cat->longpool);
		cat->buckets = NULL;
		cat->filter = NULL;
		cat->longpool = NULL;
		cat->longsize = 0;
		/* The duplicates found so far will be found again. */
		ld->errs.len = errlen;
		ld->errs.n = nerr;
		if (ld->errs.buf != NULL)
			ld->errs.buf[errlen] = '\0';
		nbuckets += nbuckets / 2 + 1;
	}
}

static void
range_of(const struct cidr *c, struct range *r)
{
	size_t nb = range_bytes(range_family(&c->a)), i;

	memset(r, 0, sizeof(*r));
	memcpy(r->lo, c->a.bytes, nb);
	memcpy(r->hi, c->a.bytes, nb);
	for (i = 0; i < nb; i++) {
		size_t bit = i * 8;

		if (bit >= c->prefix)
			r->hi[i] = 0xff;
		else if (bit + 8 > c->prefix)
			r->hi[i] |= (uint8_t)(0xff >> (c->prefix - bit));
	}
}

static int
cidrloc_cmp(const void *a, const void *b)
{
	const struct cidrloc *x = a, *y = b;
	struct range rx, ry;
	int c;

	if (x->c.a.family != y->c.a.family)
		return x->c.a.family < y->c.a.family ? -1 : 1;
	range_of(&x->c, &rx);
	range_of(&y->c, &ry);
	if ((c = memcmp(rx.lo, ry.lo, 16)) != 0)
		return c;
	/* Wider first, then load order: the message names the earlier one. */
	if (x->c.prefix != y->c.prefix)
		return x->c.prefix < y->c.prefix ? -1 : 1;
	if (x->at.file != y->at.file)
		return x->at.file < y->at.file ? -1 : 1;
	return x->at.line < y->at.line ? -1 : x->at.line > y->at.line;
}

/*
 * Sorted, non-overlapping ranges per family.  Overlapping prefixes are
 * errors even within one platform: which platform an address belongs to
 * must never depend on the order of the files.
 */
static void
build_ranges(struct loader *ld)
{
	struct catalog *cat = ld->cat;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct range r, prev;
	size_t i, fam, keep = 0;
	int have = 0;

	if (ld->ncidrs == 0)
		return;
	qsort(ld->cidrs, ld->ncidrs, sizeof(*ld->cidrs), cidrloc_cmp);
	for (fam = 0; fam < 2; fam++) {
		if ((cat->ranges[fam] = calloc(ld->ncidrs,
		    sizeof(struct range))) == NULL) {
			errs_nomem(&ld->errs);
			return;
		}
	}
	memset(&prev, 0, sizeof(prev));
	for (i = 0; i < ld->ncidrs; i++) {
		const struct cidrloc *c = &ld->cidrs[i];
		size_t nb;

		fam = (size_t)range_family(&c->c.a);
		nb = range_bytes((int)fam);
		range_of(&c->c, &r);
		r.platform = c->platform;
		if (have && ld->cidrs[keep].c.a.family ==
		    c->c.a.family && memcmp(r.lo, prev.hi, nb) <= 0) {
			const struct cidrloc *f = &ld->cidrs[keep];

			cidr_format(&c->c, a, sizeof(a));
			cidr_format(&f->c, b, sizeof(b));
			errs_add(&ld->errs, "%s:%u: [platform %s] cidrs = %s: "
			    "overlaps %s of [platform %s] at %s:%u",
			    ld_path(ld, c->at.file), c->at.line,
			    cat->platforms[c->platform].id, a, b,
			    cat->platforms[f->platform].id,
			    ld_path(ld, f->at.file), f->at.line);
			continue;
		}
		cat->ranges[fam][cat->nranges[fam]++] = r;
		prev = r;
		keep = i;
		have = 1;
	}
}

static int
bymark_cmp(const void *a, const void *b, void *arg)
{
	const struct catalog *cat = arg;
	uint32_t x = cat->platforms[*(const uint16_t *)a].mark;
	uint32_t y = cat->platforms[*(const uint16_t *)b].mark;

	return x < y ? -1 : x > y;
}

/*
 * A platform's firewall mark comes from its id (FNV-1a, 31 bits, never
 * 0), not from its place in the catalogue: a table the kernel kept, or a
 * catalogue reloaded with a platform added, still means the same
 * platforms.  Ids that collide (rare) take the next free value, in id
 * order, so the result depends only on the set of ids.
 */
static int
assign_marks(struct catalog *cat)
{
	uint32_t *taken, h, m;
	size_t i, j, size = 16, mask;
	const char *p;

	while (size < cat->nplatforms * 2)
		size <<= 1;
	mask = size - 1;
	if ((taken = calloc(size, sizeof(*taken))) == NULL ||
	    (cat->bymark = calloc(cat->nplatforms,
	    sizeof(*cat->bymark))) == NULL) {
		free(taken);
		return -1;
	}
	for (i = 0; i < cat->nplatforms; i++) {
		struct platform *pl = &cat->platforms[cat->byid[i]];

		h = 2166136261u;
		for (p = pl->id; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= 16777619u;
		}
		for (m = h & 0x7fffffffu;; m = (m + 1) & 0x7fffffffu) {
			if (m == 0)
				continue;
			for (j = m & mask; taken[j] != 0 && taken[j] != m;
			    j = (j + 1) & mask)
				;
			if (taken[j] == 0) {
				taken[j] = m;
				break;
			}
		}
		pl->mark = m;
		cat->bymark[i] = (uint16_t)cat->byid[i];
	}
	free(taken);
	qsort_r(cat->bymark, cat->nplatforms, sizeof(*cat->bymark),
	    bymark_cmp, cat);
	return 0;
}

static int
byid_cmp(const void *a, const void *b, void *arg)
{
	const struct catalog *cat = arg;

	return strcmp(cat->platforms[*(const uint16_t *)a].id,
	    cat->platforms[*(const uint16_t *)b].id);
}

static struct catalog *
load_finish(struct loader *ld, char **cause)
{
	struct catalog *cat = ld->cat;
	size_t i;
	void *p;

	if (!ld->errs.nomem)
		build_lookup(ld);
	if (!ld->errs.nomem)
		build_ranges(ld);
	if (!ld->errs.nomem && cat->nplatforms > 0) {
		if ((cat->byid = calloc(cat->nplatforms,
		    sizeof(*cat->byid))) == NULL)
			errs_nomem(&ld->errs);
		else {
			for (i = 0; i < cat->nplatforms; i++)
				cat->byid[i] = (uint16_t)i;
			qsort_r(cat->byid, cat->nplatforms, sizeof(*cat->byid),
			    byid_cmp, cat);
			if (assign_marks(cat) < 0)
				errs_nomem(&ld->errs);
		}
	}
	for (i = 0; i < ld->npaths; i++)
		free(ld->paths[i]);
	free(ld->paths);
	free(ld->pool);
	free(ld->dloc);
	free(ld->meta);
	free(ld->cidrs);
	if (ld->errs.n > 0) {
		errs_finish(&ld->errs, cause);
		catalog_free(cat);
		return NULL;
	}
	free(ld->errs.buf);
	if (cat->nplatforms > 0 && (p = reallocarray(cat->platforms,
	    cat->nplatforms, sizeof(*cat->platforms))) != NULL)
		cat->platforms = p;
	if (cause != NULL)
		*cause = NULL;
	return cat;
}

static int
loader_init(struct loader *ld)
{
	memset(ld, 0, sizeof(*ld));
	ld->cur = -1;
	if ((ld->cat = calloc(1, sizeof(*ld->cat))) == NULL)
		return -1;
	return 0;
}

struct catalog *
catalog_load_files(const char *const *paths, size_t n, char **cause)
{
	struct loader ld;
	size_t i;

	if (loader_init(&ld) == -1) {
		if (cause != NULL)
			*cause = strdup("out of memory");
		return NULL;
	}
	if (n == 0)
		errs_add(&ld.errs, "no catalogue files");
	else if (n > CATALOG_MAX_FILES)
		errs_add(&ld.errs, "too many catalogue files (at most %d)",
		    CATALOG_MAX_FILES);
	else
		for (i = 0; i < n && !ld.errs.nomem; i++)
			load_file(&ld, paths[i]);
	return load_finish(&ld, cause);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct catalog *
catalog_load_dir(const char *dir, char **cause)
{
	struct catalog *cat = NULL;
	struct dirent *de;
	char **paths = NULL, **np, *path, *shown_dir;
	size_t n = 0, i, len;
	DIR *d;

	if ((shown_dir = path_shown(dir)) == NULL) {
		if (cause != NULL)
			*cause = strdup("out of memory");
		return NULL;
	}
	if ((d = opendir(dir)) == NULL) {
		if (cause != NULL && asprintf(cause, "%s: %s", shown_dir,
		    strerror(errno)) == -1)
			*cause = NULL;
		free(shown_dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* Hidden files are editors' and package managers' leftovers. */
		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (n >= CATALOG_MAX_FILES) {
			if (cause != NULL && asprintf(cause, "%s: more than %d "
			    "*.conf files", shown_dir, CATALOG_MAX_FILES) == -1)
				*cause = NULL;
			goto out;
		}
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1)
			goto nomem;
		if ((np = reallocarray(paths, n + 1, sizeof(*paths))) == NULL) {
			free(path);
			goto nomem;
		}
		paths = np;
		paths[n++] = path;
	}
	if (n == 0) {
		if (cause != NULL && asprintf(cause, "%s: no *.conf files",
		    shown_dir) == -1)
			*cause = NULL;
		goto out;
	}
	/* By name, bytewise: the order does not depend on the locale. */
	qsort(paths, n, sizeof(*paths), name_cmp);
	cat = catalog_load_files((const char *const *)paths, n, cause);
	goto out;
nomem:
	if (cause != NULL)
		*cause = strdup("out of memory");
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(shown_dir);
	return cat;
}
