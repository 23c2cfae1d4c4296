/*
 * resolver/tcp_admit.c - the instance's TCP connection count, in all and per client address:
 * a seeded hash of the addresses that hold connections (an entry lives while its count is
 * above zero, so there are never more entries than connections) under one mutex.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "acl.h"
#include "hlru.h"
#include "tcp_admit.h"
#include "vutil.h"

/* Chains: a power of two. Connections are few (tcp.max_connections, 256 by default). */
#define TCP_ADMIT_BUCKETS 256

struct tcp_client {
	SLIST_ENTRY(tcp_client) chain;
	uint8_t addr[16];
	int fam;
	unsigned long n;
};

struct tcp_admit {
	pthread_mutex_t mu;
	unsigned long total;
	uint64_t seed;			/* clients choose their addresses: no aimable chain */
	SLIST_HEAD(, tcp_client) chains[TCP_ADMIT_BUCKETS];
};

struct tcp_admit *
tcp_admit_new(void)
{
	struct tcp_admit *ta = calloc(1, sizeof(*ta));

	if (ta == NULL)
		return NULL;
	REQUIRE(pthread_mutex_init(&ta->mu, NULL) == 0);
	random_buf(&ta->seed, sizeof(ta->seed));
	return ta;
}

void
tcp_admit_free(struct tcp_admit *ta)
{
	struct tcp_client *c;

	if (ta == NULL)
		return;
	for (size_t i = 0; i < TCP_ADMIT_BUCKETS; i++)
		while ((c = SLIST_FIRST(&ta->chains[i])) != NULL) {
			SLIST_REMOVE_HEAD(&ta->chains[i], chain);
			free(c);
		}
	pthread_mutex_destroy(&ta->mu);
	free(ta);
}

/* peer's entry (NULL if none) and its chain; the address bytes into addr, family into fam. */
static struct tcp_client *
tcp_admit_find(struct tcp_admit *ta, const struct netaddr *peer, uint8_t addr[16], int *fam,
    size_t *bucket)
{
	struct tcp_client *c;

	memset(addr, 0, 16);
	*fam = acl_addr_bytes(peer, addr);
	*bucket = hlru_fold(hlru_fnv(HLRU_FNV_INIT ^ ta->seed, addr, 16)) % TCP_ADMIT_BUCKETS;
	SLIST_FOREACH(c, &ta->chains[*bucket], chain)
		if (c->fam == *fam && memcmp(c->addr, addr, 16) == 0)
			return c;
	return NULL;
}

enum tcp_admit_refusal
tcp_admit_take(struct tcp_admit *ta, const struct netaddr *peer, unsigned long max_total,
    unsigned long max_per_client)
{
	enum tcp_admit_refusal why = TCP_ADMIT_OK;
	struct tcp_client *c;
	uint8_t addr[16];
	size_t b;
	int fam;

	pthread_mutex_lock(&ta->mu);
	c = tcp_admit_find(ta, peer, addr, &fam, &b);
	if (c != NULL && c->n >= max_per_client)
		why = TCP_ADMIT_PER_CLIENT;
	else if (ta->total >= max_total)
		why = TCP_ADMIT_FULL;
	else if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL)
		why = TCP_ADMIT_FULL; /* out of memory: as if full */
	else {
		if (c->n == 0) {
			memcpy(c->addr, addr, sizeof(c->addr));
			c->fam = fam;
			SLIST_INSERT_HEAD(&ta->chains[b], c, chain);
		}
		c->n++;
		ta->total++;
	}
	pthread_mutex_unlock(&ta->mu);
	return why;
}

void
tcp_admit_give(struct tcp_admit *ta, const struct netaddr *peer)
{
	struct tcp_client *c;
	uint8_t addr[16];
	size_t b;
	int fam;

	pthread_mutex_lock(&ta->mu);
	if ((c = tcp_admit_find(ta, peer, addr, &fam, &b)) != NULL) {
		ta->total--;
		if (--c->n == 0) {
			SLIST_REMOVE(&ta->chains[b], c, tcp_client, chain);
			free(c);
		}
	}
	pthread_mutex_unlock(&ta->mu);
}
