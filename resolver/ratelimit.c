/* resolver/ratelimit.c - ratelimit: a token bucket per client (IPv4 address, IPv6 /64), in a
 * fixed table of slots so that no client can make it grow. */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "ratelimit.h"
#include "vutil.h"

struct ratelimit_slot {
	uint8_t key[8];		/* IPv4 address or IPv6 /64 */
	uint32_t tokens_milli;	/* thousandths of a token: smooth refill at any rate */
	uint64_t last_ms;
};

struct ratelimit {
	pthread_mutex_t mu;		/* every worker loop's clients share the buckets */
	uint32_t qps, burst;
	size_t nslots;
	uint64_t seed;
	struct ratelimit_slot slots[];
};

struct ratelimit *
ratelimit_new(uint32_t qps, uint32_t burst, size_t slots)
{
	struct ratelimit *rl;

	if (slots == 0)
		slots = 1;
	if ((rl = calloc(1, sizeof(*rl) + slots * sizeof(rl->slots[0]))) == NULL)
		return NULL;
	pthread_mutex_init(&rl->mu, NULL);
	rl->qps = qps;
	rl->burst = burst < qps ? qps : burst;
	rl->nslots = slots;
	random_buf(&rl->seed, sizeof(rl->seed));
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl != NULL)
		pthread_mutex_destroy(&rl->mu);
	free(rl);
}

int
ratelimit_allow(struct ratelimit *rl, const struct netaddr *peer, uint64_t now)
{
	uint8_t b[16] = { 0 }, key[8] = { 0 };
	uint64_t h;
	struct ratelimit_slot *s;
	uint64_t cap;
	int fam, allow;

	if (rl == NULL || rl->qps == 0)
		return 1;
	fam = acl_addr_bytes(peer, b);
	/* A v6 client controls its whole /64: one bucket for it, or it could rotate. */
	memcpy(key, b, fam == 4 ? 4 : 8);
	h = rl->seed ^ (uint64_t)fam;
	for (size_t i = 0; i < sizeof(key); i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	s = &rl->slots[(h ^ (h >> 29)) % rl->nslots];
	cap = (uint64_t)rl->burst * 1000;
	pthread_mutex_lock(&rl->mu);
	if (memcmp(s->key, key, sizeof(key)) != 0 || s->last_ms == 0) {
		memcpy(s->key, key, sizeof(key));
		s->tokens_milli = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
		s->last_ms = now;
	} else if (now > s->last_ms) {
		uint64_t t = s->tokens_milli + (now - s->last_ms) * rl->qps;
		s->tokens_milli = (uint32_t)(t > cap ? (cap > UINT32_MAX ? UINT32_MAX : cap) : t);
		s->last_ms = now;
	}
	allow = s->tokens_milli >= 1000;
	if (allow)
		s->tokens_milli -= 1000;
	pthread_mutex_unlock(&rl->mu);
	return allow;
}
