/* mirror/ratelimit.c - per-source budgets for the network's POSTs (joins, removes, notices). */
#include "autoconf.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ratelimit.h"

/* One source address's budget, refilled continuously. */
struct ratelimit_src {
	uint8_t key[16];		/* IPv4, or the /64 of an IPv6 address */
	uint64_t last_ms;
	uint64_t used_milli;		/* spent budget in thousandths of a request */
};

struct ratelimit {
	struct ratelimit_src *v;
	size_t n;
};

struct ratelimit *
ratelimit_new(void)
{
	return calloc(1, sizeof(struct ratelimit));
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->v);
	free(rl);
}

/* client's slot, a fresh one (or the oldest, reused) when it has none; NULL out of memory. */
static struct ratelimit_src *
ratelimit_slot(struct ratelimit *rl, const uint8_t key[16], uint64_t now)
{
	struct ratelimit_src *r, *oldest = NULL, *nv;
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (memcmp(rl->v[i].key, key, 16) == 0)
			return &rl->v[i];
		if (oldest == NULL || rl->v[i].last_ms < oldest->last_ms)
			oldest = &rl->v[i];
	}
	if (rl->n < RATELIMIT_SLOTS) {
		if ((nv = realloc(rl->v, (rl->n + 1) * sizeof(*nv))) == NULL)
			return NULL;
		rl->v = nv;
		r = &rl->v[rl->n++];
	} else {
		r = oldest;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, 16);
	r->last_ms = now;
	return r;
}

int
ratelimit_ok(struct ratelimit *rl, const struct netaddr *client, unsigned per_minute,
    uint64_t now)
{
	const struct sockaddr *sa = (const struct sockaddr *)&client->ss;
	uint64_t per_req = 60000 / per_minute, refill;
	struct ratelimit_src *r;
	uint8_t key[16] = { 0 };

	if (sa->sa_family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 8);
	if ((r = ratelimit_slot(rl, key, now)) == NULL)
		return 0;
	refill = (now - r->last_ms) * 1000 / per_req;
	r->used_milli = r->used_milli > refill ? r->used_milli - refill : 0;
	r->last_ms = now;
	if (r->used_milli + 1000 > (uint64_t)per_minute * 1000)
		return 0;
	r->used_milli += 1000;
	return 1;
}
