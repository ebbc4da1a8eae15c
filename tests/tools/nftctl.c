/*
 * nftctl: drive nft.c from the shell, for tests/t-nft-netns.sh.
 *
 *   nftctl setup [--persist] [--lan CIDR,...] [--blockpage A4:PORT]
 *       [--bp6 A6] [--hold SECONDS]
 *   nftctl add-addr SERVER MARK [TIMEOUT_MS]    nftctl del-addr SERVER
 *   nftctl add-flow CLIENT SERVER CPORT MARK [TIMEOUT_MS]
 *   nftctl del-flow CLIENT SERVER CPORT
 *   nftctl add-deny CLIENT MARK [TIMEOUT_MS]    nftctl del-deny CLIENT MARK
 *   nftctl bulk N                add N deny elements in one batch, check
 *                                they are there, remove them in one batch
 *   nftctl meter                 "CLIENT MARK BYTES PACKETS" per element
 *   nftctl list SET              "KEY-HEX [DATA-HEX] TIMEOUT EXPIRES"
 *   nftctl flags                 the table's flags (or "none")
 *   nftctl delete
 *
 * Exit 0 on success, 1 with the cause on stderr.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "nft.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: nftctl setup|add-addr|del-addr|add-flow|"
	    "del-flow|add-deny|del-deny|bulk|meter|list|flags|delete ...\n");
	exit(2);
}

static uint64_t
num(const char *s, uint64_t max)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max) {
		fprintf(stderr, "nftctl: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

static struct addr
addr(const char *s)
{
	struct addr	 a;

	if (addr_parse(s, &a) != 0) {
		fprintf(stderr, "nftctl: bad address: %s\n", s);
		exit(2);
	}
	return a;
}

static int
fail(const char *what, int rc, char *cause)
{
	fprintf(stderr, "nftctl: %s: %s\n", what,
	    cause != NULL ? cause : strerror(-rc));
	free(cause);
	return 1;
}

static void
print_meter(const struct addr *client, uint32_t mark, uint64_t bytes,
    uint64_t packets, void *arg)
{
	char	 buf[ADDR_STRLEN];

	(void)arg;
	addr_format(client, buf, sizeof(buf));
	printf("%s %u %" PRIu64 " %" PRIu64 "\n", buf, mark, bytes, packets);
}

static void
print_elem(const uint8_t *key, size_t keylen, const uint8_t *data,
    size_t datalen, uint64_t timeout_ms, uint64_t expires_ms, void *arg)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < keylen; i++)
		printf("%02x", key[i]);
	if (data != NULL) {
		printf(" : ");
		for (i = 0; i < datalen; i++)
			printf("%02x", data[i]);
	}
	printf(" %" PRIu64 " %" PRIu64 "\n", timeout_ms, expires_ms);
}

static void
count_elem(const uint8_t *key, size_t keylen, const uint8_t *data,
    size_t datalen, uint64_t timeout_ms, uint64_t expires_ms, void *arg)
{
	(void)key;
	(void)keylen;
	(void)data;
	(void)datalen;
	(void)timeout_ms;
	(void)expires_ms;
	(*(size_t *)arg)++;
}

static struct addr
nth_client(size_t i)
{
	struct addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.bytes[0] = 100;
	a.bytes[1] = (uint8_t)(64 + (i >> 16) % 64);
	a.bytes[2] = (uint8_t)(i >> 8);
	a.bytes[3] = (uint8_t)i;
	return a;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bulk(struct nft *n, size_t count)
{
	struct nft_batch	*b;
	struct addr		 a;
	char			*cause = NULL;
	size_t			 i, have = 0;
	double			 t0, t1, t2;
	int			 rc;

	if ((b = nft_batch_new()) == NULL)
		return fail("bulk", -ENOMEM, NULL);
	for (i = 0; i < count; i++) {
		a = nth_client(i);
		if ((rc = nft_add_deny(b, &a, 1 + (uint32_t)(i % 7), 0)) != 0) {
			rc = fail("bulk", rc, NULL);
			goto fail;
		}
	}
	t0 = now();
	if ((rc = nft_commit(n, b, &cause)) != 0) {
		rc = fail("bulk add", rc, cause);
		goto fail;
	}
	t1 = now();
	if ((rc = nft_set_read(n, "deny4", count_elem, &have, &cause)) != 0) {
		rc = fail("bulk list", rc, cause);
		goto fail;
	}
	nft_batch_reset(b);
	for (i = 0; i < count; i++) {
		a = nth_client(i);
		if ((rc = nft_del_deny(b, &a, 1 + (uint32_t)(i % 7))) != 0) {
			rc = fail("bulk", rc, NULL);
			goto fail;
		}
	}
	t2 = now();
	if ((rc = nft_commit(n, b, &cause)) != 0) {
		rc = fail("bulk del", rc, cause);
		goto fail;
	}
	printf("bulk: %zu elements in %zu messages: added in %.3f s, "
	    "%zu listed, deleted in %.3f s\n", count, nft_batch_count(b),
	    t1 - t0, have, now() - t2);
	nft_batch_free(b);
	return have >= count ? 0 : 1;
 fail:
	nft_batch_free(b);
	return rc;
}

static int
setup(struct nft *n, int argc, char **argv)
{
	struct nft_setup	 s;
	struct cidr		 lan[16];
	char			*cause = NULL, *list, *p, *save = NULL, *colon;
	unsigned		 hold = 0;
	uint32_t		 flags = 0;
	int			 i, rc;

	memset(&s, 0, sizeof(s));
	s.lan = lan;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--persist") == 0)
			s.persist = true;
		else if (strcmp(argv[i], "--lan") == 0 && i + 1 < argc) {
			if ((list = strdup(argv[++i])) == NULL)
				return fail("setup", -ENOMEM, NULL);
			for (p = strtok_r(list, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save)) {
				if (s.nlan == 16 ||
				    cidr_parse(p, &lan[s.nlan]) != 0) {
					fprintf(stderr, "nftctl: bad lan %s\n",
					    p);
					free(list);
					return 2;
				}
				s.nlan++;
			}
			free(list);
		} else if (strcmp(argv[i], "--blockpage") == 0 &&
		    i + 1 < argc) {
			if ((list = strdup(argv[++i])) == NULL)
				return fail("setup", -ENOMEM, NULL);
			if ((colon = strrchr(list, ':')) == NULL)
				usage();
			*colon = '\0';
			s.blockpage = true;
			s.bp4 = addr(list);
			s.bp_port = (uint16_t)num(colon + 1, 65535);
			free(list);
		} else if (strcmp(argv[i], "--bp6") == 0 && i + 1 < argc)
			s.bp6 = addr(argv[++i]);
		else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
			hold = (unsigned)num(argv[++i], 3600);
		else
			usage();
	}
	rc = nft_setup(n, &s, &cause);
	if (rc < 0)
		return fail("setup", rc, cause);
	if (rc == NFT_SETUP_UNOWNED)
		fprintf(stderr, "nftctl: warning: %s\n", cause);
	free(cause);
	cause = NULL;
	if ((rc = nft_table_flags(n, &flags, &cause)) < 0)
		return fail("flags", rc, cause);
	printf("setup: table flags 0x%x\n", flags);
	if (hold > 0) {
		printf("holding\n");
		fflush(stdout);
		sleep(hold);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct nft		*n;
	struct nft_batch	*b;
	struct addr		 c, sv;
	char			*cause = NULL;
	const char		*cmd;
	uint32_t		 flags;
	int			 rc = 0;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if ((n = nft_open(&cause)) == NULL)
		return fail("open", -EIO, cause);
	if ((b = nft_batch_new()) == NULL)
		return fail(cmd, -ENOMEM, NULL);

	if (strcmp(cmd, "setup") == 0) {
		rc = setup(n, argc - 2, argv + 2);
		goto out;
	} else if (strcmp(cmd, "add-addr") == 0 && (argc == 4 || argc == 5)) {
		sv = addr(argv[2]);
		rc = nft_add_addr(b, &sv, (uint32_t)num(argv[3], UINT32_MAX),
		    argc == 5 ? num(argv[4], UINT64_MAX) : 0);
	} else if (strcmp(cmd, "del-addr") == 0 && argc == 3) {
		sv = addr(argv[2]);
		rc = nft_del_addr(b, &sv);
	} else if (strcmp(cmd, "add-flow") == 0 && (argc == 6 || argc == 7)) {
		c = addr(argv[2]);
		sv = addr(argv[3]);
		rc = nft_add_flow(b, &c, &sv, (uint16_t)num(argv[4], 65535),
		    (uint32_t)num(argv[5], UINT32_MAX),
		    argc == 7 ? num(argv[6], UINT64_MAX) : 0);
	} else if (strcmp(cmd, "del-flow") == 0 && argc == 5) {
		c = addr(argv[2]);
		sv = addr(argv[3]);
		rc = nft_del_flow(b, &c, &sv, (uint16_t)num(argv[4], 65535));
	} else if (strcmp(cmd, "add-deny") == 0 && (argc == 4 || argc == 5)) {
		c = addr(argv[2]);
		rc = nft_add_deny(b, &c, (uint32_t)num(argv[3], UINT32_MAX),
		    argc == 5 ? num(argv[4], UINT64_MAX) : 0);
	} else if (strcmp(cmd, "del-deny") == 0 && argc == 4) {
		c = addr(argv[2]);
		rc = nft_del_deny(b, &c, (uint32_t)num(argv[3], UINT32_MAX));
	} else if (strcmp(cmd, "delete") == 0 && argc == 2)
		rc = nft_build_delete(b);
	else if (strcmp(cmd, "bulk") == 0 && argc == 3) {
		rc = bulk(n, (size_t)num(argv[2], 10000000));
		goto out;
	} else if (strcmp(cmd, "meter") == 0 && argc == 2) {
		if ((rc = nft_meter_read(n, print_meter, NULL, &cause)) != 0)
			rc = fail(cmd, rc, cause);
		goto out;
	} else if (strcmp(cmd, "list") == 0 && argc == 3) {
		if ((rc = nft_set_read(n, argv[2], print_elem, NULL,
		    &cause)) != 0)
			rc = fail(cmd, rc, cause);
		goto out;
	} else if (strcmp(cmd, "flags") == 0 && argc == 2) {
		if ((rc = nft_table_flags(n, &flags, &cause)) < 0)
			rc = fail(cmd, rc, cause);
		else {
			if (rc == 0)
				printf("none\n");
			else
				printf("0x%x\n", flags);
			rc = 0;
		}
		goto out;
	} else
		usage();
	if (rc != 0)
		rc = fail(cmd, rc, NULL);
	else if ((rc = nft_commit(n, b, &cause)) != 0)
		rc = fail(cmd, rc, cause);
 out:
	nft_batch_free(b);
	nft_close(n);
	return rc;
}
